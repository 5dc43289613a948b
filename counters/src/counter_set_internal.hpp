#pragma once
// The seams of CounterSet that the library's own tests (and list_counters)
// use: the system facts, the perf_event system calls, whether PAPI is
// consulted, and the PMU size.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog.hpp"
#include "engram/counters.hpp"
#include "perf_event_api.hpp"
#include "system_facts.hpp"

namespace engram::counters::detail {

struct Environment {
  const SystemFacts* facts = nullptr;  // null: system_facts()
  PerfEventApi* perf = nullptr;        // null: linux_perf_event_api()
  bool use_papi = true;
  std::optional<int> pmu_counters;     // overrides libpfm4's counter count
};

struct CounterSetAccess {
  static CounterSet open(const std::vector<std::string>& names, const Options& options,
                         const Environment& environment);
};

// The role of a counter from its canonical name (for merge_simulated).
Role role_of_canonical(const std::string& canonical);

// The six derived metrics. `value_of(i)` gives counter i's value; for two
// inputs that share a perf group `pair_of(a, b)` gives both from that group.
struct DerivedInputs {
  const std::vector<CounterValue>* counters = nullptr;
  std::vector<Role> roles;  // per counter
  // Group-local pair for counters a and b, or nullopt when they share no group.
  std::function<std::optional<std::pair<double, double>>(int, int)> pair_of;
};
std::vector<DerivedMetric> compute_derived(const DerivedInputs& inputs);

// diagnose_environment() judged on the given facts (the public one passes
// system_facts()), so tests can inject the /proc settings and PMU facts.
EnvironmentReport diagnose_environment(const SystemFacts& facts);

}  // namespace engram::counters::detail
