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
  // "Too noisy": a timing comparison that shows no change (within noise)
  // with a CI of the median ratio wider than this (high - low, as a fraction)
  // is inconclusive: the interval can neither rule out a change of the
  // threshold's size nor show one. 0 = never (the default: a machine this
  // noisy would otherwise make most same-code comparisons inconclusive;
  // a CI gate sets it, e.g. to 2 x the threshold, the width of the whole
  // noise band [1 - t, 1 + t]).
  double max_ci_width = 0;
  // Counters multiplexed for less of the time than this are not compared:
  // the scaled estimate then rests on a minority of the run.
  double min_running_fraction = 0.5;
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

// Why a verdict is inconclusive, so that a script (and the summary line) can
// tell "run more repetitions" from "run on a quieter machine" from "a file is
// incomplete". none for the other verdicts.
enum class InconclusiveCause {
  none,
  too_few_repetitions,  // a side has fewer than min_repetitions (undisturbed) repetitions
  too_noisy,            // no change shown, but the CI of the median ratio is wider than max_ci_width
  missing_data,         // a side lacks the values (aggregates only, skipped, every repetition disturbed, ...)
  benchmark_error,      // a side reported an error
};
std::string_view to_string(InconclusiveCause cause);  // "too_few_repetitions", ...

// How one counter of one benchmark was compared (counter_compare.hpp).
enum class CounterMethod {
  statistical,  // counted (or multiplexed), or both without a recorded status: as time is
  exact,        // simulated on both sides, one value per side: a change is a change
  refused,      // incomparable: `reason` says why; no ratio
};
std::string_view to_string(CounterMethod method);

struct CounterComparison {
  std::string counter;
  // Each side's status as the run recorded it (context "engram.counters"):
  // counted, multiplexed, simulated, unsupported, no-permission, or
  // "not recorded" (a user counter such as FLOP/s, or a run without statuses).
  std::string old_status, new_status;
  std::optional<double> old_running_fraction, new_running_fraction;  // multiplexed only
  CounterMethod method = CounterMethod::refused;
  // FLOP/s, bytes_per_second, IPC: a rise is an improvement; counts of events
  // (instructions, misses, faults) rise when the code got worse.
  bool higher_is_better = false;
  SideSummary old_side, new_side;              // over every repetition carrying the counter
  std::optional<double> ratio;                 // median(NEW) / median(OLD)
  std::optional<ConfidenceInterval> ratio_ci;  // statistical only
  std::optional<double> p_value;               // statistical only, n >= min_repetitions per side
  bool p_exact = false;
  Verdict verdict = Verdict::inconclusive;     // refused: inconclusive
  std::string reason;
};

// Time and instructions tell different stories for a benchmark (disagreement.hpp).
struct CounterMove {
  std::string counter;
  std::string category;  // "system time", "page faults", "context switches", "cache misses", "branch misses"
  double ratio = 1;
  Verdict verdict = Verdict::within_noise;  // regressed = rose (for a count)
};
struct Disagreement {
  Verdict time_verdict = Verdict::within_noise;
  std::string instructions_counter;  // TOT_INS, PAPI_TOT_INS, instructions or Ir
  Verdict instructions_verdict = Verdict::within_noise;
  std::optional<double> time_ratio, instructions_ratio;
  // The counters that moved significantly the way time did (time regressed,
  // instructions flat: the ones that rose), in the order of the categories.
  std::vector<CounterMove> attributed;
  // Categories no compared counter covers: where the cause may hide unseen.
  std::vector<std::string> not_measured;
  std::string text;  // one sentence
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
  InconclusiveCause inconclusive_cause = InconclusiveCause::none;
  // Every counter either side carries or records a status for, by name
  // (noise_* figures excluded: they measure the machine). Informational: the
  // exit code is the time's (or, --deterministic, the gated counter's) alone.
  std::vector<CounterComparison> counters;
  std::optional<Disagreement> disagreement;  // timing mode only
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
  // The noise_* figures the runs carry (not compared: they are the noise).
  std::vector<std::string> noise_figures;

  std::size_t count(Verdict verdict) const;
  std::size_t count(InconclusiveCause cause) const;
  // 0 pass, 3 a regression, 4 no regression but something inconclusive
  // (too few repetitions, too noisy, missing data or an error; including a
  // benchmark missing from NEW). Counter verdicts do not change it.
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
// Version 4 added, per benchmark, "counters" (an array, one object per
// counter: counter, method exact|statistical|refused, old/new status and
// running_fraction, higher_is_better, ratio, change_percent, ratio_ci,
// p_value, verdict, reason, old, new), "disagreement" (null or {time,
// instructions {counter, verdict, change_percent}, attributed [...],
// not_measured, text}) and "inconclusive_cause" (null or too_few_repetitions,
// too_noisy, missing_data, benchmark_error); at the top "max_ci_width" (timing),
// "noise_figures", and in "summary" "inconclusive_causes" {cause: count}.
inline constexpr int kComparisonJsonVersion = 4;
std::string render_comparison_json(const ComparisonReport& report);

// "12.3 us" style: the value in ns with a unit that keeps 1-3 integer digits.
std::string format_duration_ns(double ns);

}  // namespace engram::benchstats
