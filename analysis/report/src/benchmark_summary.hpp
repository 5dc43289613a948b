#pragma once
// Per-benchmark medians with bootstrap confidence intervals, and the ratios
// of each kernel's variants to its peers, from one Google Benchmark file with
// repetitions. The statistics themselves are those of engram/benchstats/statistics.hpp.
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engram/benchstats/statistics.hpp"
#include "engram/benchstats/benchmark_json.hpp"

namespace engram::report {

// "decay_10k_memories/exponential/optimized" -> {"decay_10k_memories/exponential", "optimized"}
std::pair<std::string, std::string> split_variant(const std::string& name);

struct BenchmarkRow {
  std::string name;
  std::size_t repetitions = 0;
  double median_ns = 0;
  std::optional<benchstats::ConfidenceInterval> ci;  // none with fewer than 2 repetitions
  double cv = 0;                         // NaN with one repetition
  std::size_t outliers = 0;              // Tukey, mild and severe
  std::string error;                     // Google Benchmark's error message, if it failed
};
std::vector<BenchmarkRow> summarize_benchmarks(const benchstats::BenchmarkFile& file, benchstats::TimeMeasure measure);

// time(numerator) / time(denominator), medians of the same run, with a
// bootstrap CI that resamples both sides.
struct PeerRatio {
  std::string kernel;
  std::string numerator, denominator;  // variants
  std::string meaning;                 // what the ratio says, e.g. "optimized vs OpenBLAS (< 1: optimized faster)"
  std::optional<double> value;
  std::optional<benchstats::ConfidenceInterval> ci;
  std::size_t numerator_reps = 0, denominator_reps = 0;
  std::string missing;  // why there is no value: "find_similar_10k/optimized is not in FILE"
};

// The pairs, per kernel (benchmarks grouped by the name before the last '/'):
// optimized / P for every peer P (any variant other than reference and
// optimized), reference / optimized (the speed-up of the optimized kernel),
// and counted / uncounted (the cost of reading counters). A pair whose
// side is missing from the file is listed with `missing` set.
std::vector<PeerRatio> peer_ratios(const benchstats::BenchmarkFile& file, benchstats::TimeMeasure measure);
extern const char* const kPeerRatioRule;

}  // namespace engram::report
