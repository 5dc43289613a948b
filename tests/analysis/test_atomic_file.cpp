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
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engram/atomic_file.hpp"

namespace {

namespace fs = std::filesystem;
using engram::analysis::write_file_atomically;
using ::testing::HasSubstr;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The names in `dir`, sorted, to compare with what should be left there.
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The temporary the writer uses for `target` in process `pid` (documented in
// atomic_file.hpp: "<dir>/.<name>.tmp.<pid>").
fs::path temporary_of(const fs::path& target, pid_t pid) {
  return target.parent_path() / ("." + target.filename().string() + ".tmp." + std::to_string(pid));
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

class AtomicFileTest : public ::testing::Test {
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

TEST_F(AtomicFileTest, WritesAndReplacesWithoutLeavingTemporaries) {
  const fs::path target = dir_ / "out.svg";
  write_file_atomically(target, "first");
  EXPECT_EQ(read(target), "first");
  write_file_atomically(target, "second, longer");
  EXPECT_EQ(read(target), "second, longer");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("out.svg"));
}

TEST_F(AtomicFileTest, AMissingFolderFailsNamingTheTarget) {
  try {
    write_file_atomically(dir_ / "missing" / "x.txt", "new");
    FAIL() << "writing into a missing folder succeeded";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot write " + (dir_ / "missing" / "x.txt").string()));
  }
  EXPECT_TRUE(names_in(dir_).empty());
}

// The target is a folder (with a file in it): the rename fails, the folder
// and its file stay as they were, the temporary is gone.
TEST_F(AtomicFileTest, AFolderAtTheTargetFailsTheRenameAndIsKeptIntact) {
  const fs::path target = dir_ / "report.md";
  fs::create_directory(target);
  std::ofstream(target / "inside.txt") << "old";
  try {
    write_file_atomically(target, "new");
    FAIL() << "a folder was replaced by a file";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot write " + target.string() + ": rename failed"));
  }
  EXPECT_TRUE(fs::is_directory(target));
  EXPECT_EQ(read(target / "inside.txt"), "old");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("report.md"));
}

// The temporary cannot be created (a folder holds its name): the target
// keeps its old content, and the folder in the way is not ours to remove.
TEST_F(AtomicFileTest, AnUncreatableTemporaryKeepsTheOldTarget) {
  const fs::path target = dir_ / "kept.txt";
  write_file_atomically(target, "old content");
  const fs::path blocker = temporary_of(target, ::getpid());
  fs::create_directory(blocker);
  try {
    write_file_atomically(target, "new content");
    FAIL() << "the write succeeded with its temporary's name taken";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot write " + target.string() + ": cannot create " + blocker.string()));
  }
  EXPECT_EQ(read(target), "old content");
  EXPECT_TRUE(fs::is_directory(blocker));
}

// A write cut short halfway (the file-size limit is 16 bytes, the content
// 64): the old target is untouched and the 16-byte partial temporary is
// removed. Runs in a child, which reports the exception's text on a pipe.
TEST_F(AtomicFileTest, AWriteCutShortKeepsTheOldTargetAndRemovesThePartialFile) {
  const fs::path target = dir_ / "kept.txt";
  write_file_atomically(target, "old content");
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
      write_file_atomically(target, std::string(64, 'n'));
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
  EXPECT_EQ(read(target), "old content");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("kept.txt"));
}

// Odd things at the target's name are replaced, never written through: a
// dangling symbolic link (its destination is not created) and a FIFO (the
// write does not block on it).
TEST_F(AtomicFileTest, ALinkOrFifoAtTheTargetIsReplacedNotWrittenThrough) {
  const fs::path link = dir_ / "link.txt";
  fs::create_symlink(dir_ / "destination.txt", link);
  write_file_atomically(link, "new");
  EXPECT_FALSE(fs::is_symlink(link));
  EXPECT_EQ(read(link), "new");
  EXPECT_FALSE(fs::exists(dir_ / "destination.txt"));

  const fs::path fifo = dir_ / "fifo.txt";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  write_file_atomically(fifo, "new");
  EXPECT_TRUE(fs::is_regular_file(fifo));
  EXPECT_EQ(read(fifo), "new");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("fifo.txt", "link.txt"));
}

// remove_partial_output_on_interrupt, for real: a child installs the
// handlers and starts writing 1 MiB; its temporary is a FIFO made here
// beforehand, so the child is held inside write() until this process reads.
// Reading the first bytes proves the write has begun; then the signal comes.
// The child must remove its partial output, leave the old target alone and
// die of that same signal. Every step waits on a pipe: no sleeps.
class InterruptedWrite : public AtomicFileTest, public ::testing::WithParamInterface<int> {};

TEST_P(InterruptedWrite, RemovesThePartialOutputAndDiesOfTheSignal) {
  const int signal_number = GetParam();
  const fs::path target = dir_ / "out.json";
  write_file_atomically(target, "old content");
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(go[1]);
    engram::analysis::remove_partial_output_on_interrupt();
    char byte = 0;
    if (::read(go[0], &byte, 1) != 1) ::_exit(3);  // the FIFO exists now
    try {
      write_file_atomically(target, std::string(1 << 20, 'x'));
    } catch (...) {
      ::_exit(4);
    }
    ::_exit(5);  // the write ended: it was never interrupted
  }
  ChildGuard guard(child);
  ::close(go[0]);
  const fs::path partial = temporary_of(target, child);
  ASSERT_EQ(::mkfifo(partial.c_str(), 0600), 0) << std::strerror(errno);
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  ::close(go[1]);
  // Blocks until the child has opened its temporary for writing.
  const int reader = ::open(partial.c_str(), O_RDONLY);
  ASSERT_GE(reader, 0) << std::strerror(errno);
  char first[16];
  ASSERT_GT(::read(reader, first, sizeof first), 0) << "the child wrote nothing";
  ASSERT_EQ(::kill(child, signal_number), 0);  // our own child
  const int status = guard.wait();
  ::close(reader);
  ASSERT_NE(status, -1) << "waitpid failed";
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  EXPECT_EQ(WTERMSIG(status), signal_number);
  EXPECT_FALSE(fs::exists(fs::symlink_status(partial))) << "the partial output was left behind";
  EXPECT_EQ(read(target), "old content");
  EXPECT_THAT(names_in(dir_), ::testing::ElementsAre("out.json"));
}

std::string signal_label(const ::testing::TestParamInfo<int>& param) {
  return param.param == SIGINT ? "SIGINT" : param.param == SIGTERM ? "SIGTERM" : "SIGHUP";
}

INSTANTIATE_TEST_SUITE_P(AtomicFile, InterruptedWrite, ::testing::Values(SIGINT, SIGTERM, SIGHUP), signal_label);

// After a finished write the handler removes nothing: a file that now holds
// the old temporary's name belongs to someone else.
TEST_F(AtomicFileTest, AnInterruptAfterTheWriteRemovesNothing) {
  const fs::path target = dir_ / "done.txt";
  int done[2], hold[2];
  ASSERT_EQ(::pipe(done), 0);
  ASSERT_EQ(::pipe(hold), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(done[0]);
    ::close(hold[1]);
    engram::analysis::remove_partial_output_on_interrupt();
    try {
      write_file_atomically(target, "finished");
    } catch (...) {
      ::_exit(4);
    }
    if (::write(done[1], "d", 1) != 1) ::_exit(3);
    char byte = 0;
    (void)::read(hold[0], &byte, 1);  // waits here for the signal
    ::_exit(5);
  }
  ChildGuard guard(child);
  ::close(done[1]);
  ::close(hold[0]);
  char byte = 0;
  ASSERT_EQ(::read(done[0], &byte, 1), 1) << "the child's write failed";
  const fs::path same_name = temporary_of(target, child);
  std::ofstream(same_name) << "someone else's";
  ASSERT_EQ(::kill(child, SIGTERM), 0);  // our own child
  const int status = guard.wait();
  ::close(done[0]);
  ::close(hold[1]);
  ASSERT_NE(status, -1) << "waitpid failed";
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_EQ(read(same_name), "someone else's");
  EXPECT_EQ(read(target), "finished");
}

}  // namespace
