// The acceptance of compare on real runs of build/bench/baseline: two runs of
// the same binary pass; a kernel slowed with --slow is a regression (exit 3).
//
// This machine is a shared 2-core VM. Between two runs of the same binary the
// CPU time of a kernel moves by up to ~3-7% (measured: 1 in 12 same-binary
// pairs of decay_10k_memories/power_law/optimized had the whole 95% CI beyond
// 2%), a level shift that no within-run statistic can see. So the timing
// "same binary passes" test uses a 10% threshold, above that shift; the
// default 2% gate is exercised on the same kind of runs by the deterministic
// mode, where identical binaries give identical simulated instruction counts.
// The slowed kernel (--slow-factor=1, twice the work) is caught at the default
// threshold in both modes.
//
// baseline marks the repetitions its noise probe saw disturbed, and compare
// sets them aside. On a machine busy enough that fewer than 4 undisturbed
// repetitions remain (the re-run budget included), compare rightly answers
// "inconclusive" and says how many it set aside: the timed cases accept that
// answer (and skip the regression check, saying why) rather than fail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "stats_test_support.hpp"

using stats_test::run;
using ::testing::HasSubstr;

namespace {

constexpr const char* kSlowed = "decay_10k_memories/power_law/optimized";

// A short timed run: two fast kernels, 8 interleaved repetitions.
void timed_run(const std::string& out, const std::string& extra = "") {
  const auto r = run(std::string(ENGRAM_BASELINE) +
                     " '--benchmark_filter=^decay_10k_memories/(power_law|exponential)/optimized$'"
                     " --benchmark_repetitions=8 --benchmark_enable_random_interleaving=true"
                     " --benchmark_min_time=0.02 --benchmark_out_format=json --benchmark_out=" +
                     out + " " + extra);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// A simulated run: TOT_INS counted by callgrind, one repetition (the count is
// deterministic; more repetitions would only repeat it).
void simulated_run(const std::string& out, const std::string& extra = "") {
  const auto r = run(std::string(ENGRAM_BASELINE) + " '--benchmark_filter=^" + kSlowed +
                     "$' --counters=TOT_INS --sim=only --benchmark_repetitions=1 --benchmark_min_time=0.02"
                     " --benchmark_out_format=json --benchmark_out=" +
                     out + " " + extra);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

nlohmann::json compare_json(const std::string& args, int expected_exit) {
  const auto r = run(std::string(ENGRAM_COMPARE_TOOL) + " --json " + args);
  EXPECT_EQ(r.exit_code, expected_exit) << r.output;
  return nlohmann::json::parse(r.output, nullptr, false);
}

const nlohmann::json& row(const nlohmann::json& report, const std::string& name) {
  for (const auto& b : report["benchmarks"]) {
    if (b["name"] == name) return b;
  }
  static const nlohmann::json none;
  ADD_FAILURE() << name << " not in the report";
  return none;
}

}  // namespace

// Label perf: it runs alone, and checks only what the noise allows. Two runs
// of one binary are never a regression beyond 10%; but a confidence interval
// may straddle the threshold on a busy machine, so "inconclusive" (exit 4) is
// an honest answer here, not a failure. That compare's verdicts and exit
// codes are right is checked deterministically on fixtures (CompareRuns,
// CompareTool) and by the callgrind case below.
TEST(CompareEndToEnd, TwoTimedRunsOfTheSameBinaryPass) {
  stats_test::TempDir dir("e2e-same");
  ASSERT_NO_FATAL_FAILURE(timed_run(dir.file("a.json")));
  ASSERT_NO_FATAL_FAILURE(timed_run(dir.file("b.json")));
  const auto r = run(std::string(ENGRAM_COMPARE_TOOL) + " --json --threshold 10 " + dir.file("a.json") + " " +
                     dir.file("b.json"));
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 4) << r.output;  // pass, or inconclusive: never a regression
  const auto report = nlohmann::json::parse(r.output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.output;
  ASSERT_EQ(report["benchmarks"].size(), 2u);
  for (const auto& b : report["benchmarks"]) {
    EXPECT_NE(b["verdict"], "regressed") << b.dump();
    // A p-value is given whenever 4 or more undisturbed repetitions per side
    // remain; fewer is inconclusive, naming the repetitions set aside.
    const bool enough = b["old"]["repetitions"].get<int>() >= 4 && b["new"]["repetitions"].get<int>() >= 4;
    if (enough) {
      EXPECT_FALSE(b["p_value"].is_null()) << b.dump();
    } else {
      EXPECT_EQ(b["verdict"], "inconclusive") << b.dump();
      EXPECT_THAT(b["reason"].get<std::string>(), HasSubstr("disturbed set aside")) << b.dump();
    }
    // The same work twice: whatever the noise, well within a factor of two.
    EXPECT_GT(b["ratio"].get<double>(), 0.5) << b.dump();
    EXPECT_LT(b["ratio"].get<double>(), 2.0) << b.dump();
  }
}

TEST(CompareEndToEnd, ASlowedKernelIsARegression) {
  stats_test::TempDir dir("e2e-slow");
  ASSERT_NO_FATAL_FAILURE(timed_run(dir.file("a.json")));
  ASSERT_NO_FATAL_FAILURE(timed_run(dir.file("slow.json"), std::string("--slow=") + kSlowed + " --slow-factor=1"));
  const auto r = run(std::string(ENGRAM_COMPARE_TOOL) + " --json " + dir.file("a.json") + " " + dir.file("slow.json"));
  const auto report = nlohmann::json::parse(r.output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.output;
  const auto& slowed = row(report, kSlowed);
  EXPECT_GT(slowed["ratio"].get<double>(), 1.5);  // twice the work, whatever was set aside
  if (slowed["verdict"] == "inconclusive" &&
      (slowed["set_aside"]["old"].get<int>() > 0 || slowed["set_aside"]["new"].get<int>() > 0)) {
    GTEST_SKIP() << "this machine was too busy for a verdict: " << slowed["reason"].get<std::string>();
  }
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_EQ(slowed["verdict"], "regressed") << slowed.dump();
  EXPECT_GT(slowed["ratio_ci"]["low"].get<double>(), 1.02);
}

TEST(CompareEndToEnd, DeterministicModeSameBinaryEqualSlowedKernelRegresses) {
  if (!ENGRAM_VALGRIND_TESTS) GTEST_SKIP() << "callgrind simulation disabled (ENGRAM_VALGRIND_TESTS=OFF, e.g. sanitizers)";
  stats_test::TempDir dir("e2e-det");
  ASSERT_NO_FATAL_FAILURE(simulated_run(dir.file("a.json")));
  ASSERT_NO_FATAL_FAILURE(simulated_run(dir.file("b.json")));
  ASSERT_NO_FATAL_FAILURE(simulated_run(dir.file("slow.json"), std::string("--slow=") + kSlowed + " --slow-factor=1"));
  const auto same = compare_json("--deterministic " + dir.file("a.json") + " " + dir.file("b.json"), 0);
  // Equal counts: the per-iteration average of an integer total differs only
  // in the ninth digit between runs with different iteration counts.
  EXPECT_NEAR(row(same, kSlowed)["ratio"].get<double>(), 1.0, 1e-6);
  EXPECT_THAT(row(same, kSlowed)["reason"].get<std::string>(), HasSubstr("identical"));
  EXPECT_TRUE(same["warnings"].empty()) << same["warnings"].dump();
  const auto slow = compare_json("--deterministic " + dir.file("a.json") + " " + dir.file("slow.json"), 3);
  EXPECT_EQ(row(slow, kSlowed)["verdict"], "regressed");
  EXPECT_GT(row(slow, kSlowed)["ratio"].get<double>(), 1.5);
}
