#include "engram/profile/frame_names.hpp"

#include <array>
#include <cstring>

#include "bracket_walk.hpp"

namespace engram::profile {
namespace {

using detail::walk_brackets;

constexpr std::string_view kAnonymousNamespace = "(anonymous namespace)";

void split_every_separator(std::string_view stack, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  for (std::size_t pos = stack.find(';'); pos != std::string_view::npos;
       pos = stack.find(';', start)) {
    out.push_back(stack.substr(start, pos - start));
    start = pos + 1;
  }
  out.push_back(stack.substr(start));
}

// What may follow a parameter list: cv/ref qualifiers, noexcept and bracketed
// notes such as "[clone .cold]" or "[abi:cxx11]". Anything else (".Method" in
// Go names, "::inner" after a local scope) means the group was not the
// parameter list.
bool is_qualifier_tail(std::string_view tail) {
  int square = 0;
  for (char c : tail) {
    if (c == '[') {
      ++square;
    } else if (c == ']') {
      if (square == 0) return false;
      --square;
    } else if (square == 0 && !(c == ' ' || c == '&' || (c >= 'a' && c <= 'z') || c == '_')) {
      return false;
    }
  }
  return square == 0;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Annotations that stack collapsers append to a frame: _[k] kernel, _[j] JIT,
// _[i] inlined, _[w] waker.
std::string_view strip_annotation(std::string_view frame) {
  if (frame.size() > 4 && frame.ends_with("]") && frame[frame.size() - 4] == '_' &&
      frame[frame.size() - 3] == '[') {
    const char kind = frame[frame.size() - 2];
    if (kind == 'k' || kind == 'j' || kind == 'i' || kind == 'w') frame.remove_suffix(4);
  }
  return frame;
}

constexpr std::array<bool, 256> special_characters() {
  std::array<bool, 256> table{};
  for (unsigned char c : std::string_view(";()<>[]{}o-")) table[c] = true;
  return table;
}
constexpr std::array<bool, 256> kSpecial = special_characters();

}  // namespace

namespace detail {

bool split_at_top_level(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  const std::size_t n = s.size();
  const auto* bytes = reinterpret_cast<const unsigned char*>(s.data());
  int depth = 0;
  std::size_t start = 0;
  std::size_t i = 0;
  for (;;) {
    while (i < n && !kSpecial[bytes[i]]) ++i;
    if (i >= n) break;
    switch (s[i]) {
      case ';':
        if (depth == 0) {
          out.push_back(s.substr(start, i - start));
          start = i + 1;
        }
        ++i;
        break;
      case 'o':
        i = is_operator_keyword(s, i) ? operator_token_end(s, i) : i + 1;
        break;
      case '-':
        i += (i + 1 < n && s[i + 1] == '>') ? 2 : 1;  // "->" is not a bracket
        break;
      case '(':
      case '<':
      case '[':
      case '{':
        ++depth;
        ++i;
        break;
      default:  // a closing bracket
        if (depth > 0) --depth;
        ++i;
        break;
    }
  }
  out.push_back(s.substr(start));
  return depth == 0;
}

}  // namespace detail

void split_frames(std::string_view stack, std::vector<std::string_view>& out) {
  if (!detail::split_at_top_level(stack, out)) split_every_separator(stack, out);
}

std::vector<std::string_view> split_frames(std::string_view stack) {
  std::vector<std::string_view> frames;
  split_frames(stack, frames);
  return frames;
}

bool has_top_level_separator(std::string_view name) {
  bool found = false;
  walk_brackets(name, [&](std::size_t i, int depth) {
    if (depth == 0 && name[i] == ';') found = true;
  });
  return found;
}

std::string strip_parameters(std::string_view demangled) {
  // 1. The parameter list: the last top-level "(...)" group that is not
  //    "(anonymous namespace)" and is followed by qualifiers only.
  std::size_t open = std::string_view::npos;
  std::size_t close = std::string_view::npos;
  walk_brackets(demangled, [&](std::size_t i, int depth) {
    const char c = demangled[i];
    if (c == '(' && depth == 0 && !demangled.substr(i).starts_with(kAnonymousNamespace)) {
      open = i;
      close = std::string_view::npos;
    } else if (c == ')' && depth == 1 && open != std::string_view::npos &&
               close == std::string_view::npos && i > open) {
      close = i;
    }
  });
  std::string_view name = demangled;
  if (open != std::string_view::npos && open > 0) {
    const bool closed = close != std::string_view::npos;
    if (!closed || is_qualifier_tail(demangled.substr(close + 1))) {
      name = trim_right(demangled.substr(0, open));
    }
  }
  // 2. The return type, which the demangler prints only for function
  //    templates (whose name then ends with '>'): drop everything up to the
  //    last top-level space before any operator keyword.
  if (name.ends_with('>')) {
    std::size_t last_space = std::string_view::npos;
    bool after_operator = false;
    walk_brackets(
        name,
        [&](std::size_t i, int depth) {
          if (!after_operator && depth == 0 && name[i] == ' ') last_space = i;
        },
        [&](std::size_t begin, std::size_t, int) {
          if (name.compare(begin, 8, "operator") == 0) after_operator = true;
        });
    if (last_space != std::string_view::npos) name = name.substr(last_space + 1);
  }
  return std::string(name);
}

std::vector<std::string> qualified_name_components(std::string_view frame) {
  const std::string name = strip_parameters(strip_annotation(frame));
  std::vector<std::string> components(1);
  int angle_depth = 0;  // template argument lists are dropped
  const std::string_view view = name;
  walk_brackets(
      view,
      [&](std::size_t i, int depth) {
        const char c = view[i];
        if (c == '<') {
          ++angle_depth;
          return;
        }
        if (c == '>') {
          if (angle_depth > 0) --angle_depth;
          return;
        }
        if (angle_depth > 0) return;
        if (c == ':' && depth == 0 && i + 1 < view.size() && view[i + 1] == ':') {
          components.emplace_back();
          return;
        }
        if (c == ':' && depth == 0 && i > 0 && view[i - 1] == ':') return;  // second ':' of "::"
        components.back().push_back(c);
      },
      [&](std::size_t begin, std::size_t end, int) {
        if (angle_depth == 0) components.back().append(view.substr(begin, end - begin));
      });
  return components;
}

}  // namespace engram::profile
