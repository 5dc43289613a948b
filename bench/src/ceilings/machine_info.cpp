// What the machine says about itself: CPUID, sysconf, /proc, the compiler.
#include <cpuid.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ceilings_build_flags.hpp"
#include "engram/ceilings.hpp"

namespace engram::ceilings {
namespace {

struct CpuidRegisters {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};

CpuidRegisters cpuid(unsigned leaf, unsigned subleaf = 0) {
  CpuidRegisters r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

unsigned max_leaf(unsigned base) { return __get_cpuid_max(base, nullptr); }

std::string read_first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The value of the first "key : value" line of /proc/cpuinfo with this key.
std::string cpuinfo_field(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (name == key) {
      const auto start = line.find_first_not_of(' ', colon + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "";
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(' ');
  return s.substr(first, last - first + 1);
}

}  // namespace

CacheSizes cache_sizes_from_cpuid() {
  CacheSizes sizes;
  const counters::CpuidCacheLeaves leaves = counters::read_cpuid_cache_leaves();
  for (const counters::CpuidCache& cache : counters::decode_cpuid_cache_leaves(leaves.subleaves)) {
    if (cache.type != "data" && cache.type != "unified") continue;
    if (cache.level == 1) sizes.l1d = {cache.bytes, "cpuid"};
    if (cache.level == 2) sizes.l2 = {cache.bytes, "cpuid"};
    if (cache.level == 3) sizes.l3 = {cache.bytes, "cpuid"};
  }
  return sizes;
}

CacheSizes cache_sizes_from_sysconf() {
  auto get = [](int name) -> CacheSize {
    const long value = ::sysconf(name);
    if (value <= 0) return {};
    return {static_cast<std::uint64_t>(value), "sysconf"};
  };
  CacheSizes sizes;
  sizes.l1d = get(_SC_LEVEL1_DCACHE_SIZE);
  sizes.l2 = get(_SC_LEVEL2_CACHE_SIZE);
  sizes.l3 = get(_SC_LEVEL3_CACHE_SIZE);
  return sizes;
}

std::string_view simd_name(Simd simd) {
  switch (simd) {
    case Simd::kScalar: return "scalar";
    case Simd::kAvx2: return "avx2";
    case Simd::kAvx512: return "avx512";
  }
  return "?";
}

std::vector<Simd> supported_simd_levels() {
  __builtin_cpu_init();
  std::vector<Simd> levels = {Simd::kScalar};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) levels.push_back(Simd::kAvx2);
  if (__builtin_cpu_supports("avx512f")) levels.push_back(Simd::kAvx512);
  return levels;
}

std::vector<double> load_average() {
  std::istringstream in(read_first_line("/proc/loadavg"));
  std::vector<double> values;
  double v = 0;
  for (int i = 0; i < 3 && (in >> v); ++i) values.push_back(v);
  return values;
}

MachineInfo describe_machine() {
  MachineInfo info;
  const CpuidRegisters vendor = cpuid(0);
  char vendor_name[13] = {};
  std::memcpy(vendor_name, &vendor.ebx, 4);
  std::memcpy(vendor_name + 4, &vendor.edx, 4);
  std::memcpy(vendor_name + 8, &vendor.ecx, 4);
  info.vendor = vendor_name;
  if (max_leaf(0x80000000) >= 0x80000004) {
    char brand[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
      const CpuidRegisters r = cpuid(0x80000002 + i);
      std::memcpy(brand + 16 * i, &r.eax, 4);
      std::memcpy(brand + 16 * i + 4, &r.ebx, 4);
      std::memcpy(brand + 16 * i + 8, &r.ecx, 4);
      std::memcpy(brand + 16 * i + 12, &r.edx, 4);
    }
    info.cpu_model = trim(brand);
  }
  const CpuidRegisters signature = cpuid(1);
  const unsigned base_family = (signature.eax >> 8) & 0xf;
  info.family = static_cast<int>(base_family + (base_family == 0xf ? (signature.eax >> 20) & 0xff : 0));
  info.model = static_cast<int>(((signature.eax >> 4) & 0xf) |
                                (base_family >= 6 ? ((signature.eax >> 16) & 0xf) << 4 : 0));
  std::istringstream flags(cpuinfo_field("flags"));
  for (std::string flag; flags >> flag;) info.cpu_flags.push_back(flag);
  const std::string mhz = cpuinfo_field("cpu MHz");
  if (!mhz.empty()) info.cpuinfo_mhz = std::strtod(mhz.c_str(), nullptr);
  info.logical_cpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
#if defined(__clang__)
  info.compiler = fmt::format("Clang {}", __clang_version__);
#elif defined(__GNUC__)
  info.compiler = fmt::format("GCC {}", __VERSION__);
#else
  info.compiler = "unknown";
#endif
  info.compile_flags = std::string(detail::kBuildFlags);
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  info.date = date;
  utsname uts{};
  if (::uname(&uts) == 0) {
    info.host = uts.nodename;
    info.kernel = fmt::format("{} {} {}", uts.sysname, uts.release, uts.machine);
  }
  return info;
}

}  // namespace engram::ceilings
