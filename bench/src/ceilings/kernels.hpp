#pragma once
// Internal: the measurement kernels, one table per instruction set. Each
// table lives in its own translation unit compiled with that set's -m flags
// (kernels_avx512.cpp, kernels_avx2.cpp, kernels_baseline.cpp) and is only
// called after a run-time check of the CPU, so the program runs on any x86-64
// and under valgrind. Those units include no standard-library templates, so
// no inline function compiled with wide instructions can be picked by the
// linker for the rest of the program.
#include <cstddef>
#include <cstdint>

namespace engram::ceilings::detail {

// A floating-point peak kernel: `iterations` rounds of independent
// multiply-add chains held in registers. Returns a value derived from every
// chain so that no chain can be optimized away.
struct PeakKernel {
  const char* simd;          // "scalar", "avx2", "avx512"
  const char* instruction;   // what one operation is, for the report
  int chains;                // independent accumulator chains
  int flops_per_operation;   // an FMA on 16 floats = 32
  std::uint64_t flops_per_iteration;
  float (*run)(std::uint64_t iterations);
};

// Streaming kernels over float arrays. n is a multiple of kStreamGranule and
// every array is 64-byte aligned; each call makes `passes` passes.
inline constexpr std::size_t kStreamGranule = 128;  // floats: 512 bytes, eight 64-byte vectors
struct StreamKernels {
  const char* simd;  // "avx512", "avx2", "sse2"
  int vector_bytes;
  // Reads a[0..n) into registers and discards the values.
  void (*load)(const float* a, std::size_t n, std::uint64_t passes);
  // dst[i] = src[i].
  void (*copy)(float* dst, const float* src, std::size_t n, std::uint64_t passes);
  // a[i] = b[i] + s * c[i] (the STREAM triad).
  void (*triad)(float* a, const float* b, const float* c, float s, std::size_t n, std::uint64_t passes);
};

// The gather kernel (x86-64 baseline, scalar loads): `passes` times,
// sums values[indices[i]] for i in [0, n) into eight partial sums (so the
// adds' latency does not limit the loads); returns the total so nothing is
// optimized away.
float gather_sum(const float* values, const std::uint32_t* indices, std::size_t n, std::uint64_t passes);

// x86-64 baseline (SSE2): scalar multiply+add peak and 16-byte streams.
const PeakKernel& baseline_scalar_peak();
const StreamKernels& sse2_streams();
// Need AVX2 and FMA.
const PeakKernel& fma_scalar_peak();
const PeakKernel& avx2_peak();
const StreamKernels& avx2_streams();
// Need AVX-512F.
const PeakKernel& avx512_peak();
const StreamKernels& avx512_streams();

// Cycles of a dependent chain of single-cycle integer adds: returns the
// number of adds executed (iterations * kClockAddsPerIteration).
inline constexpr std::uint64_t kClockAddsPerIteration = 32;
std::uint64_t dependent_add_chain(std::uint64_t iterations);

}  // namespace engram::ceilings::detail
