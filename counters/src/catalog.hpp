#pragma once
// What this library knows about counters beyond what PAPI and libpfm4 list:
// the perf-style generic names, which counters feed which derived metric
// (their "role"), exact perf equivalents of PAPI presets, and how callgrind's
// events stand in for each simulatable counter.
#include <linux/perf_event.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/counters.hpp"

namespace engram::counters::detail {

// The quantity a counter measures, as the derived metrics need it.
enum class Role { none, cycles, instructions, l1d_misses, l1d_accesses, branch_misses, branches, loads, stores };
std::string_view to_string(Role role);

struct GenericName {
  std::string_view name;         // "task-clock"
  std::string_view pfm_name;     // "perf::PERF_COUNT_SW_TASK_CLOCK"
  std::string_view description;
};
// Every perf-style generic name we accept (lower case), in listing order.
const std::vector<GenericName>& generic_names();
const GenericName* find_generic_name(std::string_view name);  // case-insensitive

// "LL_MISSES" and similar names of ours that stand for a PAPI preset.
std::optional<std::string> preset_alias(std::string_view name);  // -> "PAPI_L3_TCM"

// A perf encoding identity: type and config (config1/2 unused by generic events).
struct PerfIdentity {
  std::uint32_t type = 0;
  std::uint64_t config = 0;
};

// How callgrind reproduces a counter: the sum of `events`, or estimated cycles.
struct SimulationRecipe {
  std::vector<std::string> events;
  bool estimated_cycles = false;
  std::string formula() const;  // "D1mr + D1mw", "estimated cycles (...)"
};

// What we know about one counter identity (a PAPI preset or a perf encoding).
struct CounterTraits {
  Role role = Role::none;
  std::optional<SimulationRecipe> simulation;
  std::string unit;  // "ns" for the clock events
};

CounterTraits traits_of_preset(std::string_view preset_symbol);  // "PAPI_L1_DCM"
CounterTraits traits_of_perf(const PerfIdentity& identity);

// The generic perf event that counts exactly what a PAPI preset counts
// ("PAPI_TOT_CYC" -> "perf::PERF_COUNT_HW_CPU_CYCLES"), when one exists.
std::optional<std::string> perf_equivalent_of_preset(std::string_view preset_symbol);

// The recipe applied to callgrind counts (nullopt when an event is missing).
std::optional<double> simulate(const SimulationRecipe& recipe, const CallgrindCounts& counts);

// Canonical names with a simulated form, for listing.
std::vector<std::string> simulatable_presets();

}  // namespace engram::counters::detail
