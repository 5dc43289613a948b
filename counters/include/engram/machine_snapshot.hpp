#pragma once
// One snapshot of the machine, taken when the measurements run: CPU, SIMD
// features, caches from every source with the one chosen, clock, PMU and
// perf_event_paranoid, kernel, OS, compiler and flags, valgrind. Written to a
// file by the program that measures (build/bench/baseline --machine-out) and
// read back by whoever reports, so nothing downstream probes the machine it
// happens to run on.
//
// Every fact that could not be read is an empty optional and a line in
// `problems` saying why: never a 0 that looks measured.
//
// counters/ knows nothing of the kernels: the SIMD level the kernels ran at
// (simd_level) is filled in by the caller.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engram/io/json.hpp"

namespace engram::counters {

// ---------------------------------------------------------------- CPUID

// One subleaf of a deterministic cache leaf (4 on Intel, 0x8000001D on AMD
// and Hygon; both have this layout): type in EAX[4:0] (0: no more caches,
// 1 data, 2 instruction, 3 unified), level in EAX[7:5], ways - 1 in
// EBX[31:22], partitions - 1 in EBX[21:12], line size - 1 in EBX[11:0],
// sets - 1 in ECX.
struct CpuidCacheLeaf {
  std::uint32_t eax = 0, ebx = 0, ecx = 0;
};

// One cache as a subleaf describes it; bytes = ways * partitions * line * sets.
struct CpuidCache {
  int level = 0;
  std::string type;  // "data", "instruction", "unified"
  std::uint64_t bytes = 0;
  unsigned ways = 0;
  unsigned line_bytes = 0;
};

// The caches the subleaves describe, in order up to the first of type 0.
std::vector<CpuidCache> decode_cpuid_cache_leaves(std::span<const CpuidCacheLeaf> subleaves);

// This CPU's deterministic cache leaf: which leaf (0 when there is none:
// not x86, or a CPU without it) and its subleaves up to the terminating one.
struct CpuidCacheLeaves {
  unsigned leaf = 0;
  std::vector<CpuidCacheLeaf> subleaves;
};
CpuidCacheLeaves read_cpuid_cache_leaves();

// ------------------------------------------------------------- snapshot

// Where the snapshot reads. Tests point the folders at fixture trees and turn
// `live` off, so nothing of the machine running the test leaks in.
struct MachineSources {
  std::filesystem::path proc = "/proc";
  std::filesystem::path sys = "/sys";
  std::filesystem::path os_release = "/etc/os-release";
  // cpuid, uname, sysconf and the perf_event_open probe of the PMU.
  bool live = true;
  // CPUID's cache leaves to decode instead of the CPU's (tests); read even
  // when `live` is off.
  std::optional<CpuidCacheLeaves> cpuid;
};

// One cache level as one source gave it.
struct CacheFigure {
  std::string source;  // "cpuid", "sysfs", "sysconf"
  std::uint64_t bytes = 0;
  std::optional<unsigned> ways;
  std::optional<unsigned> line_bytes;
  std::optional<int> shared_by_cpus;  // sysfs shared_cpu_list
};

struct CacheLevel {
  std::string name;  // "L1d", "L1i", "L2", "L3"
  int level = 0;
  std::string type;  // "data", "instruction", "unified"
  std::vector<CacheFigure> figures;  // every source that gave this level a size
  std::optional<std::size_t> chosen;  // index into figures
  std::string why;                    // why that one, in words
};

struct MachineSnapshot {
  std::string taken_at;  // UTC, ISO 8601 ("2024-12-04T21:36:00Z")

  // CPU (/proc/cpuinfo; the CPUID brand string when cpuinfo names none).
  std::optional<std::string> cpu_model;
  std::optional<std::string> cpu_vendor;
  std::optional<int> logical_cpus;       // "processor" entries of /proc/cpuinfo
  std::optional<int> online_cpus;        // /sys/devices/system/cpu/online
  std::optional<int> packages;           // distinct "physical id"
  std::optional<int> cores_per_package;  // "cpu cores"
  std::optional<int> threads_per_package;  // "siblings"
  std::optional<bool> hypervisor;        // the "hypervisor" CPU flag
  std::vector<std::string> cpu_flags;    // "flags" (x86) or "Features" (arm), as listed
  std::vector<std::string> simd_features;  // the SIMD ones among them (sse4_2, avx2, fma, avx512f, asimd, sve...)
  std::optional<std::string> simd_level;   // filled by the caller: the level the kernels ran at

  std::vector<CacheLevel> caches;  // L1d, L1i, L2, L3: those some source knows

  // Clock: what the kernel reports; a measured clock is bench/ceilings' business.
  std::optional<double> cpuinfo_mhz;       // "cpu MHz" of the first CPU
  std::optional<double> cpufreq_max_mhz;   // cpu0/cpufreq/cpuinfo_max_freq
  std::vector<std::string> governors;      // distinct cpufreq/scaling_governor values
  std::optional<std::string> cpufreq_driver;

  std::optional<std::uint64_t> memory_bytes;  // /proc/meminfo MemTotal

  // PMU.
  std::optional<bool> hardware_counters;    // PERF_COUNT_HW_CPU_CYCLES opens here
  std::string hardware_counters_reason;     // why (the counters library's own diagnosis)
  std::optional<int> perf_event_paranoid;
  std::optional<std::vector<std::string>> perf_pmus;  // /sys/bus/event_source/devices

  // Kernel (uname) and OS.
  std::optional<std::string> kernel_release;
  std::optional<std::string> kernel_version;
  std::optional<std::string> machine;  // "x86_64", "aarch64"
  std::optional<std::string> os;       // PRETTY_NAME of os-release

  // The build of the program that took the snapshot (CMake's view).
  std::string compiler_id;       // CMAKE_CXX_COMPILER_ID
  std::string compiler_version;  // CMAKE_CXX_COMPILER_VERSION
  std::string build_type;        // CMAKE_BUILD_TYPE
  std::string compile_flags;     // CMAKE_CXX_FLAGS and CMAKE_CXX_FLAGS_<TYPE>

  bool under_valgrind = false;

  std::vector<std::string> problems;  // one line per fact that could not be read

  // The chosen figure of a level ("L1d", "L2", ...), if any.
  const CacheFigure* chosen_cache(std::string_view name) const;
};

MachineSnapshot take_machine_snapshot(const MachineSources& sources = {});

inline constexpr std::string_view kMachineSnapshotSchema = "engram-machine";
inline constexpr int kMachineSnapshotVersion = 1;

// {"schema": "engram-machine", "version": 1, ...}; unknown facts are null.
nlohmann::json to_json(const MachineSnapshot& snapshot);
// The reverse. Throws io::InputError naming the JSON pointer of a missing or
// mistyped field, or the schema/version found and the one this build reads.
MachineSnapshot machine_snapshot_from_json(const io::JsonValue& root);
MachineSnapshot read_machine_snapshot(const std::filesystem::path& path);
// Writes to_json(snapshot) through io::write_file_atomically (never
// half-written); throws std::runtime_error naming the file on failure.
void write_machine_snapshot(const std::filesystem::path& path, const MachineSnapshot& snapshot);

}  // namespace engram::counters
