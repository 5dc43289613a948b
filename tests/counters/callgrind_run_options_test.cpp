// CallgrindRunOptions, each option seen in what the run produced: collection
// from the start, a non-zero exit accepted, extra valgrind arguments, and the
// program's environment. Every test runs a small system program under
// valgrind (suite CallgrindRunner: the valgrind label).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "engram/counters.hpp"
#include "valgrind_available.hpp"  // SKIP_WITHOUT_VALGRIND

namespace {

using namespace engram::counters;

CallgrindRunOptions with_timeout() {
  CallgrindRunOptions options;
  options.timeout = std::chrono::seconds(120);
  return options;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// Sets a variable of this process for one test and restores its absence.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedVariable() { unsetenv(name_); }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  const char* name_;
};

TEST(CallgrindRunner, CollectAtStartCountsTheWholeProgramOtherwiseOnlyItsRegions) {
  SKIP_WITHOUT_VALGRIND();
  // /bin/true has no CounterSet regions. Collection off at the start (the
  // default) and never switched on: callgrind counts nothing, exactly 0.
  const CallgrindRun regions_only = run_under_callgrind({"/bin/true"}, with_timeout());
  ASSERT_TRUE(regions_only.profile.total().event("Ir").has_value());
  EXPECT_EQ(*regions_only.profile.total().event("Ir"), 0u);
  // Collected from the start: every instruction of the program, its dynamic
  // loader's included (tens of thousands at the least; about 128,000 for
  // Debian 12's /bin/true), all in the final dump.
  CallgrindRunOptions options = with_timeout();
  options.collect_at_start = true;
  const CallgrindRun everything = run_under_callgrind({"/bin/true"}, options);
  ASSERT_TRUE(everything.profile.total().event("Ir").has_value());
  EXPECT_GT(*everything.profile.total().event("Ir"), 10000u);
  EXPECT_GT(*everything.region("").event("Ir"), 10000u);
  EXPECT_GT(*everything.profile.total().event("D1mr"), 0u) << "the cache simulation ran";
}

TEST(CallgrindRunner, ANonzeroExitIsAcceptedWhenAskedWithTheProgramsOutputAndProfile) {
  SKIP_WITHOUT_VALGRIND();
  const std::vector<std::string> program = {"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"};
  CallgrindRunOptions options = with_timeout();
  options.collect_at_start = true;
  // By default a non-zero exit is an error that carries the status and stderr.
  try {
    (void)run_under_callgrind(program, options);
    ADD_FAILURE() << "exit status 3 was not an error";
  } catch (const CallgrindRunError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("exited with status 3"), std::string::npos) << message;
    EXPECT_NE(message.find("to-stderr"), std::string::npos) << message;
  }
  options.accept_nonzero_exit = true;
  const CallgrindRun run = run_under_callgrind(program, options);
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_EQ(run.program_stdout, "to-stdout\n");
  // valgrind's own messages go to its log file, not into the program's stderr.
  EXPECT_EQ(run.program_stderr, "to-stderr\n");
  ASSERT_TRUE(run.profile.total().event("Ir").has_value());
  EXPECT_GT(*run.profile.total().event("Ir"), 10000u) << "the profile of the failed run is parsed";
}

TEST(CallgrindRunner, ExtraValgrindArgumentsComeLastAndTakeEffect) {
  SKIP_WITHOUT_VALGRIND();
  CallgrindRunOptions options = with_timeout();
  options.collect_at_start = true;
  const CallgrindRun plain = run_under_callgrind({"/bin/true"}, options);
  // The runner asks for the branch simulation: its four events are there.
  const std::vector<std::string>& with_branches = plain.profile.event_names;
  for (const char* event : {"Bc", "Bcm", "Bi", "Bim"})
    EXPECT_NE(std::find(with_branches.begin(), with_branches.end(), event), with_branches.end()) << event;
  // valgrind takes the last of repeated options: placed after the runner's
  // --branch-sim=yes, this turns the branch simulation off again.
  options.extra_valgrind_arguments = {"--branch-sim=no"};
  const CallgrindRun without = run_under_callgrind({"/bin/true"}, options);
  const auto yes = std::find(without.command.begin(), without.command.end(), "--branch-sim=yes");
  const auto no = std::find(without.command.begin(), without.command.end(), "--branch-sim=no");
  const auto program = std::find(without.command.begin(), without.command.end(), "/bin/true");
  ASSERT_NE(no, without.command.end());
  EXPECT_LT(yes, no);
  EXPECT_LT(no, program) << "a valgrind argument after the program would be the program's";
  const std::vector<std::string> expected = {"Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw"};
  EXPECT_EQ(without.profile.event_names, expected) << "cache events only, no branch events";
  EXPECT_FALSE(without.profile.total().event("Bcm").has_value());
  EXPECT_FALSE(simulated_value(without.profile.total(), "BR_MSP").has_value());
}

TEST(CallgrindRunner, TheEnvironmentOptionAddsToAndOverridesOurs) {
  SKIP_WITHOUT_VALGRIND();
  const ScopedVariable inherited("ENGRAM_RUN_OPTIONS_INHERITED", "from-parent");
  const ScopedVariable overridden("ENGRAM_RUN_OPTIONS_OVERRIDDEN", "from-parent");
  CallgrindRunOptions options = with_timeout();
  options.collect_at_start = true;
  options.environment = {{"ENGRAM_RUN_OPTIONS_ADDED", "from-options"},
                         {"ENGRAM_RUN_OPTIONS_OVERRIDDEN", "from-options"}};
  const CallgrindRun run = run_under_callgrind({"/usr/bin/env"}, options);
  const std::vector<std::string> lines = lines_of(run.program_stdout);
  EXPECT_TRUE(has_line(lines, "ENGRAM_RUN_OPTIONS_ADDED=from-options")) << run.program_stdout;
  EXPECT_TRUE(has_line(lines, "ENGRAM_RUN_OPTIONS_OVERRIDDEN=from-options")) << run.program_stdout;
  EXPECT_FALSE(has_line(lines, "ENGRAM_RUN_OPTIONS_OVERRIDDEN=from-parent")) << "set twice: " << run.program_stdout;
  EXPECT_TRUE(has_line(lines, "ENGRAM_RUN_OPTIONS_INHERITED=from-parent")) << run.program_stdout;
  // Collecting from the start, the program's CounterSet regions stay inactive
  // (the switch is this variable, set only when collecting per region).
  EXPECT_EQ(run.program_stdout.find("ENGRAM_CALLGRIND_REGIONS="), std::string::npos) << run.program_stdout;
  options.collect_at_start = false;
  const CallgrindRun per_region = run_under_callgrind({"/usr/bin/env"}, options);
  const std::vector<std::string> region_lines = lines_of(per_region.program_stdout);
  EXPECT_TRUE(has_line(region_lines, "ENGRAM_CALLGRIND_REGIONS=1")) << per_region.program_stdout;
  EXPECT_TRUE(has_line(region_lines, "ENGRAM_RUN_OPTIONS_ADDED=from-options")) << per_region.program_stdout;
}

}  // namespace
