// x86-64 baseline kernels (SSE2, no FMA): what every x86-64 CPU can run. The
// scalar peak here is a multiply then an add (2 FLOPs); with FMA available the
// program measures the FMA one of kernels_avx2.cpp instead.
#include <emmintrin.h>

#include "kernel_macros.hpp"
#include "kernels.hpp"

namespace engram::ceilings::detail {
namespace {

float mul_add_scalar_chains(std::uint64_t iterations) {
  const __m128 m = _mm_set_ss(ENGRAM_PEAK_MULTIPLIER);
  const __m128 c = _mm_set_ss(ENGRAM_PEAK_ADDEND);
#define ENGRAM_DECLARE(i) __m128 acc##i = _mm_set_ss(static_cast<float>(i) * 0.01f);
  ENGRAM_CHAINS_12(ENGRAM_DECLARE)
#undef ENGRAM_DECLARE
  for (std::uint64_t k = 0; k < iterations; ++k) {
#define ENGRAM_STEP(i) acc##i = _mm_add_ss(_mm_mul_ss(acc##i, m), c);
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
#define ENGRAM_LOAD(j)                                                                 \
  {                                                                                    \
    const __m128 v0 = _mm_load_ps(a + i + 16 * (j));                                   \
    const __m128 v1 = _mm_load_ps(a + i + 16 * (j) + 4);                               \
    const __m128 v2 = _mm_load_ps(a + i + 16 * (j) + 8);                               \
    const __m128 v3 = _mm_load_ps(a + i + 16 * (j) + 12);                              \
    asm volatile("" : : "x"(v0), "x"(v1), "x"(v2), "x"(v3));                           \
  }
      ENGRAM_BLOCK_8(ENGRAM_LOAD)
#undef ENGRAM_LOAD
    }
  }
}

void copy(float* dst, const float* src, std::size_t n, std::uint64_t passes) {
  for (std::uint64_t p = 0; p < passes; ++p) {
    for (std::size_t i = 0; i < n; i += 4) _mm_store_ps(dst + i, _mm_load_ps(src + i));
    asm volatile("" : : : "memory");
  }
}

void triad(float* a, const float* b, const float* c, float s, std::size_t n, std::uint64_t passes) {
  const __m128 scale = _mm_set1_ps(s);
  for (std::uint64_t p = 0; p < passes; ++p) {
    for (std::size_t i = 0; i < n; i += 4) {
      _mm_store_ps(a + i, _mm_add_ps(_mm_load_ps(b + i), _mm_mul_ps(scale, _mm_load_ps(c + i))));
    }
    asm volatile("" : : : "memory");
  }
}

}  // namespace

float gather_sum(const float* values, const std::uint32_t* indices, std::size_t n, std::uint64_t passes) {
  float total = 0.0f;
  for (std::uint64_t p = 0; p < passes; ++p) {
#define ENGRAM_DECLARE(j) float sum##j = 0.0f;
    ENGRAM_BLOCK_8(ENGRAM_DECLARE)
#undef ENGRAM_DECLARE
    for (std::size_t i = 0; i < n; i += 8) {
#define ENGRAM_GATHER(j) sum##j += values[indices[i + (j)]];
      ENGRAM_BLOCK_8(ENGRAM_GATHER)
#undef ENGRAM_GATHER
    }
    total += ((sum0 + sum1) + (sum2 + sum3)) + ((sum4 + sum5) + (sum6 + sum7));
    asm volatile("" : "+x"(total));
  }
  return total;
}

const PeakKernel& baseline_scalar_peak() {
  static const PeakKernel kernel{"scalar", "mulss + addss (1 float)", ENGRAM_CHAIN_COUNT, 2,
                                 ENGRAM_CHAIN_COUNT * 2, mul_add_scalar_chains};
  return kernel;
}

const StreamKernels& sse2_streams() {
  static const StreamKernels kernels{"sse2", 16, load, copy, triad};
  return kernels;
}

std::uint64_t dependent_add_chain(std::uint64_t iterations) {
  std::uint64_t x = 0;
  for (std::uint64_t k = 0; k < iterations; ++k) {
    // 32 adds, each waiting for the previous one: 32 cycles per iteration on
    // any core whose integer add has a latency of one cycle. The loop counter
    // runs on another ALU in parallel.
    asm volatile(
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        : "+r"(x));
  }
  return x;
}

}  // namespace engram::ceilings::detail
