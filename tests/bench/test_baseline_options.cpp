#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engram/baseline_options.hpp"

namespace engram::bench {
namespace {

BaselineOptions parse(std::vector<const char*> args) {
  args.insert(args.begin(), "baseline");
  return parse_baseline_options(static_cast<int>(args.size()), args.data());
}

TEST(BaselineOptions, DefaultsWithNoArguments) {
  const auto o = parse({});
  EXPECT_TRUE(o.counters.empty());
  EXPECT_EQ(o.sim, SimulationMode::kAuto);
  EXPECT_FALSE(o.list);
  EXPECT_FALSE(o.help);
  EXPECT_EQ(o.seed, 42u);
  ASSERT_EQ(o.benchmark_args.size(), 1u);
  EXPECT_EQ(o.benchmark_args[0], "baseline");
}

TEST(BaselineOptions, CountersAreSplitAndTrimmed) {
  EXPECT_EQ(parse({"--counters=L1_DCM,BR_MSP"}).counters, (std::vector<std::string>{"L1_DCM", "BR_MSP"}));
  EXPECT_EQ(parse({"--counters", "task-clock, page-faults"}).counters,
            (std::vector<std::string>{"task-clock", "page-faults"}));
}

TEST(BaselineOptions, EmptyCounterListIsAnError) {
  EXPECT_THROW(parse({"--counters="}), OptionError);
  EXPECT_THROW(parse({"--counters=L1_DCM,,BR_MSP"}), OptionError);
}

TEST(BaselineOptions, SimModes) {
  EXPECT_EQ(parse({"--sim=never"}).sim, SimulationMode::kNever);
  EXPECT_EQ(parse({"--sim=only"}).sim, SimulationMode::kOnly);
  EXPECT_EQ(parse({"--sim", "auto"}).sim, SimulationMode::kAuto);
  try {
    parse({"--sim=sometimes"});
    FAIL() << "--sim=sometimes was accepted";
  } catch (const OptionError& e) {
    EXPECT_NE(std::string(e.what()).find("sometimes"), std::string::npos) << e.what();
  }
}

TEST(BaselineOptions, BenchmarkFlagsPassThroughUntouchedAndInOrder) {
  const auto o = parse({"--benchmark_filter=decay", "--counters=L1_DCM", "--benchmark_repetitions=3",
                        "--benchmark_format=json", "--benchmark_out=x.json"});
  EXPECT_EQ(o.benchmark_args,
            (std::vector<std::string>{"baseline", "--benchmark_filter=decay", "--benchmark_repetitions=3",
                                      "--benchmark_format=json", "--benchmark_out=x.json"}));
  EXPECT_EQ(o.counters, std::vector<std::string>{"L1_DCM"});
  EXPECT_EQ(benchmark_filter(o), "decay");
}

TEST(BaselineOptions, UnknownOptionIsAnError) {
  EXPECT_THROW(parse({"--countres=L1_DCM"}), OptionError);
  EXPECT_THROW(parse({"--frobnicate"}), OptionError);
  EXPECT_THROW(parse({"stray"}), OptionError);
}

TEST(BaselineOptions, BadValuesAreErrors) {
  EXPECT_THROW(parse({"--seed=abc"}), OptionError);
  EXPECT_THROW(parse({"--slow-factor=0"}), OptionError);
  EXPECT_THROW(parse({"--slow-factor=-1"}), OptionError);
}

std::string error_of(std::vector<const char*> args) {
  try {
    parse(std::move(args));
  } catch (const OptionError& e) {
    return e.what();
  }
  return "accepted";
}

// Every numeric option follows the one rule (io::read_number): no "-1"
// wrapping around, no nan, no value outside its range.
TEST(BaselineOptions, NumericOptionsAreCheckedStrictly) {
  EXPECT_EQ(error_of({"--seed", "-1"}), "--seed: expected a whole number in [0, 2^64-1], found -1");
  EXPECT_EQ(parse({"--seed=18446744073709551615"}).seed, 18446744073709551615u);
  EXPECT_EQ(error_of({"--seed=18446744073709551616"}),
            "--seed: expected a whole number in [0, 2^64-1], found 18446744073709551616");
  EXPECT_EQ(error_of({"--slow-factor=nan"}), "--slow-factor: expected a number in (0, 100], found nan");
  EXPECT_EQ(error_of({"--slow-factor=0"}), "--slow-factor: expected a number in (0, 100], found 0");
  EXPECT_EQ(parse({"--slow-factor=100"}).slow_factor, 100.0);
  EXPECT_EQ(error_of({"--simulate-iterations=-3"}),
            "--simulate-iterations: expected a whole number in [0, 2^64-1], found -3");
}

// The numeric Google Benchmark flags are checked before Google Benchmark sees
// them: it takes repetitions=-1 for a vector size ("vector::reserve") and
// runs min_time=nan without end.
TEST(BaselineOptions, NumericBenchmarkFlagsAreCheckedBeforeGoogleBenchmarkSeesThem) {
  EXPECT_EQ(error_of({"--benchmark_repetitions=-1"}),
            "--benchmark_repetitions: expected a whole number in [1, 10000], found -1");
  EXPECT_EQ(error_of({"--benchmark_repetitions=0"}),
            "--benchmark_repetitions: expected a whole number in [1, 10000], found 0");
  EXPECT_EQ(error_of({"--benchmark_repetitions=1.5"}),
            "--benchmark_repetitions: expected a whole number in [1, 10000], found 1.5");
  EXPECT_EQ(error_of({"--benchmark_repetitions"}),
            "--benchmark_repetitions: expected a whole number in [1, 10000], found ''");
  EXPECT_EQ(error_of({"--benchmark_min_time=nan"}),
            "--benchmark_min_time: expected a number in (0, 3600], found nan");
  EXPECT_EQ(error_of({"--benchmark_min_time=infs"}),
            "--benchmark_min_time: expected a number in (0, 3600], found inf");
  EXPECT_EQ(error_of({"--benchmark_min_time=-1"}), "--benchmark_min_time: expected a number in (0, 3600], found -1");
  EXPECT_EQ(error_of({"--benchmark_min_time=1e308s"}),
            "--benchmark_min_time: expected a number in (0, 3600], found 1e308");
  EXPECT_EQ(error_of({"--benchmark_min_time=0.5ms"}),
            "--benchmark_min_time: expected a number in (0, 3600], found '0.5m'");
  EXPECT_NE(error_of({"--benchmark_min_time=100x"}).find("takes a time in seconds (N or Ns), not an iteration count"),
            std::string::npos);
  EXPECT_EQ(error_of({"--benchmark_min_warmup_time=-0.1"}),
            "--benchmark_min_warmup_time: expected a number in [0, 3600], found -0.1");
  EXPECT_EQ(error_of({"--benchmark_min_warmup_time=nans"}),
            "--benchmark_min_warmup_time: expected a number in [0, 3600], found nan");

  // Good values pass as given; a time in the "Ns" form goes to Google
  // Benchmark 1.7 as plain seconds.
  const auto o = parse({"--benchmark_repetitions=10000", "--benchmark_min_time=0.5s", "--benchmark_min_warmup_time=0",
                        "--benchmark_min_time=3600"});
  EXPECT_EQ(o.benchmark_args,
            (std::vector<std::string>{"baseline", "--benchmark_repetitions=10000", "--benchmark_min_time=0.5",
                                      "--benchmark_min_warmup_time=0", "--benchmark_min_time=3600"}));
}

TEST(BaselineOptions, HelpAndListFlags) {
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"-h"}).help);
  EXPECT_TRUE(parse({"--list"}).list);
  const std::string help = baseline_help("baseline");
  for (const char* word : {"--counters", "--sim", "--list", "--benchmark_filter", "Exit codes",
                           "--benchmark_repetitions=N takes 1 to 10000", "Ns seconds in (0, 3600]"}) {
    EXPECT_NE(help.find(word), std::string::npos) << word;
  }
}

TEST(BaselineOptions, MeasurementSetUpDefaults) {
  const auto o = parse({});
  EXPECT_EQ(o.pin_cpu, "none");
  EXPECT_EQ(o.warmup_ms, 5);
  EXPECT_EQ(o.rerun.max_repetitions, 10u);
  EXPECT_EQ(o.rerun.max_seconds, 20);
  EXPECT_EQ(o.noise.max_run_delay_fraction, 0.01);
  EXPECT_FALSE(o.noise.max_loadavg.has_value());
}

TEST(BaselineOptions, MeasurementSetUpIsParsedAndChecked) {
  const auto o = parse({"--pin-cpu=1", "--warmup-ms=0", "--rerun-max=3", "--rerun-seconds=1.5",
                        "--noise-max-steal=0.05", "--noise-max-run-delay=0.02", "--noise-max-switches=10",
                        "--noise-max-migrations=2", "--noise-max-wall-over-cpu=1.1", "--noise-max-loadavg=3"});
  EXPECT_EQ(o.pin_cpu, "1");
  EXPECT_EQ(o.warmup_ms, 0);
  EXPECT_EQ(o.rerun.max_repetitions, 3u);
  EXPECT_EQ(o.rerun.max_seconds, 1.5);
  EXPECT_EQ(o.noise.max_steal_fraction, 0.05);
  EXPECT_EQ(o.noise.max_run_delay_fraction, 0.02);
  EXPECT_EQ(o.noise.max_involuntary_switches_per_second, 10);
  EXPECT_EQ(o.noise.max_cpu_migrations, 2);
  EXPECT_EQ(o.noise.max_wall_over_cpu, 1.1);
  EXPECT_EQ(o.noise.max_loadavg, 3);
  EXPECT_EQ(parse({"--pin-cpu=auto"}).pin_cpu, "auto");
  for (const char* bad : {"--pin-cpu=first", "--pin-cpu=-1", "--warmup-ms=-1", "--rerun-max=-2",
                          "--rerun-seconds=nan", "--noise-max-steal=1.5", "--noise-max-wall-over-cpu=0.9"}) {
    EXPECT_THROW(parse({bad}), OptionError) << bad;
  }
}

TEST(FilterMatches, FollowsGoogleBenchmarkRules) {
  EXPECT_TRUE(filter_matches("", "decay_10k_memories/exponential/optimized"));
  EXPECT_TRUE(filter_matches("all", "x/y"));
  EXPECT_TRUE(filter_matches("decay", "decay_10k_memories/exponential/optimized"));
  EXPECT_FALSE(filter_matches("^find", "decay_10k_memories/exponential/optimized"));
  EXPECT_TRUE(filter_matches("-decay", "find_similar_10k/optimized"));
  EXPECT_FALSE(filter_matches("-decay", "decay_10k_memories/power_law/reference"));
  EXPECT_TRUE(filter_matches("similarity_1000/(optimized|openblas)$", "vector_similarity_1000/openblas"));
  EXPECT_FALSE(filter_matches("similarity_1000/(optimized|openblas)$", "vector_similarity_1000/eigen"));
}

}  // namespace
}  // namespace engram::bench
