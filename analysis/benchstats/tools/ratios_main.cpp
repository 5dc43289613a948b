// ratios: the performance-ratio table of issue 7 from baseline runs.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <exception>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engram/benchstats/ratios.hpp"
#include "engram/io/cli.hpp"
#include "engram/io/json.hpp"
#include "engram/io/safe_write.hpp"

namespace po = boost::program_options;
using namespace engram::benchstats;

namespace {

constexpr const char* kTool = "ratios";
constexpr int kExitTargetMissed = engram::io::kExitFirstVerdict;

void print_help(const po::options_description& options) {
  std::cout << "usage: ratios [OPTIONS] RUN1.json [RUN2.json ...]\n\n"
               "Computes the targets of the optimized-kernels table (docs/performance.md) from\n"
               "separate runs of build/bench/baseline, each run e.g.\n"
               "  build/bench/baseline --benchmark_repetitions=10 \\\n"
               "      --benchmark_enable_random_interleaving=true --benchmark_out=runN.json\n"
               "Per target and run: the ratio of the two benchmarks' estimates (optimized / peer, or\n"
               "reference / optimized for the \"≥ N× faster\" rows) over the repetitions not marked\n"
               "disturbed; then min, median and max over the runs and pass/FAIL of the median\n"
               "against the target. Prints markdown.\n\n"
               "The estimator, by default: the minimum when a run says it was measured on a\n"
               "virtualized machine (context engram.setup), where interference only ever adds\n"
               "time and the minimum moves least; the median otherwise. The table names it and why.\n\n"
            << options
            << "\nExtra rows (measured by other programs) come as JSON:\n"
               "  {\"rows\": [{\"label\": \"profiling_harness full scale: reference / optimized\",\n"
               "              \"target\": \"≥ 8× faster\", \"bound\": \"at_least\", \"limit\": 8,\n"
               "              \"values\": [9.1, 8.7, 9.4], \"source\": \"how it was measured\"}]}\n"
               "with one value per run (null where a run lacks it).\n\n"
            << engram::io::exit_codes_help(
                   {{kExitTargetMissed, "a target failed or was not measured (only with --check)"}});
}

int run(int argc, char** argv) {
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "print this help and exit")
      ("list-targets", "print the targets (benchmark names and bounds) and exit")
      ("markdown", po::value<std::string>()->value_name("FILE"), "also write the markdown to FILE")
      ("title", po::value<std::string>()->value_name("TEXT"), "a heading for the markdown document")
      ("json", po::value<std::string>()->value_name("FILE"), "write the results as JSON to FILE")
      ("extra", po::value<std::vector<std::string>>()->value_name("FILE"), "extra rows as JSON (repeatable)")
      ("command", po::value<std::vector<std::string>>()->value_name("TEXT"),
       "a command that produced the runs, shown under \"To reproduce\" (repeatable)")
      ("time", po::value<std::string>()->default_value("cpu")->value_name("cpu|real"),
       "which Google Benchmark time to use")
      ("estimator", po::value<std::string>()->value_name("median|min|q25"),
       "the location of each benchmark's repetitions (default: min on a virtualized machine, median otherwise)")
      ("check", po::bool_switch(), "exit 3 unless every target passes");

  std::vector<std::string> inputs;
  TimeMeasure measure = TimeMeasure::cpu;
  const po::variables_map vm = engram::io::parse_options(argc, argv, visible, &inputs);
  if (vm.count("help")) {
    print_help(visible);
    return engram::io::kExitOk;
  }
  if (vm.count("list-targets")) {
    for (const auto& t : issue7_targets()) {
      std::cout << fmt::format("{}\n    {} / {} {} {:g}  ({})\n", t.label, t.numerator, t.denominator,
                               t.bound == RatioBound::at_most ? "<=" : ">=", t.limit, t.target_text);
    }
    return engram::io::kExitOk;
  }
  if (inputs.empty()) throw engram::io::UsageError("no run given");
  measure = parse_time_measure(vm["time"].as<std::string>());
  std::optional<Estimator> estimator;
  if (vm.count("estimator")) {
    try {
      estimator = parse_estimator(vm["estimator"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw engram::io::UsageError(fmt::format("--estimator: {}", e.what()));
    }
  }

  std::vector<BenchmarkFile> runs;
  for (const auto& input : inputs) runs.push_back(read_benchmark_json(input));
  const auto targets = issue7_targets();
  RatioReport report = compute_ratios(runs, targets, measure, estimator);
  report.rows.push_back(counter_cost_row(runs));  // from the runs' context, "not measured" without --counters
  if (vm.count("extra")) {
    for (const auto& file : vm["extra"].as<std::vector<std::string>>()) {
      for (auto& row : parse_extra_ratio_rows(engram::io::read_input_file(file, "extra rows JSON"), file)) {
        if (row.per_run.size() != runs.size()) {
          throw engram::io::InputError(fmt::format("{}: row \"{}\" has {} values but there are {} runs", file,
                                                   row.label, row.per_run.size(), runs.size()));
        }
        report.rows.push_back(std::move(row));
      }
    }
  }
  const std::vector<std::string> commands =
      vm.count("command") ? vm["command"].as<std::vector<std::string>>() : std::vector<std::string>{};
  const std::string markdown =
      ratios_markdown(report, commands, vm.count("title") ? vm["title"].as<std::string>() : std::string());
  engram::io::OutputSet outputs;  // the table and the JSON of one run, or the old ones
  if (vm.count("markdown")) outputs.add(vm["markdown"].as<std::string>(), markdown);
  if (vm.count("json")) outputs.add(vm["json"].as<std::string>(), ratios_json(report));
  outputs.commit();
  std::cout << markdown;
  return vm["check"].as<bool>() && report.count(RatioStatus::pass) != report.rows.size() ? kExitTargetMissed
                                                                                       : engram::io::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
