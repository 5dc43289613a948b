#pragma once
// libpfm4: encodes event names into perf_event_attr and lists the PMUs and
// events it knows. libpfm4 detects PMUs from CPUID, so a PMU it calls
// "present" may still be absent in a VM: only perf_event_open tells.
#include <linux/perf_event.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::counters::detail {

struct PfmEvent {
  perf_event_attr attr{};  // type, config* and a requested exclude_user/exclude_kernel;
                           // every other flag left to the caller
  std::string canonical;   // "perf::PERF_COUNT_SW_TASK_CLOCK" (name=value modifiers dropped,
                           // ":u" or ":k" kept when only one privilege level is counted)
  std::string pmu;         // libpfm4's PMU name: "perf", "amd64_fam19h_zen4", ...
  std::string description;
  bool software = false;   // needs no PMU counter (software or tracepoint event)
  int pmu_counters = 0;    // counters of the PMU that counts it (0: unknown)
};

struct PfmPmu {
  std::string name;
  std::string description;
  bool core = false;      // a CPU core PMU (as opposed to uncore or OS generic)
  int events = 0;
  int counters = 0;       // generic + fixed
};

// Empty string when libpfm4 initialized, else its error.
std::string pfm_init_error();  // a copy: libpfm4 is initialized again on each call

// nullopt when libpfm4 does not know the name (or failed to initialize).
std::optional<PfmEvent> pfm_encode(std::string_view name);

// When libpfm4 knows the event but cannot encode `name` as given (most often:
// it needs a unit mask), why, with an example of a name that encodes.
std::optional<std::string> pfm_encoding_problem(std::string_view name);

std::vector<PfmPmu> pfm_present_pmus();
// "pmu::EVENT" for every event of every present PMU that encodes as is, and
// "pmu::EVENT:UMASK" for each unit mask of an event that needs one.
std::vector<std::string> pfm_event_names();

}  // namespace engram::counters::detail
