// The decay ground truth: one memory at a time, in double, with the standard
// library's exp and pow. Written for clarity.
#include <cmath>
#include <stdexcept>
#include <string>

#include "decay_common.hpp"
#include "engram/decay.hpp"
#include "work_counters_internal.hpp"

namespace engram {

std::string_view decay_curve_name(DecayCurve curve) {
  switch (curve) {
    case DecayCurve::kExponential: return "exponential";
    case DecayCurve::kPowerLaw: return "power_law";
    case DecayCurve::kTwoComponent: return "two_component";
  }
  return "unknown";
}

std::optional<DecayCurve> parse_decay_curve(std::string_view name) {
  for (DecayCurve c : {DecayCurve::kExponential, DecayCurve::kPowerLaw, DecayCurve::kTwoComponent}) {
    if (name == decay_curve_name(c)) return c;
  }
  return std::nullopt;
}

namespace detail {

void check_decay_args(const MemoryState& memories, DecayCurve curve, const DecayParams& params) {
  if (curve != DecayCurve::kExponential && curve != DecayCurve::kPowerLaw &&
      curve != DecayCurve::kTwoComponent) {
    throw std::invalid_argument("apply_decay: unknown decay curve " +
                                std::to_string(static_cast<int>(curve)));
  }
  auto positive = [](const char* name, double v) {
    if (!(std::isfinite(v) && v > 0.0)) {
      throw std::invalid_argument(std::string("apply_decay: ") + name +
                                  " must be a finite number > 0 (got " + std::to_string(v) + ")");
    }
  };
  auto non_negative = [](const char* name, double v) {
    if (!(std::isfinite(v) && v >= 0.0)) {
      throw std::invalid_argument(std::string("apply_decay: ") + name +
                                  " must be a finite number >= 0 (got " + std::to_string(v) + ")");
    }
  };
  positive("tau_seconds", params.tau_seconds);
  positive("fast_hours", params.fast_hours);
  non_negative("beta", params.beta);
  non_negative("schema", params.schema);
  if (!(params.min_strength >= 0.0f && params.min_strength <= 1.0f)) {
    throw std::invalid_argument("apply_decay: min_strength must be in [0, 1] (got " +
                                std::to_string(params.min_strength) + ")");
  }
  const std::size_t n = memories.strength.size();
  if (memories.age_seconds.size() != n || memories.recall_count.size() != n) {
    throw std::invalid_argument(
        "apply_decay: memory state vectors differ in length (strength " + std::to_string(n) +
        ", age " + std::to_string(memories.age_seconds.size()) + ", recall count " +
        std::to_string(memories.recall_count.size()) + ")");
  }
}

}  // namespace detail

namespace reference {

namespace {

double retention(DecayCurve curve, double age, std::uint32_t recalls, const DecayParams& p) {
  switch (curve) {
    case DecayCurve::kExponential:
      return std::exp(-age / p.tau_seconds);
    case DecayCurve::kPowerLaw:
      return std::pow(1.0 + age / 3600.0, -p.beta);
    case DecayCurve::kTwoComponent:
      if (recalls >= p.consolidation_recalls) {
        return std::pow(1.0 + age / 86400.0, -p.beta / (1.0 + 0.2 * p.schema));
      }
      return std::exp(-(age / 3600.0) / p.fast_hours);
  }
  return 1.0;
}

}  // namespace

void apply_decay(MemoryState& memories, std::uint64_t elapsed_seconds, DecayCurve curve,
                 const DecayParams& params) {
  detail::check_decay_args(memories, curve, params);
  const std::size_t n = memories.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t age = detail::saturating_add(memories.age_seconds[i], elapsed_seconds);
    memories.age_seconds[i] = age;
    const double s = memories.strength[i];
    const double r = retention(curve, static_cast<double>(age), memories.recall_count[i], params);
    memories.strength[i] = static_cast<float>(detail::floored(s * r, s, params.min_strength));
  }
  detail::add_work(decay_work(n, curve));
}

}  // namespace reference
}  // namespace engram
