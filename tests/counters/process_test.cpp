// Child processes (process.hpp). FindExecutable and TailLines are pure unit
// tests on files in a temporary folder and on strings. ChildProgram runs
// /bin/sh and sleep: a gated child that is never released exits without
// running, a timeout kills (one second against a 30-second sleep, so only a
// machine stalled for half a minute could change the verdict), a signal
// death is reported as 128 + signal, and an abandoned running child is
// killed and reaped by the destructor.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "engram/counters.hpp"
#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using engram::counters::detail::Child;
using engram::counters::detail::ChildOptions;
using engram::counters::detail::find_executable;
using engram::counters::detail::tail_lines;

class FindExecutable : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "engram-path-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    make_file("tool", 0755);
    make_file("data", 0644);  // not executable
    fs::create_directory(dir_ / "folder");  // executable bit, but not a file
  }
  void TearDown() override { fs::remove_all(dir_); }

  void make_file(const std::string& name, mode_t mode) {
    std::ofstream(dir_ / name) << "#!/bin/sh\n";
    ASSERT_EQ(::chmod((dir_ / name).c_str(), mode), 0);
  }

  fs::path dir_;
};

TEST_F(FindExecutable, SearchesEachPathEntryInOrder) {
  const std::string tool = (dir_ / "tool").string();
  EXPECT_EQ(find_executable("tool", dir_.string()), tool);
  EXPECT_EQ(find_executable("tool", "/no/such/folder:" + dir_.string()), tool);
  EXPECT_EQ(find_executable("tool", "/no/such/folder"), std::nullopt);
}

TEST_F(FindExecutable, OnlyExecutableRegularFilesCount) {
  EXPECT_EQ(find_executable("data", dir_.string()), std::nullopt);
  EXPECT_EQ(find_executable("folder", dir_.string()), std::nullopt);
  EXPECT_EQ(find_executable("", dir_.string()), std::nullopt);
}

TEST_F(FindExecutable, ANameWithASlashIsTakenAsAPathNotSearched) {
  const std::string tool = (dir_ / "tool").string();
  EXPECT_EQ(find_executable(tool, "/no/such/folder"), tool);
  EXPECT_EQ(find_executable((dir_ / "data").string(), dir_.string()), std::nullopt);
  // "sub/tool" is relative to the current folder, not looked up on PATH.
  EXPECT_EQ(find_executable("no-such-sub/tool", dir_.string()), std::nullopt);
}

TEST(TailLines, KeepsTheLastLinesWithTheirEndings) {
  EXPECT_EQ(tail_lines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(tail_lines("a\nb\nc", 2), "b\nc");
  EXPECT_EQ(tail_lines("a\nb\nc\n", 1), "c\n");
  EXPECT_EQ(tail_lines("a\nb\n", 5), "a\nb\n");  // fewer lines than asked: all
  EXPECT_EQ(tail_lines("", 3), "");
}

TEST(ChildProgram, AGatedChildNeverReleasedExitsWithoutRunning) {
  ChildOptions options;
  options.gated = true;
  Child child({"/bin/sh", "-c", "echo ran"}, options);
  // Waiting closes the gate: the child gives up before exec with 127.
  EXPECT_EQ(child.wait(std::chrono::seconds(60)), 127);
  EXPECT_EQ(child.out(), "");
  EXPECT_FALSE(child.timed_out());
}

TEST(ChildProgram, ATimeoutKillsTheChild) {
  for (bool capture : {true, false}) {
    SCOPED_TRACE(capture ? "output captured" : "output inherited");
    ChildOptions options;
    options.capture_output = capture;
    Child child({"sleep", "30"}, options);
    EXPECT_EQ(child.wait(std::chrono::seconds(1)), 128 + SIGKILL);
    EXPECT_TRUE(child.timed_out());
  }
}

TEST(ChildProgram, DeathBySignalIs128PlusTheSignal) {
  Child child({"/bin/sh", "-c", "kill -TERM $$"}, ChildOptions{});
  EXPECT_EQ(child.wait(std::chrono::seconds(60)), 128 + SIGTERM);
  EXPECT_FALSE(child.timed_out());
}

TEST(ChildProgram, AReleasedChildLeftRunningIsKilledAndReaped) {
  pid_t pid = -1;
  {
    ChildOptions options;
    options.gated = true;
    Child child({"sleep", "30"}, options);
    child.release();
    pid = child.pid();
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, 0), 0) << "running before the destructor";
  }
  // Killed and waited for: no such process any more, not even a zombie.
  errno = 0;
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(ChildArguments, EmptyOrUnknownCommandsAreErrors) {
  EXPECT_THROW(Child({}, ChildOptions{}), engram::counters::CounterError);
  EXPECT_THROW(Child({""}, ChildOptions{}), engram::counters::CounterError);
  try {
    Child child({"engram-no-such-program-anywhere"}, ChildOptions{});
    FAIL() << "started a program that does not exist";
  } catch (const engram::counters::CounterError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot execute 'engram-no-such-program-anywhere': not found on PATH");
  }
}

}  // namespace
