// ecount doctor: what this machine can count, each finding with its fix.
#include <iostream>
#include <nlohmann/json.hpp>

#include "ecount.hpp"
#include "engram/counters.hpp"
#include "engram/machine_snapshot.hpp"

namespace engram::ecount {
namespace {

void doctor_usage(std::ostream& out) {
  out << "usage: ecount doctor [--json | --machine]\n"
         "\n"
         "Checks whether a hardware PMU is present and whether this is a VM, and reports\n"
         "perf_event_paranoid, kptr_restrict, CAP_PERFMON, the PAPI components (with the\n"
         "reasons they are disabled), the libpfm4 PMUs, valgrind and the cache geometry\n"
         "callgrind would simulate; each finding comes with its fix. With a PMU, common\n"
         "hardware events are counted over a workload that must produce them, and those\n"
         "that open but count 0 (not implemented by this PMU) are named. Exits 0 when the\n"
         "diagnosis ran, whatever it found.\n"
         "\n"
         "  --json     print the report as JSON\n"
         "  --machine  print the machine snapshot instead (engram-machine JSON: CPU, SIMD\n"
         "             features, caches from every source, clock, PMU, kernel, OS, build;\n"
         "             the file `baseline --machine-out` writes, without the SIMD level)\n"
         "  --help     this text\n"
         "\n"
      << io::exit_codes_help();
}

}  // namespace

int run_doctor(const std::vector<std::string>& args) {
  bool json = false;
  bool machine = false;
  for (const std::string& arg : args) {
    if (arg == "-h" || arg == "--help") {
      doctor_usage(std::cout);
      return 0;
    }
    if (arg == "--json") {
      json = true;
      continue;
    }
    if (arg == "--machine") {
      machine = true;
      continue;
    }
    throw UsageError("unknown option '" + arg + "'");
  }
  if (json && machine) throw UsageError("--json and --machine print different things: give one");
  if (machine) {
    std::cout << counters::to_json(counters::take_machine_snapshot()).dump(2) << "\n";
    return 0;
  }
  const counters::EnvironmentReport report = counters::diagnose_environment();
  if (json) {
    nlohmann::json out{{"summary", report.summary},
                       {"hardware_pmu", report.hardware_pmu},
                       {"virtualized", report.virtualized},
                       {"consequences", report.consequences},
                       {"findings", nlohmann::json::array()}};
    for (const counters::Finding& f : report.findings)
      out["findings"].push_back(
          {{"topic", f.topic}, {"severity", counters::to_string(f.severity)}, {"detail", f.detail}, {"fix", f.fix}});
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "ecount doctor: " << report.summary << "\n\n";
  for (const counters::Finding& f : report.findings) {
    std::cout << "  [" << counters::to_string(f.severity) << "] " << f.topic << ": " << f.detail << "\n";
    if (!f.fix.empty()) std::cout << "      fix: " << f.fix << "\n";
  }
  if (!report.consequences.empty()) {
    std::cout << "\nconsequences:\n";
    for (const std::string& c : report.consequences) std::cout << "  - " << c << "\n";
  }
  return 0;
}

}  // namespace engram::ecount
