// compare: regression check between two Google Benchmark JSON runs.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engram/benchstats/ab_run.hpp"
#include "engram/benchstats/compare.hpp"
#include "engram/benchstats/options.hpp"
#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"
#include "engram/profile/regression_profile.hpp"

namespace po = boost::program_options;
using namespace engram::benchstats;

namespace {

constexpr const char* kTool = "compare";
constexpr engram::io::NumberRange<std::size_t> kResamples{100, 1'000'000};
constexpr engram::io::NumberRange<double> kAlpha{.min = 0, .max = 1, .min_excluded = true, .max_excluded = true};

void print_help(const po::options_description& options) {
  std::cout << "usage: compare [OPTIONS] OLD.json NEW.json\n"
               "       compare --run [OPTIONS] OLD_BINARY NEW_BINARY [-- BENCHMARK_FLAGS]\n\n"
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
               "--run runs two Google Benchmark binaries (two builds of build/bench/baseline) itself,\n"
               "interleaved so that both meet the same noise: --rounds rounds, each running OLD and\n"
               "NEW once (one process, --repetitions repetitions) in an order drawn from --seed, so\n"
               "no side runs more than twice in a row. Each side's runs are merged (repetition_index\n"
               "continued) and compared as two files. Flags after -- go to every run (e.g.\n"
               "--benchmark_filter=similarity --benchmark_min_time=0.05s); --benchmark_out,\n"
               "--benchmark_format and --benchmark_repetitions are compare's own. Progress goes to\n"
               "stderr; the JSON gets a \"run\" object (binaries, rounds, the order run, seed, flags).\n"
               "A binary that fails stops the job (exit 1, with the end of its stderr).\n\n"
               "Counters: every other counter in both files (TOT_INS, L1_DCM, page-faults, FLOP/s,\n"
               "...) is compared too, after the time table, with each side's status (context\n"
               "engram.counters): simulated on both sides with one value each is compared exactly\n"
               "(any change counts); counted, or multiplexed >= 50% of the time, or unrecorded on\n"
               "both sides, statistically as time; simulated against counted, unsupported,\n"
               "no-permission, multiplexed < 50% or a status against none is refused, with the\n"
               "reason. The noise_* figures are listed, not compared. Counter verdicts are\n"
               "informational: they never change the exit code. When time regressed (or improved)\n"
               "and the instruction count (TOT_INS, instructions, Ir) did not, or the reverse, the\n"
               "table says so and names the counters that moved with time: system time, page\n"
               "faults, context switches, cache misses, branch misses.\n\n"
               "--deterministic compares a simulated counter instead of time (run the baseline\n"
               "with --counters=TOT_INS --sim=only): identical binaries compare equal and any\n"
               "change beyond 1% is reported.\n\n"
            << options << "\n"
            << engram::io::exit_codes_help(
                   {{kCompareExitRegression, "a regression"},
                    {kCompareExitInconclusive,
                     "no regression, but something inconclusive; the summary line and the JSON\n"
                     "     (summary.inconclusive_causes, per benchmark inconclusive_cause) name the cause:\n"
                     "     too few repetitions (< 4 undisturbed per side), too noisy (every repetition\n"
                     "     of a side disturbed, or with --max-ci-width a CI wider than it), missing data\n"
                     "     (aggregates only, a field missing), or a benchmark error; a benchmark missing\n"
                     "     from NEW also gives 4, counted apart (summary.missing_from_new)"}})
            << "\n"
               "Examples:\n"
               "  compare old.json new.json\n"
               "  compare --threshold 5 --time real old.json new.json\n"
               "  compare --estimator=median old.json new.json\n"
               "  compare --deterministic --counter TOT_INS old_sim.json new_sim.json\n"
               "  compare --run old/bench/baseline new/bench/baseline -- --benchmark_filter=decay\n"
               "  compare --profile flames --old-binary old/bench/baseline --new-binary new/bench/baseline \\\n"
               "          old.json new.json\n";
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
      ("max-ci-width", po::value<std::string>()->value_name("PERCENT"),
       "too noisy: a benchmark within noise whose CI of the median ratio is wider than PERCENT points "
       "is inconclusive (exit 4) instead of passing; e.g. 2 x --threshold (default: off)")
      ("json", po::bool_switch(), "print JSON instead of the table")
      ("json-out", po::value<std::string>()->value_name("FILE"), "also write the JSON to FILE");

  AbRunOptions ab_options;
  po::options_description ab_visible("Interleaved A/B of two builds (--run)");
  ab_visible.add_options()
      ("run", po::bool_switch(), "run OLD_BINARY and NEW_BINARY interleaved, then compare their results")
      ("rounds", engram::io::number_value(&ab_options.rounds, engram::io::NumberRange<std::size_t>{1, kAbMaxRounds})
                     ->default_value(kAbDefaultRounds)->value_name("R"),
       "rounds, each running OLD and NEW once (1 to 10000)")
      ("repetitions", engram::io::number_value(&ab_options.repetitions,
                                               engram::io::NumberRange<std::size_t>{1, kAbMaxRepetitions})
                          ->default_value(kAbDefaultRepetitions)->value_name("K"),
       "--benchmark_repetitions of each run (1 to 10000)")
      ("keep-runs", po::value<std::string>()->value_name("DIR"),
       "keep each side's merged runs as DIR/old.json and DIR/new.json (default: temporary files, removed)");
  visible.add(ab_visible);
  engram::profile::RegressionProfileOptions profile_options;
  po::options_description profile_visible("Differential flame graph of each regression (--profile)");
  profile_visible.add_options()
      ("profile", po::value<std::string>()->value_name("DIR"),
       "record each regressed benchmark of both builds with perf and write DIR/<name>.diff.svg (NEW against "
       "OLD, normalized by the sample totals) with DIR/<name>.old.folded and DIR/<name>.new.folded; the "
       "table and the JSON (\"profiles\") name each graph, or say why there is none")
      ("old-binary", po::value<std::string>()->value_name("FILE"), "--profile without --run: the OLD build's benchmark program")
      ("new-binary", po::value<std::string>()->value_name("FILE"), "--profile without --run: the NEW build's benchmark program")
      ("profile-samples", engram::io::number_value(&profile_options.samples,
                                                   engram::io::NumberRange<std::uint64_t>{10, 10'000'000})
                              ->default_value(profile_options.samples)->value_name("N"),
       "samples wanted per build and benchmark (sets --benchmark_min_time; 10 to 10000000)")
      ("profile-frequency", engram::io::number_value(&profile_options.frequency,
                                                     engram::io::NumberRange<unsigned>{1, 100'000})
                                ->default_value(profile_options.frequency)->value_name("HZ"),
       "perf sampling frequency (1 to 100000)")
      ("profile-arg", po::value<std::vector<std::string>>()->composing()->value_name("ARG"),
       "one more argument for the profiled programs, repeatable (e.g. --profile-arg=--rerun-max=0 for the "
       "baseline, whose noise check counts perf's sampling interrupts as disturbances and re-runs)");
  visible.add(profile_visible);
  // compare --run: what follows "--" goes to every benchmark run, untouched.
  bool saw_benchmark_flags = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      saw_benchmark_flags = true;
      ab_options.benchmark_flags.assign(argv + i + 1, argv + argc);
      argc = i;
      break;
    }
  }

  std::vector<std::string> inputs;
  const po::variables_map vm = engram::io::parse_options(argc, argv, visible, &inputs);
  if (vm.count("help")) {
    print_help(visible);
    return engram::io::kExitOk;
  }
  const bool ab_run_mode = vm["run"].as<bool>();
  if (!ab_run_mode) {
    for (const char* ab_only : {"rounds", "repetitions", "keep-runs"}) {
      if (!vm[ab_only].defaulted() && vm.count(ab_only)) {
        throw engram::io::UsageError(fmt::format("--{} applies to --run", ab_only));
      }
    }
    if (saw_benchmark_flags) {
      throw engram::io::UsageError("benchmark flags after -- apply to --run");
    }
  } else if (inputs.size() != 2) {
    throw engram::io::UsageError(fmt::format("expected OLD_BINARY and NEW_BINARY, got {} argument(s)", inputs.size()));
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
  if (vm.count("max-ci-width")) {
    options.max_ci_width = parse_percent(vm["max-ci-width"].as<std::string>(), "--max-ci-width");
  }

  const bool profiling = vm.count("profile") > 0;
  if (profiling) {
    profile_options.directory = vm["profile"].as<std::string>();
    if (ab_run_mode) {
      if (vm.count("old-binary") || vm.count("new-binary")) {
        throw engram::io::UsageError("--old-binary/--new-binary are for two files; --run names the binaries");
      }
      profile_options.old_binary = inputs[0];
      profile_options.new_binary = inputs[1];
      profile_options.extra_args = ab_options.benchmark_flags;
    } else if (!vm.count("old-binary") || !vm.count("new-binary")) {
      throw engram::io::UsageError("--profile with two files needs --old-binary and --new-binary (or use --run)");
    } else {
      profile_options.old_binary = vm["old-binary"].as<std::string>();
      profile_options.new_binary = vm["new-binary"].as<std::string>();
    }
    for (const auto& binary : {profile_options.old_binary, profile_options.new_binary}) {
      if (binary.has_parent_path() && !std::filesystem::is_regular_file(binary)) {
        throw engram::io::UsageError(fmt::format("--profile: no program {}", binary.string()));
      }
    }
    if (vm.count("profile-arg")) {
      const auto& more = vm["profile-arg"].as<std::vector<std::string>>();
      profile_options.extra_args.insert(profile_options.extra_args.end(), more.begin(), more.end());
    }
    profile_options.progress = [](const std::string& line) { std::cerr << kTool << ": " << line << std::endl; };
  } else {
    for (const char* profile_only : {"old-binary", "new-binary", "profile-samples", "profile-frequency", "profile-arg"}) {
      if (!vm[profile_only].defaulted() && vm.count(profile_only)) {
        throw engram::io::UsageError(fmt::format("--{} applies to --profile", profile_only));
      }
    }
  }

  std::optional<AbRunResult> ab_run;
  if (ab_run_mode) {
    ab_options.old_binary = inputs[0];
    ab_options.new_binary = inputs[1];
    ab_options.seed = options.bootstrap.seed;
    if (vm.count("keep-runs")) ab_options.keep_runs = vm["keep-runs"].as<std::string>();
    ab_run = run_ab(ab_options, [](std::string_view line) { std::cerr << kTool << ": " << line << std::endl; });
  }
  const BenchmarkFile old_run = ab_run ? ab_run->old_run : read_benchmark_json(inputs[0]);
  const BenchmarkFile new_run = ab_run ? ab_run->new_run : read_benchmark_json(inputs[1]);
  const ComparisonReport report = compare_runs(old_run, new_run, options);
  std::string json_text = render_comparison_json(report);
  if (ab_run) json_text = add_run_to_comparison_json(json_text, *ab_run);
  std::optional<engram::profile::RegressionProfiles> profiles;
  if (profiling) {
    std::vector<engram::profile::ProfileRequest> requests;
    for (const auto& c : report.benchmarks) {
      requests.push_back({c.name, c.verdict == Verdict::regressed, std::string(to_string(c.verdict))});
    }
    profiles = engram::profile::profile_regressions(requests, profile_options);
    json_text = engram::profile::add_profiles_to_json(json_text, *profiles);
  }
  if (vm.count("json-out")) engram::io::write_file_atomically(vm["json-out"].as<std::string>(), json_text);
  if (ab_run && !vm["json"].as<bool>()) std::cout << render_ab_run_heading(*ab_run);
  std::cout << (vm["json"].as<bool>() ? json_text : render_comparison_table(report));
  if (profiles && !vm["json"].as<bool>()) std::cout << engram::profile::render_profiles_text(*profiles);
  std::cout.flush();
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
