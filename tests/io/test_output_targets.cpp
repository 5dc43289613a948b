// What stands at an output's name decides how it is written (safe_write.hpp):
// a stream (FIFO, device, a descriptor's link such as /dev/stdout) is written
// through and stays what it was; a link is followed only when it can be
// trusted; a full disk fails the output and keeps the old file; an output set
// publishes all of its files or none. Every odd target is made in a
// temporary folder (FIFOs, links, device nodes and a tmpfs mount of the
// test's own), never the machine's /dev entries. What needs root (a device
// node, a mount, a link owned by another user) is skipped with the reason
// otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "../common/temp_folder.hpp"
#include "engram/io/publish.hpp"
#include "engram/io/safe_write.hpp"

namespace {

namespace fs = std::filesystem;
using engram::io::AtomicOutput;
using engram::io::OutputSet;
using engram::io::write_file_atomically;
using engram::testing::TempFolder;
using engram::testing::read_file;
using ::testing::ElementsAre;
using ::testing::HasSubstr;


std::string read_fd(int fd) {
  std::string text;
  char buffer[4096];
  for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(got));
  return text;
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "no exception";
}

bool is_root() { return ::geteuid() == 0; }

// A FIFO at the target is written through (a reader gets the bytes) and is
// still a FIFO afterwards; nothing else is left in the folder.
TEST(OutputTarget, AFifoIsWrittenThroughAndStaysAFifo) {
  TempFolder dir;
  const fs::path fifo = dir.path() / "out.svg";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  // The read end opened first, without blocking, so that the write end opens
  // at once; the bytes wait in the FIFO's buffer.
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0) << std::strerror(errno);
  write_file_atomically(fifo, "<svg/>");
  const std::string received = read_fd(reader);
  ::close(reader);
  EXPECT_EQ(received, "<svg/>");
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));
  EXPECT_THAT(dir.names(), ElementsAre("out.svg"));
}

// `-o /dev/stdout`: a link to a descriptor's magic link (/proc/self/fd/N, as
// /dev/stdout is). Here the descriptor is a pipe of the test's own; the bytes
// go into it and the link stays a link.
TEST(OutputTarget, ALinkToAnOpenPipeLikeDevStdoutIsWrittenThrough) {
  TempFolder dir;
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  const fs::path stdout_like = dir.path() / "stdout";
  fs::create_symlink("/proc/self/fd/" + std::to_string(pipe_fds[1]), stdout_like);
  write_file_atomically(stdout_like, "report text\n");
  ::close(pipe_fds[1]);
  EXPECT_EQ(read_fd(pipe_fds[0]), "report text\n");
  ::close(pipe_fds[0]);
  EXPECT_TRUE(fs::is_symlink(stdout_like));
}

// A character device made in the test's folder (the null device's numbers):
// written through, still a device node afterwards, not a regular file.
TEST(OutputTarget, ADeviceNodeIsWrittenThroughNotReplaced) {
  if (!is_root()) GTEST_SKIP() << "making a device node needs root (CAP_MKNOD)";
  TempFolder dir;
  const fs::path device = dir.path() / "null";
  if (::mknod(device.c_str(), S_IFCHR | 0600, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "mknod refused here: " << std::strerror(errno);
  }
  write_file_atomically(device, "discarded");
  EXPECT_TRUE(fs::is_character_file(fs::symlink_status(device)));
  EXPECT_THAT(dir.names(), ElementsAre("null"));
}

// A link to a regular file: that file gets the new content, atomically, and
// the link is still the same link.
TEST(OutputTarget, ALinkToAFileReplacesTheFileAndKeepsTheLink) {
  TempFolder dir;
  fs::create_directory(dir.path() / "runs");
  const fs::path real = dir.path() / "runs" / "run-42.json";
  std::ofstream(real) << "old";
  const fs::path link = dir.path() / "latest.json";
  fs::create_symlink("runs/run-42.json", link);
  write_file_atomically(link, "new");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link), "runs/run-42.json");
  EXPECT_EQ(read_file(real), "new");
  EXPECT_THAT(dir.names(), ElementsAre("latest.json", "runs"));
}

// A link to nothing is refused: following it would create a file wherever the
// link's maker chose.
TEST(OutputTarget, ADanglingLinkIsRefusedAndNothingIsCreated) {
  TempFolder dir;
  const fs::path link = dir.path() / "out.txt";
  fs::create_symlink(dir.path() / "chosen-by-someone.txt", link);
  EXPECT_THAT(message_of([&] { write_file_atomically(link, "new"); }),
              HasSubstr("cannot write " + link.string() + ": it is a symbolic link to nothing"));
  EXPECT_THAT(dir.names(), ElementsAre("out.txt"));
}

// The attack: in a world-writable sticky folder (like /tmp) another user
// plants a link at the name root is about to write, pointing at a file of
// root's. The link is not followed and the file keeps its content.
TEST(OutputTarget, ALinkPlantedByAnotherUserInASharedFolderIsNotFollowed) {
  if (!is_root()) GTEST_SKIP() << "giving a link to another user needs root (lchown)";
  TempFolder dir;
  const fs::path precious = dir.path() / "precious.conf";
  std::ofstream(precious) << "root's";
  const fs::path shared = dir.path() / "shared";
  fs::create_directory(shared);
  fs::permissions(shared, fs::perms::all | fs::perms::sticky_bit);
  const fs::path planted = shared / "flamegraph.svg";
  fs::create_symlink(precious, planted);
  ASSERT_EQ(::lchown(planted.c_str(), 65534, 65534), 0) << std::strerror(errno);
  EXPECT_THAT(message_of([&] { write_file_atomically(planted, "<svg/>"); }),
              HasSubstr("symbolic link owned by another user (uid 65534) in the world-writable folder"));
  EXPECT_EQ(read_file(precious), "root's");
  EXPECT_TRUE(fs::is_symlink(planted));
  // The same link made by the writing user itself is followed.
  fs::remove(planted);
  fs::create_symlink(precious, planted);
  write_file_atomically(planted, "mine");
  EXPECT_EQ(read_file(precious), "mine");
}

// A tmpfs of 64 KiB mounted in the test's folder, for a full disk.
class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!is_root()) GTEST_SKIP() << "mounting a small tmpfs for a full disk needs root";
    mount_ = dir_.path() / "small";
    fs::create_directory(mount_);
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0) {
      mount_.clear();
      GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
    }
  }
  void TearDown() override {
    if (!mount_.empty()) ::umount2(mount_.c_str(), MNT_DETACH);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(mount_)) out.push_back(entry.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  TempFolder dir_;
  fs::path mount_;
};

TEST_F(FullDisk, AWriteThatDoesNotFitFailsWithTheReasonAndKeepsTheOldFile) {
  const fs::path target = mount_ / "bench.json";
  write_file_atomically(target, "old results");
  EXPECT_THAT(message_of([&] { write_file_atomically(target, std::string(256 * 1024, 'x')); }),
              HasSubstr("cannot write " + target.string() + ": write failed: No space left on device"));
  EXPECT_EQ(read_file(target), "old results");
  EXPECT_THAT(names(), ElementsAre("bench.json"));
}

// Three files of a set; the third does not fit: none of the new ones is
// published, the three old ones stay, no temporary is left.
TEST_F(FullDisk, AnOutputSetThatDoesNotFitKeepsEveryOldFile) {
  for (const char* name : {"a.md", "a.json", "a.svg"}) write_file_atomically(mount_ / name, std::string("old ") + name);
  EXPECT_THAT(message_of([&] {
                OutputSet set;
                set.add(mount_ / "a.md", "new table");
                set.add(mount_ / "a.json", "{}");
                set.add(mount_ / "a.svg", std::string(256 * 1024, 'x'));
                set.commit();
              }),
              HasSubstr("No space left on device"));
  EXPECT_EQ(read_file(mount_ / "a.md"), "old a.md");
  EXPECT_EQ(read_file(mount_ / "a.json"), "old a.json");
  EXPECT_EQ(read_file(mount_ / "a.svg"), "old a.svg");
  EXPECT_THAT(names(), ElementsAre("a.json", "a.md", "a.svg"));
}

TEST(OutputSetTest, PublishesEveryFileOnCommitAndNoneBefore) {
  TempFolder dir;
  OutputSet set;
  set.add(dir.path() / "hotspots.md", "table");
  set.add(dir.path() / "hotspots.json", "{}");
  EXPECT_FALSE(fs::exists(dir.path() / "hotspots.md"));
  set.commit();
  EXPECT_EQ(read_file(dir.path() / "hotspots.md"), "table");
  EXPECT_EQ(read_file(dir.path() / "hotspots.json"), "{}");
  EXPECT_THAT(dir.names(), ElementsAre("hotspots.json", "hotspots.md"));
}

// `report --markdown X --html X`: one of the two would be lost. The same file
// by two names (a relative path, a link) is caught too.
TEST(OutputSetTest, TheSameFileTwiceIsRefused) {
  TempFolder dir;
  const fs::path file = dir.path() / "report.md";
  fs::create_symlink("report.md", dir.path() / "alias.md");
  std::ofstream(file) << "old";
  for (const fs::path& second : {file, dir.path() / "." / "report.md", dir.path() / "alias.md"}) {
    OutputSet set;
    set.add(file, "markdown");
    EXPECT_THAT(message_of([&] { set.add(second, "html"); }), HasSubstr("are the same file")) << second;
  }
  EXPECT_EQ(read_file(file), "old");
}

// An abandoned set (an error before its commit) leaves no temporaries.
TEST(OutputSetTest, AnAbandonedSetLeavesNothing) {
  TempFolder dir;
  {
    OutputSet set;
    set.add(dir.path() / "a.txt", "a");
    set.add(dir.path() / "b.txt", "b");
  }
  EXPECT_TRUE(dir.names().empty());
}

}  // namespace

namespace {

// publish_staged: the staged files reach their destinations with a manifest
// that verify_published accepts; a file changed afterwards, or a manifest of
// another run, is reported.
TEST(PublishStaged, PublishesTheSetAndItsManifestWhichVerifyChecks) {
  TempFolder dir;
  fs::create_directories(dir.path() / "stage");
  const fs::path a = dir.file("stage/a.json", "{\"a\": 1}");
  const fs::path b = dir.file("stage/b.md", "table");
  const fs::path manifest = dir.path() / "outputs.json";
  engram::io::publish_staged({{a, dir.path() / "a.json"}, {b, dir.path() / "b.md"}}, manifest, "run-1");
  EXPECT_EQ(read_file(dir.path() / "a.json"), "{\"a\": 1}");
  EXPECT_EQ(read_file(dir.path() / "b.md"), "table");
  EXPECT_TRUE(engram::io::verify_published(manifest, "run-1").empty());
  EXPECT_THAT(engram::io::verify_published(manifest, "run-2"), ElementsAre(HasSubstr("lists run 'run-1', not 'run-2'")));
  std::ofstream(dir.path() / "b.md") << "another run's table";
  EXPECT_THAT(engram::io::verify_published(manifest), ElementsAre(HasSubstr("b.md: not the file of this set")));
  fs::remove(dir.path() / "a.json");
  EXPECT_THAT(engram::io::verify_published(manifest), ::testing::Contains(HasSubstr("a.json: missing")));
}

// A staged name that is a link (someone swapped the job's file) or missing
// stops the publish before anything is replaced.
TEST(PublishStaged, ALinkOrAMissingFileInTheStageStopsEverything) {
  TempFolder dir;
  fs::create_directories(dir.path() / "stage");
  std::ofstream(dir.path() / "a.json") << "old a";
  const fs::path a = dir.file("stage/a.json", "new a");
  const fs::path secret = dir.file("secret", "not to be published");
  fs::create_symlink(secret, dir.path() / "stage" / "b.md");
  EXPECT_THAT(message_of([&] {
                engram::io::publish_staged(
                    {{a, dir.path() / "a.json"}, {dir.path() / "stage" / "b.md", dir.path() / "b.md"}}, {});
              }),
              HasSubstr("the staged file is not a regular file"));
  EXPECT_THAT(message_of([&] {
                engram::io::publish_staged(
                    {{a, dir.path() / "a.json"}, {dir.path() / "stage" / "gone.md", dir.path() / "b.md"}}, {});
              }),
              HasSubstr("the staged file is missing"));
  EXPECT_EQ(read_file(dir.path() / "a.json"), "old a");
  EXPECT_FALSE(fs::exists(dir.path() / "b.md"));
}

}  // namespace
