#pragma once
// XML-safe text (internal header): every byte sequence becomes valid UTF-8
// without characters XML 1.0 forbids, then & < > " ' are escaped.
#include <cstddef>
#include <string>
#include <string_view>

namespace engram::profile::detail {

// Valid UTF-8 without control characters (tab, newline and carriage return
// are kept) and without U+FFFE/U+FFFF; anything else becomes U+FFFD, and
// control characters become '?'.
std::string sanitize_for_xml(std::string_view text);
// Appends already sanitized text with & < > " ' escaped.
void append_escaped(std::string& out, std::string_view sanitized);
// Code points in valid UTF-8.
std::size_t count_code_points(std::string_view utf8);
// Bytes taken by the first `code_points` code points of valid UTF-8.
std::size_t prefix_bytes(std::string_view utf8, std::size_t code_points);

}  // namespace engram::profile::detail
