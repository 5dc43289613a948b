#pragma once
// Algorithmic work counters: what the kernels did by the KERNELS.md work model
// (FLOPs, bytes moved, candidates scored, edges relaxed, memories decayed).
//
// Every kernel call adds the work it actually did once per call (never per
// element: counts come from its loop counts), so counting costs nothing
// measurable. The counters are also
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
  WorkCounts& operator+=(const WorkCounts& other);
  friend WorkCounts operator-(WorkCounts a, const WorkCounts& b) { return a -= b; }
  friend WorkCounts operator+(WorkCounts a, const WorkCounts& b) { return a += b; }
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

// The work model (KERNELS.md). Each kernel counts the elements it actually
// processed -- from its loop counts, added once per call, never per element --
// and these functions turn those counts into FLOPs and bytes, so the reference
// and the optimized version of a kernel may differ: each says what it did.
//
// similarity_work(floats, n, sums, norm_bytes) -- n candidates scored, each by
//   `sums` multiply-add sums over `floats` floats of its row: flops =
//   2 * sums * floats * n, bytes_read = (4 * floats + norm_bytes) * n (the row
//   as loaded, padding included, and its stored norm if read; the query is
//   cache resident), bytes_written = 4n (one score each), candidates_scored = n.
//   The reference computes each row's norm itself (sums = 2 over dim floats);
//   the optimized version reads the padded row and the stored squared norm
//   (sums = 1 over stride floats, norm_bytes = 4). find_similar_many counts
//   every query's pass over every row, although its blocking serves most of
//   them from L2: these are bytes loaded by the kernel, not DRAM traffic.
// cosine_pair_work(d) -- one cosine(a, b), no precomputed norms: flops = 6d
//   (three multiply-add sums), bytes_read = 8d, candidates_scored = 1.
// spreading_work(nodes, edges) -- summed over the iterations run: `edges` edge
//   relaxations (w * a[s] added to a target) and `nodes` node updates: flops =
//   2 per edge, edges_relaxed = edges, bytes_read = 8 per edge (neighbour id +
//   weight) + 4 per node (read a), bytes_written = 4 per node (write next);
//   the gathers of a[s] are not counted (bench/ceilings measures a gather
//   bandwidth for them). The reference relaxes every edge and updates every
//   node in every iteration; the optimized version relaxes only the out-edges
//   of active nodes (all edges in a pull iteration), and updates only the
//   touched nodes in a sparse iteration (all padded nodes in a full one).
// decay_work(n, curve) -- per memory: flops = 4 (scale, multiply, floor,
//   compare) + 1 per transcendental (exponential: exp -> 5; power law and
//   two-component: log + exp -> 6), bytes_read = 16 (strength 4, age 8,
//   recall count 4), bytes_written = 4 (strength), memories_decayed = 1.
//   As in KERNELS.md, the 8-byte age write-back is not in the model.
enum class DecayCurve;
WorkCounts similarity_work(std::size_t floats, std::size_t candidates, std::size_t sums = 1,
                           std::size_t norm_bytes = 0);
WorkCounts cosine_pair_work(std::size_t dim);
WorkCounts spreading_work(std::size_t nodes_updated, std::size_t edges_relaxed);
WorkCounts decay_work(std::size_t memories, DecayCurve curve);

}  // namespace engram
