// roofline: kernel benchmarks against the machine's ceilings -> a table
// (markdown), JSON and a plot (SVG and PNG, drawn by gnuplot).
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"
#include "engram/roofline/roofline.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace engram::roofline;

namespace {

constexpr std::string_view kTool = "roofline";

void print_help(const po::options_description& options) {
  std::cout
      << "usage: roofline --ceilings CEILINGS.json --benchmarks BENCHMARKS.json [options]\n\n"
         "Places every kernel benchmark variant under the machine's roofs. CEILINGS.json comes from\n"
         "build/bench/ceilings; BENCHMARKS.json from\n"
         "  build/bench/baseline --benchmark_format=json --benchmark_out=BENCHMARKS.json\n"
         "(with --benchmark_repetitions=N the medians are used), whose context carries the workload\n"
         "manifest (engram.workload): each benchmark's kernel, variant, FLOPs and bytes per iteration\n"
         "(measured by the kernels' work counters), working set and access pattern. A benchmark\n"
         "without a manifest entry is left out, and the outputs say so.\n\n"
         "Per variant: arithmetic intensity, achieved GFLOP/s and GB/s, the bandwidth the ceilings'\n"
         "sweep measured at its working set (interpolated in log size between the sweep's points; the\n"
         "gather sweep for gather kernels, the --bandwidth sweep for the others), the roof\n"
         "min(peak, I x that bandwidth), the fraction of it reached and what bounds it.\n\n"
         "Writes OUT-DIR/roofline.md, roofline.json (schema engram-roofline, version 1), roofline.svg\n"
         "and roofline.png (each through a temporary file and a rename) and prints the table.\n\n"
      << options
      << "\n" << engram::io::exit_codes_help() << "\n"
         "Examples:\n"
         "  roofline -c ceilings.json -b baseline.json -d tmp/\n"
         "  roofline -c ceilings.json -b baseline.json --bandwidth triad --time real --no-plot\n";
}

int run(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  std::string ceilings_path, benchmarks_path, out_dir = ".", markdown, json_out, svg, png;
  std::string time = "cpu", bandwidth = "load", peak = "auto";
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "print this help and exit")
      ("ceilings,c", po::value(&ceilings_path)->value_name("FILE"), "ceilings JSON (build/bench/ceilings)")
      ("benchmarks,b", po::value(&benchmarks_path)->value_name("FILE"), "Google Benchmark JSON (build/bench/baseline)")
      ("out-dir,d", po::value(&out_dir)->value_name("DIR")->default_value("."), "folder for the files (created if missing)")
      ("markdown", po::value(&markdown)->value_name("FILE"), "table path (default OUT-DIR/roofline.md)")
      ("json", po::value(&json_out)->value_name("FILE"), "JSON path (default OUT-DIR/roofline.json)")
      ("svg", po::value(&svg)->value_name("FILE"), "SVG plot path (default OUT-DIR/roofline.svg)")
      ("png", po::value(&png)->value_name("FILE"), "PNG plot path (default OUT-DIR/roofline.png)")
      ("no-plot", "do not draw the plot (no gnuplot needed)")
      ("time", po::value(&time)->value_name("cpu|real")->default_value("cpu"),
       "Google Benchmark time per iteration to use (cpu excludes time spent descheduled)")
      ("bandwidth", po::value(&bandwidth)->value_name("load|copy|triad")->default_value("load"),
       "which bandwidth sweep of the ceilings makes the memory roofs")
      ("peak", po::value(&peak)->value_name("auto|scalar|avx2|avx512")->default_value("auto"),
       "compute peak for every variant (auto: scalar for reference variants, else the run's SIMD level)")
      ("quiet,q", "do not print the table");
  RooflineOptions options;
  const po::variables_map vm = engram::io::parse_options(argc, argv, visible);
  if (vm.count("help")) {
    print_help(visible);
    return engram::io::kExitOk;
  }
  if (ceilings_path.empty()) throw engram::io::UsageError("--ceilings FILE is required");
  if (benchmarks_path.empty()) throw engram::io::UsageError("--benchmarks FILE is required");
  options.time = engram::benchstats::parse_time_measure(time);
  if (bandwidth != "load" && bandwidth != "copy" && bandwidth != "triad") {
    throw engram::io::UsageError(fmt::format("--bandwidth must be load, copy or triad, not '{}'", bandwidth));
  }
  if (peak != "auto") options.peak_simd = peak;
  {
    const MachineCeilings ceilings = read_ceilings_json(ceilings_path, bandwidth);
    const engram::benchstats::BenchmarkFile benchmarks = engram::benchstats::read_benchmark_json(benchmarks_path);
    // An unknown --peak level is an std::invalid_argument: bad usage (2).
    const RooflineResult result = compute_roofline(ceilings, benchmarks, options);
    if (result.points.empty()) {
      std::cerr << kTool << ": error: " << benchmarks_path
                << ": no benchmark with a workload manifest entry to place under the roofs\n";
      for (const std::string& s : result.skipped) std::cerr << "  " << s << "\n";
      return engram::io::kExitBadInput;
    }
    fs::create_directories(out_dir);
    const fs::path dir(out_dir);
    const fs::path md_path = markdown.empty() ? dir / "roofline.md" : fs::path(markdown);
    const fs::path json_path = json_out.empty() ? dir / "roofline.json" : fs::path(json_out);
    const std::string table = roofline_markdown(result);
    // One set: the table, the JSON and the plot of one run, or the old ones.
    engram::io::OutputSet outputs;
    outputs.add(md_path, table);
    outputs.add(json_path, roofline_json(result));
    if (!vm.count("no-plot")) {
      const fs::path svg_path = svg.empty() ? dir / "roofline.svg" : fs::path(svg);
      const fs::path png_path = png.empty() ? dir / "roofline.png" : fs::path(png);
      draw_roofline_plot(result, svg_path, png_path, outputs);
    }
    outputs.commit();
    if (!vm.count("quiet")) {
      std::cout << table << "\nWrote:\n";
      for (const fs::path& w : outputs.targets()) std::cout << "  " << w.string() << "\n";
    }
    return engram::io::kExitOk;
  }
}

}  // namespace

int main(int argc, char** argv) {
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
