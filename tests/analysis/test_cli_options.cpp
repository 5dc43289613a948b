// Options of the flamegraph and hotspots tools that change what they write:
// flamegraph --height and --font-size (the SVG's geometry), hotspots --top
// (rows per table) and --keep-parameters (frame names). Run as a user would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "program_run.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using engram::profile::testing::fixture_path;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

using CommandResult = engram::testing::ProgramRun;

CommandResult run(const std::string& command) { return engram::testing::run_shell(command); }

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ToolOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "engram_cli_options_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  // The SVG flamegraph draws with `options` from a 3-level profile: main;a 3, main;b 1.
  std::string flamegraph_svg(const std::string& options) {
    const fs::path input = write("in.folded", "main;a 3\nmain;b 1\n");
    const fs::path svg = dir_ / "out.svg";
    fs::remove(svg);
    const CommandResult r = run(flamegraph_ + " " + input.string() + " -o " + svg.string() + " " + options);
    EXPECT_EQ(r.exit_code, 0) << options << "\n" << r.output;
    return read(svg);
  }
  // hotspots on `input` into a fresh folder; its hotspots.json.
  json hotspots_json(const std::string& input, const std::string& options, const std::string& folder) {
    const CommandResult r =
        run(hotspots_ + " " + input + " --quiet --out-dir " + (dir_ / folder).string() + " " + options);
    EXPECT_EQ(r.exit_code, 0) << options << "\n" << r.output;
    return json::parse(read(dir_ / folder / "hotspots.json"), nullptr, false);
  }
  static std::vector<std::string> functions(const json& rows) {
    std::vector<std::string> names;
    for (const json& row : rows) names.push_back(row["function"]);
    return names;
  }
  const std::string flamegraph_ = ENGRAM_FLAMEGRAPH_TOOL;
  const std::string hotspots_ = ENGRAM_HOTSPOTS_TOOL;
  fs::path dir_;
};

using FlamegraphCli = ToolOptions;
using HotspotsCli = ToolOptions;

// The layout (flamegraph_svg.cpp): top margin 4.5 x font, bottom margin
// 2 x font + 10, one frame height per level; frames are a pixel shorter than
// their row. The input has 3 levels (all, main, a|b).
TEST_F(FlamegraphCli, HeightAndFontSizeSetTheGeometry) {
  // Defaults (16 px frames, 12 px font): 54 + 34 + 3 x 16 = 136 px.
  const std::string standard = flamegraph_svg("");
  EXPECT_THAT(standard, HasSubstr("<svg version=\"1.1\" width=\"1200\" height=\"136\" viewBox=\"0 0 1200 136\""));
  EXPECT_THAT(standard, HasSubstr("text { font-family: Verdana, sans-serif; font-size: 12px;"));

  // 30 px frames, 20 px font: 90 + 50 + 3 x 30 = 230 px. The root's row is
  // 230 - 50 - 30 = 150, its frame 29 px high from y = 151; its label sits at
  // 151 + 29 / 2 + 20 / 3 = 172.2. The title is 5 px larger than the text,
  // at y = 2 x 20; the viewer script gets the font size too.
  const std::string big = flamegraph_svg("--height 30 --font-size 20");
  EXPECT_THAT(big, HasSubstr("height=\"230\" viewBox=\"0 0 1200 230\""));
  EXPECT_THAT(big, HasSubstr("text { font-family: Verdana, sans-serif; font-size: 20px;"));
  EXPECT_THAT(big, HasSubstr("#title { text-anchor: middle; font-size: 25px; }"));
  EXPECT_THAT(big, HasSubstr("<text id=\"title\" x=\"600.0\" y=\"40.0\">"));
  EXPECT_THAT(big, HasSubstr("<title>all (4 samples, 100.00%)</title><rect x=\"10.00\" y=\"151.0\" width=\"1180.00\" "
                             "height=\"29.0\""));
  EXPECT_THAT(big, HasSubstr("<text x=\"13.00\" y=\"172.2\">all</text>"));
  EXPECT_THAT(big, HasSubstr("<title>a (3 samples, 75.00%)</title><rect x=\"10.00\" y=\"91.0\""));  // 151 - 2 x 30
  EXPECT_THAT(big, HasSubstr("fontSize: 20,"));

  // Each alone: 54 + 34 + 3 x 30 = 178; 90 + 50 + 3 x 16 = 188.
  EXPECT_THAT(flamegraph_svg("--height 30"), HasSubstr("height=\"178\" viewBox=\"0 0 1200 178\""));
  EXPECT_THAT(flamegraph_svg("--font-size 20"), HasSubstr("height=\"188\" viewBox=\"0 0 1200 188\""));
}

TEST_F(FlamegraphCli, HeightAndFontSizeOutsideTheirRangesAreUsageErrors) {
  const fs::path input = write("in.folded", "main;a 3\n");
  struct Case {
    const char* option;
    const char* message;
  };
  const Case cases[] = {
      {"--height 3", "--height: expected a whole number in [4, 1000], found 3"},
      {"--height 1001", "--height: expected a whole number in [4, 1000], found 1001"},
      {"--height -16", "--height: expected a whole number in [4, 1000], found -16"},
      {"--font-size 0", "--font-size: expected a whole number in [1, 200], found 0"},
      {"--font-size 201", "--font-size: expected a whole number in [1, 200], found 201"},
      {"--width -5", "--width: expected a whole number in [100, 1000000], found -5"},
      {"--width 4294967396", "--width: expected a whole number in [100, 1000000], found 4294967396"},  // 2^32 + 100
      {"--minwidth nan", "--minwidth: expected a number in [0, 1000000], found nan"},
      {"--minwidth -0.1", "--minwidth: expected a number in [0, 1000000], found -0.1"},
  };
  for (const Case& c : cases) {
    const CommandResult r =
        run(flamegraph_ + " " + c.option + " " + input.string() + " -o " + (dir_ / "x.svg").string());
    EXPECT_EQ(r.exit_code, 2) << c.option << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(std::string("flamegraph: error: ") + c.message)) << c.option;
    EXPECT_FALSE(fs::exists(dir_ / "x.svg")) << c.option;
  }
  EXPECT_EQ(run(flamegraph_ + " --height tall " + input.string()).exit_code, 2);
  // The ends of the ranges are accepted.
  EXPECT_THAT(flamegraph_svg("--height 4 --font-size 1"), HasSubstr("font-size: 1px;"));
  EXPECT_THAT(flamegraph_svg("--height 1000 --font-size 200"), HasSubstr("font-size: 200px;"));
}

// main;a 5, main;b 3, main;c 2, main;d 1 (11 samples). Inclusive: main 11,
// a 5, b 3, c 2, d 1. Self: a 5, b 3, c 2, d 1 (main has none).
TEST_F(HotspotsCli, TopSetsTheRowsOfEachTable) {
  const std::string input = write("t.folded", "main;a 5\nmain;b 3\nmain;c 2\nmain;d 1\n").string();
  const json three = hotspots_json(input, "--top 3", "three");
  EXPECT_THAT(functions(three["top_inclusive"]), ::testing::ElementsAre("main", "a", "b"));
  EXPECT_THAT(functions(three["top_self"]), ::testing::ElementsAre("a", "b", "c"));
  EXPECT_THAT(read(dir_ / "three" / "hotspots.md"), HasSubstr("## Top 3 functions by inclusive time"));

  const json one = hotspots_json(input, "--top 1", "one");
  EXPECT_THAT(functions(one["top_inclusive"]), ::testing::ElementsAre("main"));
  EXPECT_THAT(functions(one["top_self"]), ::testing::ElementsAre("a"));

  // More rows than functions: every function once, main not among self.
  const json all = hotspots_json(input, "--top 1000", "all");
  EXPECT_THAT(functions(all["top_inclusive"]), ::testing::ElementsAre("main", "a", "b", "c", "d"));
  EXPECT_THAT(functions(all["top_self"]), ::testing::ElementsAre("a", "b", "c", "d"));

  for (const char* bad : {"0", "1001", "-1", "18446744073709551617", "1.5"}) {
    const CommandResult r = run(hotspots_ + " " + input + " --out-dir " + (dir_ / "bad").string() + " --top " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(std::string("hotspots: error: --top: expected a whole number in [1, 1000], found ") +
                                    bad)) << bad;
  }
  EXPECT_EQ(run(hotspots_ + " " + input + " --top many").exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "bad"));
}

TEST_F(HotspotsCli, KeepParametersKeepsTheParameterListsInFrameNames) {
  const std::string input = fixture_path("perf_script_small.txt");
  const json plain = hotspots_json(input, "", "plain");
  const json kept = hotspots_json(input, "--keep-parameters", "kept");
  const std::string plain_folded = read(dir_ / "plain" / "profile.folded");
  const std::string kept_folded = read(dir_ / "kept" / "profile.folded");
  // The fixture's frame "engram::run_workload(engram::Workload const&)+0x120"
  // and "float engram::detail::dot<float>(float const*, ...)+0x9".
  EXPECT_THAT(kept_folded, HasSubstr(";engram::run_workload(engram::Workload const&);"));
  EXPECT_THAT(kept_folded,
              HasSubstr(";float engram::detail::dot<float>(float const*, float const*, unsigned long) 1\n"));
  EXPECT_THAT(plain_folded, HasSubstr(";engram::run_workload;"));
  EXPECT_THAT(plain_folded, HasSubstr(";engram::detail::dot<float> 1\n"));
  EXPECT_THAT(plain_folded, Not(HasSubstr("(engram::Workload const&)")));
  EXPECT_THAT(functions(kept["top_self"]),
              ::testing::Contains("(anonymous namespace)::worker_loop(int)"));
  EXPECT_THAT(functions(plain["top_self"]), ::testing::Contains("(anonymous namespace)::worker_loop"));
  // The same samples either way, and the kernel families still found
  // through the parameter lists.
  EXPECT_EQ(kept["total_samples"], 8);
  EXPECT_EQ(kept["families"]["shares"], plain["families"]["shares"]);
  EXPECT_EQ(kept["families"]["shares"][0]["samples"], 2);  // similarity: cosine_batch and cosine
}

}  // namespace
