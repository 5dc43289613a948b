// write_file_atomically: a failed write to the target leaves the target as it
// was and no temporary behind. The failing writes are provoked on the target
// itself: a folder in the way of the rename, a temporary that cannot be
// created, a write cut short by the file-size limit (RLIMIT_FSIZE; the tests
// run as root, so a read-only folder would not stop them). The write-size
// limit is set in a forked child so that the test process keeps its own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../common/temp_folder.hpp"
#include "engram/io/safe_write.hpp"

namespace {

namespace fs = std::filesystem;
using engram::io::write_file_atomically;
using engram::testing::read_file;
using ::testing::HasSubstr;


// The names in `dir`, sorted, to compare with what should be left there.
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Kills and reaps a forked child (our own, by its pid) if the test stops
// before it has waited for it, so no child is left blocked on a FIFO.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ~ChildGuard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  // Waits for the child; it is then no longer ours to kill.
  int wait() {
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) status = -1;
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

class SafeWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "engram_atomic_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path dir_;
};

TEST_F(SafeWrite, WritesAndReplacesWithoutLeavingTemporaries) {
  const fs::path target = dir_ / "out.svg";
  engram::io::write_file_atomically(target, "first");
  EXPECT_EQ(read_file(target), "first");
  engram::io::write_file_atomically(target, "second, longer");
  EXPECT_EQ(read_file(target), "second, longer");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("out.svg"));
}

TEST_F(SafeWrite, AMissingFolderFailsNamingTheTarget) {
  try {
    engram::io::write_file_atomically(dir_ / "missing" / "x.txt", "new");
    FAIL() << "writing into a missing folder succeeded";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot write " + (dir_ / "missing" / "x.txt").string()));
  }
  EXPECT_TRUE(names_in(dir_).empty());
}

// The target is a folder (with a file in it): refused, the folder and its
// file stay as they were, no temporary is made.
TEST_F(SafeWrite, AFolderAtTheTargetIsRefusedAndKeptIntact) {
  const fs::path target = dir_ / "report.md";
  fs::create_directory(target);
  std::ofstream(target / "inside.txt") << "old";
  try {
    engram::io::write_file_atomically(target, "new");
    FAIL() << "a folder was replaced by a file";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot write " + target.string() + ": it is a folder, not a file"));
  }
  EXPECT_TRUE(fs::is_directory(target));
  EXPECT_EQ(read_file(target / "inside.txt"), "old");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("report.md"));
}

// The temporary cannot be created (no file descriptor left): the target
// keeps its old content and nothing is left beside it.
TEST_F(SafeWrite, AnUncreatableTemporaryKeepsTheOldTarget) {
  const fs::path target = dir_ / "kept.txt";
  engram::io::write_file_atomically(target, "old content");
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  const rlimit none{0, saved.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &none), 0);
  // The message is read once descriptors are back: UBSan's check of a
  // virtual call (what()) opens a pipe, and without one reports a false error.
  std::exception_ptr failure;
  try {
    engram::io::write_file_atomically(target, "new content");
  } catch (...) {
    failure = std::current_exception();
  }
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  std::string message = "no exception";
  try {
    if (failure) std::rethrow_exception(failure);
  } catch (const std::runtime_error& error) {
    message = error.what();
  }
  EXPECT_THAT(message, HasSubstr("cannot write " + target.string() + ": cannot create a temporary file in " +
                                 dir_.string() + ": Too many open files"));
  EXPECT_EQ(read_file(target), "old content");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("kept.txt"));
}

// Each output gets a new temporary whose name cannot be known in advance (a
// link planted at a predictable name in a shared folder would redirect a
// root-run tool), beside its target so that the rename is atomic.
TEST_F(SafeWrite, TemporariesAreNewUnpredictableAndBesideTheTarget) {
  const fs::path target = dir_ / "out.txt";
  engram::io::AtomicOutput first(target);
  engram::io::AtomicOutput second(target);
  EXPECT_NE(first.temporary(), second.temporary());
  EXPECT_EQ(first.temporary().parent_path(), dir_);
  EXPECT_THAT(first.temporary().filename().string(), ::testing::StartsWith(".out.txt.tmp."));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(first.temporary())));
}

// An output abandoned before its commit (an exception on the way) leaves
// neither its temporary nor a changed target.
TEST_F(SafeWrite, AnUncommittedOutputRemovesItsTemporary) {
  const fs::path target = dir_ / "out.txt";
  engram::io::write_file_atomically(target, "old content");
  {
    engram::io::AtomicOutput output(target);
    output.write("half of it");
  }
  EXPECT_EQ(read_file(target), "old content");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("out.txt"));
}

// A write cut short halfway (the file-size limit is 16 bytes, the content
// 64): the old target is untouched and the 16-byte partial temporary is
// removed. Runs in a child, which reports the exception's text on a pipe.
TEST_F(SafeWrite, AWriteCutShortKeepsTheOldTargetAndRemovesThePartialFile) {
  const fs::path target = dir_ / "kept.txt";
  engram::io::write_file_atomically(target, "old content");
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(report[0]);
    // EFBIG from write() instead of death by SIGXFSZ.
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{16, 16};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(3);
    std::string message = "no exception";
    int code = 1;
    try {
      engram::io::write_file_atomically(target, std::string(64, 'n'));
    } catch (const std::runtime_error& error) {
      message = error.what();
      code = 0;
    }
    if (::write(report[1], message.data(), message.size()) < 0) code = 4;
    ::_exit(code);
  }
  ::close(report[1]);
  std::string message;
  char buffer[512];
  for (ssize_t got; (got = ::read(report[0], buffer, sizeof buffer)) > 0;) {
    message.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(report[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << message;
  EXPECT_THAT(message, HasSubstr("cannot write " + target.string() + ": write failed: File too large"));
  EXPECT_EQ(read_file(target), "old content");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("kept.txt"));
}

// remove_partial_output_on_interrupt, for real: a child installs the
// handlers, writes part of an output, tells this process its temporary's name
// and waits; then the signal comes. The child must remove its partial output,
// leave the old target alone and die of that same signal. Every step waits on
// a pipe: no sleeps.
class InterruptedWrite : public SafeWrite, public ::testing::WithParamInterface<int> {};

// The name a child sends on `fd` (up to its end of file or a newline).
std::string receive_line(int fd) {
  std::string text;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') text += c;
  return text;
}

TEST_P(InterruptedWrite, RemovesThePartialOutputAndDiesOfTheSignal) {
  const int signal_number = GetParam();
  const fs::path target = dir_ / "out.json";
  engram::io::write_file_atomically(target, "old content");
  int ready[2], hold[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(hold), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(hold[1]);
    engram::io::remove_partial_output_on_interrupt();
    try {
      engram::io::AtomicOutput output(target);
      output.write(std::string(4096, 'x'));
      const std::string line = output.temporary().string() + "\n";
      if (::write(ready[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(3);
      char byte = 0;
      (void)::read(hold[0], &byte, 1);  // waits here for the signal
    } catch (...) {
      ::_exit(4);
    }
    ::_exit(5);  // never interrupted
  }
  ChildGuard guard(child);
  ::close(ready[1]);
  ::close(hold[0]);
  const fs::path partial = receive_line(ready[0]);
  ASSERT_FALSE(partial.empty()) << "the child could not start its output";
  EXPECT_EQ(fs::file_size(partial), 4096u);
  ASSERT_EQ(::kill(child, signal_number), 0);  // our own child
  const int status = guard.wait();
  ::close(ready[0]);
  ::close(hold[1]);
  ASSERT_NE(status, -1) << "waitpid failed";
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  EXPECT_EQ(WTERMSIG(status), signal_number);
  EXPECT_FALSE(fs::exists(fs::symlink_status(partial))) << "the partial output was left behind";
  EXPECT_EQ(read_file(target), "old content");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("out.json"));
}

std::string signal_label(const ::testing::TestParamInfo<int>& param) {
  return param.param == SIGINT ? "SIGINT" : param.param == SIGTERM ? "SIGTERM" : "SIGHUP";
}

INSTANTIATE_TEST_SUITE_P(SafeWrite, InterruptedWrite, ::testing::Values(SIGINT, SIGTERM, SIGHUP), signal_label);

// After a finished write the handler removes nothing: a file that now holds
// the old temporary's name belongs to someone else.
TEST_F(SafeWrite, AnInterruptAfterTheWriteRemovesNothing) {
  const fs::path target = dir_ / "done.txt";
  int done[2], hold[2];
  ASSERT_EQ(::pipe(done), 0);
  ASSERT_EQ(::pipe(hold), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(done[0]);
    ::close(hold[1]);
    engram::io::remove_partial_output_on_interrupt();
    std::string line;
    try {
      engram::io::AtomicOutput output(target);
      line = output.temporary().string() + "\n";
      output.write("finished");
      output.commit();
    } catch (...) {
      ::_exit(4);
    }
    if (::write(done[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(3);
    char byte = 0;
    (void)::read(hold[0], &byte, 1);  // waits here for the signal
    ::_exit(5);
  }
  ChildGuard guard(child);
  ::close(done[1]);
  ::close(hold[0]);
  const fs::path same_name = receive_line(done[0]);
  ASSERT_FALSE(same_name.empty()) << "the child's write failed";
  std::ofstream(same_name) << "someone else's";
  ASSERT_EQ(::kill(child, SIGTERM), 0);  // our own child
  const int status = guard.wait();
  ::close(done[0]);
  ::close(hold[1]);
  ASSERT_NE(status, -1) << "waitpid failed";
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_EQ(read_file(same_name), "someone else's");
  EXPECT_EQ(read_file(target), "finished");
}

// Two outputs at once (a plot's script and image): the interrupt removes
// both, and one that finished first does not take the other off the list.
TEST_F(SafeWrite, AnInterruptRemovesEveryOutputStillBeingWritten) {
  int ready[2], hold[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(hold), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(hold[1]);
    engram::io::remove_partial_output_on_interrupt();
    try {
      engram::io::AtomicOutput first(dir_ / "first.txt");
      engram::io::TemporaryFile second(dir_ / "second.svg", ".svg");
      {
        engram::io::AtomicOutput done(dir_ / "done.txt");
        done.write("finished");
        done.commit();
      }
      first.write("partial");
      const std::string line = first.temporary().string() + "\n" + second.path().string() + "\n";
      if (::write(ready[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(3);
      char byte = 0;
      (void)::read(hold[0], &byte, 1);  // waits here for the signal
    } catch (...) {
      ::_exit(4);
    }
    ::_exit(5);
  }
  ChildGuard guard(child);
  ::close(ready[1]);
  ::close(hold[0]);
  const fs::path first = receive_line(ready[0]);
  const fs::path second = receive_line(ready[0]);
  ASSERT_FALSE(first.empty() || second.empty()) << "the child could not start its outputs";
  EXPECT_TRUE(fs::exists(first));
  EXPECT_TRUE(fs::exists(second));
  ASSERT_EQ(::kill(child, SIGTERM), 0);  // our own child
  const int status = guard.wait();
  ::close(ready[0]);
  ::close(hold[1]);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(fs::exists(fs::symlink_status(first)));
  EXPECT_FALSE(fs::exists(fs::symlink_status(second)));
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("done.txt"));
}

}  // namespace
