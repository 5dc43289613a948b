// The ecount CLI: doctor on this machine, stat on `true` (with and without
// simulation), list with --available and --sim, and every bad input of the
// issue (exit status 2 with a clear message; 1 when valgrind is missing).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "process.hpp"
#include "system_facts.hpp"
#include "perf_event_access.hpp"

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
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
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

TEST(Ecount, StatRefusesTheSameCounterTwice) {
  const Result r = ecount({"stat", "-e", "task-clock,TASK-CLOCK", "--", "true"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("counter 'TASK-CLOCK' is listed twice (the same counter as 'task-clock'"), std::string::npos)
      << r.err;
}

// An 8,192-character name aborted ecount inside PAPI ("buffer overflow detected").
TEST(Ecount, StatRefusesAnOverlongCounterNameBeforePapiSeesIt) {
  for (const std::string prefix : {"", "PAPI_", "perf::"}) {
    const Result r = ecount({"stat", "-e", prefix + std::string(8192, 'A'), "--", "true"});
    EXPECT_EQ(r.status, 2) << prefix << r.err;
    EXPECT_NE(r.err.find("longer than the 1023 PAPI and libpfm4 accept"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("buffer overflow"), std::string::npos) << r.err;
  }
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
  // A needed program that is missing is a failure (1), not bad input.
  const Result r = ecount(args);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("Debian package `valgrind`"), std::string::npos) << r.err;
  // The same through PATH.
  std::vector<std::string> path_args = {"stat", "-e", "L1_DCM", "--sim=only", "--", "/bin/true"};
  const Result via_path = ecount(path_args, {{"PATH", "/nonexistent-directory"}});
  EXPECT_EQ(via_path.status, 1);
  EXPECT_NE(via_path.err.find("Debian package `valgrind`"), std::string::npos) << via_path.err;
}

TEST(Ecount, StatShowsNoPermissionWhenParanoidIsTooHigh) {
  if (!engram::testing::perf_events_refused())
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
  EXPECT_NE(top.out.find("Exit codes:\n  0  ok\n  1  failure"), std::string::npos) << top.out;
  EXPECT_NE(ecount({"stat", "--help"}).out.find("  2  bad usage or bad input"), std::string::npos);
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

// A report that cannot be written (a path under a regular file) is a failure,
// 1, not the command's status.
TEST(Ecount, StatWithAnUnwritableOutputExitsOne) {
  const std::string file = temporary_path("ecount-regular-file");
  std::ofstream(file) << "a regular file\n";
  const Result r = ecount({"stat", "-e", "task-clock", "-o", file + "/out.txt", "--", "true"});
  std::filesystem::remove(file);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("ecount stat: error: cannot write " + file + "/out.txt"), std::string::npos) << r.err;
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

// A text field of a JSON entry, as a string for readable failure messages.
std::string field(const nlohmann::json& entry, const char* key) {
  return entry.contains(key) && entry[key].is_string() ? entry[key].get<std::string>() : "(missing) " + entry.dump();
}

// --available keeps exactly the counters whose status is not unsupported or
// no_permission: every entry of the full listing is checked, in both
// directions.
TEST(Ecount, ListAvailableKeepsExactlyTheCountersThatCountHere) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  for (const char* mode : {"--sim=never", "--sim=only"}) {
    const Result all = ecount({"list", mode, "--json"});
    const Result available = ecount({"list", mode, "--available", "--json"});
    ASSERT_EQ(all.status, 0) << all.err;
    ASSERT_EQ(available.status, 0) << available.err;
    std::multiset<std::string> kept;
    for (const auto& entry : nlohmann::json::parse(available.out)) {
      const std::string status = field(entry, "status");
      EXPECT_TRUE(status == "counted" || status == "multiplexed" || status == "simulated") << mode << " " << entry.dump();
      kept.insert(field(entry, "name") + " (" + field(entry, "source") + ")");
    }
    std::multiset<std::string> expected;
    std::size_t left_out = 0;
    for (const auto& entry : nlohmann::json::parse(all.out)) {
      const std::string status = field(entry, "status");
      if (status == "unsupported" || status == "no_permission")
        ++left_out;
      else
        expected.insert(field(entry, "name") + " (" + field(entry, "source") + ")");
    }
    EXPECT_EQ(kept, expected) << mode;
    EXPECT_TRUE(kept.count("task-clock (perf generic)")) << mode << ": a software event counts everywhere";
    // Without a PMU the hardware events (and the PAPI presets without a
    // simulated form) cannot count: the filter has something to leave out.
    if (!engram::counters::detail::system_facts().hardware_pmu) {
      EXPECT_GT(left_out, 0u) << mode;
    }
  }
  // Simulation only: the cache counters are available (simulated) on any
  // machine; without a PMU and without simulation they are not.
  const Result only = ecount({"list", "--sim=only", "--available", "--json"});
  const Result never = ecount({"list", "--sim=never", "--available", "--json"});
  EXPECT_NE(only.out.find("\"PAPI_L1_DCM\""), std::string::npos) << only.out;
  if (!engram::counters::detail::system_facts().hardware_pmu) {
    EXPECT_EQ(never.out.find("\"PAPI_L1_DCM\""), std::string::npos) << never.out;
  }
}

const nlohmann::json* listing_of(const nlohmann::json& listing, const std::string& name) {
  for (const auto& entry : listing)
    if (entry["name"] == name) return &entry;
  return nullptr;
}

TEST(Ecount, ListSimModeDecidesWhetherCacheCountersAreSimulated) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  const bool pmu = engram::counters::detail::system_facts().hardware_pmu;
  const Result only = ecount({"list", "L1_DCM", "--sim=only", "--json"});
  ASSERT_EQ(only.status, 0) << only.err;
  const auto only_listing = nlohmann::json::parse(only.out);
  const nlohmann::json* simulated = listing_of(only_listing, "PAPI_L1_DCM");
  ASSERT_NE(simulated, nullptr) << only.out;
  EXPECT_EQ(field(*simulated, "backend"), "simulated");
  EXPECT_EQ(field(*simulated, "status"), "simulated");
  EXPECT_NE(field(*simulated, "reason").find("D1mr + D1mw"), std::string::npos) << simulated->dump();

  const Result never = ecount({"list", "L1_DCM", "--sim=never", "--json"});
  ASSERT_EQ(never.status, 0) << never.err;
  const auto never_listing = nlohmann::json::parse(never.out);
  const nlohmann::json* hardware = listing_of(never_listing, "PAPI_L1_DCM");
  ASSERT_NE(hardware, nullptr) << never.out;
  EXPECT_NE(field(*hardware, "backend"), "simulated") << hardware->dump();
  EXPECT_NE(field(*hardware, "status"), "simulated") << hardware->dump();
  if (!pmu) {
    EXPECT_EQ(field(*hardware, "backend"), "none");
    EXPECT_EQ(field(*hardware, "status"), "unsupported");
    EXPECT_NE(field(*hardware, "reason").find("no hardware PMU"), std::string::npos) << hardware->dump();
  }

  // auto (the default): simulated where the hardware cannot count it, so never unsupported.
  const Result automatic = ecount({"list", "L1_DCM", "--json"});
  ASSERT_EQ(automatic.status, 0) << automatic.err;
  const auto automatic_listing = nlohmann::json::parse(automatic.out);
  const nlohmann::json* chosen = listing_of(automatic_listing, "PAPI_L1_DCM");
  ASSERT_NE(chosen, nullptr) << automatic.out;
  EXPECT_NE(field(*chosen, "status"), "unsupported") << chosen->dump();
  if (!pmu) {
    EXPECT_EQ(field(*chosen, "status"), "simulated") << chosen->dump();
  }

  // Software events are counted, never simulated, in every mode.
  const Result software = ecount({"list", "task-clock", "--sim=only", "--json"});
  const auto software_listing = nlohmann::json::parse(software.out);
  const nlohmann::json* task_clock = listing_of(software_listing, "task-clock");
  ASSERT_NE(task_clock, nullptr) << software.out;
  EXPECT_EQ(field(*task_clock, "backend"), "perf_event");
  EXPECT_EQ(field(*task_clock, "status"), "counted");

  const Result bad = ecount({"list", "--sim=sometimes"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("unknown simulation mode 'sometimes': use auto, never or only"), std::string::npos) << bad.err;
  EXPECT_TRUE(bad.out.empty()) << bad.out;
}

// --sim=never: what the hardware and the kernel count is counted, the rest
// stays without a value, and valgrind is never needed (a bad --valgrind path
// is harmless; with --sim=only the same command needs it and fails).
TEST(Ecount, StatSimNeverCountsWhatItCanAndNeverRunsValgrind) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  const std::string path = temporary_path("ecount-stat-never.json");
  const Result r = ecount({"stat", "-e", "task-clock,L1_DCM", "--sim=never", "--valgrind", "/nonexistent/valgrind",
                           "--json", "-o", path, "--", "true"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto report = read_json(path);
  std::filesystem::remove(path);
  ASSERT_EQ(report["counters"].size(), 2u) << report.dump(2);
  const auto& task_clock = report["counters"][0];
  EXPECT_EQ(field(task_clock, "requested"), "task-clock");
  EXPECT_EQ(field(task_clock, "status"), "counted") << task_clock.dump();
  ASSERT_TRUE(task_clock["value"].is_number()) << task_clock.dump();
  EXPECT_GT(task_clock["value"].get<double>(), 0.0);
  const auto& cache = report["counters"][1];
  EXPECT_EQ(field(cache, "requested"), "L1_DCM");
  EXPECT_NE(field(cache, "status"), "simulated") << cache.dump();
  EXPECT_NE(field(cache, "backend"), "simulated") << cache.dump();
  if (!engram::counters::detail::system_facts().hardware_pmu) {
    EXPECT_EQ(field(cache, "status"), "unsupported") << cache.dump();
    EXPECT_TRUE(cache["value"].is_null()) << "never a made-up 0: " << cache.dump();
    EXPECT_NE(field(cache, "reason").find("no hardware PMU"), std::string::npos) << cache.dump();
  }
  for (const auto& note : report["notes"])
    EXPECT_EQ(note.get<std::string>().find("run under callgrind"), std::string::npos) << "no simulated re-run: " << note;

  const Result only = ecount({"stat", "-e", "task-clock,L1_DCM", "--sim=only", "--valgrind", "/nonexistent/valgrind",
                              "--", "true"});
  EXPECT_EQ(only.status, 1);
  EXPECT_NE(only.err.find("Debian package `valgrind`"), std::string::npos) << only.err;

  const Result bad = ecount({"stat", "-e", "task-clock", "--sim=bogus", "--", "true"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("unknown simulation mode 'bogus': use auto, never or only"), std::string::npos) << bad.err;
}

}  // namespace
