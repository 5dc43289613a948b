#pragma once
// Simulated counters for the benchmarks: each selected benchmark's body is
// re-run in a child process under callgrind for a small fixed number of
// iterations, collecting only that loop, and the counts are merged into the
// native run's reading. Timings always come from the native run.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engram/baseline_options.hpp"
#include "engram/bench_suite.hpp"
#include "engram/counters.hpp"

namespace engram::bench {

// Iterations a callgrind child runs: about 2e7 FLOPs of work, 1 to 50
// iterations, so each child takes seconds despite the ~100x slowdown. For
// the benchmark --slow slows by `slow_factor` F: the fewest iterations from
// there up (at most kMaxSlowedSimulationIterations) for which N * F extra
// calls are whole, so that a 1% slowdown shows as exactly +1% simulated
// instructions rather than vanishing below one extra call.
inline constexpr std::uint64_t kMaxSlowedSimulationIterations = 1000;
std::uint64_t simulation_iterations(const WorkModel& work, double slow_factor = 0);

// The child's command line: this program with the options that rebuild the
// same inputs, plus --simulate-child/--simulate-iterations.
std::vector<std::string> simulation_child_argv(const std::string& self, const BaselineOptions& options,
                                               const std::string& benchmark, std::uint64_t iterations);

struct SimulatedCounts {
  std::uint64_t iterations = 0;       // iterations the child collected
  counters::CallgrindCounts counts;   // their callgrind totals
};

// Callgrind counts scaled by `factor`, rounded to the nearest count.
counters::CallgrindCounts scale_counts(const counters::CallgrindCounts& counts, double factor);

// The reading of a native run of `iterations` iterations with the simulated
// counters filled in, scaled to the same iterations so derived metrics that
// mix native and simulated inputs stay consistent.
counters::Reading merge_simulated_counts(counters::Reading native, const SimulatedCounts& simulated,
                                         std::uint64_t iterations);

// The body of a callgrind child: builds the benchmark's inputs, runs one
// uncollected warm-up iteration, then `iterations` collected ones (resets are
// done outside the collected region). Returns the process exit code.
int run_simulation_child(const BaselineOptions& options);

}  // namespace engram::bench
