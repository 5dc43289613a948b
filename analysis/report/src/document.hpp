#pragma once
// The report as a small document model: headings, paragraphs, lists, tables,
// code blocks and images. Every section is built once as blocks and then
// rendered twice, to Markdown and to HTML, so the two files cannot drift
// apart in content.
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace engram::report {

// A run of inline text with one style.
struct Span {
  enum class Style { plain, code, strong, link };
  Style style = Style::plain;
  std::string text;
  std::string href;  // links only
};

// Inline text: spans in order. Built with the helpers below, e.g.
//   Text{} << "see " << code("tmp/report.html") << " or " << link("the SVG", path)
class Text {
 public:
  Text() = default;
  Text(std::string plain_text);  // NOLINT(google-explicit-constructor): plain text is the common case
  Text(const char* plain_text);  // NOLINT(google-explicit-constructor)

  Text& operator<<(Span span);
  Text& operator<<(std::string plain_text);
  Text& operator<<(const char* plain_text);
  Text& operator<<(const Text& more);

  const std::vector<Span>& spans() const { return spans_; }
  bool empty() const { return spans_.empty(); }
  // The text without styles (for tests and alt texts).
  std::string plain() const;

 private:
  std::vector<Span> spans_;
};

Span code(std::string text);
Span strong(std::string text);
Span link(std::string text, std::string href);

struct Heading {
  int level = 2;  // 1 = document title
  std::string text;
  std::string anchor;  // id in HTML, derived from text when empty
};

struct Paragraph {
  Text text;
};

struct BulletList {
  std::vector<Text> items;
  bool numbered = false;
};

enum class Align { left, right };

struct Table {
  std::vector<std::string> header;
  std::vector<Align> align;  // one per column (left when missing)
  std::vector<std::vector<Text>> rows;
};

struct CodeBlock {
  std::string text;
};

// An SVG image. Markdown links to the file (relative to the Markdown file);
// HTML embeds `svg` itself: as a data: URI in an <img> (static plots), or,
// for an interactive SVG with a script (the flame graph), in an iframe whose
// srcdoc holds it so the script runs isolated from the page.
struct Image {
  std::string alt;
  std::filesystem::path file;  // the SVG on disk (absolute or relative to the working directory)
  std::string svg;             // its content
  bool interactive = false;
  int height = 0;              // px for the interactive frame; 0: from the SVG's height attribute
};

using Block = std::variant<Heading, Paragraph, BulletList, Table, CodeBlock, Image>;

struct Document {
  std::string title;
  std::vector<Block> blocks;

  Document& add(Block block);
};

// Markdown (GitHub flavour). Image and link paths that name files on disk are
// written relative to the folder of `markdown_path`.
std::string render_markdown(const Document& document, const std::filesystem::path& markdown_path);

// One self-contained HTML page: inline CSS, every SVG embedded, no external
// resources. Links to local files are kept relative to the folder of
// `html_path` (they are navigation only, nothing needed to render the page).
std::string render_html(const Document& document, const std::filesystem::path& html_path);

// Helpers shared by the renderers (exposed for tests).
std::string escape_html(std::string_view text);
std::string escape_markdown(std::string_view text);
std::string markdown_code_span(std::string_view text);
std::string base64_encode(std::string_view bytes);
std::string anchor_of(std::string_view heading);
// The SVG without an XML declaration or DOCTYPE, ready to sit inside HTML.
std::string svg_for_html(std::string_view svg);
// The height attribute of the outermost <svg> element in px (0 when absent).
int svg_height(std::string_view svg);

}  // namespace engram::report
