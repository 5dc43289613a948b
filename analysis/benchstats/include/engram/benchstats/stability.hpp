#pragma once
// Stability of the benchmark suite over repeated runs: the seed asks for
// "benchmark variance under 5% across 10 consecutive runs". Each run is one
// Google Benchmark JSON file (the suite run with repetitions and
// --benchmark_enable_random_interleaving); per benchmark we take the median of
// each run's repetitions and report the coefficient of variation of those
// run medians (sample stddev / mean) against the limit.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"
#include "engram/io/json.hpp"

namespace engram::io {
class OutputSet;
}

namespace engram::benchstats {

struct StabilityOptions {
  double cv_limit = 0.05;  // the seed's criterion: CV of the run medians < 5%
  TimeMeasure measure = TimeMeasure::cpu;
};

// pass: measured in every run and CV < limit; fail: CV >= limit;
// incomplete: missing (or failed) in some run, so the criterion cannot hold.
enum class StabilityStatus { pass, fail, incomplete };
std::string_view to_string(StabilityStatus status);

struct BenchmarkStability {
  std::string name;
  std::vector<std::optional<double>> run_medians;  // ns, one per run (absent: not measured)
  std::vector<std::size_t> repetitions;            // per run
  std::optional<double> median_of_medians, min, max;
  std::optional<double> cv;  // of the run medians; needs two runs
  StabilityStatus status = StabilityStatus::incomplete;
};

struct StabilityReport {
  std::vector<std::string> sources;
  StabilityOptions options;
  std::vector<BenchmarkStability> benchmarks;  // in order of first appearance
  std::size_t count(StabilityStatus status) const;
};

// Throws std::invalid_argument with fewer than two runs.
StabilityReport analyse_stability(std::span<const BenchmarkFile> runs, const StabilityOptions& options = {});

std::string stability_markdown(const StabilityReport& report);

// stability.json of build/analysis/stability (schema "engram-stability",
// version 1): {"schema", "version", "runs": [source labels], "time": "cpu" or
// "real", "unit": "ns", "cv_limit", "benchmarks": [{"name", "run_medians"
// (null where not measured), "repetitions", "median_of_medians", "min",
// "max", "cv" (null when unknown), "status": "pass", "fail" or
// "incomplete"}], "summary": {"pass", "fail", "incomplete"}}.
inline constexpr std::string_view kStabilitySchema = "engram-stability";
inline constexpr int kStabilityVersion = 1;
std::string stability_json(const StabilityReport& report);
// The reverse (the report reads stability.json with it). Throws io::InputError
// naming the JSON pointer of a missing or mistyped member, an unknown status,
// a unit other than ns, another schema or another version.
StabilityReport stability_from_json(const io::JsonValue& root);

// Draws the report with gnuplot: CV of the run medians per benchmark against
// the limit (top), and each run's median as a deviation from the benchmark's
// median of medians (bottom). Writes both files through temp + rename; throws
// std::runtime_error with gnuplot's own message when it fails.
void plot_stability(const StabilityReport& report, const std::filesystem::path& svg,
                    const std::filesystem::path& png, const std::string& gnuplot = "gnuplot");
// The same, drawn into `outputs`: published with the table and the JSON.
void draw_stability_plot(const StabilityReport& report, const std::filesystem::path& svg,
                         const std::filesystem::path& png, io::OutputSet& outputs,
                         const std::string& gnuplot = "gnuplot");
// The gnuplot commands of that plot, without terminal and output (for tests).
std::string stability_gnuplot_commands(const StabilityReport& report);

}  // namespace engram::benchstats
