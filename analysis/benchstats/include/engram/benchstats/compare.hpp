#pragma once
// Regression comparison of two benchmark runs (OLD and NEW), benchmark by
// benchmark, with a verdict that is only "improved" or "regressed" when the
// change is both statistically significant and larger than the noise.
//
// Timing mode, per benchmark present in both runs, over the repetitions not
// marked disturbed (BenchmarkSamples::undisturbed_times: a repetition that
// the hypervisor or a neighbour visibly slowed says nothing about the code);
// the disturbed ones are set aside and counted per side. Only when both runs
// carry noise figures: a run made before baseline measured noise reads as all
// undisturbed, and trimming only the other side's slow tail would bias the
// verdicts, so then every repetition of both is used and a warning says so.
//   ratio     = estimate(NEW) / estimate(OLD) of the chosen time (cpu by
//               default), with the chosen estimator (estimator.hpp: explicit,
//               or the default for these runs: min on a virtualized machine,
//               median otherwise);
//   CI        = 95% percentile-bootstrap CI of the ratio of the MEDIANS of
//               the same repetitions, whatever the estimator: a resample of
//               a few repetitions mostly keeps the sample's minimum, so a
//               bootstrap of the minimum is nearly a point (statistics.hpp);
//   p         = two-sided Mann-Whitney U over the repetitions;
//   verdict   = regressed   if p < alpha and CI.low  > 1 + threshold,
//               improved    if p < alpha and CI.high < 1 - threshold,
//               inconclusive if a side has fewer than min_repetitions
//                           undisturbed repetitions (no p is given: with 3 vs
//                           3 the smallest possible p is 0.1), or a side
//                           reported an error,
//               within noise otherwise.
//   A side with no repetitions (a file written with
//   --benchmark_report_aggregates_only, a skipped benchmark, entries lacking
//   a time) is inconclusive: the ratio is of the medians (Google Benchmark's
//   median aggregate on that side), with no CI and no p, and the reason says
//   what is missing, as Google Benchmark's compare.py marks its U test
//   unavailable below two repetitions.
// Deterministic mode compares a simulated counter (TOT_INS by default): the
// same binary gives the same count, so no test is needed and any change of
// the median beyond the threshold (1% by default) is reported. Counts are not
// disturbed by noise: every repetition is used and no estimator is chosen.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"
#include "engram/benchstats/estimator.hpp"
#include "engram/benchstats/statistics.hpp"
#include "engram/io/cli.hpp"

namespace engram::benchstats {

enum class Verdict { improved, regressed, within_noise, inconclusive };
std::string_view to_string(Verdict verdict);

struct CompareOptions {
  bool deterministic = false;
  std::string counter = "TOT_INS";      // deterministic mode only
  TimeMeasure measure = TimeMeasure::cpu;  // timing mode only
  // Timing mode only; unset = default_estimator(OLD, NEW).
  std::optional<Estimator> estimator;
  // Relative noise threshold; unset = 2% for time, 1% for the counter.
  std::optional<double> threshold;
  double alpha = 0.05;
  std::size_t min_repetitions = 4;
  BootstrapOptions bootstrap;

  double effective_threshold() const { return threshold.value_or(deterministic ? 0.01 : 0.02); }
};

// The timing verdict rule above, on its own (p absent = refused).
Verdict timing_verdict(std::optional<double> p_value, const ConfidenceInterval& ratio_ci, double threshold,
                       double alpha);
// The deterministic rule: |ratio - 1| > threshold decides.
Verdict deterministic_verdict(double ratio, double threshold);

struct SideSummary {
  std::size_t repetitions = 0;                     // the ones used (timing: the undisturbed ones)
  std::size_t set_aside = 0;                       // timing: disturbed repetitions left out
  std::optional<Summary> summary;                  // absent when there is no usable value
  std::optional<double> estimate;                  // timing: the chosen estimator of the values used
  std::optional<ConfidenceInterval> median_ci;     // bootstrap CI of the median (n >= 2)
  std::size_t outliers_mild = 0, outliers_severe = 0;  // Tukey, both tails
  // The estimate is Google Benchmark's median aggregate: the file has no
  // repetitions (--benchmark_report_aggregates_only).
  bool from_aggregates = false;
};

struct BenchmarkComparison {
  std::string name;
  SideSummary old_side, new_side;
  std::optional<double> ratio;                 // estimate(NEW) / estimate(OLD); deterministic: of the medians
  std::optional<ConfidenceInterval> ratio_ci;  // timing mode, n >= 2 per side: of the median ratio
  std::optional<double> p_value;               // timing mode, n >= min_repetitions per side
  bool p_exact = false;
  Verdict verdict = Verdict::inconclusive;
  std::string reason;  // why this verdict, in words
  // What either file lacks for this benchmark, "OLD: ..." / "NEW: ..."
  // (BenchmarkSamples::missing), including what was assumed in its place.
  std::vector<std::string> missing;
};

struct ComparisonReport {
  std::string old_source, new_source;
  CompareOptions options;
  EstimatorChoice estimator;                    // timing mode: the one used, and why
  bool set_aside_disturbed = false;             // timing mode: both runs carry noise figures
  std::vector<BenchmarkComparison> benchmarks;  // present in both, OLD's order
  std::vector<std::string> only_in_old;         // removed: counted as inconclusive
  std::vector<std::string> only_in_new;         // added: listed only
  std::optional<double> geomean_ratio;          // over benchmarks with a ratio
  std::size_t geomean_count = 0;
  std::vector<std::string> warnings;

  std::size_t count(Verdict verdict) const;
  // 0 pass, 3 a regression, 4 no regression but something inconclusive
  // (including a benchmark missing from NEW).
  int exit_code() const;
};

// compare's verdicts, above the codes every tool shares (engram/io/cli.hpp:
// 1 failure, 2 bad usage or input), so that a script can tell a regression
// from a run that went wrong.
inline constexpr int kCompareExitPass = io::kExitOk;
inline constexpr int kCompareExitRegression = io::kExitFirstVerdict;
inline constexpr int kCompareExitInconclusive = io::kExitFirstVerdict + 1;

// Throws BenchmarkJsonError when the runs have no benchmark in common, or in
// deterministic mode when neither side carries the counter at all.
ComparisonReport compare_runs(const BenchmarkFile& old_run, const BenchmarkFile& new_run,
                              const CompareOptions& options);

std::string render_comparison_table(const ComparisonReport& report);
// Schema "engram-comparison". Version 2 (the ratio became estimate / estimate,
// over undisturbed repetitions) added, in timing mode, "estimator": {"name",
// "reason"}, per benchmark "set_aside": {"old", "new"} and per side "estimate".
// Version 3 (ratio_ci became the median ratio's whatever the estimator) added,
// in timing mode, "ci_statistic": "median" and "set_aside_disturbed" (false
// when a run has no noise figures, so that every repetition was used).
// Still version 3, with two members added that a v3 reader may ignore
// (docs/gbench_json_versions.md): per benchmark "missing" (an array of
// sentences, empty when the benchmark is complete) and, per side,
// "from_aggregates": true when "estimate" is Google Benchmark's median
// aggregate (a file without repetitions; then p_value and ratio_ci are null).
inline constexpr int kComparisonJsonVersion = 3;
std::string render_comparison_json(const ComparisonReport& report);

// "12.3 us" style: the value in ns with a unit that keeps 1-3 integer digits.
std::string format_duration_ns(double ns);

}  // namespace engram::benchstats
