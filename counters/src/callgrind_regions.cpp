#include "callgrind_regions.hpp"

#include <valgrind/callgrind.h>
#include <valgrind/valgrind.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "engram/counters.hpp"

namespace engram::counters {

bool running_under_valgrind() { return RUNNING_ON_VALGRIND != 0; }

namespace detail {
namespace {
std::atomic<int> open_regions{0};
}  // namespace

bool callgrind_regions_active() {
  static const bool active = [] {
    if (RUNNING_ON_VALGRIND == 0) return false;
    const char* flag = std::getenv(kRegionsEnvironment);
    return flag != nullptr && std::strcmp(flag, "1") == 0;
  }();
  return active;
}

void callgrind_region_begin() {
  if (!callgrind_regions_active()) return;
  if (open_regions.fetch_add(1) == 0) CALLGRIND_TOGGLE_COLLECT;
}

void callgrind_region_end(const std::string& dump_name) {
  if (!callgrind_regions_active()) return;
  if (open_regions.fetch_sub(1) != 1) return;
  CALLGRIND_TOGGLE_COLLECT;
  if (!dump_name.empty()) CALLGRIND_DUMP_STATS_AT(dump_name.c_str());
}

}  // namespace detail
}  // namespace engram::counters
