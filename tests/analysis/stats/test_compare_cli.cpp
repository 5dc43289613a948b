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
  for (const char* bad : {"empty.json", "malformed.json", "truncated.json", "missing_field.json", "bad_unit.json",
                          "aggregates_only.json", "no_such_file.json"}) {
    const auto r = compare(pair("old.json", bad));
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(std::string("compare: error: ") + fixture(bad))) << bad;
  }
  const auto disjoint = compare(pair("old.json", "disjoint.json"));
  EXPECT_EQ(disjoint.exit_code, 2) << disjoint.output;
  EXPECT_THAT(disjoint.output, HasSubstr("no benchmark in common"));
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
