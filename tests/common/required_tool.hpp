#pragma once
// Skips that CI must not take. A test that needs a tool (valgrind, gnuplot,
// chromium, node, perf, xmllint, ...) skips with the reason where the tool is
// missing; with ENGRAM_REQUIRE_TOOLS=1 (set by scripts/test.sh when CI runs
// it) the same test fails instead, because there a missing tool is a broken
// set-up, not a fact of the machine. Skips for a missing capability of the
// machine (a hardware PMU, root) keep using GTEST_SKIP directly.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace engram::testing {

inline bool tools_required() {
  const char* value = std::getenv("ENGRAM_REQUIRE_TOOLS");
  return value != nullptr && std::string_view(value) == "1";
}

}  // namespace engram::testing

// Ends the test: a skip with `message`, or a failure under ENGRAM_REQUIRE_TOOLS=1.
// A macro because GTEST_SKIP and FAIL return from the test body itself.
#define ENGRAM_SKIP_WITHOUT_TOOL(message)                                            \
  do {                                                                               \
    if (::engram::testing::tools_required()) {                                       \
      FAIL() << "ENGRAM_REQUIRE_TOOLS=1 and a required tool is missing: " << message; \
    } else {                                                                         \
      GTEST_SKIP() << message;                                                       \
    }                                                                                \
  } while (false)
