// harness_rows: the profiling-harness rows of the docs/performance.md table,
// from `profiling_harness --json` files, as extra rows for `ratios --extra`.
//   speed-up: total seconds of the reference run / of the optimized run, per run pair,
//             and the same for the kernel phases alone (without the shared generator)
//   memory:   peak RSS of the optimized run in MiB (what /usr/bin/time -v reports)
#include <boost/program_options.hpp>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engram/io/cli.hpp"
#include "engram/io/json.hpp"
#include "engram/io/safe_write.hpp"

namespace po = boost::program_options;
using nlohmann::json;

namespace {

constexpr const char* kTool = "harness_rows";

// What the rows need of one `profiling_harness --json` file.
struct HarnessRun {
  double total_seconds = 0;
  double peak_rss_kib = 0;
  double kernel_seconds = 0;  // every phase but the shared "build" generator
};

HarnessRun read_harness(const std::string& path, const std::string& expected_implementation) {
  const engram::io::JsonValue root = engram::io::read_json_file(path, "profiling_harness --json file");
  engram::io::check_schema(root, "engram-harness", 1);
  if (!root.is_object() || !root.raw().contains("implementation") || !root.raw().contains("total_seconds") ||
      !root.raw().contains("peak_rss_kib")) {
    root.fail("not a profiling_harness --json file (implementation, total_seconds, peak_rss_kib missing)");
  }
  const std::string implementation = root.at("implementation").string();
  if (implementation != expected_implementation) {
    root.at("implementation").fail("expected a " + expected_implementation + " run, found \"" + implementation + "\"");
  }
  // Ratios of times: a time of 0 (or a negative one) would give an infinite
  // or negative ratio, which JSON cannot even hold (it would be written as null).
  HarnessRun run;
  run.total_seconds = root.at("total_seconds").positive();
  run.peak_rss_kib = root.at("peak_rss_kib").positive();
  for (const auto& phase : root.at("phases").elements()) {
    // Each phase on its own: a negative one would hide inside a positive sum.
    const engram::io::JsonValue seconds = phase.at("seconds");
    const double s = seconds.non_negative();
    if (phase.at("name").string() != "build") run.kernel_seconds += s;
  }
  if (!(run.kernel_seconds > 0) || !std::isfinite(run.kernel_seconds)) {
    root.at("phases").fail("the kernel phases (all but build) must take a time > 0, found " +
                           std::to_string(run.kernel_seconds) + " s");
  }
  return run;
}

int run(int argc, char** argv) {
  po::options_description desc("Options");
  desc.add_options()("help,h", "print this help and exit")(
      "pair", po::value<std::vector<std::string>>()->multitoken()->value_name("REF.json OPT.json"),
      "one run: the reference and the optimized harness JSON (repeat --pair per run)")(
      "out,o", po::value<std::string>()->value_name("FILE"), "write the rows to FILE (default: stdout)");
  const po::variables_map vm = engram::io::parse_options(argc, argv, desc);
  if (vm.count("help")) {
    std::cout << "usage: harness_rows --pair REF.json OPT.json [--pair ...] [-o FILE]\n\n"
              << "Rows for `ratios --extra` from `profiling_harness --json` runs (one pair per run):\n"
              << "the reference/optimized speed-up (target >= 8x) and the optimized peak RSS\n"
              << "(target < 64 MiB).\n\n"
              << desc << "\n"
              << engram::io::exit_codes_help();
    return engram::io::kExitOk;
  }
  if (!vm.count("pair")) throw engram::io::UsageError("at least one --pair REF.json OPT.json is needed");
  const auto files = vm["pair"].as<std::vector<std::string>>();
  if (files.size() % 2 != 0) throw engram::io::UsageError("--pair takes two files: REF.json OPT.json");
  json speedup = {{"label", "profiling_harness full scale: reference / optimized total time"},
                  {"target", "≥ 8× faster"}, {"bound", "at_least"}, {"limit", 8.0},
                  {"source", "profiling_harness --json (wall time of all phases)"}, {"values", json::array()}};
  json kernels = {{"label", "profiling_harness full scale: reference / optimized, kernel phases only"},
                  {"target", "≥ 8× faster"}, {"bound", "at_least"}, {"limit", 8.0},
                  {"source", "profiling_harness --json (spreading + similarity + decay; the build phase is "
                             "the same generator for both)"},
                  {"values", json::array()}};
  json rss = {{"label", "profiling_harness full scale: optimized peak RSS, MiB"},
              {"target", "< 64 MiB"}, {"bound", "at_most"}, {"limit", 64.0},
              {"source", "profiling_harness --json (getrusage ru_maxrss, as /usr/bin/time -v)"},
              {"unit", " MiB"},
              {"values", json::array()}};
  for (std::size_t i = 0; i < files.size(); i += 2) {
    const HarnessRun ref = read_harness(files[i], "reference");
    const HarnessRun opt = read_harness(files[i + 1], "optimized");
    speedup["values"].push_back(ref.total_seconds / opt.total_seconds);
    kernels["values"].push_back(ref.kernel_seconds / opt.kernel_seconds);
    rss["values"].push_back(opt.peak_rss_kib / 1024.0);
  }
  const std::string text = json{{"rows", {speedup, kernels, rss}}}.dump(2) + "\n";
  if (vm.count("out")) {
    engram::io::write_file_atomically(vm["out"].as<std::string>(), text);
  } else {
    std::cout << text;
  }
  return engram::io::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
