// The compare tool's statistical options (--alpha, --resamples, --seed) and
// its deterministic mode, end to end on fixture files. Exit codes as in
// test_compare_cli.cpp: a bad command line is 2, a regression 3.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stats_test_support.hpp"

using stats_test::fixture;
using stats_test::run;
using ::testing::HasSubstr;
using nlohmann::json;

namespace {

stats_test::ToolRun compare(const std::string& args) { return run(std::string(ENGRAM_COMPARE_TOOL) + " " + args); }

std::string pair(const char* old_name, const char* new_name) { return fixture(old_name) + " " + fixture(new_name); }

// compare --json: the parsed report, after checking the exit code.
json compare_json(const std::string& args, int expected_exit) {
  const auto r = compare("--json " + args);
  EXPECT_EQ(r.exit_code, expected_exit) << args << "\n" << r.output;
  return json::parse(r.output, nullptr, false);
}

const json& row(const json& report, const std::string& name) {
  for (const json& b : report["benchmarks"]) {
    if (b["name"] == name) return b;
  }
  static const json none;
  ADD_FAILURE() << name << " not in the report";
  return none;
}

// old.json -> slower.json, kernel_a: all 10 new times (~120 us) above all 10
// old ones (~100 us), so U = 0 and the exact two-sided p-value is
// 2 / C(20, 10) = 2 / 184756 = 1.0825e-5. The CI of +20% lies beyond the
// threshold, so alpha alone decides: just above p is a regression, just
// below is not.
TEST(CompareTool, AlphaIsTheBarThePValueMustPass) {
  constexpr double kExactP = 2.0 / 184756.0;
  const json above = compare_json("--alpha 1.09e-5 " + pair("old.json", "slower.json"), 3);
  EXPECT_NEAR(row(above, "kernel_a/optimized")["p_value"].get<double>(), kExactP, 1e-12);
  EXPECT_EQ(row(above, "kernel_a/optimized")["verdict"], "regressed");
  EXPECT_THAT(row(above, "kernel_a/optimized")["reason"].get<std::string>(), HasSubstr("p = 1.08e-05 < 1.09e-05"));

  const json below = compare_json("--alpha 1.08e-5 " + pair("old.json", "slower.json"), 0);
  EXPECT_EQ(row(below, "kernel_a/optimized")["verdict"], "within noise");
  EXPECT_THAT(row(below, "kernel_a/optimized")["reason"].get<std::string>(), HasSubstr("p = 1.08e-05 >= 1.08e-05"));
  EXPECT_EQ(below["summary"]["regressed"], 0);
}

TEST(CompareTool, ResamplesSetTheBootstrapSize) {
  const json small = compare_json("--resamples 100 " + pair("old.json", "slower.json"), 3);
  const json standard = compare_json(pair("old.json", "slower.json"), 3);
  for (const json& b : small["benchmarks"]) {
    EXPECT_EQ(b["ratio_ci"]["resamples"], 100) << b["name"];
    EXPECT_EQ(b["old"]["median_ci"]["resamples"], 100) << b["name"];
    EXPECT_EQ(b["new"]["median_ci"]["resamples"], 100) << b["name"];
  }
  for (const json& b : standard["benchmarks"]) EXPECT_EQ(b["ratio_ci"]["resamples"], 10000) << b["name"];
}

// The seed fixes the bootstrap: the same seed gives the same bytes; other
// seeds give other intervals (at 100 resamples they are not all equal) that
// are each still valid: the verdicts hold and every CI holds its ratio.
TEST(CompareTool, TheSameSeedGivesTheSameOutputAndOtherSeedsStayValid) {
  const std::string args = "--json --resamples 100 " + pair("old.json", "slower.json");
  const auto first = compare("--seed 7 " + args);
  const auto second = compare("--seed 7 " + args);
  EXPECT_EQ(first.exit_code, 3);
  EXPECT_EQ(first.output, second.output);

  std::vector<json> intervals;
  for (const char* seed : {"1", "2", "3", "4", "5", "18446744073709551615"}) {
    SCOPED_TRACE(std::string("seed ") + seed);
    const json report =
        compare_json(std::string("--seed ") + seed + " --resamples 100 " + pair("old.json", "slower.json"), 3);
    const json& a = row(report, "kernel_a/optimized");
    EXPECT_EQ(a["verdict"], "regressed");
    EXPECT_EQ(row(report, "kernel_b/optimized")["verdict"], "within noise");
    for (const json& b : report["benchmarks"]) {
      EXPECT_LE(b["ratio_ci"]["low"].get<double>(), b["ratio"].get<double>()) << b["name"];
      EXPECT_GE(b["ratio_ci"]["high"].get<double>(), b["ratio"].get<double>()) << b["name"];
    }
    EXPECT_GT(a["ratio_ci"]["low"].get<double>(), 1.02);  // beyond the 2% threshold
    intervals.push_back(a["ratio_ci"]);
  }
  bool any_differs = false;
  for (const json& ci : intervals) any_differs = any_differs || ci != intervals.front();
  EXPECT_TRUE(any_differs) << "six seeds gave the same interval: is --seed used?";
}

TEST(CompareTool, BadAlphaResamplesSeedOrThresholdIsExitTwoWithTheReason) {
  struct Case {
    const char* option;
    const char* message;
  };
  const Case cases[] = {
      {"--alpha 0", "--alpha: expected a number in (0, 1), found 0"},
      {"--alpha 1", "--alpha: expected a number in (0, 1), found 1"},
      {"--alpha -0.05", "--alpha: expected a number in (0, 1), found -0.05"},
      {"--alpha nan", "--alpha: expected a number in (0, 1), found nan"},
      {"--alpha five", "--alpha: expected a number in (0, 1), found 'five'"},
      {"--resamples 99", "--resamples: expected a whole number in [100, 1000000], found 99"},
      {"--resamples 1000001", "--resamples: expected a whole number in [100, 1000000], found 1000001"},
      {"--resamples -1", "--resamples: expected a whole number in [100, 1000000], found -1"},
      {"--resamples 1e3", "--resamples: expected a whole number in [100, 1000000], found 1e3"},
      {"--seed -1", "--seed: expected a whole number in [0, 2^64-1], found -1"},
      {"--seed 18446744073709551616", "--seed: expected a whole number in [0, 2^64-1], found 18446744073709551616"},
      {"--seed 7x", "--seed: expected a whole number in [0, 2^64-1], found '7x'"},
      {"--threshold 100", "--threshold: expected a number in [0, 100), found 100"},
      {"--threshold nan%", "--threshold: expected a number in [0, 100), found nan"},
      {"--threshold -1%", "--threshold: expected a number in [0, 100), found -1"},
  };
  for (const Case& c : cases) {
    const auto r = compare(std::string(c.option) + " " + pair("old.json", "same.json"));
    EXPECT_EQ(r.exit_code, 2) << c.option << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(std::string("compare: error: ") + c.message)) << c.option;
  }
}

// Deterministic mode on simulated TOT_INS counts (sim_*.json, 2 repetitions
// each, equal counts per side). sim_old -> sim_more: kernel_a 1,000,000 ->
// 1,005,000 is +0.5%, inside the default +-1%; kernel_b 50,000 -> 51,000 is
// +2.0%, beyond it. The geometric mean is sqrt(1.005 x 1.02) = sqrt(1.0251)
// = 1.012472. No p-value or CI: the counts do not vary.
TEST(CompareTool, DeterministicModeGivesHandComputedRatiosAndVerdicts) {
  const json more = compare_json("--deterministic " + pair("sim_old.json", "sim_more.json"), 3);
  EXPECT_EQ(more["mode"], "deterministic");
  EXPECT_EQ(more["counter"], "TOT_INS");
  EXPECT_DOUBLE_EQ(more["threshold"].get<double>(), 0.01);
  const json& a = row(more, "kernel_a/optimized");
  EXPECT_DOUBLE_EQ(a["ratio"].get<double>(), 1.005);
  EXPECT_EQ(a["verdict"], "within noise");
  EXPECT_EQ(a["reason"], "TOT_INS changed by +0.5% (within the +-1% threshold)");
  EXPECT_TRUE(a["p_value"].is_null());
  EXPECT_TRUE(a["ratio_ci"].is_null());
  const json& b = row(more, "kernel_b/optimized");
  EXPECT_DOUBLE_EQ(b["ratio"].get<double>(), 1.02);
  EXPECT_EQ(b["verdict"], "regressed");
  EXPECT_NEAR(more["geomean_ratio"].get<double>(), 1.012472, 1e-6);
  EXPECT_EQ(more["summary"]["regressed"], 1);
  EXPECT_EQ(more["summary"]["within_noise"], 1);

  // A wider threshold takes the 2% in; a narrower one catches the 0.5%.
  EXPECT_EQ(compare("--deterministic --threshold 3 " + pair("sim_old.json", "sim_more.json")).exit_code, 0);
  const json strict = compare_json("--deterministic --threshold 0.4 " + pair("sim_old.json", "sim_more.json"), 3);
  EXPECT_EQ(row(strict, "kernel_a/optimized")["verdict"], "regressed");

  // Backwards: 51,000 -> 50,000 is 50/51 = 0.98039, -1.96%: an improvement.
  const json fewer = compare_json("--deterministic " + pair("sim_more.json", "sim_old.json"), 0);
  EXPECT_NEAR(row(fewer, "kernel_b/optimized")["ratio"].get<double>(), 50.0 / 51.0, 1e-12);
  EXPECT_EQ(row(fewer, "kernel_b/optimized")["verdict"], "improved");

  // Identical counts compare equal, whatever the seed.
  const json same = compare_json("--deterministic --seed 1 " + pair("sim_old.json", "sim_same.json"), 0);
  EXPECT_DOUBLE_EQ(row(same, "kernel_a/optimized")["ratio"].get<double>(), 1.0);
  EXPECT_EQ(row(same, "kernel_a/optimized")["reason"], "TOT_INS identical");
  EXPECT_EQ(compare("--json --deterministic --seed 2 " + pair("sim_old.json", "sim_same.json")).output,
            compare("--json --deterministic --seed 1 " + pair("sim_old.json", "sim_same.json")).output);
}

}  // namespace
