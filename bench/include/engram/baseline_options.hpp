#pragma once
// Command line of bench/baseline. Our options are parsed with
// Boost.Program_options; every --benchmark_* argument is passed to Google
// Benchmark, so its flags work as users know them. The numeric ones
// (repetitions, min time, warm-up time) are checked first, with the rule of
// every option (io::read_number), and a time written "Ns" is passed as "N".
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "engram/noise.hpp"
#include "engram/rerun_plan.hpp"

namespace engram::bench {

enum class SimulationMode { kAuto, kNever, kOnly };

struct BaselineOptions {
  std::vector<std::string> counters;  // as given, split at commas
  SimulationMode sim = SimulationMode::kAuto;
  bool list = false;
  bool help = false;
  std::uint64_t seed = 42;
  std::string slow_variant;  // "KERNEL/VARIANT" to slow down (regression-test aid)
  double slow_factor = 0.25;
  std::string machine_out;  // --machine-out FILE: the machine snapshot (engram-machine JSON)
  // Measurement set-up and noise.
  std::string pin_cpu = "none";  // "none", "auto" (the last CPU this process may use) or a CPU number
  double warmup_ms = 5;          // untimed calls of the body before each timed loop
  std::size_t memory_probe_mib = 64;  // the memory probe's buffer around each repetition; 0: none
  RerunBudget rerun;
  noise::Thresholds noise;
  // Internal: run one benchmark's body for a fixed number of iterations
  // (the callgrind child of a simulated run).
  std::string simulate_child;
  std::uint64_t simulate_iterations = 0;
  std::vector<std::string> benchmark_args;  // argv[0] first, then every --benchmark_* argument (checked)
};

// A command-line mistake: main prints what() and exits 2.
struct OptionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

BaselineOptions parse_baseline_options(int argc, const char* const* argv);
std::string baseline_help(const std::string& program);

// The value of --benchmark_filter among the pass-through arguments ("" if absent).
std::string benchmark_filter(const BaselineOptions& options);
// Google Benchmark's filter rule: a regex (POSIX extended), a leading '-'
// negates, "" / "all" / "." match everything.
bool filter_matches(const std::string& filter, const std::string& name);

}  // namespace engram::bench
