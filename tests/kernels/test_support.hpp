#pragma once
// Shared helpers for the kernels tests: seeded inputs and a fixture that runs
// a test once per SIMD level this machine supports.
#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "engram/kernels.hpp"

namespace engram {
// Failure messages name the level ("avx2"), not its bytes.
inline void PrintTo(SimdLevel level, std::ostream* os) { *os << simd_level_name(level); }
}  // namespace engram

namespace engram::test {

inline std::vector<float> normal_vector(Rng& rng, std::size_t dim, double scale = 1.0) {
  std::vector<float> v(dim);
  for (float& x : v) x = static_cast<float>(rng.normal() * scale);
  return v;
}

inline EmbeddingMatrix random_matrix(Rng& rng, std::size_t dim, std::size_t rows) {
  EmbeddingMatrix m(dim);
  m.reserve(rows);
  for (std::size_t i = 0; i < rows; ++i) m.push_back(normal_vector(rng, dim));
  return m;
}

// N nodes with `edges` uniform random edges, weights in [0.05, 1), frozen.
inline MemoryGraph random_graph(std::uint64_t seed, std::size_t nodes, std::size_t edges,
                                std::size_t dim = 1) {
  Rng rng(seed);
  MemoryGraph g(dim);
  std::vector<float> e(dim, 1.0f);
  for (std::size_t i = 0; i < nodes; ++i) g.add_memory(e);
  for (std::size_t i = 0; i < edges; ++i) {
    const auto from = static_cast<MemoryId>(rng.below(nodes));
    const auto to = static_cast<MemoryId>(rng.below(nodes));
    g.add_edge(from, to, static_cast<float>(0.05 + 0.9 * rng.uniform()));
  }
  g.freeze();
  return g;
}

inline std::string level_param_name(const ::testing::TestParamInfo<SimdLevel>& info) {
  return std::string(simd_level_name(info.param));
}

// Runs the optimized kernels at GetParam() for the duration of one test.
class AtSimdLevel : public ::testing::TestWithParam<SimdLevel> {
 protected:
  void SetUp() override { force_simd_level(GetParam()); }
  void TearDown() override { reset_simd_level(); }
};

}  // namespace engram::test

// Instantiates a AtSimdLevel-derived suite for every supported level.
#define ENGRAM_FOR_EACH_SIMD_LEVEL(Suite)                                       \
  INSTANTIATE_TEST_SUITE_P(Simd, Suite,                                         \
                           ::testing::ValuesIn(::engram::supported_simd_levels()), \
                           ::engram::test::level_param_name)
