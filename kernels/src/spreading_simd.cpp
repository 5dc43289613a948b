// Optimized spreading activation.
//
// Two kinds of iteration, chosen by how much of the graph is active:
// - sparse (push): while the active nodes' outgoing edges are few, only they
//   are walked, into an accumulator touched only where it receives something;
// - dense (pull): once activity has spread, every node pulls over the sliced
//   incoming layout (spread_layout.hpp) with SIMD gathers, fusing the update,
//   saturation, threshold, source clamp and convergence check in one pass.
// Both work in "position" order (nodes sorted by in-degree); the result is
// mapped back to memory ids at the end.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "spread_layout.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "spreading_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace engram {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One synchronous dense iteration: next = f(a) for every position; returns
// max |next - a|. source_floor is 1 at sources and 0 elsewhere, so max(v,
// floor) pins sources at 1 without a branch.
float DenseIteration(const detail::SpreadLayout* HWY_RESTRICT layout, const float* HWY_RESTRICT a,
                     float* HWY_RESTRICT next, const float* HWY_RESTRICT source_floor,
                     float retain, float decay, float threshold) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const std::size_t lanes = hn::Lanes(d);
  constexpr std::size_t kRows = detail::kSliceRows;
  const auto retain_v = hn::Set(d, retain);
  const auto decay_v = hn::Set(d, decay);
  const auto threshold_v = hn::Set(d, threshold);
  const auto one = hn::Set(d, 1.0f);
  auto max_change = hn::Zero(d);

  const std::size_t* HWY_RESTRICT slice_begin = layout->slice_begin.data();
  const std::int32_t* HWY_RESTRICT sources = layout->slice_sources.data();
  const float* HWY_RESTRICT weights = layout->slice_weights.data();
  const std::size_t slices = layout->slice_count();
  for (std::size_t s = 0; s < slices; ++s) {
    const std::size_t begin = slice_begin[s];
    const std::size_t degree = (slice_begin[s + 1] - begin) / kRows;
    for (std::size_t r = 0; r < kRows; r += lanes) {
      const std::int32_t* HWY_RESTRICT idx = sources + begin + r;
      const float* HWY_RESTRICT w = weights + begin + r;
      auto sum = hn::Zero(d);
      for (std::size_t j = 0; j < degree; ++j) {
        const auto neighbours = hn::GatherIndex(d, a, hn::Load(di, idx + j * kRows));
        sum = hn::MulAdd(hn::Load(d, w + j * kRows), neighbours, sum);
      }
      const std::size_t base = s * kRows + r;
      const auto old = hn::Load(d, a + base);
      auto v = hn::Min(hn::MulAdd(retain_v, old, hn::Mul(decay_v, sum)), one);
      v = hn::IfThenElseZero(hn::Ge(v, threshold_v), v);
      v = hn::Max(v, hn::Load(d, source_floor + base));
      hn::Store(v, d, next + base);
      max_change = hn::Max(max_change, hn::Abs(hn::Sub(v, old)));
    }
  }
  return hn::GetLane(hn::MaxOfLanes(d, max_change));
}

}  // namespace HWY_NAMESPACE
}  // namespace engram
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <stdexcept>

#include "engram/spreading.hpp"
#include "simd_dispatch.hpp"
#include "spreading_common.hpp"
#include "work_counters_internal.hpp"

namespace engram {

HWY_EXPORT(DenseIteration);

namespace {

// Sparse iterations cost a scalar scatter per edge (plus bookkeeping per
// touched node); a dense one costs a gathered lane per padded edge. Stay
// sparse while the active nodes' out-edges are under this share of the
// padded edges.
constexpr std::size_t kSparseEdgeFactor = 6;

class SparseFrontier {
 public:
  SparseFrontier(const detail::SpreadLayout& layout)
      : layout_(layout), incoming_(layout.node_count, 0.0f), touched_flag_(layout.node_count, 0) {}

  void start(std::span<const std::uint32_t> positions) {
    for (std::uint32_t p : positions) {
      if (touched_flag_[p]) continue;
      touched_flag_[p] = 1;
      active_.push_back(p);
      active_out_edges_ += out_degree(p);
    }
    for (std::uint32_t p : active_) touched_flag_[p] = 0;
  }

  bool worth_it() const {
    return active_out_edges_ * kSparseEdgeFactor < layout_.padded_edge_count() + layout_.node_count;
  }

  // One iteration in place on `a` (every incoming sum is gathered from the old
  // values before any node is updated); returns max |next - a|.
  float iterate(float* a, const float* source_floor, float retain, float decay, float threshold) {
    touched_.clear();
    for (std::uint32_t p : active_) touch(p);
    for (std::uint32_t p : active_) {
      const float ap = a[p];
      for (std::uint32_t e = layout_.out_begin[p]; e < layout_.out_begin[p + 1]; ++e) {
        const std::uint32_t t = layout_.out_targets[e];
        incoming_[t] += layout_.out_weights[e] * ap;
        touch(t);
      }
    }
    float max_change = 0.0f;
    active_.clear();
    active_out_edges_ = 0;
    for (std::uint32_t t : touched_) {
      float v = std::min(retain * a[t] + decay * incoming_[t], 1.0f);
      if (!(v >= threshold)) v = 0.0f;
      v = std::max(v, source_floor[t]);
      max_change = std::max(max_change, std::fabs(v - a[t]));
      a[t] = v;
      incoming_[t] = 0.0f;
      touched_flag_[t] = 0;
      if (v > 0.0f) {
        active_.push_back(t);
        active_out_edges_ += out_degree(t);
      }
    }
    return max_change;
  }

 private:
  std::size_t out_degree(std::uint32_t p) const {
    return layout_.out_begin[p + 1] - layout_.out_begin[p];
  }
  void touch(std::uint32_t p) {
    if (!touched_flag_[p]) {
      touched_flag_[p] = 1;
      touched_.push_back(p);
    }
  }

  const detail::SpreadLayout& layout_;
  std::vector<float> incoming_;
  std::vector<std::uint8_t> touched_flag_;
  std::vector<std::uint32_t> active_, touched_;
  std::size_t active_out_edges_ = 0;
};

}  // namespace

namespace optimized {

SpreadResult spread_activation(const MemoryGraph& graph, std::span<const MemoryId> sources,
                               const SpreadParams& params) {
  detail::check_spread_args(graph, sources, params);
  if (!graph.frozen() || graph.spread_layout() == nullptr) {
    throw std::logic_error("optimized::spread_activation: the graph is not frozen (call freeze())");
  }
  const detail::SpreadLayout& layout = *graph.spread_layout();
  const auto dense_iteration = HWY_DISPATCH_TABLE(DenseIteration)[detail::dispatch_index()];

  const std::size_t padded = layout.padded_nodes;
  detail::AlignedVector<float> a(padded, 0.0f), next(padded, 0.0f), source_floor(padded, 0.0f);
  std::vector<std::uint32_t> source_positions;
  source_positions.reserve(sources.size());
  for (MemoryId s : sources) {
    const std::uint32_t p = layout.position_of[s];
    a[p] = 1.0f;
    source_floor[p] = 1.0f;
    source_positions.push_back(p);
  }

  SparseFrontier frontier(layout);
  frontier.start(source_positions);
  bool dense = !frontier.worth_it();

  SpreadResult result;
  for (std::uint32_t it = 1; it <= params.max_iterations; ++it) {
    float max_change;
    if (!dense) {
      max_change = frontier.iterate(a.data(), source_floor.data(), params.retain, params.decay,
                                    params.threshold);
      dense = !frontier.worth_it();
    } else {
      max_change = dense_iteration(&layout, a.data(), next.data(), source_floor.data(),
                                   params.retain, params.decay, params.threshold);
      a.swap(next);
    }
    result.iterations = it;
    if (max_change < params.epsilon) {
      result.converged = true;
      break;
    }
  }
  detail::add_work(spreading_work(layout.node_count, layout.edge_count, result.iterations));

  result.activation.resize(layout.node_count);
  for (std::size_t id = 0; id < layout.node_count; ++id) {
    result.activation[id] = a[layout.position_of[id]];
  }
  return result;
}

}  // namespace optimized
}  // namespace engram
#endif  // HWY_ONCE
