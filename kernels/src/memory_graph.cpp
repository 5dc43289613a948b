#include "engram/memory_graph.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "spread_layout.hpp"

namespace engram {

MemoryGraph::MemoryGraph(std::size_t dim) : embeddings_(dim) {}

MemoryId MemoryGraph::add_memory(std::span<const float> embedding, float strength,
                                 std::uint64_t age_seconds, std::uint32_t recall_count) {
  if (frozen_) throw std::logic_error("MemoryGraph::add_memory: the graph is frozen");
  if (embedding.size() != dim()) {
    throw std::invalid_argument("MemoryGraph::add_memory: embedding has dimension " +
                                std::to_string(embedding.size()) + ", the graph has " +
                                std::to_string(dim()));
  }
  if (!(strength >= 0.0f && strength <= 1.0f)) {
    throw std::invalid_argument("MemoryGraph::add_memory: strength " + std::to_string(strength) +
                                " is not in [0, 1]");
  }
  if (size() >= std::numeric_limits<MemoryId>::max()) {
    throw std::length_error("MemoryGraph::add_memory: too many memories for a 32-bit id");
  }
  const auto id = static_cast<MemoryId>(embeddings_.push_back(embedding));
  out_edges_.emplace_back();
  state_.strength.push_back(strength);
  state_.age_seconds.push_back(age_seconds);
  state_.recall_count.push_back(recall_count);
  return id;
}

void MemoryGraph::add_edge(MemoryId from, MemoryId to, float weight) {
  if (frozen_) throw std::logic_error("MemoryGraph::add_edge: the graph is frozen");
  if (from >= size() || to >= size()) {
    throw std::out_of_range("MemoryGraph::add_edge: edge " + std::to_string(from) + " -> " +
                            std::to_string(to) + " names a memory that does not exist (" +
                            std::to_string(size()) + " memories)");
  }
  if (!std::isfinite(weight) || !(weight > 0.0f && weight <= 1.0f)) {
    throw std::invalid_argument("MemoryGraph::add_edge: weight " + std::to_string(weight) +
                                " of edge " + std::to_string(from) + " -> " + std::to_string(to) +
                                " is not in (0, 1]");
  }
  if (edge_count_ >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("MemoryGraph::add_edge: too many edges for 32-bit offsets");
  }
  out_edges_[from].push_back(Edge{to, weight});
  ++edge_count_;
}

void MemoryGraph::reserve(std::size_t memories, std::size_t edges) {
  embeddings_.reserve(memories);
  out_edges_.reserve(memories);
  state_.strength.reserve(memories);
  state_.age_seconds.reserve(memories);
  state_.recall_count.reserve(memories);
  // Edges live in per-node lists; spread the reservation over the nodes that exist.
  if (!out_edges_.empty() && edges > 0) {
    const std::size_t per_node = edges / out_edges_.size() + 1;
    for (auto& list : out_edges_) list.reserve(per_node);
  }
}

void MemoryGraph::freeze() {
  if (frozen_) return;
  const std::size_t n = size();
  IncomingCsr csr;
  csr.offsets.assign(n + 1, 0);
  for (const auto& list : out_edges_) {
    for (const Edge& e : list) ++csr.offsets[e.target + 1];
  }
  for (std::size_t t = 0; t < n; ++t) csr.offsets[t + 1] += csr.offsets[t];
  csr.sources.resize(edge_count_);
  csr.weights.resize(edge_count_);
  std::vector<std::uint32_t> cursor(csr.offsets.begin(), csr.offsets.end() - 1);
  // Sources ascending, and each source's edges in insertion order: the same
  // order the reference walks them in.
  for (std::size_t s = 0; s < n; ++s) {
    for (const Edge& e : out_edges_[s]) {
      const std::uint32_t slot = cursor[e.target]++;
      csr.sources[slot] = static_cast<MemoryId>(s);
      csr.weights[slot] = e.weight;
    }
  }
  spread_layout_ = detail::build_spread_layout(out_edges_, edge_count_);
  incoming_ = std::move(csr);
  frozen_ = true;
}

std::span<const Edge> MemoryGraph::out_edges(MemoryId node) const {
  if (node >= out_edges_.size()) {
    throw std::out_of_range("MemoryGraph::out_edges: memory " + std::to_string(node) +
                            " does not exist (" + std::to_string(out_edges_.size()) + " memories)");
  }
  return out_edges_[node];
}

const IncomingCsr& MemoryGraph::incoming() const {
  if (!frozen_) throw std::logic_error("MemoryGraph::incoming: call freeze() first");
  return incoming_;
}

}  // namespace engram
