// Optimized similarity against the reference (KERNELS.md section 1): 1e-5
// absolute per score, identical top-k ids except between near-equal scores.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "test_support.hpp"

namespace engram {
namespace {

using test::AtSimdLevel;
using test::normal_vector;

constexpr float kScoreTolerance = 1e-5f;
constexpr std::size_t kDims[] = {1, 7, 384, 768, 1536};
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

class Similarity : public AtSimdLevel {};
ENGRAM_FOR_EACH_SIMD_LEVEL(Similarity);

TEST_P(Similarity, CosineMatchesReferenceForEveryDimension) {
  Rng rng(11);
  for (std::size_t dim : kDims) {
    for (int trial = 0; trial < 25; ++trial) {
      // Vary the scale so norms from tiny-but-valid to large are covered.
      const double scale = std::pow(10.0, static_cast<int>(rng.below(13)) - 6);
      const auto a = normal_vector(rng, dim, scale);
      auto b = normal_vector(rng, dim);
      if (trial % 5 == 0) b = a;  // identical: 1
      if (trial % 5 == 1) {       // opposite: -1
        b = a;
        for (float& x : b) x = -x;
      }
      const float got = optimized::cosine(a, b);
      EXPECT_NEAR(got, reference::cosine(a, b), kScoreTolerance) << "dim " << dim << " trial " << trial;
      EXPECT_LE(got, 1.0f);  // clamped, even where float rounding overshoots
      EXPECT_GE(got, -1.0f);
    }
  }
}

TEST_P(Similarity, CosineBatchMatchesReferenceForEveryDimension) {
  Rng rng(12);
  for (std::size_t dim : kDims) {
    for (std::size_t rows : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{5},
                             std::size_t{37}, std::size_t{1000}}) {
      if (dim == 1536 && rows == 1000) continue;  // the 768-d case covers the large batch
      const auto candidates = test::random_matrix(rng, dim, rows);
      const auto query = normal_vector(rng, dim);
      std::vector<float> want(rows), got(rows);
      reference::cosine_batch(query, candidates, want);
      optimized::cosine_batch(query, candidates, got);
      for (std::size_t i = 0; i < rows; ++i) {
        ASSERT_NEAR(got[i], want[i], kScoreTolerance) << "dim " << dim << " row " << i;
      }
      // The query itself and its negation among the candidates: exactly +-1
      // at most, never beyond (float rounding of the quotient can overshoot).
      EmbeddingMatrix twins(dim);
      auto negated = query;
      for (float& x : negated) x = -x;
      for (int copy = 0; copy < 8; ++copy) {
        twins.push_back(query);
        twins.push_back(negated);
      }
      std::vector<float> twin_scores(twins.rows());
      optimized::cosine_batch(query, twins, twin_scores);
      for (std::size_t i = 0; i < twins.rows(); ++i) {
        EXPECT_NEAR(std::fabs(twin_scores[i]), 1.0f, 1e-6f);
        EXPECT_LE(twin_scores[i], 1.0f);
        EXPECT_GE(twin_scores[i], -1.0f);
      }
    }
  }
}

// Every edge case of the contract, for cosine and for cosine_batch.
struct EdgeCase {
  const char* name;
  std::vector<float> a, b;
  float expected;
};

std::vector<EdgeCase> edge_cases(std::size_t dim) {
  std::vector<float> ones(dim, 1.0f), zeros(dim, 0.0f), with_nan(dim, 1.0f), with_inf(dim, 1.0f),
      tiny(dim, 1e-20f), huge(dim, 1e20f), neg_huge(dim, -1e20f), denormal(dim, 1e-40f),
      barely(dim, 0.0f);
  with_nan[dim / 2] = kNaN;
  with_inf[dim - 1] = kInf;
  // A squared norm of 4e-30: above the contract's 1e-30 cut-off in double,
  // but in the range where float sums are no longer trusted.
  barely[0] = 2e-15f;
  return {
      {"zero_a", zeros, ones, 0.0f},
      {"zero_b", ones, zeros, 0.0f},
      {"nan_a", with_nan, ones, 0.0f},
      {"nan_b", ones, with_nan, 0.0f},
      {"inf_a", with_inf, ones, 0.0f},
      {"inf_b", ones, with_inf, 0.0f},
      {"tiny_norm", tiny, ones, 0.0f},      // sum of squares ~1e-40 * d < 1e-30
      {"denormal", denormal, ones, 0.0f},
      {"huge_same", huge, huge, 1.0f},      // squares overflow float, not double
      {"huge_opposite", huge, neg_huge, -1.0f},
      {"huge_vs_ones", huge, ones, 1.0f},
      {"barely_valid", barely, ones, 1.0f / std::sqrt(static_cast<float>(dim))},
  };
}

TEST_P(Similarity, CosineEdgeCasesFollowTheContract) {
  for (std::size_t dim : kDims) {
    for (const EdgeCase& c : edge_cases(dim)) {
      const float want = reference::cosine(c.a, c.b);
      EXPECT_NEAR(want, c.expected, 1e-6f) << c.name << " dim " << dim;
      const float got = optimized::cosine(c.a, c.b);
      EXPECT_FALSE(std::isnan(got)) << c.name;
      EXPECT_NEAR(got, want, kScoreTolerance) << c.name << " dim " << dim;
    }
  }
}

TEST_P(Similarity, CosineBatchEdgeCasesFollowTheContract) {
  Rng rng(13);
  for (std::size_t dim : kDims) {
    const auto cases = edge_cases(dim);
    // Unusual rows mixed among ordinary ones, against an ordinary query...
    EmbeddingMatrix rows(dim);
    for (const EdgeCase& c : cases) {
      rows.push_back(normal_vector(rng, dim));
      rows.push_back(c.a);
    }
    std::vector<float> want(rows.rows()), got(rows.rows());
    const auto query = normal_vector(rng, dim);
    reference::cosine_batch(query, rows, want);
    optimized::cosine_batch(query, rows, got);
    for (std::size_t i = 0; i < rows.rows(); ++i) {
      EXPECT_NEAR(got[i], want[i], kScoreTolerance) << "row " << i << " dim " << dim;
    }
    // ...and every unusual vector as the query.
    for (const EdgeCase& c : cases) {
      reference::cosine_batch(c.a, rows, want);
      optimized::cosine_batch(c.a, rows, got);
      for (std::size_t i = 0; i < rows.rows(); ++i) {
        EXPECT_FALSE(std::isnan(got[i]));
        EXPECT_NEAR(got[i], want[i], kScoreTolerance) << c.name << " query, row " << i;
      }
    }
  }
}

// Top-k equality up to near-ties: every rank's score agrees within the
// tolerance, and where the ids differ the reference scores of both ids are
// within 2x the tolerance (the two may legitimately swap).
void expect_same_top_k(const MemoryGraph& g, std::span<const float> query,
                       const std::vector<Match>& want, const std::vector<Match>& got) {
  ASSERT_EQ(got.size(), want.size());
  std::map<MemoryId, float> ref_score;
  for (std::size_t i = 0; i < g.size(); ++i) {
    ref_score[static_cast<MemoryId>(i)] =
        std::clamp(reference::cosine(query, g.embeddings().row_span(i)), 0.0f, 1.0f);
  }
  for (std::size_t r = 0; r < want.size(); ++r) {
    EXPECT_NEAR(got[r].score, want[r].score, kScoreTolerance) << "rank " << r;
    if (got[r].id != want[r].id) {
      EXPECT_NEAR(ref_score[got[r].id], want[r].score, 2 * kScoreTolerance)
          << "rank " << r << ": id " << got[r].id << " instead of " << want[r].id;
    }
  }
  for (std::size_t r = 1; r < got.size(); ++r) {
    EXPECT_TRUE(got[r - 1].score > got[r].score ||
                (got[r - 1].score == got[r].score && got[r - 1].id < got[r].id))
        << "optimized order broken at rank " << r;
  }
}

TEST_P(Similarity, FindSimilarMatchesReference) {
  Rng rng(14);
  for (std::size_t dim : {std::size_t{7}, std::size_t{384}, std::size_t{768}}) {
    MemoryGraph g(dim);
    for (int i = 0; i < 1500; ++i) g.add_memory(normal_vector(rng, dim));
    for (int q = 0; q < 8; ++q) {
      const auto query = normal_vector(rng, dim);
      for (float threshold : {0.0f, 0.05f, 0.2f}) {
        for (std::size_t k : {std::size_t{1}, std::size_t{10}, std::size_t{100}}) {
          const auto want = reference::find_similar(g, query, k, threshold);
          const auto got = optimized::find_similar(g, query, k, threshold);
          expect_same_top_k(g, query, want, got);
          for (const Match& m : got) {
            EXPECT_GE(m.score, threshold);
            EXPECT_LE(m.score, 1.0f);
          }
        }
      }
    }
  }
}

TEST_P(Similarity, FindSimilarBreaksTiesByIdAscending) {
  Rng rng(15);
  const std::size_t dim = 33;
  MemoryGraph g(dim);
  const auto query = normal_vector(rng, dim);
  auto twin = normal_vector(rng, dim);  // the query plus noise: similarity ~0.7 > 0
  for (std::size_t i = 0; i < dim; ++i) twin[i] += query[i];
  // Ids 1, 4 and 6 hold the same vector (equal scores, bit for bit); the
  // query itself is at id 5 (score 1).
  for (int i = 0; i < 8; ++i) {
    if (i == 1 || i == 4 || i == 6) {
      g.add_memory(twin);
    } else if (i == 5) {
      g.add_memory(query);
    } else {
      auto far = twin;
      for (float& x : far) x = -x;  // similarity <= 0 -> score 0
      g.add_memory(far);
    }
  }
  for (auto* find : {&reference::find_similar, &optimized::find_similar}) {
    const auto top = find(g, query, 4, 0.0f);
    ASSERT_EQ(top.size(), 4u);
    EXPECT_EQ(top[0].id, 5u);
    EXPECT_NEAR(top[0].score, 1.0f, 1e-6f);
    EXPECT_EQ(top[1].id, 1u);
    EXPECT_EQ(top[2].id, 4u);
    EXPECT_EQ(top[3].id, 6u);
    EXPECT_EQ(top[1].score, top[2].score);
    EXPECT_EQ(top[2].score, top[3].score);
    // Ties at the cut-off keep the smaller ids.
    const auto two = find(g, query, 2, 0.0f);
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two[1].id, 1u);
    const auto five = find(g, query, 5, 0.0f);
    ASSERT_EQ(five.size(), 5u);
    EXPECT_EQ(five[4], (Match{0, 0.0f}));
    // Negative similarities count as 0 and tie too: the next ones are ids 0, 2.
    const auto all = find(g, query, 100, 0.0f);
    ASSERT_EQ(all.size(), 8u);
    EXPECT_EQ(all[4].id, 0u);
    EXPECT_EQ(all[4].score, 0.0f);
    EXPECT_EQ(all[5].id, 2u);
    EXPECT_EQ(all[7].id, 7u);
  }
}

TEST_P(Similarity, FindSimilarThresholdIsInclusiveAndKMayExceedN) {
  MemoryGraph g(4);
  g.add_memory(std::vector<float>{3, 4, 0, 0});   // 0.6 exactly
  g.add_memory(std::vector<float>{1, 0, 0, 0});   // 1
  g.add_memory(std::vector<float>{0, 1, 0, 0});   // 0
  g.add_memory(std::vector<float>{-1, 0, 0, 0});  // -1 -> 0
  const std::vector<float> query{2, 0, 0, 0};
  for (auto* find : {&reference::find_similar, &optimized::find_similar}) {
    auto top = find(g, query, 10, 0.6f);
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0], (Match{1, 1.0f}));
    EXPECT_EQ(top[1], (Match{0, 0.6f}));
    top = find(g, query, 10, std::nextafter(0.6f, 1.0f));
    ASSERT_EQ(top.size(), 1u);
    top = find(g, query, 1000, 0.0f);  // k > n: everything, ordered
    ASSERT_EQ(top.size(), 4u);
    EXPECT_EQ(top[2], (Match{2, 0.0f}));
    EXPECT_EQ(top[3], (Match{3, 0.0f}));
    EXPECT_TRUE(find(g, query, 3, 1.5f).empty());
    MemoryGraph empty(4);
    EXPECT_TRUE(find(empty, query, 3, 0.0f).empty());
  }
}

TEST_P(Similarity, FindSimilarScoresUnusualMemoriesAsZero) {
  MemoryGraph g(3);
  g.add_memory(std::vector<float>{kNaN, 1, 1});
  g.add_memory(std::vector<float>{kInf, 1, 1});
  g.add_memory(std::vector<float>{0, 0, 0});
  g.add_memory(std::vector<float>{1, 1, 1});
  const std::vector<float> query{1, 1, 1};
  for (auto* find : {&reference::find_similar, &optimized::find_similar}) {
    const auto top = find(g, query, 4, 0.0f);
    ASSERT_EQ(top.size(), 4u);
    EXPECT_EQ(top[0].id, 3u);
    EXPECT_NEAR(top[0].score, 1.0f, 1e-6f);
    for (std::size_t r = 1; r < 4; ++r) EXPECT_EQ(top[r], (Match{static_cast<MemoryId>(r - 1), 0.0f}));
  }
}

TEST_P(Similarity, BadInputThrowsWithAClearMessage) {
  MemoryGraph g(4);
  g.add_memory(std::vector<float>{1, 2, 3, 4});
  EmbeddingMatrix m(4);
  m.push_back(std::vector<float>{1, 2, 3, 4});
  const std::vector<float> q4{1, 0, 0, 0}, q3{1, 0, 0};
  std::vector<float> out1(1), out2(2);
  auto expect_message = [](auto&& call, const char* fragment) {
    try {
      call();
      ADD_FAILURE() << "no exception; expected one mentioning '" << fragment << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  for (int ns = 0; ns < 2; ++ns) {
    const bool opt = ns == 1;
    auto cosine = opt ? &optimized::cosine : &reference::cosine;
    auto batch = opt ? &optimized::cosine_batch : &reference::cosine_batch;
    auto find = opt ? &optimized::find_similar : &reference::find_similar;
    expect_message([&] { cosine(q4, q3); }, "dimension mismatch");
    expect_message([&] { cosine({}, {}); }, "dimension");
    expect_message([&] { batch(q3, m, out1); }, "dimension");
    expect_message([&] { batch(q4, m, out2); }, "output");
    expect_message([&] { find(g, q3, 1, 0.0f); }, "dimension");
    expect_message([&] { find(g, q4, 0, 0.0f); }, "k must be");
    expect_message([&] { find(g, q4, 1, -0.1f); }, "threshold");
    expect_message([&] { find(g, q4, 1, kNaN); }, "threshold");
    auto many = opt ? &optimized::find_similar_many : &reference::find_similar_many;
    EmbeddingMatrix queries3(3), queries4(4);
    queries3.push_back(q3);
    queries4.push_back(q4);
    expect_message([&] { many(g, queries3, 1, 0.0f); }, "dimension");
    expect_message([&] { many(g, queries4, 0, 0.0f); }, "k must be");
    expect_message([&] { many(g, queries4, 1, kNaN); }, "threshold");
    expect_message([&] { many(g, EmbeddingMatrix(4), 0, 0.0f); }, "k must be");  // even with no queries
  }
}

// find_similar_many answers each query exactly as find_similar does, bit for
// bit, in both namespaces: over graphs of several L2 blocks and a partial last
// block, with queries and memories that take the exact path (zero, huge, NaN).
TEST_P(Similarity, FindSimilarManyEqualsFindSimilarPerQuery) {
  Rng rng(16);
  for (std::size_t dim : {std::size_t{1}, std::size_t{7}, std::size_t{768}}) {
    MemoryGraph g(dim);
    for (int i = 0; i < 1337; ++i) {
      auto v = normal_vector(rng, dim);
      if (i == 100) std::fill(v.begin(), v.end(), 0.0f);
      if (i == 700) v[0] = kNaN;
      if (i == 1200) v[0] = 1e30f;
      g.add_memory(v);
    }
    EmbeddingMatrix queries(dim);
    for (int q = 0; q < 9; ++q) queries.push_back(normal_vector(rng, dim));
    queries.push_back(std::vector<float>(dim, 0.0f));   // zero query: every score 0
    queries.push_back(std::vector<float>(dim, 1e25f));  // huge: the exact path
    queries.push_back(g.embeddings().row_span(5));      // a memory itself: score 1 at id 5
    for (float threshold : {0.0f, 0.1f}) {
      for (std::size_t k : {std::size_t{1}, std::size_t{10}, std::size_t{2000}}) {
        const auto opt = optimized::find_similar_many(g, queries, k, threshold);
        const auto ref = reference::find_similar_many(g, queries, k, threshold);
        ASSERT_EQ(opt.size(), queries.rows());
        ASSERT_EQ(ref.size(), queries.rows());
        for (std::size_t q = 0; q < queries.rows(); ++q) {
          const auto query = queries.row_span(q);
          EXPECT_EQ(opt[q], optimized::find_similar(g, query, k, threshold))
              << "dim " << dim << " query " << q << " k " << k << " threshold " << threshold;
          EXPECT_EQ(ref[q], reference::find_similar(g, query, k, threshold))
              << "dim " << dim << " query " << q << " k " << k << " threshold " << threshold;
        }
      }
    }
    if (dim > 1) {  // in one dimension every memory of the same sign scores 1
      const auto best = optimized::find_similar_many(g, queries, 1);
      ASSERT_FALSE(best[11].empty());
      EXPECT_EQ(best[11][0].id, 5u);
    }
  }
}

TEST_P(Similarity, FindSimilarManyWithNoQueriesOrNoMemories) {
  MemoryGraph g(4);
  EmbeddingMatrix none(4), one(4);
  one.push_back(std::vector<float>{1, 0, 0, 0});
  for (auto* many : {&reference::find_similar_many, &optimized::find_similar_many}) {
    EXPECT_TRUE(many(g, none, 3, 0.0f).empty());
    const auto empty_graph = many(g, one, 3, 0.0f);
    ASSERT_EQ(empty_graph.size(), 1u);
    EXPECT_TRUE(empty_graph[0].empty());
  }
}

}  // namespace
}  // namespace engram
