#include "scaling.hpp"

namespace engram::counters::detail {

ScaledCount scale_count(long double raw, std::uint64_t time_enabled, std::uint64_t time_running) {
  ScaledCount out;
  if (time_enabled == 0) {
    // Not enabled yet: nothing happened, and that is a true zero.
    out.value = static_cast<double>(raw);
    out.running_fraction = 1.0;
    out.status = Status::counted;
    return out;
  }
  if (time_running == 0) {
    out.status = Status::multiplexed;
    out.running_fraction = 0.0;
    return out;
  }
  if (time_running >= time_enabled) {
    out.value = static_cast<double>(raw);
    out.running_fraction = 1.0;
    out.status = Status::counted;
    return out;
  }
  const long double enabled = static_cast<long double>(time_enabled);
  const long double running = static_cast<long double>(time_running);
  out.value = static_cast<double>(raw * (enabled / running));
  out.running_fraction = static_cast<double>(running / enabled);
  out.status = Status::multiplexed;
  return out;
}

}  // namespace engram::counters::detail
