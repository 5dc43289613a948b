#include "xml_text.hpp"

#include "engram/profile/flamegraph.hpp"

namespace engram::profile::detail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid.
std::size_t valid_sequence_length(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = at(i);
  const std::size_t left = s.size() - i;
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && is_continuation(at(i + 1)) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !is_continuation(at(i + 1)) || !is_continuation(at(i + 2))) return 0;
    const unsigned char c1 = at(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (c == 0xED && c1 > 0x9F) return 0;  // surrogates
    if (c == 0xEF && c1 == 0xBF && (at(i + 2) == 0xBE || at(i + 2) == 0xBF)) return 0;  // U+FFFE/F
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !is_continuation(at(i + 1)) || !is_continuation(at(i + 2)) ||
        !is_continuation(at(i + 3))) {
      return 0;
    }
    const unsigned char c1 = at(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
    if (c == 0xF4 && c1 > 0x8F) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string sanitize_for_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : static_cast<char>(c));
      ++i;
      continue;
    }
    const std::size_t length = valid_sequence_length(text, i);
    if (length == 0) {
      out.append(kReplacement);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

void append_escaped(std::string& out, std::string_view sanitized) {
  for (char c : sanitized) {
    switch (c) {
      case '&': out.append("&amp;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      case '"': out.append("&quot;"); break;
      case '\'': out.append("&apos;"); break;
      default: out.push_back(c); break;
    }
  }
}

std::size_t count_code_points(std::string_view utf8) {
  std::size_t count = 0;
  for (char c : utf8) count += is_continuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return count;
}

std::size_t prefix_bytes(std::string_view utf8, std::size_t code_points) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    if (!is_continuation(static_cast<unsigned char>(utf8[i]))) {
      if (seen == code_points) return i;
      ++seen;
    }
  }
  return utf8.size();
}

}  // namespace engram::profile::detail

namespace engram::profile {

std::string xml_escape(std::string_view text) {
  std::string out;
  detail::append_escaped(out, detail::sanitize_for_xml(text));
  return out;
}

}  // namespace engram::profile
