#include "engram/simd.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include "hwy/highway.h"
#include "simd_dispatch.hpp"

namespace engram {
namespace detail {

std::int64_t hwy_target_of(SimdLevel level) {
  switch (level) {
    // The portable copy: EMU128, or HWY_SCALAR where Highway deems EMU128
    // broken for this compiler (GCC before 12.3).
    case SimdLevel::kScalar: return (HWY_TARGETS & HWY_EMU128) != 0 ? HWY_EMU128 : HWY_SCALAR;
    case SimdLevel::kSse4: return HWY_SSE4;
    case SimdLevel::kAvx2: return HWY_AVX2;
    case SimdLevel::kAvx512: return HWY_AVX3;
    case SimdLevel::kNeon: return HWY_NEON;
    case SimdLevel::kSve: return HWY_SVE;
    case SimdLevel::kSve2: return HWY_SVE2;
  }
  throw std::invalid_argument("unknown SIMD level");
}

}  // namespace detail

namespace {

// Lowest first within each architecture; the other architecture's levels are
// never compiled in, so supported_simd_levels() keeps this order per build.
constexpr SimdLevel kAllLevels[] = {SimdLevel::kScalar, SimdLevel::kSse4, SimdLevel::kAvx2, SimdLevel::kAvx512,
                                    SimdLevel::kNeon,   SimdLevel::kSve,  SimdLevel::kSve2};

std::string supported_list() {
  std::string text;
  for (SimdLevel level : supported_simd_levels()) {
    if (!text.empty()) text += ' ';
    text += simd_level_name(level);
  }
  return text;
}

bool is_supported(SimdLevel level) {
  const auto levels = supported_simd_levels();
  return std::find(levels.begin(), levels.end(), level) != levels.end();
}

// The active level, resolved lazily. `cached` holds the level as an int once
// resolved (-1 before), so the kernels' per-call lookup is one atomic load.
class LevelState {
 public:
  SimdLevel active() {
    const int cached = cached_.load(std::memory_order_acquire);
    if (cached >= 0) return static_cast<SimdLevel>(cached);
    std::lock_guard lock(mutex_);
    if (forced_) return *forced_;
    if (!env_read_) read_environment();
    if (!env_error_.empty()) throw std::invalid_argument(env_error_);
    cached_.store(static_cast<int>(env_level_), std::memory_order_release);
    return env_level_;
  }

  void force(SimdLevel level) {
    if (!is_supported(level)) {
      throw std::invalid_argument("force_simd_level: level '" + std::string(simd_level_name(level)) +
                                  "' is not supported here (supported: " + supported_list() + ")");
    }
    std::lock_guard lock(mutex_);
    forced_ = level;
    cached_.store(static_cast<int>(level), std::memory_order_release);
  }

  void reset() {
    std::lock_guard lock(mutex_);
    forced_.reset();
    env_read_ = false;
    env_error_.clear();
    cached_.store(-1, std::memory_order_release);
  }

 private:
  void read_environment() {
    env_read_ = true;
    env_error_.clear();
    const auto levels = supported_simd_levels();
    env_level_ = levels.back();
    const char* value = std::getenv("ENGRAM_SIMD");
    if (value == nullptr || *value == '\0') return;
    const auto parsed = parse_simd_level(value);
    if (!parsed) {
      env_error_ = "ENGRAM_SIMD='" + std::string(value) +
                   "' is not a SIMD level (expected scalar, sse4, avx2, avx512, neon, sve or sve2)";
    } else if (!is_supported(*parsed)) {
      env_error_ = "ENGRAM_SIMD='" + std::string(value) +
                   "' is not supported by this CPU or build (supported: " + supported_list() + ")";
    } else {
      env_level_ = *parsed;
    }
  }

  std::mutex mutex_;
  std::atomic<int> cached_{-1};
  std::optional<SimdLevel> forced_;
  bool env_read_ = false;
  SimdLevel env_level_ = SimdLevel::kScalar;
  std::string env_error_;
};

LevelState& state() {
  static LevelState instance;
  return instance;
}

}  // namespace

std::string_view simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar: return "scalar";
    case SimdLevel::kSse4: return "sse4";
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kAvx512: return "avx512";
    case SimdLevel::kNeon: return "neon";
    case SimdLevel::kSve: return "sve";
    case SimdLevel::kSve2: return "sve2";
  }
  return "unknown";
}

std::optional<SimdLevel> parse_simd_level(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (SimdLevel level : kAllLevels) {
    if (lower == simd_level_name(level)) return level;
  }
  return std::nullopt;
}

std::vector<SimdLevel> supported_simd_levels() {
  // Compiled (HWY_TARGETS of this library) and offered by the CPU.
  const std::int64_t available = hwy::SupportedTargets() & HWY_TARGETS;
  std::vector<SimdLevel> levels;
  for (SimdLevel level : kAllLevels) {
    if (available & detail::hwy_target_of(level)) levels.push_back(level);
  }
  return levels;
}

SimdLevel active_simd_level() { return state().active(); }
void force_simd_level(SimdLevel level) { state().force(level); }
void reset_simd_level() { state().reset(); }

}  // namespace engram
