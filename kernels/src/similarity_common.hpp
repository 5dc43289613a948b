#pragma once
// Pieces shared by the reference and optimized similarity (private).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "engram/memory_graph.hpp"
#include "engram/similarity.hpp"

namespace engram::detail {

// Squared norms accepted by the optimized float fast path: far from underflow
// (the contract's cut-off is 1e-30) and from overflow of the products.
inline constexpr float kMinFastSquaredNorm = 1e-29f;
inline constexpr float kMaxFastSquaredNorm = 1e37f;

// A squared norm the contract accepts: finite and at least 1e-30.
inline bool usable_squared_norm(double sq) { return sq >= 1e-30 && sq <= 1.7976931348623157e308; }

// The contract's cosine computed in double from the raw vectors: the
// reference itself, and the optimized kernels' path for unusual inputs.
// Inline, so its loop lands in the kernel entry points: GCC builds a small
// leaf like this without a frame even with -fno-omit-frame-pointer, and a
// frame-pointer unwinder would then lose its caller in every sample.
inline float exact_cosine(const float* a, const float* b, std::size_t dim) {
  double dot = 0.0, na = 0.0, nb = 0.0;
  for (std::size_t i = 0; i < dim; ++i) {
    const double x = a[i], y = b[i];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (!usable_squared_norm(na) || !usable_squared_norm(nb) || !std::isfinite(dot)) return 0.0f;
  const double q = dot / (std::sqrt(na) * std::sqrt(nb));
  if (std::isnan(q)) return 0.0f;
  return static_cast<float>(std::clamp(q, -1.0, 1.0));
}

// "score desc, id asc": true when x ranks before y.
inline bool ranks_before(const Match& x, const Match& y) {
  return x.score > y.score || (x.score == y.score && x.id < y.id);
}

// Argument checks shared by both namespaces (std::invalid_argument).
void check_cosine_args(std::span<const float> a, std::span<const float> b);
void check_batch_args(std::span<const float> query, const EmbeddingMatrix& candidates,
                      std::span<float> out);
void check_find_similar_args(const MemoryGraph& graph, std::span<const float> query,
                             std::size_t k, float threshold);
void check_find_similar_many_args(const MemoryGraph& graph, const EmbeddingMatrix& queries,
                                  std::size_t k, float threshold);

}  // namespace engram::detail
