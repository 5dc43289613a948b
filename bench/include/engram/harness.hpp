#pragma once
// The seeded reference workload of KERNELS.md section 4, run phase by phase
// (build, spreading, similarity, decay) as one plain program, so perf records
// exactly one workload. Each phase folds its results into a checksum; the
// same seed, scale, implementation and SIMD level give the same checksum.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engram/workload.hpp"

namespace engram::bench {

enum class Implementation { kReference, kOptimized };

struct PhaseResult {
  std::string name;      // "build", "spreading", "similarity", "decay"
  double seconds = 0;    // wall time of the phase
  std::uint64_t checksum = 0;
  std::uint64_t operations = 0;  // queries or rounds run
};

struct HarnessResult {
  std::vector<PhaseResult> phases;
  std::uint64_t checksum = 0;  // all phases folded together
};

// Called around each phase (e.g. to start and stop counters); both may be empty.
struct PhaseHooks {
  std::function<void(const std::string& phase)> before;
  std::function<void(const std::string& phase)> after;
};

HarnessResult run_harness(const WorkloadConfig& config, Implementation implementation,
                          const PhaseHooks& hooks = {});

// FNV-1a style mixing of 64-bit words, for checksums.
std::uint64_t mix_checksum(std::uint64_t hash, std::uint64_t value);

}  // namespace engram::bench
