// One instruction set's build of the Eigen and SLEEF peers (see peer_api.hpp).
// CMake compiles this file three times with ENGRAM_PEER_ISA set to baseline,
// avx2 or avx512 and the matching -m flags, each into its own shared library
// (on arm64 once: its baseline, Advanced SIMD, is always there).
#include <Eigen/Core>
#include <Eigen/SparseCore>
#if defined(__aarch64__)
#include <arm_neon.h>
#else
#include <immintrin.h>
#endif
#include <sleef.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "../cosine_contract.hpp"
#include "peer_api.hpp"

#define ENGRAM_CONCAT2(a, b) a##b
#define ENGRAM_CONCAT(a, b) ENGRAM_CONCAT2(a, b)
#define ENGRAM_STRINGIFY2(a) #a
#define ENGRAM_STRINGIFY(a) ENGRAM_STRINGIFY2(a)

namespace engram::bench::peers {
namespace {

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t sum = a + b;
  return sum < a ? std::numeric_limits<std::uint64_t>::max() : sum;
}

class EigenSpreading final : public SpreadingPeer {
 public:
  explicit EigenSpreading(const SpreadingProblem& p) : problem_(p), weights_(p.nodes, p.nodes) {
    std::vector<Eigen::Triplet<float, int>> triplets;
    triplets.reserve(p.incoming_offsets[p.nodes]);
    for (std::size_t t = 0; t < p.nodes; ++t) {
      for (std::uint32_t e = p.incoming_offsets[t]; e < p.incoming_offsets[t + 1]; ++e) {
        triplets.emplace_back(static_cast<int>(t), static_cast<int>(p.incoming_sources[e]),
                              p.incoming_weights[e]);
      }
    }
    // Parallel edges are summed, which is what the contract's sum over edges does.
    weights_.setFromTriplets(triplets.begin(), triplets.end());
    weights_.makeCompressed();
    activation_.setZero(static_cast<Eigen::Index>(p.nodes));
    next_.setZero(static_cast<Eigen::Index>(p.nodes));
  }

  void run() override {
    const auto src = static_cast<Eigen::Index>(problem_.source);
    activation_.setZero();
    activation_[src] = 1.0f;
    for (std::uint32_t it = 0; it < problem_.iterations; ++it) {
      next_.noalias() = weights_ * activation_;
      next_ = (problem_.retain * activation_ + problem_.decay * next_).cwiseMin(1.0f);
      next_ = (next_.array() < problem_.threshold).select(0.0f, next_);
      next_[src] = 1.0f;
      const bool converged =
          problem_.epsilon > 0 && (next_ - activation_).cwiseAbs().maxCoeff() < problem_.epsilon;
      activation_.swap(next_);
      if (converged) break;
    }
  }

  void activation(float* out) const override {
    std::copy(activation_.data(), activation_.data() + activation_.size(), out);
  }

 private:
  SpreadingProblem problem_;
  Eigen::SparseMatrix<float, Eigen::RowMajor, int> weights_;
  Eigen::VectorXf activation_, next_;
};

class EigenSimilarity final : public SimilarityPeer {
 public:
  EigenSimilarity(const float* candidates, std::size_t rows, std::size_t dim, std::size_t stride,
                  const float* squared_norms)
      : candidates_(candidates, static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(dim),
                    Eigen::OuterStride<>(static_cast<Eigen::Index>(stride))),
        squared_norms_(squared_norms),
        dots_(static_cast<Eigen::Index>(rows)) {}

  void run(const float* query, float* out) override {
    const Eigen::Map<const Eigen::VectorXf> q(query, candidates_.cols());
    dots_.noalias() = candidates_ * q;
    const float query_sq = q.squaredNorm();
    for (Eigen::Index i = 0; i < dots_.size(); ++i) {
      out[i] = cosine_from_parts(dots_[i], query_sq, squared_norms_[i]);
    }
  }

 private:
  using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const RowMajorMatrix, Eigen::Aligned64, Eigen::OuterStride<>> candidates_;
  const float* squared_norms_;
  Eigen::VectorXf dots_;
};

// x[i] = -age[i] / tau after the saturating age update: the part of the
// contract both exp peers share. The floor follows the kernels: decay never
// takes a strength below min_strength nor raises one already below it.
void age_and_exponent(const DecayArrays& m, std::uint64_t elapsed, double tau, float* x) {
  const double inv_tau = 1.0 / tau;
  for (std::size_t i = 0; i < m.count; ++i) {
    m.age_seconds[i] = saturating_add(m.age_seconds[i], elapsed);
    x[i] = static_cast<float>(-static_cast<double>(m.age_seconds[i]) * inv_tau);
  }
}

float* scratch(std::size_t n) {
  thread_local std::vector<float> buffer;
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

class Factory final : public PeerFactory {
 public:
  const char* isa() const override { return ENGRAM_STRINGIFY(ENGRAM_PEER_ISA); }

  std::unique_ptr<SpreadingPeer> eigen_spreading(const SpreadingProblem& problem) const override {
    return std::make_unique<EigenSpreading>(problem);
  }

  std::unique_ptr<SimilarityPeer> eigen_similarity(const float* candidates, std::size_t rows,
                                                   std::size_t dim, std::size_t stride,
                                                   const float* squared_norms) const override {
    return std::make_unique<EigenSimilarity>(candidates, rows, dim, stride, squared_norms);
  }

  void eigen_decay_exponential(const DecayArrays& m, std::uint64_t elapsed, double tau,
                               float min_strength) const override {
    float* x = scratch(m.count);
    age_and_exponent(m, elapsed, tau, x);
    const auto n = static_cast<Eigen::Index>(m.count);
    Eigen::Map<Eigen::ArrayXf> s(m.strength, n);
    const Eigen::Map<const Eigen::ArrayXf> exponent(x, n);
    s = (s * exponent.exp()).max(s.min(min_strength));
  }

  void sleef_decay_exponential(const DecayArrays& m, std::uint64_t elapsed, double tau,
                               float min_strength) const override {
    float* x = scratch(m.count);
    age_and_exponent(m, elapsed, tau, x);
    std::size_t i = 0;
#if defined(__AVX512F__)
    const __m512 floor16 = _mm512_set1_ps(min_strength);
    for (; i + 16 <= m.count; i += 16) {
      const __m512 r = Sleef_expf16_u10avx512f(_mm512_loadu_ps(x + i));
      const auto s = _mm512_loadu_ps(m.strength + i);
      _mm512_storeu_ps(m.strength + i, _mm512_max_ps(_mm512_mul_ps(s, r), _mm512_min_ps(s, floor16)));
    }
#elif defined(__AVX2__)
    const __m256 floor8 = _mm256_set1_ps(min_strength);
    for (; i + 8 <= m.count; i += 8) {
      const __m256 r = Sleef_expf8_u10avx2(_mm256_loadu_ps(x + i));
      const auto s = _mm256_loadu_ps(m.strength + i);
      _mm256_storeu_ps(m.strength + i, _mm256_max_ps(_mm256_mul_ps(s, r), _mm256_min_ps(s, floor8)));
    }
#elif defined(__aarch64__)
    const float32x4_t floor4 = vdupq_n_f32(min_strength);
    for (; i + 4 <= m.count; i += 4) {
      const float32x4_t r = Sleef_expf4_u10advsimd(vld1q_f32(x + i));
      const float32x4_t s = vld1q_f32(m.strength + i);
      vst1q_f32(m.strength + i, vmaxq_f32(vmulq_f32(s, r), vminq_f32(s, floor4)));
    }
#else
    const __m128 floor4 = _mm_set1_ps(min_strength);
    for (; i + 4 <= m.count; i += 4) {
      const __m128 r = Sleef_expf4_u10sse2(_mm_loadu_ps(x + i));
      const auto s = _mm_loadu_ps(m.strength + i);
      _mm_storeu_ps(m.strength + i, _mm_max_ps(_mm_mul_ps(s, r), _mm_min_ps(s, floor4)));
    }
#endif
    for (; i < m.count; ++i) {
      m.strength[i] = std::max(m.strength[i] * Sleef_expf1_u10purec(x[i]), std::min(m.strength[i], min_strength));
    }
  }
};

}  // namespace
}  // namespace engram::bench::peers

extern "C" __attribute__((visibility("default"))) const engram::bench::peers::PeerFactory*
ENGRAM_CONCAT(engram_peers_, ENGRAM_PEER_ISA)() {
  static const engram::bench::peers::Factory factory;
  return &factory;
}
