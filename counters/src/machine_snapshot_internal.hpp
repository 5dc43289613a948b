#pragma once
// The pure parts of the machine snapshot, for the library's own tests.
#include "engram/machine_snapshot.hpp"

namespace engram::counters::detail {

// Picks one of level.figures (given in the order cpuid, sysfs, sysconf) and
// says why in level.why: the size most sources agree on; on a tie the first
// in that order (CPUID's deterministic leaf describes the cache itself; the
// kernel decodes the same leaf into sysfs on x86 and is the only source on
// arm; glibc's sysconf reads AMD's legacy leaf 0x80000006, which a VM may
// fill with another figure). No figure: chosen stays empty.
void choose_cache_figure(CacheLevel& level);

// "2.0 MiB", "32 KiB", "512 B": the sizes in the choice's reasons.
std::string size_text(std::uint64_t bytes);

}  // namespace engram::counters::detail
