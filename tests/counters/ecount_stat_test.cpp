// `ecount stat` with perf stat's habits (issue 15, item 4): the -r, -x, -p,
// --duration flags and their bad values; the CSV layout and the -r means
// against perf stat itself, run in the same test on the same command; an
// unsupported hardware event as <not supported>; the command's exit status;
// attaching to a process the test starts, ended by a duration, by the
// process' exit and by SIGINT; a permission refusal on attach.
//
// The binary is also the page-touching workload of the -r comparison:
// `test_ecount_stat --touch-pages N` writes one byte into each of N fresh
// pages, so each run takes N page faults plus the program's own.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "perf_event_access.hpp"
#include "process.hpp"
#include "required_tool.hpp"
#include "system_facts.hpp"

namespace {

using engram::counters::detail::Child;
using engram::counters::detail::ChildOptions;

std::string g_self;  // this binary, for --touch-pages

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

Result run(std::vector<std::string> args, std::chrono::seconds timeout = std::chrono::seconds(120)) {
  Child child(args, ChildOptions{});
  Result result;
  result.status = child.wait(timeout);
  result.out = child.out();
  result.err = child.err();
  return result;
}

Result ecount(std::vector<std::string> args) {
  args.insert(args.begin(), ENGRAM_ECOUNT);
  return run(std::move(args));
}

std::vector<std::string> split(const std::string& text, const std::string& sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(sep, start);
    out.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + sep.size();
  }
  return out;
}

// The CSV lines of a report: perf and ecount print nothing else with -x, but
// perf may add an empty line; stderr of the command itself is empty here.
std::vector<std::vector<std::string>> csv_rows(const std::string& text, const std::string& sep = ",") {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(split(line, sep));
  return rows;
}

std::string dump(const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) out += (i ? "|" : "") + row[i];
    out += "\n";
  }
  return out;
}

// perf stat on this machine, or the reason it cannot be used here.
std::optional<std::string> perf_unusable() {
  if (!std::filesystem::exists("/usr/bin/perf")) return "perf is not installed (Debian package linux-perf)";
  const Result r = run({"/usr/bin/perf", "stat", "-x,", "-e", "task-clock,page-faults", "--", "true"});
  if (r.status != 0) return "perf stat -e task-clock,page-faults fails here: " + r.err;
  for (const auto& row : csv_rows(r.err))
    if (row.empty() || row[0].rfind("<not", 0) == 0) return "perf stat cannot count task-clock,page-faults here: " + r.err;
  return std::nullopt;
}

#define SKIP_WITHOUT_PERF()                                                 \
  do {                                                                      \
    ENGRAM_SKIP_WITHOUT_PERF_EVENTS();                                      \
    if (const auto why_perf = perf_unusable()) ENGRAM_SKIP_WITHOUT_TOOL(*why_perf); \
  } while (false)

// ------------------------------------------------------------ flag parsing

TEST(EcountStatFlagsTool, BadValuesExitTwoWithAMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"-r", "0", "-e", "task-clock", "--", "true"}, "-r: expected a whole number in [1, 10000], found 0"},
      {{"-r", "many", "-e", "task-clock", "--", "true"}, "-r: expected a whole number"},
      {{"--repeat=-3", "-e", "task-clock", "--", "true"}, "--repeat: expected a whole number"},
      {{"-e", "task-clock", "-r"}, "-r needs a value"},
      {{"-x", "", "-e", "task-clock", "--", "true"}, "the field separator is empty"},
      {{"--field-separator=", "-e", "task-clock", "--", "true"}, "the field separator is empty"},
      {{"-p", "0", "-e", "task-clock"}, "-p: expected a whole number in [1, "},
      {{"--pid", "12x", "-e", "task-clock"}, "--pid: expected a whole number"},
      {{"-p", "1", "--duration", "0", "-e", "task-clock"}, "--duration: expected a number in (0, "},
      {{"-p", "1", "--duration", "nan", "-e", "task-clock"}, "--duration: expected a number"},
      {{"--duration", "1", "-e", "task-clock", "--", "true"}, "--duration counts an attached process"},
      {{"-p", "1", "-r", "2", "-e", "task-clock"}, "-r and -p"},
      {{"-p", "1", "--duration", "1", "-e", "task-clock", "--", "sleep", "1"}, "choose one end"},
      {{"-p", "1", "--sim=only", "-e", "L1_DCM"}, "--sim=only and -p"},
      {{"-x,", "--json", "-e", "task-clock", "--", "true"}, "--json and -x"},
      {{"-p", "2147483646", "-e", "task-clock", "--duration", "1"}, "-p 2147483646: no such process"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.begin(), "stat");
    const Result r = ecount(args);
    std::string shown;
    for (const auto& a : c.args) shown += a + " ";
    EXPECT_EQ(r.status, 2) << shown << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << shown << "\n" << r.err;
    EXPECT_NE(r.err.find("Try 'ecount stat --help'"), std::string::npos) << shown << "\n" << r.err;
  }
}

TEST(EcountStatFlagsTool, EverySpellingOfTheNewFlagsIsAccepted) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"-x,"}, {"-x", ","}, {"--field-separator", ","}, {"--field-separator=,"}}) {
    std::vector<std::string> args = {"stat"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"-e", "task-clock", "--", "true"});
    const Result r = ecount(args);
    EXPECT_EQ(r.status, 0) << flags.front() << r.err;
    const auto rows = csv_rows(r.err);
    ASSERT_EQ(rows.size(), 1u) << flags.front() << r.err;
    EXPECT_EQ(rows[0].size(), 7u) << r.err;
  }
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"-r3"}, {"-r", "3"}, {"--repeat", "3"}, {"--repeat=3"}}) {
    std::vector<std::string> args = {"stat", "-x;"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"-e", "task-clock", "--", "true"});
    const Result r = ecount(args);
    EXPECT_EQ(r.status, 0) << flags.front() << r.err;
    const auto rows = csv_rows(r.err, ";");
    ASSERT_EQ(rows.size(), 1u) << flags.front() << r.err;
    ASSERT_EQ(rows[0].size(), 8u) << "-r adds the variance field: " << r.err;
    EXPECT_EQ(rows[0][3].back(), '%') << r.err;
  }
  const Result help = ecount({"stat", "--help"});
  EXPECT_EQ(help.status, 0);
  for (const char* text : {"-r, --repeat N", "-x, --field-separator SEP", "-p, --pid PID", "--duration S",
                           "<not supported>", "\"simulated\" in the metric unit", "perf returns 0 there",
                           "Workload failed"})
    EXPECT_NE(help.out.find(text), std::string::npos) << text;
}

// ------------------------------------------------------------ against perf

// The same events, the same command: the same number of fields on each line,
// the same event names and units. Values differ run to run and are not compared.
TEST(EcountStatCsvTool, FieldsLineUpWithPerfStat) {
  SKIP_WITHOUT_PERF();
  for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"-r", "3"}}) {
    std::vector<std::string> common = {"-x,"};
    common.insert(common.end(), extra.begin(), extra.end());
    common.insert(common.end(), {"-e", "task-clock,page-faults,context-switches", "--", "true"});
    std::vector<std::string> perf_args = {"/usr/bin/perf", "stat"};
    perf_args.insert(perf_args.end(), common.begin(), common.end());
    std::vector<std::string> ecount_args = {"stat"};
    ecount_args.insert(ecount_args.end(), common.begin(), common.end());
    const Result p = run(perf_args);
    const Result e = ecount(ecount_args);
    ASSERT_EQ(p.status, 0) << p.err;
    ASSERT_EQ(e.status, 0) << e.err;
    const auto perf_rows = csv_rows(p.err);
    const auto ours = csv_rows(e.err);
    ASSERT_EQ(ours.size(), perf_rows.size()) << "perf:\n" << p.err << "ecount:\n" << e.err;
    const std::size_t fields = extra.empty() ? 7 : 8;
    for (std::size_t i = 0; i < ours.size(); ++i) {
      ASSERT_EQ(perf_rows[i].size(), fields) << dump(perf_rows);
      ASSERT_EQ(ours[i].size(), perf_rows[i].size()) << "line " << i << "\nperf:\n" << dump(perf_rows) << "ecount:\n"
                                                     << dump(ours);
      EXPECT_EQ(ours[i][1], perf_rows[i][1]) << "unit, line " << i;
      EXPECT_EQ(ours[i][2], perf_rows[i][2]) << "event, line " << i;
      const std::size_t metric_unit = fields - 1;
      EXPECT_EQ(ours[i][metric_unit].empty(), perf_rows[i][metric_unit].empty()) << dump(perf_rows) << dump(ours);
      // A number in the value field, as perf's.
      EXPECT_NO_THROW((void)std::stod(ours[i][0])) << ours[i][0];
      if (!extra.empty()) {
        EXPECT_EQ(ours[i][3].back(), '%');
      }
    }
    EXPECT_EQ(ours[0][fields - 1], "CPUs utilized") << dump(ours);
  }
}


// A mean and its standard error as a tool printed them with -r: the value
// field and the variance field ("x.xx%", relative standard error of the mean).
struct Mean {
  double value = 0;
  double standard_error = 0;
};
std::optional<Mean> mean_of(const std::vector<std::vector<std::string>>& rows, const std::string& event) {
  for (const auto& row : rows) {
    if (row.size() < 4 || row[2] != event) continue;
    try {
      const double value = std::stod(row[0]);
      const double percent = std::stod(row[3]);
      // The figure is printed with two decimals: take the largest standard
      // error it can stand for (half a unit of its last digit more).
      return Mean{value, value * (percent + 0.005) / 100.0};
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// -r 5 against perf stat -r 5 on a workload with a fixed number of page
// faults (2,000 pages written plus the program's own start-up). The two
// means agree when they differ by at most three of their combined standard
// errors, sqrt(se_ecount^2 + se_perf^2), each taken from the tool's own
// variance field (at the top of what its two printed decimals can mean),
// plus 1: both print the mean rounded to a whole count (half a fault each). A systematic offset (faults counted before exec, as
// ecount's runs after the first once did) is far outside that.
TEST(EcountStatRepeatTool, MeansAgreeWithPerfStatWithinTheirOwnStandardErrors) {
  SKIP_WITHOUT_PERF();
  const std::vector<std::string> workload = {g_self, "--touch-pages", "2000"};
  std::vector<std::string> perf_args = {"/usr/bin/perf", "stat", "-r", "5", "-x,", "-e", "task-clock,page-faults", "--"};
  perf_args.insert(perf_args.end(), workload.begin(), workload.end());
  std::vector<std::string> ecount_args = {"stat", "-r", "5", "-x,", "-e", "task-clock,page-faults", "--"};
  ecount_args.insert(ecount_args.end(), workload.begin(), workload.end());
  const Result p = run(perf_args);
  const Result e = ecount(ecount_args);
  ASSERT_EQ(p.status, 0) << p.err;
  ASSERT_EQ(e.status, 0) << e.err;
  const auto perf_mean = mean_of(csv_rows(p.err), "page-faults");
  const auto our_mean = mean_of(csv_rows(e.err), "page-faults");
  ASSERT_TRUE(perf_mean) << p.err;
  ASSERT_TRUE(our_mean) << e.err;
  EXPECT_GE(our_mean->value, 2000) << "every touched page faults: " << e.err;
  const double tolerance =
      3 * std::sqrt(our_mean->standard_error * our_mean->standard_error +
                    perf_mean->standard_error * perf_mean->standard_error) + 1;
  EXPECT_LE(std::fabs(our_mean->value - perf_mean->value), tolerance)
      << "ecount " << our_mean->value << " +- " << our_mean->standard_error << ", perf " << perf_mean->value << " +- "
      << perf_mean->standard_error << "\nperf:\n" << p.err << "ecount:\n" << e.err;
  // The table shows the same figure with perf's ( +- x.xx% ).
  const Result table = ecount({"stat", "-r", "3", "-e", "page-faults", "--", "true"});
  EXPECT_EQ(table.status, 0);
  EXPECT_NE(table.err.find("(3 runs)"), std::string::npos) << table.err;
  EXPECT_NE(table.err.find("( +- "), std::string::npos) << table.err;
  EXPECT_NE(table.err.find("seconds time elapsed  ( +- "), std::string::npos) << table.err;
}

// ---------------------------------------------------- statuses in the CSV

TEST(EcountStatCsvTool, AnUnsupportedHardwareEventIsNotSupportedNeverZero) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  if (engram::counters::detail::system_facts().hardware_pmu)
    GTEST_SKIP() << "this machine has a hardware PMU: cycles is counted here";
  const Result e = ecount({"stat", "-x,", "--sim=never", "-e", "task-clock,cycles", "--", "true"});
  ASSERT_EQ(e.status, 0) << e.err;
  const auto rows = csv_rows(e.err);
  ASSERT_EQ(rows.size(), 2u) << e.err;
  ASSERT_EQ(rows[1].size(), 7u) << e.err;
  EXPECT_EQ(rows[1][0], "<not supported>") << e.err;
  EXPECT_EQ(rows[1][2], "cycles");
  EXPECT_EQ(rows[1][3], "0") << "never on a PMU: run time 0";
  EXPECT_EQ(rows[1][4], "100.00");
  EXPECT_EQ(rows[1][6], "unsupported");
  // perf writes the same line, but for our status in the last field.
  if (!perf_unusable()) {
    const Result p = run({"/usr/bin/perf", "stat", "-x,", "-e", "task-clock,cycles", "--", "true"});
    const auto perf_rows = csv_rows(p.err);
    ASSERT_EQ(perf_rows.size(), 2u) << p.err;
    std::vector<std::string> expected = perf_rows[1];
    expected[6] = "unsupported";
    EXPECT_EQ(rows[1], expected) << p.err << e.err;
  }
}

TEST(EcountStatCsvTool, SimulatedCountsSayItInTheMetricUnitField) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  if (!std::filesystem::exists("/usr/bin/valgrind")) ENGRAM_SKIP_WITHOUT_TOOL("valgrind is not installed");
  const Result e = ecount({"stat", "-x,", "-r", "2", "--sim=only", "-e", "task-clock,L1_DCM", "--", "true"});
  ASSERT_EQ(e.status, 0) << e.err;
  const auto rows = csv_rows(e.err);
  ASSERT_EQ(rows.size(), 2u) << e.err;
  ASSERT_EQ(rows[1].size(), 8u) << e.err;
  EXPECT_GT(std::stod(rows[1][0]), 0) << e.err;
  EXPECT_EQ(rows[1][2], "L1_DCM");
  EXPECT_EQ(rows[1][3], "0.00%") << "one deterministic callgrind run";
  EXPECT_EQ(rows[1][4], "0");
  EXPECT_EQ(rows[1][5], "100.00");
  EXPECT_EQ(rows[1][7], "simulated");
}

// ------------------------------------------------------------- exit status

TEST(EcountStatExitTool, TheCommandsStatusPassesThrough) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  EXPECT_EQ(ecount({"stat", "-e", "task-clock", "--", "sh", "-c", "exit 3"}).status, 3);
  EXPECT_EQ(ecount({"stat", "-x,", "-e", "task-clock", "--", "sh", "-c", "exit 3"}).status, 3);
  EXPECT_EQ(ecount({"stat", "-r", "2", "-x,", "-e", "task-clock", "--", "sh", "-c", "exit 4"}).status, 4);
  // Killed by a signal: 128 + N, as a shell reports it (perf returns 0).
  const Result killed = ecount({"stat", "-x,", "-e", "task-clock", "--", "sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(killed.status, 128 + SIGTERM) << killed.err;
  EXPECT_EQ(csv_rows(killed.err).size(), 1u) << "the counts are still printed: " << killed.err;
  if (!perf_unusable()) {
    const Result perf_killed = run({"/usr/bin/perf", "stat", "-e", "task-clock", "--", "sh", "-c", "kill -TERM $$"});
    EXPECT_EQ(perf_killed.status, 0) << "perf's own behaviour changed; update the documented difference";
  }
}

TEST(EcountStatExitTool, AMissingCommandIsPerfsWorkloadFailedWithExitTwo) {
  const Result missing = ecount({"stat", "-x,", "-e", "task-clock", "--", "/nonexistent/command"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("Workload failed: cannot execute '/nonexistent/command'"), std::string::npos) << missing.err;
  const Result not_on_path = ecount({"stat", "-r", "3", "-e", "task-clock", "--", "no-such-command-on-path"});
  EXPECT_EQ(not_on_path.status, 2);
  EXPECT_NE(not_on_path.err.find("Workload failed"), std::string::npos) << not_on_path.err;
  if (!perf_unusable()) {
    const Result perf_missing = run({"/usr/bin/perf", "stat", "-e", "task-clock", "--", "/nonexistent/command"});
    EXPECT_EQ(perf_missing.status, 255) << "perf's own behaviour changed; update the documented difference";
    EXPECT_NE(perf_missing.err.find("Workload failed: No such file or directory"), std::string::npos) << perf_missing.err;
  }
}

// ------------------------------------------------------------- attaching

// A process of the test's own, spinning until killed.
class Spinner {
 public:
  Spinner() {
    ChildOptions options;
    options.capture_output = false;
    child_.emplace(std::vector<std::string>{"sh", "-c", "while :; do :; done"}, options);
  }
  ~Spinner() {
    ::kill(child_->pid(), SIGKILL);
    child_->wait();
  }
  int pid() const { return child_->pid(); }

 private:
  std::optional<Child> child_;
};

double value_of(const std::vector<std::vector<std::string>>& rows, const std::string& event) {
  for (const auto& row : rows)
    if (row.size() > 2 && row[2] == event) return std::stod(row[0]);
  throw std::runtime_error("no row for " + event);
}

TEST(EcountStatAttachTool, CountsAProcessForADuration) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  Spinner spinner;
  const Result r = ecount({"stat", "-x,", "-p", std::to_string(spinner.pid()), "--duration", "0.3", "-e",
                           "task-clock,page-faults"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = csv_rows(r.err);
  ASSERT_EQ(rows.size(), 2u) << r.err;
  EXPECT_EQ(rows[0][1], "msec");
  EXPECT_GT(value_of(rows, "task-clock"), 0) << "a spinning process uses CPU time: " << r.err;
  // The same with the perf way of giving the duration: a command.
  const Result with_sleep = ecount({"stat", "-x,", "-p", std::to_string(spinner.pid()), "-e", "task-clock", "--",
                                    "sh", "-c", "sleep 0.2; exit 5"});
  EXPECT_EQ(with_sleep.status, 5) << "the command's status, as perf: " << with_sleep.err;
  ASSERT_EQ(csv_rows(with_sleep.err).size(), 1u) << with_sleep.err;
  EXPECT_GT(value_of(csv_rows(with_sleep.err), "task-clock"), 0) << with_sleep.err;
}

TEST(EcountStatAttachTool, EndsWhenTheProcessExits) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  ChildOptions options;
  options.capture_output = false;
  Child sleeper({"sleep", "0.3"}, options);
  const Result r = ecount({"stat", "-p", std::to_string(sleeper.pid()), "-e", "task-clock"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("Performance counter stats for process id '" + std::to_string(sleeper.pid()) + "'"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(sleeper.wait(), 0);
}

// SIGINT's bit in a /proc/PID/status signal mask: its handler is installed.
bool catches_sigint(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("SigCgt:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> (SIGINT - 1)) & 1;
  return false;
}

// Ctrl-C: the counts are printed, then ecount ends by SIGINT, as perf does.
TEST(EcountStatAttachTool, CtrlCPrintsTheCountsThenEndsBySigint) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  Spinner spinner;
  Child ecount_child({ENGRAM_ECOUNT, "stat", "-x,", "-p", std::to_string(spinner.pid()), "-e", "task-clock,page-faults"},
                     ChildOptions{});
  // No timing: wait until ecount has its handler (bounded at a minute).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!catches_sigint(ecount_child.pid()) && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(catches_sigint(ecount_child.pid())) << "ecount never installed its SIGINT handler";
  ::kill(ecount_child.pid(), SIGINT);
  const int status = ecount_child.wait(std::chrono::seconds(60));
  EXPECT_EQ(status, 128 + SIGINT) << ecount_child.err();
  const auto rows = csv_rows(ecount_child.err());
  ASSERT_EQ(rows.size(), 2u) << ecount_child.err();
  EXPECT_EQ(rows[0][2], "task-clock");
  EXPECT_NO_THROW((void)std::stod(rows[0][0])) << "a value, counted until the interrupt: " << ecount_child.err();
}

// Attaching to another user's process: no_permission with the fix, never 0.
TEST(EcountStatAttachTool, AnotherUsersProcessIsNoPermissionWithTheFix) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to run ecount as another user against a root process";
  if (!std::filesystem::exists("/usr/bin/setpriv")) ENGRAM_SKIP_WITHOUT_TOOL("setpriv is missing (Debian package util-linux)");
  Spinner spinner;
  const std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                              ENGRAM_ECOUNT, "stat", "-p", std::to_string(spinner.pid()),
                                              "--duration", "0.1", "-e", "task-clock"};
  const Result table = run(as_nobody);
  if (table.err.find("counted") != std::string::npos && table.err.find("no_permission") == std::string::npos)
    GTEST_SKIP() << "this kernel lets another user count the process (perf_event_paranoid -1?): " << table.err;
  EXPECT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.err.find("<no_permission>"), std::string::npos) << table.err;
  EXPECT_NE(table.err.find("needs ptrace read access"), std::string::npos) << table.err;
  EXPECT_NE(table.err.find("fix: run ecount as the process's owner or as root"), std::string::npos) << table.err;
  std::vector<std::string> csv_args = as_nobody;
  csv_args.insert(csv_args.begin() + 6, "-x,");
  const Result csv = run(csv_args);
  const auto rows = csv_rows(csv.err);
  ASSERT_EQ(rows.size(), 1u) << csv.err;
  EXPECT_EQ(rows[0][0], "<not supported>") << csv.err;
  EXPECT_EQ(rows[0][6], "no_permission") << csv.err;
}

}  // namespace

// The workload mode first: `--touch-pages N` is not a test run.
int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--touch-pages") == 0) {
    const long pages = std::strtol(argv[2], nullptr, 10);
    const long page = ::sysconf(_SC_PAGESIZE);
    if (pages <= 0 || pages > 1000000 || page <= 0) return 2;
    const std::size_t bytes = static_cast<std::size_t>(pages) * static_cast<std::size_t>(page);
    void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return 1;
    ::madvise(memory, bytes, MADV_NOHUGEPAGE);  // one fault per page, whatever THP is set to
    volatile char* bytes_ = static_cast<volatile char*>(memory);
    for (long i = 0; i < pages; ++i) bytes_[i * page] = 1;
    return 0;
  }
  g_self = std::filesystem::canonical("/proc/self/exe").string();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
