#pragma once
// The one bracket-depth walker behind every name operation (internal header).
//
// Depth counts (), <>, [] and {} together. Two things look like brackets but
// are not: operator names (operator<, operator<<, operator->, operator(),
// operator[] ...) and the member-access arrow "->" inside decltype
// expressions. Both are reported as one token and never change the depth, so
// operator< cannot unbalance a name. A closing bracket at depth 0 is ignored.
#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

namespace engram::profile::detail {

constexpr bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$';
}

// True when the keyword "operator" starts at s[i] as a whole word.
inline bool is_operator_keyword(std::string_view s, std::size_t i) {
  constexpr std::string_view kKeyword = "operator";
  if (s.compare(i, kKeyword.size(), kKeyword) != 0) return false;
  if (i > 0 && is_identifier_char(s[i - 1])) return false;
  const std::size_t after = i + kKeyword.size();
  return after >= s.size() || !is_identifier_char(s[after]);
}

// One past the operator token that starts at s[i] ("operator" plus its symbol,
// longest match first). For named operators (operator new, conversion
// operators) only the keyword is a token; the rest is walked normally.
inline std::size_t operator_token_end(std::string_view s, std::size_t i) {
  static constexpr std::array<std::string_view, 39> kSymbols = {
      "<=>", "<<=", ">>=", "->*", "()", "[]", "<<", ">>", "<=", ">=", "->", "==", "!=",
      "&&",  "||",  "++",  "--",  "+=", "-=", "*=", "/=", "%=", "^=", "&=", "|=", "<",
      ">",   "=",   "!",   "+",   "-",  "*",  "/",  "%",  "^",  "&",  "|",  "~",  ","};
  const std::size_t after = i + 8;
  const std::string_view rest = s.substr(after);
  for (std::string_view symbol : kSymbols) {
    if (rest.starts_with(symbol)) return after + symbol.size();
  }
  return after;
}

struct WalkResult {
  int final_depth = 0;  // 0 when every bracket was closed
};

// Calls on_char(index, depth_before) for every character outside tokens and
// on_token(begin, end, depth) for each operator token and each "->".
template <typename OnChar, typename OnToken>
WalkResult walk_brackets(std::string_view s, OnChar&& on_char, OnToken&& on_token) {
  int depth = 0;
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = s[i];
    if (c == 'o' && is_operator_keyword(s, i)) {
      const std::size_t end = operator_token_end(s, i);
      on_token(i, end, depth);
      i = end;
      continue;
    }
    if (c == '-' && i + 1 < n && s[i + 1] == '>') {  // member access, not a bracket
      on_token(i, i + 2, depth);
      i += 2;
      continue;
    }
    on_char(i, depth);
    switch (c) {
      case '(':
      case '<':
      case '[':
      case '{':
        ++depth;
        break;
      case ')':
      case '>':
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
    ++i;
  }
  return WalkResult{depth};
}

template <typename OnChar>
WalkResult walk_brackets(std::string_view s, OnChar&& on_char) {
  return walk_brackets(s, on_char, [](std::size_t, std::size_t, int) {});
}

// The splitter behind split_frames(), with the same bracket rules as
// walk_brackets() but skipping ordinary characters through a lookup table
// (it runs over every byte of large folded files). Fills `out` with the
// frames split at depth-0 ';' and returns false when the brackets do not
// balance (then `out` is not the final answer).
bool split_at_top_level(std::string_view stack, std::vector<std::string_view>& out);

}  // namespace engram::profile::detail
