#pragma once
// Folded stacks, one line per distinct stack: "root;frame;leaf count".
// The count is the last whitespace-separated token (frame names may hold
// spaces); frames are split with the bracket-aware rule of frame_names.hpp.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

#include "engram/profile/stack_tree.hpp"

namespace engram::profile {

// What one read found. Malformed lines are skipped and counted; blank lines
// are ignored.
struct ParseReport {
  std::string source;                 // file name, or "<stdin>"
  std::uint64_t lines = 0;            // lines read, blank ones included
  std::uint64_t stacks = 0;           // valid stack lines
  std::uint64_t skipped = 0;          // malformed lines
  std::uint64_t first_bad_line = 0;   // 1-based; 0 when none
  std::string first_bad_reason;

  // "FILE: skipped N malformed lines (first: line L: reason)", or "" when none.
  std::string warning() const;
};

// Reads folded stacks into `tree` (sorted on return). Throws InputError for
// empty input, input without one valid line, or a sample total beyond 64 bits.
void read_folded(std::istream& in, std::string_view source, StackTree& tree,
                 ParseReport& report);
// "-" reads standard input. Throws InputError when the file cannot be opened.
StackTree read_folded_file(const std::filesystem::path& path, ParseReport& report);

// The tree as folded stacks, one line per node with self samples, in the
// tree's (alphabetical) order. A frame name holding a top-level ';' would
// split differently when read back, so the ';' of such a name are written as ':'.
std::string to_folded(const StackTree& tree);

}  // namespace engram::profile
