#pragma once
// Per-benchmark estimates (the estimator of engram/benchstats/estimator.hpp),
// medians with bootstrap confidence intervals, and the ratios of each
// kernel's variants to its peers, from one Google Benchmark file with
// repetitions. Repetitions marked disturbed are set aside, as compare and
// stability do; when every repetition of a benchmark was disturbed there is
// nothing better to use, so all of them are, and the row says so. The
// statistics themselves are those of engram/benchstats/statistics.hpp.
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"
#include "engram/benchstats/estimator.hpp"
#include "engram/benchstats/statistics.hpp"

namespace engram::report {

// "decay_10k_memories/exponential/optimized" -> {"decay_10k_memories/exponential", "optimized"}
std::pair<std::string, std::string> split_variant(const std::string& name);

struct BenchmarkRow {
  std::string name;
  std::size_t repetitions = 0;           // the ones used (below)
  std::size_t disturbed = 0;             // marked disturbed by the run
  bool all_disturbed = false;            // every one was: the figures are over all of them
  double estimate_ns = 0;                // the chosen estimator of the repetitions used
  double median_ns = 0;
  std::optional<benchstats::ConfidenceInterval> ci;  // of the median; none with fewer than 2 repetitions
  double cv = 0;                         // NaN with one repetition
  std::size_t outliers = 0;              // Tukey, mild and severe
  std::string error;                     // Google Benchmark's error message, if it failed
  std::string missing;                   // why there is no repetition, when it did not fail
};
std::vector<BenchmarkRow> summarize_benchmarks(const benchstats::BenchmarkFile& file, benchstats::TimeMeasure measure,
                                               benchstats::Estimator estimator);

// time(numerator) / time(denominator), estimates of the same run, with a
// bootstrap CI that resamples both sides: of the ratio of the medians,
// whatever the estimator (a bootstrap of the minimum is degenerate at a few
// repetitions).
struct PeerRatio {
  std::string kernel;
  std::string numerator, denominator;  // variants
  std::string meaning;                 // what the ratio says, e.g. "optimized vs OpenBLAS (< 1: optimized faster)"
  std::optional<double> value;
  std::optional<benchstats::ConfidenceInterval> ci;  // of the median ratio
  std::size_t numerator_reps = 0, denominator_reps = 0;  // the repetitions used
  std::string missing;  // why there is no value: "find_similar_10k/optimized is not in FILE"
};

// The pairs, per kernel (benchmarks grouped by the name before the last '/'):
// optimized / P for every peer P (any variant other than reference and
// optimized), reference / optimized (the speed-up of the optimized kernel),
// and counted / uncounted (the cost of reading counters). A pair whose
// side is missing from the file is listed with `missing` set.
std::vector<PeerRatio> peer_ratios(const benchstats::BenchmarkFile& file, benchstats::TimeMeasure measure,
                                   benchstats::Estimator estimator);
// How the pairs are formed and what a ratio is; `estimator` names the location.
std::string peer_ratio_rule(benchstats::Estimator estimator);

}  // namespace engram::report
