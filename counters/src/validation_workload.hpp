#pragma once
// A workload that must produce every hardware event the validation probe
// vouches for (see Options::validate_hardware): instructions and cycles,
// loads and stores, loads that miss the L1 data cache, branches, and branches
// no predictor can learn. An event that opens but reads 0 over it is not
// implemented by this PMU (an emulator or a hypervisor that does not model
// it), so a 0 from it would be a made-up number.
#include <cstdint>
#include <string_view>
#include <vector>

namespace engram::counters::detail {

// The words a counter's reason carries when the probe found it counting 0;
// doctor sorts its findings by them.
inline constexpr std::string_view kCountedZeroReason = "counted 0 over a validation workload";

class ValidationWorkload {
 public:
  // Builds the buffers; nothing counted happens here.
  ValidationWorkload();
  // The counted part; the result only keeps the work from being optimized away.
  std::uint64_t run();
  // For reasons: what run() does, in a few words.
  static std::string_view description();

 private:
  std::vector<std::uint64_t> lines_;  // one word per 64-byte line: the next line of a random cycle
  std::uint64_t seed_ = 0x9E3779B97F4A7C15ULL;
};

}  // namespace engram::counters::detail
