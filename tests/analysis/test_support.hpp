#pragma once
// Helpers shared by the analysis tests.
#include <sstream>
#include <string>

#include "engram/profile/folded.hpp"
#include "engram/profile/stack_tree.hpp"

namespace engram::profile::testing {

inline StackTree tree_from_folded(const std::string& text) {
  std::istringstream in(text);
  StackTree tree;
  ParseReport report;
  read_folded(in, "test", tree, report);
  return tree;
}

inline std::string fixture_path(const std::string& name) {
  return std::string(ENGRAM_ANALYSIS_FIXTURES) + "/" + name;
}

}  // namespace engram::profile::testing
