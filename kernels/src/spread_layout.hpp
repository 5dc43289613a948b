#pragma once
// The optimized spreading kernel's view of a frozen graph (private to the
// kernels library), built once by MemoryGraph::freeze().
//
// Nodes are renumbered ("positions") by out-degree, largest first. The edges
// are stored twice:
// - push: each position's out-edges, contiguous (CSR). Walking the active
//   nodes in position order then meets their out-degrees in non-increasing
//   order, so the inner loop's exit branch is predictable.
// - pull: rows (positions) grouped by in-degree, each row's in-edges as
//   (source position, weight) pairs. A group of degree d is summed by code
//   unrolled for d: no inner loop at all.
//
// Why not SIMD gathers: hardware gathers measured on the target machine
// (AVX2 0.53 ns, AVX-512 0.73 ns per element, L1-resident) cost more than a
// whole scalar pull step (~0.3 ns per edge).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engram/memory_graph.hpp"

namespace engram::detail {

struct SpreadLayout {
  std::size_t node_count = 0;
  // The most float lanes a vector of any target may hold: 16 with AVX-512,
  // up to 64 with SVE (its length is the CPU's, from 128 to 2048 bits).
  static constexpr std::size_t kMaxLanes = 64;
  std::size_t padded_nodes = 0;             // node_count rounded up to kMaxLanes: whole SIMD vectors
  std::size_t edge_count = 0;
  std::vector<MemoryId> node_at;            // position -> memory id
  std::vector<std::uint32_t> position_of;   // memory id -> position

  std::vector<std::uint32_t> out_begin;     // node_count + 1 entries, by position
  std::vector<Edge> out_edges;              // targets are positions
  std::vector<std::uint32_t> out_degrees;   // padded_nodes entries (0 in the padding)

  struct RowGroup {
    std::uint32_t degree;                   // in-degree of every row of the group (>= 1)
    std::size_t first_row;                  // index into pull_rows
    std::size_t row_count;
    std::size_t first_edge;                 // index into pull_edges
  };
  std::vector<RowGroup> pull_groups;
  std::vector<std::uint32_t> pull_rows;     // positions with in-degree >= 1, by group
  struct PullEdge {
    std::uint32_t source;                   // a position
    float weight;
  };
  std::vector<PullEdge> pull_edges;

  std::size_t out_degree(std::size_t position) const noexcept {
    return out_begin[position + 1] - out_begin[position];
  }
};

std::shared_ptr<const SpreadLayout> build_spread_layout(
    const std::vector<std::vector<Edge>>& out_edges, std::size_t edge_count);

}  // namespace engram::detail
