#pragma once
// Whether the tests that run a program under valgrind can run here.
// valgrind missing is a missing tool: a skip, or a failure under
// ENGRAM_REQUIRE_TOOLS=1 (required_tool.hpp). A build whose programs valgrind
// cannot run (sanitizers: ENGRAM_VALGRIND_TESTS=OFF) or a test binary that
// already runs under valgrind is a fact of this build, not a missing tool: a
// plain skip with the reason.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "engram/counters.hpp"
#include "process.hpp"
#include "required_tool.hpp"

namespace engram::counters_test {

// Why this build cannot run programs under valgrind, or nullopt.
inline std::optional<std::string> valgrind_not_for_this_build() {
  if (!ENGRAM_VALGRIND_TESTS) return "valgrind tests disabled (ENGRAM_VALGRIND_TESTS=OFF, e.g. sanitizers)";
  if (engram::counters::running_under_valgrind()) return "already running under valgrind";
  return std::nullopt;
}

// Found the way run_under_callgrind finds it: on PATH.
inline bool valgrind_installed() { return engram::counters::detail::find_executable("valgrind").has_value(); }

}  // namespace engram::counters_test

// Ends the test when it cannot run valgrind here. A macro because
// GTEST_SKIP and FAIL return from the test body itself.
#define SKIP_WITHOUT_VALGRIND()                                                                \
  do {                                                                                         \
    if (const auto why = ::engram::counters_test::valgrind_not_for_this_build())               \
      GTEST_SKIP() << *why;                                                                    \
    if (!::engram::counters_test::valgrind_installed())                                        \
      ENGRAM_SKIP_WITHOUT_TOOL("valgrind is not installed (Debian package valgrind)");         \
  } while (false)
