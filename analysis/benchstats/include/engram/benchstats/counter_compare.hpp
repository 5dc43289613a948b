#pragma once
// Every counter of a benchmark compared the way its time is, with each side's
// status (as bench/baseline records it in context "engram.counters").
//
// Per counter, by the two statuses:
//   both simulated, each side one value (every repetition equal): exact. The
//       same binary gives the same count, so no test is needed and any change
//       (beyond float rounding, 1e-6 relative) is a change: regressed or
//       improved, never "within noise";
//   both counted, or multiplexed for at least min_running_fraction of the
//       time, or both without a recorded status (user counters such as
//       FLOP/s): statistical, as time: ratio of the medians, bootstrap CI of
//       it, Mann-Whitney U, timing_verdict with the time's threshold (a
//       simulated side whose values vary falls back to this too, saying so);
//   refused (no ratio, verdict inconclusive, the reason names the side):
//       - a side has no values (unsupported, no-permission, or absent);
//       - a side is unsupported or no-permission;
//       - a side multiplexed for less than min_running_fraction of the time;
//       - simulated against anything else (callgrind's model of a machine is
//         not the PMU's count on this one);
//       - a recorded status against none (a run without statuses cannot say
//         whether its count was simulated).
// The noise_* figures are never here (BenchmarkSamples keeps them apart).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"
#include "engram/benchstats/compare.hpp"

namespace engram::benchstats {

struct RecordedCounterStatus {
  std::string status;  // counted, multiplexed, simulated, unsupported, no-permission
  double running_fraction = 0;
  std::string reason;
};
using RecordedCounterStatuses = std::map<std::string, RecordedCounterStatus, std::less<>>;

// The statuses a run records (context "engram.counters", read strictly: a
// malformed list throws io::InputError); nullopt when it records none.
std::optional<RecordedCounterStatuses> recorded_counter_statuses(const BenchmarkFile& run);

// Rates and IPC: a rise is better ("FLOP/s", "bytes_per_second",
// "items_per_second", "IPC", names ending in "/s"); everything else counts
// events, where a rise is worse.
bool counter_higher_is_better(std::string_view counter);

// One counter; a status pointer is null when that run records no status for it.
CounterComparison compare_counter_values(const std::string& counter, const std::vector<double>& old_values,
                                         const std::vector<double>& new_values, const RecordedCounterStatus* old_status,
                                         const RecordedCounterStatus* new_status, const CompareOptions& options);

// Every counter of one benchmark, by name: the union of the counters either
// side carries and those either run records a status for (an unsupported one
// is listed as refused, never dropped). `skip` (the --deterministic gated
// counter, which the main table compares) is left out.
std::vector<CounterComparison> compare_benchmark_counters(const BenchmarkSamples& old_b, const BenchmarkSamples& new_b,
                                                          const std::optional<RecordedCounterStatuses>& old_statuses,
                                                          const std::optional<RecordedCounterStatuses>& new_statuses,
                                                          const CompareOptions& options, std::string_view skip = {});

}  // namespace engram::benchstats
