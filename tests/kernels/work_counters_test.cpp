// Work counters: each kernel call adds the work it did once, in both
// namespaces, and PAPI reads them as Software Defined Events.
#include <papi.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace engram {
namespace {

class WorkCountersAtLevel : public test::AtSimdLevel {};
ENGRAM_FOR_EACH_SIMD_LEVEL(WorkCountersAtLevel);

template <typename Call>
WorkCounts measure(Call&& call) {
  const WorkCounts before = work_counts();
  call();
  return work_counts() - before;
}

// What the optimized spreading kernel must count, worked out from the
// reference's activations, never from the kernel's own state: before each
// iteration, the active nodes A (activation > 0, from a reference run of one
// iteration fewer) and their out-edges. By the switching rule documented in
// spreading_simd.cpp, an iteration is sparse while (|out-edges of A| + |A|) * 16
// < N: it relaxes A's out-edges and updates A and their targets; otherwise a
// push (out-edges of A < E / 2) relaxes A's out-edges, a pull relaxes all E,
// and both update every node of the padded arrays (N rounded up to the 64
// lanes the widest vector may hold). Also says which kinds it saw.
struct SpreadExpectation {
  std::int64_t edges = 0, nodes = 0;
  bool sparse = false, push = false, pull = false;
};

SpreadExpectation expected_optimized_spreading(const MemoryGraph& g, const std::vector<MemoryId>& src,
                                               SpreadParams p, std::uint32_t iterations) {
  SpreadExpectation x;
  const std::size_t n = g.size(), e = g.edge_count();
  const auto padded = static_cast<std::int64_t>((n + 63) / 64 * 64);
  std::vector<float> a(n, 0.0f);
  for (MemoryId s : src) a[s] = 1.0f;
  for (std::uint32_t it = 1; it <= iterations; ++it) {
    std::size_t active = 0, active_edges = 0;
    std::vector<bool> touched(n, false);
    for (std::size_t v = 0; v < n; ++v) {
      if (a[v] <= 0.0f) continue;
      ++active;
      touched[v] = true;
      for (const Edge& edge : g.out_edges(static_cast<MemoryId>(v))) {
        ++active_edges;
        touched[edge.target] = true;
      }
    }
    if ((active_edges + active) * 16 < n) {
      x.sparse = true;
      x.edges += static_cast<std::int64_t>(active_edges);
      x.nodes += std::count(touched.begin(), touched.end(), true);
    } else if (active_edges * 2 < e) {
      x.push = true;
      x.edges += static_cast<std::int64_t>(active_edges);
      x.nodes += padded;
    } else {
      x.pull = true;
      x.edges += static_cast<std::int64_t>(e);
      x.nodes += padded;
    }
    p.max_iterations = it;  // the state after this iteration, for the next one
    a = reference::spread_activation(g, src, p).activation;
  }
  return x;
}

// The counts below are worked out by hand from the work models in
// work_counters.hpp (KERNELS.md), never by calling the model functions, so an
// off-by-one in a model fails here even though the kernels add what it says.
TEST_P(WorkCountersAtLevel, EveryKernelAddsTheWorkItDid) {
  Rng rng(5);
  const auto m = test::random_matrix(rng, 384, 123);
  const auto q = test::normal_vector(rng, 384);
  std::vector<float> out(123);
  MemoryGraph g(384);
  for (std::size_t i = 0; i < 50; ++i) g.add_memory(m.row_span(i));
  for (MemoryId i = 0; i < 49; ++i) g.add_edge(i, i + 1, 0.5f);
  g.freeze();
  const std::vector<MemoryId> src{0};
  SpreadParams p;
  p.epsilon = 0.0f;
  p.max_iterations = 17;
  MemoryState state = g.state();

  // cosine(q, q), d = 384: flops 6 * 384 = 2304, bytes_read 8 * 384 = 3072.
  const WorkCounts pair{.flops = 2304, .bytes_read = 3072, .candidates_scored = 1};
  EXPECT_EQ(measure([&] { reference::cosine(q, q); }), pair);
  EXPECT_EQ(measure([&] { optimized::cosine(q, q); }), pair);
  // cosine_batch over 123 candidates of d = 384 (no padding: 384 is a multiple
  // of 16). The reference sums dot and the row's norm: flops 2 * 2 * 384 * 123
  // = 188,928, bytes_read 4 * 384 * 123 = 188,928, bytes_written 4 * 123 = 492.
  EXPECT_EQ(measure([&] { reference::cosine_batch(q, m, out); }),
            (WorkCounts{.flops = 188'928, .bytes_read = 188'928, .bytes_written = 492, .candidates_scored = 123}));
  // The optimized version sums the dot only and reads each stored squared
  // norm: flops 2 * 384 * 123 = 94,464, bytes_read (4 * 384 + 4) * 123 = 189,420.
  EXPECT_EQ(measure([&] { optimized::cosine_batch(q, m, out); }),
            (WorkCounts{.flops = 94'464, .bytes_read = 189'420, .bytes_written = 492, .candidates_scored = 123}));
  // find_similar scores all 50 memories. The reference's exact_cosine makes
  // three sums: flops 2 * 3 * 384 * 50 = 115,200, bytes_read 4 * 384 * 50 =
  // 76,800, bytes_written 4 * 50 = 200. Optimized: flops 2 * 384 * 50 =
  // 38,400, bytes_read (4 * 384 + 4) * 50 = 77,000.
  EXPECT_EQ(measure([&] { reference::find_similar(g, q, 5); }),
            (WorkCounts{.flops = 115'200, .bytes_read = 76'800, .bytes_written = 200, .candidates_scored = 50}));
  EXPECT_EQ(measure([&] { optimized::find_similar(g, q, 5); }),
            (WorkCounts{.flops = 38'400, .bytes_read = 77'000, .bytes_written = 200, .candidates_scored = 50}));
  // The reference relaxes every edge in every iteration: 17 iterations over
  // N = 50, E = 49: flops 2 * 49 * 17 = 1,666, edges 49 * 17 = 833, bytes_read
  // (8 * 49 + 4 * 50) * 17 = 592 * 17 = 10,064, bytes_written 4 * 50 * 17 = 3,400.
  EXPECT_EQ(measure([&] { reference::spread_activation(g, src, p); }),
            (WorkCounts{.flops = 1'666, .bytes_read = 10'064, .bytes_written = 3'400, .edges_relaxed = 833}));
  // The optimized one does only the work the active nodes need.
  const SpreadExpectation chain = expected_optimized_spreading(g, src, p, 17);
  const WorkCounts spread = measure([&] { optimized::spread_activation(g, src, p); });
  EXPECT_EQ(spread, (WorkCounts{.flops = 2 * chain.edges, .bytes_read = 8 * chain.edges + 4 * chain.nodes,
                                .bytes_written = 4 * chain.nodes, .edges_relaxed = chain.edges}));
  EXPECT_LT(spread.edges_relaxed, 833);  // it skips inactive nodes, and says so
  // A converging run counts the iterations it actually ran.
  SpreadResult r;
  const WorkCounts converging = measure([&] { r = reference::spread_activation(g, src, {}); });
  EXPECT_TRUE(r.converged);
  ASSERT_GT(r.iterations, 0u);
  ASSERT_LT(r.iterations, 100u);  // it did stop early
  const auto it = static_cast<std::int64_t>(r.iterations);
  EXPECT_EQ(converging, (WorkCounts{.flops = 98 * it, .bytes_read = 592 * it, .bytes_written = 200 * it,
                                    .edges_relaxed = 49 * it}));
  // 50 memories: bytes_read 16 * 50 = 800, bytes_written 4 * 50 = 200; flops
  // (4 + 1) * 50 = 250 for the exponential (one exp), (4 + 2) * 50 = 300 for
  // the power-law curves (log + exp).
  const std::pair<DecayCurve, std::int64_t> decay_flops[] = {
      {DecayCurve::kExponential, 250}, {DecayCurve::kPowerLaw, 300}, {DecayCurve::kTwoComponent, 300}};
  for (const auto& [c, flops] : decay_flops) {
    const WorkCounts decay{.flops = flops, .bytes_read = 800, .bytes_written = 200, .memories_decayed = 50};
    EXPECT_EQ(measure([&] { reference::apply_decay(state, 60, c); }), decay) << decay_curve_name(c);
    EXPECT_EQ(measure([&] { optimized::apply_decay(state, 60, c); }), decay) << decay_curve_name(c);
  }
  // Calls that throw count nothing.
  EXPECT_EQ(measure([&] { EXPECT_ANY_THROW(optimized::find_similar(g, q, 0)); }), WorkCounts{});
}

// The optimized similarity reads rows as stored: padded to the row stride
// (a multiple of 16 floats on x86-64, of 64 on arm64 for SVE's widest
// registers).
TEST_P(WorkCountersAtLevel, OptimizedSimilarityCountsThePaddingItReads) {
  Rng rng(6);
  const auto m = test::random_matrix(rng, 7, 10);
  const auto q = test::normal_vector(rng, 7);
  std::vector<float> out(10);
  const auto stride = static_cast<std::int64_t>(m.stride());
  ASSERT_GT(stride, 7);
  // d = 7, rows padded to the stride s: flops 2 * s * 10, bytes_read
  // (4 * s + 4) * 10 (the padded row and its stored norm). The reference
  // reads the 7 floats: flops 2 * 2 * 7 * 10 = 280, bytes_read 4 * 7 * 10 = 280.
  EXPECT_EQ(measure([&] { optimized::cosine_batch(q, m, out); }),
            (WorkCounts{.flops = 2 * stride * 10, .bytes_read = (4 * stride + 4) * 10, .bytes_written = 40,
                        .candidates_scored = 10}));
  EXPECT_EQ(measure([&] { reference::cosine_batch(q, m, out); }),
            (WorkCounts{.flops = 280, .bytes_read = 280, .bytes_written = 40, .candidates_scored = 10}));
  // find_similar_many: each query's pass over every row, as find_similar
  // counts one (3 queries x the 10 rows above).
  const auto queries = test::random_matrix(rng, 7, 3);
  MemoryGraph g(7);
  for (std::size_t i = 0; i < 10; ++i) g.add_memory(m.row_span(i));
  g.freeze();
  EXPECT_EQ(measure([&] { optimized::find_similar_many(g, queries, 2, 0.0f); }),
            (WorkCounts{.flops = 3 * 2 * stride * 10, .bytes_read = 3 * (4 * stride + 4) * 10, .bytes_written = 120,
                        .candidates_scored = 30}));
}

// The optimized spreading kernel's counts against the reference-derived
// expectation, on graphs that drive it through all three kinds of iteration.
TEST_P(WorkCountersAtLevel, OptimizedSpreadingCountsOnlyTheActiveWork) {
  SpreadParams p;
  p.epsilon = 0.0f;
  p.max_iterations = 40;
  bool sparse = false, push = false, pull = false;
  struct Case {
    MemoryGraph graph;
    std::vector<MemoryId> sources;
  };
  std::vector<MemoryId> all(300);
  for (MemoryId i = 0; i < all.size(); ++i) all[i] = i;
  Case cases[] = {{test::random_graph(3, 1000, 5000), {1}},
                  {test::random_graph(4, 10000, 50000), {7}},
                  {test::random_graph(5, 300, 1500), all}};
  for (const Case& c : cases) {
    const SpreadExpectation x = expected_optimized_spreading(c.graph, c.sources, p, p.max_iterations);
    const WorkCounts got = measure([&] { optimized::spread_activation(c.graph, c.sources, p); });
    EXPECT_EQ(got.edges_relaxed, x.edges) << c.graph.size() << " nodes";
    EXPECT_EQ(got.bytes_written, 4 * x.nodes) << c.graph.size() << " nodes";
    EXPECT_EQ(got.flops, 2 * x.edges);
    EXPECT_EQ(got.bytes_read, 8 * x.edges + 4 * x.nodes);
    // Never more than the reference's every-edge, every-node work.
    const WorkCounts full = measure([&] { reference::spread_activation(c.graph, c.sources, p); });
    EXPECT_LE(got.edges_relaxed, full.edges_relaxed);
    sparse = sparse || x.sparse;
    push = push || x.push;
    pull = pull || x.pull;
  }
  EXPECT_TRUE(sparse && push && pull) << "the cases no longer exercise every kind of iteration";
}

// Every model function, every field, against literals for small inputs.
TEST(WorkModel, SimilarityWorkPerCandidate) {
  // 3 floats per row, n = 5, one sum: flops 2 * 3 * 5 = 30, bytes_read 4 * 3 * 5
  // = 60, bytes_written 4 * 5 = 20, candidates 5.
  EXPECT_EQ(similarity_work(3, 5),
            (WorkCounts{.flops = 30, .bytes_read = 60, .bytes_written = 20, .candidates_scored = 5}));
  // Two sums and a 4-byte stored norm: flops 2 * 2 * 3 * 5 = 60, bytes_read
  // (12 + 4) * 5 = 80.
  EXPECT_EQ(similarity_work(3, 5, 2, 4),
            (WorkCounts{.flops = 60, .bytes_read = 80, .bytes_written = 20, .candidates_scored = 5}));
  // d = 1, n = 1: 2 flops, 4 bytes read, 4 written.
  EXPECT_EQ(similarity_work(1, 1),
            (WorkCounts{.flops = 2, .bytes_read = 4, .bytes_written = 4, .candidates_scored = 1}));
  EXPECT_EQ(similarity_work(768, 0), WorkCounts{});  // no candidates, no work
  EXPECT_EQ(similarity_work(0, 7), (WorkCounts{.bytes_written = 28, .candidates_scored = 7}));
}

TEST(WorkModel, CosinePairWork) {
  // d = 7: flops 6 * 7 = 42 (three multiply-add sums), bytes_read 8 * 7 = 56.
  EXPECT_EQ(cosine_pair_work(7), (WorkCounts{.flops = 42, .bytes_read = 56, .candidates_scored = 1}));
  EXPECT_EQ(cosine_pair_work(1), (WorkCounts{.flops = 6, .bytes_read = 8, .candidates_scored = 1}));
}

TEST(WorkModel, SpreadingWorkPerNodeAndEdge) {
  // 12 node updates, 18 edges: flops 2 * 18 = 36, bytes_read 8 * 18 + 4 * 12 =
  // 192, bytes_written 4 * 12 = 48.
  EXPECT_EQ(spreading_work(12, 18),
            (WorkCounts{.flops = 36, .bytes_read = 192, .bytes_written = 48, .edges_relaxed = 18}));
  // One node and one edge: 2 flops, 8 + 4 = 12 bytes read, 4 written.
  EXPECT_EQ(spreading_work(1, 1),
            (WorkCounts{.flops = 2, .bytes_read = 12, .bytes_written = 4, .edges_relaxed = 1}));
  // No edge work, still a read and a write of a per node: 20 nodes: 80 and 80.
  EXPECT_EQ(spreading_work(20, 0), (WorkCounts{.bytes_read = 80, .bytes_written = 80}));
  EXPECT_EQ(spreading_work(0, 0), WorkCounts{});  // no iteration run
}

TEST(WorkModel, DecayWorkPerMemory) {
  // 3 memories: bytes_read 16 * 3 = 48 (strength 4 + age 8 + recall count 4),
  // bytes_written 4 * 3 = 12; flops (4 + 1) * 3 = 15 with one exp,
  // (4 + 2) * 3 = 18 with log + exp.
  EXPECT_EQ(decay_work(3, DecayCurve::kExponential),
            (WorkCounts{.flops = 15, .bytes_read = 48, .bytes_written = 12, .memories_decayed = 3}));
  EXPECT_EQ(decay_work(3, DecayCurve::kPowerLaw),
            (WorkCounts{.flops = 18, .bytes_read = 48, .bytes_written = 12, .memories_decayed = 3}));
  EXPECT_EQ(decay_work(3, DecayCurve::kTwoComponent),
            (WorkCounts{.flops = 18, .bytes_read = 48, .bytes_written = 12, .memories_decayed = 3}));
  for (DecayCurve c : {DecayCurve::kExponential, DecayCurve::kPowerLaw, DecayCurve::kTwoComponent}) {
    EXPECT_EQ(decay_work(0, c), WorkCounts{}) << decay_curve_name(c);
  }
}

TEST(WorkModel, MatchesKernelsMd) {
  const WorkCounts s = similarity_work(768, 1000);
  EXPECT_EQ(s.flops, 2 * 768 * 1000);
  EXPECT_EQ(s.bytes_read, 4 * 768 * 1000);
  EXPECT_EQ(s.candidates_scored, 1000);
  const WorkCounts sp = spreading_work(1000 * 100, 5000 * 100);
  EXPECT_EQ(sp.flops, 2 * 5000 * 100);
  EXPECT_EQ(sp.bytes_read + sp.bytes_written, (5000 * 8 + 1000 * 8) * 100);
  EXPECT_EQ(sp.edges_relaxed, 5000 * 100);
  const WorkCounts d = decay_work(10000, DecayCurve::kExponential);
  EXPECT_EQ(d.bytes_read + d.bytes_written, 10000 * (4 + 4 + 8 + 4));
  EXPECT_EQ(d.memories_decayed, 10000);
  EXPECT_EQ(d.flops, 10000 * 5);
}

// PAPI's sde component finds the counters this library registered at load
// time: the delta over a known call equals the analytic count.
TEST(WorkCountersPapi, SdeEventsReadTheAnalyticCounts) {
  const int version = PAPI_library_init(PAPI_VER_CURRENT);
  if (version != PAPI_VER_CURRENT) {
    GTEST_SKIP() << "PAPI_library_init failed: " << PAPI_strerror(version);
  }
  const int sde_index = PAPI_get_component_index("sde");
  if (sde_index < 0) GTEST_SKIP() << "this PAPI has no sde component";
  const PAPI_component_info_t* info = PAPI_get_component_info(sde_index);
  if (info != nullptr && info->disabled) {
    GTEST_SKIP() << "PAPI's sde component is disabled: " << info->disabled_reason;
  }
  int events = PAPI_NULL;
  ASSERT_EQ(PAPI_create_eventset(&events), PAPI_OK);
  const char* names[] = {"sde:::engram::flops", "sde:::engram::bytes_read",
                         "sde:::engram::candidates_scored", "sde:::engram::edges_relaxed"};
  for (const char* name : names) {
    const int rc = PAPI_add_named_event(events, name);
    ASSERT_EQ(rc, PAPI_OK) << name << ": " << PAPI_strerror(rc);
  }
  Rng rng(9);
  const auto m = test::random_matrix(rng, 768, 1000);
  const auto q = test::normal_vector(rng, 768);
  std::vector<float> out(1000);
  const MemoryGraph g = test::random_graph(3, 1000, 5000);
  const std::vector<MemoryId> src{1};
  SpreadParams p;
  p.epsilon = 0.0f;

  long long values[4] = {};
  ASSERT_EQ(PAPI_start(events), PAPI_OK);
  optimized::cosine_batch(q, m, out);
  reference::spread_activation(g, src, p);  // the reference: every edge, every iteration
  ASSERT_EQ(PAPI_stop(events, values), PAPI_OK);
  // flops: 2 * 768 * 1000 = 1,536,000 (similarity) + 2 * 5000 * 100 =
  // 1,000,000 (spreading) = 2,536,000. bytes_read: (4 * 768 + 4) * 1000 =
  // 3,076,000 (rows and stored norms) + (8 * 5000 + 4 * 1000) * 100 = 4,400,000
  // = 7,476,000.
  EXPECT_EQ(values[0], 2'536'000);
  EXPECT_EQ(values[1], 7'476'000);
  EXPECT_EQ(values[2], 1000);
  EXPECT_EQ(values[3], 5000 * 100);
  PAPI_cleanup_eventset(events);
  PAPI_destroy_eventset(&events);
  PAPI_shutdown();
}

}  // namespace
}  // namespace engram
