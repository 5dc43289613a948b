// take_machine_snapshot: every fact of the machine the measurements ran on,
// read once, each with what stopped it when it could not be read.
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cache_geometry.hpp"
#include "engram/counters.hpp"
#include "engram_build_facts.hpp"
#include "machine_snapshot_internal.hpp"
#include "system_facts.hpp"
#include "text.hpp"

namespace engram::counters {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first line, trimmed; nothing when the file is absent or that line empty.
std::optional<std::string> read_line(const fs::path& path) {
  const auto text = read_text(path);
  if (!text) return std::nullopt;
  std::string line = detail::trim(text->substr(0, text->find('\n')));
  if (line.empty()) return std::nullopt;
  return line;
}

std::optional<long long> to_integer(const std::string& text) {
  try {
    std::size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used != text.size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> to_double(const std::string& text) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used != text.size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string now_utc_iso() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// SIMD features worth knowing for the kernels, in the kernel's spelling of
// /proc/cpuinfo (x86 "flags", arm "Features").
const char* const kSimdFlags[] = {"sse2",        "ssse3",       "sse4_1",      "sse4_2",     "avx",
                                  "avx2",        "fma",         "f16c",        "avx512f",    "avx512dq",
                                  "avx512cd",    "avx512bw",    "avx512vl",    "avx512ifma", "avx512vbmi",
                                  "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile",   "asimd",
                                  "asimdhp",     "asimddp",     "sve",         "sve2",       "sme"};

struct CpuinfoFacts {
  int processors = 0;
  std::optional<std::string> model, vendor, implementer;
  std::optional<int> cores, siblings;
  std::set<std::string> packages;
  std::optional<double> mhz;
  std::optional<std::vector<std::string>> flags;
};

CpuinfoFacts parse_cpuinfo(const std::string& text) {
  CpuinfoFacts facts;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = detail::trim(line.substr(0, colon));
    const std::string value = detail::trim(line.substr(colon + 1));
    if (key == "processor") {
      ++facts.processors;
    } else if (key == "model name" && !facts.model && !value.empty()) {
      facts.model = value;
    } else if (key == "vendor_id" && !facts.vendor && !value.empty()) {
      facts.vendor = value;
    } else if (key == "CPU implementer" && !facts.implementer) {
      facts.implementer = value;
    } else if (key == "cpu cores" && !facts.cores) {
      if (const auto n = to_integer(value)) facts.cores = static_cast<int>(*n);
    } else if (key == "siblings" && !facts.siblings) {
      if (const auto n = to_integer(value)) facts.siblings = static_cast<int>(*n);
    } else if (key == "physical id") {
      facts.packages.insert(value);
    } else if (key == "cpu MHz" && !facts.mhz) {
      facts.mhz = to_double(value);
    } else if ((key == "flags" || key == "Features") && !facts.flags) {
      std::istringstream words(value);
      facts.flags.emplace();
      for (std::string word; words >> word;) facts.flags->push_back(word);
    }
  }
  return facts;
}

#if defined(__x86_64__) || defined(__i386__)
std::string cpuid_brand_string() {
  if (__get_cpuid_max(0x80000000, nullptr) < 0x80000004) return {};
  char brand[49] = {};
  for (unsigned i = 0; i < 3; ++i) {
    unsigned r[4] = {};
    __cpuid(0x80000002 + i, r[0], r[1], r[2], r[3]);
    std::memcpy(brand + 16 * i, r, 16);
  }
  return detail::trim(brand);
}
#endif

void read_cpu(MachineSnapshot& snap, const MachineSources& sources) {
  const fs::path path = sources.proc / "cpuinfo";
  const auto text = read_text(path);
  if (!text) snap.problems.push_back("CPU: " + path.string() + " is not readable");
  const CpuinfoFacts cpu = text ? parse_cpuinfo(*text) : CpuinfoFacts{};
  snap.cpu_model = cpu.model;
  snap.cpu_vendor = cpu.vendor;
  if (!snap.cpu_vendor && cpu.implementer) snap.cpu_vendor = "CPU implementer " + *cpu.implementer;
#if defined(__x86_64__) || defined(__i386__)
  if (!snap.cpu_model && sources.live) {
    if (std::string brand = cpuid_brand_string(); !brand.empty()) snap.cpu_model = brand;
  }
#endif
  if (!snap.cpu_model) snap.problems.push_back("CPU model: " + path.string() + " names none (no \"model name\")");
  if (!snap.cpu_vendor) snap.problems.push_back("CPU vendor: " + path.string() + " names none");

  if (cpu.processors > 0) {
    snap.logical_cpus = cpu.processors;
  } else if (sources.live && ::sysconf(_SC_NPROCESSORS_CONF) > 0) {
    snap.logical_cpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_CONF));
  } else {
    snap.problems.push_back("logical CPUs: no \"processor\" entry in " + path.string());
  }
  const fs::path online_path = sources.sys / "devices/system/cpu/online";
  if (const auto online = read_line(online_path)) snap.online_cpus = detail::count_cpu_list(*online);
  if (!snap.online_cpus && sources.live && ::sysconf(_SC_NPROCESSORS_ONLN) > 0)
    snap.online_cpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  if (!snap.online_cpus) snap.problems.push_back("online CPUs: " + online_path.string() + " is not readable");
  if (!cpu.packages.empty()) snap.packages = static_cast<int>(cpu.packages.size());
  snap.cores_per_package = cpu.cores;
  snap.threads_per_package = cpu.siblings;
  snap.cpuinfo_mhz = cpu.mhz;
  if (!snap.cpuinfo_mhz) snap.problems.push_back("cpu MHz: " + path.string() + " gives none");

  if (cpu.flags) {
    snap.cpu_flags = *cpu.flags;
    snap.hypervisor = std::find(cpu.flags->begin(), cpu.flags->end(), "hypervisor") != cpu.flags->end();
    for (const char* flag : kSimdFlags)
      if (std::find(cpu.flags->begin(), cpu.flags->end(), flag) != cpu.flags->end()) snap.simd_features.push_back(flag);
  } else {
    snap.problems.push_back("CPU flags: " + path.string() + " has no \"flags\" or \"Features\" line");
#if defined(__x86_64__) || defined(__i386__)
    // GCC's own CPUID reading; only the features it knows.
    if (sources.live) {
      __builtin_cpu_init();
#define ENGRAM_FEATURE(name, flag) \
  if (__builtin_cpu_supports(name)) snap.simd_features.push_back(flag);
      ENGRAM_FEATURE("sse2", "sse2")
      ENGRAM_FEATURE("ssse3", "ssse3")
      ENGRAM_FEATURE("sse4.1", "sse4_1")
      ENGRAM_FEATURE("sse4.2", "sse4_2")
      ENGRAM_FEATURE("avx", "avx")
      ENGRAM_FEATURE("avx2", "avx2")
      ENGRAM_FEATURE("fma", "fma")
      ENGRAM_FEATURE("avx512f", "avx512f")
      ENGRAM_FEATURE("avx512bw", "avx512bw")
      ENGRAM_FEATURE("avx512vl", "avx512vl")
#undef ENGRAM_FEATURE
      snap.problems.back() += " (SIMD features from CPUID instead)";
    }
#endif
  }
}

// ---- caches

struct LevelKey {
  const char* name;
  int level;
  const char* type;
};
constexpr LevelKey kLevels[] = {
    {"L1d", 1, "data"}, {"L1i", 1, "instruction"}, {"L2", 2, "unified"}, {"L3", 3, "unified"}};

// The level a cache belongs to: L2 and L3 take data or unified caches.
const LevelKey* level_of(int level, const std::string& lower_type) {
  for (const LevelKey& key : kLevels) {
    if (key.level != level) continue;
    if (level == 1 && lower_type == key.type) return &key;
    if (level > 1 && lower_type != "instruction") return &key;
  }
  return nullptr;
}

void read_caches(MachineSnapshot& snap, const MachineSources& sources) {
  std::map<std::string, std::vector<CacheFigure>> figures;  // by level name, in source order

  // cpuid
  const bool have_cpuid = sources.cpuid || sources.live;
  const CpuidCacheLeaves cpuid = sources.cpuid  ? *sources.cpuid
                                 : sources.live ? read_cpuid_cache_leaves()
                                                : CpuidCacheLeaves{};
  if (have_cpuid && cpuid.leaf == 0) {
    snap.problems.push_back(
        "caches from cpuid: no deterministic cache leaf (not x86, or a CPU without leaf 4 / "
        "0x8000001D)");
  } else if (have_cpuid) {
    for (const CpuidCache& c : decode_cpuid_cache_leaves(cpuid.subleaves)) {
      const LevelKey* key = level_of(c.level, c.type);
      if (key == nullptr) continue;
      figures[key->name].push_back({"cpuid", c.bytes, c.ways, c.line_bytes, std::nullopt});
    }
  }

  // sysfs
  const fs::path cache_dir = sources.sys / "devices/system/cpu/cpu0/cache";
  const std::vector<detail::SysfsCache> sysfs = detail::read_sysfs_caches(cache_dir.string());
  if (sysfs.empty()) snap.problems.push_back("caches from sysfs: " + cache_dir.string() + " lists none");
  for (std::size_t i = 0; i < sysfs.size(); ++i) {
    const detail::SysfsCache& c = sysfs[i];
    const LevelKey* key = level_of(c.level, detail::to_lower(c.type));
    if (key == nullptr) continue;
    if (!c.bytes || *c.bytes == 0) {
      snap.problems.push_back(std::string("caches from sysfs: ") + key->name + ": " +
                              (cache_dir / ("index" + std::to_string(i)) / "size").string() + " is not readable");
      continue;
    }
    figures[key->name].push_back({"sysfs", *c.bytes, c.ways, c.line_bytes, c.shared_by_cpus});
  }

  // sysconf (glibc)
  if (sources.live) {
    struct Names {
      const char* level;
      int size, assoc, line;
    };
    const Names names[] = {
        {"L1d", _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL1_DCACHE_ASSOC, _SC_LEVEL1_DCACHE_LINESIZE},
        {"L1i", _SC_LEVEL1_ICACHE_SIZE, _SC_LEVEL1_ICACHE_ASSOC, _SC_LEVEL1_ICACHE_LINESIZE},
        {"L2", _SC_LEVEL2_CACHE_SIZE, _SC_LEVEL2_CACHE_ASSOC, _SC_LEVEL2_CACHE_LINESIZE},
        {"L3", _SC_LEVEL3_CACHE_SIZE, _SC_LEVEL3_CACHE_ASSOC, _SC_LEVEL3_CACHE_LINESIZE},
    };
    std::vector<std::string> unknown;
    for (const Names& n : names) {
      const long size = ::sysconf(n.size), assoc = ::sysconf(n.assoc), line = ::sysconf(n.line);
      if (size <= 0) {
        unknown.emplace_back(n.level);
        continue;
      }
      CacheFigure f{"sysconf", static_cast<std::uint64_t>(size), std::nullopt, std::nullopt, std::nullopt};
      if (assoc > 0) f.ways = static_cast<unsigned>(assoc);
      if (line > 0) f.line_bytes = static_cast<unsigned>(line);
      figures[n.level].push_back(f);
    }
    if (!unknown.empty())
      snap.problems.push_back("caches from sysconf: " + detail::join(unknown, ", ") + " unknown (0)");
  }

  for (const LevelKey& key : kLevels) {
    CacheLevel level;
    level.name = key.name;
    level.level = key.level;
    level.type = key.type;
    level.figures = figures[key.name];
    detail::choose_cache_figure(level);
    if (level.figures.empty()) {
      snap.problems.push_back(std::string(key.name) + ": no source gives its size" +
                              (key.level == 3 ? " (the CPU may have no L3)" : ""));
      continue;
    }
    snap.caches.push_back(std::move(level));
  }
}

// ---- clock, memory, PMU, kernel, OS

void read_clock(MachineSnapshot& snap, const MachineSources& sources) {
  const fs::path cpus = sources.sys / "devices/system/cpu";
  const fs::path max_freq = cpus / "cpu0/cpufreq/cpuinfo_max_freq";
  if (const auto khz = read_line(max_freq); khz && to_double(*khz) && *to_double(*khz) > 0) {
    snap.cpufreq_max_mhz = *to_double(*khz) / 1000.0;
  } else {
    snap.problems.push_back("cpufreq max: " + max_freq.string() +
                            " is not readable (the kernel exposes no frequency scaling here, usual in a VM)");
  }
  std::set<std::string> governors;
  for (int cpu = 0; cpu < 4096; ++cpu) {
    const fs::path dir = cpus / ("cpu" + std::to_string(cpu));
    std::error_code error;
    if (!fs::exists(dir, error)) break;
    if (const auto governor = read_line(dir / "cpufreq/scaling_governor")) governors.insert(*governor);
  }
  snap.governors.assign(governors.begin(), governors.end());
  snap.cpufreq_driver = read_line(cpus / "cpu0/cpufreq/scaling_driver");
  if (governors.empty())
    snap.problems.push_back("frequency governor: no " + (cpus / "cpu*/cpufreq/scaling_governor").string());
}

void read_memory(MachineSnapshot& snap, const MachineSources& sources) {
  const fs::path path = sources.proc / "meminfo";
  if (const auto text = read_text(path)) {
    std::istringstream lines(*text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("MemTotal:", 0) != 0) continue;
      std::istringstream fields(line.substr(9));
      std::uint64_t kib = 0;
      std::string unit;
      if (fields >> kib >> unit && unit == "kB" && kib > 0) snap.memory_bytes = kib * 1024;
      break;
    }
  }
  if (!snap.memory_bytes) snap.problems.push_back("memory: no MemTotal in " + path.string());
}

void read_pmu(MachineSnapshot& snap, const MachineSources& sources) {
  const fs::path paranoid = sources.proc / "sys/kernel/perf_event_paranoid";
  if (const auto text = read_line(paranoid)) {
    if (const auto value = to_integer(*text)) snap.perf_event_paranoid = static_cast<int>(*value);
  }
  if (!snap.perf_event_paranoid)
    snap.problems.push_back("perf_event_paranoid: " + paranoid.string() + " is not readable");

  const fs::path devices = sources.sys / "bus/event_source/devices";
  std::error_code error;
  if (fs::is_directory(devices, error)) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(devices, error)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    snap.perf_pmus = std::move(names);
  } else {
    snap.problems.push_back("perf PMUs: " + devices.string() + " is not readable");
  }

  if (sources.live) {
    // The counters library's own diagnosis (ecount doctor says the same).
    const detail::SystemFacts& facts = detail::system_facts();
    snap.hardware_counters = facts.hardware_pmu;
    snap.hardware_counters_reason = detail::hardware_pmu_detail(facts);
  } else {
    snap.hardware_counters_reason = "not probed (live calls skipped)";
    snap.problems.push_back("hardware counters: not probed (live calls skipped)");
  }
}

void read_kernel_and_os(MachineSnapshot& snap, const MachineSources& sources) {
  utsname names{};
  if (sources.live && ::uname(&names) == 0) {
    snap.kernel_release = names.release;
    snap.kernel_version = names.version;
    snap.machine = names.machine;
  } else {
    // Without uname, the kernel's own files (the machine has none).
    snap.kernel_release = read_line(sources.proc / "sys/kernel/osrelease");
    snap.kernel_version = read_line(sources.proc / "sys/kernel/version");
    if (!snap.kernel_release)
      snap.problems.push_back("kernel release: " + (sources.proc / "sys/kernel/osrelease").string() +
                              " is not readable");
    if (!snap.kernel_version)
      snap.problems.push_back("kernel version: " + (sources.proc / "sys/kernel/version").string() + " is not readable");
    snap.problems.push_back(std::string("machine: ") +
                            (sources.live ? "uname failed" : "not read (live calls skipped)"));
  }

  if (const auto text = read_text(sources.os_release)) {
    std::map<std::string, std::string> fields;
    std::istringstream lines(*text);
    for (std::string line; std::getline(lines, line);) {
      const auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string value = detail::trim(line.substr(eq + 1));
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
        value = value.substr(1, value.size() - 2);
      fields[detail::trim(line.substr(0, eq))] = value;
    }
    if (!fields["PRETTY_NAME"].empty()) snap.os = fields["PRETTY_NAME"];
  }
  if (!snap.os) snap.problems.push_back("OS: no PRETTY_NAME in " + sources.os_release.string());
}

}  // namespace

std::string detail::size_text(std::uint64_t bytes) {
  char text[32];
  if (bytes >= (1ULL << 20) && bytes % (1ULL << 20) == 0) {
    std::snprintf(text, sizeof text, "%llu MiB", static_cast<unsigned long long>(bytes >> 20));
  } else if (bytes >= (1ULL << 20)) {
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  } else if (bytes >= 1024 && bytes % 1024 == 0) {
    std::snprintf(text, sizeof text, "%llu KiB", static_cast<unsigned long long>(bytes >> 10));
  } else {
    std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  }
  return text;
}

// "a", "a and b", "a, b and c"
static std::string and_list(const std::vector<std::string>& items) {
  if (items.size() <= 1) return items.empty() ? std::string() : items.front();
  const std::vector<std::string> head(items.begin(), items.end() - 1);
  return detail::join(head, ", ") + " and " + items.back();
}

void detail::choose_cache_figure(CacheLevel& level) {
  level.chosen.reset();
  level.why.clear();
  const auto& figures = level.figures;
  if (figures.empty()) return;
  std::size_t best = 0, best_votes = 0;
  for (std::size_t i = 0; i < figures.size(); ++i) {
    const auto votes = static_cast<std::size_t>(std::count_if(
        figures.begin(), figures.end(), [&](const CacheFigure& f) { return f.bytes == figures[i].bytes; }));
    if (votes > best_votes) best = i, best_votes = votes;  // ties keep the earlier source
  }
  level.chosen = best;
  const CacheFigure& chosen = figures[best];
  std::vector<std::string> agree{chosen.source}, disagree;
  for (std::size_t i = 0; i < figures.size(); ++i) {
    if (i == best) continue;
    if (figures[i].bytes == chosen.bytes)
      agree.push_back(figures[i].source);
    else
      disagree.push_back(figures[i].source + " says " + size_text(figures[i].bytes));
  }
  if (figures.size() == 1) {
    level.why = "only " + chosen.source + " gives it";
  } else if (disagree.empty()) {
    level.why = and_list(agree) + " agree";
  } else if (agree.size() > 1) {
    level.why = and_list(agree) + " agree on " + size_text(chosen.bytes) + " (the majority); " + join(disagree, "; ");
  } else {
    level.why = "the sources disagree; " + chosen.source + " (" + size_text(chosen.bytes) +
                ") comes first of cpuid, sysfs, sysconf; " + join(disagree, "; ");
  }
}

const CacheFigure* MachineSnapshot::chosen_cache(std::string_view name) const {
  for (const CacheLevel& level : caches)
    if (level.name == name && level.chosen) return &level.figures[*level.chosen];
  return nullptr;
}

MachineSnapshot take_machine_snapshot(const MachineSources& sources) {
  MachineSnapshot snap;
  snap.taken_at = now_utc_iso();
  if (!sources.live) snap.problems.push_back("live calls (cpuid, uname, sysconf, the PMU probe) skipped");
  read_cpu(snap, sources);
  read_caches(snap, sources);
  read_clock(snap, sources);
  read_memory(snap, sources);
  read_pmu(snap, sources);
  read_kernel_and_os(snap, sources);
  snap.compiler_id = std::string(detail::kBuildCompilerId);
  snap.compiler_version = std::string(detail::kBuildCompilerVersion);
  snap.build_type = std::string(detail::kBuildType);
  snap.compile_flags = std::string(detail::kBuildFlags);
  snap.under_valgrind = running_under_valgrind();
  return snap;
}

}  // namespace engram::counters
