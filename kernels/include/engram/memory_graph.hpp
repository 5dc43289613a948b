#pragma once
// The engram memory graph: memories (embedding + strength, age, recall count)
// joined by directed weighted edges.
//
// Built in two phases. While open, add_memory/add_edge append; freeze() then
// builds, once, the compressed incoming-edge (CSR) view and the optimized
// spreading kernel's own layout (push and pull views over degree-sorted
// nodes, see spread_layout()). The reference kernel walks the outgoing
// adjacency lists (push style), which exist in both phases.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engram/embedding.hpp"

namespace engram {

using MemoryId = std::uint32_t;

namespace detail {
struct SpreadLayout;  // the optimized spreading kernel's private view, built by freeze()
}  // namespace detail

struct Edge {
  MemoryId target;
  float weight;
};

// Incoming edges in compressed sparse row form: the edges into node t are
// sources[offsets[t] .. offsets[t+1]) with the same range of weights.
struct IncomingCsr {
  std::vector<std::uint32_t> offsets;  // node_count + 1 entries
  std::vector<MemoryId> sources;
  std::vector<float> weights;
};

// Per-memory decay state, structure of arrays so the decay kernel streams it.
struct MemoryState {
  std::vector<float> strength;            // in [0, 1]
  std::vector<std::uint64_t> age_seconds;  // time since last recall
  std::vector<std::uint32_t> recall_count;

  std::size_t size() const noexcept { return strength.size(); }
};

class MemoryGraph {
 public:
  explicit MemoryGraph(std::size_t dim);  // throws for dim == 0

  // Throws std::invalid_argument on dimension mismatch, strength outside
  // [0, 1] or NaN; std::logic_error once frozen.
  MemoryId add_memory(std::span<const float> embedding, float strength = 1.0f,
                      std::uint64_t age_seconds = 0, std::uint32_t recall_count = 0);
  // Throws std::out_of_range for a node that does not exist and
  // std::invalid_argument for a weight that is not finite or not in (0, 1];
  // std::logic_error once frozen. Self-loops and parallel edges are legal.
  void add_edge(MemoryId from, MemoryId to, float weight);
  void reserve(std::size_t memories, std::size_t edges);

  // Builds the incoming CSR view; idempotent.
  void freeze();
  bool frozen() const noexcept { return frozen_; }

  std::size_t size() const noexcept { return embeddings_.rows(); }
  std::size_t edge_count() const noexcept { return edge_count_; }
  std::size_t dim() const noexcept { return embeddings_.dim(); }

  const EmbeddingMatrix& embeddings() const noexcept { return embeddings_; }
  std::span<const Edge> out_edges(MemoryId node) const;  // throws std::out_of_range
  const IncomingCsr& incoming() const;                    // throws std::logic_error unless frozen

  MemoryState& state() noexcept { return state_; }
  const MemoryState& state() const noexcept { return state_; }

  // Implementation detail of optimized::spread_activation: the edges re-laid
  // out for it (null until frozen). Immutable, shared by copies.
  const detail::SpreadLayout* spread_layout() const noexcept { return spread_layout_.get(); }

 private:
  EmbeddingMatrix embeddings_;
  std::vector<std::vector<Edge>> out_edges_;
  IncomingCsr incoming_;
  MemoryState state_;
  std::shared_ptr<const detail::SpreadLayout> spread_layout_;
  std::size_t edge_count_ = 0;
  bool frozen_ = false;
};

}  // namespace engram
