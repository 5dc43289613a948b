// Scaling and status logic on a fake kernel: multiplexed groups scaled by
// enabled/running (overflow-safe), never-scheduled groups, refusals turned
// into no_permission / unsupported with the reason and the fix, derived
// metrics from group-local values, and simulated counts merged in.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "counter_set_internal.hpp"
#include "fake_kernel.hpp"
#include "scaling.hpp"

namespace {

using namespace engram::counters;
using fakes::FakeKernel;
using fakes::Identity;

constexpr Identity kCycles{PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES};
constexpr Identity kInstructions{PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS};
constexpr Identity kBranches{PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS};
constexpr Identity kBranchMisses{PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES};
constexpr Identity kTaskClock{PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK};
constexpr Identity kPageFaults{PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS};

Options quiet(SimulationMode mode = SimulationMode::never) {
  Options options;
  options.simulation = mode;
  options.overhead_pairs = 0;  // the fake serves fixed values: keep the baseline at 0
  return options;
}

CounterSet open_on(FakeKernel& kernel, const detail::SystemFacts& facts, const std::vector<std::string>& names,
                   const Options& options, std::optional<int> pmu_counters = std::nullopt) {
  detail::Environment environment;
  environment.facts = &facts;
  environment.perf = &kernel;
  environment.use_papi = false;
  environment.pmu_counters = pmu_counters;
  return detail::CounterSetAccess::open(names, options, environment);
}

std::vector<Identity> key(std::vector<Identity> members) {
  std::sort(members.begin(), members.end());
  return members;
}

TEST(Scaling, CountedWhenRunningTheWholeTime) {
  const auto s = detail::scale_count(1234, 1000, 1000);
  EXPECT_EQ(s.status, Status::counted);
  ASSERT_TRUE(s.value);
  EXPECT_EQ(*s.value, 1234.0);
  EXPECT_EQ(s.running_fraction, 1.0);
}

TEST(Scaling, MultiplexedCountsAreScaledUp) {
  const auto s = detail::scale_count(1000, 1000, 250);
  EXPECT_EQ(s.status, Status::multiplexed);
  ASSERT_TRUE(s.value);
  EXPECT_DOUBLE_EQ(*s.value, 4000.0);
  EXPECT_DOUBLE_EQ(s.running_fraction, 0.25);
}

TEST(Scaling, NeverScheduledHasNoValue) {
  const auto s = detail::scale_count(0, 1000, 0);
  EXPECT_EQ(s.status, Status::multiplexed);
  EXPECT_FALSE(s.value.has_value());
  EXPECT_EQ(s.running_fraction, 0.0);
}

TEST(Scaling, NotYetEnabledIsAnExactZero) {
  const auto s = detail::scale_count(0, 0, 0);
  EXPECT_EQ(s.status, Status::counted);
  ASSERT_TRUE(s.value);
  EXPECT_EQ(*s.value, 0.0);
}

TEST(Scaling, LargeProductsDoNotWrap) {
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  // value * enabled overflows 64 bits by far; the scaled count is ~2 * 2^64.
  const auto s = detail::scale_count(static_cast<long double>(max), max, max / 2);
  ASSERT_TRUE(s.value);
  EXPECT_TRUE(std::isfinite(*s.value));
  const double expected = 2.0 * 18446744073709551615.0;
  EXPECT_NEAR(*s.value / expected, 1.0, 1e-12);
  EXPECT_NEAR(s.running_fraction, 0.5, 1e-12);
  // A tiny running time: 2^63 * 2^63 / 1.
  const auto huge = detail::scale_count(9223372036854775808.0L, 9223372036854775808ULL, 1);
  ASSERT_TRUE(huge.value);
  EXPECT_NEAR(*huge.value / std::ldexp(1.0, 126), 1.0, 1e-12);
  // running > enabled (clock skew) is clamped, not scaled down.
  const auto skew = detail::scale_count(500, 1000, 1001);
  EXPECT_EQ(skew.status, Status::counted);
  EXPECT_EQ(*skew.value, 500.0);
}

TEST(FakeKernel, MultiplexedGroupsAreScaledAndRatiosComeFromOneGroup) {
  FakeKernel kernel;
  kernel.values = {{kCycles, 1000}, {kInstructions, 1500}, {kBranches, 300}, {kBranchMisses, 30}};
  kernel.times[key({kInstructions, kCycles})] = {1000, 500};
  kernel.times[key({kBranchMisses, kBranches})] = {1000, 250};
  kernel.times[key({kBranchMisses, kInstructions})] = {1000, 100};
  const auto facts = fakes::machine_with_pmu();
  // A PMU with two counters for four events: three groups, one event opened twice.
  CounterSet set = open_on(kernel, facts, {"cycles", "instructions", "branch-misses", "branches"}, quiet(), 2);
  set.start();
  set.stop();
  const Reading r = set.read();
  ASSERT_EQ(r.counters.size(), 4u);
  for (const CounterValue& c : r.counters) {
    EXPECT_EQ(c.backend, Backend::perf_event) << c.requested;
    EXPECT_EQ(c.status, Status::multiplexed) << c.requested;
    EXPECT_NE(c.reason.find("multiplexed"), std::string::npos) << c.reason;
  }
  EXPECT_DOUBLE_EQ(*r.find("cycles")->value, 2000.0);
  EXPECT_EQ(*r.find("cycles")->raw, 1000u);
  EXPECT_DOUBLE_EQ(r.find("cycles")->running_fraction, 0.5);
  EXPECT_DOUBLE_EQ(*r.find("instructions")->value, 3000.0);
  EXPECT_DOUBLE_EQ(*r.find("branch-misses")->value, 120.0);  // primary group: 25 %
  EXPECT_DOUBLE_EQ(r.find("branch-misses")->running_fraction, 0.25);
  EXPECT_DOUBLE_EQ(*r.find("branches")->value, 1200.0);

  EXPECT_DOUBLE_EQ(*r.find_derived("IPC")->value, 1.5);
  EXPECT_DOUBLE_EQ(*r.find_derived("CPI")->value, 1000.0 / 1500.0);
  EXPECT_DOUBLE_EQ(*r.find_derived("BR_MISP_RATIO")->value, 0.1);
  // From the group holding both branch-misses and instructions.
  EXPECT_DOUBLE_EQ(*r.find_derived("BR_MPKI")->value, 30.0 / 1500.0 * 1000.0);
  EXPECT_FALSE(r.find_derived("L1_MPKI")->value);
  EXPECT_NE(r.find_derived("L1_MPKI")->reason.find("not requested"), std::string::npos);

  // Every hardware group fits the PMU (2 counters) and has a single leader.
  int leaders = 0;
  for (const auto& attr : kernel.opened) leaders += attr.disabled ? 1 : 0;
  EXPECT_GE(leaders, 3);
}

TEST(FakeKernel, NeverScheduledGroupIsReportedWithoutAValue) {
  FakeKernel kernel;
  kernel.values = {{kCycles, 0}, {kInstructions, 0}};
  kernel.times[key({kInstructions, kCycles})] = {5000, 0};
  const auto facts = fakes::machine_with_pmu();
  CounterSet set = open_on(kernel, facts, {"cycles", "instructions"}, quiet());
  const Reading r = set.read();
  for (const CounterValue& c : r.counters) {
    EXPECT_EQ(c.status, Status::multiplexed);
    EXPECT_FALSE(c.value.has_value()) << "a group that never ran must not read as 0";
    EXPECT_EQ(c.running_fraction, 0.0);
    EXPECT_NE(c.reason.find("never scheduled"), std::string::npos) << c.reason;
    EXPECT_FALSE(c.fix.empty());
  }
  EXPECT_FALSE(r.find_derived("IPC")->value);
}

TEST(FakeKernel, OverflowSafeScalingThroughTheBackend) {
  FakeKernel kernel;
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  kernel.values = {{kCycles, max - 5}};
  kernel.times[key({kCycles})] = {max, max / 4};
  const auto facts = fakes::machine_with_pmu();
  CounterSet set = open_on(kernel, facts, {"cycles"}, quiet());
  const Reading r = set.read();
  const CounterValue& c = r.counters.front();
  EXPECT_EQ(c.status, Status::multiplexed);
  ASSERT_TRUE(c.value);
  EXPECT_NEAR(*c.value / (4.0 * 18446744073709551615.0), 1.0, 1e-9);
  EXPECT_EQ(*c.raw, max - 5);
}

TEST(FakeKernel, ResetAndAccumulationUseABaseline) {
  FakeKernel kernel;
  kernel.values = {{kPageFaults, 100}, {kTaskClock, 5000}};
  const auto facts = fakes::machine_with_pmu();
  CounterSet set = open_on(kernel, facts, {"page-faults", "task-clock"}, quiet());
  EXPECT_EQ(*set.read().find("page-faults")->value, 100.0);
  set.reset();
  EXPECT_EQ(*set.read().find("page-faults")->value, 0.0);
  kernel.values[kPageFaults] = 130;
  EXPECT_EQ(*set.read().find("page-faults")->value, 30.0);
  // Both software events share one group (one leader opened for the group).
  const Reading r = set.read();
  EXPECT_EQ(r.find("task-clock")->unit, "ns");
  EXPECT_EQ(r.find("task-clock")->status, Status::counted);
}

TEST(FakeKernel, PermissionRefusalGivesNoPermissionWithTheFix) {
  FakeKernel kernel;
  kernel.refuse = [](const perf_event_attr&, bool, std::size_t) { return EACCES; };
  auto facts = fakes::machine_with_pmu();
  facts.perf_event_paranoid = 3;
  facts.cap_perfmon = false;
  facts.cap_sys_admin = false;
  CounterSet set = open_on(kernel, facts, {"cycles", "task-clock"}, quiet());
  const Reading r = set.read();
  for (const CounterValue& c : r.counters) {
    EXPECT_EQ(c.status, Status::no_permission) << c.requested;
    EXPECT_EQ(c.backend, Backend::none);
    EXPECT_FALSE(c.value.has_value());
    EXPECT_NE(c.reason.find("perf_event_paranoid = 3"), std::string::npos) << c.reason;
    EXPECT_NE(c.reason.find("no CAP_PERFMON"), std::string::npos) << c.reason;
    EXPECT_NE(c.fix.find("sudo sysctl kernel.perf_event_paranoid=1"), std::string::npos) << c.fix;
    EXPECT_NE(c.fix.find("cap_perfmon"), std::string::npos) << c.fix;
  }
  // JSON: a missing value is null, never 0.
  const nlohmann::json json = r;
  EXPECT_TRUE(json["counters"][0]["value"].is_null());
  EXPECT_EQ(json["counters"][0]["status"], "no_permission");
  const auto statuses = counter_statuses_from_json(statuses_json(r), "statuses");
  ASSERT_EQ(statuses.counters.size(), 2u);
  EXPECT_EQ(statuses.counters[1].status, Status::no_permission);
  EXPECT_NE(statuses.counters[1].fix.find("perf_event_paranoid=1"), std::string::npos);
}

TEST(FakeKernel, UserOnlyCountingBelowPrivilege) {
  FakeKernel kernel;
  auto facts = fakes::machine_with_pmu();
  facts.perf_event_paranoid = 2;
  CounterSet set = open_on(kernel, facts, {"task-clock"}, quiet());
  ASSERT_FALSE(kernel.opened.empty());
  for (const auto& attr : kernel.opened) EXPECT_EQ(attr.exclude_kernel, 1u);
  ASSERT_FALSE(set.notes().empty());
  EXPECT_NE(set.notes().back().find("kernel-mode work is not counted (perf_event_paranoid = 2"), std::string::npos);
  for (const auto& attr : kernel.opened) {
    EXPECT_EQ(attr.read_format, PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED |
                                    PERF_FORMAT_TOTAL_TIME_RUNNING);
  }
}

TEST(FakeKernel, NoPmuInAVmIsUnsupportedWithTheReason) {
  FakeKernel kernel;
  kernel.refuse = [](const perf_event_attr& attr, bool, std::size_t) { return fakes::is_hardware(attr) ? ENOENT : 0; };
  const auto facts = fakes::vm_without_pmu();
  CounterSet set = open_on(kernel, facts, {"cycles", "task-clock", "PAPI_TOT_INS"}, quiet());
  const Reading r = set.read();
  const CounterValue* cycles = r.find("cycles");
  EXPECT_EQ(cycles->status, Status::unsupported);
  EXPECT_FALSE(cycles->value.has_value());
  EXPECT_NE(cycles->reason.find("no hardware PMU (virtualized)"), std::string::npos) << cycles->reason;
  EXPECT_NE(cycles->fix.find("bare metal"), std::string::npos);
  // A preset without PAPI falls back to its exact perf equivalent, which fails the same way.
  const CounterValue* ins = r.find("TOT_INS");
  EXPECT_EQ(ins->status, Status::unsupported);
  EXPECT_NE(ins->reason.find("perf equivalent perf::PERF_COUNT_HW_INSTRUCTIONS fails too"), std::string::npos)
      << ins->reason;
  EXPECT_EQ(r.find("task-clock")->status, Status::counted);
  EXPECT_FALSE(set.needs_simulation());
}

TEST(FakeKernel, UnknownEventOnThisCpu) {
  FakeKernel kernel;
  kernel.refuse = [](const perf_event_attr& attr, bool, std::size_t) {
    return attr.type == PERF_TYPE_HW_CACHE ? ENOENT : 0;
  };
  const auto facts = fakes::machine_with_pmu();
  CounterSet set = open_on(kernel, facts, {"L1-dcache-load-misses", "cycles"}, quiet());
  const Reading r = set.read();
  EXPECT_EQ(r.counters[0].status, Status::unsupported);
  EXPECT_NE(r.counters[0].reason.find("event unknown on this CPU"), std::string::npos) << r.counters[0].reason;
  EXPECT_EQ(r.counters[1].status, Status::counted);
}

TEST(FakeKernel, AGroupTheKernelRefusesIsSplit) {
  FakeKernel kernel;
  kernel.values = {{kCycles, 10}, {kInstructions, 20}};
  // Hardware groups of more than one event do not open.
  kernel.refuse = [](const perf_event_attr&, bool joins, std::size_t) { return joins ? EINVAL : 0; };
  const auto facts = fakes::machine_with_pmu();
  CounterSet set = open_on(kernel, facts, {"cycles", "instructions"}, quiet());
  const Reading r = set.read();
  EXPECT_EQ(*r.find("cycles")->value, 10.0);
  EXPECT_EQ(*r.find("instructions")->value, 20.0);
  bool noted = false;
  for (const auto& note : r.notes) noted = noted || note.find("could not share a perf group") != std::string::npos;
  EXPECT_TRUE(noted);
  // Not in one group, but both ran all the time: the ratio is still exact.
  EXPECT_DOUBLE_EQ(*r.find_derived("IPC")->value, 2.0);
}

TEST(FakeKernel, PresetWithoutPapiIsCountedAsItsPerfEquivalent) {
  FakeKernel kernel;
  kernel.values = {{kCycles, 777}};
  const auto facts = fakes::machine_with_pmu();
  CounterSet set = open_on(kernel, facts, {"PAPI_TOT_CYC"}, quiet());
  const Reading r = set.read();
  EXPECT_EQ(r.counters[0].backend, Backend::perf_event);
  EXPECT_EQ(*r.counters[0].value, 777.0);
  EXPECT_NE(r.counters[0].reason.find("counted as its perf equivalent"), std::string::npos);
}

TEST(FakeKernel, SimulationStandsInWhereThePmuIsMissing) {
  FakeKernel kernel;
  kernel.refuse = [](const perf_event_attr& attr, bool, std::size_t) { return fakes::is_hardware(attr) ? ENOENT : 0; };
  kernel.values = {{kTaskClock, 42}};
  const auto facts = fakes::vm_without_pmu();
  CounterSet set = open_on(kernel, facts, {"cycles", "instructions", "L1_DCM", "BR_MSP", "BR_INS", "task-clock"},
                           quiet(SimulationMode::automatic));
  EXPECT_TRUE(set.needs_simulation());
  Reading r = set.read();
  for (const char* name : {"cycles", "instructions", "L1_DCM", "BR_MSP", "BR_INS"}) {
    const CounterValue* c = r.find(name);
    EXPECT_EQ(c->backend, Backend::simulated) << name;
    EXPECT_EQ(c->status, Status::unsupported) << name << ": no value until the simulated counts arrive";
    EXPECT_FALSE(c->value.has_value());
    EXPECT_NE(c->reason.find("merge_simulated"), std::string::npos) << c->reason;
  }
  EXPECT_FALSE(r.find_derived("IPC")->value);

  CallgrindCounts counts;
  counts.events = {{"Ir", 1000}, {"Dr", 300}, {"Dw", 100}, {"I1mr", 2}, {"D1mr", 40}, {"D1mw", 10},
                   {"ILmr", 1},  {"DLmr", 5},  {"DLmw", 3},  {"Bc", 150},  {"Bcm", 15}, {"Bi", 50}, {"Bim", 5}};
  r.merge_simulated(counts);
  EXPECT_EQ(r.find("instructions")->status, Status::simulated);
  EXPECT_EQ(*r.find("instructions")->value, 1000.0);
  EXPECT_EQ(*r.find("L1_DCM")->value, 50.0);
  EXPECT_EQ(*r.find("BR_MSP")->value, 20.0);
  EXPECT_EQ(*r.find("BR_INS")->value, 200.0);
  // RAM = 9, LL = 52 - 9 = 43, L1 = 1400 - 43 - 9 = 1348; cycles = 1348 + 5*43 + 35*9.
  EXPECT_EQ(*r.find("cycles")->value, 1348.0 + 215.0 + 315.0);
  EXPECT_DOUBLE_EQ(*r.find_derived("IPC")->value, 1000.0 / 1878.0);
  EXPECT_DOUBLE_EQ(*r.find_derived("L1_MPKI")->value, 50.0);
  EXPECT_DOUBLE_EQ(*r.find_derived("BR_MISP_RATIO")->value, 0.1);
  EXPECT_DOUBLE_EQ(*r.find_derived("BR_MPKI")->value, 20.0);
  EXPECT_EQ(*r.find("task-clock")->value, 42.0);  // untouched
}

TEST(FakeKernel, SimulationNeverLeavesHardwareCountersUnsupported) {
  FakeKernel kernel;
  kernel.refuse = [](const perf_event_attr& attr, bool, std::size_t) { return fakes::is_hardware(attr) ? ENOENT : 0; };
  const auto facts = fakes::vm_without_pmu();
  CounterSet set = open_on(kernel, facts, {"L1_DCM"}, quiet(SimulationMode::never));
  EXPECT_FALSE(set.needs_simulation());
  EXPECT_EQ(set.read().counters[0].status, Status::unsupported);
  EXPECT_EQ(set.read().counters[0].backend, Backend::none);
}

TEST(FakeKernel, SimulationOnlyIgnoresTheHardware) {
  FakeKernel kernel;
  kernel.values = {{kCycles, 5}};
  const auto facts = fakes::machine_with_pmu();
  CounterSet set = open_on(kernel, facts, {"cycles", "page-faults"}, quiet(SimulationMode::only));
  EXPECT_TRUE(set.needs_simulation());
  const Reading r = set.read();
  EXPECT_EQ(r.find("cycles")->backend, Backend::simulated);
  EXPECT_EQ(r.find("page-faults")->backend, Backend::perf_event);  // no simulated form: counted
}

TEST(FakeKernel, OverheadIsMeasuredWhenOpened) {
  FakeKernel kernel;
  const auto facts = fakes::machine_with_pmu();
  Options options = quiet();
  options.overhead_pairs = 15;
  CounterSet set = open_on(kernel, facts, {"task-clock"}, options);
  EXPECT_GT(set.overhead_ns(), 0.0);
  EXPECT_EQ(set.read().overhead_ns, set.overhead_ns());
  EXPECT_EQ(*set.read().counters[0].value, 0.0);  // the measurement is not left in the counts
}

TEST(FakeKernel, ClosesEveryDescriptor) {
  FakeKernel kernel;
  const auto facts = fakes::machine_with_pmu();
  {
    CounterSet set = open_on(kernel, facts, {"cycles", "instructions", "task-clock"}, quiet());
    EXPECT_GT(kernel.live_fds(), 0);
  }
  EXPECT_EQ(kernel.live_fds(), 0);
}

// ------------------------------------------------------- validation probe

TEST(FakeKernel, ValidationFlagsAnEventThatOpensButNeverCounts) {
  FakeKernel kernel;
  kernel.values = {{kCycles, 5000}, {kInstructions, 4000}};  // branch-misses opens but reads 0
  const auto facts = fakes::machine_with_pmu();
  Options options = quiet();
  options.validate_hardware = true;
  CounterSet set = open_on(kernel, facts, {"cycles", "instructions", "branch-misses"}, options);
  const Reading r = set.read();
  EXPECT_EQ(r.find("cycles")->status, Status::counted);
  EXPECT_EQ(r.find("instructions")->status, Status::counted);
  const CounterValue* misses = r.find("branch-misses");
  EXPECT_EQ(misses->status, Status::unsupported);
  EXPECT_EQ(misses->backend, Backend::none);
  EXPECT_FALSE(misses->value.has_value()) << "a 0 from an event the PMU does not implement is no measurement";
  EXPECT_NE(misses->reason.find("counted 0 over a validation workload that must produce it"), std::string::npos)
      << misses->reason;
  EXPECT_FALSE(misses->fix.empty());
  EXPECT_FALSE(set.needs_simulation());

  // Where simulation is allowed, callgrind stands in for it.
  options.simulation = SimulationMode::automatic;
  CounterSet simulated = open_on(kernel, facts, {"cycles", "branch-misses"}, options);
  EXPECT_EQ(simulated.read().find("branch-misses")->backend, Backend::simulated);
  EXPECT_EQ(simulated.read().find("cycles")->backend, Backend::perf_event);
  EXPECT_TRUE(simulated.needs_simulation());

  // Without validation the same event "counts" 0: what the probe is for.
  CounterSet trusting = open_on(kernel, facts, {"branch-misses"}, quiet());
  ASSERT_TRUE(trusting.read().find("branch-misses")->value);
  EXPECT_EQ(*trusting.read().find("branch-misses")->value, 0.0);
}

TEST(FakeKernel, ValidationGivesNoVerdictWhenTheEventNeverRan) {
  FakeKernel kernel;
  kernel.times[key({kBranchMisses})] = {1000, 0};  // enabled, never on the PMU
  const auto facts = fakes::machine_with_pmu();
  Options options = quiet();
  options.validate_hardware = true;
  CounterSet set = open_on(kernel, facts, {"branch-misses"}, options);
  const Reading reading = set.read();
  const CounterValue* misses = reading.find("branch-misses");
  EXPECT_EQ(misses->backend, Backend::perf_event) << misses->reason;
  EXPECT_EQ(misses->reason.find("validation workload"), std::string::npos) << misses->reason;
}

TEST(FakeKernel, ValidationLeavesSoftwareEventsAndUnvouchedEventsAlone) {
  FakeKernel kernel;  // everything reads 0
  const auto facts = fakes::machine_with_pmu();
  Options options = quiet();
  options.validate_hardware = true;
  // Page faults may really be 0; the probe vouches for none of cache-misses
  // (its 8 MiB need not miss the last level).
  CounterSet set = open_on(kernel, facts, {"page-faults", "cache-misses"}, options);
  const Reading r = set.read();
  EXPECT_EQ(r.find("page-faults")->status, Status::counted);
  EXPECT_EQ(r.find("cache-misses")->status, Status::counted);
  ASSERT_TRUE(r.find("cache-misses")->value);
  EXPECT_EQ(*r.find("cache-misses")->value, 0.0);
}

// ------------------------------------------------------------ group times

TEST(FakeKernel, EachGroupReportsItsMembersAndTimes) {
  FakeKernel kernel;
  kernel.values = {{kCycles, 300}, {kInstructions, 200}, {kBranches, 50}, {kBranchMisses, 5}};
  kernel.times[key({kInstructions, kCycles})] = {1000, 500};
  kernel.times[key({kBranchMisses, kBranches})] = {1000, 400};
  const auto facts = fakes::machine_with_pmu();
  CounterSet set = open_on(kernel, facts, {"instructions", "cycles", "branch-misses", "branches", "task-clock"},
                           quiet(), /*pmu_counters=*/2);
  const Reading r = set.read();
  // Software events together; each ratio's two inputs together (IPC, the
  // mispredict ratio, and branch MPKI, for which branch-misses is opened twice).
  ASSERT_EQ(r.groups.size(), 4u) << nlohmann::json(r).dump(2);
  const auto find = [&](std::vector<std::string> members) -> const GroupTimes& {
    for (const GroupTimes& g : r.groups)
      if (g.members == members) return g;
    ADD_FAILURE() << "no group of exactly these members: " << nlohmann::json(members).dump();
    return r.groups.front();
  };
  const GroupTimes& ipc = find({"perf::PERF_COUNT_HW_INSTRUCTIONS", "perf::PERF_COUNT_HW_CPU_CYCLES"});
  EXPECT_TRUE(ipc.read_ok);
  EXPECT_EQ(ipc.time_enabled_ns, 1000u);
  EXPECT_EQ(ipc.time_running_ns, 500u);
  EXPECT_EQ(find({"perf::PERF_COUNT_HW_BRANCH_MISSES", "perf::PERF_COUNT_HW_BRANCH_INSTRUCTIONS"}).time_running_ns,
            400u);
  EXPECT_EQ(find({"perf::PERF_COUNT_HW_BRANCH_MISSES", "perf::PERF_COUNT_HW_INSTRUCTIONS"}).time_running_ns, 1000u);
  EXPECT_EQ(find({"perf::PERF_COUNT_SW_TASK_CLOCK"}).time_running_ns, 1000u);
  const nlohmann::json j = r;
  ASSERT_EQ(j["groups"].size(), 4u);
  for (const auto& g : j["groups"]) {
    EXPECT_TRUE(g["time_enabled_ns"].is_number()) << g.dump();
    EXPECT_TRUE(g["time_running_ns"].is_number()) << g.dump();
  }
}

TEST(FakeKernel, GroupsThatCannotBeMappedAreReadWithReadAndToggled) {
  FakeKernel kernel;  // maps no pages: no user-space reads
  kernel.values = {{kCycles, 300}, {kTaskClock, 7}};
  const auto facts = fakes::machine_with_pmu();
  CounterSet set = open_on(kernel, facts, {"cycles", "task-clock"}, quiet());
  set.start();
  set.stop();
  const Reading r = set.read();
  ASSERT_EQ(r.groups.size(), 2u);
  for (const GroupTimes& g : r.groups) EXPECT_EQ(g.read_path, "read()") << g.members.front();
  EXPECT_EQ(nlohmann::json(r)["groups"][0]["read_path"], "read()");
}

// ----------------------------------------------------- privilege modifiers

TEST(FakeKernel, UserOnlyEventsExcludeTheKernelEvenWhereItMayBeCounted) {
  FakeKernel kernel;
  const auto facts = fakes::machine_with_pmu();  // paranoid 1: kernel counting allowed
  CounterSet set = open_on(kernel, facts, {"instructions:u", "cycles"}, quiet());
  bool saw_user_only = false, saw_both = false;
  for (const perf_event_attr& attr : kernel.opened) {
    if (attr.config == PERF_COUNT_HW_INSTRUCTIONS) saw_user_only = saw_user_only || attr.exclude_kernel == 1;
    if (attr.config == PERF_COUNT_HW_CPU_CYCLES) saw_both = saw_both || (attr.exclude_kernel == 0 && attr.exclude_user == 0);
  }
  EXPECT_TRUE(saw_user_only);
  EXPECT_TRUE(saw_both);
}

}  // namespace
