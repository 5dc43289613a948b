// The ecount CLI: doctor on this machine, stat on `true`, and every bad input
// of the issue (exit status 2 with a clear message).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "process.hpp"
#include "system_facts.hpp"

namespace {

using engram::counters::detail::Child;
using engram::counters::detail::ChildOptions;

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

Result ecount(std::vector<std::string> args, std::vector<std::pair<std::string, std::string>> environment = {}) {
  args.insert(args.begin(), ENGRAM_ECOUNT);
  ChildOptions options;
  options.environment = std::move(environment);
  Child child(args, options);
  Result result;
  result.status = child.wait(std::chrono::seconds(120));
  result.out = child.out();
  result.err = child.err();
  return result;
}

std::string temporary_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()))).string();
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

TEST(Ecount, DoctorExplainsTheMissingPmu) {
  const Result r = ecount({"doctor"});
  EXPECT_EQ(r.status, 0) << r.err;
  const auto& facts = engram::counters::detail::system_facts();
  for (const char* topic : {"perf_event_paranoid", "kptr_restrict", "CAP_PERFMON", "PAPI component perf_event",
                            "libpfm4", "valgrind"})
    EXPECT_NE(r.out.find(topic), std::string::npos) << topic << "\n" << r.out;
  if (facts.hardware_pmu) GTEST_SKIP() << "this machine has a hardware PMU; the no-PMU text does not apply";
  if (!facts.hypervisor) GTEST_SKIP() << "no PMU, but not a VM";
  EXPECT_NE(r.out.find("no hardware PMU (virtualized)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("consequences:"), std::string::npos);
  EXPECT_NE(r.out.find("simulated by callgrind"), std::string::npos);
  EXPECT_NE(r.out.find("fix: "), std::string::npos);
  const Result json = ecount({"doctor", "--json"});
  ASSERT_EQ(json.status, 0);
  const auto report = nlohmann::json::parse(json.out);
  EXPECT_EQ(report["summary"], "no hardware PMU (virtualized)");
  EXPECT_FALSE(report["hardware_pmu"].get<bool>());
  EXPECT_FALSE(report["consequences"].empty());
}

TEST(Ecount, StatCountsTaskClockAndPageFaultsOfTrue) {
  const std::string path = temporary_path("ecount-stat.json");
  const Result r = ecount({"stat", "-e", "task-clock,page-faults", "--json", "-o", path, "--", "true"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto report = read_json(path);
  std::filesystem::remove(path);
  ASSERT_EQ(report["counters"].size(), 2u);
  for (const auto& counter : report["counters"]) {
    EXPECT_EQ(counter["status"], "counted") << counter.dump();
    ASSERT_TRUE(counter["value"].is_number()) << counter.dump();
    EXPECT_GT(counter["value"].get<double>(), 0.0) << counter.dump();
  }
  EXPECT_EQ(report["exit_status"], 0);
  // The table goes to stderr by default, like perf stat.
  const Result table = ecount({"stat", "-e", "task-clock,page-faults", "--", "true"});
  EXPECT_EQ(table.status, 0);
  EXPECT_NE(table.err.find("task-clock"), std::string::npos) << table.err;
  EXPECT_NE(table.err.find("counted"), std::string::npos) << table.err;
}

TEST(Ecount, StatReturnsTheCommandsStatus) {
  const Result r = ecount({"stat", "-e", "task-clock", "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(r.status, 3) << r.err;
}

TEST(Ecount, StatRejectsUnknownCountersWithCloseMatches) {
  const Result r = ecount({"stat", "-e", "task-clok", "--", "true"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown counter 'task-clok'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("close matches: task-clock"), std::string::npos) << r.err;
}

TEST(Ecount, StatDeduplicatesWithANote) {
  const Result r = ecount({"stat", "-e", "task-clock,TASK-CLOCK,perf::TASK-CLOCK", "--", "true"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("duplicate counter 'TASK-CLOCK' removed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("duplicate counter 'perf::TASK-CLOCK' removed"), std::string::npos) << r.err;
}

TEST(Ecount, StatRejectsAnEmptyOrMissingList) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"stat", "-e", "", "--", "true"}, {"stat", "--", "true"}, {"stat", "-e", ",", "--", "true"},
        {"stat", "-e", "task-clock"}}) {
    const Result r = ecount(args);
    EXPECT_EQ(r.status, 2) << args.size();
    EXPECT_FALSE(r.err.empty());
  }
  EXPECT_NE(ecount({"stat", "--", "true"}).err.find("no counters"), std::string::npos);
  EXPECT_NE(ecount({"stat", "-e", "task-clock"}).err.find("no command"), std::string::npos);
}

TEST(Ecount, StatRejectsACommandThatCannotRun) {
  const Result missing = ecount({"stat", "-e", "task-clock", "--", "/nonexistent/command"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("cannot execute '/nonexistent/command'"), std::string::npos) << missing.err;
  const Result not_on_path = ecount({"stat", "-e", "task-clock", "--", "no-such-command-on-path"});
  EXPECT_EQ(not_on_path.status, 2);
  EXPECT_NE(not_on_path.err.find("not found on PATH"), std::string::npos) << not_on_path.err;
  // A file that exists but is no executable program.
  const std::string script = temporary_path("ecount-not-executable");
  std::ofstream(script) << "garbage\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  const Result bad_format = ecount({"stat", "-e", "task-clock", "--", script});
  std::filesystem::remove(script);
  EXPECT_EQ(bad_format.status, 2);
  EXPECT_NE(bad_format.err.find("cannot execute"), std::string::npos) << bad_format.err;
}

TEST(Ecount, StatNamesTheDebianPackageWhenValgrindIsMissing) {
  const auto& facts = engram::counters::detail::system_facts();
  // With a PMU, L1_DCM would simply be counted; force simulation.
  const std::vector<std::string> args = {"stat", "-e", "L1_DCM", facts.hardware_pmu ? "--sim=only" : "--sim=auto",
                                         "--valgrind", "/nonexistent/valgrind", "--", "true"};
  const Result r = ecount(args);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("Debian package `valgrind`"), std::string::npos) << r.err;
  // The same through PATH.
  std::vector<std::string> path_args = {"stat", "-e", "L1_DCM", "--sim=only", "--", "/bin/true"};
  const Result via_path = ecount(path_args, {{"PATH", "/nonexistent-directory"}});
  EXPECT_EQ(via_path.status, 2);
  EXPECT_NE(via_path.err.find("Debian package `valgrind`"), std::string::npos) << via_path.err;
}

TEST(Ecount, StatShowsNoPermissionWhenParanoidIsTooHigh) {
  const auto& facts = engram::counters::detail::system_facts();
  if (facts.cap_perfmon || facts.cap_sys_admin || facts.perf_event_paranoid.value_or(0) < 3)
    GTEST_SKIP() << "perf_event_paranoid does not block this process (the fake-kernel test "
                    "FakeKernel.PermissionRefusalGivesNoPermissionWithTheFix covers the message)";
  const Result r = ecount({"stat", "-e", "task-clock", "--", "true"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("no_permission"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sudo sysctl kernel.perf_event_paranoid=1"), std::string::npos) << r.err;
}

TEST(Ecount, EverySubcommandHasHelp) {
  for (const char* command : {"doctor", "list", "stat"}) {
    const Result r = ecount({command, "--help"});
    EXPECT_EQ(r.status, 0) << command;
    EXPECT_NE(r.out.find(std::string("usage: ecount ") + command), std::string::npos) << r.out;
  }
  const Result top = ecount({"--help"});
  EXPECT_EQ(top.status, 0);
  EXPECT_NE(top.out.find("doctor"), std::string::npos);
}

TEST(Ecount, BadInvocationsExitWithTwo) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{}, {"frobnicate"}, {"doctor", "--bogus"}, {"list", "--sim=sometimes"},
        {"list", "a", "b"}, {"stat", "--bogus", "-e", "task-clock", "--", "true"},
        {"stat", "-e", "task-clock", "--sim", "maybe", "--", "true"}}) {
    const Result r = ecount(args);
    EXPECT_EQ(r.status, 2) << (args.empty() ? "(no arguments)" : args.front());
    EXPECT_FALSE(r.err.empty());
  }
}

TEST(Ecount, ListShowsBackendAndStatus) {
  const Result r = ecount({"list", "task-clock", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto listing = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& entry : listing) {
    if (entry["name"] != "task-clock") continue;
    found = true;
    EXPECT_EQ(entry["backend"], "perf_event");
    EXPECT_EQ(entry["status"], "counted");
  }
  EXPECT_TRUE(found) << r.out;
  const Result presets = ecount({"list", "PAPI_L1_DCM"});
  EXPECT_EQ(presets.status, 0);
  EXPECT_NE(presets.out.find("PAPI_L1_DCM"), std::string::npos);
}

}  // namespace
