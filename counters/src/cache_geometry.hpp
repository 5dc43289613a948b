#pragma once
// The sysfs reader behind host_cache_geometry(), with the folder it reads as
// a parameter: the host's is /sys/devices/system/cpu/cpu0/cache; tests hand
// it a sysfs-like tree made in a temporary folder.
#include <optional>
#include <string>

#include "engram/counters.hpp"

namespace engram::counters::detail {

// The geometry in `cache_dir` (index<N>/ folders with level, type, size,
// ways_of_associativity and coherency_line_size, as sysfs lays them out)
// when valgrind can simulate it (line size and set count powers of two);
// otherwise nullopt, and "<source>: <what is wrong>" is appended to
// `problems` ("; "-separated).
std::optional<CacheGeometry> cache_geometry_from_sysfs(const std::string& cache_dir, std::string& problems);

}  // namespace engram::counters::detail
