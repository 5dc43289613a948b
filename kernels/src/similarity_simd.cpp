// Optimized similarity: Highway SIMD, compiled once per target and chosen at
// run time. Dot products accumulate in float lanes (several rows per pass,
// one accumulator per row), candidate norms come from the matrix (computed in
// double when the row was stored). Anything unusual -- a norm that is zero,
// tiny, huge, NaN or Inf, a non-finite dot -- goes to the exact double path, so
// edge cases follow the contract bit for bit.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "similarity_common.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "similarity_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace engram {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using detail::kMinFastSquaredNorm;

// out3 = {sum a*b, sum a*a, sum b*b} over n floats at any address.
void DotAndNorms(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, std::size_t n,
                 float* HWY_RESTRICT out3) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  auto dot0 = hn::Zero(d), dot1 = hn::Zero(d);
  auto na0 = hn::Zero(d), na1 = hn::Zero(d);
  auto nb0 = hn::Zero(d), nb1 = hn::Zero(d);
  std::size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto a0 = hn::LoadU(d, a + i), a1 = hn::LoadU(d, a + i + lanes);
    const auto b0 = hn::LoadU(d, b + i), b1 = hn::LoadU(d, b + i + lanes);
    dot0 = hn::MulAdd(a0, b0, dot0);
    dot1 = hn::MulAdd(a1, b1, dot1);
    na0 = hn::MulAdd(a0, a0, na0);
    na1 = hn::MulAdd(a1, a1, na1);
    nb0 = hn::MulAdd(b0, b0, nb0);
    nb1 = hn::MulAdd(b1, b1, nb1);
  }
  for (; i + lanes <= n; i += lanes) {
    const auto a0 = hn::LoadU(d, a + i), b0 = hn::LoadU(d, b + i);
    dot0 = hn::MulAdd(a0, b0, dot0);
    na0 = hn::MulAdd(a0, a0, na0);
    nb0 = hn::MulAdd(b0, b0, nb0);
  }
  float dot = hn::GetLane(hn::SumOfLanes(d, hn::Add(dot0, dot1)));
  float na = hn::GetLane(hn::SumOfLanes(d, hn::Add(na0, na1)));
  float nb = hn::GetLane(hn::SumOfLanes(d, hn::Add(nb0, nb1)));
  for (; i < n; ++i) {  // the last < lanes components: never read past the spans
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  out3[0] = dot;
  out3[1] = na;
  out3[2] = nb;
}

// Sum of squares of a padded vector (n a multiple of 16, 64-byte aligned).
float SquaredNormPadded(const float* HWY_RESTRICT v, std::size_t n) {
  const hn::ScalableTag<float> d;
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto x0 = hn::Load(d, v + i), x1 = hn::Load(d, v + i + lanes);
    s0 = hn::MulAdd(x0, x0, s0);
    s1 = hn::MulAdd(x1, x1, s1);
  }
  for (; i < n; i += lanes) {
    const auto x0 = hn::Load(d, v + i);
    s0 = hn::MulAdd(x0, x0, s0);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
}

// dots[i] = query . row i for rows [0, n). The query is zero-padded to the
// stride and every row starts on a 64-byte boundary, so whole vectors are
// loaded with no tail. Four rows per pass share each query load and keep four
// independent FMA chains (and four memory streams) in flight.
void DotRows(const float* HWY_RESTRICT query, const float* HWY_RESTRICT rows, std::size_t stride,
             std::size_t n, float* HWY_RESTRICT dots) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float* HWY_RESTRICT r0 = rows + i * stride;
    const float* HWY_RESTRICT r1 = r0 + stride;
    const float* HWY_RESTRICT r2 = r1 + stride;
    const float* HWY_RESTRICT r3 = r2 + stride;
    auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
    for (std::size_t k = 0; k < stride; k += lanes) {
      const auto q = hn::Load(d, query + k);
      s0 = hn::MulAdd(hn::Load(d, r0 + k), q, s0);
      s1 = hn::MulAdd(hn::Load(d, r1 + k), q, s1);
      s2 = hn::MulAdd(hn::Load(d, r2 + k), q, s2);
      s3 = hn::MulAdd(hn::Load(d, r3 + k), q, s3);
    }
    dots[i] = hn::GetLane(hn::SumOfLanes(d, s0));
    dots[i + 1] = hn::GetLane(hn::SumOfLanes(d, s1));
    dots[i + 2] = hn::GetLane(hn::SumOfLanes(d, s2));
    dots[i + 3] = hn::GetLane(hn::SumOfLanes(d, s3));
  }
  for (; i < n; ++i) {
    const float* HWY_RESTRICT r0 = rows + i * stride;
    auto s0 = hn::Zero(d);
    for (std::size_t k = 0; k < stride; k += lanes) {
      s0 = hn::MulAdd(hn::Load(d, r0 + k), hn::Load(d, query + k), s0);
    }
    dots[i] = hn::GetLane(hn::SumOfLanes(d, s0));
  }
}

// In place: scores[i] (holding dot i) becomes clamp(dot / (query_norm *
// sqrt(sq_norms[i])), -1, 1), or NaN when row i needs the exact path.
// Returns how many rows need it.
std::size_t FinishScores(float* HWY_RESTRICT scores, const float* HWY_RESTRICT sq_norms,
                         std::size_t n, float query_norm) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto qn = hn::Set(d, query_norm);
  const auto lo = hn::Set(d, kMinFastSquaredNorm);
  const auto hi = hn::Set(d, std::numeric_limits<float>::max());
  const auto neg_one = hn::Set(d, -1.0f), one = hn::Set(d, 1.0f);
  const auto nan = hn::Set(d, std::numeric_limits<float>::quiet_NaN());
  std::size_t flagged = 0;
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto dot = hn::LoadU(d, scores + i);
    const auto nb = hn::LoadU(d, sq_norms + i);
    // NaN fails every comparison, so NaN norms and dots are caught here too.
    const auto ok = hn::And(hn::And(hn::Ge(nb, lo), hn::Le(nb, hi)), hn::Le(hn::Abs(dot), hi));
    const auto q = hn::Div(dot, hn::Mul(qn, hn::Sqrt(nb)));
    const auto score = hn::Min(hn::Max(q, neg_one), one);
    hn::StoreU(hn::IfThenElse(ok, score, nan), d, scores + i);
    flagged += lanes - hn::CountTrue(d, ok);
  }
  for (; i < n; ++i) {
    const float dot = scores[i], nb = sq_norms[i];
    if (nb >= kMinFastSquaredNorm && nb <= std::numeric_limits<float>::max() &&
        std::fabs(dot) <= std::numeric_limits<float>::max()) {
      scores[i] = std::clamp(dot / (query_norm * std::sqrt(nb)), -1.0f, 1.0f);
    } else {
      scores[i] = std::numeric_limits<float>::quiet_NaN();
      ++flagged;
    }
  }
  return flagged;
}

}  // namespace HWY_NAMESPACE
}  // namespace engram
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "aligned_vector.hpp"
#include "engram/similarity.hpp"
#include "simd_dispatch.hpp"
#include "similarity_common.hpp"
#include "work_counters_internal.hpp"

namespace engram {

HWY_EXPORT(DotAndNorms);
HWY_EXPORT(SquaredNormPadded);
HWY_EXPORT(DotRows);
HWY_EXPORT(FinishScores);

namespace {

// The extra work of re-scoring `rows` flagged rows by exact_cosine: three
// sums over dim floats each; the candidates were already counted.
WorkCounts rescored_work(std::size_t dim, std::size_t rows) {
  WorkCounts extra = similarity_work(dim, rows, 3);
  extra.candidates_scored = 0;
  return extra;
}

bool fast_squared_norm(float sq) {
  return sq >= detail::kMinFastSquaredNorm && sq <= detail::kMaxFastSquaredNorm;
}

// Scores every row of `matrix` against `query` into out (n floats); returns
// the work done (work_counters.hpp): the fast path reads each padded row and
// its stored squared norm; rows scored by exact_cosine (a bad query, or a
// flagged score) cost three sums over dim floats more.
WorkCounts score_rows(std::span<const float> query, const EmbeddingMatrix& matrix, float* out) {
  const std::size_t n = matrix.rows();
  if (n == 0) return {};
  const std::size_t index = detail::dispatch_index();
  // A zero-padded, aligned copy of the query, so rows and query load alike.
  thread_local detail::AlignedVector<float> padded;
  padded.assign(matrix.stride(), 0.0f);
  std::copy(query.begin(), query.end(), padded.begin());

  const float sq_query = HWY_DISPATCH_TABLE(SquaredNormPadded)[index](padded.data(), padded.size());
  if (!fast_squared_norm(sq_query)) {
    // Zero, tiny, huge or non-finite query: every score takes the exact path.
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = detail::exact_cosine(query.data(), matrix.row(i), query.size());
    }
    return similarity_work(matrix.dim(), n, 3);
  }
  HWY_DISPATCH_TABLE(DotRows)[index](padded.data(), matrix.data(), matrix.stride(), n, out);
  const std::size_t flagged = HWY_DISPATCH_TABLE(FinishScores)[index](
      out, matrix.squared_norms().data(), n, std::sqrt(sq_query));
  WorkCounts work = similarity_work(matrix.stride(), n, 1, sizeof(float));
  if (flagged == 0) return work;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(out[i])) out[i] = detail::exact_cosine(query.data(), matrix.row(i), query.size());
  }
  return work + rescored_work(matrix.dim(), flagged);
}

// The k best of scores offered in ascending id order: a heap whose top is the
// worst kept match. A later equal score never displaces an earlier one (ids
// ascend), and most candidates are rejected by a single comparison.
class TopK {
 public:
  TopK(std::size_t k, float threshold, std::size_t candidates) : k_(k), threshold_(threshold) {
    heap_.reserve(std::min(k, candidates));
  }

  void offer(std::size_t id, float cosine) {
    const float score = std::clamp(cosine, 0.0f, 1.0f);
    if (!(score >= threshold_)) return;
    if (heap_.size() < k_) {
      heap_.push_back(Match{static_cast<MemoryId>(id), score});
      std::push_heap(heap_.begin(), heap_.end(), detail::ranks_before);
    } else if (score > heap_.front().score) {
      std::pop_heap(heap_.begin(), heap_.end(), detail::ranks_before);
      heap_.back() = Match{static_cast<MemoryId>(id), score};
      std::push_heap(heap_.begin(), heap_.end(), detail::ranks_before);
    }
  }

  // Best first; leaves the object empty.
  std::vector<Match> take() {
    std::sort_heap(heap_.begin(), heap_.end(), detail::ranks_before);
    return std::move(heap_);
  }

 private:
  std::size_t k_;
  float threshold_;
  std::vector<Match> heap_;
};

}  // namespace

namespace optimized {

float cosine(std::span<const float> a, std::span<const float> b) {
  detail::check_cosine_args(a, b);
  detail::add_work(cosine_pair_work(a.size()));
  float sums[3];
  HWY_DISPATCH_TABLE(DotAndNorms)[detail::dispatch_index()](a.data(), b.data(), a.size(), sums);
  const float dot = sums[0], na = sums[1], nb = sums[2];
  if (fast_squared_norm(na) && fast_squared_norm(nb) && std::isfinite(dot)) {
    return std::clamp(dot / (std::sqrt(na) * std::sqrt(nb)), -1.0f, 1.0f);
  }
  return detail::exact_cosine(a.data(), b.data(), a.size());
}

void cosine_batch(std::span<const float> query, const EmbeddingMatrix& candidates,
                  std::span<float> out) {
  detail::check_batch_args(query, candidates, out);
  detail::add_work(score_rows(query, candidates, out.data()));
}

std::vector<Match> find_similar(const MemoryGraph& graph, std::span<const float> query,
                                std::size_t k, float threshold) {
  detail::check_find_similar_args(graph, query, k, threshold);
  const EmbeddingMatrix& memories = graph.embeddings();
  const std::size_t n = memories.rows();
  thread_local detail::AlignedVector<float> scores;
  scores.resize(n);
  detail::add_work(score_rows(query, memories, scores.data()));
  TopK top(k, threshold, n);
  for (std::size_t i = 0; i < n; ++i) top.offer(i, scores[i]);
  return top.take();
}

std::vector<std::vector<Match>> find_similar_many(const MemoryGraph& graph,
                                                  const EmbeddingMatrix& queries, std::size_t k,
                                                  float threshold) {
  detail::check_find_similar_many_args(graph, queries, k, threshold);
  const EmbeddingMatrix& memories = graph.embeddings();
  const std::size_t n = memories.rows();
  const std::size_t nq = queries.rows();
  const std::size_t dim = memories.dim();
  const std::size_t stride = memories.stride();  // queries.stride() too: same dim, same padding
  WorkCounts work;  // added once, at the end
  std::vector<TopK> tops(nq, TopK(k, threshold, n));
  if (n > 0 && nq > 0) {
    const std::size_t index = detail::dispatch_index();
    // Each query's squared norm, as score_rows takes it from its padded copy
    // (query rows are already zero-padded and aligned).
    std::vector<float> query_norm(nq);
    std::vector<bool> exact(nq);
    for (std::size_t q = 0; q < nq; ++q) {
      const float sq = HWY_DISPATCH_TABLE(SquaredNormPadded)[index](queries.row(q), stride);
      exact[q] = !fast_squared_norm(sq);
      query_norm[q] = std::sqrt(sq);
      // Per query, as score_rows counts one call (every row, whatever block it is in).
      work += exact[q] ? similarity_work(dim, n, 3) : similarity_work(stride, n, 1, sizeof(float));
    }
    // A block of memories small enough to stay in L2 (256 KiB of a 1 MiB L2
    // here) is scored against every query before the next block is read, so
    // the matrix comes from DRAM once instead of once per query. Each score is
    // computed exactly as find_similar computes it (same accumulation order),
    // and blocks arrive in id order, so the answers are identical.
    const std::size_t block_rows = std::max<std::size_t>(16, (256u << 10) / (stride * sizeof(float)));
    thread_local detail::AlignedVector<float> scores;
    scores.resize(block_rows);
    for (std::size_t first = 0; first < n; first += block_rows) {
      const std::size_t rows = std::min(block_rows, n - first);
      for (std::size_t q = 0; q < nq; ++q) {
        float* out = scores.data();
        const float* query = queries.row(q);
        if (exact[q]) {
          for (std::size_t i = 0; i < rows; ++i) out[i] = detail::exact_cosine(query, memories.row(first + i), dim);
        } else {
          HWY_DISPATCH_TABLE(DotRows)[index](query, memories.row(first), stride, rows, out);
          const std::size_t flagged = HWY_DISPATCH_TABLE(FinishScores)[index](
              out, memories.squared_norms().data() + first, rows, query_norm[q]);
          for (std::size_t i = 0; flagged > 0 && i < rows; ++i) {
            if (std::isnan(out[i])) out[i] = detail::exact_cosine(query, memories.row(first + i), dim);
          }
          if (flagged > 0) work += rescored_work(dim, flagged);
        }
        for (std::size_t i = 0; i < rows; ++i) tops[q].offer(first + i, out[i]);
      }
    }
  }
  detail::add_work(work);
  std::vector<std::vector<Match>> results;
  results.reserve(nq);
  for (TopK& top : tops) results.push_back(top.take());
  return results;
}

}  // namespace optimized
}  // namespace engram
#endif  // HWY_ONCE
