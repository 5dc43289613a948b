// baseline --benchmark_out and profiling_harness --json on odd targets, as
// users run them: a full disk fails the run (exit 1, the reason) and keeps the
// previous results; a FIFO is written through, not replaced. The full disk is
// a 64 KiB tmpfs the test mounts in its own folder (root only; skipped with
// the reason otherwise).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "program_test.hpp"

namespace {

namespace fs = std::filesystem;
using engram::bench_test::ProgramTest;
using engram::bench_test::slurp;
using engram::bench_test::write_text;
using ::testing::HasSubstr;

const std::string kBaseline = ENGRAM_BASELINE;
const std::string kHarness = ENGRAM_HARNESS;
class OutputTargetsProgram : public ProgramTest {};

const std::string kQuickBenchmark = " --benchmark_filter=vector_similarity_1000/reference --benchmark_min_time=0.01";

class FullDiskProgram : public ProgramTest {
 protected:
  void SetUp() override {
    ProgramTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs for a full disk needs root";
    small_ = dir_ / "small";
    fs::create_directories(small_);
    if (::mount("tmpfs", small_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0) {
      small_.clear();
      GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
    }
    // The previous results, then the rest of the space taken.
    write_text(small_ / "results.json", "previous results\n");
    write_text(small_ / "filler", std::string(80 * 1024, 'f'));  // cut short where the disk ends
  }
  void TearDown() override {
    if (!small_.empty()) ::umount2(small_.c_str(), MNT_DETACH);
    ProgramTest::TearDown();
  }
  fs::path small_;
};

TEST_F(FullDiskProgram, BaselineBenchmarkOutFailsAndKeepsThePreviousFile) {
  const auto r = run_program(kBaseline + kQuickBenchmark + " --benchmark_out=" + (small_ / "results.json").string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot write " + (small_ / "results.json").string()));
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
  EXPECT_EQ(slurp(small_ / "results.json"), "previous results\n");
}

TEST_F(FullDiskProgram, HarnessJsonFailsAndKeepsThePreviousFile) {
  const auto r = run_program(kHarness + " --scale 0.01 --json " + (small_ / "results.json").string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
  EXPECT_EQ(slurp(small_ / "results.json"), "previous results\n");
}

// A FIFO at --benchmark_out: Google Benchmark's JSON goes through it to a
// reader, and the FIFO stays a FIFO.
TEST_F(OutputTargetsProgram, BaselineWritesItsJsonThroughAFifo) {
  const fs::path fifo = dir_ / "results.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const auto r = run_program("(cat " + fifo.string() + " > " + (dir_ / "received.json").string() + " &) ; " +
                             kBaseline + kQuickBenchmark + " --benchmark_out=" + fifo.string() + "; wait");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < 50 && slurp(dir_ / "received.json").find("\"benchmarks\"") == std::string::npos; ++i) ::usleep(100000);
  EXPECT_THAT(slurp(dir_ / "received.json"), HasSubstr("\"benchmarks\""));
  struct stat status {};
  ASSERT_EQ(::lstat(fifo.c_str(), &status), 0);
  EXPECT_TRUE(S_ISFIFO(status.st_mode));
}

// A folder that does not exist fails before any benchmark runs.
TEST_F(OutputTargetsProgram, BaselineRefusesAnUnwritableBenchmarkOutBeforeRunning) {
  const auto r = run_program(kBaseline + kQuickBenchmark + " --benchmark_out=" + (dir_ / "missing" / "b.json").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot write"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("benchmarks in")));
}

}  // namespace
