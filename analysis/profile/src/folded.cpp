#include "engram/profile/folded.hpp"

#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <vector>

#include "engram/profile/frame_names.hpp"
#include "bracket_walk.hpp"
#include "line_reader.hpp"

namespace engram::profile {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

struct ParsedLine {
  std::string_view stack;
  std::uint64_t count = 0;
  const char* error = nullptr;  // set when the line is malformed
};

ParsedLine parse_line(std::string_view line) {
  ParsedLine parsed;
  std::size_t space = line.size();
  while (space > 0 && !is_blank(line[space - 1])) --space;
  if (space == 0) {
    parsed.error = "missing sample count (a line needs 'frames count')";
    return parsed;
  }
  const std::string_view token = line.substr(space);
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), parsed.count);
  if (ec == std::errc::result_out_of_range) {
    parsed.error = "sample count beyond the 64-bit range";
    return parsed;
  }
  if (ec != std::errc() || end != token.data() + token.size()) {
    parsed.error = "missing sample count (the last token is not a whole number)";
    return parsed;
  }
  parsed.stack = trim(line.substr(0, space));
  if (parsed.stack.empty()) parsed.error = "no frames before the sample count";
  return parsed;
}

}  // namespace

std::string ParseReport::warning() const {
  if (skipped == 0) return {};
  return source + ": skipped " + std::to_string(skipped) + " malformed line" +
         (skipped == 1 ? "" : "s") + " (first: line " + std::to_string(first_bad_line) + ": " +
         first_bad_reason + ")";
}

void read_folded(std::istream& in, std::string_view source, StackTree& tree,
                 ParseReport& report) {
  report = ParseReport{};
  report.source = std::string(source);
  detail::LineReader reader(in);
  std::vector<std::string_view> frames;
  std::vector<std::string_view> rest;
  // Folded files are usually sorted, so consecutive lines share their first
  // frames. The previous line's text, frame ends and nodes let a line skip
  // splitting, interning and looking up that shared prefix. Only a line whose
  // brackets balanced is remembered: its frame ends are then depth-0
  // separators, valid for any line that starts with the same text.
  std::string previous_text;
  std::vector<std::size_t> previous_ends;
  std::vector<StackTree::NodeId> previous_nodes;
  std::vector<StackTree::NodeId> nodes;
  std::string_view line;
  auto reject = [&](const char* reason) {
    if (report.skipped++ == 0) {
      report.first_bad_line = report.lines;
      report.first_bad_reason = reason;
    }
  };
  while (reader.next(line)) {
    ++report.lines;
    const std::string_view content = trim(line);
    if (content.empty()) continue;
    const ParsedLine parsed = parse_line(content);
    if (parsed.error != nullptr) {
      reject(parsed.error);
      continue;
    }
    const std::string_view stack = parsed.stack;

    // 1. The frames shared with the previous line, compared as text.
    std::size_t reused = 0;
    std::size_t offset = 0;  // where the unshared text starts
    frames.clear();
    while (reused < previous_ends.size()) {
      const std::size_t end = previous_ends[reused];
      if (end > stack.size() || (end < stack.size() && stack[end] != ';') ||
          std::memcmp(stack.data() + offset, previous_text.data() + offset, end - offset) != 0) {
        break;
      }
      frames.push_back(stack.substr(offset, end - offset));
      ++reused;
      offset = end + 1;
      if (end == stack.size()) break;
    }
    // 2. The rest, split bracket-aware; if its brackets do not balance, the
    //    whole line is split again on its own (every ';' then separates).
    bool balanced = true;
    if (offset <= stack.size()) {
      balanced = detail::split_at_top_level(stack.substr(offset), rest);
      if (balanced) {
        frames.insert(frames.end(), rest.begin(), rest.end());
      } else {
        split_frames(stack, frames);
        reused = 0;
      }
    }
    bool empty_frame = false;
    for (std::string_view frame : frames) empty_frame = empty_frame || frame.empty();
    if (empty_frame) {
      reject("empty frame name (';;' or a ';' at either end)");
      continue;
    }
    ++report.stacks;
    if (parsed.count == 0) continue;  // adds nothing to the profile

    nodes.assign(previous_nodes.begin(), previous_nodes.begin() + static_cast<std::ptrdiff_t>(reused));
    StackTree::NodeId node = reused > 0 ? nodes.back() : StackTree::kRoot;
    for (std::size_t i = reused; i < frames.size(); ++i) {
      node = tree.child(node, frames[i]);
      nodes.push_back(node);
    }
    try {
      tree.add_samples(node, parsed.count);
    } catch (const std::overflow_error&) {
      throw InputError(std::string(source), report.lines,
                       "sample total exceeds the 64-bit range");
    }
    if (balanced) {
      previous_text.assign(stack);
      previous_ends.clear();
      for (std::string_view frame : frames) {
        previous_ends.push_back(static_cast<std::size_t>(frame.data() - stack.data()) + frame.size());
      }
      previous_nodes.swap(nodes);
    } else {
      previous_ends.clear();
      previous_nodes.clear();
    }
  }
  if (in.bad()) throw InputError(std::string(source), 0, "read error");
  if (report.stacks == 0) {
    if (report.skipped == 0) {
      throw InputError(std::string(source), 0, "empty input: no folded stack lines");
    }
    throw InputError(std::string(source), report.first_bad_line,
                     "no valid folded stack line (" + std::to_string(report.skipped) +
                         " malformed; first: " + report.first_bad_reason + ")");
  }
  tree.sort_children();
}

StackTree read_folded_file(const std::filesystem::path& path, ParseReport& report) {
  StackTree tree;
  if (path == "-") {
    read_folded(std::cin, "<stdin>", tree, report);
    return tree;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, "cannot open for reading");
  read_folded(in, path.string(), tree, report);
  return tree;
}

std::string to_folded(const StackTree& tree) {
  std::string out;
  std::string path;
  struct Entry {
    StackTree::NodeId node;
    std::size_t path_length;  // length of `path` before this node's name
  };
  std::vector<Entry> todo;
  const auto root_children = tree.children(StackTree::kRoot);
  for (auto it = root_children.rbegin(); it != root_children.rend(); ++it) todo.push_back({*it, 0});
  char number[24];
  while (!todo.empty()) {
    const Entry entry = todo.back();
    todo.pop_back();
    path.resize(entry.path_length);
    if (entry.path_length > 0) path.push_back(';');
    const std::string_view name = tree.name(entry.node);
    if (has_top_level_separator(name)) {
      for (char c : name) path.push_back(c == ';' ? ':' : c);
    } else {
      path.append(name);
    }
    const auto& node = tree.node(entry.node);
    if (node.self > 0) {
      out.append(path);
      out.push_back(' ');
      const auto result = std::to_chars(number, number + sizeof number, node.self);
      out.append(number, result.ptr);
      out.push_back('\n');
    }
    const auto kids = tree.children(entry.node);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) todo.push_back({*it, path.size()});
  }
  return out;
}

}  // namespace engram::profile
