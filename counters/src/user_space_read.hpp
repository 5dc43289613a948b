#pragma once
// Reading a hardware counter from user space, without a system call: the
// kernel publishes each event's state in its mmap page (perf_event_mmap_page)
// and, where it allows it, the counter register may be read directly: rdpmc
// on x86-64; on arm64 the PMU's event counter registers, when
// /proc/sys/kernel/perf_user_access is 1 and the event asked for it at open
// (request_user_access). A read() of the group costs a system call (about a
// microsecond on a VM); this costs a few dozen instructions.
#include <linux/perf_event.h>

#include <cstdint>
#include <optional>

namespace engram::counters::detail {

struct UserSpaceCount {
  std::uint64_t value = 0;
  std::uint64_t time_enabled = 0;  // brought up to now
  std::uint64_t time_running = 0;
};

// True where this build knows how to read counter registers (x86-64, arm64).
bool user_space_reads_compiled();

// Marks a hardware event's attr so the kernel grants user access to its
// counter (arm64: the PMU's "rdpmc" format bit, config1 bit 1); a no-op
// elsewhere and for software events.
void request_user_access(perf_event_attr& attr);

// The event's count and times now, read through its page; nullopt when the
// page does not allow it at this moment (no user access granted, the event is
// not on the PMU, or the times cannot be brought up to date): read() then.
std::optional<UserSpaceCount> read_in_user_space(const perf_event_mmap_page& page);

}  // namespace engram::counters::detail
