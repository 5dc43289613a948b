#include "perf_groups.hpp"

#include <sys/ioctl.h>

namespace engram::counters::detail {

perf_event_attr make_attr(const perf_event_attr& encoding, bool leader, bool exclude_kernel, bool inherit) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = encoding.type;
  attr.config = encoding.config;
  attr.config1 = encoding.config1;
  attr.config2 = encoding.config2;
  attr.read_format =
      PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  attr.disabled = leader ? 1 : 0;  // siblings follow their leader
  attr.exclude_kernel = exclude_kernel ? 1 : 0;
  attr.exclude_hv = 1;
  attr.inherit = inherit ? 1 : 0;
  return attr;
}

PerfGroup::PerfGroup(PerfEventApi& api, const std::vector<perf_event_attr>& members, int pid, bool inherit)
    : api_(api) {
  (void)inherit;  // carried by the attrs
  for (std::size_t i = 0; i < members.size(); ++i) {
    const int fd = api_.open(members[i], pid, -1, fds_.empty() ? -1 : fds_.front());
    if (fd < 0) {
      error_ = -fd;
      failed_member_ = static_cast<int>(i);
      return;
    }
    fds_.push_back(fd);
    std::uint64_t id = 0;
    if (api_.ioctl(fd, PERF_EVENT_IOC_ID, reinterpret_cast<unsigned long>(&id)) != 0) id = 0;
    ids_.push_back(id);
  }
  baseline_.values.assign(fds_.size(), 0);
}

PerfGroup::~PerfGroup() {
  // Siblings first, leader last.
  for (auto it = fds_.rbegin(); it != fds_.rend(); ++it) api_.close(*it);
}

void PerfGroup::enable() {
  if (ok() && !fds_.empty()) api_.ioctl(fds_.front(), PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

void PerfGroup::disable() {
  if (ok() && !fds_.empty()) api_.ioctl(fds_.front(), PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

void PerfGroup::reset() {
  GroupSample now;
  if (read_absolute(now)) baseline_ = now;
}

bool PerfGroup::read_absolute(GroupSample& out) const {
  if (!ok() || fds_.empty()) return false;
  // nr, time_enabled, time_running, then {value, id} per member.
  std::vector<std::uint64_t> buffer(3 + 2 * fds_.size());
  const long n = api_.read(fds_.front(), buffer.data(), buffer.size() * sizeof(std::uint64_t));
  if (n < static_cast<long>(3 * sizeof(std::uint64_t))) return false;
  const std::uint64_t count = buffer[0];
  if (count != fds_.size() || n < static_cast<long>((3 + 2 * count) * sizeof(std::uint64_t))) return false;
  out.time_enabled = buffer[1];
  out.time_running = buffer[2];
  out.values.assign(fds_.size(), 0);
  for (std::size_t k = 0; k < count; ++k) {
    const std::uint64_t value = buffer[3 + 2 * k];
    const std::uint64_t id = buffer[4 + 2 * k];
    // Match by id; fall back to position when ids are unavailable.
    std::size_t slot = k;
    for (std::size_t m = 0; m < ids_.size(); ++m)
      if (ids_[m] != 0 && ids_[m] == id) slot = m;
    out.values[slot] = value;
  }
  return true;
}

bool PerfGroup::read(GroupSample& out) const {
  GroupSample now;
  if (!read_absolute(now)) return false;
  out.time_enabled = now.time_enabled - baseline_.time_enabled;
  out.time_running = now.time_running - baseline_.time_running;
  out.values.resize(now.values.size());
  for (std::size_t i = 0; i < now.values.size(); ++i) out.values[i] = now.values[i] - baseline_.values[i];
  return true;
}

}  // namespace engram::counters::detail
