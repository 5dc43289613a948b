#pragma once
// Multiplexing arithmetic: a counter that ran for `running` of `enabled` ns
// is scaled by enabled/running, in long double so that no product of two
// 64-bit quantities can wrap.
#include <cstdint>
#include <optional>

#include "engram/counters.hpp"

namespace engram::counters::detail {

struct ScaledCount {
  std::optional<double> value;   // empty when the counter never ran
  double running_fraction = 0.0; // running / enabled, clamped to [0, 1]
  Status status = Status::counted;
};

// `raw` may be a combination of several events of one group (a preset made
// of natives), hence long double. enabled == 0 (never started) is an exact
// zero; running == 0 with enabled > 0 means the group never got the PMU.
ScaledCount scale_count(long double raw, std::uint64_t time_enabled, std::uint64_t time_running);

}  // namespace engram::counters::detail
