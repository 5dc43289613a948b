// The location estimators (median, minimum, 25% quantile) on known data, and
// the default the tools choose from the runs' engram.setup context.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engram/benchstats/estimator.hpp"

namespace ea = engram::benchstats;
using ::testing::HasSubstr;
using V = std::vector<double>;

namespace {

// One run whose context carries `setup` as engram.setup (omitted when empty).
ea::BenchmarkFile run_with_setup(const std::string& setup) {
  std::string context = "{\"date\": \"today\"";
  if (!setup.empty()) {
    std::string quoted;
    for (const char c : setup) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    context += ", \"engram.setup\": \"" + quoted + "\"";
  }
  context += "}";
  return ea::parse_benchmark_json("{\"context\": " + context +
                                      ", \"benchmarks\": [{\"name\": \"x\", \"run_type\": \"iteration\", "
                                      "\"real_time\": 1, \"cpu_time\": 1, \"time_unit\": \"ns\"}]}",
                                  "run.json");
}

std::string setup_error(const std::string& setup) {
  try {
    (void)run_with_setup(setup);
  } catch (const ea::BenchmarkJsonError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Estimator, KnownValues) {
  // Sorted 1..6: the median is between 3 and 4; the 25% quantile (type 7)
  // is at h = 5 * 0.25 = 1.25, a quarter of the way from 2 to 3.
  const V values{6, 1, 5, 2, 4, 3};
  EXPECT_DOUBLE_EQ(ea::estimate(values, ea::Estimator::median), 3.5);
  EXPECT_DOUBLE_EQ(ea::estimate(values, ea::Estimator::minimum), 1);
  EXPECT_DOUBLE_EQ(ea::estimate(values, ea::Estimator::q25), 2.25);
  // One slow repetition in five moves none of them; three move the median
  // and not the minimum: what the minimum is chosen for on a shared machine.
  const V three_slow{100, 101, 130, 131, 129};
  EXPECT_DOUBLE_EQ(ea::estimate(three_slow, ea::Estimator::median), 129);
  EXPECT_DOUBLE_EQ(ea::estimate(three_slow, ea::Estimator::minimum), 100);
  EXPECT_DOUBLE_EQ(ea::estimate(three_slow, ea::Estimator::q25), 101);
  const V one{7};
  for (const auto e : {ea::Estimator::median, ea::Estimator::minimum, ea::Estimator::q25}) {
    EXPECT_DOUBLE_EQ(ea::estimate(one, e), 7) << ea::to_string(e);
  }
}

TEST(Estimator, EmptyOrNonFiniteValuesAreRefused) {
  for (const auto e : {ea::Estimator::median, ea::Estimator::minimum, ea::Estimator::q25}) {
    EXPECT_THROW(ea::estimate(V{}, e), std::invalid_argument) << ea::to_string(e);
    EXPECT_THROW(ea::estimate(V{1, std::nan(""), 3}, e), std::invalid_argument) << ea::to_string(e);
    EXPECT_THROW(ea::estimate(V{1, std::numeric_limits<double>::infinity()}, e), std::invalid_argument);
    EXPECT_THROW(ea::estimate(V{-std::numeric_limits<double>::infinity(), 1}, e), std::invalid_argument);
  }
}

TEST(Estimator, Names) {
  for (const auto e : {ea::Estimator::median, ea::Estimator::minimum, ea::Estimator::q25}) {
    EXPECT_EQ(ea::parse_estimator(ea::to_string(e)), e);
  }
  EXPECT_EQ(ea::to_string(ea::Estimator::minimum), "min");
  EXPECT_EQ(ea::parse_estimator("minimum"), ea::Estimator::minimum);
  try {
    (void)ea::parse_estimator("mean");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown estimator 'mean' (expected median, min or q25)"));
  }
}

TEST(Estimator, DefaultIsTheMinimumWhenAnyRunSaysVirtualized) {
  const std::vector<ea::BenchmarkFile> virtualized{run_with_setup(R"({"virtualized": false})"),
                                                    run_with_setup(R"({"virtualized": true, "hypervisor": "kvm"})")};
  const ea::EstimatorChoice vm = ea::default_estimator(virtualized);
  EXPECT_EQ(vm.estimator, ea::Estimator::minimum);
  EXPECT_THAT(vm.reason, HasSubstr("virtualized machine (engram.setup)"));
  EXPECT_THAT(vm.reason, HasSubstr("Chen and Revels 2016"));
  EXPECT_THAT(vm.reason, HasSubstr("--estimator=median"));

  const std::vector<ea::BenchmarkFile> bare{run_with_setup(R"({"virtualized": false})"), run_with_setup("")};
  const ea::EstimatorChoice quiet = ea::default_estimator(bare);
  EXPECT_EQ(quiet.estimator, ea::Estimator::median);
  EXPECT_THAT(quiet.reason, HasSubstr("do not say they ran on a virtualized machine"));

  EXPECT_EQ(ea::chosen_estimator(ea::Estimator::q25).estimator, ea::Estimator::q25);
  EXPECT_EQ(ea::chosen_estimator(ea::Estimator::q25).reason, "chosen with --estimator");
}

TEST(Estimator, VirtualizedReadsEngramSetup) {
  EXPECT_EQ(run_with_setup("").virtualized(), std::nullopt);                       // no engram.setup
  EXPECT_EQ(run_with_setup(R"({"pages": "4 KiB"})").virtualized(), std::nullopt);  // no "virtualized"
  EXPECT_EQ(run_with_setup(R"({"virtualized": null})").virtualized(), std::nullopt);
  EXPECT_EQ(run_with_setup(R"({"virtualized": true})").virtualized(), true);
  EXPECT_EQ(run_with_setup(R"({"virtualized": false})").virtualized(), false);
  // A broken set-up is refused when the file is read, naming the file and where.
  EXPECT_THAT(setup_error(R"({"virtualized": tru})"), HasSubstr("run.json: context/engram.setup:1:"));
  EXPECT_THAT(setup_error("[1]"), HasSubstr("run.json: context/engram.setup: "));
  EXPECT_THAT(setup_error("[1]"), HasSubstr("expected a JSON object"));
  EXPECT_THAT(setup_error(R"({"virtualized": "yes"})"),
              HasSubstr("run.json: context/engram.setup: /virtualized: expected true or false, found a string"));
}
