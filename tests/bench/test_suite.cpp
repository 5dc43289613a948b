#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include "engram/bench_suite.hpp"
#include "engram/work_counters.hpp"

namespace engram::bench {
namespace {

TEST(Suite, NamesFollowKernelsMdAndHaveAReferenceAndAnOptimizedVariant) {
  const auto kernels = kernel_names();
  for (const char* expected : {"vector_similarity_1000", "find_similar_10k", "spreading_activation_1000",
                               "spreading_activation_10k", "decay_10k_memories/exponential",
                               "decay_10k_memories/power_law", "decay_10k_memories/two_component"}) {
    EXPECT_NE(std::find(kernels.begin(), kernels.end(), expected), kernels.end()) << expected;
  }
  const auto names = benchmark_names();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size()) << "duplicate names";
  for (const auto& kernel : kernels) {
    if (kernel.starts_with("counter_overhead/")) {
      EXPECT_NE(std::find(names.begin(), names.end(), kernel + "/uncounted"), names.end()) << kernel;
      EXPECT_NE(std::find(names.begin(), names.end(), kernel + "/counted"), names.end()) << kernel;
      continue;
    }
    EXPECT_NE(std::find(names.begin(), names.end(), kernel + "/reference"), names.end()) << kernel;
    EXPECT_NE(std::find(names.begin(), names.end(), kernel + "/optimized"), names.end()) << kernel;
  }
}

TEST(Suite, SplitBenchmarkName) {
  EXPECT_EQ(split_benchmark_name("decay_10k_memories/exponential/eigen"),
            (std::pair<std::string, std::string>{"decay_10k_memories/exponential", "eigen"}));
  EXPECT_THROW(split_benchmark_name("noslash"), std::invalid_argument);
}

TEST(Suite, UnknownKernelIsAnError) {
  EXPECT_THROW(make_kernel_benchmark("vector_similarity_999", {}), std::invalid_argument);
  EXPECT_THROW(make_kernel_benchmark("decay_10k_memories/linear", {}), std::invalid_argument);
}

// Every variant of every kernel, peers included, gives the reference's answer
// on the benchmark inputs: the same check baseline runs before timing.
class EveryKernel : public testing::TestWithParam<std::string> {};

TEST_P(EveryKernel, VariantsAgreeWithTheReference) {
  const KernelBenchmark b = make_kernel_benchmark(GetParam(), {});
  ASSERT_GE(b.variants.size(), 2u);
  EXPECT_EQ(b.variants[0].name, GetParam().starts_with("counter_overhead/") ? "uncounted" : "reference");
  EXPECT_GT(b.work.items, 0);
  EXPECT_GT(b.work.flops, 0);
  EXPECT_GT(b.work.bytes, 0);
  EXPECT_NO_THROW(verify_answers(b));
  for (const auto& v : b.variants) v.run();  // one timed body each, as the benchmark would run it
}

INSTANTIATE_TEST_SUITE_P(Bench, EveryKernel, testing::ValuesIn(kernel_names()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '/', '_');
                           return n;
                         });

TEST(Suite, VerifyCatchesAWrongVariant) {
  KernelBenchmark b = make_kernel_benchmark("decay_10k_memories/power_law", {});
  auto good = b.variants[1].answer;
  b.variants[1].answer = [good] {
    auto v = good();
    v[1234] *= 1.01;  // beyond the relative 1e-4 tolerance
    return v;
  };
  try {
    verify_answers(b);
    FAIL() << "a 1% error was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("index 1234"), std::string::npos) << e.what();
  }
}

// The slowed variant's run() is what the benchmark times, so that is what
// must do more work; the work counters count it exactly, with no clock.
// One reference body of spreading_activation_1000 relaxes 5,000 edges x 100
// iterations (epsilon 0, KERNELS.md) = 500,000 edges; the optimized body
// relaxes fewer (only the active nodes' edges), the same number every run.
std::int64_t edges_relaxed_by_run(const Variant& variant) {
  const WorkCounts before = work_counts();
  variant.run();
  return (work_counts() - before).edges_relaxed;
}

TEST(Suite, SlowVariantDoesMoreWorkDeterministically) {
  SuiteOptions options;
  options.slow_variant = "spreading_activation_1000/optimized";
  options.slow_factor = 1.0;
  const KernelBenchmark b = make_kernel_benchmark("spreading_activation_1000", options);
  ASSERT_EQ(b.variants[1].name, "optimized");
  const std::int64_t body = edges_relaxed_by_run(make_kernel_benchmark("spreading_activation_1000", {}).variants[1]);
  ASSERT_GT(body, 0);
  EXPECT_EQ(edges_relaxed_by_run(b.variants[0]), 500'000);   // the reference is not slowed
  EXPECT_EQ(edges_relaxed_by_run(b.variants[1]), 2 * body);  // factor 1: two bodies per run
  EXPECT_EQ(edges_relaxed_by_run(b.variants[1]), 2 * body);  // every run, not just the first
  EXPECT_NO_THROW(verify_answers(b));  // slower, still the same answer
}

TEST(Suite, SlowFactorBelowOneAddsABodyEveryFewRuns) {
  // Factor 0.25 (exact in binary): the carry reaches 1 on every 4th run, so
  // runs 1..4 do 1, 1, 1 and 2 bodies: a quarter more than 4 bodies.
  SuiteOptions options;
  options.slow_variant = "spreading_activation_1000/optimized";
  options.slow_factor = 0.25;
  const KernelBenchmark b = make_kernel_benchmark("spreading_activation_1000", options);
  std::vector<std::int64_t> edges;
  const std::int64_t body = edges_relaxed_by_run(make_kernel_benchmark("spreading_activation_1000", {}).variants[1]);
  for (int run = 0; run < 4; ++run) edges.push_back(edges_relaxed_by_run(b.variants[1]));
  EXPECT_EQ(edges, (std::vector<std::int64_t>{body, body, body, 2 * body}));
}

TEST(Suite, OnePercentSlowdownAddsExactlyOneBodyInAHundredRuns) {
  // 0.01 is not exact in binary: summed a hundred times it may fall short
  // of 1. The slowdown counts whole calls, so run 100 still adds its body.
  SuiteOptions options;
  options.slow_variant = "spreading_activation_1000/optimized";
  options.slow_factor = 0.01;
  const KernelBenchmark b = make_kernel_benchmark("spreading_activation_1000", options);
  const std::int64_t body = edges_relaxed_by_run(make_kernel_benchmark("spreading_activation_1000", {}).variants[1]);
  std::int64_t total = 0;
  for (int run = 0; run < 99; ++run) total += edges_relaxed_by_run(b.variants[1]);
  EXPECT_EQ(total, 99 * body);
  EXPECT_EQ(edges_relaxed_by_run(b.variants[1]), 2 * body);  // run 100
  for (int run = 0; run < 100; ++run) total += edges_relaxed_by_run(b.variants[1]);
  EXPECT_EQ(total, 99 * body + 101 * body);  // runs 101..200: the next extra body at run 200
}

TEST(Suite, SlowVariantNamingNoVariantSlowsNothing) {
  SuiteOptions options;
  options.slow_variant = "spreading_activation_1000/no_such_variant";
  options.slow_factor = 1.0;
  const KernelBenchmark b = make_kernel_benchmark("spreading_activation_1000", options);
  const std::int64_t body = edges_relaxed_by_run(make_kernel_benchmark("spreading_activation_1000", {}).variants[1]);
  EXPECT_EQ(edges_relaxed_by_run(b.variants[0]), 500'000);
  EXPECT_EQ(edges_relaxed_by_run(b.variants[1]), body);
}

}  // namespace
}  // namespace engram::bench
