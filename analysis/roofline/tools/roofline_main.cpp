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
         "Places every kernel benchmark variant (KERNEL/VARIANT entries with a FLOP/s counter) under\n"
         "the machine's roofs. CEILINGS.json comes from build/bench/ceilings; BENCHMARKS.json from\n"
         "  build/bench/baseline --benchmark_format=json --benchmark_out=BENCHMARKS.json\n"
         "(with --benchmark_repetitions=N the medians are used).\n\n"
         "Per variant: FLOPs per iteration (KERNELS.md work model), bytes per iteration (SDE counts\n"
         "where the kernel has them, else the work model), arithmetic intensity, achieved GFLOP/s and\n"
         "GB/s, the roof min(peak, I x bandwidth) of every memory level, the level its working set\n"
         "lives in (the smallest cache that holds it), the fraction of that roof reached and what\n"
         "bounds it (that level's bandwidth, or compute).\n\n"
         "Writes OUT-DIR/roofline.md, roofline.json, roofline.svg and roofline.png (each through a\n"
         "temporary file and a rename) and prints the table.\n\n"
      << options
      << "\nExit status: 0 ok, 1 an input file is missing or malformed or an output failed, 2 bad usage.\n\n"
         "Examples:\n"
         "  roofline -c ceilings.json -b baseline.json -d tmp/\n"
         "  roofline -c ceilings.json -b baseline.json --bandwidth triad --time real --no-plot\n";
}

// "KERNEL=VALUE" -> (KERNEL, VALUE); the kernel may itself hold '=' only
// before the last one.
std::pair<std::string, std::string> split_assignment(const std::string& text, const char* option) {
  const auto eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw std::invalid_argument(fmt::format("{} takes KERNEL=VALUE, not '{}'", option, text));
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

double parse_number(const std::string& text, const char* option) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !std::isfinite(value)) {
    throw std::invalid_argument(fmt::format("{}: '{}' is not a number", option, text));
  }
  return value;
}

// "3000000", "2.9MiB", "64K": binary units.
double parse_size(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  std::string unit = text.substr(digits);
  for (char& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const std::map<std::string, double> scale = {{"", 1},         {"b", 1},       {"k", 1024.0},   {"kib", 1024.0},
                                               {"m", 1048576.0}, {"mib", 1048576.0}, {"g", 1073741824.0},
                                               {"gib", 1073741824.0}};
  const auto it = scale.find(unit);
  if (digits == 0 || it == scale.end()) {
    throw std::invalid_argument(fmt::format("--working-set: '{}' is not a size (e.g. 3000000, 2.9MiB, 64K)", text));
  }
  return parse_number(text.substr(0, digits), "--working-set") * it->second;
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  std::string ceilings_path, benchmarks_path, out_dir = ".", markdown, json_out, svg, png;
  std::string time = "cpu", bandwidth = "load", peak = "auto";
  std::vector<std::string> passes, working_sets;
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
      ("passes", po::value(&passes)->value_name("KERNEL=N")->composing(),
       "passes over the working set per iteration of KERNEL (default 100 for spreading_activation_*, else 1)")
      ("working-set", po::value(&working_sets)->value_name("KERNEL=SIZE")->composing(),
       "working set of KERNEL, overriding bytes per iteration / passes")
      ("quiet,q", "do not print the table");
  po::variables_map vm;
  RooflineOptions options;
  try {
    po::store(po::command_line_parser(argc, argv).options(visible).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      print_help(visible);
      return engram::io::kExitOk;
    }
    if (ceilings_path.empty()) return engram::io::usage_error(kTool, "--ceilings FILE is required");
    if (benchmarks_path.empty()) return engram::io::usage_error(kTool, "--benchmarks FILE is required");
    options.time = engram::benchstats::parse_time_measure(time);
    if (bandwidth != "load" && bandwidth != "copy" && bandwidth != "triad") {
      return engram::io::usage_error(kTool, fmt::format("--bandwidth must be load, copy or triad, not '{}'", bandwidth));
    }
    if (peak != "auto") options.peak_simd = peak;
    for (const std::string& p : passes) {
      const auto [kernel, value] = split_assignment(p, "--passes");
      options.passes[kernel] = parse_number(value, "--passes");
      if (options.passes[kernel] < 1) {
        return engram::io::usage_error(kTool, fmt::format("--passes {}: must be at least 1", p));
      }
    }
    for (const std::string& w : working_sets) {
      const auto [kernel, value] = split_assignment(w, "--working-set");
      options.working_set[kernel] = parse_size(value);
      if (options.working_set[kernel] <= 0) {
        return engram::io::usage_error(kTool, fmt::format("--working-set {}: must be positive", w));
      }
    }
  } catch (const po::error& e) {
    return engram::io::usage_error(kTool, e.what());
  } catch (const std::invalid_argument& e) {
    return engram::io::usage_error(kTool, e.what());
  }

  try {
    const MachineCeilings ceilings = read_ceilings_json(ceilings_path, bandwidth);
    const engram::benchstats::BenchmarkFile benchmarks = engram::benchstats::read_benchmark_json(benchmarks_path);
    RooflineResult result;
    try {
      result = compute_roofline(ceilings, benchmarks, options);
    } catch (const std::invalid_argument& e) {
      return engram::io::usage_error(kTool, e.what());
    }
    if (result.points.empty()) {
      std::cerr << kTool << ": error: " << benchmarks_path
                << ": no kernel benchmark with a FLOP/s counter to place under the roofs\n";
      for (const std::string& s : result.skipped) std::cerr << "  " << s << "\n";
      return engram::io::kExitBadInput;
    }
    fs::create_directories(out_dir);
    const fs::path dir(out_dir);
    const fs::path md_path = markdown.empty() ? dir / "roofline.md" : fs::path(markdown);
    const fs::path json_path = json_out.empty() ? dir / "roofline.json" : fs::path(json_out);
    const std::string table = roofline_markdown(result);
    engram::io::write_file_atomically(md_path, table);
    engram::io::write_file_atomically(json_path, roofline_json(result));
    std::vector<std::string> written = {md_path.string(), json_path.string()};
    if (!vm.count("no-plot")) {
      const fs::path svg_path = svg.empty() ? dir / "roofline.svg" : fs::path(svg);
      const fs::path png_path = png.empty() ? dir / "roofline.png" : fs::path(png);
      render_roofline_plot(result, svg_path, png_path);
      written.push_back(svg_path.string());
      written.push_back(png_path.string());
    }
    if (!vm.count("quiet")) {
      std::cout << table << "\nWrote:\n";
      for (const std::string& w : written) std::cout << "  " << w << "\n";
    }
    return engram::io::kExitOk;
  } catch (...) {
    return engram::io::report_current_exception(kTool);
  }
}
