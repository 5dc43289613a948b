#pragma once
// Internal: the per-family builders behind make_kernel_benchmark.
#include <string>

#include "engram/bench_suite.hpp"
#include "engram/simd.hpp"
#include "peers/peer_api.hpp"

namespace engram::bench {

KernelBenchmark build_vector_similarity(const SuiteOptions& options);
KernelBenchmark build_find_similar(const SuiteOptions& options);
KernelBenchmark build_spreading(const SuiteOptions& options, std::size_t nodes, std::size_t edges,
                                const std::string& kernel);
// `inner` names a kernel benchmark whose optimized variant is measured
// without and with a software-event CounterSet around every call.
KernelBenchmark build_counter_overhead(const SuiteOptions& options, const std::string& inner,
                                       const std::string& kernel);
KernelBenchmark build_decay(const SuiteOptions& options, const std::string& curve_name,
                            const std::string& kernel);

// The peers follow the SIMD level of our kernels, so both sides of a ratio
// use the same instruction set.
inline const peers::PeerFactory& peer_factory() {
  switch (active_simd_level()) {
    case SimdLevel::kAvx512: return peers::best_peer_factory("avx512");
    case SimdLevel::kAvx2: return peers::best_peer_factory("avx2");
    default: return peers::best_peer_factory("baseline");
  }
}

}  // namespace engram::bench
