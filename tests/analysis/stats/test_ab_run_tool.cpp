// compare --run on two fake builds: a tiny Google Benchmark program whose
// work per iteration a wrapper script sets (fake_ab_benchmark.cpp). The
// verdicts that must hold use --deterministic on the program's WORK counter,
// which no machine noise moves; the one timed verdict is a 3x slowdown.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "engram/benchstats/benchmark_json.hpp"
#include "program_run.hpp"
#include "temp_folder.hpp"

namespace {

namespace fs = std::filesystem;
using engram::testing::ProgramRun;
using engram::testing::TempFolder;

const std::string kCompare = ENGRAM_COMPARE_TOOL;
const std::string kFake = ENGRAM_FAKE_AB_BENCHMARK;
// Short runs: the fake's iterations take microseconds.
const std::string kQuickFlags = " -- --benchmark_min_time=0.01";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class CompareRunTool : public ::testing::Test {
 protected:
  // A "build": a script running the fake with `environment` set.
  std::string build(const std::string& name, const std::string& environment) {
    return folder_.file(name, "#!/bin/sh\n" + environment + " exec '" + kFake + "' \"$@\"\n", true).string();
  }
  // compare with TMPDIR in the test's folder, so its temporary files can be checked for.
  ProgramRun compare(const std::string& arguments) {
    return engram::testing::run_shell("TMPDIR='" + tmp_.string() + "' '" + kCompare + "' " + arguments);
  }
  void SetUp() override { fs::create_directory(tmp_); }
  // Whatever the outcome, no temporary run file is left behind.
  void TearDown() override { EXPECT_TRUE(fs::is_empty(tmp_)) << "temporary files left in " << tmp_; }

  TempFolder folder_{"engram_ab_run"};
  fs::path tmp_ = folder_.path() / "tmp";
};

TEST_F(CompareRunTool, TheSameBuildAgainstItselfPasses) {
  const std::string a = build("a.sh", "FAKE_BENCH_WORK=20000");
  const std::string b = build("b.sh", "FAKE_BENCH_WORK=20000");
  const ProgramRun run = compare("--run --deterministic --counter WORK --rounds 3 --json " + a + " " + b + kQuickFlags);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto json_start = run.output.find("{\n");
  ASSERT_NE(json_start, std::string::npos) << run.output;
  const nlohmann::json result = nlohmann::json::parse(run.output.substr(json_start));
  EXPECT_EQ(result["summary"]["regressed"], 0);
  const nlohmann::json& record = result["run"];
  EXPECT_EQ(record["old_binary"], a);
  EXPECT_EQ(record["new_binary"], b);
  EXPECT_EQ(record["rounds"], 3);
  EXPECT_EQ(record["repetitions_per_run"], 2);
  EXPECT_EQ(record["order"].size(), 6u);
  EXPECT_EQ(record["runs"].size(), 6u);
  EXPECT_EQ(record["benchmark_flags"], nlohmann::json::array({"--benchmark_min_time=0.01"}));
  EXPECT_TRUE(record["kept"].is_null());
  EXPECT_TRUE(record.contains("seed"));
  // Progress, one line as each run starts and one as it ends, on stderr.
  EXPECT_TRUE(contains(run.output, "compare: run 6/6 (round 3)")) << run.output;
}

TEST_F(CompareRunTool, AThreeTimesSlowerBuildIsARegression) {
  const std::string a = build("a.sh", "FAKE_BENCH_WORK=20000");
  const std::string b = build("b.sh", "FAKE_BENCH_WORK=60000");
  const ProgramRun counted = compare("--run --deterministic --counter WORK --rounds 2 " + a + " " + b + kQuickFlags);
  EXPECT_EQ(counted.exit_code, 3) << counted.output;
  EXPECT_TRUE(contains(counted.output, "interleaved A/B")) << counted.output;
  // Timed: 3x is far beyond any noise of a few repetitions, and each round
  // runs both builds, so a busy spell slows both.
  const ProgramRun timed = compare("--run --rounds 4 " + a + " " + b + " -- --benchmark_filter=fake_kernel --benchmark_min_time=0.01");
  EXPECT_EQ(timed.exit_code, 3) << timed.output;
  EXPECT_TRUE(contains(timed.output, "fake_kernel")) << timed.output;
}

TEST_F(CompareRunTool, KeptRunsHoldEveryRepetitionOfEachSide) {
  const std::string a = build("a.sh", "FAKE_BENCH_WORK=1000");
  const fs::path kept = folder_.path() / "kept";
  const ProgramRun run = compare("--run --deterministic --counter WORK --rounds 3 --repetitions 3 --keep-runs '" +
                                 kept.string() + "' " + a + " " + a + kQuickFlags);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const char* side : {"old.json", "new.json"}) {
    const engram::benchstats::BenchmarkFile file = engram::benchstats::read_benchmark_json(kept / side);
    ASSERT_EQ(file.benchmarks.size(), 2u) << side;
    for (const auto& b : file.benchmarks) EXPECT_EQ(b.repetitions(), 9u) << side << " " << b.name;
    EXPECT_TRUE(file.context.count("engram.ab_run")) << side;
  }
  // The kept files compare as any two files do.
  const ProgramRun again = engram::testing::run_shell("'" + kCompare + "' --deterministic --counter WORK '" +
                                                      (kept / "old.json").string() + "' '" +
                                                      (kept / "new.json").string() + "'");
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

TEST_F(CompareRunTool, ABinaryThatFailsIsExitOneWithTheEndOfItsStderr) {
  const std::string good = build("good.sh", "FAKE_BENCH_WORK=1000");
  const std::string bad = build("bad.sh", "FAKE_BENCH_FAIL=1");
  const ProgramRun run = compare("--run " + good + " " + bad + kQuickFlags);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(contains(run.output, "NEW binary")) << run.output;
  EXPECT_TRUE(contains(run.output, "exited with code 1")) << run.output;
  EXPECT_TRUE(contains(run.output, "out of cheese")) << run.output;
}

TEST_F(CompareRunTool, ABinaryThatWritesNoBenchmarkOutputIsExitOne) {
  const std::string silent = folder_.file("silent.sh", "#!/bin/sh\nexit 0\n", true).string();
  const std::string good = build("good.sh", "FAKE_BENCH_WORK=1000");
  const ProgramRun run = compare("--run " + silent + " " + good + kQuickFlags);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(contains(run.output, "no usable benchmark output")) << run.output;
}

TEST_F(CompareRunTool, BadUsageIsExitTwoBeforeAnythingRuns) {
  const std::string good = build("good.sh", "FAKE_BENCH_WORK=1000");
  const std::string missing = (folder_.path() / "no-such-build").string();
  struct Case {
    std::string arguments, message;
  };
  const Case cases[] = {
      {"--run " + missing + " " + good, "does not exist"},
      {"--run " + good + " " + folder_.path().string(), "not an executable file"},
      {"--run --rounds 0 " + good + " " + good, "--rounds"},
      {"--run --rounds x " + good + " " + good, "--rounds"},
      {"--run --repetitions 0 " + good + " " + good, "--repetitions"},
      {"--run " + good, "expected OLD_BINARY and NEW_BINARY"},
      {"--run " + good + " " + good + " -- --benchmark_repetitions=5", "compare --run's own"},
      {"--rounds 3 a.json b.json", "--rounds applies to --run"},
      {"a.json b.json -- --benchmark_filter=x", "apply to --run"},
      {"--run --keep-runs " + good + " " + good + " " + good, "not a folder"},
  };
  for (const Case& c : cases) {
    const ProgramRun run = compare(c.arguments);
    EXPECT_EQ(run.exit_code, 2) << c.arguments << "\n" << run.output;
    EXPECT_TRUE(contains(run.output, c.message)) << c.arguments << "\n" << run.output;
    EXPECT_FALSE(contains(run.output, "compare: run 1/")) << "nothing may run: " << c.arguments;
  }
}

}  // namespace
