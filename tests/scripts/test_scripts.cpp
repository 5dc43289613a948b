// Every script's command line: what --help says, and that a bad option or a
// bad value stops it with exit 2 and a message naming the problem before it
// installs, builds or runs anything (a bad flag must not cost a build).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "program_run.hpp"

namespace {

using ScriptRun = engram::testing::ProgramRun;

// The script runs with stdin closed and a time limit: a script that went on
// to set-up or build instead of rejecting its arguments fails by timeout (124).
ScriptRun run_script(const std::string& script_and_args, const std::string& environment = "") {
  return engram::testing::run_shell("cd '" ENGRAM_SOURCE_DIR "' && " + environment + " timeout 60 bash " +
                                    script_and_args + " </dev/null");
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct ScriptCase {
  const char* script;       // relative to the repository root
  const char* usage_line;   // what --help must show
};

const std::vector<ScriptCase>& scripts() {
  static const std::vector<ScriptCase> all = {
      {"scripts/bootstrap.sh", "usage: scripts/bootstrap.sh"},
      {"scripts/test.sh", "usage: scripts/test.sh"},
      {"scripts/coverage.sh", "usage: scripts/coverage.sh"},
      {"scripts/profile_hotspots.sh", "usage: scripts/profile_hotspots.sh"},
      {"scripts/performance_report.sh", "usage: scripts/performance_report.sh"},
      {"scripts/emulated_pmu.sh", "scripts/emulated_pmu.sh prepare"},
      {"tests/emulated_pmu/run_in_guest.sh", "usage: run_in_guest.sh"},
  };
  return all;
}

void PrintTo(const ScriptCase& c, std::ostream* os) { *os << c.script; }

class ScriptCli : public ::testing::TestWithParam<ScriptCase> {};

TEST_P(ScriptCli, HelpExitsZeroAndShowsTheUsage) {
  for (const char* flag : {"--help", "-h"}) {
    const ScriptRun run = run_script(std::string(GetParam().script) + " " + flag);
    EXPECT_EQ(run.exit_code, 0) << flag << "\n" << run.output;
    EXPECT_TRUE(contains(run.output, GetParam().usage_line)) << flag << "\n" << run.output;
  }
}

TEST_P(ScriptCli, UnknownOptionExitsTwoNamingIt) {
  const ScriptRun run = run_script(std::string(GetParam().script) + " --frobnicate");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "'--frobnicate'")) << run.output;
}

std::string script_test_name(const ::testing::TestParamInfo<ScriptCase>& info) {
  std::string name = info.param.script;
  name = name.substr(name.rfind('/') + 1);
  return name.substr(0, name.find('.'));
}

INSTANTIATE_TEST_SUITE_P(Scripts, ScriptCli, ::testing::ValuesIn(scripts()), script_test_name);

// Bad values: exit 2, the message names the option, nothing starts.
struct BadValue {
  const char* arguments;
  const char* message;
};

void PrintTo(const BadValue& v, std::ostream* os) { *os << v.arguments; }

class ScriptBadValue : public ::testing::TestWithParam<BadValue> {};

TEST_P(ScriptBadValue, ExitsTwoWithTheReason) {
  const ScriptRun run = run_script(GetParam().arguments);
  EXPECT_EQ(run.exit_code, 2) << GetParam().arguments << "\n" << run.output;
  EXPECT_TRUE(contains(run.output, GetParam().message)) << GetParam().arguments << "\n" << run.output;
}

INSTANTIATE_TEST_SUITE_P(
    Scripts, ScriptBadValue,
    ::testing::Values(BadValue{"scripts/bootstrap.sh --preset nosuch", "unknown preset 'nosuch'"},
                      BadValue{"scripts/bootstrap.sh --preset", "--preset needs a value"},
                      BadValue{"scripts/bootstrap.sh --target", "--target needs a value"},
                      BadValue{"scripts/test.sh --preset nosuch", "unknown preset 'nosuch'"},
                      BadValue{"scripts/test.sh --preset", "--preset needs a value"},
                      BadValue{"scripts/coverage.sh --min lots", "--min wants a percentage"},
                      BadValue{"scripts/coverage.sh --min", "--min needs a value"},
                      BadValue{"scripts/profile_hotspots.sh --freq 0", "--freq must be a positive whole number"},
                      BadValue{"scripts/profile_hotspots.sh --freq fast", "--freq must be a positive whole number"},
                      BadValue{"scripts/profile_hotspots.sh --call-graph lbr", "--call-graph must be fp or dwarf"},
                      BadValue{"scripts/profile_hotspots.sh --diff /nonexistent/old.folded", "--diff: cannot read"},
                      BadValue{"scripts/profile_hotspots.sh --out", "--out needs a value"},
                      BadValue{"scripts/performance_report.sh --runs 0", "--runs must be a positive whole number"},
                      BadValue{"scripts/performance_report.sh --repetitions x", "--repetitions must be a positive whole number"},
                      BadValue{"scripts/performance_report.sh --out", "--out needs a value"},
                      BadValue{"scripts/emulated_pmu.sh run --timeout", "--timeout"},
                      BadValue{"scripts/emulated_pmu.sh frobnicate", "'frobnicate'"},
                      BadValue{"tests/emulated_pmu/run_in_guest.sh --suite", "usage"}),
    [](const ::testing::TestParamInfo<BadValue>& param) { return "case" + std::to_string(param.index); });

// bootstrap's dry path: --check says which packages are missing and touches
// nothing (a test must never install packages, even as root). After set-up
// every package is present; where one is missing it is named and the exit is 1.
TEST(ScriptDryPath, BootstrapCheckOnlyReportsThePackages) {
  const ScriptRun run = run_script("scripts/bootstrap.sh --check");
  if (run.exit_code == 0) {
    EXPECT_TRUE(contains(run.output, "Debian packages present")) << run.output;
  } else {
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_TRUE(contains(run.output, "missing Debian packages: ")) << run.output;
  }
  EXPECT_FALSE(contains(run.output, "installing")) << run.output;
  EXPECT_FALSE(contains(run.output, "configuring preset")) << run.output;
}

// The missing-package branch, on a machine where nothing is installed: fake
// dpkg-query (knows no package), dpkg and apt-get (leaves a mark if run) come
// first on PATH. --check names what is missing, exits 1, and never installs.
TEST(ScriptDryPath, BootstrapCheckNamesMissingPackagesAndInstallsNothing) {
  char pattern[] = "/tmp/engram-fake-dpkg-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  const std::string mark = dir + "/apt-get-ran";
  const auto fake = [&](const std::string& name, const std::string& body) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
  };
  fake("dpkg-query", "exit 1");
  fake("dpkg", "case \"$1\" in --print-architecture) echo amd64 ;; esac");
  fake("apt-get", "touch '" + mark + "'");
  const ScriptRun run = run_script("scripts/bootstrap.sh --check", "PATH='" + dir + "':\"$PATH\"");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(contains(run.output, "missing Debian packages: g++ cmake ninja-build")) << run.output;
  EXPECT_FALSE(std::filesystem::exists(mark)) << "--check ran apt-get";
  std::filesystem::remove_all(dir);
}

}  // namespace
