#pragma once
// Where a JSON parse error is, for messages that name the place in the file.
// nlohmann::json::parse_error::byte is the 1-based position of the last byte
// the parser read; lines and columns here are 1-based.
#include <cstddef>
#include <string>
#include <string_view>

namespace engram::io {

struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};

TextPosition parse_error_position(std::string_view text, std::size_t error_byte);

// "LINE:COLUMN" of parse_error_position.
std::string line_and_column(std::string_view text, std::size_t error_byte);

}  // namespace engram::io
