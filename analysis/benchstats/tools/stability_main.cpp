// stability: CV of each benchmark's run estimates over N runs of the suite.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <exception>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engram/benchstats/estimator.hpp"
#include "engram/benchstats/options.hpp"
#include "engram/benchstats/stability.hpp"
#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"

namespace po = boost::program_options;
using namespace engram::benchstats;

namespace {

constexpr const char* kTool = "stability";
constexpr int kExitUnstable = engram::io::kExitFirstVerdict;

void print_help(const po::options_description& options) {
  std::cout << "usage: stability [OPTIONS] RUN1.json RUN2.json [RUN3.json ...]\n\n"
               "Each RUN is one run of the benchmark suite as Google Benchmark JSON, e.g.\n"
               "  for i in $(seq 10); do build/bench/baseline --benchmark_repetitions=5 \\\n"
               "      --benchmark_enable_random_interleaving=true --benchmark_out=run$i.json; done\n"
               "Per benchmark: one estimate of each run's repetitions and the coefficient of\n"
               "variation (sample stddev / mean) of those run estimates, against the < 5% criterion\n"
               "(pass / FAIL / incomplete when a run lacks the benchmark), with the noise the\n"
               "repetitions saw and, for a benchmark that fails, the reason from that noise.\n"
               "Repetitions baseline marked disturbed (noise_disturbed) are set aside from a run's\n"
               "estimate; a run whose every repetition was disturbed uses them all (marked *).\n"
               "Prints the markdown table; --markdown, --json and --plot also write files\n"
               "(through temp + rename).\n\n"
               "Estimators (--estimator):\n"
               "  median  the middle repetition: uses every repetition; the better summary on a\n"
               "          quiet bare-metal machine.\n"
               "  min     the fastest repetition: interference (steal, run-queue delay,\n"
               "          preemption, a neighbour's cache traffic) only ever adds time, so on a\n"
               "          shared or virtualized machine the minimum moves least from run to run\n"
               "          (Chen and Revels, \"Robust benchmarking in noisy environments\", 2016).\n"
               "  q25     the 25% quantile: between the two, less dependent on one lucky repetition.\n"
               "Default: min when any run's context says it was measured on a virtualized machine\n"
               "(engram.setup \"virtualized\", written by baseline), median otherwise. The table\n"
               "names the estimator and why it was chosen.\n\n"
            << options << "\n"
            << engram::io::exit_codes_help(
                   {{kExitUnstable, "a benchmark is unstable or incomplete (only with --fail-on-unstable)"}})
            << "\n"
               "Example:\n"
               "  stability --plot tmp/stability --json tmp/stability.json run*.json\n";
}

int run(int argc, char** argv) {
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "print this help and exit")
      ("markdown", po::value<std::string>()->value_name("FILE"), "write the markdown table to FILE")
      ("json", po::value<std::string>()->value_name("FILE"), "write the results as JSON to FILE")
      ("plot", po::value<std::string>()->value_name("PREFIX"), "draw PREFIX.svg and PREFIX.png with gnuplot")
      ("cv-limit", po::value<std::string>()->default_value("5")->value_name("PERCENT"),
       "the criterion: CV of the run estimates below this, in (0, 100)")
      ("time", po::value<std::string>()->default_value("cpu")->value_name("cpu|real"),
       "which Google Benchmark time to use")
      ("estimator", po::value<std::string>()->value_name("median|min|q25"),
       "the estimate of each run's repetitions (default: min on a virtualized machine, else median)")
      ("gnuplot", po::value<std::string>()->default_value("gnuplot")->value_name("PATH"), "the gnuplot program")
      ("fail-on-unstable", po::bool_switch(), "exit 3 when a benchmark fails the criterion or is incomplete");

  StabilityOptions options;
  std::vector<std::string> inputs;
  const po::variables_map vm = engram::io::parse_options(argc, argv, visible, &inputs);
  if (vm.count("help")) {
    print_help(visible);
    return engram::io::kExitOk;
  }
  if (inputs.size() < 2) throw engram::io::UsageError(fmt::format("need at least 2 runs, got {}", inputs.size()));
  options.cv_limit = parse_percent(vm["cv-limit"].as<std::string>(), "--cv-limit",
                                   {.min = 0, .max = 100, .min_excluded = true, .max_excluded = true});
  options.measure = parse_time_measure(vm["time"].as<std::string>());

  // Parsed before the runs are read: a misspelt option is refused at once.
  std::optional<Estimator> chosen;
  if (vm.count("estimator")) {
    try {
      chosen = parse_estimator(vm["estimator"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw engram::io::UsageError(fmt::format("--estimator: {}", e.what()));
    }
  }

  std::vector<BenchmarkFile> runs;
  for (const auto& input : inputs) runs.push_back(read_benchmark_json(input));
  options.estimator = chosen ? chosen_estimator(*chosen) : default_estimator(runs);
  const StabilityReport report = analyse_stability(runs, options);
  const std::string markdown = stability_markdown(report);
  // One set: the table, the JSON and the plot of one analysis, or the old ones.
  engram::io::OutputSet outputs;
  if (vm.count("markdown")) outputs.add(vm["markdown"].as<std::string>(), markdown);
  if (vm.count("json")) outputs.add(vm["json"].as<std::string>(), stability_json(report));
  if (vm.count("plot")) {
    const std::string prefix = vm["plot"].as<std::string>();
    draw_stability_plot(report, prefix + ".svg", prefix + ".png", outputs, vm["gnuplot"].as<std::string>());
  }
  outputs.commit();
  std::cout << markdown;
  const bool unstable = report.count(StabilityStatus::pass) != report.benchmarks.size();
  return vm["fail-on-unstable"].as<bool>() && unstable ? kExitUnstable : engram::io::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
