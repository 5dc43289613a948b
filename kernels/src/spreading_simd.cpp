// Optimized spreading activation: three kinds of synchronous iteration,
// chosen each iteration from how much of the graph is active.
// - push: w * a[s] is added along the out-edges of the active nodes only
//   (after the threshold often a fraction of the graph) into a dense
//   accumulator;
// - pull: once most edges start at an active node, every node sums its
//   in-edges instead, by code unrolled per in-degree (no per-edge store, no
//   unpredictable branch);
// - both are followed by one SIMD pass over all nodes that fuses the update,
//   saturation, threshold, source clamp, convergence check, clearing of the
//   accumulator and compaction of the next active list;
// - sparse: while the active nodes' edges are a tiny fraction of a large
//   graph, only the nodes they reach are updated and the full pass is skipped.
// Everything runs on "positions" (spread_layout.hpp); the result is mapped
// back to memory ids at the end.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "spread_layout.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "spreading_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace engram {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Compaction of the next active list: AVX-512 and SVE compress 32-bit lanes
// in one instruction (and SVE vectors may hold up to 64 lanes), so they use
// Highway's Compress; AVX2, SSE4 and NEON (at most 8 lanes) use the table below.
#undef ENGRAM_TABLE_COMPRESS
#if HWY_TARGET != HWY_SCALAR && HWY_TARGET > HWY_AVX3 && \
    !(HWY_TARGET & (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128))
#define ENGRAM_TABLE_COMPRESS 1
#else
#define ENGRAM_TABLE_COMPRESS 0
#endif

#if ENGRAM_TABLE_COMPRESS
// kSetLanes[m]: the numbers of the set bits of the 8-bit mask m, lowest
// first, 4 bits each (for compacting up to 8 lanes with one permute).
constexpr std::array<std::uint32_t, 256> MakeSetLanes() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t m = 0; m < 256; ++m) {
    std::uint32_t packed = 0, n = 0;
    for (std::uint32_t lane = 0; lane < 8; ++lane) {
      if (m & (1u << lane)) packed |= lane << (4 * n++);
    }
    table[m] = packed;
  }
  return table;
}
alignas(64) constexpr std::array<std::uint32_t, 256> kSetLanes = MakeSetLanes();
#endif

using PullEdge = detail::SpreadLayout::PullEdge;

HWY_INLINE float PullTerm(const PullEdge& e, const float* HWY_RESTRICT a) {
  return e.weight * a[e.source];
}

// acc[row] = sum of the row's kDegree in-edges, for every row of a group;
// fully unrolled, two partial sums.
template <std::size_t kDegree>
HWY_INLINE void PullGroup(const std::uint32_t* HWY_RESTRICT rows, std::size_t count,
                          const PullEdge* HWY_RESTRICT edges, const float* HWY_RESTRICT a,
                          float* HWY_RESTRICT acc) {
  for (std::size_t r = 0; r < count; ++r, edges += kDegree) {
    float even = 0.0f, odd = 0.0f;
    [&]<std::size_t... k>(std::index_sequence<k...>) {
      (((k % 2 == 0 ? even : odd) += PullTerm(edges[k], a)), ...);
    }(std::make_index_sequence<kDegree>{});
    acc[rows[r]] = even + odd;
  }
}

HWY_INLINE void PullAll(const detail::SpreadLayout& layout, const float* HWY_RESTRICT a,
                        float* HWY_RESTRICT acc) {
  for (const auto& g : layout.pull_groups) {
    const std::uint32_t* rows = layout.pull_rows.data() + g.first_row;
    const PullEdge* edges = layout.pull_edges.data() + g.first_edge;
    switch (g.degree) {
      case 1: PullGroup<1>(rows, g.row_count, edges, a, acc); break;
      case 2: PullGroup<2>(rows, g.row_count, edges, a, acc); break;
      case 3: PullGroup<3>(rows, g.row_count, edges, a, acc); break;
      case 4: PullGroup<4>(rows, g.row_count, edges, a, acc); break;
      case 5: PullGroup<5>(rows, g.row_count, edges, a, acc); break;
      case 6: PullGroup<6>(rows, g.row_count, edges, a, acc); break;
      case 7: PullGroup<7>(rows, g.row_count, edges, a, acc); break;
      case 8: PullGroup<8>(rows, g.row_count, edges, a, acc); break;
      case 9: PullGroup<9>(rows, g.row_count, edges, a, acc); break;
      case 10: PullGroup<10>(rows, g.row_count, edges, a, acc); break;
      case 11: PullGroup<11>(rows, g.row_count, edges, a, acc); break;
      case 12: PullGroup<12>(rows, g.row_count, edges, a, acc); break;
      default:  // rare long rows: a plain loop
        for (std::size_t r = 0; r < g.row_count; ++r, edges += g.degree) {
          float even = 0.0f, odd = 0.0f;
          std::size_t k = 0;
          for (; k + 2 <= g.degree; k += 2) {
            even += PullTerm(edges[k], a);
            odd += PullTerm(edges[k + 1], a);
          }
          if (k < g.degree) even += PullTerm(edges[k], a);
          acc[rows[r]] = even + odd;
        }
    }
  }
}

// acc[t] += w * a[s] along the out-edges of the active nodes. They come in
// position order, so their out-degrees do not increase: predictable loops.
HWY_INLINE void PushActive(const detail::SpreadLayout& layout, const float* HWY_RESTRICT a,
                           float* HWY_RESTRICT acc, const std::uint32_t* HWY_RESTRICT active,
                           std::size_t active_count) {
  const std::uint32_t* HWY_RESTRICT begin = layout.out_begin.data();
  const Edge* HWY_RESTRICT edges = layout.out_edges.data();
  for (std::size_t k = 0; k < active_count; ++k) {
    const std::uint32_t s = active[k];
    const float as = a[s];
    for (std::uint32_t e = begin[s], end = begin[s + 1]; e < end; ++e) {
      acc[edges[e].target] += edges[e].weight * as;
    }
  }
}

// One synchronous iteration. In: a (padded), the active nodes (a > 0, each
// once, ascending), acc all zero. Out: next, acc all zero again, the next
// active nodes ascending (new_active needs padded_nodes + kMaxLanes slots); returns
// how many, max |next - a| in *max_change and their out-edges in *active_edges.
std::size_t FullIteration(const detail::SpreadLayout* HWY_RESTRICT layout, bool pull,
                          const float* HWY_RESTRICT a, float* HWY_RESTRICT next,
                          float* HWY_RESTRICT acc, const float* HWY_RESTRICT source_floor,
                          const std::uint32_t* HWY_RESTRICT active, std::size_t active_count,
                          std::uint32_t* HWY_RESTRICT new_active, float retain, float decay,
                          float threshold, float* HWY_RESTRICT max_change,
                          std::size_t* HWY_RESTRICT active_edges) {
  if (pull) {
    PullAll(*layout, a, acc);
  } else {
    PushActive(*layout, a, acc, active, active_count);
  }

  const hn::ScalableTag<float> d;
  const hn::RebindToUnsigned<decltype(d)> du;
  const std::size_t lanes = hn::Lanes(d);
  const auto retain_v = hn::Set(d, retain);
  const auto decay_v = hn::Set(d, decay);
  const auto threshold_v = hn::Set(d, threshold);
  const auto zero = hn::Zero(d);
  const auto one = hn::Set(d, 1.0f);
  auto change = zero;
  auto edges_of_active = hn::Zero(du);
  const std::uint32_t* HWY_RESTRICT out_degrees = layout->out_degrees.data();
  std::size_t count = 0;
  auto ids = hn::Iota(du, 0);
#if ENGRAM_TABLE_COMPRESS
  const auto nibble_shifts = hn::ShiftLeft<2>(hn::Iota(du, 0));  // 0, 4, 8, ...
#endif
  const auto step = hn::Set(du, static_cast<std::uint32_t>(lanes));
  for (std::size_t i = 0; i < layout->padded_nodes; i += lanes, ids = hn::Add(ids, step)) {
    const auto old = hn::Load(d, a + i);
    const auto sum = hn::Load(d, acc + i);
    hn::Store(zero, d, acc + i);
    auto v = hn::Min(hn::MulAdd(retain_v, old, hn::Mul(decay_v, sum)), one);
    v = hn::IfThenElseZero(hn::Ge(v, threshold_v), v);
    v = hn::Max(v, hn::Load(d, source_floor + i));
    hn::Store(v, d, next + i);
    change = hn::Max(change, hn::Abs(hn::Sub(v, old)));
    const auto now_active = hn::RebindMask(du, hn::Gt(v, zero));
    edges_of_active =
        hn::Add(edges_of_active, hn::IfThenElseZero(now_active, hn::LoadU(du, out_degrees + i)));
#if HWY_TARGET == HWY_SCALAR
    (void)ids;
    new_active[count] = static_cast<std::uint32_t>(i);
    count += hn::CountTrue(du, now_active);
#elif !ENGRAM_TABLE_COMPRESS
    // Compress in registers, then a plain store: the memory form of
    // vpcompressd is microcoded and very slow on AMD Zen 4.
    hn::StoreU(hn::Compress(ids, now_active), du, new_active + count);
    count += hn::CountTrue(du, now_active);
#else
    // This Highway's Compress copies its lookup table on every call on these
    // targets; ours is static: the set lanes' numbers, packed 4 bits each.
    std::uint64_t bits = 0;
    hn::StoreMaskBits(du, now_active, reinterpret_cast<std::uint8_t*>(&bits));
    const auto packed = hn::Set(du, kSetLanes[bits]);
    const auto lane_numbers = hn::And(hn::Shr(packed, nibble_shifts), hn::Set(du, 0xFu));
    hn::StoreU(hn::TableLookupLanes(ids, hn::IndicesFromVec(du, lane_numbers)), du,
               new_active + count);
    count += hn::CountTrue(du, now_active);
#endif
  }
  *max_change = hn::GetLane(hn::MaxOfLanes(d, change));
  *active_edges = hn::GetLane(hn::SumOfLanes(du, edges_of_active));
  return count;
}

}  // namespace HWY_NAMESPACE
}  // namespace engram
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <stdexcept>

#include "aligned_vector.hpp"
#include "engram/spreading.hpp"
#include "simd_dispatch.hpp"
#include "spreading_common.hpp"
#include "work_counters_internal.hpp"

namespace engram {

HWY_EXPORT(FullIteration);

namespace {

// Cost model, measured on this project's machine (1,000 nodes / 5,000
// edges): a sparse iteration costs ~5 ns per edge and per touched node
// (unpredictable branches); a push ~0.7 ns per active edge (a scattered
// read-modify-write); a pull ~0.35 ns per edge of the whole graph; the SIMD
// pass after either ~0.3 ns per node.
constexpr std::size_t kSparseFactor = 16;  // sparse while (active edges + nodes) * 16 < all nodes
constexpr std::size_t kPushNumerator = 1;  // push while active edges < 1/2 of all edges
constexpr std::size_t kPushDenominator = 2;

// The working state of one call: activations (double-buffered), the
// accumulator, the active list, and the bookkeeping of sparse iterations.
class Spreader {
 public:
  Spreader(const detail::SpreadLayout& layout, std::span<const MemoryId> sources)
      : layout_(layout),
        a_(layout.padded_nodes, 0.0f),
        next_(layout.padded_nodes, 0.0f),
        acc_(layout.padded_nodes, 0.0f),
        source_floor_(layout.padded_nodes, 0.0f),
        active_(layout.padded_nodes + detail::SpreadLayout::kMaxLanes),
        next_active_(layout.padded_nodes + detail::SpreadLayout::kMaxLanes),
        touched_flag_(layout.node_count, 0) {
    for (MemoryId id : sources) {
      const std::uint32_t s = layout.position_of[id];
      if (a_[s] == 0.0f) active_[active_count_++] = s;  // each source once
      a_[s] = 1.0f;
      source_floor_[s] = 1.0f;
    }
    std::sort(active_.begin(), active_.begin() + static_cast<std::ptrdiff_t>(active_count_));
    count_active_edges();
  }

  float iterate(float retain, float decay, float threshold) {
    if ((active_edges_ + active_count_) * kSparseFactor < layout_.node_count) {
      return sparse_iteration(retain, decay, threshold);
    }
    if (sparse_order_dirty_) {  // full iterations want the active list ascending
      std::sort(active_.begin(), active_.begin() + static_cast<std::ptrdiff_t>(active_count_));
      sparse_order_dirty_ = false;
    }
    const bool pull = active_edges_ * kPushDenominator >= layout_.edge_count * kPushNumerator;
    // The work of a full iteration: the active nodes' out-edges (push) or all
    // edges (pull), then the SIMD pass over every padded node.
    edges_relaxed_ += pull ? layout_.edge_count : active_edges_;
    nodes_updated_ += layout_.padded_nodes;
    float max_change = 0.0f;
    active_count_ = HWY_DISPATCH_TABLE(FullIteration)[index_](
        &layout_, pull, a_.data(), next_.data(), acc_.data(), source_floor_.data(), active_.data(),
        active_count_, next_active_.data(), retain, decay, threshold, &max_change, &active_edges_);
    a_.swap(next_);
    active_.swap(next_active_);
    return max_change;
  }

  // The work of every iteration so far (work_counters.hpp).
  WorkCounts work() const { return spreading_work(nodes_updated_, edges_relaxed_); }

  // The activations by memory id.
  std::vector<float> activation() const {
    std::vector<float> by_id(layout_.node_count);
    for (std::size_t id = 0; id < layout_.node_count; ++id) by_id[id] = a_[layout_.position_of[id]];
    return by_id;
  }

 private:
  void count_active_edges() {
    active_edges_ = 0;
    for (std::size_t k = 0; k < active_count_; ++k) active_edges_ += layout_.out_degree(active_[k]);
  }

  // Updates only the active nodes and their out-neighbours, in place: every
  // sum is complete (from the old values) before any node changes.
  float sparse_iteration(float retain, float decay, float threshold) {
    edges_relaxed_ += active_edges_;  // the out-edges of the active nodes, each once
    touched_.clear();
    for (std::size_t k = 0; k < active_count_; ++k) touch(active_[k]);
    for (std::size_t k = 0; k < active_count_; ++k) {
      const std::uint32_t s = active_[k];
      const float as = a_[s];
      for (std::uint32_t e = layout_.out_begin[s]; e < layout_.out_begin[s + 1]; ++e) {
        const Edge& edge = layout_.out_edges[e];
        acc_[edge.target] += edge.weight * as;
        touch(edge.target);
      }
    }
    float max_change = 0.0f;
    nodes_updated_ += touched_.size();  // only the active nodes and their out-neighbours
    active_count_ = 0;
    active_edges_ = 0;
    sparse_order_dirty_ = true;
    for (std::uint32_t t : touched_) {
      float v = std::min(retain * a_[t] + decay * acc_[t], 1.0f);
      if (!(v >= threshold)) v = 0.0f;
      v = std::max(v, source_floor_[t]);
      max_change = std::max(max_change, std::fabs(v - a_[t]));
      a_[t] = v;
      acc_[t] = 0.0f;
      touched_flag_[t] = 0;
      if (v > 0.0f) {
        active_[active_count_++] = t;
        active_edges_ += layout_.out_degree(t);
      }
    }
    return max_change;
  }

  void touch(std::uint32_t node) {
    if (!touched_flag_[node]) {
      touched_flag_[node] = 1;
      touched_.push_back(node);
    }
  }

  const detail::SpreadLayout& layout_;
  const std::size_t index_ = detail::dispatch_index();
  detail::AlignedVector<float> a_, next_, acc_, source_floor_;
  std::vector<std::uint32_t> active_, next_active_;
  std::size_t active_count_ = 0;
  std::size_t active_edges_ = 0;
  bool sparse_order_dirty_ = false;
  std::size_t edges_relaxed_ = 0;  // summed over the iterations, added to the counters once
  std::size_t nodes_updated_ = 0;
  std::vector<std::uint8_t> touched_flag_;
  std::vector<std::uint32_t> touched_;
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
  Spreader spreader(layout, sources);
  SpreadResult result;
  for (std::uint32_t it = 1; it <= params.max_iterations; ++it) {
    const float max_change = spreader.iterate(params.retain, params.decay, params.threshold);
    result.iterations = it;
    if (max_change < params.epsilon) {
      result.converged = true;
      break;
    }
  }
  detail::add_work(spreader.work());
  result.activation = spreader.activation();
  return result;
}

}  // namespace optimized
}  // namespace engram
#endif  // HWY_ONCE
