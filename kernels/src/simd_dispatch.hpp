#pragma once
// Which compiled copy of a kernel runs (private to the kernels library).
//
// Every *_simd.cpp is compiled once per Highway target (foreach_target.h) and
// exports a table of per-target function pointers (HWY_EXPORT). Highway's own
// HWY_DYNAMIC_DISPATCH indexes that table with a process-wide choice made from
// the CPU; we index it with the level engram chose (forced, ENGRAM_SIMD, or the
// best supported), so forcing a level really runs that level's code.
#include <cstddef>
#include <cstdint>

#include "engram/simd.hpp"
#include "hwy/targets.h"

namespace engram::detail {

// The Highway target bit (HWY_AVX3, HWY_AVX2, HWY_SSE4, HWY_NEON, HWY_SVE, HWY_SVE2,
// HWY_EMU128) of a level.
std::int64_t hwy_target_of(SimdLevel level);

// Index into an HWY_EXPORT table for the active level. Header-inline on
// purpose: ChosenTarget::GetIndex must see the HWY_TARGETS of the translation
// unit that owns the table.
inline std::size_t dispatch_index() {
  hwy::ChosenTarget chosen;
  chosen.Update(hwy_target_of(active_simd_level()));
  return chosen.GetIndex();
}

}  // namespace engram::detail
