#pragma once
// A scripted perf_event kernel for the tests: it answers opens (or refuses
// them with a chosen errno), hands out ids, and serves group reads with the
// values and enabled/running times the test sets.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <sys/ioctl.h>

#include "perf_event_api.hpp"
#include "system_facts.hpp"

namespace engram::counters::fakes {

struct Identity {
  std::uint32_t type;
  std::uint64_t config;
  friend bool operator<(const Identity& a, const Identity& b) {
    return a.type != b.type ? a.type < b.type : a.config < b.config;
  }
  friend bool operator==(const Identity&, const Identity&) = default;
};

inline Identity identity(const perf_event_attr& attr) { return {attr.type, attr.config}; }

class FakeKernel final : public detail::PerfEventApi {
 public:
  // errno to refuse an open with (0: accept). Sees the attr and whether it
  // joins a group (and the group's current size).
  std::function<int(const perf_event_attr&, bool joins_group, std::size_t group_size)> refuse =
      [](const perf_event_attr&, bool, std::size_t) { return 0; };
  // Counter values served by reads, per event identity.
  std::map<Identity, std::uint64_t> values;
  // {enabled, running} per group, keyed by its members' identities (sorted);
  // unset groups ran all the time.
  std::map<std::vector<Identity>, std::pair<std::uint64_t, std::uint64_t>> times;
  std::vector<perf_event_attr> opened;  // every accepted open, in order
  int live_fds() const { return static_cast<int>(fds_.size()); }

  int open(const perf_event_attr& attr, int, int, int group_fd) override {
    const bool joins = group_fd >= 0;
    const std::size_t size = joins ? fds_.at(group_fd).members.size() : 0;
    if (const int error = refuse(attr, joins, size); error != 0) return -error;
    const int fd = next_fd_++;
    Fd entry;
    entry.attr = attr;
    entry.id = static_cast<std::uint64_t>(fd) * 10;
    entry.leader = joins ? group_fd : fd;
    fds_[fd] = entry;
    fds_.at(entry.leader).members.push_back(fd);
    opened.push_back(attr);
    return fd;
  }

  int ioctl(int fd, unsigned long request, unsigned long argument) override {
    if (!fds_.count(fd)) return -EBADF;
    if (request == PERF_EVENT_IOC_ID) *reinterpret_cast<std::uint64_t*>(argument) = fds_.at(fd).id;
    return 0;
  }

  long read(int fd, void* buffer, std::size_t size) override {
    if (!fds_.count(fd)) return -EBADF;
    const Fd& leader = fds_.at(fd);
    std::vector<Identity> key;
    for (int member : leader.members) key.push_back(identity(fds_.at(member).attr));
    std::sort(key.begin(), key.end());
    std::pair<std::uint64_t, std::uint64_t> time{1000, 1000};
    if (auto it = times.find(key); it != times.end()) time = it->second;
    std::vector<std::uint64_t> out = {leader.members.size(), time.first, time.second};
    // Siblings in reverse order: the reader must match by id, not position.
    std::vector<int> order(leader.members.begin(), leader.members.end());
    std::reverse(order.begin() + 1, order.end());
    for (int member : order) {
      const Fd& m = fds_.at(member);
      out.push_back(values.count(identity(m.attr)) ? values.at(identity(m.attr)) : 0);
      out.push_back(m.id);
    }
    const std::size_t bytes = out.size() * sizeof(std::uint64_t);
    if (size < bytes) return -ENOSPC;
    std::copy(out.begin(), out.end(), static_cast<std::uint64_t*>(buffer));
    return static_cast<long>(bytes);
  }

  void close(int fd) override {
    auto it = fds_.find(fd);
    if (it == fds_.end()) return;
    if (it->second.leader != fd) {
      auto& members = fds_.at(it->second.leader).members;
      members.erase(std::remove(members.begin(), members.end(), fd), members.end());
    }
    fds_.erase(it);
  }

 private:
  struct Fd {
    perf_event_attr attr{};
    std::uint64_t id = 0;
    int leader = -1;
    std::vector<int> members;  // for a leader: itself first, then siblings
  };
  std::map<int, Fd> fds_;
  int next_fd_ = 100;
};

// Bare metal with a PMU, kernel counting allowed.
inline detail::SystemFacts machine_with_pmu() {
  detail::SystemFacts facts;
  facts.perf_event_paranoid = 1;
  facts.kptr_restrict = 0;
  facts.nmi_watchdog = 0;
  facts.hardware_pmu = true;
  facts.core_pmu_in_sysfs = true;
  return facts;
}

// A VM without a PMU.
inline detail::SystemFacts vm_without_pmu() {
  detail::SystemFacts facts = machine_with_pmu();
  facts.hardware_pmu = false;
  facts.hardware_probe_errno = ENOENT;
  facts.core_pmu_in_sysfs = false;
  facts.hypervisor = true;
  return facts;
}

inline bool is_hardware(const perf_event_attr& attr) {
  return attr.type == PERF_TYPE_HARDWARE || attr.type == PERF_TYPE_HW_CACHE || attr.type == PERF_TYPE_RAW;
}

}  // namespace engram::counters::fakes
