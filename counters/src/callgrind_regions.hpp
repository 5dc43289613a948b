#pragma once
// Client requests that make CounterSet::start()/stop() the collected region
// of a callgrind run. Only active in a child of run_under_callgrind (which
// starts collection off and sets kRegionsEnvironment), so a user's own
// `valgrind --tool=callgrind` run with collection on is never inverted.
#include <string>

namespace engram::counters::detail {

inline constexpr const char* kRegionsEnvironment = "ENGRAM_CALLGRIND_REGIONS";

// True when running under valgrind with kRegionsEnvironment=1.
bool callgrind_regions_active();
// Nesting-safe across sets: collection is on while any region is open.
void callgrind_region_begin();
// Closes a region; when the outermost one closes and `dump_name` is not
// empty, dumps (and zeroes) the counts under that name.
void callgrind_region_end(const std::string& dump_name);

}  // namespace engram::counters::detail
