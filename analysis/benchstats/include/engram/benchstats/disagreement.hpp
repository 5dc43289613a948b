#pragma once
// When time and instructions disagree, say so, and attribute where the
// counters allow.
//
// A benchmark's time verdict and its instruction count's verdict (the first
// compared of TOT_INS, PAPI_TOT_INS, instructions, Ir) disagree when one is
// regressed or improved and the other is not the same (within noise, or the
// opposite way). Simulation-only gates miss slowdowns from syscalls, caches
// and threads; time-only gates cannot say why. The attribution names the
// counters that moved significantly (verdict regressed or improved, exact or
// statistical) the way time did, by category: system time, page faults,
// context switches, cache misses (simulated or counted), branch misses. A
// refused or inconclusive instruction count gives no disagreement: nothing is
// known about it.
#include <optional>
#include <string_view>

#include "engram/benchstats/compare.hpp"

namespace engram::benchstats {

// The category a counter falls in for attribution, or empty: "system time",
// "page faults", "context switches", "cache misses", "branch misses".
std::string_view attribution_category(std::string_view counter);
// Whether the counter counts retired instructions (TOT_INS, PAPI_TOT_INS,
// instructions, Ir; case-insensitive).
bool is_instruction_counter(std::string_view counter);

// Pure: from the benchmark's time verdict and its compared counters.
std::optional<Disagreement> find_disagreement(const BenchmarkComparison& comparison);

}  // namespace engram::benchstats
