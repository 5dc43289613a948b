#include "system_facts.hpp"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace engram::counters::detail {
namespace {

std::optional<int> read_int_file(const char* path) {
  std::ifstream in(path);
  int value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

std::uint64_t effective_capabilities() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  }
  return 0;
}

bool cpuinfo_has_hypervisor_flag() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::string flag;
    while (words >> flag)
      if (flag == "hypervisor") return true;
    return false;  // the first CPU's flags are enough
  }
  return false;
}

// Opening cycles is the only reliable test: PAPI and libpfm4 both "see" a
// PMU from CPUID even when the hypervisor does not expose one.
int probe_hardware_cycles() {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = PERF_COUNT_HW_CPU_CYCLES;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  const long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) return errno;
  close(static_cast<int>(fd));
  return 0;
}

bool sysfs_has_core_pmu() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/bus/event_source/devices", error)) {
    const std::string name = entry.path().filename().string();
    // x86 "cpu" (hybrid: "cpu_core", "cpu_atom"); arm "armv8_pmuv3*"; others "*pmu*" of a core.
    if (name == "cpu" || name.rfind("cpu_", 0) == 0 || name.rfind("armv", 0) == 0) return true;
  }
  return false;
}

constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;

}  // namespace

bool SystemFacts::may_count_kernel() const {
  return cap_perfmon || cap_sys_admin || (perf_event_paranoid && *perf_event_paranoid <= 1);
}

SystemFacts probe_system_facts() {
  SystemFacts facts;
  facts.perf_event_paranoid = read_int_file("/proc/sys/kernel/perf_event_paranoid");
  facts.kptr_restrict = read_int_file("/proc/sys/kernel/kptr_restrict");
  facts.nmi_watchdog = read_int_file("/proc/sys/kernel/nmi_watchdog");
  const std::uint64_t caps = effective_capabilities();
  facts.cap_sys_admin = (caps >> kCapSysAdmin) & 1U;
  facts.cap_perfmon = (caps >> kCapPerfmon) & 1U;
  facts.hypervisor = cpuinfo_has_hypervisor_flag();
  facts.hardware_probe_errno = probe_hardware_cycles();
  facts.hardware_pmu = facts.hardware_probe_errno == 0;
  facts.core_pmu_in_sysfs = sysfs_has_core_pmu();
  return facts;
}

const SystemFacts& system_facts() {
  static const SystemFacts facts = probe_system_facts();
  return facts;
}

std::string no_pmu_summary(const SystemFacts& facts) {
  return facts.hypervisor ? "no hardware PMU (virtualized)" : "no hardware PMU (the kernel exposes none)";
}

std::string no_pmu_fix(const SystemFacts& facts) {
  if (facts.hypervisor)
    return "run on bare metal or in a VM with the PMU passed through (KVM/QEMU: -cpu host,pmu=on; "
           "cloud: an instance type with a virtual PMU); meanwhile use software events, SDE counters "
           "and simulated cache/branch counters (simulation auto or only)";
  return "check that the kernel was built with the CPU's PMU driver (CONFIG_PERF_EVENTS and the "
         "vendor PMU); meanwhile use software events, SDE counters and simulated counters";
}

std::string hardware_pmu_detail(const SystemFacts& facts) {
  if (facts.hardware_pmu) return "PERF_COUNT_HW_CPU_CYCLES opens";
  return no_pmu_summary(facts) + ": perf_event_open(cycles) says \"" + std::strerror(facts.hardware_probe_errno) +
         "\"" +
         (facts.core_pmu_in_sysfs ? "; /sys/bus/event_source/devices has a core PMU"
                                  : "; /sys/bus/event_source/devices has no core PMU (cpu)");
}

std::string permission_fix() {
  return "sudo sysctl kernel.perf_event_paranoid=1 (persist it with: echo kernel.perf_event_paranoid=1 | "
         "sudo tee /etc/sysctl.d/99-perf.conf), or grant the program CAP_PERFMON: "
         "sudo setcap cap_perfmon+ep <program>";
}

OpenFailure explain_open_failure(int error_number, bool hardware, const std::string& pmu_name,
                                 const SystemFacts& facts) {
  OpenFailure out;
  const std::string error_text = std::string(std::strerror(error_number));
  switch (error_number) {
    case EACCES:
    case EPERM: {
      out.no_permission = true;
      std::ostringstream reason;
      reason << "perf_event_open refused (" << error_text << "): perf_event_paranoid = ";
      if (facts.perf_event_paranoid)
        reason << *facts.perf_event_paranoid;
      else
        reason << "unknown";
      reason << (facts.cap_perfmon ? ", CAP_PERFMON present" : ", no CAP_PERFMON")
             << (facts.cap_sys_admin ? ", CAP_SYS_ADMIN present" : ", no CAP_SYS_ADMIN");
      out.reason = reason.str();
      out.fix = permission_fix();
      return out;
    }
    case ENOENT:
    case EOPNOTSUPP:
    case ENODEV:
      if (hardware && !facts.hardware_pmu) {
        out.reason = no_pmu_summary(facts) + ": perf_event_open says \"" + error_text + "\"";
        out.fix = no_pmu_fix(facts);
      } else {
        out.reason = "event unknown on this CPU" + (pmu_name.empty() ? std::string() : " (" + pmu_name + ")") +
                     ": perf_event_open says \"" + error_text + "\"";
        out.fix = "pick an event of this CPU's PMU (ecount list) or a generic name such as cycles";
      }
      return out;
    case EMFILE:
    case ENFILE:
      out.reason = "out of file descriptors (" + error_text + ")";
      out.fix = "raise the open-file limit (ulimit -n) or request fewer counters";
      return out;
    case ENOSPC:
    case EBUSY:
      out.reason = "the PMU has no free counter (" + error_text + "): another tool or the NMI watchdog holds it";
      out.fix = "stop other profilers; on x86: sudo sysctl kernel.nmi_watchdog=0";
      return out;
    case EINVAL:
      out.reason = "the kernel rejected the event's encoding (" + error_text + ")";
      out.fix = "request the event by another name (ecount list shows what opens)";
      return out;
    default:
      out.reason = "perf_event_open failed (" + error_text + ")";
      return out;
  }
}

}  // namespace engram::counters::detail
