// The command-line tools, run as a user would: exit codes, messages, files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using engram::profile::testing::fixture_path;
using ::testing::HasSubstr;

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` through the shell; its standard error joins the output
// unless `with_stderr` is false.
CommandResult run(const std::string& command, bool with_stderr = true) {
  CommandResult result;
  FILE* pipe = ::popen((command + (with_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("engram_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  const std::string flamegraph_ = ENGRAM_FLAMEGRAPH_TOOL;
  const std::string hotspots_ = ENGRAM_HOTSPOTS_TOOL;
  fs::path dir_;
};

TEST_F(CliTest, HelpAndBadUsage) {
  const CommandResult help = run(flamegraph_ + " --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.output, HasSubstr("Usage: flamegraph"));
  EXPECT_THAT(help.output, HasSubstr("--minwidth"));
  EXPECT_EQ(run(flamegraph_).status, 2);
  EXPECT_EQ(run(flamegraph_ + " --no-such-option x").status, 2);
  EXPECT_EQ(run(flamegraph_ + " --colors rainbow x.folded").status, 2);
  EXPECT_EQ(run(flamegraph_ + " --width -5 x.folded").status, 2);
  EXPECT_EQ(run(flamegraph_ + " --diff only_one.folded").status, 2);
  EXPECT_THAT(help.output, HasSubstr("Exit codes:\n  0  ok\n  1  failure"));
  EXPECT_THAT(run(flamegraph_ + " --no-such-option x").output, HasSubstr("Try 'flamegraph --help'."));
  EXPECT_THAT(run(hotspots_ + " --help").output, HasSubstr("  2  bad usage or bad input"));
  EXPECT_EQ(run(hotspots_ + " --help").status, 0);
  EXPECT_EQ(run(hotspots_).status, 2);
  EXPECT_EQ(run(hotspots_ + " a.folded b.folded").status, 2);
  EXPECT_EQ(run(hotspots_ + " --format xml x").status, 2);
}

TEST_F(CliTest, BadInputNamesFileAndLine) {
  const fs::path garbage = write("garbage.folded", "\nnot a stack\n");
  const CommandResult result = run(flamegraph_ + " " + garbage.string() + " -o " + (dir_ / "out.svg").string());
  EXPECT_EQ(result.status, 2);
  EXPECT_THAT(result.output, HasSubstr(garbage.string() + ":2: no valid folded stack line"));
  EXPECT_FALSE(fs::exists(dir_ / "out.svg"));
  const CommandResult missing = run(flamegraph_ + " " + (dir_ / "none.folded").string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.output, HasSubstr("none.folded: cannot open"));
  const fs::path empty = write("empty.txt", "");
  EXPECT_EQ(run(hotspots_ + " " + empty.string() + " --out-dir " + dir_.string()).status, 2);
}

// An output that cannot be written (a path under a regular file) is a
// failure (1), not bad input (2): the input was fine.
TEST_F(CliTest, UnwritableOutputExitsOne) {
  const fs::path input = write("ok.folded", "main;work 10\n");
  const fs::path file = write("file.txt", "a regular file\n");
  const CommandResult svg = run(flamegraph_ + " " + input.string() + " -o " + (file / "out.svg").string());
  EXPECT_EQ(svg.status, 1) << svg.output;
  EXPECT_THAT(svg.output, HasSubstr("flamegraph: error: cannot write"));
  const CommandResult dir = run(hotspots_ + " " + input.string() + " --out-dir " + (file / "out").string());
  EXPECT_EQ(dir.status, 1) << dir.output;
}

TEST_F(CliTest, FlamegraphWritesSvgAndWarnsAboutSkippedLines) {
  const fs::path input = write("in.folded", "main;a 3\nbroken line\nmain;b 1\n");
  const fs::path svg = dir_ / "fg.svg";
  const CommandResult result = run(flamegraph_ + " " + input.string() + " -o " + svg.string() +
                         " --title 'My <graph>' --event cpu-clock --inverted --colors mem");
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("warning: " + input.string() + ": skipped 1 malformed line"));
  const std::string text = read(svg);
  EXPECT_THAT(text, HasSubstr("My &lt;graph&gt;"));
  EXPECT_THAT(text, HasSubstr("<title>a (3 samples, 75.00%)</title>"));
  // Same input, same bytes, through standard output too.
  EXPECT_EQ(run(flamegraph_ + " --title 'My <graph>' --event cpu-clock --inverted --colors mem < " +
                    input.string() + " -",
                false)
                .output,
            text);
}

TEST_F(CliTest, DifferentialMode) {
  const fs::path before = write("old.folded", "main;f 50\nmain;g 50\n");
  const fs::path after = write("new.folded", "main;f 150\nmain;g 50\n");
  const fs::path svg = dir_ / "diff.svg";
  const CommandResult result = run(flamegraph_ + " --diff " + before.string() + " " + after.string() + " -o " + svg.string());
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_THAT(read(svg), HasSubstr("Differential Flame Graph"));
}

TEST_F(CliTest, HotspotsFromPerfScript) {
  const fs::path out = dir_ / "report";
  const CommandResult result = run(hotspots_ + " " + fixture_path("perf_script_small.txt") + " --out-dir " +
                         out.string() + " --binary /proc/self/exe");
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("Top 10 functions by inclusive time (8 samples)"));
  EXPECT_THAT(result.output, HasSubstr("Wrote " + (out / "hotspots.md").string()));
  EXPECT_THAT(result.output, HasSubstr("Wrote " + (out / "hotspots.json").string()));
  EXPECT_THAT(result.output, HasSubstr("Wrote " + (out / "profile.folded").string()));
  EXPECT_THAT(result.output, HasSubstr("warning: only 8 samples"));
  EXPECT_THAT(result.output, HasSubstr("skipped 1 malformed line"));
  const auto json = nlohmann::json::parse(read(out / "hotspots.json"));
  EXPECT_EQ(json["total_samples"], 8);
  EXPECT_EQ(json["event"], "cpu-clock");
  EXPECT_EQ(json["input"]["format"], "perf script");
  EXPECT_THAT(read(out / "profile.folded"), HasSubstr("profiling_harn;engram::optimized::cosine 1\n"));

  // The folded file it wrote reads back to the same report (the root is the process).
  const fs::path again = dir_ / "again";
  const CommandResult folded = run(hotspots_ + " " + (out / "profile.folded").string() +
                         " --process-root --event cpu-clock --quiet --out-dir " + again.string());
  EXPECT_EQ(folded.status, 0) << folded.output;
  const auto json_again = nlohmann::json::parse(read(again / "hotspots.json"));
  EXPECT_EQ(json_again["top_inclusive"], json["top_inclusive"]);
  EXPECT_EQ(json_again["families"], json["families"]);
  EXPECT_EQ(json_again["input"]["format"], "folded");
}

}  // namespace
