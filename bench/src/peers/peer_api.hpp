#pragma once
// Peers built with Eigen and SLEEF, compiled once per instruction set.
//
// Like our kernels, the peers should run at the best SIMD level of the CPU,
// yet the build uses no host-specific tuning (valgrind cannot run AVX-512).
// Eigen's templates compiled with different -m flags in one static link would
// break the one-definition rule (the linker keeps one copy of each inline
// function, possibly an AVX-512 one on the AVX2 path), so each instruction set
// lives in its own shared library with hidden symbols, and only the factory
// below crosses the boundary. Data crosses as raw pointers.
#include <cstddef>
#include <cstdint>
#include <memory>

namespace engram::bench::peers {

struct SpreadingProblem {
  std::size_t nodes = 0;
  const std::uint32_t* incoming_offsets = nullptr;  // nodes + 1, CSR of incoming edges
  const std::uint32_t* incoming_sources = nullptr;
  const float* incoming_weights = nullptr;
  std::uint32_t source = 0;
  std::uint32_t iterations = 100;
  float decay = 0.1f, retain = 0.5f, threshold = 1e-4f, epsilon = 0.0f;
};

class SpreadingPeer {
 public:
  virtual ~SpreadingPeer() = default;
  virtual void run() = 0;                            // one full spread
  virtual void activation(float* out) const = 0;     // the last run's result, nodes floats
};

class SimilarityPeer {
 public:
  virtual ~SimilarityPeer() = default;
  // out[i] = cosine(query, candidate i), using the precomputed squared norms.
  virtual void run(const float* query, float* out) = 0;
};

struct DecayArrays {
  float* strength = nullptr;
  std::uint64_t* age_seconds = nullptr;
  std::size_t count = 0;
};

class PeerFactory {
 public:
  virtual ~PeerFactory() = default;
  virtual const char* isa() const = 0;  // "baseline", "avx2", "avx512"
  virtual std::unique_ptr<SpreadingPeer> eigen_spreading(const SpreadingProblem& problem) const = 0;
  virtual std::unique_ptr<SimilarityPeer> eigen_similarity(const float* candidates, std::size_t rows,
                                                           std::size_t dim, std::size_t stride,
                                                           const float* squared_norms) const = 0;
  // Exponential decay of the KERNELS.md contract with the exp from each library.
  virtual void eigen_decay_exponential(const DecayArrays& memories, std::uint64_t elapsed_seconds,
                                       double tau_seconds, float min_strength) const = 0;
  virtual void sleef_decay_exponential(const DecayArrays& memories, std::uint64_t elapsed_seconds,
                                       double tau_seconds, float min_strength) const = 0;
};

// The factory for the best instruction set this CPU supports, capped at
// `max_level` ("avx512", "avx2" or "baseline") so the peers can follow a
// forced ENGRAM_SIMD level.
const PeerFactory& best_peer_factory(const char* max_level);

}  // namespace engram::bench::peers

// Entry points of the per-ISA shared libraries.
extern "C" const engram::bench::peers::PeerFactory* engram_peers_baseline();
extern "C" const engram::bench::peers::PeerFactory* engram_peers_avx2();
extern "C" const engram::bench::peers::PeerFactory* engram_peers_avx512();
