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
#include <cstddef>
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
inline constexpr const char* kSdeCounterNames[] = {"flops",           "bytes_read",
                                                   "bytes_written",   "candidates_scored",
                                                   "edges_relaxed",   "memories_decayed"};

// The work model of each kernel call (KERNELS.md), the exact counts both the
// reference and the optimized versions add, so tools can predict them:
//
// similarity_work(d, n) -- cosine_batch / find_similar over n candidates of
//   dimension d, norms precomputed: flops = 2dn (one multiply-add per
//   component), bytes_read = 4dn (the candidates; the query is cache
//   resident), bytes_written = 4n (one score each), candidates_scored = n.
// cosine_pair_work(d) -- one cosine(a, b), no precomputed norms: flops = 6d
//   (three multiply-add sums), bytes_read = 8d, candidates_scored = 1.
// spreading_work(N, E, it) -- per iteration run: flops = 2E, edges_relaxed = E,
//   bytes_read = 8E (neighbour id + weight) + 4N (read a), bytes_written = 4N
//   (write next); the gathers of a[s] are cache resident and not counted.
// decay_work(n, curve) -- per memory: flops = 4 (scale, multiply, floor,
//   compare) + 1 per transcendental (exponential: exp -> 5; power law and
//   two-component: log + exp -> 6), bytes_read = 16 (strength 4, age 8,
//   recall count 4), bytes_written = 4 (strength), memories_decayed = 1.
//   As in KERNELS.md, the 8-byte age write-back is not in the model.
enum class DecayCurve;
WorkCounts similarity_work(std::size_t dim, std::size_t candidates);
WorkCounts cosine_pair_work(std::size_t dim);
WorkCounts spreading_work(std::size_t nodes, std::size_t edges, std::size_t iterations);
WorkCounts decay_work(std::size_t memories, DecayCurve curve);

}  // namespace engram
