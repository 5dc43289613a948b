#pragma once
// Algorithmic work counters: what the kernels did by the KERNELS.md work model
// (FLOPs, bytes moved, candidates scored, edges relaxed, memories decayed).
//
// Every kernel call adds its analytic counts once per call (never per
// element), so counting costs nothing measurable. The counters are also
// registered as PAPI Software Defined Events under the library name "engram",
// so any PAPI tool reads them as sde:::engram::flops and so on, on any
// machine: they need no PMU. They give the roofline its exact FLOP and byte
// counts where hardware FP counters do not exist.
#include <cstdint>

namespace engram {

struct WorkCounts {
  std::int64_t flops = 0;
  std::int64_t bytes_read = 0;
  std::int64_t bytes_written = 0;
  std::int64_t candidates_scored = 0;
  std::int64_t edges_relaxed = 0;
  std::int64_t memories_decayed = 0;

  WorkCounts& operator-=(const WorkCounts& other);
  friend WorkCounts operator-(WorkCounts a, const WorkCounts& b) { return a -= b; }
  friend bool operator==(const WorkCounts&, const WorkCounts&) = default;
};

// A snapshot of the process-wide totals (relaxed atomics; subtract two
// snapshots to get the work of a region).
WorkCounts work_counts();

// The SDE names, for tools that list them: "flops", "bytes_read", ...
inline constexpr const char* kSdeLibraryName = "engram";

}  // namespace engram
