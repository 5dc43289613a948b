#include "spread_layout.hpp"

#include <algorithm>
#include <numeric>

namespace engram::detail {

std::shared_ptr<const SpreadLayout> build_spread_layout(const IncomingCsr& incoming,
                                                        std::size_t edge_count) {
  auto layout = std::make_shared<SpreadLayout>();
  const std::size_t n = incoming.offsets.empty() ? 0 : incoming.offsets.size() - 1;
  layout->node_count = n;
  layout->edge_count = edge_count;
  layout->padded_nodes = (n + kSliceRows - 1) / kSliceRows * kSliceRows;

  auto in_degree = [&](std::size_t t) { return incoming.offsets[t + 1] - incoming.offsets[t]; };

  // Positions by in-degree, longest first (ties by id, so the layout is deterministic).
  layout->node_at.resize(n);
  std::iota(layout->node_at.begin(), layout->node_at.end(), MemoryId{0});
  std::stable_sort(layout->node_at.begin(), layout->node_at.end(),
                   [&](MemoryId a, MemoryId b) { return in_degree(a) > in_degree(b); });
  layout->position_of.resize(n);
  for (std::size_t p = 0; p < n; ++p) layout->position_of[layout->node_at[p]] = static_cast<std::uint32_t>(p);

  // Sliced ELLPACK of the incoming edges.
  const std::size_t slices = layout->slice_count();
  layout->slice_begin.assign(slices + 1, 0);
  for (std::size_t s = 0; s < slices; ++s) {
    const std::size_t first = s * kSliceRows;
    // Sorted by degree, so the first row of a slice is its longest.
    const std::size_t longest = first < n ? in_degree(layout->node_at[first]) : 0;
    layout->slice_begin[s + 1] = layout->slice_begin[s] + longest * kSliceRows;
  }
  layout->slice_sources.assign(layout->slice_begin[slices], 0);
  layout->slice_weights.assign(layout->slice_begin[slices], 0.0f);
  for (std::size_t s = 0; s < slices; ++s) {
    for (std::size_t r = 0; r < kSliceRows; ++r) {
      const std::size_t p = s * kSliceRows + r;
      if (p >= n) break;
      const MemoryId t = layout->node_at[p];
      const std::size_t begin = incoming.offsets[t];
      const std::size_t degree = in_degree(t);
      for (std::size_t j = 0; j < degree; ++j) {
        const std::size_t slot = layout->slice_begin[s] + j * kSliceRows + r;
        layout->slice_sources[slot] =
            static_cast<std::int32_t>(layout->position_of[incoming.sources[begin + j]]);
        layout->slice_weights[slot] = incoming.weights[begin + j];
      }
    }
  }

  // Outgoing CSR over positions (the transpose of the incoming edges).
  layout->out_begin.assign(n + 1, 0);
  for (std::size_t e = 0; e < edge_count; ++e) {
    ++layout->out_begin[layout->position_of[incoming.sources[e]] + 1];
  }
  for (std::size_t p = 0; p < n; ++p) layout->out_begin[p + 1] += layout->out_begin[p];
  layout->out_targets.resize(edge_count);
  layout->out_weights.resize(edge_count);
  std::vector<std::uint32_t> cursor(layout->out_begin.begin(), layout->out_begin.end() - 1);
  for (std::size_t p = 0; p < n; ++p) {
    const MemoryId t = layout->node_at[p];
    for (std::size_t e = incoming.offsets[t]; e < incoming.offsets[t + 1]; ++e) {
      const std::uint32_t slot = cursor[layout->position_of[incoming.sources[e]]]++;
      layout->out_targets[slot] = static_cast<std::uint32_t>(p);
      layout->out_weights[slot] = incoming.weights[e];
    }
  }
  return layout;
}

}  // namespace engram::detail
