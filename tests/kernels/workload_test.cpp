// The seeded workload: bit-identical for a seed, shaped as KERNELS.md section 4.
#include <cmath>
#include <limits>
#include <stdexcept>

#include "test_support.hpp"

namespace engram {
namespace {

TEST(Workload, SameSeedSameFingerprintDifferentSeedDifferent) {
  const WorkloadConfig full;
  const std::uint64_t first = generate_workload(full).fingerprint();
  const std::uint64_t second = generate_workload(full).fingerprint();
  EXPECT_EQ(first, second);
  WorkloadConfig other = full;
  other.seed = 43;
  EXPECT_NE(generate_workload(other).fingerprint(), first);
  // Small configs too, and a change of any single count changes the hash.
  const auto small = WorkloadConfig::scaled(0.02);
  const auto base = generate_workload(small).fingerprint();
  EXPECT_EQ(generate_workload(small).fingerprint(), base);
  auto more_edges = small;
  ++more_edges.edges;
  EXPECT_NE(generate_workload(more_edges).fingerprint(), base);
}

TEST(Workload, FingerprintSeesEveryPart) {
  const Workload w = generate_workload(WorkloadConfig::scaled(0.01));
  const std::uint64_t base = w.fingerprint();
  Workload changed = generate_workload(WorkloadConfig::scaled(0.01));
  changed.decay_elapsed_seconds.back() += 1;
  EXPECT_NE(changed.fingerprint(), base);
  changed = generate_workload(WorkloadConfig::scaled(0.01));
  changed.spread_sources.front() ^= 1;
  EXPECT_NE(changed.fingerprint(), base);
  changed = generate_workload(WorkloadConfig::scaled(0.01));
  changed.graph.state().strength[3] = std::nextafter(changed.graph.state().strength[3], 2.0f);
  EXPECT_NE(changed.fingerprint(), base);
  changed = generate_workload(WorkloadConfig::scaled(0.01));
  auto q = std::vector<float>(changed.similarity_queries.row_span(0).begin(),
                              changed.similarity_queries.row_span(0).end());
  q[100] = -q[100];
  changed.similarity_queries.set_row(0, q);
  EXPECT_NE(changed.fingerprint(), base);
}

TEST(Workload, HasTheDocumentedShape) {
  const Workload w = generate_workload(WorkloadConfig{});
  EXPECT_EQ(w.graph.size(), 10'000u);
  EXPECT_EQ(w.graph.dim(), 768u);
  EXPECT_EQ(w.graph.edge_count(), 50'000u);
  EXPECT_TRUE(w.graph.frozen());
  EXPECT_EQ(w.spread_sources.size(), 1'000u);
  EXPECT_EQ(w.similarity_queries.rows(), 1'000u);
  EXPECT_EQ(w.similarity_queries.dim(), 768u);
  EXPECT_EQ(w.decay_elapsed_seconds.size(), 1'000u);
  EXPECT_EQ(w.initial_state.size(), 10'000u);
  EXPECT_EQ(w.initial_state.strength, w.graph.state().strength);

  // Embeddings are normal(0, 1): mean ~0, variance ~1 over 7.68M samples.
  double sum = 0.0, sum_sq = 0.0;
  const auto& emb = w.graph.embeddings();
  for (std::size_t i = 0; i < emb.rows(); ++i) {
    for (float x : emb.row_span(i)) {
      sum += x;
      sum_sq += static_cast<double>(x) * x;
    }
  }
  const double count = static_cast<double>(emb.rows() * emb.dim());
  EXPECT_NEAR(sum / count, 0.0, 0.01);
  EXPECT_NEAR(sum_sq / count, 1.0, 0.01);

  float min_w = 1.0f, max_w = 0.0f;
  for (std::size_t i = 0; i < w.graph.size(); ++i) {
    for (const Edge& e : w.graph.out_edges(static_cast<MemoryId>(i))) {
      min_w = std::min(min_w, e.weight);
      max_w = std::max(max_w, e.weight);
    }
  }
  EXPECT_GE(min_w, 0.05f);
  EXPECT_LT(max_w, 1.0f);
  EXPECT_LT(min_w, 0.06f);
  EXPECT_GT(max_w, 0.99f);
  for (std::uint64_t e : w.decay_elapsed_seconds) {
    EXPECT_GE(e, 1u);
    EXPECT_LE(e, 30u * 86400u);
  }
  std::size_t consolidated = 0;
  for (std::size_t i = 0; i < w.initial_state.size(); ++i) {
    EXPECT_GE(w.initial_state.age_seconds[i], 1u);
    EXPECT_LE(w.initial_state.age_seconds[i], 30u * 86400u);
    EXPECT_GE(w.initial_state.strength[i], 0.0f);
    EXPECT_LE(w.initial_state.strength[i], 1.0f);
    consolidated += w.initial_state.recall_count[i] >= 3;
  }
  EXPECT_GT(consolidated, 5000u);  // both two-component branches are exercised
  EXPECT_LT(consolidated, 9000u);
  for (MemoryId s : w.spread_sources) EXPECT_LT(s, 10'000u);
}

TEST(Workload, ScaledConfig) {
  const auto tenth = WorkloadConfig::scaled(0.1, 7);
  EXPECT_EQ(tenth.seed, 7u);
  EXPECT_EQ(tenth.memories, 1'000u);
  EXPECT_EQ(tenth.edges, 5'000u);
  EXPECT_EQ(tenth.spread_queries, 100u);
  EXPECT_EQ(tenth.similarity_queries, 100u);
  EXPECT_EQ(tenth.decay_rounds, 100u);
  EXPECT_EQ(tenth.dim, 768u);
  const auto tiny = WorkloadConfig::scaled(1e-9);
  EXPECT_EQ(tiny.memories, 1u);
  EXPECT_EQ(tiny.edges, 1u);
  EXPECT_EQ(tiny.decay_rounds, 1u);
  const auto one = WorkloadConfig::scaled(1.0);
  EXPECT_EQ(one.memories, WorkloadConfig{}.memories);
  EXPECT_EQ(generate_workload(tiny).graph.size(), 1u);
  for (double bad : {0.0, -0.5, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_THROW(WorkloadConfig::scaled(bad), std::invalid_argument) << bad;
  }
  WorkloadConfig none;
  none.memories = 0;
  EXPECT_THROW(generate_workload(none), std::invalid_argument);
  WorkloadConfig flat;
  flat.dim = 0;
  EXPECT_THROW(generate_workload(flat), std::invalid_argument);
}

TEST(Rng, IsDeterministicAndInRange) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    differs |= x != c.next_u64();
  }
  EXPECT_TRUE(differs);
  Rng r(1);
  double sum = 0.0, sum_sq = 0.0;
  for (int i = 0; i < 100000; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_LT(r.below(7), 7u);
    const double z = r.normal();
    sum += z;
    sum_sq += z * z;
  }
  EXPECT_NEAR(sum / 100000, 0.0, 0.02);
  EXPECT_NEAR(sum_sq / 100000, 1.0, 0.02);
  EXPECT_EQ(r.below(1), 0u);
  EXPECT_THROW(r.below(0), std::invalid_argument);
}

}  // namespace
}  // namespace engram
