#pragma once
// Vector similarity (KERNELS.md section 1).
//
// cosine(a, b) = clamp(dot / (sqrt(na) * sqrt(nb)), -1, 1), and 0 when a norm
// is 0, below 1e-30, NaN or Inf, when dot is NaN or Inf, or when the quotient
// is NaN. find_similar clamps scores to [0, 1], keeps score >= threshold and
// orders by score descending, then id ascending.
//
// Both namespaces have the same functions: reference (scalar, double
// accumulation, the ground truth) and optimized (SIMD at the active level,
// candidates' precomputed squared norms). The optimized find_similar_many
// answers exactly what find_similar answers for each query, and reads each
// block of memories from DRAM once for all queries instead of once per query. Inputs are validated in both:
// std::invalid_argument for a dimension mismatch, k == 0, a NaN or negative
// threshold, or an output span of the wrong size.
#include <cstddef>
#include <span>
#include <vector>

#include "engram/embedding.hpp"
#include "engram/memory_graph.hpp"

namespace engram {

struct Match {
  MemoryId id;
  float score;
  friend bool operator==(const Match&, const Match&) = default;
};

// One declaration list for both namespaces, so their signatures cannot drift.
#define ENGRAM_SIMILARITY_API                                                              \
  float cosine(std::span<const float> a, std::span<const float> b);                        \
  /* out[i] = cosine(query, candidates.row(i)); out.size() must equal candidates.rows() */ \
  void cosine_batch(std::span<const float> query, const EmbeddingMatrix& candidates,       \
                    std::span<float> out);                                                 \
  /* Brute force over every memory of the graph; returns at most k matches. */             \
  std::vector<Match> find_similar(const MemoryGraph& graph, std::span<const float> query,  \
                                  std::size_t k, float threshold = 0.0f);                  \
  /* find_similar for every row of queries (in order), as independent queries */           \
  std::vector<std::vector<Match>> find_similar_many(const MemoryGraph& graph,               \
                                                    const EmbeddingMatrix& queries,          \
                                                    std::size_t k, float threshold = 0.0f);

namespace reference {
ENGRAM_SIMILARITY_API
}
namespace optimized {
ENGRAM_SIMILARITY_API
}
#undef ENGRAM_SIMILARITY_API

}  // namespace engram
