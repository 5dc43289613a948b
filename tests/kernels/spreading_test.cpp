// Optimized spreading activation against the reference (KERNELS.md section
// 2): 1e-3 absolute per node after any number of iterations.
#include <cmath>
#include <limits>
#include <stdexcept>

#include "test_support.hpp"

namespace engram {
namespace {

using test::AtSimdLevel;
using test::random_graph;

constexpr float kTolerance = 1e-3f;

class Spreading : public AtSimdLevel {};
ENGRAM_FOR_EACH_SIMD_LEVEL(Spreading);

void expect_matches_reference(const MemoryGraph& g, std::span<const MemoryId> sources,
                              const SpreadParams& params, const std::string& what) {
  const SpreadResult want = reference::spread_activation(g, sources, params);
  const SpreadResult got = optimized::spread_activation(g, sources, params);
  ASSERT_EQ(got.activation.size(), g.size()) << what;
  for (std::size_t i = 0; i < g.size(); ++i) {
    ASSERT_NEAR(got.activation[i], want.activation[i], kTolerance) << what << ", node " << i;
    ASSERT_GE(got.activation[i], 0.0f);
    ASSERT_LE(got.activation[i], 1.0f);
  }
  for (MemoryId s : sources) EXPECT_EQ(got.activation[s], 1.0f) << what;
  if (params.epsilon == 0.0f) {
    EXPECT_EQ(got.iterations, params.max_iterations) << what;
    EXPECT_FALSE(got.converged) << what;
  } else {
    // Float and double sums may cross epsilon one iteration apart.
    EXPECT_LE(std::abs(static_cast<int>(got.iterations) - static_cast<int>(want.iterations)), 1)
        << what;
    EXPECT_EQ(got.converged, want.converged) << what;
  }
}

TEST_P(Spreading, MatchesReferenceOnRandomGraphs) {
  struct Size {
    std::size_t nodes, edges;
  };
  for (Size size : {Size{1, 0}, Size{1, 3}, Size{100, 500}, Size{1000, 5000}, Size{10000, 50000}}) {
    const MemoryGraph g = random_graph(21 + size.nodes, size.nodes, size.edges);
    Rng rng(size.nodes);
    for (float decay : {0.1f, 0.2f, 0.5f}) {
      for (float epsilon : {1e-6f, 0.0f}) {
        if (size.nodes == 10000 && decay != 0.1f) continue;  // keep the suite fast
        SpreadParams params;
        params.decay = decay;
        params.epsilon = epsilon;
        params.max_iterations = epsilon == 0.0f ? 60 : 100;
        std::vector<MemoryId> sources{static_cast<MemoryId>(rng.below(size.nodes))};
        expect_matches_reference(g, sources, params,
                                 std::to_string(size.nodes) + " nodes, decay " +
                                     std::to_string(decay) + ", epsilon " + std::to_string(epsilon));
        // Several sources, one repeated.
        if (size.nodes > 1) {
          sources.push_back(static_cast<MemoryId>(rng.below(size.nodes)));
          sources.push_back(sources.front());
          expect_matches_reference(g, sources, params,
                                   std::to_string(size.nodes) + " nodes, 3 sources");
        }
      }
    }
  }
}

TEST_P(Spreading, MatchesReferenceWithUnusualParameters) {
  const MemoryGraph g = random_graph(31, 500, 3000);
  const std::vector<MemoryId> source{7};
  SpreadParams p;
  p.threshold = 0.0f;  // nothing is cut
  expect_matches_reference(g, source, p, "threshold 0");
  p = {};
  p.threshold = 0.05f;  // most is cut
  expect_matches_reference(g, source, p, "threshold 0.05");
  p = {};
  p.decay = 10.0f;  // saturates everything reachable at 1
  expect_matches_reference(g, source, p, "decay 10");
  p = {};
  p.retain = 0.0f;
  expect_matches_reference(g, source, p, "retain 0");
  p = {};
  p.retain = 1.0f;
  p.epsilon = 0.0f;
  p.max_iterations = 20;
  expect_matches_reference(g, source, p, "retain 1");
  p = {};
  p.max_iterations = 1;
  expect_matches_reference(g, source, p, "one iteration");
}

// Structures that keep activity sparse (a long chain, a star) or spread it at
// once, so both the sparse and the dense iterations are compared.
TEST_P(Spreading, MatchesReferenceOnChainsStarsAndDenseGraphs) {
  MemoryGraph chain(1);
  for (int i = 0; i < 10000; ++i) chain.add_memory(std::vector<float>{1});
  for (MemoryId i = 0; i + 1 < 10000; ++i) chain.add_edge(i, i + 1, 0.9f);
  chain.freeze();
  const std::vector<MemoryId> first{0};
  SpreadParams p;
  p.decay = 0.5f;
  p.threshold = 1e-6f;
  expect_matches_reference(chain, first, p, "chain");

  MemoryGraph star(1);
  for (int i = 0; i < 3000; ++i) star.add_memory(std::vector<float>{1});
  for (MemoryId i = 1; i < 3000; ++i) {
    star.add_edge(0, i, 0.5f);
    star.add_edge(i, 0, 0.25f);
  }
  star.freeze();
  expect_matches_reference(star, first, {}, "star from the hub");
  const std::vector<MemoryId> leaf{1234};
  expect_matches_reference(star, leaf, {}, "star from a leaf");

  const MemoryGraph dense = random_graph(33, 200, 20000);
  expect_matches_reference(dense, first, {}, "dense");
}

TEST_P(Spreading, HandCheckedExample) {
  // 0 -> 1 (w 0.5), 1 -> 2 (w 1), 3 isolated. a1 = 0.5 a1 + 0.1 * 0.5 * a0.
  MemoryGraph g(1);
  for (int i = 0; i < 4; ++i) g.add_memory(std::vector<float>{1});
  g.add_edge(0, 1, 0.5f);
  g.add_edge(1, 2, 1.0f);
  g.freeze();
  const std::vector<MemoryId> source{0};
  SpreadParams p;
  p.max_iterations = 2;
  p.threshold = 0.0f;
  for (auto* spread : {&reference::spread_activation, &optimized::spread_activation}) {
    const SpreadResult r = spread(g, source, p);
    EXPECT_EQ(r.iterations, 2u);
    EXPECT_FALSE(r.converged);
    EXPECT_FLOAT_EQ(r.activation[0], 1.0f);
    EXPECT_FLOAT_EQ(r.activation[1], 0.075f);  // 0.05, then 0.025 + 0.05
    EXPECT_FLOAT_EQ(r.activation[2], 0.005f);  // 0, then 0.1 * 0.05
    EXPECT_EQ(r.activation[3], 0.0f);          // isolated
  }
  // Long run: node 1 converges to 0.1 (a = 0.5 a + 0.05), node 2 to 0.02.
  p = {};
  for (auto* spread : {&reference::spread_activation, &optimized::spread_activation}) {
    const SpreadResult r = spread(g, source, p);
    EXPECT_TRUE(r.converged);
    EXPECT_LT(r.iterations, 100u);
    EXPECT_NEAR(r.activation[1], 0.1f, 1e-5f);
    EXPECT_NEAR(r.activation[2], 0.02f, 1e-5f);
  }
}

TEST_P(Spreading, SelfLoopsCyclesParallelEdgesAndIsolatedNodes) {
  MemoryGraph g(1);
  for (int i = 0; i < 6; ++i) g.add_memory(std::vector<float>{1});
  g.add_edge(0, 0, 1.0f);  // self-loop on the source
  g.add_edge(0, 1, 0.4f);
  g.add_edge(0, 1, 0.6f);  // parallel: together like one edge of weight 1
  g.add_edge(1, 2, 1.0f);  // cycle 1 -> 2 -> 3 -> 1
  g.add_edge(2, 3, 1.0f);
  g.add_edge(3, 1, 1.0f);
  g.add_edge(3, 3, 0.5f);  // self-loop off the source
  g.freeze();              // node 4 and 5 isolated
  MemoryGraph single(1);   // the same without the parallel pair
  for (int i = 0; i < 6; ++i) single.add_memory(std::vector<float>{1});
  single.add_edge(0, 0, 1.0f);
  single.add_edge(0, 1, 1.0f);
  single.add_edge(1, 2, 1.0f);
  single.add_edge(2, 3, 1.0f);
  single.add_edge(3, 1, 1.0f);
  single.add_edge(3, 3, 0.5f);
  single.freeze();
  const std::vector<MemoryId> source{0};
  SpreadParams p;
  p.epsilon = 0.0f;
  p.max_iterations = 50;
  expect_matches_reference(g, source, p, "loops and cycles");
  const auto parallel = optimized::spread_activation(g, source, p);
  const auto merged = reference::spread_activation(single, source, p);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_NEAR(parallel.activation[i], merged.activation[i], 1e-6f) << "node " << i;
  }
  EXPECT_EQ(parallel.activation[4], 0.0f);
  EXPECT_EQ(parallel.activation[5], 0.0f);
  EXPECT_GT(parallel.activation[3], 0.0f);
}

TEST_P(Spreading, EpsilonZeroRunsEveryIterationAndZeroIterationsReturnsSources) {
  const MemoryGraph g = random_graph(41, 1000, 5000);
  const std::vector<MemoryId> source{3};
  SpreadParams p;
  p.epsilon = 0.0f;
  const SpreadResult full = optimized::spread_activation(g, source, p);
  EXPECT_EQ(full.iterations, 100u);
  EXPECT_FALSE(full.converged);
  p.max_iterations = 0;
  for (auto* spread : {&reference::spread_activation, &optimized::spread_activation}) {
    const SpreadResult none = spread(g, source, p);
    EXPECT_EQ(none.iterations, 0u);
    for (std::size_t i = 0; i < g.size(); ++i) EXPECT_EQ(none.activation[i], i == 3 ? 1.0f : 0.0f);
  }
  // The documented default behaviour: converges well before 100 iterations.
  const SpreadResult def = optimized::spread_activation(g, source, {});
  EXPECT_TRUE(def.converged);
  EXPECT_LT(def.iterations, 100u);
}

TEST_P(Spreading, BadInputThrows) {
  const MemoryGraph g = random_graph(51, 10, 20);
  const std::vector<MemoryId> ok{1}, missing{10};
  const float kNaN = std::numeric_limits<float>::quiet_NaN();
  const float kInf = std::numeric_limits<float>::infinity();
  for (auto* spread : {&reference::spread_activation, &optimized::spread_activation}) {
    MemoryGraph empty(4);
    empty.freeze();
    try {
      spread(empty, ok, {});
      ADD_FAILURE() << "an empty graph must throw";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
    }
    EXPECT_THROW(spread(g, {}, {}), std::invalid_argument);
    EXPECT_THROW(spread(g, missing, {}), std::invalid_argument);
    for (float bad : {-0.1f, kNaN, kInf}) {
      SpreadParams p;
      p.decay = bad;
      EXPECT_THROW(spread(g, ok, p), std::invalid_argument);
      p = {};
      p.retain = bad;
      EXPECT_THROW(spread(g, ok, p), std::invalid_argument);
      p = {};
      p.threshold = bad;
      EXPECT_THROW(spread(g, ok, p), std::invalid_argument);
      p = {};
      p.epsilon = bad;
      EXPECT_THROW(spread(g, ok, p), std::invalid_argument);
    }
  }
  MemoryGraph open(1);
  open.add_memory(std::vector<float>{1});
  EXPECT_THROW(optimized::spread_activation(open, ok, {}), std::invalid_argument);  // source 1 missing
  const std::vector<MemoryId> zero{0};
  EXPECT_THROW(optimized::spread_activation(open, zero, {}), std::logic_error);  // not frozen
  EXPECT_NO_THROW(reference::spread_activation(open, zero, {}));
}

TEST(TopActivated, OrdersByScoreThenIdAndSkipsSourcesAndZeros) {
  SpreadResult r;
  r.activation = {1.0f, 0.2f, 0.0f, 0.5f, 0.2f, 0.7f, 0.2f};
  const std::vector<MemoryId> sources{0, 5};
  const auto top = top_activated(r, sources, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0], (Match{3, 0.5f}));
  EXPECT_EQ(top[1], (Match{1, 0.2f}));
  EXPECT_EQ(top[2], (Match{4, 0.2f}));
  EXPECT_EQ(top_activated(r, sources, 100).size(), 4u);  // node 2 (0) never appears
  EXPECT_THROW(top_activated(r, sources, 0), std::invalid_argument);
  const std::vector<MemoryId> missing{7};
  EXPECT_THROW(top_activated(r, missing, 1), std::invalid_argument);
}

}  // namespace
}  // namespace engram
