#pragma once
// Tests that count on the real kernel (software events: task-clock,
// page-faults) need perf_event_open. Debian's kernel refuses it to every
// unprivileged process by default (perf_event_paranoid = 3): a fact of the
// machine and the user, so such tests skip there, saying why and what to run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

namespace engram::testing {

// Why this process may not open perf events at all, or nullopt.
inline std::optional<std::string> perf_events_refused() {
  if (::geteuid() == 0) return std::nullopt;
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  int paranoid = 0;
  if (!(in >> paranoid) || paranoid < 3) return std::nullopt;
  return "perf_event_paranoid is " + std::to_string(paranoid) +
         ": perf_event_open is refused to users without CAP_PERFMON (run as root, or "
         "`sudo sysctl kernel.perf_event_paranoid=2`)";
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
