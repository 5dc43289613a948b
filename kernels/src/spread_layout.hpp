#pragma once
// The optimized spreading kernel's view of a frozen graph (private to the
// kernels library). Built once by MemoryGraph::freeze().
//
// Nodes are renumbered ("positions") by descending in-degree, so that rows of
// similar length sit together, and cut into slices of kSliceRows consecutive
// positions. Each slice stores its incoming edges column by column (sliced
// ELLPACK): entry j of row r of slice s is at slice_begin[s] + j * kSliceRows + r.
// Rows shorter than the slice's longest are padded with weight 0 pointing at
// position 0, so a SIMD lane per row can run the whole slice without branches:
// one index load, one gather, one weight load and one FMA per kSliceRows edges.
//
// The outgoing edges are kept in CSR over positions too, for the sparse
// (push) iterations used while only a few nodes are active.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "aligned_vector.hpp"
#include "engram/memory_graph.hpp"

namespace engram::detail {

inline constexpr std::size_t kSliceRows = 16;

struct SpreadLayout {
  std::size_t node_count = 0;
  std::size_t padded_nodes = 0;              // node_count rounded up to kSliceRows
  std::size_t edge_count = 0;
  std::vector<MemoryId> node_at;             // position -> memory id
  std::vector<std::uint32_t> position_of;    // memory id -> position

  std::vector<std::size_t> slice_begin;      // padded_nodes / kSliceRows + 1 entries
  AlignedVector<std::int32_t> slice_sources; // source positions
  AlignedVector<float> slice_weights;

  std::vector<std::uint32_t> out_begin;      // node_count + 1 entries, by position
  std::vector<std::uint32_t> out_targets;    // target positions
  std::vector<float> out_weights;

  std::size_t slice_count() const noexcept { return padded_nodes / kSliceRows; }
  std::size_t padded_edge_count() const noexcept { return slice_sources.size(); }
};

std::shared_ptr<const SpreadLayout> build_spread_layout(const IncomingCsr& incoming,
                                                        std::size_t edge_count);

}  // namespace engram::detail
