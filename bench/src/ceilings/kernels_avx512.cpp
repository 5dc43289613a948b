// AVX-512F kernels. Compiled with -mavx512f -mfma; called only when the CPU
// reports AVX-512F (see kernels.hpp for why this unit includes no templates).
#include <immintrin.h>

#include "kernel_macros.hpp"
#include "kernels.hpp"

namespace engram::ceilings::detail {
namespace {

float fma_chains(std::uint64_t iterations) {
  const __m512 m = _mm512_set1_ps(ENGRAM_PEAK_MULTIPLIER);
  const __m512 c = _mm512_set1_ps(ENGRAM_PEAK_ADDEND);
#define ENGRAM_DECLARE(i) __m512 acc##i = _mm512_set1_ps(static_cast<float>(i) * 0.01f);
  ENGRAM_CHAINS_12(ENGRAM_DECLARE)
#undef ENGRAM_DECLARE
  for (std::uint64_t k = 0; k < iterations; ++k) {
#define ENGRAM_STEP(i) acc##i = _mm512_fmadd_ps(acc##i, m, c);
    ENGRAM_CHAINS_12(ENGRAM_STEP)
#undef ENGRAM_STEP
  }
  __m512 sum = _mm512_setzero_ps();
#define ENGRAM_SUM(i) sum = _mm512_add_ps(sum, acc##i);
  ENGRAM_CHAINS_12(ENGRAM_SUM)
#undef ENGRAM_SUM
  // Summed through memory: GCC 12's 512-bit extract intrinsics trip -Wuninitialized.
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  float total = 0;
  for (float lane : lanes) total += lane;
  return total;
}

void load(const float* a, std::size_t n, std::uint64_t passes) {
  for (std::uint64_t p = 0; p < passes; ++p) {
    for (std::size_t i = 0; i < n; i += kStreamGranule) {
      // The empty asm makes each loaded vector "used" without spending an
      // instruction on it, so the loop is loads only.
#define ENGRAM_LOAD(j)                                  \
  {                                                     \
    const __m512 v = _mm512_load_ps(a + i + 16 * (j));  \
    asm volatile("" : : "v"(v));                        \
  }
      ENGRAM_BLOCK_8(ENGRAM_LOAD)
#undef ENGRAM_LOAD
    }
  }
}

void copy(float* dst, const float* src, std::size_t n, std::uint64_t passes) {
  for (std::uint64_t p = 0; p < passes; ++p) {
    for (std::size_t i = 0; i < n; i += kStreamGranule) {
#define ENGRAM_COPY(j) _mm512_store_ps(dst + i + 16 * (j), _mm512_load_ps(src + i + 16 * (j)));
      ENGRAM_BLOCK_8(ENGRAM_COPY)
#undef ENGRAM_COPY
    }
    asm volatile("" : : : "memory");  // every pass really stores
  }
}

void triad(float* a, const float* b, const float* c, float s, std::size_t n, std::uint64_t passes) {
  const __m512 scale = _mm512_set1_ps(s);
  for (std::uint64_t p = 0; p < passes; ++p) {
    for (std::size_t i = 0; i < n; i += kStreamGranule) {
#define ENGRAM_TRIAD(j)                                                                  \
  _mm512_store_ps(a + i + 16 * (j),                                                      \
                  _mm512_fmadd_ps(scale, _mm512_load_ps(c + i + 16 * (j)),               \
                                  _mm512_load_ps(b + i + 16 * (j))));
      ENGRAM_BLOCK_8(ENGRAM_TRIAD)
#undef ENGRAM_TRIAD
    }
    asm volatile("" : : : "memory");
  }
}

}  // namespace

const PeakKernel& avx512_peak() {
  static const PeakKernel kernel{"avx512", "vfmadd231ps zmm (16 floats)", ENGRAM_CHAIN_COUNT, 32,
                                 ENGRAM_CHAIN_COUNT * 32, fma_chains};
  return kernel;
}

const StreamKernels& avx512_streams() {
  static const StreamKernels kernels{"avx512", 64, load, copy, triad};
  return kernels;
}

}  // namespace engram::ceilings::detail
