// compare: regression check between two Google Benchmark JSON runs.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cstdint>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engram/benchstats/compare.hpp"
#include "engram/benchstats/options.hpp"
#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"

namespace po = boost::program_options;
using namespace engram::benchstats;

namespace {

constexpr const char* kTool = "compare";
constexpr engram::io::NumberRange<std::size_t> kResamples{100, 1'000'000};
constexpr engram::io::NumberRange<double> kAlpha{.min = 0, .max = 1, .min_excluded = true, .max_excluded = true};

void print_help(const po::options_description& options) {
  std::cout << "usage: compare [OPTIONS] OLD.json NEW.json\n\n"
               "Compares two Google Benchmark JSON files benchmark by benchmark (paired by name),\n"
               "e.g. two runs of build/bench/baseline with --benchmark_repetitions=10\n"
               "--benchmark_enable_random_interleaving=true --benchmark_out=FILE.\n\n"
               "Per benchmark: each side's estimate (see --estimator), the change NEW/OLD of the\n"
               "estimates with a 95% bootstrap CI, the two-sided Mann-Whitney U p-value and a\n"
               "verdict. A change counts only if p < alpha AND the whole CI lies beyond the noise\n"
               "threshold; otherwise it is 'within noise'.\n"
               "Whatever the estimator, the CI is the median's (of the ratio of the medians):\n"
               "a bootstrap of the minimum is degenerate at a few repetitions, as most resamples\n"
               "keep the sample's minimum.\n"
               "Repetitions the baseline marked disturbed (steal, run-queue delay, preemptions,\n"
               "migrations: the noise_* figures of each repetition) are set aside and counted in\n"
               "the 'set aside' column (OLD / NEW); the verdict uses the rest. That needs noise\n"
               "figures in both files: when one was made before baseline measured noise, every\n"
               "repetition of both is used and a warning says so. With fewer than 4\n"
               "undisturbed repetitions per side no p-value is given (p < 0.05 is then impossible)\n"
               "and the verdict is 'inconclusive', saying how many were set aside. Benchmarks\n"
               "missing from NEW are inconclusive; benchmarks only in NEW are listed.\n\n"
               "The estimator, by default: the minimum when a run says it was measured on a\n"
               "virtualized machine (context engram.setup), the median otherwise. On a VM or a\n"
               "shared runner interference (stolen time, a neighbour in the run queue, evicted\n"
               "caches) only ever adds time, so the minimum moves least from run to run; on a\n"
               "quiet bare-metal machine the median uses every repetition and does not reward a\n"
               "lucky one. The table's heading and the JSON name the estimator and the reason.\n\n"
               "--deterministic compares a simulated counter instead of time (run the baseline\n"
               "with --counters=TOT_INS --sim=only): identical binaries compare equal and any\n"
               "change beyond 1% is reported.\n\n"
            << options << "\n"
            << engram::io::exit_codes_help(
                   {{kCompareExitRegression, "a regression"},
                    {kCompareExitInconclusive, "no regression, but something inconclusive"}})
            << "\n"
               "Examples:\n"
               "  compare old.json new.json\n"
               "  compare --threshold 5 --time real old.json new.json\n"
               "  compare --estimator=median old.json new.json\n"
               "  compare --deterministic --counter TOT_INS old_sim.json new_sim.json\n";
}

int run(int argc, char** argv) {
  CompareOptions options;
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "print this help and exit")
      ("threshold", po::value<std::string>()->value_name("PERCENT"),
       "noise threshold in percent, in [0, 100) (default 2 for time, 1 with --deterministic)")
      ("time", po::value<std::string>()->default_value("cpu")->value_name("cpu|real"),
       "which Google Benchmark time to compare (cpu excludes time spent descheduled)")
      ("estimator", po::value<std::string>()->value_name("median|min|q25"),
       "the location of each side's repetitions (default: min when a run was measured on a virtualized "
       "machine, where noise only adds time; median otherwise)")
      ("deterministic", po::bool_switch(), "compare a simulated counter instead of time")
      ("counter", po::value<std::string>()->default_value("TOT_INS")->value_name("NAME"),
       "the counter for --deterministic")
      ("alpha", engram::io::number_value(&options.alpha, kAlpha)->default_value(0.05, "0.05")->value_name("P"),
       "significance level of the U test, in (0, 1)")
      ("resamples", engram::io::number_value(&options.bootstrap.resamples, kResamples)
                        ->default_value(BootstrapOptions{}.resamples)->value_name("N"),
       "bootstrap resamples for the CIs (100 to 1000000)")
      ("seed", engram::io::number_value(&options.bootstrap.seed, engram::io::kAnyUint64)
                   ->default_value(BootstrapOptions{}.seed)->value_name("N"),
       "bootstrap seed, 0 to 2^64-1 (the same seed gives the same intervals)")
      ("json", po::bool_switch(), "print JSON instead of the table")
      ("json-out", po::value<std::string>()->value_name("FILE"), "also write the JSON to FILE");

  std::vector<std::string> inputs;
  const po::variables_map vm = engram::io::parse_options(argc, argv, visible, &inputs);
  if (vm.count("help")) {
    print_help(visible);
    return engram::io::kExitOk;
  }
  if (inputs.size() != 2) {
    throw engram::io::UsageError(fmt::format("expected OLD.json and NEW.json, got {} file(s)", inputs.size()));
  }
  options.deterministic = vm["deterministic"].as<bool>();
  options.counter = vm["counter"].as<std::string>();
  options.measure = parse_time_measure(vm["time"].as<std::string>());
  if (vm.count("estimator")) {
    if (options.deterministic) {
      throw engram::io::UsageError("--estimator applies to times; --deterministic compares simulated counts, "
                                   "which noise does not disturb");
    }
    try {
      options.estimator = parse_estimator(vm["estimator"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw engram::io::UsageError(fmt::format("--estimator: {}", e.what()));
    }
  }
  if (vm.count("threshold")) options.threshold = parse_percent(vm["threshold"].as<std::string>(), "--threshold");

  const BenchmarkFile old_run = read_benchmark_json(inputs[0]);
  const BenchmarkFile new_run = read_benchmark_json(inputs[1]);
  const ComparisonReport report = compare_runs(old_run, new_run, options);
  const std::string json_text = render_comparison_json(report);
  if (vm.count("json-out")) engram::io::write_file_atomically(vm["json-out"].as<std::string>(), json_text);
  std::cout << (vm["json"].as<bool>() ? json_text : render_comparison_table(report));
  std::cout.flush();
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
