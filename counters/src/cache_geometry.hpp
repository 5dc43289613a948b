#pragma once
// The sysfs reader behind host_cache_geometry(), with the folder it reads as
// a parameter: the host's is /sys/devices/system/cpu/cpu0/cache; tests hand
// it a sysfs-like tree made in a temporary folder.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engram/counters.hpp"

namespace engram::counters::detail {

// The geometry in `cache_dir` (index<N>/ folders with level, type, size,
// ways_of_associativity and coherency_line_size, as sysfs lays them out)
// when valgrind can simulate it (line size and set count powers of two);
// otherwise nullopt, and "<source>: <what is wrong>" is appended to
// `problems` ("; "-separated).
std::optional<CacheGeometry> cache_geometry_from_sysfs(const std::string& cache_dir, std::string& problems);

// One index<N>/ folder of `cache_dir`, every file that reads; the list stops
// at the first index without a level and type (the one sysfs cache reader
// of the library: callgrind's geometry and the machine snapshot use it).
struct SysfsCache {
  int level = 0;
  std::string type;  // "Data", "Instruction", "Unified"
  std::optional<std::uint64_t> bytes;  // "32K", "1024K", "32M" or plain bytes
  std::optional<unsigned> ways;
  std::optional<unsigned> line_bytes;
  std::optional<int> shared_by_cpus;  // CPUs in shared_cpu_list
};
std::vector<SysfsCache> read_sysfs_caches(const std::string& cache_dir);

// "0-3,6" -> 5; nothing when the list does not parse.
std::optional<int> count_cpu_list(const std::string& list);

}  // namespace engram::counters::detail
