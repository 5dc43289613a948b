#pragma once
// Stability of the benchmark suite over repeated runs: the seed asks for
// "benchmark variance under 5% across 10 consecutive runs". Each run is one
// Google Benchmark JSON file (the suite run with repetitions and
// --benchmark_enable_random_interleaving); per benchmark we take one estimate
// of each run's repetitions (median, minimum or 25% quantile: estimator.hpp)
// and report the coefficient of variation of those run estimates (sample
// stddev / mean) against the limit.
//
// Repetitions baseline marked disturbed (noise past its thresholds) are set
// aside from a run's estimate; when every repetition of a run was disturbed,
// the estimate uses them all and the run says so. The noise seen is reported
// beside the figures, and a benchmark that fails gets its reason from it.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"
#include "engram/benchstats/estimator.hpp"
#include "engram/io/json.hpp"

namespace engram::io {
class OutputSet;
}

namespace engram::benchstats {

struct StabilityOptions {
  double cv_limit = 0.05;  // the seed's criterion: CV of the run estimates < 5%
  TimeMeasure measure = TimeMeasure::cpu;
  // The tools pass default_estimator(runs) unless --estimator says otherwise.
  EstimatorChoice estimator;
};

// pass: measured in every run and CV < limit; fail: CV >= limit;
// incomplete: missing (or failed) in some run, so the criterion cannot hold.
enum class StabilityStatus { pass, fail, incomplete };
std::string_view to_string(StabilityStatus status);

// The noise one benchmark's repetitions saw, over every run, re-runs
// included. A figure no repetition measured is absent (never 0).
struct NoiseSeen {
  std::size_t repetitions = 0;  // all, re-run ones included
  std::size_t disturbed = 0;
  std::size_t reruns = 0;  // repetitions of a re-run pass
  std::optional<double> steal_ns, steal_max_fraction;  // sum; largest share of one repetition's wall time
  std::optional<double> run_delay_ns, run_delay_max_fraction;
  std::optional<double> involuntary_switches, cpu_migrations;  // sums
};

struct BenchmarkStability {
  std::string name;
  // Per run (absent: not measured): the estimate over the run's undisturbed
  // repetitions, in ns.
  std::vector<std::optional<double>> run_estimates;
  std::vector<std::size_t> repetitions;  // per run, re-run ones included
  std::vector<std::size_t> disturbed;    // per run
  // Per run: every repetition was disturbed, so the estimate is over them all.
  std::vector<bool> all_disturbed;
  // Per run: the median memory probe read (RepetitionNoise::memory_probe_ns)
  // of the repetitions the estimate is over; absent where none carried one.
  // A failure's reason compares the outlying run's with the median run's.
  std::vector<std::optional<double>> run_memory_probe_ns;
  std::optional<double> median_of_estimates, min, max;  // of the run estimates
  std::optional<double> cv;  // of the run estimates; needs two runs
  NoiseSeen noise;
  StabilityStatus status = StabilityStatus::incomplete;
  // Why a benchmark fails or is incomplete, from the measured noise; empty for a pass.
  std::string reason;
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
// version 2):
// {"schema", "version", "runs": [source labels], "time": "cpu" or "real",
//  "unit": "ns", "cv_limit", "estimator": {"name": "median", "min" or "q25",
//  "reason"},
//  "benchmarks": [{"name", "run_estimates" (null where not measured),
//    "repetitions", "disturbed", "all_disturbed" (per run), "run_memory_probe_ns"
//    (per run, null where not measured; optional on read: a file from before
//    the memory probe reads as not measured), "median_of_estimates",
//    "min", "max", "cv" (null when unknown), "status": "pass", "fail" or
//    "incomplete", "reason",
//    "noise": {"repetitions", "disturbed", "reruns", "steal_ns",
//      "steal_max_fraction", "run_delay_ns", "run_delay_max_fraction",
//      "involuntary_switches", "cpu_migrations" (null: not measured)}}],
//  "summary": {"pass", "fail", "incomplete"}}.
inline constexpr std::string_view kStabilitySchema = "engram-stability";
inline constexpr int kStabilityVersion = 2;
std::string stability_json(const StabilityReport& report);
// The reverse (the report reads stability.json with it). Throws io::InputError
// naming the JSON pointer of a missing or mistyped member, an unknown status
// or estimator, a unit other than ns, another schema or another version.
StabilityReport stability_from_json(const io::JsonValue& root);

// Draws the report with gnuplot: CV of the run estimates per benchmark
// against the limit (top), each run's estimate as a deviation from the
// benchmark's median of estimates (middle), and the noise seen (bottom:
// disturbed repetitions as bars, the largest steal and run delay as points).
// Writes both files through temp + rename; throws std::runtime_error with
// gnuplot's own message when it fails.
void plot_stability(const StabilityReport& report, const std::filesystem::path& svg,
                    const std::filesystem::path& png, const std::string& gnuplot = "gnuplot");
// The same, drawn into `outputs`: published with the table and the JSON.
void draw_stability_plot(const StabilityReport& report, const std::filesystem::path& svg,
                         const std::filesystem::path& png, io::OutputSet& outputs,
                         const std::string& gnuplot = "gnuplot");
// The gnuplot commands of that plot, without terminal and output (for tests).
std::string stability_gnuplot_commands(const StabilityReport& report);

}  // namespace engram::benchstats
