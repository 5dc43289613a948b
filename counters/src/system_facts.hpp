#pragma once
// What the kernel and the machine allow: the facts behind every status reason.
// Probed once per process; tests inject their own facts.
#include <optional>
#include <string>

namespace engram::counters::detail {

struct SystemFacts {
  std::optional<int> perf_event_paranoid;  // /proc/sys/kernel/perf_event_paranoid
  std::optional<int> kptr_restrict;        // /proc/sys/kernel/kptr_restrict
  std::optional<int> nmi_watchdog;         // /proc/sys/kernel/nmi_watchdog (holds a PMU counter on x86)
  bool cap_perfmon = false;                // effective CAP_PERFMON
  bool cap_sys_admin = false;              // effective CAP_SYS_ADMIN
  bool hypervisor = false;                 // "hypervisor" flag in /proc/cpuinfo
  bool hardware_pmu = false;               // PERF_COUNT_HW_CPU_CYCLES opens on this thread
  int hardware_probe_errno = 0;            // errno of that probe when it failed
  bool core_pmu_in_sysfs = false;          // /sys/bus/event_source/devices/cpu* exists

  // Kernel-mode counting is allowed (paranoid <= 1, or CAP_PERFMON/SYS_ADMIN).
  bool may_count_kernel() const;
};

// The probe runs once; later calls return the cached facts.
const SystemFacts& system_facts();
SystemFacts probe_system_facts();

// Status text for a failed perf_event_open, shared by every backend.
struct OpenFailure {
  bool no_permission = false;
  std::string reason;
  std::string fix;
};

// `hardware`: the event needs the PMU (not a software event).
// `pmu_name`: libpfm4's name of the event's PMU, for "unknown on this CPU".
OpenFailure explain_open_failure(int error_number, bool hardware, const std::string& pmu_name,
                                 const SystemFacts& facts);

// "no hardware PMU (virtualized)" or "no hardware PMU (the kernel exposes none)"
std::string no_pmu_summary(const SystemFacts& facts);
// What to do about the missing PMU.
std::string no_pmu_fix(const SystemFacts& facts);
// The exact commands that lift a permission refusal.
std::string permission_fix();
// Whether hardware counters open here and why not, in one line: the detail
// of `ecount doctor`'s "hardware PMU" finding and of the machine snapshot.
std::string hardware_pmu_detail(const SystemFacts& facts);

}  // namespace engram::counters::detail
