#pragma once
// The parts of engram::gbench its tests reach: option parsing, the counts
// per iteration, the callgrind child's command line and report, the hooks.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/counters.hpp"
#include "engram/counters_gbench.hpp"

namespace engram::gbench::detail {

// Google Benchmark's --benchmark_out without a file of its own to write.
inline constexpr const char* kNullBenchmarkOut = "--benchmark_out=/dev/null";
// The line a callgrind child prints on stdout after its run.
inline constexpr std::string_view kChildReport = "engram-gbench-child: collected=";
inline constexpr std::uint64_t kDefaultSimulationIterations = 10;

struct Settings {
  std::vector<std::string> counters;  // as written in --counters, in order
  counters::SimulationMode simulation = counters::SimulationMode::automatic;
  std::uint64_t simulation_iterations = kDefaultSimulationIterations;
  // Non-zero: this process is a callgrind child collecting that many iterations.
  std::uint64_t child_iterations = 0;
  bool help = false;
  std::string display_format = "console";  // --benchmark_format, checked here
  std::string out_path;                    // --benchmark_out, taken from Google Benchmark
  std::string out_format = "json";         // --benchmark_out_format
  bool counters_tabular = false;
  // argv[1..] as a child gets it: without our options and the Google
  // Benchmark flags the child sets itself.
  std::vector<std::string> child_args;
};

// Reads our options and Google Benchmark's output flags from argv, removing
// ours and --benchmark_out_format, and replacing --benchmark_out=FILE by
// kNullBenchmarkOut. Throws io::UsageError on a bad value.
Settings take_options(int* argc, char** argv);

// The --help text of our options.
std::string help_text();

// --benchmark_filter matching exactly `name` (POSIX extended and ECMAScript
// special characters escaped).
std::string exact_filter(std::string_view name);

// The child's argv: `self`, then the user's arguments, then ours.
std::vector<std::string> child_argv(const std::string& self, const Settings& settings, std::string_view benchmark);

// The iterations a child reported collecting, from its stdout.
std::optional<std::uint64_t> child_collected(std::string_view child_stdout);

// Puts each counter of `reading` that has a value into `out` as its value
// per iteration, plus NAME.running_fraction for a multiplexed one. Nothing
// for a counter without a value, nor when `iterations` is 0.
void publish(benchmark::UserCounters& out, const counters::Reading& reading, double iterations);

// The per-iteration values of the counters at `simulated` (indices into
// statuses.counters) from a child's callgrind totals over `iterations`:
// {requested name, value}; a counter whose events are missing is left out.
std::vector<std::pair<std::string, double>> simulated_per_iteration(const counters::Reading& statuses,
                                                                    const std::vector<std::size_t>& simulated,
                                                                    const counters::CallgrindCounts& counts,
                                                                    std::uint64_t iterations);

// Adds `values` to a reported run: to a repetition, and to its mean and
// median aggregates; never over a value the run already has.
void add_to_run(benchmark::BenchmarkReporter::Run& run, const std::vector<std::pair<std::string, double>>& values);

// Tests replace the hooks (null restores none).
void install_loop_hooks(std::unique_ptr<LoopHooks> hooks);

}  // namespace engram::gbench::detail
