// Cache geometry for callgrind: CPUID's deterministic cache leaves, then
// sysfs, then sysconf, each accepted only when valgrind can simulate it
// (line size and set count powers of two); otherwise a stated default.
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "cache_geometry.hpp"
#include "engram/counters.hpp"

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
#if !defined(__x86_64__) && !defined(__i386__)
  (void)source;  // CPUID is x86 only; elsewhere sysfs and sysconf answer
  return out;
#else
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return out;
  const unsigned max_basic = a;
  const bool amd = b == 0x68747541;  // "Auth"enticAMD
  unsigned leaf = 0;
  if (amd) {
    __get_cpuid(0x80000000, &a, &b, &c, &d);
    const unsigned max_extended = a;
    if (max_extended >= 0x8000001D && __get_cpuid(0x80000001, &a, &b, &c, &d) && ((c >> 22) & 1U)) leaf = 0x8000001D;
  } else if (max_basic >= 4) {
    leaf = 4;
  }
  if (leaf == 0) return out;
  for (unsigned index = 0; index < 16; ++index) {
    __cpuid_count(leaf, index, a, b, c, d);
    const unsigned type = a & 31U;  // 1 data, 2 instruction, 3 unified
    if (type == 0) break;
    const unsigned level = (a >> 5) & 7U;
    CacheLevelGeometry g;
    g.associativity = ((b >> 22) & 0x3FFU) + 1;
    g.line_bytes = (b & 0xFFFU) + 1;
    const std::uint64_t partitions = ((b >> 12) & 0x3FFU) + 1;
    const std::uint64_t sets = std::uint64_t{c} + 1;
    g.size_bytes = std::uint64_t{g.associativity} * partitions * g.line_bytes * sets;
    if (level == 1 && type == 1) out.l1d = g;
    if (level == 1 && type == 2) out.l1i = g;
    if (level == 2 && type != 2) out.l2 = g;
    if (level == 3 && type != 2) out.l3 = g;
  }
  std::ostringstream name;
  name << "host (CPUID leaf 0x" << std::hex << std::uppercase << leaf << ")";
  source = name.str();
  return out;
#endif
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
  for (int index = 0; index < 8; ++index) {
    const std::string dir = cache_dir + "/index" + std::to_string(index) + "/";
    std::ifstream level_in(dir + "level"), type_in(dir + "type");
    int level = 0;
    std::string type;
    if (!(level_in >> level) || !(type_in >> type)) break;
    CacheLevelGeometry g;
    g.size_bytes = read_size(dir + "size").value_or(0);
    g.associativity = static_cast<unsigned>(read_size(dir + "ways_of_associativity").value_or(0));
    g.line_bytes = static_cast<unsigned>(read_size(dir + "coherency_line_size").value_or(0));
    if (level == 1 && type == "Data") out.l1d = g;
    if (level == 1 && type == "Instruction") out.l1i = g;
    if (level == 2 && type != "Instruction") out.l2 = g;
    if (level == 3 && type != "Instruction") out.l3 = g;
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
