// Cache geometry for callgrind: CPUID's deterministic cache leaves, then
// sysfs, then sysconf, each accepted only when valgrind can simulate it
// (line size and set count powers of two); otherwise a stated default.
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "cache_geometry.hpp"
#include "engram/counters.hpp"
#include "engram/machine_snapshot.hpp"

namespace engram::counters {
namespace {

struct HostLevels {
  std::optional<CacheLevelGeometry> l1i, l1d, l2, l3;
};

bool power_of_two(std::uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

// Why valgrind would reject a level, or "" when it is fine.
std::string invalid_because(const CacheLevelGeometry& level) {
  std::ostringstream out;
  if (level.size_bytes == 0 || level.associativity == 0 || level.line_bytes == 0) {
    out << level.size_bytes << " B, " << level.associativity << "-way, " << level.line_bytes << " B lines: incomplete";
    return out.str();
  }
  if (!power_of_two(level.line_bytes) || level.line_bytes < 16) return "line size not a power of two >= 16";
  const std::uint64_t way_bytes = std::uint64_t{level.associativity} * level.line_bytes;
  if (level.size_bytes % way_bytes != 0 || !power_of_two(level.size_bytes / way_bytes)) {
    out << level.size_bytes << " B, " << level.associativity << "-way: the set count is not a power of two";
    return out.str();
  }
  return {};
}

std::string describe(const char* name, const std::optional<CacheLevelGeometry>& level) {
  if (!level) return std::string(name) + " unknown";
  const std::string why = invalid_because(*level);
  return why.empty() ? std::string() : std::string(name) + " " + why;
}

HostLevels from_cpuid(std::string& source) {
  HostLevels out;
  const CpuidCacheLeaves leaves = read_cpuid_cache_leaves();
  if (leaves.leaf == 0) return out;  // not x86, or no deterministic cache leaf
  for (const CpuidCache& c : decode_cpuid_cache_leaves(leaves.subleaves)) {
    const CacheLevelGeometry g{c.bytes, c.ways, c.line_bytes};
    if (c.level == 1 && c.type == "data") out.l1d = g;
    if (c.level == 1 && c.type == "instruction") out.l1i = g;
    if (c.level == 2 && c.type != "instruction") out.l2 = g;
    if (c.level == 3 && c.type != "instruction") out.l3 = g;
  }
  std::ostringstream name;
  name << "host (CPUID leaf 0x" << std::hex << std::uppercase << leaves.leaf << ")";
  source = name.str();
  return out;
}

std::optional<std::uint64_t> read_size(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text.empty()) return std::nullopt;
  std::uint64_t factor = 1;
  if (text.back() == 'K') factor = 1024;
  if (text.back() == 'M') factor = 1024 * 1024;
  if (factor != 1) text.pop_back();
  try {
    return std::stoull(text) * factor;
  } catch (...) {
    return std::nullopt;
  }
}

HostLevels from_sysfs_folder(const std::string& cache_dir, std::string& source) {
  HostLevels out;
  for (const detail::SysfsCache& c : detail::read_sysfs_caches(cache_dir)) {
    const CacheLevelGeometry g{c.bytes.value_or(0), c.ways.value_or(0), c.line_bytes.value_or(0)};
    if (c.level == 1 && c.type == "Data") out.l1d = g;
    if (c.level == 1 && c.type == "Instruction") out.l1i = g;
    if (c.level == 2 && c.type != "Instruction") out.l2 = g;
    if (c.level == 3 && c.type != "Instruction") out.l3 = g;
  }
  source = "host (" + cache_dir + ")";
  return out;
}

HostLevels from_sysfs(std::string& source) { return from_sysfs_folder("/sys/devices/system/cpu/cpu0/cache", source); }

std::optional<CacheLevelGeometry> sysconf_level(int size_name, int assoc_name, int line_name) {
  const long size = sysconf(size_name), assoc = sysconf(assoc_name), line = sysconf(line_name);
  if (size <= 0) return std::nullopt;
  return CacheLevelGeometry{static_cast<std::uint64_t>(size), static_cast<unsigned>(assoc > 0 ? assoc : 0),
                            static_cast<unsigned>(line > 0 ? line : 0)};
}

HostLevels from_sysconf(std::string& source) {
  HostLevels out;
  out.l1d = sysconf_level(_SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL1_DCACHE_ASSOC, _SC_LEVEL1_DCACHE_LINESIZE);
  out.l1i = sysconf_level(_SC_LEVEL1_ICACHE_SIZE, _SC_LEVEL1_ICACHE_ASSOC, _SC_LEVEL1_ICACHE_LINESIZE);
  out.l2 = sysconf_level(_SC_LEVEL2_CACHE_SIZE, _SC_LEVEL2_CACHE_ASSOC, _SC_LEVEL2_CACHE_LINESIZE);
  out.l3 = sysconf_level(_SC_LEVEL3_CACHE_SIZE, _SC_LEVEL3_CACHE_ASSOC, _SC_LEVEL3_CACHE_LINESIZE);
  source = "host (sysconf)";
  return out;
}

// The geometry when every level valgrind needs is valid, else the problems.
std::optional<CacheGeometry> usable(const HostLevels& levels, const std::string& source, std::string& problems) {
  const std::optional<CacheLevelGeometry>& last = levels.l3 ? levels.l3 : levels.l2;
  std::string issues;
  for (const std::string& issue : {describe("L1I", levels.l1i), describe("L1D", levels.l1d),
                                   describe(levels.l3 ? "L3" : "LL", last)}) {
    if (issue.empty()) continue;
    if (!issues.empty()) issues += "; ";
    issues += issue;
  }
  if (!issues.empty()) {
    if (!problems.empty()) problems += "; ";
    problems += source + ": " + issues;
    return std::nullopt;
  }
  CacheGeometry geometry;
  geometry.i1 = *levels.l1i;
  geometry.d1 = *levels.l1d;
  geometry.ll = *last;
  geometry.source = source;
  return geometry;
}

}  // namespace

std::optional<int> detail::count_cpu_list(const std::string& list) {
  int count = 0;
  std::istringstream in(list);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (part.find_first_not_of(" \t\n") == std::string::npos) continue;
    try {
      const auto dash = part.find('-');
      const int low = std::stoi(part.substr(0, dash));
      const int high = dash == std::string::npos ? low : std::stoi(part.substr(dash + 1));
      if (high < low || low < 0) return std::nullopt;
      count += high - low + 1;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return count > 0 ? std::optional<int>(count) : std::nullopt;
}

std::vector<detail::SysfsCache> detail::read_sysfs_caches(const std::string& cache_dir) {
  std::vector<SysfsCache> caches;
  for (int index = 0; index < 16; ++index) {
    const std::string dir = cache_dir + "/index" + std::to_string(index) + "/";
    std::ifstream level_in(dir + "level"), type_in(dir + "type");
    SysfsCache c;
    if (!(level_in >> c.level) || !(type_in >> c.type)) break;
    c.bytes = read_size(dir + "size");
    if (const auto ways = read_size(dir + "ways_of_associativity")) c.ways = static_cast<unsigned>(*ways);
    if (const auto line = read_size(dir + "coherency_line_size")) c.line_bytes = static_cast<unsigned>(*line);
    std::ifstream shared_in(dir + "shared_cpu_list");
    std::string shared;
    if (std::getline(shared_in, shared)) c.shared_by_cpus = count_cpu_list(shared);
    caches.push_back(std::move(c));
  }
  return caches;
}

std::optional<CacheGeometry> detail::cache_geometry_from_sysfs(const std::string& cache_dir, std::string& problems) {
  std::string source;
  const HostLevels levels = from_sysfs_folder(cache_dir, source);
  return usable(levels, source, problems);
}

std::vector<std::string> CacheGeometry::valgrind_arguments() const {
  auto arg = [](const char* flag, const CacheLevelGeometry& g) {
    return std::string(flag) + std::to_string(g.size_bytes) + "," + std::to_string(g.associativity) + "," +
           std::to_string(g.line_bytes);
  };
  return {arg("--I1=", i1), arg("--D1=", d1), arg("--LL=", ll)};
}

CacheGeometry default_cache_geometry() {
  CacheGeometry geometry;
  geometry.i1 = {32 * 1024, 8, 64};
  geometry.d1 = {32 * 1024, 8, 64};
  geometry.ll = {8 * 1024 * 1024, 16, 64};
  geometry.source = "default (32 KiB 8-way L1I and L1D, 8 MiB 16-way LL, 64 B lines)";
  geometry.is_default = true;
  return geometry;
}

CacheGeometry host_cache_geometry() {
  std::string problems;
  using Reader = HostLevels (*)(std::string&);
  for (Reader reader : {Reader{&from_cpuid}, Reader{&from_sysfs}, Reader{&from_sysconf}}) {
    std::string source = "CPUID";
    const HostLevels levels = reader(source);
    if (auto g = usable(levels, source, problems)) return *g;
  }
  CacheGeometry geometry = default_cache_geometry();
  geometry.source += "; host geometry not usable: " + problems;
  return geometry;
}

}  // namespace engram::counters
