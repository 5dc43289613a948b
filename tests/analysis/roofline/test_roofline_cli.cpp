// build/analysis/roofline as a user runs it.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "engram/io/gnuplot.hpp"
#include "engram/roofline/roofline.hpp"
#include "required_tool.hpp"
#include "roofline_test_support.hpp"

namespace {

using namespace engram::roofline_testing;

const std::string kTool = ENGRAM_ROOFLINE_TOOL;
const std::string kFixtures = ENGRAM_ROOFLINE_FIXTURES;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class RooflineCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ceilings_ = (dir_ / "ceilings.json").string();
    write_text(ceilings_, synthetic_ceilings().dump(2));
  }
  CommandResult run(const std::string& arguments) { return run_command(shell_quote(kTool) + " " + arguments); }
  TempDir dir_;
  std::string ceilings_;
};

TEST_F(RooflineCli, HelpAndUsageErrors) {
  const CommandResult help = run("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.output, "usage: roofline --ceilings"));
  EXPECT_TRUE(contains(help.output, "--bandwidth"));

  const std::string bench = shell_quote(kFixtures + "/baseline_sample.json");
  const std::string c = shell_quote(ceilings_);
  struct Case {
    std::string arguments;
    const char* message;
  };
  const Case cases[] = {
      {"-b " + bench, "--ceilings FILE is required"},
      {"-c " + c, "--benchmarks FILE is required"},
      {"-c " + c + " -b " + bench + " --bandwidth scale", "--bandwidth must be load, copy or triad"},
      {"-c " + c + " -b " + bench + " --time wall", "unknown time measure 'wall'"},
      // The manifest gives passes and working sets: no option overrides them.
      {"-c " + c + " -b " + bench + " --passes k=2", "unrecognised option '--passes'"},
      {"-c " + c + " -b " + bench + " --working-set k=1M", "unrecognised option '--working-set'"},
      {"-c " + c + " -b " + bench + " --peak avx1024", "has no peak for 'avx1024'"},
      {"--frobnicate", "unrecognised option"},
  };
  for (const Case& k : cases) {
    const CommandResult r = run(k.arguments);
    EXPECT_EQ(r.exit_code, 2) << k.arguments << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, k.message)) << k.arguments << "\n" << r.output;
  }
}

TEST_F(RooflineCli, BadFilesAreNamedAndExitTwo) {
  const std::string bench = shell_quote(kFixtures + "/baseline_sample.json");
  const CommandResult absent = run("-c " + shell_quote((dir_ / "nope.json").string()) + " -b " + bench + " --no-plot");
  EXPECT_EQ(absent.exit_code, 2);
  EXPECT_TRUE(contains(absent.output, "nope.json: no such file")) << absent.output;

  write_text(dir_ / "broken.json", "{\"schema\": \"engram-ceilings\",\n \"peak_gflops\": ");
  const CommandResult broken =
      run("-c " + shell_quote((dir_ / "broken.json").string()) + " -b " + bench + " --no-plot");
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_TRUE(contains(broken.output, "broken.json:2:17 (byte 47)")) << broken.output;
  EXPECT_TRUE(contains(broken.output, "truncated JSON")) << broken.output;

  write_text(dir_ / "bench.json", "{\"benchmarks\": [ {\"name\": \"x\"");
  const CommandResult bad_bench =
      run("-c " + shell_quote(ceilings_) + " -b " + shell_quote((dir_ / "bench.json").string()) + " --no-plot");
  EXPECT_EQ(bad_bench.exit_code, 2);
  EXPECT_TRUE(contains(bad_bench.output, "bench.json:1:")) << bad_bench.output;

  // A benchmark file without the workload manifest, and one whose manifest
  // has no entry for its only benchmark.
  const json entries = json::array({benchmark_entry("BM_x", 1, 1)});
  write_text(dir_ / "plain.json", benchmark_file(entries, json()).dump());
  const CommandResult plain =
      run("-c " + shell_quote(ceilings_) + " -b " + shell_quote((dir_ / "plain.json").string()) + " --no-plot");
  EXPECT_EQ(plain.exit_code, 2);
  EXPECT_TRUE(contains(plain.output, "plain.json: context: no \"engram.workload\" manifest")) << plain.output;
  write_text(dir_ / "other.json", benchmark_file(entries, manifest_json({{"k/optimized", 1, 1}})).dump());
  const CommandResult other =
      run("-c " + shell_quote(ceilings_) + " -b " + shell_quote((dir_ / "other.json").string()) + " --no-plot");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_TRUE(contains(other.output, "no benchmark with a workload manifest entry")) << other.output;
  EXPECT_TRUE(contains(other.output, "BM_x: no entry in the workload manifest")) << other.output;
  EXPECT_EQ(leftover_temporaries(dir_.path()), 0);
}

TEST_F(RooflineCli, RealBaselineOutputGivesTableAndJson) {
  const std::string out = (dir_ / "out").string();
  const CommandResult r = run("-c " + shell_quote(ceilings_) + " -b " + shell_quote(kFixtures + "/baseline_sample.json") +
                              " -d " + shell_quote(out) + " --no-plot");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "| vector_similarity_1000/optimized |")) << r.output;
  EXPECT_TRUE(contains(r.output, "| spreading_activation_1000/eigen |"));
  const std::string md = read_text(dir_ / "out" / "roofline.md");
  EXPECT_TRUE(contains(md, "## Roofline"));
  // 25 benchmarks of 3 repetitions (plus Google Benchmark's aggregates),
  // every one in the run's workload manifest.
  const json j = json::parse(read_text(dir_ / "out" / "roofline.json"));
  EXPECT_EQ(j["points"].size(), 25u);
  EXPECT_TRUE(j["skipped"].empty());
  for (const json& p : j["points"]) {
    EXPECT_EQ(p["repetitions"], 3) << p["name"];
    EXPECT_GT(p["arithmetic_intensity"].get<double>(), 0) << p["name"];
    EXPECT_GT(p["attainable_gflops"].get<double>(), 0) << p["name"];
    const std::string level = p["level"];
    // A level, or the two plateaus the working set lies between.
    const std::set<std::string> known = {"L1", "L2", "L3", "DRAM", "L1..L2", "L2..L3", "L3..DRAM"};
    EXPECT_EQ(known.count(level), 1u) << level;
    // Spreading is a gather kernel: it meets the gather roofs.
    const std::string name = p["name"];
    if (name.find("spreading_activation") != std::string::npos) {
      EXPECT_EQ(p["access"], "gather") << name;
      EXPECT_NE(p["bound"].get<std::string>().find("(gather)"), std::string::npos) << name;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out" / "roofline.svg"));  // --no-plot
  EXPECT_EQ(leftover_temporaries(dir_ / "out"), 0);
}

TEST_F(RooflineCli, RealBaselineOutputDrawsThePlots) {
  if (!engram::io::find_gnuplot().available) {
    ENGRAM_SKIP_WITHOUT_TOOL("gnuplot is not installed (Debian package gnuplot-nox): the plot cannot be drawn");
  }
  const std::string out = (dir_ / "out").string();
  const CommandResult r = run("-c " + shell_quote(ceilings_) + " -b " + shell_quote(kFixtures + "/baseline_sample.json") +
                              " -d " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(read_text(dir_ / "out" / "roofline.svg"), "</svg>"));
  EXPECT_EQ(read_text(dir_ / "out" / "roofline.png").substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out" / "roofline.json"));
  EXPECT_EQ(leftover_temporaries(dir_ / "out"), 0);
}

}  // namespace
