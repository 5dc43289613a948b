// The kernel families and their expected bands: the one table of them. A new
// family adds a row here; a new kernel names its family in workload_models.cpp.
#include "engram/workload_families.hpp"

namespace engram::bench {
namespace {

constexpr WorkloadFamily kFamilies[] = {
    {"vector similarity", {15, 25}},
    {"activation spreading", {20, 30}},
    {"memory decay", {10, 15}},
};

}  // namespace

std::span<const WorkloadFamily> workload_families() { return kFamilies; }

const WorkloadFamily* find_workload_family(std::string_view name) {
  for (const WorkloadFamily& f : kFamilies) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace engram::bench
