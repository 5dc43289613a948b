// compare --profile, the program: with a fake perf first on PATH (perf is
// missing or may not sample on many machines), without perf, and with the
// real perf recording build/bench/baseline where it can sample.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "fake_perf.hpp"
#include "program_run.hpp"
#include "required_tool.hpp"
#include "temp_folder.hpp"

namespace {

using engram::testing::read_file;
using engram::testing::run_shell;
using engram::testing::TempFolder;
using ::testing::HasSubstr;

const std::string kCompare = ENGRAM_COMPARE_TOOL;
const std::string kFixtures = ENGRAM_STATS_FIXTURES;
constexpr int kExitRegression = 3;

std::string quote(const std::string& text) { return "'" + text + "'"; }

class CompareProfileTool : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string old_script =
        engram::testing::canned_perf_script({{{"kernel_a", "main"}, 60}, {{"setup", "main"}, 40}});
    const std::string new_script =
        engram::testing::canned_perf_script({{{"kernel_a", "main"}, 90}, {{"setup", "main"}, 30}});
    bin_ = engram::testing::install_fake_perf(tools_, old_script, new_script);
    std::filesystem::create_directories(tools_.path() / "old_build");
    std::filesystem::create_directories(tools_.path() / "new_build");
    old_binary_ = tools_.file("old_build/bench", "#!/bin/sh\nexit 0\n", true).string();
    new_binary_ = tools_.file("new_build/bench", "#!/bin/sh\nexit 0\n", true).string();
  }
  // compare on the fixtures (kernel_a regressed by 20%, kernel_b unchanged)
  // with PATH = `path`.
  engram::testing::ProgramRun compare(const std::string& path, const std::string& extra = "") const {
    return run_shell("PATH=" + quote(path) + " " + quote(kCompare) + " --profile " + quote(flames().string()) +
                     " --old-binary " + quote(old_binary_) + " --new-binary " + quote(new_binary_) +
                     " --json-out " + quote((out_.path() / "cmp.json").string()) + " " + extra + " " +
                     quote(kFixtures + "/old.json") + " " + quote(kFixtures + "/slower.json"));
  }
  std::filesystem::path flames() const { return out_.path() / "flames"; }

  TempFolder tools_{"engram_fake_perf"};
  TempFolder out_{"engram_profile_cli"};
  std::string bin_, old_binary_, new_binary_;
};

TEST_F(CompareProfileTool, FakePerfWritesTheGraphOfTheRegressionOnly) {
  const auto run = compare(bin_ + ":/usr/bin:/bin", "--profile-arg=--rerun-max=0");
  EXPECT_EQ(run.exit_code, kExitRegression) << run.output;  // the verdict's code, unchanged
  EXPECT_THAT(read_file(tools_.path() / "perf.log"),
              HasSubstr("new_build/bench --rerun-max=0 --benchmark_filter=^kernel_a/optimized$"));
  const std::filesystem::path svg = flames() / "kernel_a_optimized.diff.svg";
  EXPECT_TRUE(std::filesystem::is_regular_file(svg)) << run.output;
  EXPECT_TRUE(std::filesystem::is_regular_file(flames() / "kernel_a_optimized.old.folded"));
  EXPECT_TRUE(std::filesystem::is_regular_file(flames() / "kernel_a_optimized.new.folded"));
  EXPECT_FALSE(std::filesystem::exists(flames() / "kernel_b_optimized.diff.svg"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(flames()), std::filesystem::directory_iterator()), 3);
  // kernel_a: 75% of NEW against 60% of OLD.
  EXPECT_THAT(read_file(svg), HasSubstr("<title>kernel_a (90 samples, 75.00%; +15.00%)</title>"));
  // The table names the graph; progress went to stderr.
  EXPECT_THAT(run.output, HasSubstr("kernel_a/optimized: " + svg.string() + " (OLD 100 samples, NEW 120"));
  EXPECT_THAT(run.output, HasSubstr("compare: recording kernel_a/optimized (1/1): OLD"));
  const nlohmann::json j = nlohmann::json::parse(read_file(out_.path() / "cmp.json"));
  EXPECT_EQ(j["profiles"]["benchmarks"]["kernel_a/optimized"]["svg"], svg.string());
  EXPECT_EQ(j["profiles"]["benchmarks"]["kernel_b/optimized"]["status"], "not regressed");
  EXPECT_EQ(j["profiles"]["written"], 1);
  EXPECT_EQ(j["summary"]["regressed"], 1);  // the comparison itself is intact
}

TEST_F(CompareProfileTool, WithoutPerfTheTableSaysWhy) {
  const auto run = compare(tools_.path().string() + "/old_build");  // a PATH without perf
  EXPECT_EQ(run.exit_code, kExitRegression) << run.output;
  EXPECT_THAT(run.output, HasSubstr("kernel_a/optimized: no flame graph: perf is missing"));
  EXPECT_FALSE(std::filesystem::exists(flames() / "kernel_a_optimized.diff.svg"));
  const nlohmann::json j = nlohmann::json::parse(read_file(out_.path() / "cmp.json"));
  EXPECT_EQ(j["profiles"]["benchmarks"]["kernel_a/optimized"]["status"], "perf missing");
}

// Profiling never changes the verdict: when the folder cannot be made (its
// parent is a file), the regression is still reported, with the table, the
// JSON and exit 3, and the profile says why there is no graph.
TEST_F(CompareProfileTool, AFolderThatCannotBeMadeLeavesTheVerdict) {
  const std::filesystem::path in_the_way = out_.file("not_a_folder", "a file\n");
  const std::filesystem::path dir = in_the_way / "flames";
  const auto run = run_shell("PATH=" + quote(bin_ + ":/usr/bin:/bin") + " " + quote(kCompare) + " --profile " +
                             quote(dir.string()) + " --old-binary " + quote(old_binary_) + " --new-binary " +
                             quote(new_binary_) + " --json-out " + quote((out_.path() / "cmp.json").string()) + " " +
                             quote(kFixtures + "/old.json") + " " + quote(kFixtures + "/slower.json"));
  EXPECT_EQ(run.exit_code, kExitRegression) << run.output;
  EXPECT_THAT(run.output, HasSubstr("kernel_a/optimized"));
  EXPECT_THAT(run.output, HasSubstr("kernel_a/optimized: no flame graph: --profile: cannot make the folder"));
  EXPECT_THAT(run.output, HasSubstr("compare: warning: no flame graphs"));
  ASSERT_TRUE(std::filesystem::is_regular_file(out_.path() / "cmp.json")) << run.output;
  const nlohmann::json j = nlohmann::json::parse(read_file(out_.path() / "cmp.json"));
  EXPECT_EQ(j["summary"]["regressed"], 1);
  const auto& a = j["profiles"]["benchmarks"]["kernel_a/optimized"];
  EXPECT_EQ(a["status"], "failed");
  EXPECT_THAT(a["reason"].get<std::string>(), HasSubstr("cannot make the folder " + dir.string()));
  EXPECT_EQ(a["svg"], nullptr);
  EXPECT_EQ(j["profiles"]["benchmarks"]["kernel_b/optimized"]["status"], "not regressed");
  EXPECT_EQ(j["profiles"]["written"], 0);
}

// A folder where a graph is to go: the set is not published, the verdict stands.
TEST_F(CompareProfileTool, AGraphThatCannotBePublishedLeavesTheVerdict) {
  std::filesystem::create_directories(flames() / "kernel_a_optimized.diff.svg");
  const auto run = compare(bin_ + ":/usr/bin:/bin");
  EXPECT_EQ(run.exit_code, kExitRegression) << run.output;
  EXPECT_THAT(run.output, HasSubstr("kernel_a/optimized: no flame graph: cannot write the flame graph"));
  EXPECT_FALSE(std::filesystem::exists(flames() / "kernel_a_optimized.old.folded"));
  const nlohmann::json j = nlohmann::json::parse(read_file(out_.path() / "cmp.json"));
  EXPECT_EQ(j["profiles"]["benchmarks"]["kernel_a/optimized"]["status"], "failed");
  EXPECT_EQ(j["profiles"]["written"], 0);
}

TEST_F(CompareProfileTool, BadUsageIsRefusedBeforeAnythingRuns) {
  std::string files(" ");
  files += quote(kFixtures + "/old.json") + " " + quote(kFixtures + "/slower.json");
  auto run = run_shell(quote(kCompare) + " --profile " + quote(flames().string()) + files);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--old-binary and --new-binary"));
  run = run_shell(quote(kCompare) + " --old-binary " + quote(old_binary_) + files);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--old-binary applies to --profile"));
  run = compare(bin_ + ":/usr/bin:/bin", "--profile-samples 0");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  run = run_shell(quote(kCompare) + " --profile " + quote(flames().string()) + " --old-binary /no/such/bench" +
                  " --new-binary " + quote(new_binary_) + files);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("no program /no/such/bench"));
  EXPECT_FALSE(std::filesystem::exists(flames()));
}

// The real thing: perf records two runs of the baseline (here the same build
// twice, with a fixture that says one of its benchmarks regressed).
TEST_F(CompareProfileTool, RealPerfRecordsTheBaseline) {
  if (run_shell("command -v perf").exit_code != 0) {
    ENGRAM_SKIP_WITHOUT_TOOL("perf is not installed (Debian package linux-perf)");
  }
  if (run_shell("perf record -q -e cpu-clock -o /dev/null -- true").exit_code != 0) {
    GTEST_SKIP() << "perf may not sample here (see /proc/sys/kernel/perf_event_paranoid)";
  }
  const std::string name = "decay_10k_memories/exponential/reference";
  const auto renamed = [&](const std::string& fixture) {
    std::string text = read_file(kFixtures + "/" + fixture);
    for (std::size_t at = 0; (at = text.find("kernel_a/optimized", at)) != std::string::npos; at += name.size()) {
      text.replace(at, std::string("kernel_a/optimized").size(), name);
    }
    return out_.file(fixture, text).string();
  };
  const std::string old_json = renamed("old.json");
  const std::string new_json = renamed("slower.json");
  const auto run = run_shell(quote(kCompare) + " --profile " + quote(flames().string()) + " --old-binary " +
                             quote(ENGRAM_BASELINE) + " --new-binary " + quote(ENGRAM_BASELINE) +
                             " --profile-samples 200 --profile-arg=--rerun-max=0 " + quote(old_json) + " " + quote(new_json));
  EXPECT_EQ(run.exit_code, kExitRegression) << run.output;
  const std::string stem = "decay_10k_memories_exponential_reference";
  ASSERT_TRUE(std::filesystem::is_regular_file(flames() / (stem + ".diff.svg"))) << run.output;
  const std::string folded = read_file(flames() / (stem + ".new.folded"));
  EXPECT_THAT(folded, HasSubstr("decay")) << "the benchmark's own frames were sampled";
  EXPECT_THAT(read_file(flames() / (stem + ".diff.svg")), HasSubstr("</svg>"));
}

}  // namespace
