#pragma once
// Run-time SIMD level of the optimized kernels.
//
// The optimized kernels are compiled for several instruction sets and pick one
// at run time (Highway dynamic dispatch), so one binary runs everywhere and
// under valgrind, whose virtual CPU has no AVX-512. Tests force each level the
// machine has; users can force one with ENGRAM_SIMD (x86-64: scalar, sse4,
// avx2, avx512; arm64: scalar, neon, sve, sve2).
#include <optional>
#include <string_view>
#include <vector>

namespace engram {

// Each architecture's levels, lowest first; a build only ever supports its
// own architecture's levels (and kScalar).
enum class SimdLevel { kScalar, kSse4, kAvx2, kAvx512, kNeon, kSve, kSve2 };

std::string_view simd_level_name(SimdLevel level);  // "scalar", "sse4", "avx2", "avx512", "neon", "sve", "sve2"
std::optional<SimdLevel> parse_simd_level(std::string_view name);  // case-insensitive

// Levels that are both compiled in and supported by this CPU, lowest first.
std::vector<SimdLevel> supported_simd_levels();

// The level the optimized kernels use now: the forced one, else ENGRAM_SIMD
// (read once; an unknown or unsupported value throws std::invalid_argument on
// first use), else the best supported.
SimdLevel active_simd_level();

// Forces a level for all later calls; throws std::invalid_argument when the
// level is not in supported_simd_levels().
void force_simd_level(SimdLevel level);
// Back to ENGRAM_SIMD or the best supported level; ENGRAM_SIMD is read again
// on the next use (so a test may change it and reset).
void reset_simd_level();

}  // namespace engram
