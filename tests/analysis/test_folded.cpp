#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <sstream>

#include "engram/profile/folded.hpp"
#include "engram/profile/frame_names.hpp"
#include "test_support.hpp"

namespace {

using engram::profile::InputError;
using engram::profile::ParseReport;
using engram::profile::read_folded;
using engram::profile::StackTree;
using engram::profile::to_folded;
using engram::profile::testing::tree_from_folded;

StackTree parse(const std::string& text, ParseReport& report) {
  std::istringstream in(text);
  StackTree tree;
  read_folded(in, "input.folded", tree, report);
  return tree;
}

// The node reached by following `frames` from the root, or kRoot.
StackTree::NodeId find_path(const StackTree& tree, std::initializer_list<std::string_view> frames) {
  StackTree::NodeId id = StackTree::kRoot;
  for (std::string_view frame : frames) {
    id = tree.find_child(id, frame);
    if (id == StackTree::kRoot) return StackTree::kRoot;
  }
  return id;
}

TEST(ReadFolded, CountIsTheLastTokenAndNamesMayHoldSpaces) {
  ParseReport report;
  const StackTree tree = parse("perf bench;operator new(unsigned long);do work 7\n", report);
  EXPECT_EQ(report.stacks, 1u);
  EXPECT_EQ(report.skipped, 0u);
  EXPECT_EQ(tree.total_samples(), 7u);
  const auto leaf = find_path(tree, {"perf bench", "operator new(unsigned long)", "do work"});
  ASSERT_NE(leaf, StackTree::kRoot);
  EXPECT_EQ(tree.node(leaf).self, 7u);
}

TEST(ReadFolded, TabsCrlfAndBlankLinesAreTolerated) {
  ParseReport report;
  const StackTree tree = parse("a;b\t3\r\n\n   \r\na;c 4   \n", report);
  EXPECT_EQ(report.stacks, 2u);
  EXPECT_EQ(report.skipped, 0u);
  EXPECT_EQ(tree.total_samples(), 7u);
}

TEST(ReadFolded, MalformedLinesAreSkippedAndCounted) {
  ParseReport report;
  const StackTree tree = parse(
      "a;b 3\n"
      "a;b;c\n"             // missing count
      "a;b 12x\n"           // count not a number
      "a;b -4\n"            // negative
      "a;;b 2\n"            // empty frame
      "42\n"                // count without frames
      "a;c 5\n",
      report);
  EXPECT_EQ(report.stacks, 2u);
  EXPECT_EQ(report.skipped, 5u);
  EXPECT_EQ(report.first_bad_line, 2u);
  EXPECT_THAT(report.first_bad_reason, ::testing::HasSubstr("missing sample count"));
  EXPECT_EQ(tree.total_samples(), 8u);
  EXPECT_THAT(report.warning(), ::testing::HasSubstr("input.folded: skipped 5 malformed lines"));
  EXPECT_THAT(report.warning(), ::testing::HasSubstr("line 2"));
}

TEST(ReadFolded, EmptyInputIsAnError) {
  ParseReport report;
  try {
    parse("", report);
    FAIL() << "empty input accepted";
  } catch (const InputError& error) {
    EXPECT_EQ(error.source(), "input.folded");
    EXPECT_THAT(error.what(), ::testing::HasSubstr("empty input"));
  }
  EXPECT_THROW(parse("\n\n  \n", report), InputError);
}

TEST(ReadFolded, AllGarbageIsAnErrorNamingTheFirstBadLine) {
  ParseReport report;
  try {
    parse("\nthis is not a profile\nnor is this\n", report);
    FAIL() << "garbage accepted";
  } catch (const InputError& error) {
    EXPECT_EQ(error.line(), 2u);
    EXPECT_THAT(error.what(), ::testing::StartsWith("input.folded:2: no valid folded stack line"));
  }
}

TEST(ReadFolded, HugeCountsAreExactAndOverflowIsAnError) {
  ParseReport report;
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const StackTree tree = parse("a;b " + std::to_string(max - 1) + "\na;c 1\n", report);
  EXPECT_EQ(tree.total_samples(), max);
  EXPECT_EQ(tree.node(find_path(tree, {"a"})).total, max);

  // A count beyond 64 bits is a malformed line...
  parse("a;b 18446744073709551616\na 1\n", report);
  EXPECT_EQ(report.skipped, 1u);
  EXPECT_THAT(report.first_bad_reason, ::testing::HasSubstr("64-bit"));
  // ...and a total beyond 64 bits an error naming the line.
  try {
    parse("a " + std::to_string(max) + "\nb 1\n", report);
    FAIL() << "overflow accepted";
  } catch (const InputError& error) {
    EXPECT_EQ(error.line(), 2u);
    EXPECT_THAT(error.what(), ::testing::HasSubstr("64-bit"));
  }
}

TEST(ReadFolded, TenThousandFrameStack) {
  std::string line;
  for (int i = 0; i < 10'000; ++i) {
    if (i > 0) line += ';';
    line.append("f").append(std::to_string(i % 7));
  }
  ParseReport report;
  const StackTree tree = parse(line + " 3\n" + line + ";extra 2\n", report);
  EXPECT_EQ(tree.max_depth(), 10'001u);
  EXPECT_EQ(tree.total_samples(), 5u);
  EXPECT_EQ(tree.node_count(), 1u + 10'000u + 1u);  // shared path merged
  const std::string folded = to_folded(tree);
  EXPECT_EQ(folded, line + " 3\n" + line + ";extra 2\n");
}

TEST(ReadFolded, ZeroCountLinesAreValidButAddNothing) {
  ParseReport report;
  const StackTree tree = parse("a;b 0\na;c 2\n", report);
  EXPECT_EQ(report.stacks, 2u);
  EXPECT_EQ(tree.find_child(find_path(tree, {"a"}), "b"), StackTree::kRoot);
}

TEST(ReadFolded, MissingFileIsAnInputError) {
  ParseReport report;
  EXPECT_THROW(engram::profile::read_folded_file("/nonexistent/profile.folded", report), InputError);
}

TEST(ReadFolded, PrefixReuseDoesNotConfuseDifferentParents) {
  // Consecutive lines sharing names at the same depth under different parents.
  const StackTree tree = tree_from_folded("a;x;y 1\nb;x;y 2\na;x;z 4\n");
  EXPECT_EQ(tree.node(find_path(tree, {"a", "x", "y"})).self, 1u);
  EXPECT_EQ(tree.node(find_path(tree, {"b", "x", "y"})).self, 2u);
  EXPECT_EQ(tree.node(find_path(tree, {"a", "x", "z"})).self, 4u);
  EXPECT_EQ(tree.node(find_path(tree, {"a", "x"})).total, 5u);
}

// The parser reuses the previous line's frames when the text matches; it
// must give exactly the tree that splitting every line on its own gives,
// whatever the mix of shared prefixes, bracketed ';', unbalanced names,
// duplicates and prefix-of-each-other lines.
TEST(ReadFolded, SharedPrefixReuseMatchesSplittingEachLine) {
  const std::vector<std::string> pieces = {"a",         "ab",       "f<x;y>",  "g(p;q)", "h<",
                                           "operator<", "k<int>",   "m[1;2]",  "x y",    "z"};
  std::uint64_t state = 12345;
  auto next = [&state](std::uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  std::vector<std::string> lines;
  for (int i = 0; i < 3000; ++i) {
    std::string stack;
    const std::uint64_t depth = 1 + next(6);
    for (std::uint64_t d = 0; d < depth; ++d) {
      if (d > 0) stack += ';';
      stack += pieces[next(pieces.size())];
    }
    lines.push_back(stack + " " + std::to_string(1 + next(5)));
  }
  std::sort(lines.begin(), lines.end());  // sorted input: maximal sharing
  for (int pass = 0; pass < 2; ++pass) {
    std::string text;
    StackTree expected;
    for (const auto& line : lines) {
      text += line + "\n";
      const std::size_t space = line.rfind(' ');
      const auto frames = engram::profile::split_frames(std::string_view(line).substr(0, space));
      expected.add_stack(frames, std::stoull(line.substr(space + 1)));
    }
    expected.sort_children();
    EXPECT_EQ(to_folded(tree_from_folded(text)), to_folded(expected)) << "pass " << pass;
    std::reverse(lines.begin(), lines.end());  // and unsorted
  }
}

TEST(ToFolded, RoundTripsSortedAndMerged) {
  const StackTree tree = tree_from_folded("main;b 1\nmain;a;x 2\nmain;b 3\nmain 4\n");
  EXPECT_EQ(to_folded(tree), "main 4\nmain;a;x 2\nmain;b 4\n");
  const StackTree again = tree_from_folded(to_folded(tree));
  EXPECT_EQ(to_folded(again), to_folded(tree));
}

TEST(ToFolded, BracketedSemicolonsSurviveTopLevelOnesAreReplaced) {
  StackTree tree;
  const std::vector<std::string_view> frames = {"f<a;b>", "Ljava/io/PrintStream;::print"};
  tree.add_stack(frames, 1);
  tree.sort_children();
  EXPECT_EQ(to_folded(tree), "f<a;b>;Ljava/io/PrintStream:::print 1\n");
}

}  // namespace
