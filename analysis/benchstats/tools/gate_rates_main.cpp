// gate_rates: the regression gate's false-alarm and detection rates over a
// campaign of comparisons (scripts/regression_gate_rates.sh makes one).
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "engram/benchstats/gate_rates.hpp"
#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"

namespace po = boost::program_options;
using namespace engram::benchstats;

namespace {

constexpr const char* kTool = "gate_rates";

void print_help(const po::options_description& options) {
  std::cout << "usage: gate_rates [OPTIONS] MANIFEST\n\n"
               "Counts the regression gate's error rates over a campaign of comparisons\n"
               "(compare --json outputs) listed in MANIFEST, one per line:\n"
               "  MODE LABEL FILE [FILE2]\n"
               "MODE: timed | interleaved | deterministic | combined. LABEL: aa (two runs of the same build) or\n"
               "slow:PERCENT:KERNEL/VARIANT (the new run slowed that benchmark by PERCENT). FILE is\n"
               "relative to the manifest's folder; combined takes the deterministic comparison, then\n"
               "a timed one made with a wide --threshold. '#' starts a comment.\n\n"
               "Rates: false alarms per benchmark comparison (rows with the verdict 'regressed' over\n"
               "all rows of the A/A comparisons), and per slowdown the detection rate (the slowed\n"
               "benchmark's row 'regressed', over the pairs). Each with its counts and a 95%\n"
               "Clopper-Pearson (exact binomial) interval. Combined: regressed when the instruction\n"
               "count grew beyond its threshold OR the time beyond the wide threshold.\n"
               "Then the issue's goals, met or missed and by how many percentage points: timed\n"
               "<= 1% false alarms and >= 95% detection of a 10% slowdown; deterministic 0 false\n"
               "alarms and 100% detection of a 1% slowdown; combined held to the timed goals.\n"
               "Prints a markdown table (or --json).\n\n"
            << options << "\n"
            << engram::io::exit_codes_help() << "\n"
            << "Example:\n"
               "  gate_rates campaign/manifest.txt --json-out rates.json --markdown-out rates.md\n";
}

int run(int argc, char** argv) {
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "print this help and exit")
      ("json", po::bool_switch(), "print JSON (engram-gate-rates v1) instead of the markdown table")
      ("json-out", po::value<std::string>()->value_name("FILE"), "also write the JSON to FILE")
      ("markdown-out", po::value<std::string>()->value_name("FILE"), "also write the markdown to FILE");
  std::vector<std::string> inputs;
  const po::variables_map vm = engram::io::parse_options(argc, argv, visible, &inputs);
  if (vm.count("help")) {
    print_help(visible);
    return engram::io::kExitOk;
  }
  if (inputs.size() != 1) {
    throw engram::io::UsageError(fmt::format("expected one MANIFEST, got {} file(s)", inputs.size()));
  }
  const GateRates rates = count_campaign(read_campaign_manifest(inputs[0]));
  const std::string json_text = render_gate_rates_json(rates);
  const std::string markdown = render_gate_rates_markdown(rates);
  if (vm.count("json-out")) engram::io::write_file_atomically(vm["json-out"].as<std::string>(), json_text);
  if (vm.count("markdown-out")) engram::io::write_file_atomically(vm["markdown-out"].as<std::string>(), markdown);
  std::cout << (vm["json"].as<bool>() ? json_text : markdown);
  std::cout.flush();
  return engram::io::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
