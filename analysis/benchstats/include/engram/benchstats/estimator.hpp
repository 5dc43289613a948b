#pragma once
// The location estimator of a benchmark's repetitions: what "its time" is.
//
// Interference on a shared machine (steal, a neighbour in the run queue, a
// preemption, cache lines evicted by another VM) only ever adds time. Under
// such one-sided noise the minimum, or a low quantile, moves least from run
// to run (Chen and Revels, "Robust benchmarking in noisy environments",
// 2016), while the median still follows the share of repetitions that were
// hit. On a quiet bare-metal machine the median is the better summary: it
// uses every repetition and does not reward a lucky one.
#include <span>
#include <string>
#include <string_view>

#include "engram/benchstats/benchmark_json.hpp"

namespace engram::benchstats {

enum class Estimator { median, minimum, q25 };
std::string_view to_string(Estimator estimator);  // "median", "min", "q25"
// Accepts "median", "min" (or "minimum") and "q25"; throws std::invalid_argument.
Estimator parse_estimator(std::string_view text);
// The estimate of non-empty, finite values; throws std::invalid_argument otherwise.
double estimate(std::span<const double> values, Estimator estimator);

struct EstimatorChoice {
  Estimator estimator = Estimator::median;
  std::string reason;  // one sentence, printed by the tools beside the estimator's name
};
// The default for these runs: the minimum when any run's context says it was
// measured on a virtualized machine (engram.setup "virtualized"), the median
// otherwise; the reason says which and why.
EstimatorChoice default_estimator(std::span<const BenchmarkFile> runs);
// An explicit choice (from --estimator), with the reason "chosen with --estimator".
EstimatorChoice chosen_estimator(Estimator estimator);
// "min (the runs were measured on ...)": how every tool names its estimator.
std::string describe(const EstimatorChoice& choice);

}  // namespace engram::benchstats
