#pragma once
// Opened perf_event groups: counted as a unit, read with
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

// How start()/stop() delimit a region.
enum class GroupCounting {
  // start() enables the group, stop() disables it (one ioctl each); the
  // counts are the kernel's minus the baseline. Groups counting another
  // process, and hardware groups that cannot be read from user space, work
  // this way: an enabled hardware group holds PMU counters, so unless its
  // reads are cheap (user_space) it is not left enabled between regions.
  toggled,
  // The group is enabled at the first start() and stays enabled; start() and
  // stop() each read it once and a region counts the difference. On a VM an
  // enable or disable ioctl costs ~1-1.5 us (the kernel reschedules the whole
  // perf context), a group read ~0.6-0.9 us, so this nearly halves the cost
  // of an empty pair. Only for software events of the calling thread, which
  // never compete for a PMU. Before the first start() it behaves like
  // `toggled` (the disabled group reads as the kernel has it).
  free_running,
  // Hardware groups that the kernel lets us read from user space (see
  // user_space_read.hpp): enabled at the first start() and left enabled, like
  // free_running, but start() and stop() read each member's counter register
  // through its mmap page instead of calling read(): no system call at the
  // region's edges. A read the page does not allow at that moment (the group
  // is off the PMU) falls back to read(). The price: the group holds its PMU
  // counters between regions too.
  user_space,
};

// Which way a group's reads went.
struct ReadPaths {
  std::uint64_t user_space = 0;
  std::uint64_t system_call = 0;
};

class PerfGroup {
 public:
  // Opens every member (the first is the leader), disabled. Throws nothing:
  // on failure, ok() is false and failed_member()/error() say which and why.
  PerfGroup(PerfEventApi& api, const std::vector<perf_event_attr>& members, int pid, bool inherit,
            GroupCounting counting = GroupCounting::toggled);
  ~PerfGroup();
  PerfGroup(const PerfGroup&) = delete;
  PerfGroup& operator=(const PerfGroup&) = delete;

  bool ok() const { return error_ == 0; }
  int error() const { return error_; }               // errno of the failing open
  int failed_member() const { return failed_member_; }
  GroupCounting counting() const { return counting_; }
  ReadPaths read_paths() const { return paths_; }

  // The edges of a measured region. Neither allocates; a failed read is
  // remembered and makes read() fail until the next reset().
  void start();
  void stop();
  void reset();  // counts restart from zero (from now, when running)
  // Counts since the last reset(); false when the read failed.
  bool read(GroupSample& out) const;

 private:
  // One read of the whole group into `words` (3 + 2 * members words, the
  // layout of read() with PERF_FORMAT_GROUP): from user space when this group
  // may, else one read() of the leader.
  bool read_words(std::uint64_t* words) const;
  bool read_words_in_user_space(std::uint64_t* words) const;
  bool stays_enabled() const { return counting_ != GroupCounting::toggled; }
  bool read_absolute(GroupSample& out) const;
  // The member slot of the value at `position` of a group read.
  std::size_t slot_of(const std::uint64_t* words, std::size_t position) const;
  // into += later - earlier, both raw group reads; false when they disagree.
  bool add_difference(const std::uint64_t* later, const std::uint64_t* earlier, GroupSample& into) const;
  std::size_t words_per_read() const { return 3 + 2 * fds_.size(); }

  PerfEventApi& api_;
  std::vector<int> fds_;
  std::vector<std::uint64_t> ids_;
  std::vector<const perf_event_mmap_page*> pages_;  // user_space: one per member
  mutable ReadPaths paths_;
  int error_ = 0;
  int failed_member_ = -1;
  GroupCounting counting_;
  bool running_ = false;
  GroupSample baseline_;  // toggled (and free_running before its first start)
  // free_running and user_space once started:
  bool enabled_for_good_ = false;
  bool read_failed_ = false;
  GroupSample accumulated_;                    // finished regions since reset()
  std::vector<std::uint64_t> start_words_;     // the read at the current region's start
  mutable std::vector<std::uint64_t> scratch_;  // the read at stop() or read()
};

// The attr every member gets: disabled leader, group read format, user-only
// counting unless the kernel may be counted.
perf_event_attr make_attr(const perf_event_attr& encoding, bool leader, bool exclude_kernel, bool inherit);

}  // namespace engram::counters::detail
