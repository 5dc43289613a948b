// engram::counters_gbench without a program: option parsing, the counted
// loop's edges on fake hooks (in this process's Google Benchmark), the
// values per iteration, and simulated counts merged into reported runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engram/io/cli.hpp"
#include "gbench_internal.hpp"

namespace {

using namespace engram;
using namespace engram::gbench;
using ::testing::ElementsAre;
using ::testing::Pair;

// argv as main gets it, owning its strings.
struct Argv {
  explicit Argv(std::vector<std::string> args) : strings(std::move(args)) {
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    argc = static_cast<int>(strings.size());
  }
  std::vector<std::string> left() const { return {pointers.begin(), pointers.begin() + argc}; }
  std::vector<std::string> strings;
  std::vector<char*> pointers;
  int argc;
};

TEST(GbenchOptions, TakesOursAndLeavesGoogleBenchmarksFlags) {
  Argv a({"suite", "--counters=L1_DCM,task-clock", "--benchmark_filter=BM_a", "--counters-sim=never",
          "--counters-sim-iterations=4", "--my-own-flag", "--benchmark_format=json"});
  const detail::Settings s = detail::take_options(&a.argc, a.pointers.data());
  EXPECT_THAT(s.counters, ElementsAre("L1_DCM", "task-clock"));
  EXPECT_EQ(s.simulation, counters::SimulationMode::never);
  EXPECT_EQ(s.simulation_iterations, 4u);
  EXPECT_EQ(s.child_iterations, 0u);
  EXPECT_EQ(s.display_format, "json");
  EXPECT_THAT(a.left(), ElementsAre("suite", "--benchmark_filter=BM_a", "--my-own-flag", "--benchmark_format=json"));
  EXPECT_EQ(a.pointers[static_cast<std::size_t>(a.argc)], nullptr);
  // The child gets the user's own flags, not the ones it sets itself.
  EXPECT_THAT(s.child_args, ElementsAre("--my-own-flag"));
}

TEST(GbenchOptions, BenchmarkOutIsTakenOverAndItsFormatRemoved) {
  Argv a({"suite", "--benchmark_out=/tmp/x.json", "--benchmark_out_format=csv"});
  const detail::Settings s = detail::take_options(&a.argc, a.pointers.data());
  EXPECT_EQ(s.out_path, "/tmp/x.json");
  EXPECT_EQ(s.out_format, "csv");
  EXPECT_THAT(a.left(), ElementsAre("suite", detail::kNullBenchmarkOut));
}

TEST(GbenchOptions, DefaultsWithoutOurFlags) {
  Argv a({"suite"});
  const detail::Settings s = detail::take_options(&a.argc, a.pointers.data());
  EXPECT_TRUE(s.counters.empty());
  EXPECT_EQ(s.simulation, counters::SimulationMode::automatic);
  EXPECT_EQ(s.simulation_iterations, detail::kDefaultSimulationIterations);
  EXPECT_FALSE(s.help);
  EXPECT_EQ(a.argc, 1);
}

TEST(GbenchOptions, HelpIsOurs) {
  Argv a({"suite", "--help"});
  EXPECT_TRUE(detail::take_options(&a.argc, a.pointers.data()).help);
  EXPECT_THAT(detail::help_text(), ::testing::HasSubstr("--counters-sim=auto|never|only"));
}

TEST(GbenchOptions, BadValuesAreUsageErrors) {
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"s", "--counters="}, {"s", "--counters=L1_DCM,,BR_MSP"}, {"s", "--counters"},
        {"s", "--counters-sim=sometimes"}, {"s", "--counters-sim-iterations=0"},
        {"s", "--counters-sim-iterations=ten"}, {"s", "--benchmark_format=xml"},
        {"s", "--benchmark_out_format=yaml"}}) {
    Argv a(bad);
    EXPECT_THROW(detail::take_options(&a.argc, a.pointers.data()), io::UsageError) << bad[1];
  }
}

TEST(GbenchOptions, CountersPrefixIsNotAnotherFlag) {
  Argv a({"suite", "--counters-other=1"});
  detail::take_options(&a.argc, a.pointers.data());
  EXPECT_THAT(a.left(), ElementsAre("suite", "--counters-other=1"));
}

TEST(GbenchChild, FilterMatchesExactlyTheName) {
  EXPECT_EQ(detail::exact_filter("BM_sum"), "^BM_sum$");
  EXPECT_EQ(detail::exact_filter("BM_t<int>/8/min_time:0.500"), "^BM_t<int>/8/min_time:0\\.500$");
  EXPECT_EQ(detail::exact_filter("a(b)[c]{d}|+*?^$\\"), "^a\\(b\\)\\[c\\]\\{d\\}\\|\\+\\*\\?\\^\\$\\\\$");
}

TEST(GbenchChild, CommandLineAndReport) {
  detail::Settings s;
  s.simulation_iterations = 7;
  s.child_args = {"--my-own-flag"};
  const auto argv = detail::child_argv("/bin/suite", s, "BM_sum/8");
  EXPECT_EQ(argv.front(), "/bin/suite");
  EXPECT_EQ(argv[1], "--my-own-flag");
  EXPECT_THAT(argv, ::testing::Contains("--benchmark_filter=^BM_sum/8$"));
  EXPECT_THAT(argv, ::testing::Contains("--benchmark_repetitions=1"));
  EXPECT_EQ(argv.back(), "--engram-gbench-child=7");

  EXPECT_EQ(detail::child_collected("BM_sum ... ERROR\nengram-gbench-child: collected=7\n"), 7u);
  EXPECT_EQ(detail::child_collected("nothing here"), std::nullopt);
  EXPECT_EQ(detail::child_collected("engram-gbench-child: collected=x\n"), std::nullopt);
}

counters::CounterValue value(std::string name, std::optional<double> v, counters::Status status,
                             double running_fraction = 1.0) {
  counters::CounterValue c;
  c.requested = name;
  c.canonical = name;
  c.value = v;
  c.status = status;
  c.running_fraction = running_fraction;
  return c;
}

TEST(GbenchValues, PerIterationNeverZeroForMissing) {
  counters::Reading r;
  r.counters = {value("task-clock", 5000.0, counters::Status::counted),
                value("L1_DCM", std::nullopt, counters::Status::unsupported),
                value("BR_MSP", 300.0, counters::Status::multiplexed, 0.25)};
  benchmark::UserCounters out;
  detail::publish(out, r, 100);
  EXPECT_EQ(out.size(), 3u);
  EXPECT_DOUBLE_EQ(out.at("task-clock").value, 50.0);
  EXPECT_DOUBLE_EQ(out.at("BR_MSP").value, 3.0);
  EXPECT_DOUBLE_EQ(out.at("BR_MSP.running_fraction").value, 0.25);
  EXPECT_EQ(out.count("L1_DCM"), 0u);
  EXPECT_EQ(out.at("task-clock").flags, benchmark::Counter::kDefaults);

  benchmark::UserCounters none;
  detail::publish(none, r, 0);  // no iteration: nothing to divide by
  EXPECT_TRUE(none.empty());
}

TEST(GbenchValues, SimulatedCountsPerIteration) {
  counters::Reading statuses;
  statuses.counters = {value("task-clock", 1.0, counters::Status::counted),
                       value("PAPI_L1_DCM", std::nullopt, counters::Status::simulated),
                       value("PAPI_BR_MSP", std::nullopt, counters::Status::simulated)};
  statuses.counters[1].requested = "L1_DCM";
  statuses.counters[2].requested = "BR_MSP";
  counters::CallgrindCounts counts;
  counts.events = {{"Ir", 1000}, {"Dr", 400}, {"Dw", 100}, {"D1mr", 30}, {"D1mw", 10}, {"Bc", 200}, {"Bcm", 15}};
  // BR_MSP = Bcm + Bim and Bim is missing: left out, not 0.
  EXPECT_THAT(detail::simulated_per_iteration(statuses, {1, 2}, counts, 4), ElementsAre(Pair("L1_DCM", 10.0)));
  counts.events["Bim"] = 5;
  EXPECT_THAT(detail::simulated_per_iteration(statuses, {1, 2}, counts, 4),
              ElementsAre(Pair("L1_DCM", 10.0), Pair("BR_MSP", 5.0)));
  EXPECT_TRUE(detail::simulated_per_iteration(statuses, {1, 2}, counts, 0).empty());
}

TEST(GbenchValues, MergedIntoRepetitionsMeanAndMedianOnly) {
  using Run = benchmark::BenchmarkReporter::Run;
  const std::vector<std::pair<std::string, double>> values = {{"L1_DCM", 10.0}};
  Run repetition;
  repetition.counters["task-clock"] = benchmark::Counter(50.0);
  detail::add_to_run(repetition, values);
  EXPECT_DOUBLE_EQ(repetition.counters.at("L1_DCM").value, 10.0);
  EXPECT_DOUBLE_EQ(repetition.counters.at("task-clock").value, 50.0);

  for (const char* name : {"mean", "median", "stddev", "cv"}) {
    Run aggregate;
    aggregate.run_type = Run::RT_Aggregate;
    aggregate.aggregate_name = name;
    detail::add_to_run(aggregate, values);
    const bool central = std::string(name) == "mean" || std::string(name) == "median";
    EXPECT_EQ(aggregate.counters.count("L1_DCM"), central ? 1u : 0u) << name;
  }
  Run counted;  // a value the hardware gave is never replaced
  counted.counters["L1_DCM"] = benchmark::Counter(3.0);
  detail::add_to_run(counted, values);
  EXPECT_DOUBLE_EQ(counted.counters.at("L1_DCM").value, 3.0);
}

// ----------------------------------------------- the loop, in this process

// Counts what the loop does at its edges against a body that counts its
// iterations and its setup.
struct Tally {
  int setup = 0, body = 0;
  int body_at_begin = -1, body_at_end = -1, setup_at_begin = -1, setup_at_end = -1;
  int begins = 0, ends = 0, steps = 0;
};
Tally tally;

class FakeHooks : public detail::LoopHooks {
 public:
  explicit FakeHooks(int stop_after = -1) : stop_after_(stop_after) {}
  bool loop_begins(benchmark::State&) override {
    ++tally.begins;
    tally.body_at_begin = tally.body;
    tally.setup_at_begin = tally.setup;
    return stop_after_ >= 0;
  }
  bool next_iteration(benchmark::State& state) override {
    ++tally.steps;
    if (tally.body - tally.body_at_begin < stop_after_) return true;
    state.SkipWithError("fake: stopped");
    return false;
  }
  void loop_ends(benchmark::State& state) override {
    ++tally.ends;
    tally.body_at_end = tally.body;
    tally.setup_at_end = tally.setup;
    // What the native hooks publish: a count of 10 per body iteration.
    counters::Reading r;
    r.counters = {value("fake", 10.0 * (tally.body - tally.body_at_begin), counters::Status::counted)};
    detail::publish(state.counters, r, static_cast<double>(state.iterations()));
  }

 private:
  int stop_after_;
};

class Collect : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& r) override { runs.insert(runs.end(), r.begin(), r.end()); }
  std::vector<Run> runs;
};

void BM_counted_fixture(benchmark::State& state) {
  ++tally.setup;  // setup: outside the counted region
  for (auto _ : engram::gbench::counted(state)) ++tally.body;
  ++tally.setup;  // teardown: outside too
}

std::vector<benchmark::BenchmarkReporter::Run> run_fixture(const std::string& name, int iterations) {
  benchmark::ClearRegisteredBenchmarks();
  benchmark::RegisterBenchmark(name.c_str(), BM_counted_fixture)->Iterations(iterations);
  Collect collect;
  benchmark::RunSpecifiedBenchmarks(&collect);
  benchmark::ClearRegisteredBenchmarks();
  return collect.runs;
}

TEST(GbenchLoop, CountsTheLoopOnlyAndPublishesPerIteration) {
  tally = {};
  detail::install_loop_hooks(std::make_unique<FakeHooks>());
  const auto runs = run_fixture("counted_fixture", 25);
  detail::install_loop_hooks(nullptr);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(tally.begins, 1);
  EXPECT_EQ(tally.ends, 1);
  EXPECT_EQ(tally.steps, 0);  // a native loop asks for no per-iteration call
  EXPECT_EQ(tally.body_at_begin, 0);
  EXPECT_EQ(tally.body_at_end, 25);
  EXPECT_EQ(tally.setup_at_begin, 1);  // started after the setup ...
  EXPECT_EQ(tally.setup_at_end, 1);    // ... stopped before the teardown
  EXPECT_EQ(runs[0].iterations, 25);
  EXPECT_DOUBLE_EQ(runs[0].counters.at("fake").value, 10.0);
}

TEST(GbenchLoop, WithoutHooksTheLoopIsPlain) {
  tally = {};
  detail::install_loop_hooks(nullptr);
  const auto runs = run_fixture("plain_fixture", 5);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(tally.body, 5);
  EXPECT_EQ(runs[0].counters.count("fake"), 0u);
}

TEST(GbenchLoop, HooksCanEndTheLoopEarly) {
  tally = {};
  detail::install_loop_hooks(std::make_unique<FakeHooks>(3));
  const auto runs = run_fixture("early_fixture", 100);
  detail::install_loop_hooks(nullptr);
  EXPECT_EQ(tally.body, 3);
  EXPECT_EQ(tally.steps, 4);  // before each of the 3 iterations, and the one refused
  EXPECT_EQ(tally.ends, 0);   // ended by the hooks, not by Google Benchmark
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].error_occurred);
}

}  // namespace
