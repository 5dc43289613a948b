#include "perf_groups.hpp"

#include <sys/ioctl.h>

#include "user_space_read.hpp"

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
  // The caller's rule (kernel counting not allowed) or the event's own ":u".
  attr.exclude_kernel = exclude_kernel || encoding.exclude_kernel ? 1 : 0;
  attr.exclude_user = encoding.exclude_user;
  attr.exclude_hv = 1;
  attr.inherit = inherit ? 1 : 0;
  return attr;
}

PerfGroup::PerfGroup(PerfEventApi& api, const std::vector<perf_event_attr>& members, int pid, bool inherit,
                     GroupCounting counting)
    : api_(api), counting_(counting) {
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
  if (counting_ == GroupCounting::user_space) {
    for (int fd : fds_) {
      const perf_event_mmap_page* page = api_.map_page(fd);
      if (page == nullptr) break;
      pages_.push_back(page);
    }
    // Without every member's page the group cannot be read in user space:
    // it is toggled like any other hardware group.
    if (pages_.size() != fds_.size()) {
      for (const perf_event_mmap_page* page : pages_) api_.unmap_page(page);
      pages_.clear();
      counting_ = GroupCounting::toggled;
    }
  }
  baseline_.values.assign(fds_.size(), 0);
  accumulated_.values.assign(fds_.size(), 0);
  // Sized once here so that start() and stop() never allocate.
  start_words_.assign(words_per_read(), 0);
  scratch_.assign(words_per_read(), 0);
}

PerfGroup::~PerfGroup() {
  for (const perf_event_mmap_page* page : pages_) api_.unmap_page(page);
  // Siblings first, leader last.
  for (auto it = fds_.rbegin(); it != fds_.rend(); ++it) api_.close(*it);
}

void PerfGroup::start() {
  if (!ok() || fds_.empty() || running_) return;
  running_ = true;
  if (!stays_enabled()) {
    api_.ioctl(fds_.front(), PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
    return;
  }
  if (!enabled_for_good_) {
    // Whatever the disabled group holds (since the baseline) stays counted,
    // as it would for a toggled group; from now on regions are differences.
    GroupSample before;
    if (read_absolute(before)) {
      accumulated_.time_enabled = before.time_enabled - baseline_.time_enabled;
      accumulated_.time_running = before.time_running - baseline_.time_running;
      for (std::size_t i = 0; i < fds_.size(); ++i) accumulated_.values[i] = before.values[i] - baseline_.values[i];
    } else {
      read_failed_ = true;
    }
    api_.ioctl(fds_.front(), PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
    enabled_for_good_ = true;
  }
  if (!read_words(start_words_.data())) read_failed_ = true;  // last: as little as possible in the region
}

void PerfGroup::stop() {
  if (!ok() || fds_.empty() || !running_) return;
  running_ = false;
  if (!stays_enabled()) {
    api_.ioctl(fds_.front(), PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
    return;
  }
  if (read_failed_) return;
  if (!read_words(scratch_.data()) || !add_difference(scratch_.data(), start_words_.data(), accumulated_))
    read_failed_ = true;
}

void PerfGroup::reset() {
  if (!ok() || fds_.empty()) return;
  if (!stays_enabled() || !enabled_for_good_) {
    GroupSample now;
    if (read_absolute(now)) baseline_ = now;
    return;
  }
  read_failed_ = false;
  accumulated_.time_enabled = 0;
  accumulated_.time_running = 0;
  accumulated_.values.assign(fds_.size(), 0);
  if (running_ && !read_words(start_words_.data())) read_failed_ = true;
}

bool PerfGroup::read_words(std::uint64_t* words) const {
  if (!pages_.empty() && enabled_for_good_ && read_words_in_user_space(words)) {
    ++paths_.user_space;
    return true;
  }
  ++paths_.system_call;
  // nr, time_enabled, time_running, then {value, id} per member.
  const std::size_t expected = words_per_read();
  const long n = api_.read(fds_.front(), words, expected * sizeof(std::uint64_t));
  return n >= static_cast<long>(expected * sizeof(std::uint64_t)) && words[0] == fds_.size();
}

bool PerfGroup::read_words_in_user_space(std::uint64_t* words) const {
  // The members of a group are scheduled together: the leader's times are
  // the group's.
  words[0] = fds_.size();
  for (std::size_t m = 0; m < fds_.size(); ++m) {
    const std::optional<UserSpaceCount> count = read_in_user_space(*pages_[m]);
    if (!count) return false;
    if (m == 0) {
      words[1] = count->time_enabled;
      words[2] = count->time_running;
    }
    words[3 + 2 * m] = count->value;
    words[4 + 2 * m] = ids_[m];
  }
  return true;
}

std::size_t PerfGroup::slot_of(const std::uint64_t* words, std::size_t position) const {
  // Match by id; fall back to position when ids are unavailable.
  const std::uint64_t id = words[4 + 2 * position];
  for (std::size_t m = 0; m < ids_.size(); ++m)
    if (ids_[m] != 0 && ids_[m] == id) return m;
  return position;
}

bool PerfGroup::add_difference(const std::uint64_t* later, const std::uint64_t* earlier, GroupSample& into) const {
  const std::size_t count = fds_.size();
  for (std::size_t k = 0; k < count; ++k)
    if (later[4 + 2 * k] != earlier[4 + 2 * k]) return false;  // the kernel reordered the members
  into.time_enabled += later[1] - earlier[1];
  into.time_running += later[2] - earlier[2];
  for (std::size_t k = 0; k < count; ++k) into.values[slot_of(later, k)] += later[3 + 2 * k] - earlier[3 + 2 * k];
  return true;
}

bool PerfGroup::read_absolute(GroupSample& out) const {
  if (!ok() || fds_.empty()) return false;
  std::vector<std::uint64_t> words(words_per_read());
  if (!read_words(words.data())) return false;
  out.time_enabled = words[1];
  out.time_running = words[2];
  out.values.assign(fds_.size(), 0);
  for (std::size_t k = 0; k < fds_.size(); ++k) out.values[slot_of(words.data(), k)] = words[3 + 2 * k];
  return true;
}

bool PerfGroup::read(GroupSample& out) const {
  if (!ok() || fds_.empty()) return false;
  if (stays_enabled() && enabled_for_good_) {
    if (read_failed_) return false;
    out = accumulated_;
    if (running_) {  // the current region so far
      if (!read_words(scratch_.data())) return false;
      if (!add_difference(scratch_.data(), start_words_.data(), out)) return false;
    }
    return true;
  }
  GroupSample now;
  if (!read_absolute(now)) return false;
  out.time_enabled = now.time_enabled - baseline_.time_enabled;
  out.time_running = now.time_running - baseline_.time_running;
  out.values.resize(now.values.size());
  for (std::size_t i = 0; i < now.values.size(); ++i) out.values[i] = now.values[i] - baseline_.values[i];
  return true;
}

}  // namespace engram::counters::detail
