#pragma once
// The kernel families of the workload and the share of compute time the seed
// expected for each (KERNELS.md section 4). The table is in
// bench/src/workload_families.cpp, beside the per-kernel table
// (workload_models.cpp) that names each benchmark's family; it lives in the
// small engram_workload library so that hot spots and the report take the
// families and their bands from here instead of restating them.
#include <array>
#include <span>
#include <string_view>

namespace engram::bench {

struct WorkloadFamily {
  std::string_view name;  // "vector similarity", "activation spreading", "memory decay"
  // [low, high] percent of compute time in the original system: an
  // expectation to check, not a figure to reproduce.
  std::array<double, 2> expected_share_percent;
};

// Every family, in the order reports list them.
std::span<const WorkloadFamily> workload_families();
// The family named `name`, or nullptr.
const WorkloadFamily* find_workload_family(std::string_view name);

}  // namespace engram::bench
