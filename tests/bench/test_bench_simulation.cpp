// The pure parts of the benchmarks' simulated counters: how many iterations a
// callgrind child runs, and how its counts are scaled and merged into the
// native run's reading. Hand-made readings and counts, no valgrind.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engram/bench_simulation.hpp"

namespace engram::bench {
namespace {

using counters::Backend;
using counters::CallgrindCounts;
using counters::CounterValue;
using counters::Reading;
using counters::Status;

// ------------------------------------------------------ simulation_iterations

std::uint64_t iterations_for_flops(double flops) { return simulation_iterations(WorkModel{1, flops, 1}); }

TEST(BenchSimulation, IterationsAimAtTwentyMillionFlops) {
  // round(2e7 / flops), clamped to [1, 50].
  EXPECT_EQ(iterations_for_flops(2e7), 1u);     // 2e7 / 2e7 = 1
  EXPECT_EQ(iterations_for_flops(1e7), 2u);     // 2e7 / 1e7 = 2
  EXPECT_EQ(iterations_for_flops(8e5), 25u);    // 2e7 / 8e5 = 25
  EXPECT_EQ(iterations_for_flops(1.6e6), 13u);  // 12.5 rounds away from zero
  EXPECT_EQ(iterations_for_flops(1.7e6), 12u);  // 11.76 -> 12
  EXPECT_EQ(iterations_for_flops(4e5), 50u);    // exactly the cap
  // The suite's kernels: vector_similarity_1000 does 2 * 768 * 1000 =
  // 1,536,000 flops (2e7 / 1.536e6 = 13.02 -> 13); spreading_activation_1000
  // 2 * 5000 * 100 = 1e6 (-> 20); decay_10k_memories 4 * 10,000 = 40,000
  // (500 -> capped at 50).
  EXPECT_EQ(iterations_for_flops(1'536'000), 13u);
  EXPECT_EQ(iterations_for_flops(1e6), 20u);
  EXPECT_EQ(iterations_for_flops(40'000), 50u);
}

TEST(BenchSimulation, ASlowedBenchmarkSimulatesWholeExtraCalls) {
  // The fewest iterations from the usual count up with N * F whole, so the
  // simulated count per iteration rises by exactly F.
  const WorkModel spreading{1, 1e6, 1};  // 20 iterations unslowed
  EXPECT_EQ(simulation_iterations(spreading, 0), 20u);
  EXPECT_EQ(simulation_iterations(spreading, 0.01), 100u);  // 1 extra call
  EXPECT_EQ(simulation_iterations(spreading, 0.02), 50u);   // 1
  EXPECT_EQ(simulation_iterations(spreading, 0.05), 20u);   // 1: the usual count already holds it
  EXPECT_EQ(simulation_iterations(spreading, 0.1), 20u);    // 2
  EXPECT_EQ(simulation_iterations(spreading, 0.25), 20u);   // 5
  EXPECT_EQ(simulation_iterations(WorkModel{1, 1.536e6, 1}, 0.25), 16u);  // 13 -> 16: 4 extra calls
  // No whole count within the cap: at least 1/F iterations, capped.
  EXPECT_EQ(simulation_iterations(spreading, 0.0001), kMaxSlowedSimulationIterations);
  EXPECT_EQ(simulation_iterations(spreading, 0.3), 20u);    // 20 * 0.3 = 6
}

TEST(BenchSimulation, IterationsStayBetweenOneAndFifty) {
  EXPECT_EQ(iterations_for_flops(2e5), 50u);  // 100, capped
  EXPECT_EQ(iterations_for_flops(1), 50u);
  EXPECT_EQ(iterations_for_flops(1e9), 1u);   // 0.02 rounds to 0: at least one
  EXPECT_EQ(iterations_for_flops(6e7), 1u);   // 0.33 -> 0 -> 1
  // No usable work model: one iteration, never zero (a child of zero
  // iterations would measure nothing and the merge would skip it).
  EXPECT_EQ(iterations_for_flops(0), 1u);
  EXPECT_EQ(iterations_for_flops(-5), 1u);
  EXPECT_EQ(iterations_for_flops(std::numeric_limits<double>::quiet_NaN()), 1u);
  EXPECT_EQ(iterations_for_flops(std::numeric_limits<double>::infinity()), 1u);  // 2e7 / inf = 0 -> 1
}

// ---------------------------------------------------------------- scale_counts

CallgrindCounts counts(std::string region, std::map<std::string, std::uint64_t, std::less<>> events) {
  CallgrindCounts c;
  c.region = std::move(region);
  c.events = std::move(events);
  return c;
}

TEST(BenchSimulation, ScaleCountsRoundsEachEventToTheNearestCount) {
  const CallgrindCounts scaled = scale_counts(counts("work", {{"Ir", 1000}, {"D1mr", 3}, {"D1mw", 0}}), 0.5);
  EXPECT_EQ(scaled.region, "work");
  // 1000 * 0.5 = 500; 3 * 0.5 = 1.5 -> 2 (halves away from zero); 0 stays 0.
  EXPECT_EQ(scaled.events, (counts("", {{"Ir", 500}, {"D1mr", 2}, {"D1mw", 0}}).events));
  // 1/3: 10 -> 3.33 -> 3, 11 -> 3.67 -> 4, 3e12 -> 1e12 exactly.
  EXPECT_EQ(scale_counts(counts("", {{"Bc", 10}, {"Bcm", 11}, {"Ir", 3'000'000'000'000}}), 1.0 / 3.0).events,
            (counts("", {{"Bc", 3}, {"Bcm", 4}, {"Ir", 1'000'000'000'000}}).events));
  // 1786 / 50 = 35.72 (a native run of 1786 iterations, 50 simulated):
  // 1875 * 35.72 = 66,975 exactly; 7 * 35.72 = 250.04 -> 250.
  EXPECT_EQ(scale_counts(counts("", {{"D1mr", 1875}, {"Bim", 7}}), 1786.0 / 50.0).events,
            (counts("", {{"D1mr", 66'975}, {"Bim", 250}}).events));
}

TEST(BenchSimulation, ScaleCountsNeverInventsAnEvent) {
  // An event absent from the profile stays absent (simulated_value then
  // reports the counter as missing); it is not filled in as 0.
  const CallgrindCounts scaled = scale_counts(counts("r", {{"Ir", 8}}), 2.0);
  EXPECT_EQ(scaled.events.size(), 1u);
  EXPECT_EQ(scaled.event("Ir"), 16u);
  EXPECT_EQ(scaled.event("D1mr"), std::nullopt);
  EXPECT_TRUE(scale_counts(counts("", {}), 3.0).events.empty());
  // Factor 1 leaves every count as it is.
  EXPECT_EQ(scale_counts(counts("", {{"Ir", 123'456'789}}), 1.0).events.at("Ir"), 123'456'789u);
}

// ------------------------------------------------------- merge_simulated_counts

CounterValue waiting_for_simulation(std::string requested, std::string canonical) {
  CounterValue c;
  c.requested = std::move(requested);
  c.canonical = std::move(canonical);
  c.backend = Backend::simulated;
  c.status = Status::unsupported;
  c.reason = "no hardware counter: waits for simulation";
  return c;
}

// A native reading as a PMU-less machine gives it: task-clock counted, the
// cache and branch counters waiting for callgrind.
Reading native_reading() {
  Reading r;
  CounterValue clock;
  clock.requested = "task-clock";
  clock.canonical = "perf::PERF_COUNT_SW_TASK_CLOCK";
  clock.backend = Backend::perf_event;
  clock.status = Status::counted;
  clock.value = 5e6;
  clock.raw = 5'000'000;
  clock.running_fraction = 1.0;
  clock.unit = "ns";
  r.counters = {clock, waiting_for_simulation("L1_DCM", "PAPI_L1_DCM"),
                waiting_for_simulation("L1_DCA", "PAPI_L1_DCA"), waiting_for_simulation("BR_MSP", "PAPI_BR_MSP")};
  return r;
}

// 50 simulated iterations: D1mr + D1mw = 90,000 + 10,000 = 100,000 misses,
// Dr + Dw = 400,000 + 100,000 = 500,000 accesses, Bcm + Bim = 40 + 10 = 50.
SimulatedCounts fifty_simulated_iterations() {
  return {50, counts("", {{"Ir", 2'000'000}, {"Dr", 400'000}, {"Dw", 100'000}, {"D1mr", 90'000}, {"D1mw", 10'000},
                          {"Bc", 1'000}, {"Bcm", 40}, {"Bi", 20}, {"Bim", 10}})};
}

TEST(BenchSimulation, MergeScalesToTheNativeIterations) {
  // 10 native iterations from 50 simulated: factor 10 / 50 = 0.2.
  const Reading r = merge_simulated_counts(native_reading(), fifty_simulated_iterations(), 10);
  const CounterValue* l1 = r.find("L1_DCM");
  ASSERT_NE(l1, nullptr);
  EXPECT_EQ(counters::to_string(l1->status), "simulated");
  ASSERT_TRUE(l1->value.has_value());
  EXPECT_EQ(*l1->value, 20'000.0);  // 100,000 * 0.2
  EXPECT_NE(l1->reason.find("simulated by callgrind"), std::string::npos) << l1->reason;
  ASSERT_TRUE(r.find("L1_DCA")->value.has_value());
  EXPECT_EQ(*r.find("L1_DCA")->value, 100'000.0);  // 500,000 * 0.2
  ASSERT_TRUE(r.find("BR_MSP")->value.has_value());
  EXPECT_EQ(*r.find("BR_MSP")->value, 10.0);  // 50 * 0.2
  // The native counter is left exactly as counted.
  const CounterValue* clock = r.find("task-clock");
  EXPECT_EQ(counters::to_string(clock->status), "counted");
  EXPECT_EQ(clock->value, 5e6);
  // A derived metric of two simulated inputs: 20,000 / 100,000 = 0.2.
  const counters::DerivedMetric* ratio = r.find_derived("L1_MISS_RATIO");
  ASSERT_NE(ratio, nullptr);
  ASSERT_TRUE(ratio->value.has_value()) << ratio->reason;
  EXPECT_DOUBLE_EQ(*ratio->value, 0.2);
}

TEST(BenchSimulation, MergeScalesUpToALongNativeRun) {
  // 1786 native iterations from 50 simulated: factor 35.72; 100,000 misses
  // -> 3,572,000 (per iteration still 100,000 / 50 = 2,000).
  const Reading r = merge_simulated_counts(native_reading(), fifty_simulated_iterations(), 1786);
  ASSERT_TRUE(r.find("L1_DCM")->value.has_value());
  EXPECT_EQ(*r.find("L1_DCM")->value, 3'572'000.0);
  EXPECT_EQ(*r.find("L1_DCM")->value / 1786, 2'000.0);
}

TEST(BenchSimulation, NothingSimulatedLeavesTheCountersMissing) {
  // A child that collected no iteration has no counts to give: the counters
  // stay missing with their status and reason, never a made-up 0.
  SimulatedCounts none = fifty_simulated_iterations();
  none.iterations = 0;
  const Reading r = merge_simulated_counts(native_reading(), none, 10);
  for (const char* name : {"L1_DCM", "L1_DCA", "BR_MSP"}) {
    const CounterValue* c = r.find(name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_FALSE(c->value.has_value()) << name << " = " << c->value.value_or(-1);
    EXPECT_EQ(counters::to_string(c->status), "unsupported") << name;
    EXPECT_EQ(c->reason, "no hardware counter: waits for simulation") << name;
  }
  EXPECT_EQ(r.find("task-clock")->value, 5e6);
}

TEST(BenchSimulation, MissingEventsLeaveTheirCountersMissing) {
  // The profile has no D1 events (no cache simulation): L1_DCM and L1_DCA
  // stay missing, with a reason naming the formula; BR_MSP, whose events are
  // there, is simulated (40 + 10 = 50 scaled by 10 / 50 = 10).
  const SimulatedCounts branches_only{50, counts("", {{"Ir", 2'000'000}, {"Bc", 1'000}, {"Bcm", 40}, {"Bi", 20},
                                                      {"Bim", 10}})};
  const Reading r = merge_simulated_counts(native_reading(), branches_only, 10);
  for (const char* name : {"L1_DCM", "L1_DCA"}) {
    const CounterValue* c = r.find(name);
    EXPECT_FALSE(c->value.has_value()) << name << " = " << c->value.value_or(-1);
    EXPECT_EQ(counters::to_string(c->status), "unsupported") << name;
    EXPECT_NE(c->reason.find("lack"), std::string::npos) << name << ": " << c->reason;
  }
  ASSERT_TRUE(r.find("BR_MSP")->value.has_value());
  EXPECT_EQ(*r.find("BR_MSP")->value, 10.0);
  EXPECT_EQ(counters::to_string(r.find("BR_MSP")->status), "simulated");
}

TEST(BenchSimulation, ZeroNativeIterationsScaleToZeroEvents) {
  // A native run of no iterations did no work: 100,000 * 0 / 50 = 0 misses,
  // a simulated count of zero (the events exist), not a missing one.
  const Reading r = merge_simulated_counts(native_reading(), fifty_simulated_iterations(), 0);
  ASSERT_TRUE(r.find("L1_DCM")->value.has_value());
  EXPECT_EQ(*r.find("L1_DCM")->value, 0.0);
  EXPECT_EQ(counters::to_string(r.find("L1_DCM")->status), "simulated");
}

}  // namespace
}  // namespace engram::bench
