// The kernels' software defined events, read through PAPI with this
// library's API, equal the kernels' analytic work counts (KERNELS.md work
// model) for known calls.
#include <gtest/gtest.h>

#include <vector>

#include "engram/counters.hpp"
#include "engram/kernels.hpp"

namespace {

using namespace engram::counters;

const std::vector<std::string> kSdeNames = {
    "sde:::engram::flops",             "sde:::engram::bytes_read",    "sde:::engram::bytes_written",
    "sde:::engram::candidates_scored", "sde:::engram::edges_relaxed", "SDE:::Engram::MEMORIES_DECAYED"};

double value_of(const Reading& r, const std::string& name) {
  const CounterValue* c = r.find(name);
  if (c == nullptr || !c->value) {
    ADD_FAILURE() << name << " has no value: " << (c ? c->reason : "absent");
    return -1;
  }
  return *c->value;
}

TEST(SdeCounters, ResolveCaseInsensitivelyToTheRegisteredNames) {
  (void)engram::work_counts();  // the kernels register their counters when loaded
  Options options;
  options.overhead_pairs = 0;
  const CounterSet set = CounterSet::open(kSdeNames, options);
  const Reading r = set.read();
  ASSERT_EQ(r.counters.size(), 6u);
  EXPECT_EQ(r.counters[5].canonical, "sde:::engram::memories_decayed");
  for (const CounterValue& c : r.counters) {
    EXPECT_EQ(c.backend, Backend::papi) << c.requested << ": " << c.reason;
    EXPECT_EQ(c.status, Status::counted) << c.requested << ": " << c.reason;
  }
  const auto listed = list_counters("sde:::engram");
  EXPECT_EQ(listed.size(), 6u);
}

TEST(SdeCounters, EqualTheAnalyticCountsOfKnownCalls) {
  constexpr std::size_t kDim = 768, kCandidates = 1000, kMemories = 10000, kNodes = 1000, kEdges = 5000;
  // Inputs, built before the region.
  engram::EmbeddingMatrix candidates(kDim);
  std::vector<float> row(kDim);
  for (std::size_t i = 0; i < kCandidates; ++i) {
    for (std::size_t d = 0; d < kDim; ++d) row[d] = static_cast<float>((i * 31 + d * 7) % 17) - 8.0f;
    candidates.push_back(row);
  }
  std::vector<float> query(kDim, 0.5f);
  std::vector<float> scores(kCandidates);
  engram::MemoryState state;
  state.strength.assign(kMemories, 0.9f);
  state.age_seconds.assign(kMemories, 3600);
  state.recall_count.assign(kMemories, 1);
  engram::MemoryGraph graph(4);
  const std::vector<float> embedding = {1, 0, 0, 0};
  for (std::size_t i = 0; i < kNodes; ++i) graph.add_memory(embedding);
  for (std::size_t e = 0; e < kEdges; ++e)
    graph.add_edge(static_cast<engram::MemoryId>(e % kNodes), static_cast<engram::MemoryId>((e * 7 + 1) % kNodes), 0.5f);
  graph.freeze();
  const std::vector<engram::MemoryId> sources = {0, 1, 2};
  engram::SpreadParams params;
  params.max_iterations = 10;

  Options options;
  options.overhead_pairs = 0;
  std::vector<std::string> names = kSdeNames;
  names.push_back("task-clock");  // SDE and perf_event in one set
  CounterSet set = CounterSet::open(names, options);
  const engram::WorkCounts before = engram::work_counts();
  set.start();
  engram::optimized::cosine_batch(query, candidates, scores);
  engram::optimized::apply_decay(state, 60, engram::DecayCurve::kExponential);
  // The reference: it relaxes every edge in every iteration (the optimized
  // one counts only the active nodes' work, which this test does not model).
  const engram::SpreadResult spread = engram::reference::spread_activation(graph, sources, params);
  set.stop();
  const engram::WorkCounts delta = engram::work_counts() - before;
  const Reading r = set.read();

  // KERNELS.md work model: similarity 2d FLOPs and 4d bytes per candidate, the
  // 4-byte stored norm read (768 floats: no padding) and a 4-byte score written; decay 5 FLOPs (exp + 4), 16 bytes read and 4
  // written per memory; spreading 2 FLOPs per edge and iteration, 8E + 4N
  // bytes read and 4N written per iteration.
  const double it = spread.iterations;
  ASSERT_GT(it, 0);
  const double flops = 2.0 * kDim * kCandidates + 5.0 * kMemories + 2.0 * kEdges * it;
  const double bytes_read = (4.0 * kDim + 4.0) * kCandidates + 16.0 * kMemories + (8.0 * kEdges + 4.0 * kNodes) * it;
  const double bytes_written = 4.0 * kCandidates + 4.0 * kMemories + 4.0 * kNodes * it;
  EXPECT_EQ(value_of(r, "sde:::engram::flops"), flops);
  EXPECT_EQ(value_of(r, "sde:::engram::bytes_read"), bytes_read);
  EXPECT_EQ(value_of(r, "sde:::engram::bytes_written"), bytes_written);
  EXPECT_EQ(value_of(r, "sde:::engram::candidates_scored"), static_cast<double>(kCandidates));
  EXPECT_EQ(value_of(r, "sde:::engram::edges_relaxed"), kEdges * it);
  EXPECT_EQ(value_of(r, "sde:::engram::memories_decayed"), static_cast<double>(kMemories));
  // And the library's own snapshot agrees.
  EXPECT_EQ(value_of(r, "sde:::engram::flops"), static_cast<double>(delta.flops));
  EXPECT_EQ(value_of(r, "sde:::engram::bytes_read"), static_cast<double>(delta.bytes_read));
  EXPECT_EQ(r.find("task-clock")->status, Status::counted);
}

TEST(SdeCounters, OnlyTheMeasuredRegionCounts) {
  (void)engram::work_counts();
  Options options;
  options.overhead_pairs = 0;
  CounterSet set = CounterSet::open({"sde:::engram::memories_decayed"}, options);
  engram::MemoryState state;
  state.strength.assign(100, 1.0f);
  state.age_seconds.assign(100, 0);
  state.recall_count.assign(100, 0);
  engram::optimized::apply_decay(state, 1);  // outside: not counted
  set.start();
  engram::optimized::apply_decay(state, 1);
  set.stop();
  engram::optimized::apply_decay(state, 1);  // outside again
  set.start();
  engram::reference::apply_decay(state, 1);
  set.stop();
  EXPECT_EQ(value_of(set.read(), "sde:::engram::memories_decayed"), 200.0);
  set.reset();
  EXPECT_EQ(value_of(set.read(), "sde:::engram::memories_decayed"), 0.0);
}

}  // namespace
