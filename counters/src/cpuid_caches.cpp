// CPUID's deterministic cache leaves: the one decoder of them in the project
// (callgrind's cache geometry, the machine snapshot and bench/ceilings all
// read the caches through it).
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <cstring>

#include "engram/machine_snapshot.hpp"

namespace engram::counters {

std::vector<CpuidCache> decode_cpuid_cache_leaves(std::span<const CpuidCacheLeaf> subleaves) {
  std::vector<CpuidCache> caches;
  for (const CpuidCacheLeaf& r : subleaves) {
    const unsigned type = r.eax & 0x1FU;
    if (type == 0) break;
    CpuidCache cache;
    cache.level = static_cast<int>((r.eax >> 5) & 0x7U);
    cache.type = type == 1 ? "data" : type == 2 ? "instruction" : type == 3 ? "unified" : "other";
    cache.ways = ((r.ebx >> 22) & 0x3FFU) + 1;
    cache.line_bytes = (r.ebx & 0xFFFU) + 1;
    const std::uint64_t partitions = ((r.ebx >> 12) & 0x3FFU) + 1;
    const std::uint64_t sets = std::uint64_t{r.ecx} + 1;
    cache.bytes = std::uint64_t{cache.ways} * partitions * cache.line_bytes * sets;
    caches.push_back(std::move(cache));
  }
  return caches;
}

CpuidCacheLeaves read_cpuid_cache_leaves() {
  CpuidCacheLeaves out;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return out;
  const unsigned max_basic = a;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  if (std::strcmp(vendor, "AuthenticAMD") == 0 || std::strcmp(vendor, "HygonGenuine") == 0) {
    // 0x8000001D exists only with the topology extensions (0x80000001 ECX[22]);
    // without them its subleaves read as zeros.
    const unsigned max_extended = __get_cpuid_max(0x80000000, nullptr);
    if (max_extended >= 0x8000001D && __get_cpuid(0x80000001, &a, &b, &c, &d) && ((c >> 22) & 1U))
      out.leaf = 0x8000001D;
  } else if (max_basic >= 4) {
    out.leaf = 4;
  }
  if (out.leaf == 0) return out;
  for (unsigned sub = 0; sub < 16; ++sub) {
    __cpuid_count(out.leaf, sub, a, b, c, d);
    out.subleaves.push_back({a, b, c});
    if ((a & 0x1FU) == 0) break;
  }
#endif
  return out;
}

}  // namespace engram::counters
