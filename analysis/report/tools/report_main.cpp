// report: writes docs/internal/profiling_results.md and tmp/report.html from
// one run's artifacts (see --help).
#include <boost/program_options.hpp>
#include <iostream>
#include <stdexcept>
#include <string>

#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"
#include "engram/report/report.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kTool = "report";

void print_help(const po::options_description& options) {
  std::cout
      << "usage: report --dir DIR --markdown FILE.md --html FILE.html [options]\n"
         "       report --hotspots FILE --bench FILE --markdown FILE.md --html FILE.html [options]\n\n"
         "Writes the profiling report twice with the same content: Markdown (e.g.\n"
         "docs/internal/profiling_results.md) and one self-contained HTML page with every SVG\n"
         "embedded (e.g. tmp/report.html). Both through a temporary file and a rename; on any\n"
         "input error nothing is written.\n\n"
         "Sections: system configuration, flame graph analysis (top-10 tables, kernel families\n"
         "against the expected bands), benchmarks (estimates and medians, 95% bootstrap CIs,\n"
         "ratios to the peers; disturbed repetitions set aside), counters (with their status),\n"
         "roofline, stability (with the noise seen), optimization candidates (share of time x\n"
         "distance to the roof).\n\n"
         "The benchmark times use the estimator the bench run calls for: the minimum when it\n"
         "was measured on a virtualized machine (context engram.setup), where interference only\n"
         "adds time, the median otherwise; --estimator overrides it. The report names it and why.\n\n"
         "Inputs: --hotspots and --bench are required; every other input is optional and its\n"
         "section says what is missing and which command makes it. --dir DIR fills every input\n"
         "not given explicitly with its usual name in DIR: hotspots.json, flamegraph.svg,\n"
         "bench.json, bench-counters.json, roofline.json, roofline.svg, ceilings.json,\n"
         "stability.json, stability.svg, machine.json (optional ones only when they exist; with --quick\n"
         "the stability files are never taken from DIR: they would be an older run's).\n\n"
      << options
      << "\n" << engram::io::exit_codes_help() << "\n"
         "Example:\n"
         "  build/analysis/report --dir tmp \\\n"
         "      --markdown docs/internal/profiling_results.md --html tmp/report.html [--quick]\n";
}

int run(int argc, char** argv) {
  engram::report::ReportInputs inputs;
  engram::report::ReportOptions options;
  std::string markdown, html, dir, time = "cpu";
  po::options_description desc("Options");
  auto path_option = [](fs::path* target) { return po::value<std::string>()->notifier([target](const std::string& v) { *target = v; }); };
  desc.add_options()
      ("help,h", "print this help and exit")
      ("dir,d", po::value(&dir)->value_name("DIR"), "the run's output folder: default for every input (see above)")
      ("hotspots", path_option(&inputs.hotspots)->value_name("FILE"), "hotspots.json of build/analysis/hotspots (required)")
      ("bench", path_option(&inputs.bench)->value_name("FILE"),
       "Google Benchmark JSON of build/bench/baseline with --benchmark_repetitions (required)")
      ("flamegraph", path_option(&inputs.flamegraph)->value_name("FILE"),
       "flame graph SVG of build/analysis/flamegraph (shown as a picture: no script of it runs)")
      ("folded", path_option(&inputs.folded)->value_name("FILE"),
       "profile.folded of build/analysis/hotspots: the report draws its own interactive flame graph")
      ("counters-bench", path_option(&inputs.counters_bench)->value_name("FILE"),
       "Google Benchmark JSON of build/bench/baseline --counters=LIST")
      ("roofline", path_option(&inputs.roofline)->value_name("FILE"), "roofline.json of build/analysis/roofline")
      ("roofline-plot", path_option(&inputs.roofline_plot)->value_name("FILE"), "roofline.svg of build/analysis/roofline")
      ("ceilings", path_option(&inputs.ceilings)->value_name("FILE"), "ceilings JSON of build/bench/ceilings")
      ("stability", path_option(&inputs.stability)->value_name("FILE"), "stability.json of build/analysis/stability")
      ("stability-plot", path_option(&inputs.stability_plot)->value_name("FILE"), "stability.svg of build/analysis/stability")
      ("machine", path_option(&inputs.machine)->value_name("FILE"),
       "machine snapshot of build/bench/baseline --machine-out (the System section)")
      ("quick", "the run skipped the stability run on purpose (profile_hotspots.sh --quick)")
      ("markdown", po::value(&markdown)->value_name("FILE"), "Markdown output (required)")
      ("html", po::value(&html)->value_name("FILE"), "HTML output (required)")
      ("time", po::value(&time)->value_name("cpu|real")->default_value("cpu"),
       "Google Benchmark time to use (cpu excludes time spent descheduled)")
      ("estimator", po::value<std::string>()->value_name("median|min|q25"),
       "the location of each benchmark's repetitions (default: min when the bench run was measured on a "
       "virtualized machine, where noise only adds time; median otherwise)")
      ("date", po::value(&options.date)->value_name("TEXT"), "date shown in the report (default: now, UTC)")
      ("published-dir", path_option(&options.published_dir)->value_name("DIR"),
       "name the inputs as DIR/<file name>, where the job that staged them publishes them")
      ("stage-dir", path_option(&options.stage_dir)->value_name("DIR"),
       "write the two files into DIR, linked for their places at --markdown and --html (a job that "
       "publishes its files together, like scripts/profile_hotspots.sh, moves them there)");
  const po::variables_map vm = engram::io::parse_options(argc, argv, desc);
  if (vm.count("help")) {
    print_help(desc);
    return engram::io::kExitOk;
  }
  if (markdown.empty() || html.empty()) throw engram::io::UsageError("--markdown FILE and --html FILE are both required");
  if (dir.empty() && (inputs.hotspots.empty() || inputs.bench.empty())) {
    throw engram::io::UsageError("give --dir DIR, or both --hotspots FILE and --bench FILE");
  }
  options.time = engram::benchstats::parse_time_measure(time);
  if (vm.count("estimator")) {
    try {
      options.estimator = engram::benchstats::parse_estimator(vm["estimator"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw engram::io::UsageError(std::string("--estimator: ") + e.what());
    }
  }
  inputs.quick = vm.count("quick") > 0;
  if (!dir.empty()) inputs.fill_from_dir(dir);

  engram::io::remove_partial_output_on_interrupt();
  engram::report::write_report(inputs, options, markdown, html);
  std::cout << "report: wrote " << markdown << " and " << html << "\n";
  return engram::io::kExitOk;
}
}  // namespace

int main(int argc, char** argv) {
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
