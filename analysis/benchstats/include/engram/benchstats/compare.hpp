#pragma once
// Regression comparison of two benchmark runs (OLD and NEW), benchmark by
// benchmark, with a verdict that is only "improved" or "regressed" when the
// change is both statistically significant and larger than the noise.
//
// Timing mode, per benchmark present in both runs:
//   ratio     = median(NEW) / median(OLD) of the chosen time (cpu by default);
//   CI        = 95% percentile-bootstrap CI of that ratio (statistics.hpp);
//   p         = two-sided Mann-Whitney U over the repetitions;
//   verdict   = regressed   if p < alpha and CI.low  > 1 + threshold,
//               improved    if p < alpha and CI.high < 1 - threshold,
//               inconclusive if a side has fewer than min_repetitions (no p
//                           is given: with 3 vs 3 the smallest possible p is
//                           0.1), or a side reported an error,
//               within noise otherwise.
// Deterministic mode compares a simulated counter (TOT_INS by default): the
// same binary gives the same count, so no test is needed and any change of
// the median beyond the threshold (1% by default) is reported.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/benchstats/statistics.hpp"
#include "engram/benchstats/benchmark_json.hpp"
#include "engram/io/cli.hpp"

namespace engram::benchstats {

enum class Verdict { improved, regressed, within_noise, inconclusive };
std::string_view to_string(Verdict verdict);

struct CompareOptions {
  bool deterministic = false;
  std::string counter = "TOT_INS";      // deterministic mode only
  TimeMeasure measure = TimeMeasure::cpu;  // timing mode only
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
  std::size_t repetitions = 0;
  std::optional<Summary> summary;                  // absent when there is no usable value
  std::optional<ConfidenceInterval> median_ci;     // bootstrap CI of the median (n >= 2)
  std::size_t outliers_mild = 0, outliers_severe = 0;  // Tukey, both tails
};

struct BenchmarkComparison {
  std::string name;
  SideSummary old_side, new_side;
  std::optional<double> ratio;                 // median(NEW) / median(OLD)
  std::optional<ConfidenceInterval> ratio_ci;  // timing mode, n >= 2 per side
  std::optional<double> p_value;               // timing mode, n >= min_repetitions per side
  bool p_exact = false;
  Verdict verdict = Verdict::inconclusive;
  std::string reason;  // why this verdict, in words
};

struct ComparisonReport {
  std::string old_source, new_source;
  CompareOptions options;
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
std::string render_comparison_json(const ComparisonReport& report);

// "12.3 us" style: the value in ns with a unit that keeps 1-3 integer digits.
std::string format_duration_ns(double ns);

}  // namespace engram::benchstats
