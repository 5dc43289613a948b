// scripts/regression_gate_rates.sh: its command line, and a tiny campaign
// end to end (deterministic mode: simulated counts, so the verdicts cannot
// flake) through baseline, compare and gate_rates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "program_run.hpp"
#include "required_tool.hpp"
#include "temp_folder.hpp"

using engram::testing::read_file;
using engram::testing::run_program;
using engram::testing::TempFolder;
using ::testing::HasSubstr;

namespace {

const std::string kScript = std::string(ENGRAM_SOURCE_DIR) + "/scripts/regression_gate_rates.sh";

engram::testing::ProgramRun gate_script(std::vector<std::string> args) {
  args.insert(args.begin(), {"--build", ENGRAM_BUILD_DIR});
  return run_program(kScript, args);
}

bool have_valgrind() { return std::system("command -v valgrind >/dev/null 2>&1") == 0; }

TEST(RegressionGateRatesProgram, HelpAndBadOptions) {
  auto r = gate_script({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--pairs N"));
  EXPECT_EQ(gate_script({}).exit_code, 2);  // --out is required
  TempFolder dir("gate_script");
  const std::string out = (dir.path() / "c").string();
  r = gate_script({"--out", out, "--pairs", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--pairs must be a positive whole number"));
  r = gate_script({"--out", out, "--modes", "timed,fast"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("unknown mode 'fast'"));
  r = gate_script({"--out", out, "--rounds", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--rounds must be a positive whole number"));
  r = gate_script({"--out", out, "--run-repetitions", "x"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = gate_script({"--out", out, "--slowdowns", "2,x"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = gate_script({"--out", out, "--benchmarks", "a/b", "--slow", "c/d"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("is not one of --benchmarks"));
  r = gate_script({"--out", out, "--bogus"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  // A folder that is not a campaign is never replaced.
  std::filesystem::create_directory(dir.path() / "not_a_campaign");
  dir.file("not_a_campaign/keep.txt", "mine");
  r = gate_script({"--out", (dir.path() / "not_a_campaign").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("is not a previous campaign"));
  EXPECT_EQ(read_file(dir.path() / "not_a_campaign/keep.txt"), "mine");
}

TEST(RegressionGateRatesProgram, ATinyDeterministicCampaignCountsEveryPair) {
  if (!have_valgrind()) ENGRAM_SKIP_WITHOUT_TOOL("valgrind is not installed: the deterministic mode simulates counts");
  TempFolder dir("gate_script");
  const auto out = dir.path() / "campaign";
  const std::string bench = "spreading_activation_1000/optimized";
  const auto r = gate_script({"--out", out.string(), "--pairs", "2", "--modes", "deterministic", "--benchmarks", bench,
                              "--slow", bench, "--sim-slowdowns", "50", "--repetitions", "4", "--min-time", "0.01s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("pair 1 of 2 done"));
  EXPECT_THAT(r.output, HasSubstr("pair 2 of 2 done"));
  const std::string rates = read_file(out / "rates.md");
  EXPECT_THAT(rates, HasSubstr("| deterministic | 2 | 0.0% (0 of 2;"));
  EXPECT_THAT(rates, HasSubstr("| deterministic | 50% | " + bench + " | 100.0% (2 of 2;"));
  EXPECT_THAT(read_file(out / "manifest.txt"), HasSubstr("deterministic slow:50:" + bench));
  EXPECT_THAT(read_file(out / "campaign.txt"), HasSubstr("loadavg before:"));
  EXPECT_TRUE(std::filesystem::exists(out / "rates.json"));
  // Nothing half-written is left beside the campaign.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename(), "campaign") << "left behind: " << entry.path();
  }
}

// The interleaved mode's orchestration: compare --run on the build against
// itself and against a --slow wrapper. Its verdicts depend on timing, so only
// what was run and recorded is checked here; the rates are for a quiet machine.
TEST(RegressionGateRatesProgram, ATinyInterleavedCampaignRunsBothComparisonsPerPair) {
  TempFolder dir("gate_script");
  const auto out = dir.path() / "campaign";
  const std::string bench = "spreading_activation_1000/optimized";
  const auto r = gate_script({"--out", out.string(), "--pairs", "1", "--modes", "interleaved", "--benchmarks", bench,
                              "--slow", bench, "--slowdowns", "300", "--rounds", "2", "--run-repetitions", "1",
                              "--min-time", "0.01s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("pair 1 of 1 done"));
  const std::string manifest = read_file(out / "manifest.txt");
  EXPECT_THAT(manifest, HasSubstr("interleaved aa comparisons/p1-run-aa.json"));
  EXPECT_THAT(manifest, HasSubstr("interleaved slow:300:" + bench + " comparisons/p1-run-slow300.json"));
  // Each comparison is compare --run's: its JSON names both binaries, the
  // slowed side through the wrapper that adds --slow.
  const std::string slowed = read_file(out / "comparisons/p1-run-slow300.json");
  EXPECT_THAT(slowed, HasSubstr("\"run\""));
  EXPECT_THAT(slowed, HasSubstr("baseline-slow300"));
  const std::string rates = read_file(out / "rates.md");
  EXPECT_THAT(rates, HasSubstr("| interleaved | 1 | "));
  EXPECT_THAT(rates, HasSubstr("| interleaved | 300% | " + bench + " | "));
}

}  // namespace
