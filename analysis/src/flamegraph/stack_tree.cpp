#include "engram/stack_tree.hpp"

#include <algorithm>
#include <limits>

namespace engram::analysis {

InputError::InputError(std::string source, std::uint64_t line, const std::string& message)
    : std::runtime_error(line > 0 ? source + ":" + std::to_string(line) + ": " + message
                                  : source + ": " + message),
      source_(std::move(source)),
      line_(line),
      reason_(message) {}

StackTree::StackTree() {
  nodes_.push_back(Node{intern("all"), kRoot, 0, 0, 0});
  children_.emplace_back();
}

std::uint32_t StackTree::intern(std::string_view name) {
  if (const auto it = name_index_.find(name); it != name_index_.end()) return it->second;
  if (names_.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("StackTree: more than 2^32 distinct frame names");
  }
  const auto index = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  name_index_.emplace(names_.back(), index);
  return index;
}

StackTree::NodeId StackTree::child(NodeId parent, std::string_view name) {
  const std::uint32_t name_id = intern(name);
  const std::uint64_t key = (static_cast<std::uint64_t>(parent) << 32) | name_id;
  const auto [it, inserted] = child_index_.try_emplace(key, 0);
  if (!inserted) return it->second;
  if (nodes_.size() >= std::numeric_limits<NodeId>::max()) {
    throw std::length_error("StackTree: more than 2^32 nodes");
  }
  const auto id = static_cast<NodeId>(nodes_.size());
  const std::uint32_t depth = nodes_[parent].depth + 1;
  nodes_.push_back(Node{name_id, parent, depth, 0, 0});
  children_.emplace_back();
  children_[parent].push_back(id);
  it->second = id;
  max_depth_ = std::max(max_depth_, depth);
  sorted_ = false;
  return id;
}

StackTree::NodeId StackTree::find_child(NodeId parent, std::string_view name) const {
  const auto name_it = name_index_.find(name);
  if (name_it == name_index_.end()) return kRoot;
  const std::uint64_t key = (static_cast<std::uint64_t>(parent) << 32) | name_it->second;
  const auto it = child_index_.find(key);
  return it == child_index_.end() ? kRoot : it->second;
}

void StackTree::add_samples(NodeId leaf, std::uint64_t count) {
  if (count > std::numeric_limits<std::uint64_t>::max() - nodes_[kRoot].total) {
    throw std::overflow_error("sample total exceeds the 64-bit range");
  }
  // Every node's total is at most the root's, so the check above covers them all.
  nodes_[leaf].self += count;
  for (NodeId id = leaf;; id = nodes_[id].parent) {
    nodes_[id].total += count;
    if (id == kRoot) break;
  }
}

void StackTree::add_stack(std::span<const std::string_view> frames, std::uint64_t count) {
  if (frames.empty()) throw std::invalid_argument("StackTree::add_stack: empty stack");
  NodeId id = kRoot;
  for (std::string_view frame : frames) id = child(id, frame);
  add_samples(id, count);
}

void StackTree::add_stack(std::span<const std::string> frames, std::uint64_t count) {
  if (frames.empty()) throw std::invalid_argument("StackTree::add_stack: empty stack");
  NodeId id = kRoot;
  for (const std::string& frame : frames) id = child(id, frame);
  add_samples(id, count);
}

void StackTree::sort_children() {
  if (sorted_) return;
  for (auto& list : children_) {
    if (list.size() < 2) continue;
    std::sort(list.begin(), list.end(),
              [this](NodeId a, NodeId b) { return name(a) < name(b); });
  }
  sorted_ = true;
}

std::span<const StackTree::NodeId> StackTree::children(NodeId id) const {
  if (!sorted_) {
    throw std::logic_error("StackTree::children: call sort_children() after adding stacks");
  }
  return children_[id];
}

std::vector<std::string_view> StackTree::path(NodeId id) const {
  std::vector<std::string_view> frames;
  for (; id != kRoot; id = nodes_[id].parent) frames.push_back(name(id));
  std::reverse(frames.begin(), frames.end());
  return frames;
}

}  // namespace engram::analysis
