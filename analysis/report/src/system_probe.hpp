#pragma once
// What the machine says about itself, read from /proc, /sys and
// /etc/os-release (folders given, so tests can use fixtures). Every reader
// returns nothing when its source is absent or unreadable: the report then
// says "not readable" instead of guessing.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace engram::report {

struct CpuInfo {
  std::string model;   // "model name"
  std::string vendor;  // "vendor_id"
  std::size_t logical_cpus = 0;  // "processor" entries
  std::optional<int> cores_per_package;  // "cpu cores"
  std::optional<int> siblings;           // "siblings" (logical CPUs per package)
  std::size_t packages = 0;              // distinct "physical id"
  std::set<std::string> flags;
  std::optional<double> mhz;  // "cpu MHz" of the first CPU
};
std::optional<CpuInfo> read_cpuinfo(const std::filesystem::path& proc);

std::optional<std::uint64_t> read_mem_total_bytes(const std::filesystem::path& proc);
std::optional<std::string> read_os_name(const std::filesystem::path& os_release);  // PRETTY_NAME
// "Linux 6.1.0-13-amd64" from PROC/sys/kernel/{ostype,osrelease}.
std::optional<std::string> read_kernel_release(const std::filesystem::path& proc);

// The frequency governor of every CPU (cpufreq/scaling_governor); empty when
// the files do not exist (common on VMs).
struct Governors {
  std::vector<std::string> per_cpu;  // in CPU order, only those readable
  std::string driver;                // cpufreq/scaling_driver of cpu0
};
Governors read_governors(const std::filesystem::path& sys);

struct SysfsCache {
  int level = 0;
  std::string type;  // Data, Instruction, Unified
  std::optional<std::uint64_t> bytes;
  std::optional<int> shared_by;  // CPUs in shared_cpu_list
};
// The caches of cpu0 (SYS/devices/system/cpu/cpu0/cache/index*).
std::vector<SysfsCache> read_sysfs_caches(const std::filesystem::path& sys);
// "32K" -> 32768, "1024K" -> 1048576, "32M" -> ...
std::optional<std::uint64_t> parse_cache_size(std::string_view text);

// The PMUs the kernel offers perf (SYS/bus/event_source/devices).
struct PmuDevices {
  bool listed = false;           // the folder exists
  std::vector<std::string> names;
  bool has_cpu_pmu = false;      // "cpu", "cpu_core", "cpu_atom", "armv8_*" or "armv7_*"
};
PmuDevices read_pmu_devices(const std::filesystem::path& sys);

// sysconf(_SC_LEVELn_...CACHE_SIZE) of this machine; nothing when 0 or unknown.
std::optional<std::uint64_t> sysconf_cache_bytes(int level);
// The first line of `compiler --version`; nothing when it cannot be run.
std::optional<std::string> compiler_version(const std::string& compiler);

}  // namespace engram::report
