// PAPI hardware presets: names, and the status each gets on this machine.
#include <gtest/gtest.h>

#include <cstring>

#include "engram/counters.hpp"
#include "papi_catalog.hpp"
#include "resolver.hpp"
#include "system_facts.hpp"

namespace {

using namespace engram::counters;

const char* kPresets[] = {"PAPI_TOT_CYC", "PAPI_TOT_INS", "PAPI_L1_DCM", "PAPI_BR_MSP", "PAPI_BR_INS",
                          "PAPI_L2_TCM", "PAPI_SP_OPS"};

TEST(PapiPresets, ResolveInBothSpellings) {
  if (!detail::papi_init_error().empty()) GTEST_SKIP() << "PAPI unusable: " << detail::papi_init_error();
  for (const char* symbol : kPresets) {
    const auto full = detail::resolve_counter_name(symbol);
    const auto shortened = detail::resolve_counter_name(std::string(symbol).substr(5));
    EXPECT_EQ(full.kind, detail::NameKind::papi_preset) << symbol;
    EXPECT_EQ(full.canonical, symbol);
    EXPECT_EQ(shortened.canonical, symbol);
    EXPECT_EQ(full.dedup_key, shortened.dedup_key);
    ASSERT_TRUE(full.preset.has_value());
    EXPECT_FALSE(full.preset->description.empty()) << symbol;
  }
}

TEST(PapiPresets, WithoutAPmuTheyAreUnsupportedWithTheReason) {
  const auto& facts = detail::system_facts();
  if (facts.hardware_pmu) GTEST_SKIP() << "this machine has a hardware PMU";
  Options options;
  options.simulation = SimulationMode::never;
  options.overhead_pairs = 0;
  const CounterSet set = CounterSet::open({"PAPI_TOT_CYC", "L1_DCM", "PAPI_SP_OPS"}, options);
  const Reading r = set.read();
  for (const CounterValue& c : r.counters) {
    EXPECT_EQ(c.status, Status::unsupported) << c.requested;
    EXPECT_EQ(c.backend, Backend::none);
    EXPECT_FALSE(c.value.has_value()) << c.requested << " must not read as a number";
    EXPECT_NE(c.reason.find(detail::no_pmu_summary(facts)), std::string::npos) << c.reason;
    EXPECT_FALSE(c.fix.empty());
  }
  // With simulation allowed, the simulatable ones wait for callgrind instead.
  options.simulation = SimulationMode::automatic;
  const CounterSet simulated = CounterSet::open({"PAPI_TOT_CYC", "L1_DCM", "PAPI_SP_OPS"}, options);
  EXPECT_TRUE(simulated.needs_simulation());
  const Reading s = simulated.read();
  EXPECT_EQ(s.find("PAPI_TOT_CYC")->backend, Backend::simulated);
  EXPECT_EQ(s.find("L1_DCM")->backend, Backend::simulated);
  EXPECT_EQ(s.find("PAPI_SP_OPS")->backend, Backend::none);  // no simulated form
}

// Counting presets on a PMU: HardwarePmu.PapiPresetsTotCycAndTotInsAreCountedByTheHardware
// (hardware_pmu_test.cpp), run for real in the emulated-PMU lane.

}  // namespace
