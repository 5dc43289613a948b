#pragma once
// Column-aligned plain-text tables and GitHub-flavoured markdown tables for
// the reports of the statistics tools.
#include <string>
#include <vector>

namespace engram::io {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Left-aligned columns separated by two spaces, a dashed rule under the header.
  std::string render() const;
  // "| a | b |" rows with a "|---|" separator; '|' in cells is escaped.
  std::string render_markdown() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace engram::io
