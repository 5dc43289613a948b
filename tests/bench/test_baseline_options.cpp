#include <gtest/gtest.h>

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

TEST(BaselineOptions, HelpAndListFlags) {
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"-h"}).help);
  EXPECT_TRUE(parse({"--list"}).list);
  const std::string help = baseline_help("baseline");
  for (const char* word : {"--counters", "--sim", "--list", "--benchmark_filter", "Exit codes"}) {
    EXPECT_NE(help.find(word), std::string::npos) << word;
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
