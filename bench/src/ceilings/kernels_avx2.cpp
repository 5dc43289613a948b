// AVX2 + FMA kernels, and the scalar FMA peak. Compiled with -mavx2 -mfma;
// called only when the CPU reports both (see kernels.hpp for why this unit
// includes no templates).
#include <immintrin.h>

#include "kernel_macros.hpp"
#include "kernels.hpp"

namespace engram::ceilings::detail {
namespace {

float fma_chains(std::uint64_t iterations) {
  const __m256 m = _mm256_set1_ps(ENGRAM_PEAK_MULTIPLIER);
  const __m256 c = _mm256_set1_ps(ENGRAM_PEAK_ADDEND);
#define ENGRAM_DECLARE(i) __m256 acc##i = _mm256_set1_ps(static_cast<float>(i) * 0.01f);
  ENGRAM_CHAINS_12(ENGRAM_DECLARE)
#undef ENGRAM_DECLARE
  for (std::uint64_t k = 0; k < iterations; ++k) {
#define ENGRAM_STEP(i) acc##i = _mm256_fmadd_ps(acc##i, m, c);
    ENGRAM_CHAINS_12(ENGRAM_STEP)
#undef ENGRAM_STEP
  }
  __m256 sum = _mm256_setzero_ps();
#define ENGRAM_SUM(i) sum = _mm256_add_ps(sum, acc##i);
  ENGRAM_CHAINS_12(ENGRAM_SUM)
#undef ENGRAM_SUM
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 1));
  return _mm_cvtss_f32(half);
}

// One float per operation (vfmadd231ss): the scalar peak.
float fma_scalar_chains(std::uint64_t iterations) {
  const __m128 m = _mm_set_ss(ENGRAM_PEAK_MULTIPLIER);
  const __m128 c = _mm_set_ss(ENGRAM_PEAK_ADDEND);
#define ENGRAM_DECLARE(i) __m128 acc##i = _mm_set_ss(static_cast<float>(i) * 0.01f);
  ENGRAM_CHAINS_12(ENGRAM_DECLARE)
#undef ENGRAM_DECLARE
  for (std::uint64_t k = 0; k < iterations; ++k) {
#define ENGRAM_STEP(i) acc##i = _mm_fmadd_ss(acc##i, m, c);
    ENGRAM_CHAINS_12(ENGRAM_STEP)
#undef ENGRAM_STEP
  }
  __m128 sum = _mm_setzero_ps();
#define ENGRAM_SUM(i) sum = _mm_add_ss(sum, acc##i);
  ENGRAM_CHAINS_12(ENGRAM_SUM)
#undef ENGRAM_SUM
  return _mm_cvtss_f32(sum);
}

void load(const float* a, std::size_t n, std::uint64_t passes) {
  for (std::uint64_t p = 0; p < passes; ++p) {
    for (std::size_t i = 0; i < n; i += kStreamGranule) {
      // Sixteen 32-byte loads per 512-byte block; the empty asm makes each
      // vector "used" without spending an instruction on it.
#define ENGRAM_LOAD(j)                                           \
  {                                                              \
    const __m256 lo = _mm256_load_ps(a + i + 16 * (j));          \
    const __m256 hi = _mm256_load_ps(a + i + 16 * (j) + 8);      \
    asm volatile("" : : "x"(lo), "x"(hi));                       \
  }
      ENGRAM_BLOCK_8(ENGRAM_LOAD)
#undef ENGRAM_LOAD
    }
  }
}

void copy(float* dst, const float* src, std::size_t n, std::uint64_t passes) {
  for (std::uint64_t p = 0; p < passes; ++p) {
    for (std::size_t i = 0; i < n; i += kStreamGranule) {
#define ENGRAM_COPY(j)                                                                 \
  _mm256_store_ps(dst + i + 16 * (j), _mm256_load_ps(src + i + 16 * (j)));             \
  _mm256_store_ps(dst + i + 16 * (j) + 8, _mm256_load_ps(src + i + 16 * (j) + 8));
      ENGRAM_BLOCK_8(ENGRAM_COPY)
#undef ENGRAM_COPY
    }
    asm volatile("" : : : "memory");  // every pass really stores
  }
}

void triad(float* a, const float* b, const float* c, float s, std::size_t n, std::uint64_t passes) {
  const __m256 scale = _mm256_set1_ps(s);
  for (std::uint64_t p = 0; p < passes; ++p) {
    for (std::size_t i = 0; i < n; i += kStreamGranule) {
#define ENGRAM_TRIAD_AT(k)                                                                    \
  _mm256_store_ps(a + (k), _mm256_fmadd_ps(scale, _mm256_load_ps(c + (k)), _mm256_load_ps(b + (k))));
#define ENGRAM_TRIAD(j) ENGRAM_TRIAD_AT(i + 16 * (j)) ENGRAM_TRIAD_AT(i + 16 * (j) + 8)
      ENGRAM_BLOCK_8(ENGRAM_TRIAD)
#undef ENGRAM_TRIAD
#undef ENGRAM_TRIAD_AT
    }
    asm volatile("" : : : "memory");
  }
}

}  // namespace

const PeakKernel& avx2_peak() {
  static const PeakKernel kernel{"avx2", "vfmadd231ps ymm (8 floats)", ENGRAM_CHAIN_COUNT, 16,
                                 ENGRAM_CHAIN_COUNT * 16, fma_chains};
  return kernel;
}

const PeakKernel& fma_scalar_peak() {
  static const PeakKernel kernel{"scalar", "vfmadd231ss (1 float)", ENGRAM_CHAIN_COUNT, 2,
                                 ENGRAM_CHAIN_COUNT * 2, fma_scalar_chains};
  return kernel;
}

const StreamKernels& avx2_streams() {
  static const StreamKernels kernels{"avx2", 32, load, copy, triad};
  return kernels;
}

}  // namespace engram::ceilings::detail
