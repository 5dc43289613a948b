#include "system_probe.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace engram::report {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::optional<std::string> read_line(const fs::path& path) {
  auto text = read_text(path);
  if (!text) return std::nullopt;
  std::string line = trim(text->substr(0, text->find('\n')));
  if (line.empty()) return std::nullopt;
  return line;
}

std::optional<int> to_int(const std::string& s) {
  try {
    std::size_t used = 0;
    const int v = std::stoi(s, &used);
    if (used == 0) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// "0-1,4" -> 3
std::optional<int> count_cpu_list(const std::string& list) {
  int count = 0;
  std::istringstream in(list);
  std::string part;
  while (std::getline(in, part, ',')) {
    part = trim(part);
    if (part.empty()) continue;
    const auto dash = part.find('-');
    const auto lo = to_int(part.substr(0, dash));
    if (!lo) return std::nullopt;
    if (dash == std::string::npos) {
      ++count;
    } else {
      const auto hi = to_int(part.substr(dash + 1));
      if (!hi || *hi < *lo) return std::nullopt;
      count += *hi - *lo + 1;
    }
  }
  return count > 0 ? std::optional<int>(count) : std::nullopt;
}

}  // namespace

std::optional<CpuInfo> read_cpuinfo(const fs::path& proc) {
  const auto text = read_text(proc / "cpuinfo");
  if (!text) return std::nullopt;
  CpuInfo info;
  std::set<std::string> packages;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    if (key == "processor") {
      ++info.logical_cpus;
    } else if (key == "model name" && info.model.empty()) {
      info.model = value;
    } else if (key == "vendor_id" && info.vendor.empty()) {
      info.vendor = value;
    } else if (key == "cpu cores" && !info.cores_per_package) {
      info.cores_per_package = to_int(value);
    } else if (key == "siblings" && !info.siblings) {
      info.siblings = to_int(value);
    } else if (key == "physical id") {
      packages.insert(value);
    } else if (key == "cpu MHz" && !info.mhz) {
      try {
        info.mhz = std::stod(value);
      } catch (const std::exception&) {
      }
    } else if ((key == "flags" || key == "Features") && info.flags.empty()) {
      std::istringstream words(value);
      std::string word;
      while (words >> word) info.flags.insert(word);
    }
  }
  info.packages = packages.size();
  if (info.logical_cpus == 0 && info.model.empty()) return std::nullopt;
  return info;
}

std::optional<std::uint64_t> read_mem_total_bytes(const fs::path& proc) {
  const auto text = read_text(proc / "meminfo");
  if (!text) return std::nullopt;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("MemTotal:", 0) != 0) continue;
    std::istringstream fields(line.substr(9));
    std::uint64_t kib = 0;
    std::string unit;
    if (fields >> kib >> unit && unit == "kB") return kib * 1024;
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> read_os_name(const fs::path& os_release) {
  const auto text = read_text(os_release);
  if (!text) return std::nullopt;
  std::istringstream lines(*text);
  std::string line;
  std::map<std::string, std::string> fields;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    fields[trim(line.substr(0, eq))] = value;
  }
  if (fields.count("PRETTY_NAME") && !fields["PRETTY_NAME"].empty()) return fields["PRETTY_NAME"];
  if (fields.count("NAME")) return fields["NAME"] + (fields.count("VERSION") ? " " + fields["VERSION"] : "");
  return std::nullopt;
}

std::optional<std::string> read_kernel_release(const fs::path& proc) {
  const auto release = read_line(proc / "sys/kernel/osrelease");
  if (!release) return std::nullopt;
  const auto type = read_line(proc / "sys/kernel/ostype");
  return (type ? *type + " " : std::string()) + *release;
}

Governors read_governors(const fs::path& sys) {
  Governors g;
  const fs::path cpus = sys / "devices/system/cpu";
  for (int cpu = 0; cpu < 4096; ++cpu) {
    const fs::path dir = cpus / ("cpu" + std::to_string(cpu));
    std::error_code ec;
    if (!fs::exists(dir, ec)) break;
    if (const auto governor = read_line(dir / "cpufreq/scaling_governor")) g.per_cpu.push_back(*governor);
  }
  if (const auto driver = read_line(cpus / "cpu0/cpufreq/scaling_driver")) g.driver = *driver;
  return g;
}

std::optional<std::uint64_t> parse_cache_size(std::string_view text) {
  const std::string s = trim(text);
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return std::nullopt;
  std::size_t used = 0;
  std::uint64_t n = 0;
  try {
    n = std::stoull(s, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string suffix = trim(s.substr(used));
  if (suffix.empty()) return n;
  if (suffix == "K" || suffix == "KiB" || suffix == "KB") return n << 10;
  if (suffix == "M" || suffix == "MiB" || suffix == "MB") return n << 20;
  if (suffix == "G" || suffix == "GiB" || suffix == "GB") return n << 30;
  return std::nullopt;
}

std::vector<SysfsCache> read_sysfs_caches(const fs::path& sys) {
  std::vector<SysfsCache> caches;
  const fs::path base = sys / "devices/system/cpu/cpu0/cache";
  for (int index = 0; index < 16; ++index) {
    const fs::path dir = base / ("index" + std::to_string(index));
    std::error_code ec;
    if (!fs::exists(dir, ec)) break;
    SysfsCache c;
    const auto level = read_line(dir / "level");
    if (!level || !to_int(*level)) continue;
    c.level = *to_int(*level);
    c.type = read_line(dir / "type").value_or("");
    if (const auto size = read_line(dir / "size")) c.bytes = parse_cache_size(*size);
    if (const auto shared = read_line(dir / "shared_cpu_list")) c.shared_by = count_cpu_list(*shared);
    caches.push_back(std::move(c));
  }
  return caches;
}

PmuDevices read_pmu_devices(const fs::path& sys) {
  PmuDevices p;
  const fs::path dir = sys / "bus/event_source/devices";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return p;
  p.listed = true;
  for (const auto& entry : fs::directory_iterator(dir, ec)) p.names.push_back(entry.path().filename().string());
  std::sort(p.names.begin(), p.names.end());
  for (const auto& name : p.names) {
    if (name == "cpu" || name == "cpu_core" || name == "cpu_atom" || name.rfind("armv8", 0) == 0 ||
        name.rfind("armv7", 0) == 0) {
      p.has_cpu_pmu = true;
    }
  }
  return p;
}

std::optional<std::uint64_t> sysconf_cache_bytes(int level) {
  long value = -1;
  switch (level) {
    case 1: value = ::sysconf(_SC_LEVEL1_DCACHE_SIZE); break;
    case 2: value = ::sysconf(_SC_LEVEL2_CACHE_SIZE); break;
    case 3: value = ::sysconf(_SC_LEVEL3_CACHE_SIZE); break;
    default: return std::nullopt;
  }
  if (value <= 0) return std::nullopt;
  return static_cast<std::uint64_t>(value);
}

std::optional<std::string> compiler_version(const std::string& compiler) {
  if (compiler.empty() || compiler.find('\'') != std::string::npos) return std::nullopt;
  const std::string command = "'" + compiler + "' --version 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::array<char, 512> buffer{};
  std::string first;
  if (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) first = trim(buffer.data());
  // Drain so the compiler never blocks on a full pipe.
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
  }
  const int status = ::pclose(pipe);
  if (status != 0 || first.empty()) return std::nullopt;
  return first;
}

}  // namespace engram::report
