#include "json_position.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace engram::io {

TextPosition parse_error_position(std::string_view text, std::size_t error_byte) {
  TextPosition at;
  const std::size_t end = std::min(error_byte > 0 ? error_byte - 1 : 0, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
  }
  return at;
}

std::string line_and_column(std::string_view text, std::size_t error_byte) {
  const TextPosition at = parse_error_position(text, error_byte);
  return fmt::format("{}:{}", at.line, at.column);
}

}  // namespace engram::io
