#pragma once
// Call stacks merged into a tree: frames are merged by name along the path
// (the flame graph's layout), each node holding its inclusive sample count
// (total) and the samples whose stack ends there (self).
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engram/io/errors.hpp"

namespace engram::profile {

// Malformed input, with where it was found (io::InputError).
using InputError = io::InputError;

class StackTree {
 public:
  using NodeId = std::uint32_t;
  static constexpr NodeId kRoot = 0;  // the "all" frame: every sample passes through it

  struct Node {
    std::uint32_t name;    // index into the name table
    NodeId parent;         // kRoot's parent is kRoot
    std::uint32_t depth;   // kRoot is depth 0, the outermost real frame depth 1
    std::uint64_t total;   // samples of every stack through this node
    std::uint64_t self;    // samples of stacks that end here
    // Unsorted child list for building (0 = none: the root is nobody's child).
    NodeId first_child = 0;
    NodeId next_sibling = 0;
    std::uint32_t child_count = 0;
  };

  StackTree();

  // Adds `count` samples of one stack, frames root first (without "all").
  // Throws std::overflow_error when the sample total would exceed 64 bits and
  // std::invalid_argument for an empty stack.
  void add_stack(std::span<const std::string_view> frames, std::uint64_t count);
  void add_stack(std::span<const std::string> frames, std::uint64_t count);

  // Lower-level building block for parsers that reuse a shared prefix: the
  // child of `parent` named `name`, created when missing.
  NodeId child(NodeId parent, std::string_view name);
  // Adds `count` samples ending at `leaf` (self) and to every node up to the root (total).
  void add_samples(NodeId leaf, std::uint64_t count);

  // The child named `name`, or kRoot when there is none (kRoot is never a child).
  NodeId find_child(NodeId parent, std::string_view name) const;

  // Must be called after adding stacks and before children(): sorts every
  // node's children alphabetically by name (byte order), as flame graphs do.
  void sort_children();
  // Children of `id`, sorted. Throws std::logic_error when stacks were added
  // since the last sort_children().
  std::span<const NodeId> children(NodeId id) const;

  const Node& node(NodeId id) const { return nodes_[id]; }
  std::string_view name(NodeId id) const { return names_[nodes_[id].name]; }
  std::string_view name_of_index(std::uint32_t name_index) const { return names_[name_index]; }
  std::size_t node_count() const { return nodes_.size(); }
  std::size_t name_count() const { return names_.size(); }
  std::uint64_t total_samples() const { return nodes_[kRoot].total; }
  std::uint32_t max_depth() const { return max_depth_; }

  // The frames from the outermost to `id` (without "all").
  std::vector<std::string_view> path(NodeId id) const;

 private:
  std::uint32_t intern(std::string_view name);
  void grow_child_index();
  void grow_name_index();

  // Profiles can hold tens of millions of nodes. A node's children are found
  // by walking its child list while it is short; past kListLimit children they
  // also go into a flat open-addressing table (linear probing, at most half
  // full). Nodes created for a new stack thus cost no hash-table traffic, and
  // the sorted children are one flat array built by sort_children().
  static constexpr std::uint32_t kListLimit = 8;
  void index_child(NodeId parent, std::uint32_t name, NodeId child);
  std::deque<std::string> names_;          // deque: names never move
  std::vector<std::uint64_t> name_hashes_;  // per name
  std::vector<std::uint32_t> name_slots_;   // name index + 1; 0 = empty
  // Nodes in fixed blocks: growing never copies them or touches memory twice
  // (a profile may hold tens of millions).
  class NodeStore {
   public:
    Node& operator[](std::size_t i) { return blocks_[i >> kShift][i & kMask]; }
    const Node& operator[](std::size_t i) const { return blocks_[i >> kShift][i & kMask]; }
    std::size_t size() const { return size_; }
    void push_back(const Node& node) {
      if ((size_ & kMask) == 0) blocks_.emplace_back(new Node[kMask + 1]);
      blocks_.back()[size_ & kMask] = node;
      ++size_;
    }

   private:
    static constexpr std::size_t kShift = 16;
    static constexpr std::size_t kMask = (std::size_t{1} << kShift) - 1;
    std::vector<std::unique_ptr<Node[]>> blocks_;
    std::size_t size_ = 0;
  };
  NodeStore nodes_;
  struct ChildSlot {
    std::uint64_t key;  // (parent << 32 | name); all ones = empty
    NodeId child;
  };
  std::vector<ChildSlot> child_slots_;  // key and value together: one cache miss per probe
  std::size_t child_count_ = 0;
  std::vector<NodeId> sorted_children_;     // grouped by parent, each group sorted by name
  std::vector<std::uint32_t> children_begin_;  // per node, into sorted_children_; one extra at the end
  std::uint32_t max_depth_ = 0;
  bool sorted_ = false;
};

}  // namespace engram::profile
