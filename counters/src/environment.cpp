// Availability as data: diagnose_environment() (behind `ecount doctor`) and
// list_counters() (behind `ecount list`).
#include <linux/perf_event.h>

#include <cstring>
#include <sstream>

#include "counter_set_internal.hpp"
#include "papi_catalog.hpp"
#include "perf_groups.hpp"
#include "pfm_catalog.hpp"
#include "process.hpp"
#include "resolver.hpp"
#include "text.hpp"
#include "validation_workload.hpp"

namespace engram::counters {
namespace {

using detail::SystemFacts;

Finding finding(std::string topic, Severity severity, std::string detail, std::string fix = {}) {
  return Finding{std::move(topic), severity, std::move(detail), std::move(fix)};
}

int probe_software_event(const SystemFacts& facts) {
  perf_event_attr encoding{};
  encoding.type = PERF_TYPE_SOFTWARE;
  encoding.config = PERF_COUNT_SW_TASK_CLOCK;
  const perf_event_attr attr = detail::make_attr(encoding, true, !facts.may_count_kernel(), false);
  detail::PerfEventApi& api = detail::linux_perf_event_api();
  const int fd = api.open(attr, 0, -1, -1);
  if (fd < 0) return -fd;
  api.close(fd);
  return 0;
}

std::string valgrind_version(const std::string& path) {
  try {
    detail::ChildOptions options;
    detail::Child child({path, "--version"}, options);
    if (child.wait(std::chrono::seconds{20}) == 0) return detail::trim(child.out());
  } catch (const CounterError&) {
  }
  return "version unknown";
}

// Opens each common hardware event alone with the validation probe, so that
// an event the PMU accepts but does not implement (it counts 0 forever, as
// QEMU's emulated PMU does for cache and branch events) is named as such.
Finding validate_hardware_events() {
  static const char* const kEvents[] = {"cycles", "instructions", "branches", "branch-misses", "PAPI_TOT_CYC",
                                        "PAPI_TOT_INS", "PAPI_L1_DCM",  "PAPI_L1_DCA",   "PAPI_BR_INS",
                                        "PAPI_BR_MSP",  "PAPI_LD_INS",  "PAPI_SR_INS"};
  Options options;
  options.simulation = SimulationMode::never;
  options.overhead_pairs = 0;
  options.validate_hardware = true;
  std::vector<std::string> counting, zero, unavailable;
  for (const char* name : kEvents) {
    try {
      const CounterSet set = CounterSet::open({name}, options);
      const Reading reading = set.read();  // kept: c refers into it
      const CounterValue& c = reading.counters.front();
      if (c.status != Status::unsupported && c.status != Status::no_permission)
        counting.push_back(name);
      else if (c.reason.find(detail::kCountedZeroReason) != std::string::npos)
        zero.push_back(name);
      else
        unavailable.push_back(name);
    } catch (const CounterError&) {
      unavailable.push_back(name);
    }
  }
  std::string text = "over a workload that must produce them (" +
                     std::string(detail::ValidationWorkload::description()) + "): counting: " +
                     (counting.empty() ? "none" : detail::join(counting, ", "));
  if (!zero.empty())
    text += "; open but count 0, not implemented by this PMU (reported as unsupported, simulated where they can "
            "be, never as 0): " + detail::join(zero, ", ");
  if (!unavailable.empty()) text += "; do not open here: " + detail::join(unavailable, ", ");
  return finding("hardware event validation", zero.empty() ? Severity::ok : Severity::warning, text,
                 zero.empty() ? "" : "count those on a machine whose PMU implements them, or use their simulated "
                                     "form (--sim=auto or --sim=only)");
}

std::string describe_level(const CacheLevelGeometry& g) {
  return std::to_string(g.size_bytes) + " B " + std::to_string(g.associativity) + "-way " +
         std::to_string(g.line_bytes) + " B lines";
}

}  // namespace

EnvironmentReport diagnose_environment() { return detail::diagnose_environment(detail::system_facts()); }

EnvironmentReport detail::diagnose_environment(const SystemFacts& facts) {
  EnvironmentReport report;
  report.hardware_pmu = facts.hardware_pmu;
  report.virtualized = facts.hypervisor;
  report.summary = facts.hardware_pmu ? "hardware PMU available" + std::string(facts.hypervisor ? " (virtualized)" : "")
                                      : detail::no_pmu_summary(facts);

  // PMU and VM.
  if (facts.hardware_pmu) {
    report.findings.push_back(finding("hardware PMU", Severity::ok, detail::hardware_pmu_detail(facts)));
    report.findings.push_back(validate_hardware_events());
  } else {
    report.findings.push_back(
        finding("hardware PMU", Severity::problem, detail::hardware_pmu_detail(facts), detail::no_pmu_fix(facts)));
    report.consequences = {
        "hardware counters (cycles, instructions, cache and branch events, PAPI presets, CPU native events) "
        "are unsupported here: reported without a value, never as 0",
        "cache and branch counters (L1_DCM, L1_ICM, LL_MISSES, BR_MSP, BR_INS, TOT_INS, LD_INS, SR_INS, "
        "TOT_CYC as estimated cycles) can be simulated by callgrind: deterministic, a model of the machine, "
        "about 50-100x slower",
        "software events (task-clock, page-faults, context-switches, cpu-migrations, ...) count normally",
        "SDE counters (sde:::LIB::COUNTER) count normally inside programs that register them",
        "derived metrics (IPC, CPI, MPKI, miss ratios) come from simulated counts only",
    };
  }
  report.findings.push_back(finding("virtualization", Severity::info,
                                    facts.hypervisor ? "the \"hypervisor\" CPU flag is set: this is a virtual machine"
                                                     : "no \"hypervisor\" CPU flag: bare metal (or a VM hiding it)"));

  // Permissions.
  {
    std::ostringstream text;
    Severity severity = Severity::ok;
    std::string fix;
    if (!facts.perf_event_paranoid) {
      text << "/proc/sys/kernel/perf_event_paranoid is unreadable";
      severity = Severity::warning;
    } else {
      const int value = *facts.perf_event_paranoid;
      text << "perf_event_paranoid = " << value;
      if (facts.cap_perfmon || facts.cap_sys_admin) {
        text << " (does not apply: the process has " << (facts.cap_perfmon ? "CAP_PERFMON" : "CAP_SYS_ADMIN") << ")";
      } else if (value >= 3) {
        text << ": unprivileged programs may not use perf_event_open at all";
        severity = Severity::problem;
        fix = detail::permission_fix();
      } else if (value == 2) {
        text << ": only user-space work of one's own processes is counted";
        severity = Severity::warning;
        fix = detail::permission_fix();
      } else {
        text << ": kernel-mode work is counted too";
      }
    }
    report.findings.push_back(finding("perf_event_paranoid", severity, text.str(), fix));
  }
  report.findings.push_back(finding(
      "CAP_PERFMON", facts.cap_perfmon ? Severity::ok : Severity::info,
      std::string(facts.cap_perfmon ? "present" : "absent") + (facts.cap_sys_admin ? "; CAP_SYS_ADMIN present" : ""),
      facts.cap_perfmon ? "" : "sudo setcap cap_perfmon+ep <program> (lifts perf_event_paranoid limits for it)"));
  if (facts.kptr_restrict) {
    const int value = *facts.kptr_restrict;
    report.findings.push_back(finding(
        "kptr_restrict", value == 0 || facts.cap_sys_admin ? Severity::ok : Severity::info,
        "kptr_restrict = " + std::to_string(value) +
            (value == 0 ? ": kernel symbols visible" : ": kernel addresses hidden from unprivileged profiles"),
        value == 0 ? "" : "sudo sysctl kernel.kptr_restrict=0 (to resolve kernel frames in profiles)"));
  }
  if (facts.nmi_watchdog && *facts.nmi_watchdog == 1 && facts.hardware_pmu)
    report.findings.push_back(finding("nmi_watchdog", Severity::warning, "the NMI watchdog holds one PMU counter",
                                      "sudo sysctl kernel.nmi_watchdog=0"));

  const int software_errno = probe_software_event(facts);
  report.findings.push_back(
      software_errno == 0
          ? finding("software events", Severity::ok, "task-clock opens through perf_event_open")
          : finding("software events", Severity::problem,
                    std::string("task-clock does not open: ") + std::strerror(software_errno),
                    software_errno == EACCES || software_errno == EPERM ? detail::permission_fix() : ""));

  // PAPI.
  if (const std::string& error = detail::papi_init_error(); !error.empty()) {
    report.findings.push_back(finding("PAPI", Severity::problem, error, "install libpapi-dev / papi-tools"));
  } else {
    int available_presets = 0;
    for (const auto& preset : detail::papi_presets()) available_presets += preset.available ? 1 : 0;
    for (const detail::PapiComponent& c : detail::papi_components()) {
      std::ostringstream text;
      if (c.disabled) {
        text << "disabled: " << c.disabled_reason;
      } else {
        text << "active: " << c.native_events << " native events, " << c.counters << " counters";
      }
      Severity severity = c.disabled ? Severity::info : Severity::ok;
      std::string fix;
      if (c.name == "perf_event" && !c.disabled) {
        text << ", " << available_presets << " presets available";
        if (!facts.hardware_pmu) {
          text << "; PAPI calls it active, but hardware events do not open here, so only its software "
                  "events count (this library checks by opening, not by PAPI's claim)";
          severity = Severity::warning;
        }
      }
      if (c.name == "perf_event" && c.disabled && c.disabled_reason.find("paranoid") != std::string::npos) {
        // PAPI reads perf_event_paranoid at start-up and turns the whole
        // component off at 3, even for root: its presets are then unusable.
        severity = Severity::warning;
        fix = "PAPI needs perf_event_paranoid <= 2: " + detail::permission_fix();
      }
      if (c.name == "sde") {
        text << (c.disabled ? "; SDE counters exist only in programs that register them (e.g. the benchmarks)"
                            : "");
        severity = Severity::info;
      }
      report.findings.push_back(finding("PAPI component " + c.name, severity, text.str(), fix));
    }
  }

  // libpfm4.
  if (const std::string error = detail::pfm_init_error(); !error.empty()) {
    report.findings.push_back(finding("libpfm4", Severity::problem, error));
  } else {
    std::vector<std::string> pmus;
    for (const detail::PfmPmu& pmu : detail::pfm_present_pmus())
      pmus.push_back(pmu.name + " (" + std::to_string(pmu.events) + " events" +
                     (pmu.counters ? ", " + std::to_string(pmu.counters) + " counters" : std::string()) + ")");
    std::string text = "PMUs: " + detail::join(pmus, ", ");
    if (!facts.hardware_pmu)
      text += "; libpfm4 detects CPU PMUs from CPUID, so their events encode but do not open here";
    report.findings.push_back(finding("libpfm4", Severity::info, text));
  }

  // Simulation.
  if (auto valgrind = detail::find_executable("valgrind")) {
    report.findings.push_back(finding("valgrind", Severity::ok, *valgrind + " (" + valgrind_version(*valgrind) +
                                                                    "): simulated cache and branch counters available"));
  } else {
    report.findings.push_back(finding("valgrind", facts.hardware_pmu ? Severity::info : Severity::problem,
                                      "not found on PATH: no simulated counters",
                                      "sudo apt-get install valgrind (Debian package `valgrind`)"));
  }
  const CacheGeometry geometry = host_cache_geometry();
  report.findings.push_back(finding("callgrind cache geometry", geometry.is_default ? Severity::warning : Severity::ok,
                                    "I1 " + describe_level(geometry.i1) + ", D1 " + describe_level(geometry.d1) +
                                        ", LL " + describe_level(geometry.ll) + "; from " + geometry.source));
  return report;
}

std::vector<CounterListing> list_counters(std::string_view filter, SimulationMode simulation) {
  std::vector<std::pair<std::string, std::string>> names;  // name, source
  for (const detail::GenericName& generic : detail::generic_names()) names.emplace_back(generic.name, "perf generic");
  names.emplace_back("LL_MISSES", "alias of PAPI_L3_TCM");
  for (const detail::PapiPreset& preset : detail::papi_presets()) names.emplace_back(preset.symbol, "PAPI preset");
  for (const std::string& name : detail::pfm_event_names()) names.emplace_back(name, "libpfm4");
  for (const std::string& name : detail::papi_sde_names()) names.emplace_back(name, "SDE");
  for (const detail::PapiComponent& component : detail::papi_components()) {
    if (component.disabled || component.name == "perf_event" || component.name == "sde") continue;
    for (const std::string& name : detail::papi_native_names(component.index)) names.emplace_back(name, "PAPI native");
  }

  std::vector<CounterListing> out;
  Options options;
  options.simulation = simulation;
  options.overhead_pairs = 0;
  for (const auto& [name, source] : names) {
    if (!filter.empty() && !detail::icontains(name, filter) && !detail::icontains(source, filter)) continue;
    CounterListing listing;
    listing.name = name;
    listing.source = source;
    try {
      const detail::ResolvedCounter resolved = detail::resolve_counter_name(name);
      listing.description = resolved.description;
      CounterSet set = detail::CounterSetAccess::open({name}, options, detail::Environment{});
      const Reading reading = set.read();
      const CounterValue& value = reading.counters.front();
      listing.backend = value.backend;
      // A counter waiting for its simulated re-run will be simulated.
      listing.status = value.backend == Backend::simulated ? Status::simulated : value.status;
      listing.reason = value.reason;
    } catch (const CounterError& e) {
      listing.backend = Backend::none;
      listing.status = Status::unsupported;
      listing.reason = e.what();
    }
    out.push_back(std::move(listing));
  }
  return out;
}

}  // namespace engram::counters
