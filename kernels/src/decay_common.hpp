#pragma once
// Shared by both decay kernels (private).
#include <cstdint>

#include "engram/decay.hpp"

namespace engram::detail {

// std::invalid_argument for bad parameters or state vectors of different lengths.
void check_decay_args(const MemoryState& memories, DecayCurve curve, const DecayParams& params);

// age + elapsed, saturating at 2^64 - 1 (a memory cannot get younger by overflow).
inline std::uint64_t saturating_add(std::uint64_t age, std::uint64_t elapsed) {
  const std::uint64_t sum = age + elapsed;
  return sum < age ? UINT64_MAX : sum;
}

// The floor: decay never takes a strength below min_strength, and never
// raises one that is already below it (so s = 0 stays 0 and R = 1 leaves s
// unchanged): s' = max(s * R, min(s, min_strength)).
inline double floored(double decayed, double strength, double min_strength) {
  const double floor = strength < min_strength ? strength : min_strength;
  return decayed > floor ? decayed : floor;
}

// Every curve as R = 2^t with t <= 0, which the SIMD kernel evaluates:
//   fast (exponential) part: t = age * fast_scale
//   slow (power-law) part:   t = ln(1 + age * slow_inv_unit) * slow_scale
// Which part applies: exponential -> fast; power law -> slow; two-component ->
// slow when recall_count >= consolidation_recalls, else fast.
struct DecayConstants {
  std::uint64_t elapsed;
  std::uint64_t add_limit;         // 2^64 - 1 - elapsed: min(age, add_limit) + elapsed saturates
  std::uint64_t conversion_limit;  // for the exponential fast path, see decay_simd.cpp
  float fast_scale;                // -log2(e) / time constant in seconds
  float slow_inv_unit;             // 1 / (seconds per hour or per day)
  float slow_scale;                // -beta_effective * log2(e)
  std::uint32_t consolidation_recalls;
  float min_strength;
};

}  // namespace engram::detail
