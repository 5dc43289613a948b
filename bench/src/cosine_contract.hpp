#pragma once
// The KERNELS.md cosine contract applied to precomputed parts, shared by the
// peers so they answer exactly what our kernels answer.
#include <algorithm>
#include <cmath>

namespace engram::bench {

inline float cosine_from_parts(float dot, float query_sq_norm, float candidate_sq_norm) {
  const auto usable = [](float sq) { return std::isfinite(sq) && sq >= 1e-30f; };
  if (!usable(query_sq_norm) || !usable(candidate_sq_norm) || !std::isfinite(dot)) return 0.0f;
  const float q = dot / (std::sqrt(query_sq_norm) * std::sqrt(candidate_sq_norm));
  if (std::isnan(q)) return 0.0f;
  return std::clamp(q, -1.0f, 1.0f);
}

}  // namespace engram::bench
