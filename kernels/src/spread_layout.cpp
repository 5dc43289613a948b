#include "spread_layout.hpp"

#include <algorithm>
#include <numeric>

namespace engram::detail {

std::shared_ptr<const SpreadLayout> build_spread_layout(
    const std::vector<std::vector<Edge>>& out_edges, std::size_t edge_count) {
  auto layout = std::make_shared<SpreadLayout>();
  SpreadLayout& l = *layout;
  const std::size_t n = out_edges.size();
  l.node_count = n;
  l.padded_nodes = (n + SpreadLayout::kMaxLanes - 1) / SpreadLayout::kMaxLanes * SpreadLayout::kMaxLanes;
  l.edge_count = edge_count;

  // Positions by out-degree, largest first (ties by id: deterministic).
  l.node_at.resize(n);
  std::iota(l.node_at.begin(), l.node_at.end(), MemoryId{0});
  std::stable_sort(l.node_at.begin(), l.node_at.end(), [&](MemoryId x, MemoryId y) {
    return out_edges[x].size() > out_edges[y].size();
  });
  l.position_of.resize(n);
  for (std::size_t p = 0; p < n; ++p) l.position_of[l.node_at[p]] = static_cast<std::uint32_t>(p);

  // Push view.
  l.out_begin.reserve(n + 1);
  l.out_edges.reserve(edge_count);
  l.out_begin.push_back(0);
  for (std::size_t p = 0; p < n; ++p) {
    for (const Edge& e : out_edges[l.node_at[p]]) {
      l.out_edges.push_back(Edge{l.position_of[e.target], e.weight});
    }
    l.out_begin.push_back(static_cast<std::uint32_t>(l.out_edges.size()));
  }
  l.out_degrees.assign(l.padded_nodes, 0);
  for (std::size_t p = 0; p < n; ++p) l.out_degrees[p] = l.out_begin[p + 1] - l.out_begin[p];

  // Pull view: in-edges per position (sources ascending by position), then
  // rows grouped by in-degree, largest first.
  std::vector<std::uint32_t> in_begin(n + 1, 0);
  for (const Edge& e : l.out_edges) ++in_begin[e.target + 1];
  for (std::size_t p = 0; p < n; ++p) in_begin[p + 1] += in_begin[p];
  std::vector<SpreadLayout::PullEdge> in_edges(edge_count);
  std::vector<std::uint32_t> cursor(in_begin.begin(), in_begin.end() - 1);
  for (std::size_t p = 0; p < n; ++p) {
    for (std::uint32_t e = l.out_begin[p]; e < l.out_begin[p + 1]; ++e) {
      const Edge& edge = l.out_edges[e];
      in_edges[cursor[edge.target]++] = {static_cast<std::uint32_t>(p), edge.weight};
    }
  }
  std::vector<std::uint32_t> rows;
  for (std::uint32_t p = 0; p < n; ++p) {
    if (in_begin[p + 1] > in_begin[p]) rows.push_back(p);
  }
  auto in_degree = [&](std::uint32_t p) { return in_begin[p + 1] - in_begin[p]; };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](std::uint32_t x, std::uint32_t y) { return in_degree(x) > in_degree(y); });
  l.pull_rows = rows;
  l.pull_edges.reserve(edge_count);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::uint32_t degree = in_degree(rows[r]);
    if (l.pull_groups.empty() || l.pull_groups.back().degree != degree) {
      l.pull_groups.push_back({degree, r, 0, l.pull_edges.size()});
    }
    ++l.pull_groups.back().row_count;
    l.pull_edges.insert(l.pull_edges.end(), in_edges.begin() + in_begin[rows[r]],
                        in_edges.begin() + in_begin[rows[r] + 1]);
  }
  return layout;
}

}  // namespace engram::detail
