// The analysis tools' outputs on odd targets, as users give them: `-o` a link
// to the standard output (what /dev/stdout is: a link to /proc/self/fd/1)
// writes through it and replaces nothing; two outputs naming the same file
// are refused before anything is written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "../common/program_run.hpp"
#include "../common/temp_folder.hpp"

namespace {

namespace fs = std::filesystem;
using engram::testing::run_program;
using engram::testing::TempFolder;
using engram::testing::read_file;
using ::testing::HasSubstr;


// The tool's own standard output is the pipe run_program reads; the link made
// in the test's folder leads to it the way /dev/stdout does.
TEST(OutputTargetsCli, FlamegraphWritesThroughALinkToItsStandardOutput) {
  TempFolder dir;
  const fs::path folded = dir.file("profile.folded", "main;work 3\nmain;idle 1\n");
  const fs::path stdout_link = dir.path() / "stdout";
  fs::create_symlink("/proc/self/fd/1", stdout_link);
  const auto run = run_program(ENGRAM_FLAMEGRAPH_TOOL, {"-o", stdout_link.string(), folded.string()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("<svg"));
  EXPECT_THAT(run.output, HasSubstr("</svg>"));
  EXPECT_TRUE(fs::is_symlink(stdout_link));
  EXPECT_THAT(dir.names(), ::testing::ElementsAre("profile.folded", "stdout"));
}

TEST(OutputTargetsCli, ReportRefusesTheSameFileForMarkdownAndHtml) {
  TempFolder dir;
  const fs::path both = dir.file("report.out", "previous report\n");
  const std::string fixtures = ENGRAM_REPORT_FIXTURES;
  const auto run = run_program(ENGRAM_REPORT_TOOL, {"--hotspots", fixtures + "/hotspots.json", "--bench",
                                                    fixtures + "/bench.json", "--markdown", both.string(), "--html",
                                                    (dir.path() / "." / "report.out").string()});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("are the same file"));
  EXPECT_EQ(read_file(both), "previous report\n");
  EXPECT_THAT(dir.names(), ::testing::ElementsAre("report.out"));
}

// Not root: a folder the user may not write is a failure with the reason
// (exit 1), and the file in it stays as it was. Root is never refused, so as
// root the tool runs as the user nobody (setpriv).
TEST(OutputTargetsCli, AFolderTheUserMayNotWriteFailsWithTheReasonAndKeepsTheFile) {
  TempFolder dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  const fs::path folded = dir.file("profile.folded", "main;work 3\n");
  fs::create_directory(dir.path() / "locked");
  const fs::path kept = dir.file("locked/flamegraph.svg", "previous graph");
  fs::permissions(dir.path() / "locked", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                             fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  std::vector<std::string> command = {ENGRAM_FLAMEGRAPH_TOOL, "-o", kept.string(), folded.string()};
  if (::geteuid() == 0) {
    command.insert(command.begin(), {"--reuid=65534", "--regid=65534", "--clear-groups"});
  }
  const auto run = ::geteuid() == 0 ? run_program("/usr/bin/setpriv", command)
                                    : run_program(command.front(), {command.begin() + 1, command.end()});
  fs::permissions(dir.path() / "locked", fs::perms::owner_all);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("cannot write " + kept.string()));
  EXPECT_THAT(run.output, HasSubstr("Permission denied"));
  EXPECT_EQ(read_file(kept), "previous graph");
  EXPECT_EQ(fs::directory_iterator(dir.path() / "locked")->path().filename(), "flamegraph.svg");
}

}  // namespace
