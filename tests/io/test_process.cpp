// run_program (exit codes, signals, both outputs captured in full, a missing
// program) and the gnuplot driver (quoting; a gnuplot that fails leaves the
// target as it was and no temporary file; a missing gnuplot). The suites
// that run programs end in "Program" (label program, tests/io/CMakeLists.txt).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engram/io/gnuplot.hpp"
#include "engram/io/process.hpp"
#include "required_tool.hpp"
#include "temp_folder.hpp"

namespace {

namespace fs = std::filesystem;
using engram::testing::TempFolder;
using engram::testing::read_file;
using engram::io::gnuplot_quote;
using engram::io::render_gnuplot;
using engram::io::run_program;
using ::testing::HasSubstr;


// PATH with `dir` first for the test's lifetime, restored after.
class PathPrepended {
 public:
  explicit PathPrepended(const fs::path& dir) {
    const char* old = std::getenv("PATH");
    had_ = old != nullptr;
    if (had_) old_ = old;
    ::setenv("PATH", (dir.string() + (had_ ? ":" + old_ : std::string())).c_str(), 1);
  }
  ~PathPrepended() {
    if (had_) ::setenv("PATH", old_.c_str(), 1);
    else ::unsetenv("PATH");
  }
  PathPrepended(const PathPrepended&) = delete;
  PathPrepended& operator=(const PathPrepended&) = delete;

 private:
  bool had_ = false;
  std::string old_;
};

// ---------------------------------------------------------------- run_program

TEST(RunProgram, ExitCodeAndOutputs) {
  const auto ok = run_program({"sh", "-c", "printf 'out'; printf 'err' >&2; exit 0"});
  EXPECT_TRUE(ok.started);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.out, "out");
  EXPECT_EQ(ok.err, "err");
  const auto failed = run_program({"sh", "-c", "exit 7"});
  EXPECT_TRUE(failed.started);
  EXPECT_EQ(failed.exit_code, 7);
  // Arguments pass as they are, without a shell in between.
  const auto args = run_program({"printf", "%s|", "a b", "$HOME", "'q'", ""});
  EXPECT_EQ(args.out, "a b|$HOME|'q'||");
}

TEST(RunProgram, StdinIsEmpty) {
  const auto r = run_program({"sh", "-c", "cat; echo done"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "done\n");
}

TEST(RunProgram, KilledBySignalIs128PlusTheSignal) {
  EXPECT_EQ(run_program({"sh", "-c", "kill -TERM $$"}).exit_code, 128 + SIGTERM);
  EXPECT_EQ(run_program({"sh", "-c", "kill -KILL $$"}).exit_code, 128 + SIGKILL);
}

// Both pipes are drained together: a child that fills stderr while we would
// be waiting on stdout (or the reverse) must not block forever.
TEST(RunProgram, LargeOutputOnBothStreamsWithoutDeadlock) {
  // 4 MiB on each, interleaved in 64 KiB blocks, well past a pipe's 64 KiB.
  const auto r = run_program(
      {"sh", "-c", "i=0; while [ $i -lt 64 ]; do head -c 65536 /dev/zero; head -c 65536 /dev/zero >&2; "
                   "i=$((i+1)); done"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), 64u * 65536u);
  EXPECT_EQ(r.err.size(), 64u * 65536u);
  // All of stderr first, then all of stdout.
  const auto r2 = run_program({"sh", "-c", "head -c 1048576 /dev/zero >&2; head -c 1048576 /dev/zero"});
  EXPECT_EQ(r2.err.size(), 1048576u);
  EXPECT_EQ(r2.out.size(), 1048576u);
}

TEST(RunProgram, AMissingProgramDoesNotStart) {
  const auto r = run_program({"engram-no-such-program-anywhere"});
  EXPECT_FALSE(r.started);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(run_program({"/nonexistent/dir/prog"}).started);
  EXPECT_FALSE(run_program({}).started);
  TempFolder dir;
  const fs::path not_executable = dir.file("plain", "#!/bin/sh\nexit 0\n");
  EXPECT_FALSE(run_program({not_executable.string()}).started);
}

// With SIGCHLD ignored the kernel reaps the child itself and waitpid finds
// no status: the exit code is unknown, not 0.
TEST(RunProgram, NoStatusIsNotSuccess) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old {};
  ASSERT_EQ(::sigaction(SIGCHLD, &ignore, &old), 0);
  const auto r = run_program({"sh", "-c", "exit 3"});
  ::sigaction(SIGCHLD, &old, nullptr);
  EXPECT_TRUE(r.started);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.exit_code, -1);
}

// With this process's own stdin, stdout and stderr closed, the program still
// gets /dev/null as its stdin and its two pipes: the pipes' ends would
// otherwise land on 0, 1 and 2 themselves, keep close-on-exec there and be
// lost at the exec. Run in a child, so that this test binary keeps its own.
TEST(RunProgram, ClosedStandardStreamsStillGiveTheProgramItsThreeStreams) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(STDIN_FILENO);
    ::close(STDOUT_FILENO);
    ::close(STDERR_FILENO);
    const auto r = run_program({"sh", "-c", "cat && echo out && echo err >&2"});
    ::_exit(r.started && r.exit_code == 0 && r.out == "out\n" && r.err == "err\n" ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the program lost a stream";
}

// ---------------------------------------------------------------- gnuplot

TEST(GnuplotQuote, SingleQuotedLiteral) {
  EXPECT_EQ(gnuplot_quote(""), "''");
  EXPECT_EQ(gnuplot_quote("plain.svg"), "'plain.svg'");
  EXPECT_EQ(gnuplot_quote("it's"), "'it''s'");
  EXPECT_EQ(gnuplot_quote("''"), "''''''");
  EXPECT_EQ(gnuplot_quote("a\nb"), "'a b'");  // a newline would end the command
  EXPECT_EQ(gnuplot_quote("a\\n \"$x\" `cmd`"), "'a\\n \"$x\" `cmd`'");  // no escapes in single quotes
}

TEST(GnuplotArguments, OtherExtensionsAreRefusedBeforeAnythingRuns) {
  TempFolder dir;
  EXPECT_THROW(render_gnuplot("plot x", dir.path() / "plot.pdf", "engram-no-such-gnuplot"), std::invalid_argument);
  EXPECT_TRUE(dir.names().empty());
}

// The output path the driver gave gnuplot, from the script it wrote.
// (gnuplot_quote doubled any quote in it).
constexpr const char* kOutputOfScript =
    "out=$(sed -n \"s/^set output '\\(.*\\)'$/\\1/p\" \"$1\" | sed \"s/''/'/g\")\n";

TEST(GnuplotProgram, AFailingGnuplotLeavesTheTargetAndNoTemporary) {
  TempFolder dir;
  const fs::path bin = dir.path() / "bin";
  fs::create_directory(bin);
  // Draws half a plot into the temporary file, then fails as gnuplot does.
  std::ofstream(bin / "gnuplot") << "#!/bin/sh\n"
                                 << kOutputOfScript
                                 << "printf '<svg half' > \"$out\"\n"
                                    "echo '\"script\" line 3: undefined variable: x' >&2\n"
                                    "exit 1\n";
  fs::permissions(bin / "gnuplot", fs::perms::owner_all);
  const fs::path out = dir.path() / "plots" / "plot.svg";
  fs::create_directory(out.parent_path());
  std::ofstream(out) << "old plot";
  PathPrepended path(bin);
  std::string message;
  try {
    render_gnuplot("plot x", out);
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  EXPECT_THAT(message, HasSubstr("gnuplot could not draw " + out.string() + " (exit 1)"));
  EXPECT_THAT(message, HasSubstr("undefined variable: x"));
  EXPECT_EQ(read_file(out), "old plot");
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(out.parent_path())) left.push_back(entry.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"plot.svg"});
}

TEST(GnuplotProgram, AGnuplotThatDrawsNothingOrIsKilledFails) {
  TempFolder dir;
  const fs::path out = dir.path() / "plot.svg";
  const fs::path silent = dir.file("silent-gnuplot", "#!/bin/sh\nexit 0\n", true);
  EXPECT_THROW(render_gnuplot("plot x", out, silent.string()), std::runtime_error);
  const fs::path killed = dir.file("killed-gnuplot",
                                    std::string("#!/bin/sh\n") + kOutputOfScript + "echo x > \"$out\"; kill -KILL $$\n",
                                    true);
  try {
    render_gnuplot("plot x", out, killed.string());
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("(exit 137)"));
  }
  EXPECT_EQ(dir.names(), (std::vector<std::string>{"killed-gnuplot", "silent-gnuplot"}));
}

TEST(GnuplotProgram, ASucceedingGnuplotReplacesTheTarget) {
  TempFolder dir;
  const fs::path fake = dir.file("fake-gnuplot",
                                  std::string("#!/bin/sh\n") + kOutputOfScript +
                                      "grep -q '^set terminal svg size 640,480' \"$1\" || exit 2\n"
                                      "grep -q '^plot sin(x)$' \"$1\" || exit 3\n"
                                      "printf '<svg/>' > \"$out\"\n",
                                  true);
  const fs::path out = dir.path() / "it's a plot.svg";  // a quote in the name
  std::ofstream(out) << "old plot";
  render_gnuplot("plot sin(x)", out, fake.string(), {640, 480});
  EXPECT_EQ(read_file(out), "<svg/>");
  EXPECT_EQ(dir.names(), (std::vector<std::string>{"fake-gnuplot", "it's a plot.svg"}));
}

TEST(GnuplotProgram, AMissingGnuplotSaysHowToGetOne) {
  TempFolder dir;
  for (const std::string ext : {".svg", ".png"}) {
    try {
      render_gnuplot("plot x", dir.path() / ("plot" + ext), "engram-no-such-gnuplot");
      ADD_FAILURE() << "no error";
    } catch (const std::runtime_error& e) {
      EXPECT_THAT(e.what(), HasSubstr("cannot run engram-no-such-gnuplot (install gnuplot"));
    }
  }
  EXPECT_TRUE(dir.names().empty());
  EXPECT_FALSE(engram::io::find_gnuplot("engram-no-such-gnuplot").available);
}

TEST(GnuplotProgram, TheRealGnuplotDrawsBothFormats) {
  const auto info = engram::io::find_gnuplot();
  if (!info.available) ENGRAM_SKIP_WITHOUT_TOOL("gnuplot is not installed (Debian package gnuplot-nox)");
  EXPECT_THAT(info.version, HasSubstr("gnuplot"));
  TempFolder dir;
  render_gnuplot("plot x title 'it''s'", dir.path() / "p.svg");
  render_gnuplot("plot x", dir.path() / "p.png", "gnuplot", {320, 200});
  EXPECT_THAT(read_file(dir.path() / "p.svg"), HasSubstr("<svg"));
  EXPECT_EQ(read_file(dir.path() / "p.png").substr(1, 3), "PNG");
  EXPECT_EQ(dir.names(), (std::vector<std::string>{"p.png", "p.svg"}));
}

}  // namespace
