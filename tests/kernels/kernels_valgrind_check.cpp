// Runs the optimized kernels at every SIMD level the (virtual) CPU offers and
// checks them against the reference. Meant to run under valgrind memcheck
// (ctest kernels_valgrind_check): valgrind's CPU has no AVX-512, so this also
// checks that run-time dispatch falls back to AVX2 there and that the
// fallback's answers are right. Exit code 0 when everything matches.
#include <valgrind/valgrind.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "engram/kernels.hpp"

namespace {

using namespace engram;

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  }
}

std::vector<float> normal_vector(Rng& rng, std::size_t dim) {
  std::vector<float> v(dim);
  for (float& x : v) x = static_cast<float>(rng.normal());
  return v;
}

void check_similarity(const std::string& level) {
  Rng rng(1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t dim : {1, 7, 384, 1536}) {
    EmbeddingMatrix m(dim);
    for (int i = 0; i < 41; ++i) m.push_back(normal_vector(rng, dim));
    // Edge cases among them: zero, NaN, huge (squares overflow float).
    m.push_back(std::vector<float>(dim, 0.0f));
    m.push_back(std::vector<float>(dim, nan));
    m.push_back(std::vector<float>(dim, 1e20f));
    const auto q = normal_vector(rng, dim);
    std::vector<float> want(m.rows()), got(m.rows());
    reference::cosine_batch(q, m, want);
    optimized::cosine_batch(q, m, got);
    for (std::size_t i = 0; i < m.rows(); ++i) {
      check(std::fabs(got[i] - want[i]) <= 1e-5f, level + " cosine_batch row " + std::to_string(i));
    }
    check(std::fabs(optimized::cosine(q, m.row_span(3)) - reference::cosine(q, m.row_span(3))) <= 1e-5f,
          level + " cosine");
    MemoryGraph g(dim);
    for (std::size_t i = 0; i < m.rows(); ++i) g.add_memory(m.row_span(i));
    const auto ref = reference::find_similar(g, q, 5);
    const auto opt = optimized::find_similar(g, q, 5);
    check(ref.size() == opt.size(), level + " find_similar size");
    for (std::size_t r = 0; r < std::min(ref.size(), opt.size()); ++r) {
      check(std::fabs(ref[r].score - opt[r].score) <= 1e-5f, level + " find_similar score");
    }
  }
}

void compare_spreading(const MemoryGraph& g, const SpreadParams& p, const std::string& what) {
  const std::vector<MemoryId> sources{4};
  const auto want = reference::spread_activation(g, sources, p);
  const auto got = optimized::spread_activation(g, sources, p);
  for (std::size_t i = 0; i < g.size(); ++i) {
    check(std::fabs(got.activation[i] - want.activation[i]) <= 1e-3f,
          what + " node " + std::to_string(i));
  }
}

void check_spreading(const std::string& level) {
  Rng rng(2);
  MemoryGraph g(1);  // 1,000 nodes / 5,000 edges: sparse, then dense iterations
  for (int i = 0; i < 1000; ++i) g.add_memory(std::vector<float>{1.0f});
  for (int i = 0; i < 5000; ++i) {
    g.add_edge(static_cast<MemoryId>(rng.below(1000)), static_cast<MemoryId>(rng.below(1000)),
               static_cast<float>(0.05 + 0.9 * rng.uniform()));
  }
  g.freeze();
  SpreadParams p;
  p.epsilon = 0.0f;
  compare_spreading(g, p, level + " spreading");
  MemoryGraph chain(1);  // stays sparse throughout
  for (int i = 0; i < 500; ++i) chain.add_memory(std::vector<float>{1.0f});
  for (MemoryId i = 0; i + 1 < 500; ++i) chain.add_edge(i, i + 1, 0.9f);
  chain.freeze();
  compare_spreading(chain, {}, level + " chain spreading");
}

void check_decay_size(const std::string& level, std::size_t n);

void check_decay(const std::string& level) {
  for (std::size_t n : {0, 1, 17, 1001}) check_decay_size(level, n);
}

void check_decay_size(const std::string& level, std::size_t n) {
  Rng rng(3 + n);
  MemoryState base;
  for (std::size_t i = 0; i < n; ++i) {
    base.strength.push_back(static_cast<float>(rng.uniform()));
    base.age_seconds.push_back(rng.below(30 * 86400));
    base.recall_count.push_back(static_cast<std::uint32_t>(rng.below(6)));
  }
  if (n > 8) {
    base.age_seconds[7] = 1ULL << 63;
    base.age_seconds[8] = 0;
  }
  for (DecayCurve curve : {DecayCurve::kExponential, DecayCurve::kPowerLaw, DecayCurve::kTwoComponent}) {
    MemoryState want = base, got = base;
    reference::apply_decay(want, 86400, curve);
    optimized::apply_decay(got, 86400, curve);
    for (std::size_t i = 0; i < base.size(); ++i) {
      const float w = want.strength[i];
      check(got.age_seconds[i] == want.age_seconds[i] &&
                std::fabs(got.strength[i] - w) <= std::max(1e-4f * std::fabs(w), 1e-7f),
            level + " " + std::string(decay_curve_name(curve)) + " memory " + std::to_string(i));
    }
  }
}

}  // namespace

int main() {
  const bool under_valgrind = RUNNING_ON_VALGRIND != 0;
  const auto levels = supported_simd_levels();
  std::string names;
  for (SimdLevel l : levels) {
    names += ' ';
    names += simd_level_name(l);
  }
  const SimdLevel chosen = active_simd_level();
  std::printf("under valgrind: %s; supported levels:%s; dispatch picks %s\n",
              under_valgrind ? "yes" : "no", names.c_str(),
              std::string(simd_level_name(chosen)).c_str());
  check(chosen == levels.back(), "dispatch must pick the best supported level");
  if (under_valgrind) check(chosen != SimdLevel::kAvx512, "valgrind cannot run AVX-512 code");

  for (SimdLevel l : levels) {
    force_simd_level(l);
    const std::string level(simd_level_name(l));
    check_similarity(level);
    check_spreading(level);
    check_decay(level);
  }
  reset_simd_level();
  std::printf("%s: %d failures\n", failures == 0 ? "OK" : "FAILED", failures);
  return failures == 0 ? 0 : 1;
}
