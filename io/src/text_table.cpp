#include "engram/io/text_table.hpp"

#include <algorithm>

namespace engram::io {
namespace {

// Display width in code points (UTF-8 continuation bytes do not count), so
// cells with "≤" or "×" still line up.
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A cell must stay one cell on one line: '|' would end it and a line break
// would end the row. A backslash is escaped too, or one before a '|' would
// escape the escape ("a\\|" splits the cell) and a literal "\|" would lose
// its backslash; "\\" reads as one backslash anywhere outside code spans.
std::string escape_markdown_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (c == '|' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string TextTable::render() const {
  std::vector<std::size_t> widths(header_.size(), 0);
  const auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  const auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      out += cell;
      if (i + 1 < widths.size()) out.append(widths[i] - display_width(cell) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header_);
  std::vector<std::string> rule;
  for (std::size_t w : widths) rule.emplace_back(w, '-');
  out += line(rule);
  for (const auto& row : rows_) out += line(row);
  return out;
}

std::string TextTable::render_markdown() const {
  const auto line = [&](const std::vector<std::string>& row) {
    std::string out = "|";
    for (std::size_t i = 0; i < header_.size(); ++i) out.append(" ").append(escape_markdown_cell(i < row.size() ? row[i] : "")).append(" |");
    return out + "\n";
  };
  std::string out = line(header_);
  out += "|";
  for (std::size_t i = 0; i < header_.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& row : rows_) out += line(row);
  return out;
}

}  // namespace engram::io
