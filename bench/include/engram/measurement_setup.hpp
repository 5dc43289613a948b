#pragma once
// The set-up baseline gives its measurements, and what it could not set.
//
// Pinning keeps the measuring thread on one CPU (no migrations, its own
// caches, one steal column to read); transparent huge pages are turned off
// for the process so that the kernels' arrays sit on ordinary 4 KiB pages,
// as they do in the ceilings run (bench/ceilings without --huge-pages); the
// frequency governor is read, not set (it is the machine's, and a VM has
// none). Everything lands in the JSON context as engram.setup.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace engram::bench {

struct MeasurementSetup {
  std::optional<int> pinned_cpu;
  std::string pinning;             // what was done, or why not
  double warmup_ms = 0;
  std::string pages;               // the page size the kernels' arrays get
  std::string frequency_governor;  // its name, or why there is none to read
  std::optional<bool> virtualized;  // the "hypervisor" CPU flag
  std::vector<std::string> not_set;  // each thing that could not be set, with the reason

  nlohmann::json to_json() const;
};

// Turns transparent huge pages off for this process (call it before the
// kernels' arrays are allocated) and reads the governor and the hypervisor
// flag. Pinning is separate: see pin_measuring_thread.
MeasurementSetup prepare_process(double warmup_ms);

// Pins the calling thread as --pin-cpu asks ("none", "auto" or a number).
// An explicit CPU that cannot be used throws io::UsageError; "auto" that
// fails is recorded in not_set.
void pin_measuring_thread(const std::string& pin_cpu, MeasurementSetup& setup);

}  // namespace engram::bench
