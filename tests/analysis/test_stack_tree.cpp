#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engram/profile/stack_tree.hpp"
#include "test_support.hpp"

namespace {

using engram::profile::StackTree;
using engram::profile::testing::tree_from_folded;

std::vector<std::string_view> child_names(const StackTree& tree, StackTree::NodeId id) {
  std::vector<std::string_view> names;
  for (auto child : tree.children(id)) names.push_back(tree.name(child));
  return names;
}

TEST(StackTree, MergesFramesByNameAlongThePath) {
  const StackTree tree = tree_from_folded("main;a;x 2\nmain;a;y 3\nmain;b;x 5\nmain;a;x 1\n");
  const auto main_id = tree.find_child(StackTree::kRoot, "main");
  const auto a = tree.find_child(main_id, "a");
  const auto b = tree.find_child(main_id, "b");
  EXPECT_EQ(tree.node(main_id).total, 11u);
  EXPECT_EQ(tree.node(a).total, 6u);
  EXPECT_EQ(tree.node(b).total, 5u);
  EXPECT_EQ(tree.node(tree.find_child(a, "x")).self, 3u);
  // "x" under a and "x" under b are different nodes.
  EXPECT_NE(tree.find_child(a, "x"), tree.find_child(b, "x"));
  EXPECT_EQ(tree.node(StackTree::kRoot).total, 11u);
  EXPECT_EQ(tree.name(StackTree::kRoot), "all");
}

TEST(StackTree, ChildrenSortedByName) {
  const StackTree tree = tree_from_folded("r;zeta 1\nr;Alpha 1\nr;beta 1\nr;alpha 1\nr;_x 1\n");
  EXPECT_THAT(child_names(tree, tree.find_child(StackTree::kRoot, "r")),
              ::testing::ElementsAre("Alpha", "_x", "alpha", "beta", "zeta"));
}

TEST(StackTree, ChildrenRequireSorting) {
  StackTree tree;
  const std::vector<std::string_view> frames = {"a", "b"};
  tree.add_stack(frames, 1);
  EXPECT_THROW(static_cast<void>(tree.children(StackTree::kRoot)), std::logic_error);
  tree.sort_children();
  EXPECT_EQ(tree.children(StackTree::kRoot).size(), 1u);
}

TEST(StackTree, SelfAndTotalAreConsistent) {
  const StackTree tree = tree_from_folded("a 1\na;b 2\na;b;c 3\nd 4\n");
  std::uint64_t self_sum = 0;
  for (StackTree::NodeId id = 0; id < tree.node_count(); ++id) {
    self_sum += tree.node(id).self;
    std::uint64_t children_total = 0;
    for (auto child : tree.children(id)) children_total += tree.node(child).total;
    EXPECT_EQ(tree.node(id).total, tree.node(id).self + children_total) << tree.name(id);
  }
  EXPECT_EQ(self_sum, tree.total_samples());
}

TEST(StackTree, PathAndEmptyStack) {
  const StackTree tree = tree_from_folded("a;b;c 1\n");
  const auto c = tree.find_child(tree.find_child(tree.find_child(StackTree::kRoot, "a"), "b"), "c");
  EXPECT_THAT(tree.path(c), ::testing::ElementsAre("a", "b", "c"));
  StackTree empty;
  EXPECT_THROW(empty.add_stack(std::vector<std::string_view>{}, 1), std::invalid_argument);
}

}  // namespace
