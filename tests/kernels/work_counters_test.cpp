// Work counters: each kernel call adds its analytic counts once, in both
// namespaces, and PAPI reads them as Software Defined Events.
#include <papi.h>

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

TEST_P(WorkCountersAtLevel, EveryKernelAddsItsModelCounts) {
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

  EXPECT_EQ(measure([&] { reference::cosine(q, q); }), cosine_pair_work(384));
  EXPECT_EQ(measure([&] { optimized::cosine(q, q); }), cosine_pair_work(384));
  EXPECT_EQ(measure([&] { reference::cosine_batch(q, m, out); }), similarity_work(384, 123));
  EXPECT_EQ(measure([&] { optimized::cosine_batch(q, m, out); }), similarity_work(384, 123));
  EXPECT_EQ(measure([&] { reference::find_similar(g, q, 5); }), similarity_work(384, 50));
  EXPECT_EQ(measure([&] { optimized::find_similar(g, q, 5); }), similarity_work(384, 50));
  EXPECT_EQ(measure([&] { reference::spread_activation(g, src, p); }), spreading_work(50, 49, 17));
  EXPECT_EQ(measure([&] { optimized::spread_activation(g, src, p); }), spreading_work(50, 49, 17));
  // A converging run counts the iterations it actually ran.
  SpreadResult r;
  const WorkCounts converging = measure([&] { r = optimized::spread_activation(g, src, {}); });
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(converging, spreading_work(50, 49, r.iterations));
  for (DecayCurve c : {DecayCurve::kExponential, DecayCurve::kPowerLaw, DecayCurve::kTwoComponent}) {
    EXPECT_EQ(measure([&] { reference::apply_decay(state, 60, c); }), decay_work(50, c));
    EXPECT_EQ(measure([&] { optimized::apply_decay(state, 60, c); }), decay_work(50, c));
  }
  // Calls that throw count nothing.
  EXPECT_EQ(measure([&] { EXPECT_ANY_THROW(optimized::find_similar(g, q, 0)); }), WorkCounts{});
}

TEST(WorkModel, MatchesKernelsMd) {
  const WorkCounts s = similarity_work(768, 1000);
  EXPECT_EQ(s.flops, 2 * 768 * 1000);
  EXPECT_EQ(s.bytes_read, 4 * 768 * 1000);
  EXPECT_EQ(s.candidates_scored, 1000);
  const WorkCounts sp = spreading_work(1000, 5000, 100);
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
  optimized::spread_activation(g, src, p);
  ASSERT_EQ(PAPI_stop(events, values), PAPI_OK);
  const WorkCounts want = similarity_work(768, 1000);
  const WorkCounts spread = spreading_work(1000, 5000, 100);
  EXPECT_EQ(values[0], want.flops + spread.flops);
  EXPECT_EQ(values[1], want.bytes_read + spread.bytes_read);
  EXPECT_EQ(values[2], 1000);
  EXPECT_EQ(values[3], 5000 * 100);
  PAPI_cleanup_eventset(events);
  PAPI_destroy_eventset(&events);
  PAPI_shutdown();
}

}  // namespace
}  // namespace engram
