// Embedding storage and the memory graph's building rules.
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "test_support.hpp"

namespace engram {
namespace {

bool aligned64(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

TEST(Embedding, IsAlignedAndZeroPadded) {
  for (std::size_t dim : {1, 7, 16, 17, 768}) {
    Embedding e(dim);
    EXPECT_EQ(e.dim(), dim);
    EXPECT_TRUE(aligned64(e.data()));
    const std::size_t padded = (dim + 15) / 16 * 16;
    for (std::size_t i = 0; i < padded; ++i) EXPECT_EQ(e.data()[i], 0.0f);
    std::vector<float> v(dim, 2.5f);
    Embedding copy(v);
    Embedding other = copy;
    EXPECT_TRUE(aligned64(other.data()));
    EXPECT_EQ(std::vector<float>(other.values().begin(), other.values().end()), v);
    for (std::size_t i = dim; i < padded; ++i) EXPECT_EQ(other.data()[i], 0.0f);
  }
  EXPECT_THROW(Embedding(std::size_t{0}), std::invalid_argument);
  EXPECT_THROW(Embedding(std::span<const float>{}), std::invalid_argument);
}

TEST(EmbeddingMatrix, RowsAreAlignedPaddedAndCarryDoubleNorms) {
  Rng rng(3);
  for (std::size_t dim : {1, 7, 384, 1536}) {
    EmbeddingMatrix m(dim);
    EXPECT_EQ(m.stride() % 16, 0u);
    EXPECT_GE(m.stride(), dim);
    std::vector<std::vector<float>> rows;
    for (int i = 0; i < 40; ++i) {  // past several capacity doublings
      rows.push_back(test::normal_vector(rng, dim));
      EXPECT_EQ(m.push_back(rows.back()), static_cast<std::size_t>(i));
    }
    for (std::size_t i = 0; i < m.rows(); ++i) {
      EXPECT_TRUE(aligned64(m.row(i)));
      double sum = 0.0;
      for (std::size_t j = 0; j < dim; ++j) {
        EXPECT_EQ(m.row(i)[j], rows[i][j]);
        sum += static_cast<double>(rows[i][j]) * rows[i][j];
      }
      for (std::size_t j = dim; j < m.stride(); ++j) EXPECT_EQ(m.row(i)[j], 0.0f);
      EXPECT_EQ(m.squared_norms()[i], static_cast<float>(sum));
    }
    const auto replacement = test::normal_vector(rng, dim);
    m.set_row(5, replacement);
    double sum = 0.0;
    for (float x : replacement) sum += static_cast<double>(x) * x;
    EXPECT_EQ(m.squared_norms()[5], static_cast<float>(sum));
    const EmbeddingMatrix copy = m;
    EXPECT_EQ(copy.rows(), m.rows());
    EXPECT_EQ(copy.row_span(5)[0], replacement[0]);
    EXPECT_THROW(m.push_back(std::vector<float>(dim + 1)), std::invalid_argument);
    EXPECT_THROW(m.set_row(m.rows(), replacement), std::out_of_range);
    EXPECT_THROW(m.set_row(0, std::vector<float>(dim + 1)), std::invalid_argument);
  }
  EXPECT_THROW(EmbeddingMatrix(0), std::invalid_argument);
}

TEST(MemoryGraph, BuildsTheIncomingCsrOnFreeze) {
  MemoryGraph g(2);
  for (int i = 0; i < 4; ++i) g.add_memory(std::vector<float>{1, 0}, 0.5f, 10, 2);
  g.add_edge(2, 1, 0.5f);
  g.add_edge(0, 1, 0.25f);
  g.add_edge(1, 1, 1.0f);  // self-loop
  g.add_edge(0, 1, 0.75f); // parallel
  g.add_edge(3, 0, 0.1f);
  EXPECT_EQ(g.edge_count(), 5u);
  EXPECT_THROW(g.incoming(), std::logic_error);
  ASSERT_EQ(g.out_edges(0).size(), 2u);
  EXPECT_EQ(g.out_edges(0)[1].weight, 0.75f);
  g.freeze();
  g.freeze();  // idempotent
  EXPECT_TRUE(g.frozen());
  const IncomingCsr& in = g.incoming();
  EXPECT_EQ(in.offsets, (std::vector<std::uint32_t>{0, 1, 5, 5, 5}));
  EXPECT_EQ(in.sources, (std::vector<MemoryId>{3, 0, 0, 1, 2}));
  EXPECT_EQ(in.weights, (std::vector<float>{0.1f, 0.25f, 0.75f, 1.0f, 0.5f}));
  EXPECT_EQ(g.state().strength, (std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f}));
  EXPECT_EQ(g.state().age_seconds[3], 10u);
  EXPECT_EQ(g.state().recall_count[3], 2u);
  EXPECT_THROW(g.add_memory(std::vector<float>{1, 0}), std::logic_error);
  EXPECT_THROW(g.add_edge(0, 1, 0.5f), std::logic_error);
  const MemoryGraph copy = g;  // copies share the frozen views safely
  EXPECT_EQ(copy.incoming().sources, in.sources);
}

TEST(MemoryGraph, RejectsBadMemoriesAndEdges) {
  const float kNaN = std::numeric_limits<float>::quiet_NaN();
  const float kInf = std::numeric_limits<float>::infinity();
  MemoryGraph g(3);
  EXPECT_THROW(g.add_memory(std::vector<float>{1, 2}), std::invalid_argument);
  EXPECT_THROW(g.add_memory(std::vector<float>{1, 2, 3}, -0.1f), std::invalid_argument);
  EXPECT_THROW(g.add_memory(std::vector<float>{1, 2, 3}, 1.1f), std::invalid_argument);
  EXPECT_THROW(g.add_memory(std::vector<float>{1, 2, 3}, kNaN), std::invalid_argument);
  EXPECT_EQ(g.size(), 0u);
  g.add_memory(std::vector<float>{1, 2, 3});
  g.add_memory(std::vector<float>{kNaN, kInf, 0});  // odd embeddings are legal; similarity scores them 0
  try {
    g.add_edge(0, 2, 0.5f);
    ADD_FAILURE() << "an edge to a missing node must throw";
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
  EXPECT_THROW(g.add_edge(7, 0, 0.5f), std::out_of_range);
  for (float w : {0.0f, -0.5f, 1.0001f, kNaN, kInf, -kInf}) {
    EXPECT_THROW(g.add_edge(0, 1, w), std::invalid_argument) << w;
  }
  g.add_edge(0, 1, 1.0f);
  g.add_edge(1, 1, std::numeric_limits<float>::denorm_min());
  EXPECT_EQ(g.edge_count(), 2u);
  EXPECT_THROW(g.out_edges(2), std::out_of_range);
  EXPECT_THROW(MemoryGraph(0), std::invalid_argument);
}

}  // namespace
}  // namespace engram
