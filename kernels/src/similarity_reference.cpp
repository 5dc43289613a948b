// The similarity ground truth: plain scalar loops, double accumulation, a
// full sort. Written for clarity, not speed.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engram/similarity.hpp"
#include "similarity_common.hpp"
#include "work_counters_internal.hpp"

namespace engram {
namespace detail {

void check_cosine_args(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) {
    throw std::invalid_argument("cosine: dimension mismatch (" + std::to_string(a.size()) +
                                " vs " + std::to_string(b.size()) + ")");
  }
  if (a.empty()) throw std::invalid_argument("cosine: vectors must have dimension >= 1");
}

void check_batch_args(std::span<const float> query, const EmbeddingMatrix& candidates,
                      std::span<float> out) {
  if (query.size() != candidates.dim()) {
    throw std::invalid_argument("cosine_batch: query has dimension " + std::to_string(query.size()) +
                                ", the candidates have " + std::to_string(candidates.dim()));
  }
  if (out.size() != candidates.rows()) {
    throw std::invalid_argument("cosine_batch: output has " + std::to_string(out.size()) +
                                " slots for " + std::to_string(candidates.rows()) + " candidates");
  }
}

namespace {

void check_k_and_threshold(const std::string& function, std::size_t k, float threshold) {
  if (k == 0) throw std::invalid_argument(function + ": k must be at least 1");
  if (!(threshold >= 0.0f)) {
    throw std::invalid_argument(function + ": threshold must be a number >= 0 (got " +
                                std::to_string(threshold) + ")");
  }
}

}  // namespace

void check_find_similar_args(const MemoryGraph& graph, std::span<const float> query,
                             std::size_t k, float threshold) {
  if (query.size() != graph.dim()) {
    throw std::invalid_argument("find_similar: query has dimension " + std::to_string(query.size()) +
                                ", the graph has " + std::to_string(graph.dim()));
  }
  check_k_and_threshold("find_similar", k, threshold);
}

void check_find_similar_many_args(const MemoryGraph& graph, const EmbeddingMatrix& queries,
                                  std::size_t k, float threshold) {
  if (queries.dim() != graph.dim()) {
    throw std::invalid_argument("find_similar_many: queries have dimension " +
                                std::to_string(queries.dim()) + ", the graph has " +
                                std::to_string(graph.dim()));
  }
  check_k_and_threshold("find_similar_many", k, threshold);
}

}  // namespace detail

namespace reference {

float cosine(std::span<const float> a, std::span<const float> b) {
  detail::check_cosine_args(a, b);
  detail::add_work(cosine_pair_work(a.size()));
  return detail::exact_cosine(a.data(), b.data(), a.size());
}

void cosine_batch(std::span<const float> query, const EmbeddingMatrix& candidates,
                  std::span<float> out) {
  detail::check_batch_args(query, candidates, out);
  // Two sums per element (dot and the row's own norm) over dim floats.
  detail::add_work(similarity_work(candidates.dim(), candidates.rows(), 2));
  // The query norm once, then dot and candidate norm per row (the reference
  // does not trust the stored norms: it is what checks them).
  double nq = 0.0;
  for (float x : query) nq += static_cast<double>(x) * x;
  const bool query_ok = detail::usable_squared_norm(nq);
  for (std::size_t i = 0; i < candidates.rows(); ++i) {
    const float* row = candidates.row(i);
    double dot = 0.0, nb = 0.0;
    for (std::size_t j = 0; j < query.size(); ++j) {
      dot += static_cast<double>(query[j]) * row[j];
      nb += static_cast<double>(row[j]) * row[j];
    }
    float score = 0.0f;
    if (query_ok && detail::usable_squared_norm(nb) && std::isfinite(dot)) {
      const double q = dot / (std::sqrt(nq) * std::sqrt(nb));
      if (!std::isnan(q)) score = static_cast<float>(std::clamp(q, -1.0, 1.0));
    }
    out[i] = score;
  }
}

std::vector<Match> find_similar(const MemoryGraph& graph, std::span<const float> query,
                                std::size_t k, float threshold) {
  detail::check_find_similar_args(graph, query, k, threshold);
  const EmbeddingMatrix& memories = graph.embeddings();
  // exact_cosine: three sums per element (dot, query norm, row norm).
  detail::add_work(similarity_work(memories.dim(), memories.rows(), 3));
  std::vector<Match> kept;
  for (std::size_t i = 0; i < memories.rows(); ++i) {
    const float cos = detail::exact_cosine(query.data(), memories.row(i), query.size());
    const float score = std::clamp(cos, 0.0f, 1.0f);
    if (score >= threshold) kept.push_back(Match{static_cast<MemoryId>(i), score});
  }
  std::sort(kept.begin(), kept.end(), detail::ranks_before);
  if (kept.size() > k) kept.resize(k);
  return kept;
}

std::vector<std::vector<Match>> find_similar_many(const MemoryGraph& graph,
                                                  const EmbeddingMatrix& queries, std::size_t k,
                                                  float threshold) {
  detail::check_find_similar_many_args(graph, queries, k, threshold);
  std::vector<std::vector<Match>> results;
  results.reserve(queries.rows());
  for (std::size_t q = 0; q < queries.rows(); ++q) {
    results.push_back(find_similar(graph, queries.row_span(q), k, threshold));
  }
  return results;
}

}  // namespace reference
}  // namespace engram
