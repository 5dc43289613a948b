#pragma once
// Measuring the workload manifest (engram/workload_manifest.hpp) of a run:
// each benchmark's work per iteration from the kernels' work counters around
// one untimed call, joined with what cannot be measured (family, expected
// band, passes, access pattern), which lives in one table in
// bench/src/workload_models.cpp.
#include <functional>
#include <string>
#include <vector>

#include "engram/bench_suite.hpp"
#include "engram/work_counters.hpp"
#include "engram/workload_manifest.hpp"

namespace engram::bench {

// The work counters' delta over one untimed run() of the variant, then its
// reset() if it has one, so the timed runs start from the same inputs.
WorkCounts measure_run_work(const Variant& variant);

// The manifest entries of the benchmark's variants whose "KERNEL/VARIANT"
// name `wanted` accepts, in variant order. Runs each engram variant once
// (peers are not counted: they take the counts of the variant the table
// names). Throws std::logic_error for a kernel the table does not know or an
// engram variant whose run counts no work.
std::vector<WorkloadEntry> workload_entries(const KernelBenchmark& benchmark,
                                            const std::function<bool(const std::string&)>& wanted);

}  // namespace engram::bench
