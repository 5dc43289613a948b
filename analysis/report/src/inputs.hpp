#pragma once
// The report's inputs, read and checked. Hot spots, stability, the counter
// statuses and the machine snapshot are read with their owners' readers into
// their owners' types; each parser here takes a parsed JSON document and
// throws ReportInputError naming the file and the JSON pointer of anything
// it cannot use.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engram/report/report.hpp"
#include "engram/benchstats/benchmark_json.hpp"
#include "engram/benchstats/stability.hpp"
#include "engram/ceilings_file.hpp"
#include "engram/counters.hpp"
#include "engram/machine_snapshot.hpp"
#include "engram/profile/hotspots.hpp"
#include "engram/workload_manifest.hpp"
#include "engram/roofline/roofline.hpp"
#include "engram/io/json.hpp"

namespace engram::report {

// roofline.json and the ceilings file are read by their owners' readers
// (roofline::roofline_from_json, ceilings::ceilings_from_json) into their
// owners' types.

// ---- everything, loaded ------------------------------------------------------

struct LoadedInputs {
  ReportInputs paths;      // as the report names them (where they are published)
  ReportInputs read_from;  // where they were read
  profile::HotspotReport hotspots;  // hotspots_from_json
  benchstats::BenchmarkFile bench;
  std::optional<bench::WorkloadManifest> workload;  // bench's context "engram.workload", when the run wrote one
  std::optional<benchstats::BenchmarkFile> counters_bench;
  counters::CounterStatuses counter_statuses;  // of counters_bench, counter_statuses_from_json
  std::optional<std::string> flamegraph_svg, roofline_svg, stability_svg;
  // The report's own interactive flame graph, drawn from the folded stacks.
  std::optional<std::string> viewer_svg;
  std::optional<roofline::RooflineResult> roofline;  // roofline_from_json
  std::optional<ceilings::CeilingsFile> ceilings;    // ceilings_from_json
  std::optional<benchstats::StabilityReport> stability;  // stability_from_json
  std::optional<counters::MachineSnapshot> machine;  // machine_snapshot_from_json
};

// Reads every given input; throws ReportInputError for a missing required
// one or any bad one.
LoadedInputs load_inputs(const ReportInputs& inputs);

}  // namespace engram::report
