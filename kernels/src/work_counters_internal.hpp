#pragma once
// Adding to the process-wide work counters (private to the kernels library).
#include "engram/work_counters.hpp"

namespace engram::detail {

// Adds one kernel call's work (counted from its loop counts): relaxed atomic
// adds, once per call.
void add_work(const WorkCounts& counts) noexcept;

}  // namespace engram::detail
