// The derived metrics (IPC, CPI, L1 MPKI, L1 miss ratio, branch mispredict
// ratio, branch MPKI) from hand-made counter values: a missing input leaves
// the metric empty with the reason, never 0; a zero denominator gives no
// value; simulated and measured inputs are never mixed; the L1 miss ratio
// falls back to loads + stores; multiplexing in different groups is a
// caveat. Pure unit tests.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "counter_set_internal.hpp"

namespace {

using namespace engram::counters;
using detail::Role;

CounterValue counted(const std::string& canonical, double value, Backend backend = Backend::perf_event,
                     Status status = Status::counted) {
  CounterValue c;
  c.requested = canonical;
  c.canonical = canonical;
  c.backend = backend;
  c.status = status;
  c.value = value;
  return c;
}

CounterValue without_value(const std::string& canonical, const std::string& reason) {
  CounterValue c;
  c.requested = canonical;
  c.canonical = canonical;
  c.backend = Backend::none;
  c.status = Status::unsupported;
  c.reason = reason;
  return c;
}

// The metrics of `counters`, each with its role; pair_of left empty unless given.
struct Derived {
  using PairOf = std::function<std::optional<std::pair<double, double>>(int, int)>;
  Derived(std::vector<CounterValue> counters_in, std::vector<Role> roles_in, PairOf pair_of_in = {})
      : counters(std::move(counters_in)), roles(std::move(roles_in)), pair_of(std::move(pair_of_in)) {}

  std::vector<CounterValue> counters;
  std::vector<Role> roles;
  PairOf pair_of;

  DerivedMetric metric(const std::string& name) const {
    detail::DerivedInputs inputs;
    inputs.counters = &counters;
    inputs.roles = roles;
    inputs.pair_of = pair_of;
    const std::vector<DerivedMetric> all = detail::compute_derived(inputs);
    EXPECT_EQ(all.size(), 6u);
    for (const DerivedMetric& m : all)
      if (m.name == name) return m;
    ADD_FAILURE() << "no metric " << name;
    return {};
  }
};

TEST(DerivedMetrics, AMissingInputLeavesTheMetricEmptyWithTheReason) {
  const Derived d{{without_value("PAPI_TOT_CYC", "no hardware PMU"), counted("PAPI_TOT_INS", 1000)},
                  {Role::cycles, Role::instructions}};
  for (const char* name : {"IPC", "CPI"}) {
    const DerivedMetric m = d.metric(name);
    EXPECT_FALSE(m.value.has_value()) << name << " = " << m.value.value_or(-1);
    EXPECT_EQ(m.reason, "PAPI_TOT_CYC has no value (unsupported: no hardware PMU)") << name;
  }
  EXPECT_EQ(d.metric("IPC").formula, "PAPI_TOT_INS / PAPI_TOT_CYC");
  // Not requested at all: the role and the names that would give it.
  const DerivedMetric branches = d.metric("BR_MISP_RATIO");
  EXPECT_FALSE(branches.value.has_value());
  EXPECT_EQ(branches.reason, "needs branch mispredictions (PAPI_BR_MSP or branch-misses): not requested");
  EXPECT_EQ(branches.formula, "branch mispredictions / branches");
}

TEST(DerivedMetrics, AZeroDenominatorGivesNoValueButAZeroNumeratorIsAValue) {
  const Derived d{{counted("PAPI_TOT_CYC", 0), counted("PAPI_TOT_INS", 1000)}, {Role::cycles, Role::instructions}};
  const DerivedMetric ipc = d.metric("IPC");  // 1000 / 0
  EXPECT_FALSE(ipc.value.has_value()) << *ipc.value;
  EXPECT_EQ(ipc.reason, "denominator PAPI_TOT_CYC is 0");
  const DerivedMetric cpi = d.metric("CPI");  // 0 / 1000 = 0, a real value
  ASSERT_TRUE(cpi.value.has_value()) << cpi.reason;
  EXPECT_EQ(*cpi.value, 0.0);
}

TEST(DerivedMetrics, SimulatedAndMeasuredInputsAreNotMixed) {
  const Derived d{{counted("PAPI_TOT_CYC", 2000), counted("PAPI_TOT_INS", 1000, Backend::simulated, Status::simulated)},
                  {Role::cycles, Role::instructions}};
  const DerivedMetric ipc = d.metric("IPC");
  EXPECT_FALSE(ipc.value.has_value());
  EXPECT_EQ(ipc.reason, "inputs come from different runs (simulated and measured): not comparable");
}

TEST(DerivedMetrics, L1MissRatioFallsBackToLoadsPlusStores) {
  Derived d{{counted("PAPI_L1_DCM", 50), counted("PAPI_LD_INS", 300), counted("PAPI_SR_INS", 100),
             counted("PAPI_TOT_INS", 2000)},
            {Role::l1d_misses, Role::loads, Role::stores, Role::instructions}};
  DerivedMetric ratio = d.metric("L1_MISS_RATIO");
  ASSERT_TRUE(ratio.value.has_value()) << ratio.reason;
  EXPECT_DOUBLE_EQ(*ratio.value, 0.125);  // 50 / (300 + 100)
  EXPECT_EQ(ratio.formula, "PAPI_L1_DCM / (PAPI_LD_INS + PAPI_SR_INS)");
  EXPECT_DOUBLE_EQ(*d.metric("L1_MPKI").value, 25.0);  // 50 / 2000 * 1000

  // Real L1 accesses win over the fallback: 50 / 500.
  d.counters.push_back(counted("PAPI_L1_DCA", 500));
  d.roles.push_back(Role::l1d_accesses);
  ratio = d.metric("L1_MISS_RATIO");
  EXPECT_DOUBLE_EQ(*ratio.value, 0.1);
  EXPECT_EQ(ratio.formula, "PAPI_L1_DCM / PAPI_L1_DCA");
}

TEST(DerivedMetrics, TheFallbackNeedsBothLoadsAndStoresWithValues) {
  const Derived stores_missing{
      {counted("PAPI_L1_DCM", 50), counted("PAPI_LD_INS", 300), without_value("PAPI_SR_INS", "")},
      {Role::l1d_misses, Role::loads, Role::stores}};
  DerivedMetric ratio = stores_missing.metric("L1_MISS_RATIO");
  EXPECT_FALSE(ratio.value.has_value());
  EXPECT_EQ(ratio.reason, "PAPI_SR_INS has no value (unsupported)");

  const Derived loads_only{{counted("PAPI_L1_DCM", 50), counted("PAPI_LD_INS", 300)}, {Role::l1d_misses, Role::loads}};
  ratio = loads_only.metric("L1_MISS_RATIO");
  EXPECT_FALSE(ratio.value.has_value());
  EXPECT_EQ(ratio.reason, "needs L1 data accesses (PAPI_L1_DCA or L1-dcache-loads): not requested");
}

TEST(DerivedMetrics, InputsMultiplexedInDifferentGroupsCarryACaveat) {
  Derived d{{counted("PAPI_TOT_CYC", 2000), counted("PAPI_TOT_INS", 3000, Backend::perf_event, Status::multiplexed)},
            {Role::cycles, Role::instructions},
            [](int, int) { return std::optional<std::pair<double, double>>(); }};  // no shared group
  DerivedMetric ipc = d.metric("IPC");
  ASSERT_TRUE(ipc.value.has_value()) << ipc.reason;
  EXPECT_DOUBLE_EQ(*ipc.value, 1.5);  // the scaled values: 3000 / 2000
  EXPECT_EQ(ipc.reason, "caveat: inputs were multiplexed in different groups");

  // Counted the whole time: exact, no caveat.
  d.counters[1].status = Status::counted;
  ipc = d.metric("IPC");
  EXPECT_DOUBLE_EQ(*ipc.value, 1.5);
  EXPECT_EQ(ipc.reason, "");

  // Sharing a group: the group's own values are used (cycles 20,
  // instructions 40 in the group), not the separately scaled ones.
  d.counters[1].status = Status::multiplexed;
  d.pair_of = [](int a, int b) {
    const double in_group[] = {20.0, 40.0};  // by counter index
    return std::optional<std::pair<double, double>>({in_group[a], in_group[b]});
  };
  ipc = d.metric("IPC");
  EXPECT_DOUBLE_EQ(*ipc.value, 2.0);  // 40 / 20
  EXPECT_EQ(ipc.reason, "");
  EXPECT_DOUBLE_EQ(*d.metric("CPI").value, 0.5);  // 20 / 40
}

TEST(DerivedMetrics, RoleOfCanonicalNames) {
  EXPECT_EQ(detail::role_of_canonical("PAPI_TOT_INS"), Role::instructions);
  EXPECT_EQ(detail::role_of_canonical("PAPI_L1_DCM"), Role::l1d_misses);
  EXPECT_EQ(detail::role_of_canonical("PAPI_BR_MSP"), Role::branch_misses);
  EXPECT_EQ(detail::role_of_canonical("perf::PERF_COUNT_HW_CPU_CYCLES"), Role::cycles);
  EXPECT_EQ(detail::role_of_canonical("perf::PERF_COUNT_SW_TASK_CLOCK"), Role::none);
  EXPECT_EQ(detail::role_of_canonical("sde:::engram::no_such_counter"), Role::none);
}

}  // namespace
