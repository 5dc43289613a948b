#pragma once
// Opened perf_event groups: enable/disable as a unit, read with
// PERF_FORMAT_GROUP | ID | TOTAL_TIME_ENABLED | TOTAL_TIME_RUNNING, and keep
// a baseline so that reset() is exact (the kernel's reset ioctl clears the
// counts but not the times).
#include <linux/perf_event.h>

#include <cstdint>
#include <string>
#include <vector>

#include "perf_event_api.hpp"

namespace engram::counters::detail {

struct GroupSample {
  std::uint64_t time_enabled = 0;
  std::uint64_t time_running = 0;
  std::vector<std::uint64_t> values;  // one per member, in member order
};

class PerfGroup {
 public:
  // Opens every member (the first is the leader), disabled. Throws nothing:
  // on failure, ok() is false and failed_member()/error() say which and why.
  PerfGroup(PerfEventApi& api, const std::vector<perf_event_attr>& members, int pid, bool inherit);
  ~PerfGroup();
  PerfGroup(const PerfGroup&) = delete;
  PerfGroup& operator=(const PerfGroup&) = delete;

  bool ok() const { return error_ == 0; }
  int error() const { return error_; }               // errno of the failing open
  int failed_member() const { return failed_member_; }

  void enable();
  void disable();
  void reset();  // baseline := current
  // Counts since the last reset(); false when the read failed.
  bool read(GroupSample& out) const;

 private:
  bool read_absolute(GroupSample& out) const;
  PerfEventApi& api_;
  std::vector<int> fds_;
  std::vector<std::uint64_t> ids_;
  int error_ = 0;
  int failed_member_ = -1;
  GroupSample baseline_;
};

// The attr every member gets: disabled leader, group read format, user-only
// counting unless the kernel may be counted.
perf_event_attr make_attr(const perf_event_attr& encoding, bool leader, bool exclude_kernel, bool inherit);

}  // namespace engram::counters::detail
