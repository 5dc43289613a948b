#pragma once
// Memory decay (KERNELS.md section 3): age += elapsed (saturating), then
// strength *= R(age), floored at min_strength.
//   Exponential:  R = exp(-age / tau)
//   PowerLaw:     R = (1 + age_hours)^(-beta)
//   TwoComponent: recall_count >= consolidation_recalls:
//                     R = (1 + age_days)^(-beta / (1 + 0.2 * schema))
//                 otherwise R = exp(-age_hours / fast_hours)
#include <cstdint>
#include <string_view>
#include <optional>

#include "engram/memory_graph.hpp"

namespace engram {

enum class DecayCurve { kExponential, kPowerLaw, kTwoComponent };

std::string_view decay_curve_name(DecayCurve curve);  // "exponential", "power_law", "two_component"
std::optional<DecayCurve> parse_decay_curve(std::string_view name);

struct DecayParams {
  double tau_seconds = 86400.0;  // time constant: R(1 day) = 1/e
  double beta = 0.18;
  double schema = 1.0;
  double fast_hours = 1.96;
  std::uint32_t consolidation_recalls = 3;
  float min_strength = 0.0f;
};

// Throws std::invalid_argument for a non-positive or NaN tau/fast_hours, a
// negative or NaN beta/schema, min_strength outside [0, 1], or state vectors
// of different lengths.
// One declaration list for both namespaces, so their signatures cannot drift.
#define ENGRAM_DECAY_API                                                    \
  void apply_decay(MemoryState& memories, std::uint64_t elapsed_seconds,    \
                   DecayCurve curve = DecayCurve::kExponential,             \
                   const DecayParams& params = {});

namespace reference {
ENGRAM_DECAY_API
}
namespace optimized {
ENGRAM_DECAY_API
}
#undef ENGRAM_DECAY_API

}  // namespace engram
