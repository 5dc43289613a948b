#include "inputs.hpp"

#include <fmt/format.h>

#include <cmath>

#include "engram/profile/flamegraph.hpp"
#include "engram/profile/folded.hpp"

namespace engram::report {
namespace fs = std::filesystem;

namespace {

benchstats::BenchmarkFile read_bench(const fs::path& path, std::string_view what) {
  // `what` names the input in a missing-file message; a parse error is
  // already an io::InputError naming the file and the place.
  return benchstats::parse_benchmark_json(io::read_input_file(path, what), path.string());
}

std::string read_svg(const fs::path& path, std::string_view what) {
  std::string text = io::read_input_file(path, what);
  if (text.find("<svg") == std::string::npos) {
    throw ReportInputError(fmt::format("{}: not an SVG image (no <svg> element) ({})", path.string(), what));
  }
  if (text.find("</svg>") == std::string::npos) {
    throw ReportInputError(fmt::format("{}: truncated SVG image (no closing </svg>) ({})", path.string(), what));
  }
  return text;
}

}  // namespace

LoadedInputs load_inputs(const ReportInputs& inputs) {
  if (inputs.hotspots.empty()) throw ReportInputError("no hot-spot file given (--hotspots FILE, e.g. tmp/hotspots.json)");
  if (inputs.bench.empty()) throw ReportInputError("no benchmark file given (--bench FILE, Google Benchmark JSON)");
  LoadedInputs in;
  in.paths = inputs;
  in.read_from = inputs;
  in.hotspots = profile::hotspots_from_json(io::read_json_file(inputs.hotspots, "hot spots of build/analysis/hotspots"));
  in.bench = read_bench(inputs.bench, "benchmarks of build/bench/baseline");
  if (const auto it = in.bench.context.find("engram.workload"); it != in.bench.context.end()) {
    in.workload = bench::workload_manifest_from_json(it->second, inputs.bench.string() + ": context \"engram.workload\"");
  }
  if (!inputs.flamegraph.empty()) in.flamegraph_svg = read_svg(inputs.flamegraph, "flame graph");
  if (!inputs.folded.empty()) {
    profile::ParseReport parsed;
    profile::StackTree tree = profile::read_folded_file(inputs.folded, parsed);
    if (tree.total_samples() == 0) throw ReportInputError(inputs.folded.string() + ": no samples in the folded stacks");
    tree.sort_children();
    profile::FlameGraphOptions options;
    options.event = in.hotspots.context.event;
    options.command = in.hotspots.context.binary;
    in.viewer_svg = profile::render_flamegraph(tree, options);
  }
  if (!inputs.counters_bench.empty()) {
    in.counters_bench = read_bench(inputs.counters_bench, "counters run of build/bench/baseline --counters");
    const auto it = in.counters_bench->context.find("engram.counters");
    if (it == in.counters_bench->context.end()) {
      throw ReportInputError(fmt::format(
          "{}: context: no \"engram.counters\" entry: not a run of build/bench/baseline with --counters=LIST",
          inputs.counters_bench.string()));
    }
    in.counter_statuses =
        counters::counter_statuses_from_json(it->second, inputs.counters_bench.string() + ": context \"engram.counters\"");
  }
  if (!inputs.roofline.empty()) {
    in.roofline = roofline::read_roofline_json(inputs.roofline);
  }
  if (!inputs.roofline_plot.empty()) in.roofline_svg = read_svg(inputs.roofline_plot, "roofline plot");
  if (!inputs.ceilings.empty()) {
    in.ceilings = ceilings::read_ceilings_file(inputs.ceilings);
  }
  if (!inputs.stability.empty()) {
    in.stability =
        benchstats::stability_from_json(io::read_json_file(inputs.stability, "stability of build/analysis/stability"));
  }
  if (!inputs.stability_plot.empty()) in.stability_svg = read_svg(inputs.stability_plot, "stability plot");
  if (!inputs.machine.empty()) {
    in.machine = counters::machine_snapshot_from_json(
        io::read_json_file(inputs.machine, "machine snapshot of build/bench/baseline --machine-out"));
  }
  return in;
}

}  // namespace engram::report
