// The hardware path, counted for real: cycles and instructions through
// perf_event and PAPI, exact counts of a known loop, grouping within the
// PMU's counters, multiplexing and its scaling, perf_event_paranoid, events
// that open but never count, and the CLIs on top.
//
// These tests need a hardware PMU. Without one they skip, saying why; in the
// emulated-PMU lane (QEMU's Arm PMUv3, tests/emulated_pmu/) the guest sets
// ENGRAM_EMULATED_PMU=1 and a missing PMU fails instead: that lane exists to
// count, so a skip there would be a pass without a PMU. Under QEMU's -icount
// instructions count exactly and cycles are instructions << shift
// (ENGRAM_ICOUNT_SHIFT), which makes exact expectations possible.
#include <gtest/gtest.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "engram/counters.hpp"
#include "papi_catalog.hpp"
#include "papi_event_set.hpp"
#include "pfm_catalog.hpp"
#include "required_tool.hpp"
#include "system_facts.hpp"

namespace {

using namespace engram::counters;

bool in_emulated_pmu_lane() {
  const char* value = std::getenv("ENGRAM_EMULATED_PMU");
  return value != nullptr && std::string(value) == "1";
}

// The icount shift of the emulated PMU: cycles = instructions << shift.
std::optional<int> icount_shift() {
  const char* value = std::getenv("ENGRAM_ICOUNT_SHIFT");
  if (!in_emulated_pmu_lane() || value == nullptr || *value == '\0') return std::nullopt;
  return std::atoi(value);
}

std::string why_no_pmu() {
  const auto& facts = detail::system_facts();
  return detail::no_pmu_summary(facts) + " (perf_event_open of cycles: " + std::strerror(facts.hardware_probe_errno) +
         ")";
}

// GTEST_SKIP and FAIL must run in the test body itself to end the test.
#define REQUIRE_HARDWARE_PMU()                                                                   \
  if (!detail::system_facts().hardware_pmu) {                                                     \
    if (in_emulated_pmu_lane()) FAIL() << "the emulated-PMU lane has no PMU: " << why_no_pmu();   \
    GTEST_SKIP() << "needs a hardware PMU: " << why_no_pmu();                                     \
  }

#define REQUIRE_ROOT(what)                                                                        \
  if (::geteuid() != 0) {                                                                          \
    if (in_emulated_pmu_lane()) FAIL() << "the emulated-PMU guest runs its tests as root";        \
    GTEST_SKIP() << "needs root to " << what;                                                      \
  }

// A loop of exactly 2 instructions per iteration (decrement, branch back).
void known_loop(std::uint64_t iterations) {
#if defined(__aarch64__)
  asm volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(iterations) : : "cc");
#elif defined(__x86_64__)
  asm volatile("1: dec %0\n\tjnz 1b" : "+r"(iterations) : : "cc");
#else
#error "known_loop needs its two instructions for this architecture"
#endif
}
constexpr double kLoopInstructionsPerIteration = 2;

Options counting_only() {
  Options options;
  options.simulation = SimulationMode::never;
  // One empty start/stop pair at open: it also makes the dynamic linker bind
  // the calls start() and stop() make, which adds 67 instructions to the
  // first region otherwise (measured in the guest).
  options.overhead_pairs = 1;
  return options;
}

// One start/stop region around known_loop(iterations).
Reading count_loop(CounterSet& set, std::uint64_t iterations) {
  set.reset();
  set.start();
  known_loop(iterations);
  set.stop();
  return set.read();
}

// The count as read, before any scaling, of a counter that ran all the time.
double raw_of(const Reading& reading, const std::string& name) {
  const CounterValue* c = reading.find(name);
  if (c == nullptr || !c->raw) {
    ADD_FAILURE() << name << (c ? " has no raw count: " + c->reason : std::string(" missing from the reading"));
    return -1;
  }
  EXPECT_EQ(c->status, Status::counted) << name << ": " << c->reason << " (running " << c->running_fraction << ")";
  return static_cast<double>(*c->raw);
}

// The fewest counts of `name` over `regions` regions of known_loop(iterations).
// A user-space read retries when the kernel updates the counter's page under
// it (a timer tick), which adds a few dozen instructions to that region; the
// fewest is the region without a retry (or without an interrupt's kernel work).
double fewest_of(CounterSet& set, std::uint64_t iterations, const std::string& name, int regions = 3) {
  double fewest = -1;
  for (int i = 0; i < regions; ++i) {
    const double n = raw_of(count_loop(set, iterations), name);
    if (fewest < 0 || n < fewest) fewest = n;
  }
  return fewest;
}

double value_of(const Reading& reading, const std::string& name) {
  const CounterValue* c = reading.find(name);
  if (c == nullptr) ADD_FAILURE() << name << " missing from the reading";
  if (c == nullptr || !c->value) {
    if (c != nullptr) ADD_FAILURE() << name << " has no value: " << to_string(c->status) << ": " << c->reason;
    return -1;
  }
  return *c->value;
}

void expect_counted_by_hardware(const CounterValue& c) {
  EXPECT_EQ(c.status, Status::counted) << c.requested << ": " << c.reason;
  EXPECT_EQ(c.backend, Backend::perf_event) << c.requested;
  ASSERT_TRUE(c.value.has_value()) << c.requested << ": " << c.reason;
  EXPECT_GT(*c.value, 0) << c.requested;
  EXPECT_DOUBLE_EQ(c.running_fraction, 1.0) << c.requested;
}

// The core PMU as libpfm4 names it ("arm_ac57", "amd64_fam19h_zen4", ...).
std::optional<detail::PfmPmu> core_pmu() {
  for (const detail::PfmPmu& pmu : detail::pfm_present_pmus())
    if (pmu.core) return pmu;
  return std::nullopt;
}

// ---------------------------------------------------------------- status

TEST(HardwarePmu, CyclesAndInstructionsAreCountedByTheHardware) {
  REQUIRE_HARDWARE_PMU();
  CounterSet set = CounterSet::open({"cycles", "instructions"}, counting_only());
  const Reading r = count_loop(set, 1'000'000);
  for (const CounterValue& c : r.counters) expect_counted_by_hardware(c);
  EXPECT_GE(value_of(r, "instructions"), 2'000'000);
}

TEST(HardwarePmu, PapiPresetsTotCycAndTotInsAreCountedByTheHardware) {
  REQUIRE_HARDWARE_PMU();
  ASSERT_TRUE(detail::papi_init_error().empty()) << "PAPI unusable: " << detail::papi_init_error();
  CounterSet set = CounterSet::open({"PAPI_TOT_CYC", "PAPI_TOT_INS"}, counting_only());
  const Reading r = count_loop(set, 1'000'000);
  for (const CounterValue& c : r.counters) {
    expect_counted_by_hardware(c);
    EXPECT_NE(c.reason.find("PAPI preset " + c.canonical), std::string::npos) << c.reason;
  }
  EXPECT_GE(value_of(r, "PAPI_TOT_INS"), 2'000'000);
  const DerivedMetric* ipc = r.find_derived("IPC");
  ASSERT_TRUE(ipc && ipc->value) << (ipc ? ipc->reason : "no IPC");
  EXPECT_GT(*ipc->value, 0.0);
}

TEST(HardwarePmu, PapiItselfCountsItsInstructionPreset) {
  // PAPI's own perf_event component (not our route through libpfm4): it is
  // disabled on a VM without a PMU and must work here.
  REQUIRE_HARDWARE_PMU();
  const auto component = detail::papi_component("perf_event");
  ASSERT_TRUE(component.has_value());
  ASSERT_FALSE(component->disabled) << component->disabled_reason;
  detail::PapiEventSet papi;
  ASSERT_FALSE(papi.add("PAPI_TOT_INS").has_value());
  ASSERT_FALSE(papi.probe().has_value());
  papi.reset();
  papi.start();
  known_loop(1'000'000);
  papi.stop();
  EXPECT_GE(papi.read().front(), 2'000'000);
}

// ------------------------------------------------------------ exact values

TEST(HardwarePmu, KnownLoopGivesItsExactInstructionCount) {
  REQUIRE_HARDWARE_PMU();
  // The region's own overhead (returning from one ioctl, entering the next)
  // is the same in both runs, so the difference is the loop alone.
  CounterSet set = CounterSet::open({"instructions:u"}, counting_only());
  const double small = fewest_of(set, 1'000'000, "instructions:u");
  const double large = fewest_of(set, 3'000'000, "instructions:u");
  const double expected = kLoopInstructionsPerIteration * 2'000'000;
  if (icount_shift())
    EXPECT_EQ(large - small, expected) << "small " << small << ", large " << large;
  else  // bare metal: exact in principle; allow a handful of stray events
    EXPECT_NEAR(large - small, expected, expected * 1e-4) << "small " << small << ", large " << large;
}

TEST(HardwarePmu, CyclesAreInstructionsShiftedByTheIcountShift) {
  REQUIRE_HARDWARE_PMU();
  const auto shift = icount_shift();
  if (!shift) GTEST_SKIP() << "cycles = instructions << shift holds only under QEMU's -icount (the emulated-PMU lane)";
  CounterSet set = CounterSet::open({"instructions:u", "cycles:u"}, counting_only());
  const double instructions = fewest_of(set, 3'000'000, "instructions:u") - fewest_of(set, 1'000'000, "instructions:u");
  const double cycles = fewest_of(set, 3'000'000, "cycles:u") - fewest_of(set, 1'000'000, "cycles:u");
  const Reading large = count_loop(set, 3'000'000);
  EXPECT_EQ(cycles, instructions * (1 << *shift)) << "instructions " << instructions << ", cycles " << cycles;
  // IPC of the whole region comes from one group, so it is the exact ratio too.
  const DerivedMetric* ipc = large.find_derived("IPC");
  ASSERT_TRUE(ipc && ipc->value) << (ipc ? ipc->reason : "no IPC");
  EXPECT_NEAR(*ipc->value, 1.0 / (1 << *shift), 1e-3);
}

TEST(HardwarePmu, RegionsAccumulateUntilResetAndResetZeroes) {
  REQUIRE_HARDWARE_PMU();
  // Through read(): every region's own cost is then the same to the
  // instruction (user-space reads may retry; see fewest_of).
  Options options = counting_only();
  options.user_space_reads = false;
  CounterSet set = CounterSet::open({"instructions:u"}, options);
  const double one = raw_of(count_loop(set, 1'000'000), "instructions:u");
  const double two = raw_of(count_loop(set, 2'000'000), "instructions:u");
  set.reset();
  set.start();
  known_loop(1'000'000);
  set.stop();
  set.start();
  known_loop(2'000'000);
  set.stop();
  const double both = raw_of(set.read(), "instructions:u");
  if (icount_shift())
    EXPECT_EQ(both, one + two);
  else
    EXPECT_NEAR(both, one + two, (one + two) * 1e-4);
  set.reset();
  const Reading reading = set.read();
  const CounterValue* after_reset = reading.find("instructions:u");
  ASSERT_TRUE(after_reset && after_reset->value);
  EXPECT_EQ(*after_reset->value, 0.0);
}

// ------------------------------------------------------ user-space reads

// Why this machine's kernel does not let us read counters from user space,
// or nullopt when it does.
std::optional<std::string> user_space_reads_refused() {
#if defined(__aarch64__)
  std::ifstream in("/proc/sys/kernel/perf_user_access");
  int allowed = 0;
  if (!(in >> allowed)) return "the kernel has no /proc/sys/kernel/perf_user_access (before Linux 5.17)";
  if (allowed != 1) return "/proc/sys/kernel/perf_user_access is " + std::to_string(allowed) + ", not 1";
#elif defined(__x86_64__)
  std::ifstream in("/sys/bus/event_source/devices/cpu/rdpmc");
  int allowed = 1;
  if (in >> allowed && allowed == 0) return "/sys/bus/event_source/devices/cpu/rdpmc is 0";
#endif
  return std::nullopt;
}

TEST(HardwarePmu, UserSpaceReadsCountWhatReadCounts) {
  REQUIRE_HARDWARE_PMU();
  if (const auto why = user_space_reads_refused()) {
    if (in_emulated_pmu_lane()) FAIL() << "the guest allows user-space reads, but: " << *why;
    GTEST_SKIP() << "user-space counter reads are off here: " << *why;
  }
  Options syscall_only = counting_only();
  syscall_only.user_space_reads = false;
  CounterSet user = CounterSet::open({"instructions:u", "cycles:u"}, counting_only());
  CounterSet kernel = CounterSet::open({"instructions:u", "cycles:u"}, syscall_only);
  const Reading user_large = count_loop(user, 3'000'000);
  const Reading kernel_large = count_loop(kernel, 3'000'000);
  ASSERT_EQ(user_large.groups.size(), 1u);
  // The regions' edges were read in user space (the reads before the first
  // start() go through read()); with user-space reads off, only read().
  EXPECT_NE(user_large.groups[0].read_path.find("user space"), std::string::npos) << user_large.groups[0].read_path;
  EXPECT_EQ(kernel_large.groups[0].read_path, "read()");
  // The loop itself, counted both ways.
  const double loop = kLoopInstructionsPerIteration * 2'000'000;
  const double by_user = fewest_of(user, 3'000'000, "instructions:u") - fewest_of(user, 1'000'000, "instructions:u");
  const double by_read =
      fewest_of(kernel, 3'000'000, "instructions:u") - fewest_of(kernel, 1'000'000, "instructions:u");
  if (icount_shift()) {
    EXPECT_EQ(by_user, loop);
    EXPECT_EQ(by_read, loop);
    EXPECT_EQ(fewest_of(user, 3'000'000, "cycles:u") - fewest_of(user, 1'000'000, "cycles:u"),
              loop * (1 << *icount_shift()));
  } else {
    EXPECT_NEAR(by_user, loop, loop * 1e-4);
    EXPECT_NEAR(by_read, loop, loop * 1e-4);
  }
}

// The cost of a region's edges, as the instructions (user and kernel) an
// empty region counts: the fewest over 5 regions, so that a timer interrupt
// landing in one does not count.
double empty_region_instructions(bool user_space_reads) {
  Options options = counting_only();
  options.user_space_reads = user_space_reads;
  CounterSet set = CounterSet::open({"instructions"}, options);
  return fewest_of(set, 1, "instructions", 5) - kLoopInstructionsPerIteration;
}

TEST(HardwarePmu, UserSpaceReadsMakeARegionCheaperThanReadSystemCalls) {
  REQUIRE_HARDWARE_PMU();
  if (const auto why = user_space_reads_refused()) {
    if (in_emulated_pmu_lane()) FAIL() << "the guest allows user-space reads, but: " << *why;
    GTEST_SKIP() << "user-space counter reads are off here: " << *why;
  }
  if (!detail::system_facts().may_count_kernel()) {
    if (in_emulated_pmu_lane()) FAIL() << "the guest runs as root and may count the kernel";
    GTEST_SKIP() << "counting the kernel's instructions needs perf_event_paranoid <= 1 or CAP_PERFMON";
  }
  const double user_space = empty_region_instructions(true);
  const double system_calls = empty_region_instructions(false);
  // Exact counts on the emulated PMU, where timings mean nothing.
  RecordProperty("region_instructions_user_space", std::to_string(static_cast<long long>(user_space)));
  RecordProperty("region_instructions_read", std::to_string(static_cast<long long>(system_calls)));
  std::cout << "instructions (user and kernel) of an empty region: user-space reads " << user_space
            << ", enable/disable ioctls " << system_calls << std::endl;
  EXPECT_GT(user_space, 0);
  EXPECT_LT(user_space, system_calls);
}

// ------------------------------------------------- grouping, multiplexing

// More hardware events than the PMU has counters: instruction and cycle
// counters under several names (generic, user-only, PAPI preset, the core
// PMU's native events), each a distinct counter.
std::vector<std::string> oversubscribed_events(const detail::PfmPmu& pmu) {
  std::vector<std::string> names = {"instructions", "instructions:u", "cycles", "cycles:u", "PAPI_TOT_INS",
                                    "PAPI_TOT_CYC"};
  for (const char* native : {"INST_RETIRED", "CPU_CYCLES", "INST_SPEC", "BR_PRED", "BR_MIS_PRED", "MEM_ACCESS",
                             "L1D_CACHE", "L1D_CACHE_REFILL"}) {
    const std::string name = pmu.name + "::" + native;
    if (detail::pfm_encode(name)) names.push_back(name);
    if (detail::pfm_encode(name + ":u")) names.push_back(name + ":u");
  }
  return names;
}

TEST(HardwarePmu, ALargeSetIsSplitIntoGroupsThatFitAndEachGroupReportsItsTimes) {
  REQUIRE_HARDWARE_PMU();
  const auto pmu = core_pmu();
  ASSERT_TRUE(pmu.has_value()) << "libpfm4 knows no core PMU here";
  ASSERT_GT(pmu->counters, 0);
  const std::vector<std::string> names = oversubscribed_events(*pmu);
  ASSERT_GT(static_cast<int>(names.size()), pmu->counters) << "not enough distinct events to oversubscribe";
  CounterSet set = CounterSet::open(names, counting_only());
  const Reading r = count_loop(set, 5'000'000);
  ASSERT_GE(r.groups.size(), 2u) << nlohmann::json(r).dump(2);
  std::size_t members = 0;
  for (const GroupTimes& g : r.groups) {
    EXPECT_LE(static_cast<int>(g.members.size()), pmu->counters) << nlohmann::json(g).dump();
    ASSERT_TRUE(g.read_ok);
    EXPECT_GT(g.time_enabled_ns, 0u);
    EXPECT_GT(g.time_running_ns, 0u);
    EXPECT_LE(g.time_running_ns, g.time_enabled_ns);
    members += g.members.size();
  }
  EXPECT_GE(members, names.size()) << "every counter sits in a group";
  const nlohmann::json j = r;
  ASSERT_TRUE(j.contains("groups"));
  EXPECT_EQ(j["groups"].size(), r.groups.size());
  EXPECT_TRUE(j["groups"][0].contains("time_running_ns"));
}

TEST(HardwarePmu, MultiplexedCountsAreScaledToWithinOnePercentOfTheExactCount) {
  REQUIRE_HARDWARE_PMU();
  const auto pmu = core_pmu();
  ASSERT_TRUE(pmu.has_value());
  constexpr std::uint64_t kIterations = 20'000'000;  // many multiplexing rotations (one per scheduler tick)
  CounterSet alone = CounterSet::open({"instructions:u"}, counting_only());
  const double exact = value_of(count_loop(alone, kIterations), "instructions:u");

  CounterSet crowded = CounterSet::open(oversubscribed_events(*pmu), counting_only());
  const Reading r = count_loop(crowded, kIterations);
  int multiplexed = 0;
  for (const CounterValue& c : r.counters) {
    if (c.status != Status::multiplexed) continue;
    ++multiplexed;
    EXPECT_GT(c.running_fraction, 0.0) << c.requested;
    EXPECT_LT(c.running_fraction, 1.0) << c.requested;
    EXPECT_NE(c.reason.find("multiplexed: counted"), std::string::npos) << c.reason;
    ASSERT_TRUE(c.value && c.raw) << c.requested;
    EXPECT_GE(*c.value, static_cast<double>(*c.raw)) << c.requested << ": scaled up from the raw count";
  }
  EXPECT_GT(multiplexed, 0) << nlohmann::json(r).dump(2);
  const CounterValue* user_instructions = r.find("instructions:u");
  ASSERT_TRUE(user_instructions && user_instructions->value);
  EXPECT_EQ(user_instructions->status, Status::multiplexed) << user_instructions->reason;
  EXPECT_NEAR(*user_instructions->value, exact, exact * 0.01)
      << "scaled " << *user_instructions->value << " (running " << user_instructions->running_fraction << ")";
  // The user-only native instruction event scales to the same count.
  if (const CounterValue* native = r.find(pmu->name + "::INST_RETIRED:u"); native && native->value) {
    EXPECT_NEAR(*native->value, exact, exact * 0.01) << native->requested;
  }
}

TEST(HardwarePmu, RatioInputsShareAGroupEvenWhenMultiplexed) {
  REQUIRE_HARDWARE_PMU();
  const auto pmu = core_pmu();
  ASSERT_TRUE(pmu.has_value());
  CounterSet set = CounterSet::open(oversubscribed_events(*pmu), counting_only());
  const Reading r = count_loop(set, 5'000'000);
  for (const std::string& note : r.notes)
    EXPECT_EQ(note.find("could not share a perf group"), std::string::npos) << note;
  const DerivedMetric* ipc = r.find_derived("IPC");
  ASSERT_TRUE(ipc && ipc->value) << (ipc ? ipc->reason : "no IPC");
  if (const auto shift = icount_shift()) {
    EXPECT_NEAR(*ipc->value, 1.0 / (1 << *shift), 1e-2);
  }
}

// ------------------------------------------------- events that never count

TEST(HardwarePmu, ValidationKeepsEventsThatCount) {
  REQUIRE_HARDWARE_PMU();
  Options options = counting_only();
  options.validate_hardware = true;
  CounterSet set = CounterSet::open({"cycles", "instructions"}, options);
  const Reading r = count_loop(set, 1'000'000);
  for (const CounterValue& c : r.counters) expect_counted_by_hardware(c);
}

TEST(HardwarePmu, EventsThatOpenButNeverCountAreFlaggedNotReportedAsZero) {
  REQUIRE_HARDWARE_PMU();
  // Without validation, "it opened" would be the whole story.
  CounterSet trusting = CounterSet::open({"PAPI_L1_DCM", "PAPI_BR_MSP"}, counting_only());
  const Reading naive = count_loop(trusting, 1'000'000);
  Options options = counting_only();
  options.validate_hardware = true;
  CounterSet validated = CounterSet::open({"PAPI_L1_DCM", "PAPI_BR_MSP"}, options);
  const Reading r = count_loop(validated, 1'000'000);
  for (const CounterValue& c : r.counters) {
    const CounterValue* unvalidated = naive.find(c.requested);
    ASSERT_NE(unvalidated, nullptr);
    if (c.status == Status::counted) {  // a PMU that implements it: the probe saw it count
      ASSERT_TRUE(c.value);
      EXPECT_FALSE(in_emulated_pmu_lane()) << c.requested << ": QEMU implements no cache or branch events";
      continue;
    }
    EXPECT_EQ(c.status, Status::unsupported) << c.requested;
    EXPECT_FALSE(c.value.has_value()) << c.requested << " must not read as a number";
    EXPECT_NE(c.reason.find("counted 0 over a validation workload"), std::string::npos) << c.reason;
    EXPECT_FALSE(c.fix.empty());
    // What the validation caught: the same event, unvalidated, "counts" 0.
    if (unvalidated->value) {
      EXPECT_EQ(*unvalidated->value, 0.0) << c.requested;
    }
  }
  if (in_emulated_pmu_lane()) {
    EXPECT_EQ(r.find("PAPI_L1_DCM")->status, Status::unsupported);
    EXPECT_EQ(r.find("PAPI_BR_MSP")->status, Status::unsupported);
  }
  // With simulation allowed, callgrind stands in for them.
  options.simulation = SimulationMode::automatic;
  const CounterSet simulated = CounterSet::open({"PAPI_L1_DCM", "PAPI_BR_MSP"}, options);
  const Reading s = simulated.read();
  for (const CounterValue& c : s.counters) {
    if (c.status != Status::counted) {
      EXPECT_EQ(c.backend, Backend::simulated) << c.requested << ": " << c.reason;
    }
  }
  if (in_emulated_pmu_lane()) {
    EXPECT_TRUE(simulated.needs_simulation());
  }
}

// ------------------------------------------------------ perf_event_paranoid

// Sets perf_event_paranoid for one test and puts the old value back.
class ParanoidLevel {
 public:
  explicit ParanoidLevel(int level) : old_(read()) { write(level); }
  ~ParanoidLevel() {
    if (old_) write(*old_);
  }
  static std::optional<int> read() {
    std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
    int value = 0;
    if (in >> value) return value;
    return std::nullopt;
  }

 private:
  static void write(int level) {
    std::ofstream out("/proc/sys/kernel/perf_event_paranoid");
    out << level << "\n";
    out.close();
    EXPECT_EQ(read(), level) << "could not set perf_event_paranoid";
  }
  std::optional<int> old_;
};

struct ProgramRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs argv as root or, dropping every privilege first, as `nobody`.
ProgramRun run_program(const std::vector<std::string>& argv, bool as_nobody) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    if (as_nobody && (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(126);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ProgramRun run;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) run.output.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// The JSON object that `ecount stat --json` prints (after the command's output).
nlohmann::json stat_report(const ProgramRun& run) {
  const auto start = run.output.find("{\n");
  if (start == std::string::npos) {
    ADD_FAILURE() << "no JSON report in:\n" << run.output;
    return {};
  }
  return nlohmann::json::parse(run.output.substr(start), nullptr, false);
}

const nlohmann::json* counter_in(const nlohmann::json& report, const std::string& name) {
  if (!report.contains("counters")) return nullptr;
  for (const auto& c : report["counters"])
    if (c.value("requested", "") == name) return &c;
  return nullptr;
}

TEST(HardwarePmu, ParanoidThreeRefusesAnUnprivilegedUserWithTheReasonAndTheFix) {
  REQUIRE_HARDWARE_PMU();
  REQUIRE_ROOT("change perf_event_paranoid and run a program as nobody");
  ParanoidLevel level(3);
  // --sim=never: with simulation allowed, callgrind would stand in for the refused counter.
  const ProgramRun run =
      run_program({ENGRAM_ECOUNT, "stat", "--json", "--sim=never", "-e", "instructions:u", "--", "true"}, true);
  EXPECT_EQ(run.status, 0) << run.output;
  const nlohmann::json report = stat_report(run);
  const nlohmann::json* c = counter_in(report, "instructions:u");
  ASSERT_NE(c, nullptr) << run.output;
  EXPECT_EQ((*c)["status"], "no_permission") << c->dump(2);
  EXPECT_TRUE((*c)["value"].is_null()) << "a refused counter has no value, never 0";
  EXPECT_NE((*c)["reason"].get<std::string>().find("perf_event_paranoid"), std::string::npos) << c->dump(2);
  EXPECT_NE((*c)["fix"].get<std::string>().find("sysctl kernel.perf_event_paranoid"), std::string::npos)
      << c->dump(2);
}

TEST(HardwarePmu, ParanoidTwoLetsAnUnprivilegedUserCountUserMode) {
  REQUIRE_HARDWARE_PMU();
  REQUIRE_ROOT("change perf_event_paranoid and run a program as nobody");
  ParanoidLevel level(2);
  const ProgramRun run = run_program({ENGRAM_ECOUNT, "stat", "--json", "-e", "instructions:u", "--", "true"}, true);
  EXPECT_EQ(run.status, 0) << run.output;
  const nlohmann::json report = stat_report(run);
  const nlohmann::json* c = counter_in(report, "instructions:u");
  ASSERT_NE(c, nullptr) << run.output;
  EXPECT_EQ((*c)["status"], "counted") << c->dump(2);
  ASSERT_TRUE((*c)["value"].is_number()) << c->dump(2);
  EXPECT_GT((*c)["value"].get<double>(), 0);
}

TEST(HardwarePmu, ParanoidThreeDisablesPapisPerfComponentAndDoctorSaysSo) {
  REQUIRE_HARDWARE_PMU();
  REQUIRE_ROOT("change perf_event_paranoid");
  ParanoidLevel level(3);
  // PAPI reads the paranoid level at its own start-up: a fresh process.
  const ProgramRun run = run_program({ENGRAM_ECOUNT, "doctor", "--json"}, false);
  ASSERT_EQ(run.status, 0) << run.output;
  const auto report = nlohmann::json::parse(run.output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << run.output;
  bool found = false;
  for (const auto& f : report["findings"]) {
    if (f["topic"] != "PAPI component perf_event") continue;
    found = true;
    EXPECT_NE(f["detail"].get<std::string>().find("paranoid"), std::string::npos) << f.dump(2);
    EXPECT_FALSE(f["fix"].get<std::string>().empty()) << f.dump(2);
  }
  EXPECT_TRUE(found) << run.output;
}

// ----------------------------------------------------------------- the CLIs

TEST(HardwarePmuTools, EcountDoctorReportsThePmuAndTheEventsThatDoNotCount) {
  REQUIRE_HARDWARE_PMU();
  const ProgramRun run = run_program({ENGRAM_ECOUNT, "doctor"}, false);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("ecount doctor: hardware PMU available"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("hardware event validation"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("counting: cycles, instructions"), std::string::npos) << run.output;
  if (in_emulated_pmu_lane()) {
    EXPECT_NE(run.output.find("open but count 0, not implemented by this PMU"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("PAPI_L1_DCM"), std::string::npos) << run.output;
  }
}

// `perf stat -x,` lines: value,unit,event,...
std::optional<double> perf_stat_value(const std::string& output, const std::string& event) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::istringstream in(line);
    for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
    if (fields.size() >= 3 && fields[2] == event) {
      try {
        return std::stod(fields[0]);
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

TEST(HardwarePmuTools, EcountStatAgreesWithPerfStatOnTheSameCommand) {
  REQUIRE_HARDWARE_PMU();
  if (run_program({"perf", "--version"}, false).status != 0) {
    if (in_emulated_pmu_lane()) FAIL() << "the guest has no perf (Debian package linux-perf)";
    ENGRAM_SKIP_WITHOUT_TOOL("perf is not installed (Debian package linux-perf)");
  }
  const std::vector<std::string> command = {"sh", "-c", "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done"};
  std::vector<std::string> ecount = {ENGRAM_ECOUNT, "stat", "--json", "-e", "instructions:u,cycles:u", "--"};
  ecount.insert(ecount.end(), command.begin(), command.end());
  std::vector<std::string> perf = {"perf", "stat", "-x,", "-e", "instructions:u,cycles:u", "--"};
  perf.insert(perf.end(), command.begin(), command.end());
  const ProgramRun ours = run_program(ecount, false);
  const ProgramRun theirs = run_program(perf, false);
  ASSERT_EQ(ours.status, 0) << ours.output;
  ASSERT_EQ(theirs.status, 0) << theirs.output;
  const nlohmann::json report = stat_report(ours);
  for (const std::string event : {"instructions:u", "cycles:u"}) {
    const nlohmann::json* c = counter_in(report, event);
    ASSERT_NE(c, nullptr) << ours.output;
    ASSERT_EQ((*c)["status"], "counted") << c->dump(2);
    const double mine = (*c)["value"].get<double>();
    const auto reference = perf_stat_value(theirs.output, event);
    ASSERT_TRUE(reference.has_value()) << theirs.output;
    // Both count the shell and its children from exec on; ecount's gate
    // adds a few hundred instructions before the exec.
    EXPECT_NEAR(mine, *reference, *reference * 0.01) << event << ": ecount " << mine << ", perf " << *reference;
  }
}

TEST(HardwarePmuTools, BaselineCountsInstructionsAndCyclesAndFlagsCacheAndBranchEvents) {
  REQUIRE_HARDWARE_PMU();
  const std::string out = ::testing::TempDir() + "engram-pmu-baseline-" + std::to_string(::getpid()) + ".json";
  const ProgramRun run = run_program({ENGRAM_BASELINE, "--counters=TOT_INS,TOT_CYC,L1_DCM,BR_MSP", "--sim=never",
                                      "--benchmark_filter=^decay_10k_memories/exponential/optimized$",
                                      "--benchmark_min_time=0.01", "--benchmark_out=" + out,
                                      "--benchmark_out_format=json", "--rerun-max=0"},
                                     false);
  ASSERT_EQ(run.status, 0) << run.output;
  std::ifstream in(out);
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  std::remove(out.c_str());
  ASSERT_FALSE(doc.is_discarded());
  const auto statuses = nlohmann::json::parse(doc["context"]["engram.counters"].get<std::string>()).at("counters");
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& s : statuses) by_name[s["counter"]] = s;
  for (const char* counted : {"TOT_INS", "TOT_CYC"}) {
    EXPECT_EQ(by_name[counted]["status"], "counted") << by_name[counted].dump(2);
    EXPECT_EQ(by_name[counted]["backend"], "perf_event") << by_name[counted].dump(2);
  }
  for (const char* flagged : {"L1_DCM", "BR_MSP"}) {
    const std::string status = by_name[flagged]["status"];
    if (!in_emulated_pmu_lane() && status == "counted") continue;  // a PMU that implements it
    EXPECT_TRUE(status == "unsupported" || status == "simulated") << by_name[flagged].dump(2);
    EXPECT_FALSE(by_name[flagged].value("reason", "").empty());
  }
  ASSERT_EQ(doc["benchmarks"].size(), 1u) << doc.dump(2);
  const auto& bench = doc["benchmarks"][0];
  EXPECT_GT(bench.value("TOT_INS", 0.0), 0.0) << bench.dump(2);
  EXPECT_GT(bench.value("TOT_CYC", 0.0), 0.0) << bench.dump(2);
  if (in_emulated_pmu_lane()) {
    EXPECT_FALSE(bench.contains("L1_DCM")) << "an uncounted event must not appear as a number: " << bench.dump(2);
    EXPECT_FALSE(bench.contains("BR_MSP")) << bench.dump(2);
  }
}

}  // namespace
