// The compare tool on fixture files: exit codes 0 pass, 3 regression,
// 4 inconclusive, 2 bad input or bad usage, 1 an output that cannot be
// written (the table of engram/io/cli.hpp), and what it prints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "stats_test_support.hpp"

using stats_test::fixture;
using stats_test::run;
using ::testing::HasSubstr;

namespace {

stats_test::ToolRun compare(const std::string& args) { return run(std::string(ENGRAM_COMPARE_TOOL) + " " + args); }

std::string pair(const char* old_name, const char* new_name) { return fixture(old_name) + " " + fixture(new_name); }

}  // namespace

TEST(CompareTool, SameTimesPass) {
  const auto r = compare(pair("old.json", "same.json"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("within noise"));
  EXPECT_THAT(r.output, HasSubstr("pass (exit 0)"));
  EXPECT_THAT(r.output, HasSubstr("geometric mean of NEW/OLD over 2 benchmarks"));
}

TEST(CompareTool, MixedTimeUnitsPass) {
  const auto r = compare(pair("old.json", "same_other_units.json"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(CompareTool, SlowerIsExitThree) {
  const auto r = compare(pair("old.json", "slower.json"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("REGRESSION (exit 3)"));
  EXPECT_THAT(r.output, HasSubstr("REGRESSED"));
}

TEST(CompareTool, FasterPasses) {
  const auto r = compare(pair("old.json", "faster.json"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("IMPROVED"));
}

TEST(CompareTool, AWideThresholdAbsorbsTheSlowdown) {
  const auto r = compare("--threshold 25 " + pair("old.json", "slower.json"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(CompareTool, ThreeRepetitionsAreInconclusiveExitFour) {
  const auto r = compare(pair("old.json", "three_reps.json"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_THAT(r.output, HasSubstr("inconclusive (exit 4)"));
  EXPECT_THAT(r.output, HasSubstr("refused"));
  EXPECT_THAT(r.output, HasSubstr("fewer than 4 per side"));
}

TEST(CompareTool, ABenchmarkMissingFromNewIsListedAndInconclusive) {
  const auto r = compare(pair("old.json", "missing_b.json"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_THAT(r.output, HasSubstr("only in OLD (missing from NEW, inconclusive): kernel_b/optimized"));
  EXPECT_THAT(r.output, HasSubstr("only in NEW (not compared): kernel_c/optimized"));
}

TEST(CompareTool, BadInputIsExitTwoNamingTheFile) {
  for (const char* bad : {"empty.json", "malformed.json", "truncated.json", "no_such_file.json"}) {
    const auto r = compare(pair("old.json", bad));
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(std::string("compare: error: ") + fixture(bad))) << bad;
  }
  const auto disjoint = compare(pair("old.json", "disjoint.json"));
  EXPECT_EQ(disjoint.exit_code, 2) << disjoint.output;
  EXPECT_THAT(disjoint.output, HasSubstr("no benchmark in common"));
}

// One benchmark lacking a field, or in an unknown unit, or a file with only
// aggregates, is not a bad file: the others are compared, and that benchmark
// is inconclusive with what is missing named (issue 15).
TEST(CompareTool, OneIncompleteBenchmarkIsInconclusiveNotABadFile) {
  for (const auto& [file, missing] : {std::pair{"missing_field.json", "no \"cpu_time\": repetition left out (/benchmarks/1)"},
                                      std::pair{"bad_unit.json", "unknown time unit \"fortnight\""},
                                      std::pair{"aggregates_only.json", "only Google Benchmark's aggregates"}}) {
    const auto r = compare(pair("old.json", file));
    EXPECT_EQ(r.exit_code, 4) << file << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(missing)) << file << "\n" << r.output;
  }
}

TEST(CompareTool, BadUsageIsExitTwoAndHelpIsZero) {
  EXPECT_EQ(compare(fixture("old.json")).exit_code, 2);
  EXPECT_EQ(compare("").exit_code, 2);
  EXPECT_EQ(compare("--threshold abc " + pair("old.json", "same.json")).exit_code, 2);
  EXPECT_EQ(compare("--threshold 100 " + pair("old.json", "same.json")).exit_code, 2);
  EXPECT_EQ(compare("--time wall " + pair("old.json", "same.json")).exit_code, 2);
  const auto unknown = compare("--no-such-option " + pair("old.json", "same.json"));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("compare: error: unrecognised option '--no-such-option'"));
  EXPECT_THAT(unknown.output, HasSubstr("Try 'compare --help'."));
  const auto help = compare("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("usage: compare"));
  EXPECT_THAT(help.output, HasSubstr("Exit codes:\n  0  ok\n  1  failure"));
  EXPECT_THAT(help.output, HasSubstr("  2  bad usage or bad input"));
  EXPECT_THAT(help.output, HasSubstr("  3  a regression\n  4  no regression, but something inconclusive"));
}

// An output that cannot be written is a failure (1), not a verdict: the
// report is still printed, but a script must not take it for a pass.
TEST(CompareTool, AnUnwritableJsonOutIsExitOne) {
  stats_test::TempDir dir("compare-unwritable");
  { std::ofstream(dir.file("file.txt")) << "a regular file\n"; }
  const std::string out = dir.file("file.txt") + "/out.json";
  const auto r = compare("--json-out " + out + " " + pair("old.json", "same.json"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("compare: error: cannot write " + out));
}

TEST(CompareTool, DeterministicMode) {
  EXPECT_EQ(compare("--deterministic " + pair("sim_old.json", "sim_same.json")).exit_code, 0);
  const auto more = compare("--deterministic " + pair("sim_old.json", "sim_more.json"));
  EXPECT_EQ(more.exit_code, 3) << more.output;
  EXPECT_THAT(more.output, HasSubstr("+2.0%"));
  const auto missing = compare("--deterministic " + pair("old.json", "same.json"));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("no benchmark carries the counter \"TOT_INS\""));
}

TEST(CompareTool, JsonOutputAndJsonFile) {
  stats_test::TempDir dir("compare-json");
  const std::string out = dir.file("report.json");
  const auto r = compare("--json --json-out " + out + " " + pair("old.json", "slower.json"));
  EXPECT_EQ(r.exit_code, 3);
  const nlohmann::json printed = nlohmann::json::parse(r.output);
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json written = nlohmann::json::parse(text.str());
  EXPECT_EQ(printed, written);
  EXPECT_EQ(written["exit_code"], 3);
  EXPECT_EQ(written["summary"]["regressed"], 1);
}

// ---- disturbed repetitions and the estimator, on fixture files -------------------
// compare_noise_old.json: kernel_a 100, 102 .. 118 us (median 109, min 100),
// context engram.setup {"virtualized": false}.

TEST(CompareTool, DisturbedRepetitionsAreSetAsideAndSaidSo) {
  // NEW: eight repetitions spread like OLD's and two about 2x slower, marked
  // disturbed (steal and run delay past their thresholds).
  const auto r = compare(pair("compare_noise_old.json", "compare_noise_new_disturbed.json"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("kernel_a/optimized  10/8       0 / 2"));
  EXPECT_THAT(r.output, HasSubstr("within noise"));
  EXPECT_THAT(r.output, HasSubstr("(disturbed repetitions set aside: 2 in NEW)"));
  const auto j = nlohmann::json::parse(compare("--json " + pair("compare_noise_old.json", "compare_noise_new_disturbed.json")).output);
  EXPECT_EQ(j["benchmarks"][0]["set_aside"], (nlohmann::json{{"old", 0}, {"new", 2}}));
  EXPECT_EQ(j["benchmarks"][0]["verdict"], "within noise");
}

TEST(CompareTool, TooFewUndisturbedRepetitionsAreInconclusive) {
  const auto r = compare(pair("compare_noise_old.json", "compare_noise_new_few.json"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_THAT(r.output, HasSubstr("only 3 undisturbed repetitions in NEW (2 disturbed set aside); need 4"));
}

TEST(CompareTool, MedianAndMinGiveDifferentRatiosOnTheSameFiles) {
  // NEW: 100, 116, 118 .. 132 us: the same minimum as OLD, the median 123.
  const std::string files = pair("compare_noise_old.json", "compare_noise_new_skewed.json");
  const auto median = compare("--json --estimator=median " + files);
  const auto minimum = compare("--json --estimator=min " + files);
  EXPECT_EQ(median.exit_code, 3) << median.output;  // +12.8%, its CI wholly beyond 2%
  // The CI is the median ratio's whatever the estimator (a bootstrap of the
  // minimum is degenerate at a few repetitions), and nine of NEW's ten
  // repetitions are slower: a regression too, though the minimums are equal.
  EXPECT_EQ(minimum.exit_code, 3) << minimum.output;
  const auto by_median = nlohmann::json::parse(median.output);
  const auto by_min = nlohmann::json::parse(minimum.output);
  EXPECT_DOUBLE_EQ(by_median["benchmarks"][0]["ratio"].get<double>(), 123.0 / 109.0);
  EXPECT_DOUBLE_EQ(by_min["benchmarks"][0]["ratio"].get<double>(), 1.0);
  EXPECT_EQ(by_min["benchmarks"][0]["ratio_ci"], by_median["benchmarks"][0]["ratio_ci"]);
  EXPECT_EQ(by_min["ci_statistic"], "median");
  EXPECT_EQ(by_median["estimator"]["name"], "median");
  EXPECT_EQ(by_min["estimator"], (nlohmann::json{{"name", "min"}, {"reason", "chosen with --estimator"}}));
  const auto table = compare("--estimator=min " + files);
  EXPECT_THAT(table.output, HasSubstr("cpu time, min of the undisturbed repetitions"));
  EXPECT_THAT(table.output, HasSubstr("\nestimator: min (chosen with --estimator)\n"));
}

TEST(CompareTool, TheDefaultEstimatorIsTheMinimumOnAVirtualizedMachine) {
  // The same NEW values; only engram.setup differs.
  const auto plain = compare("--json " + pair("compare_noise_old.json", "compare_noise_new_skewed.json"));
  const auto vm = compare("--json " + pair("compare_noise_old.json", "compare_noise_new_vm.json"));
  const auto j_plain = nlohmann::json::parse(plain.output);
  const auto j_vm = nlohmann::json::parse(vm.output);
  EXPECT_EQ(j_plain["estimator"]["name"], "median");
  EXPECT_EQ(j_vm["estimator"]["name"], "min");
  EXPECT_THAT(j_vm["estimator"]["reason"].get<std::string>(), HasSubstr("virtualized"));
  EXPECT_DOUBLE_EQ(j_vm["benchmarks"][0]["ratio"].get<double>(), 1.0);
  // The verdict rests on the median ratio's CI (see above): regressed.
  EXPECT_EQ(vm.exit_code, 3) << vm.output;
  const auto table = compare(pair("compare_noise_old.json", "compare_noise_new_vm.json"));
  EXPECT_THAT(table.output, HasSubstr("\nestimator: min ("));
  EXPECT_THAT(table.output, HasSubstr("virtualized machine"));
}

TEST(CompareTool, AnUnknownEstimatorIsBadUsage) {
  const auto r = compare("--estimator=mean " + pair("old.json", "same.json"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--estimator: unknown estimator 'mean'"));
  const auto deterministic = compare("--deterministic --estimator=min " + pair("sim_old.json", "sim_same.json"));
  EXPECT_EQ(deterministic.exit_code, 2) << deterministic.output;
  const auto help = compare("--help");
  EXPECT_THAT(help.output, HasSubstr("--estimator"));
  EXPECT_THAT(help.output, HasSubstr("the minimum when a run says it was measured on a\nvirtualized machine"));
  EXPECT_THAT(help.output, HasSubstr("the CI is the median's (of the ratio of the medians):\na bootstrap of the minimum "
                                     "is degenerate at a few repetitions"));
}

// old.json was made before baseline measured noise: NEW's disturbed
// repetitions are used like OLD's, and a warning says why.
TEST(CompareTool, AnOldFileWithoutNoiseFiguresSetsNothingAside) {
  const auto r = compare(pair("old.json", "compare_noise_new_disturbed.json"));
  EXPECT_THAT(r.output, HasSubstr("kernel_a/optimized  10/10      0 / 0"));
  EXPECT_THAT(r.output, HasSubstr("warning: OLD (" + fixture("old.json") +
                                  ") has no noise figures (made before baseline measured noise): no repetitions were "
                                  "set aside on either side, so both are compared alike (2 repetitions NEW marks "
                                  "disturbed are used)"));
  const auto j = nlohmann::json::parse(compare("--json " + pair("old.json", "compare_noise_new_disturbed.json")).output);
  EXPECT_EQ(j["set_aside_disturbed"], false);
  EXPECT_EQ(j["benchmarks"][0]["set_aside"], (nlohmann::json{{"old", 0}, {"new", 0}}));
  EXPECT_EQ(j["benchmarks"][0]["new"]["repetitions"], 10);
}
