#pragma once
// Tests that count on the real kernel (software events: task-clock,
// page-faults) need perf_event_open. A kernel may refuse it to unprivileged
// processes (Debian's, at perf_event_paranoid = 3, its default): a fact of the
// machine and the user, so such tests skip there, saying why and what to run.
#include <gtest/gtest.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

namespace engram::testing {

// Why this process may not open perf events at all, or nullopt. Asked of the
// kernel itself (a user-space task-clock of this thread), not guessed from
// perf_event_paranoid: what 3 means depends on the kernel's patches.
inline std::optional<std::string> perf_events_refused() {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  const long fd = ::syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
  if (fd >= 0) {
    ::close(static_cast<int>(fd));
    return std::nullopt;
  }
  if (errno != EACCES && errno != EPERM) return std::nullopt;  // refused for another reason: the test will say
  const int error = errno;
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  std::string paranoid = "unknown";
  in >> paranoid;
  return "perf_event_open refused (" + std::string(std::strerror(error)) + ") at perf_event_paranoid = " +
         paranoid + " (run as root, or `sudo sysctl kernel.perf_event_paranoid=2`)";
}

}  // namespace engram::testing

// Ends the test with a skip when perf events are refused to this process.
#define ENGRAM_SKIP_WITHOUT_PERF_EVENTS()                                                \
  do {                                                                                   \
    if (const auto why_refused = ::engram::testing::perf_events_refused()) {             \
      GTEST_SKIP() << *why_refused;                                                      \
    }                                                                                    \
  } while (false)

// A fixture for suites whose every test counts on the real kernel.
class NeedsPerfEvents : public ::testing::Test {
 protected:
  void SetUp() override { ENGRAM_SKIP_WITHOUT_PERF_EVENTS(); }
};
