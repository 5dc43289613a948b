#include "engram/profile/stack_tree.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>

namespace engram::profile {
namespace {

constexpr std::uint64_t kEmptyKey = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t kInitialSlots = 1024;  // a power of two

std::size_t slot_of(std::uint64_t hash, std::size_t mask) {
  // Fibonacci hashing spreads keys that differ only in their low bits.
  return static_cast<std::size_t>((hash * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
}

std::uint64_t hash_name(std::string_view name) { return std::hash<std::string_view>{}(name); }

}  // namespace

StackTree::StackTree()
    : name_slots_(kInitialSlots, 0),
      child_slots_(kInitialSlots, ChildSlot{kEmptyKey, 0}) {
  nodes_.push_back(Node{intern("all"), kRoot, 0, 0, 0});
  sort_children();
}

std::uint32_t StackTree::intern(std::string_view name) {
  const std::uint64_t hash = hash_name(name);
  const std::size_t mask = name_slots_.size() - 1;
  std::size_t slot = slot_of(hash, mask);
  while (name_slots_[slot] != 0) {
    const std::uint32_t index = name_slots_[slot] - 1;
    if (name_hashes_[index] == hash && names_[index] == name) return index;
    slot = (slot + 1) & mask;
  }
  if (names_.size() >= std::numeric_limits<std::uint32_t>::max() - 1) {
    throw std::length_error("StackTree: more than 2^32 distinct frame names");
  }
  const auto index = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  name_hashes_.push_back(hash);
  name_slots_[slot] = index + 1;
  if (names_.size() * 2 > name_slots_.size()) grow_name_index();
  return index;
}

void StackTree::grow_name_index() {
  std::vector<std::uint32_t> slots(name_slots_.size() * 2, 0);
  const std::size_t mask = slots.size() - 1;
  for (std::uint32_t index = 0; index < names_.size(); ++index) {
    std::size_t slot = slot_of(name_hashes_[index], mask);
    while (slots[slot] != 0) slot = (slot + 1) & mask;
    slots[slot] = index + 1;
  }
  name_slots_.swap(slots);
}

void StackTree::grow_child_index() {
  std::vector<ChildSlot> slots(child_slots_.size() * 2, ChildSlot{kEmptyKey, 0});
  const std::size_t mask = slots.size() - 1;
  for (const ChildSlot& entry : child_slots_) {
    if (entry.key == kEmptyKey) continue;
    std::size_t slot = slot_of(entry.key, mask);
    while (slots[slot].key != kEmptyKey) slot = (slot + 1) & mask;
    slots[slot] = entry;
  }
  child_slots_.swap(slots);
}

void StackTree::index_child(NodeId parent, std::uint32_t name, NodeId child) {
  const std::uint64_t key = (static_cast<std::uint64_t>(parent) << 32) | name;
  const std::size_t mask = child_slots_.size() - 1;
  std::size_t slot = slot_of(key, mask);
  while (child_slots_[slot].key != kEmptyKey) slot = (slot + 1) & mask;
  child_slots_[slot] = ChildSlot{key, child};
  if (++child_count_ * 2 > child_slots_.size()) grow_child_index();
}

StackTree::NodeId StackTree::child(NodeId parent, std::string_view name) {
  const std::uint32_t name_id = intern(name);
  if (nodes_[parent].child_count > kListLimit) {
    const std::uint64_t key = (static_cast<std::uint64_t>(parent) << 32) | name_id;
    const std::size_t mask = child_slots_.size() - 1;
    for (std::size_t slot = slot_of(key, mask); child_slots_[slot].key != kEmptyKey;
         slot = (slot + 1) & mask) {
      if (child_slots_[slot].key == key) return child_slots_[slot].child;
    }
  } else {
    for (NodeId c = nodes_[parent].first_child; c != 0; c = nodes_[c].next_sibling) {
      if (nodes_[c].name == name_id) return c;
    }
  }
  if (nodes_.size() >= std::numeric_limits<NodeId>::max() - 1) {
    throw std::length_error("StackTree: more than 2^32 nodes");
  }
  const auto id = static_cast<NodeId>(nodes_.size());
  const std::uint32_t depth = nodes_[parent].depth + 1;
  nodes_.push_back(Node{name_id, parent, depth, 0, 0, 0, nodes_[parent].first_child, 0});
  Node& parent_node = nodes_[parent];
  parent_node.first_child = id;
  ++parent_node.child_count;
  if (parent_node.child_count == kListLimit + 1) {
    for (NodeId c = parent_node.first_child; c != 0; c = nodes_[c].next_sibling) {
      index_child(parent, nodes_[c].name, c);
    }
  } else if (parent_node.child_count > kListLimit + 1) {
    index_child(parent, name_id, id);
  }
  max_depth_ = std::max(max_depth_, depth);
  sorted_ = false;
  return id;
}

StackTree::NodeId StackTree::find_child(NodeId parent, std::string_view name) const {
  const std::uint64_t hash = hash_name(name);
  const std::size_t name_mask = name_slots_.size() - 1;
  std::size_t name_slot = slot_of(hash, name_mask);
  std::uint32_t name_id = std::numeric_limits<std::uint32_t>::max();
  while (name_slots_[name_slot] != 0) {
    const std::uint32_t index = name_slots_[name_slot] - 1;
    if (name_hashes_[index] == hash && names_[index] == name) {
      name_id = index;
      break;
    }
    name_slot = (name_slot + 1) & name_mask;
  }
  if (name_id == std::numeric_limits<std::uint32_t>::max()) return kRoot;
  if (nodes_[parent].child_count <= kListLimit) {
    for (NodeId c = nodes_[parent].first_child; c != 0; c = nodes_[c].next_sibling) {
      if (nodes_[c].name == name_id) return c;
    }
    return kRoot;
  }
  const std::uint64_t key = (static_cast<std::uint64_t>(parent) << 32) | name_id;
  const std::size_t mask = child_slots_.size() - 1;
  for (std::size_t slot = slot_of(key, mask); child_slots_[slot].key != kEmptyKey;
       slot = (slot + 1) & mask) {
    if (child_slots_[slot].key == key) return child_slots_[slot].child;
  }
  return kRoot;
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
  // Rank the names once, so siblings sort by integer instead of by string.
  std::vector<std::uint32_t> by_name(names_.size());
  std::iota(by_name.begin(), by_name.end(), 0u);
  std::sort(by_name.begin(), by_name.end(),
            [this](std::uint32_t a, std::uint32_t b) { return names_[a] < names_[b]; });
  std::vector<std::uint32_t> rank(names_.size());
  for (std::uint32_t r = 0; r < by_name.size(); ++r) rank[by_name[r]] = r;

  // Group children by parent (counting sort), then sort each group by rank.
  // Counts go two places up, so that after the prefix sum children_begin_[p + 1]
  // is p's fill cursor, which ends as p's end = the start of p + 1.
  const std::size_t n = nodes_.size();
  children_begin_.assign(n + 2, 0);
  for (std::size_t id = 1; id < n; ++id) ++children_begin_[nodes_[id].parent + 2];
  std::partial_sum(children_begin_.begin(), children_begin_.end(), children_begin_.begin());
  sorted_children_.assign(n > 0 ? n - 1 : 0, 0);
  for (std::size_t id = 1; id < n; ++id) {
    sorted_children_[children_begin_[nodes_[id].parent + 1]++] = static_cast<NodeId>(id);
  }
  children_begin_.pop_back();
  for (std::size_t id = 0; id < n; ++id) {
    const auto begin = sorted_children_.begin() + children_begin_[id];
    const auto end = sorted_children_.begin() + children_begin_[id + 1];
    if (end - begin > 1) {
      std::sort(begin, end, [&](NodeId a, NodeId b) {
        return rank[nodes_[a].name] < rank[nodes_[b].name];
      });
    }
  }
  sorted_ = true;
}

std::span<const StackTree::NodeId> StackTree::children(NodeId id) const {
  if (!sorted_) {
    throw std::logic_error("StackTree::children: call sort_children() after adding stacks");
  }
  return std::span<const NodeId>(sorted_children_.data() + children_begin_[id],
                                 children_begin_[id + 1] - children_begin_[id]);
}

std::vector<std::string_view> StackTree::path(NodeId id) const {
  std::vector<std::string_view> frames;
  for (; id != kRoot; id = nodes_[id].parent) frames.push_back(name(id));
  std::reverse(frames.begin(), frames.end());
  return frames;
}

}  // namespace engram::profile
