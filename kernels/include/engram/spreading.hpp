#pragma once
// Spreading activation (KERNELS.md section 2), synchronous iteration:
//   a0[v] = 1 for sources, else 0
//   next[t] = min(1, retain * a[t] + decay * sum_{s->t} w_st * a[s])
//   sources stay at 1; values below threshold become 0;
//   stop when max |next - a| < epsilon (epsilon = 0: never stop early).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engram/memory_graph.hpp"
#include "engram/similarity.hpp"

namespace engram {

struct SpreadParams {
  std::uint32_t max_iterations = 100;
  float decay = 0.1f;
  float retain = 0.5f;
  float threshold = 1e-4f;
  float epsilon = 1e-6f;
};

struct SpreadResult {
  std::vector<float> activation;  // one value per node, in [0, 1]
  std::uint32_t iterations = 0;   // iterations run
  bool converged = false;         // stopped because max |next - a| < epsilon
};

// Throws std::invalid_argument for an empty graph, no sources, a source that
// does not exist, or a negative or NaN parameter; the optimized version also
// throws std::logic_error for a graph that is not frozen.
// One declaration list for both namespaces, so their signatures cannot drift.
#define ENGRAM_SPREADING_API                                                       \
  SpreadResult spread_activation(const MemoryGraph& graph,                         \
                                 std::span<const MemoryId> sources,                \
                                 const SpreadParams& params = {});

namespace reference {
ENGRAM_SPREADING_API
}
namespace optimized {
ENGRAM_SPREADING_API
}
#undef ENGRAM_SPREADING_API

// The k most activated nodes that are not sources and have activation > 0,
// score descending, id ascending. Throws std::invalid_argument for k == 0.
std::vector<Match> top_activated(const SpreadResult& result, std::span<const MemoryId> sources,
                                 std::size_t k);

}  // namespace engram
