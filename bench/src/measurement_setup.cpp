#include "engram/measurement_setup.hpp"

#include <sys/prctl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "engram/io/cli.hpp"
#include "engram/machine_snapshot.hpp"
#include "engram/noise.hpp"

namespace engram::bench {
namespace {

// The first line of a small sysfs file, at most 256 bytes; nullopt if absent.
std::optional<std::string> first_line(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  char buffer[256] = {};
  in.getline(buffer, sizeof buffer);
  return std::string(buffer);
}

}  // namespace

nlohmann::json MeasurementSetup::to_json() const {
  return {{"pinned_cpu", pinned_cpu ? nlohmann::json(*pinned_cpu) : nlohmann::json(nullptr)},
          {"pinning", pinning},
          {"warmup_ms", warmup_ms},
          {"pages", pages},
          {"frequency_governor", frequency_governor},
          {"virtualized", virtualized ? nlohmann::json(*virtualized) : nlohmann::json(nullptr)},
          {"not_set", not_set}};
}

MeasurementSetup prepare_process(double warmup_ms) {
  MeasurementSetup setup;
  setup.warmup_ms = warmup_ms;
  if (::prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0) {
    setup.pages = "ordinary 4 KiB pages (transparent huge pages off for this process), as in the ceilings run";
  } else {
    setup.pages = "as the kernel gives them (transparent huge pages could not be turned off)";
    setup.not_set.push_back(fmt::format("4 KiB pages: prctl(PR_SET_THP_DISABLE) failed: {}", std::strerror(errno)));
  }
  if (const auto governor = first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")) {
    setup.frequency_governor = *governor;
    if (*governor != "performance") {
      setup.not_set.push_back(fmt::format(
          "a fixed clock: the governor is {}; as root, `cpupower frequency-set -g performance` fixes it", *governor));
    }
  } else {
    setup.frequency_governor = "none: no cpufreq in this kernel (usual in a VM, where the host sets the clock)";
    setup.not_set.push_back("a fixed clock: there is no frequency governor to set (no cpufreq)");
  }
  setup.virtualized = counters::take_machine_snapshot().hypervisor;
  setup.pinning = "not pinned (--pin-cpu=none)";
  return setup;
}

void pin_measuring_thread(const std::string& pin_cpu, MeasurementSetup& setup) {
  if (pin_cpu == "none") return;
  int cpu = -1;
  if (pin_cpu == "auto") {
    const auto allowed = noise::allowed_cpus();
    if (allowed.empty()) {
      setup.pinning = "not pinned: the CPUs this process may use could not be read";
      setup.not_set.push_back("pinning: " + setup.pinning);
      return;
    }
    cpu = allowed.back();
  } else {
    cpu = std::stoi(pin_cpu);
  }
  const std::string failure = noise::pin_current_thread(cpu);
  if (!failure.empty()) {
    if (pin_cpu != "auto") throw io::UsageError("--pin-cpu=" + pin_cpu + ": " + failure);
    setup.pinning = "not pinned: " + failure;
    setup.not_set.push_back("pinning: " + failure);
    return;
  }
  setup.pinned_cpu = cpu;
  setup.pinning = fmt::format("pinned to CPU {} (--pin-cpu={})", cpu, pin_cpu);
}

}  // namespace engram::bench
