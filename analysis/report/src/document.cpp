#include "document.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

namespace engram::report {
namespace fs = std::filesystem;

// ---------------------------------------------------------------- Text

Text::Text(std::string plain_text) { *this << std::move(plain_text); }
Text::Text(const char* plain_text) { *this << std::string(plain_text); }

Text& Text::operator<<(Span span) {
  if (span.text.empty()) return *this;
  // Adjacent plain runs merge, so escaping sees whole words.
  if (span.style == Span::Style::plain && !spans_.empty() && spans_.back().style == Span::Style::plain) {
    spans_.back().text += span.text;
  } else {
    spans_.push_back(std::move(span));
  }
  return *this;
}
Text& Text::operator<<(std::string plain_text) { return *this << Span{Span::Style::plain, std::move(plain_text), {}}; }
Text& Text::operator<<(const char* plain_text) { return *this << std::string(plain_text); }
Text& Text::operator<<(const Text& more) {
  for (const auto& span : more.spans()) *this << span;
  return *this;
}

std::string Text::plain() const {
  std::string out;
  for (const auto& span : spans_) out += span.text;
  return out;
}

Span code(std::string text) { return {Span::Style::code, std::move(text), {}}; }
Span strong(std::string text) { return {Span::Style::strong, std::move(text), {}}; }
Span link(std::string text, std::string href) { return {Span::Style::link, std::move(text), std::move(href)}; }

Document& Document::add(Block block) {
  blocks.push_back(std::move(block));
  return *this;
}

// ---------------------------------------------------------------- helpers

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\': case '*': case '[': case ']': case '<': case '>': case '|': case '`':
        out += '\\';
        out += c;
        break;
      case '_': {
        // Inside a word (vector_similarity) an underscore is literal in
        // GitHub Markdown; at a word edge it could start emphasis.
        const bool inside = i > 0 && i + 1 < text.size() && word_char(text[i - 1]) && word_char(text[i + 1]);
        if (!inside) out += '\\';
        out += c;
        break;
      }
      case '\n': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

std::string markdown_code_span(std::string_view text) {
  // A fence one backtick longer than the longest run inside.
  std::size_t longest = 0, run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  std::string body(text);
  std::replace(body.begin(), body.end(), '\n', ' ');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t left = bytes.size() - i;
  if (left == 1) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (left == 2) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string anchor_of(std::string_view heading) {
  std::string out;
  bool dash = false;
  for (const char c : heading) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      if (dash && !out.empty()) out += '-';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      dash = false;
    } else {
      dash = true;
    }
  }
  return out.empty() ? "section" : out;
}

namespace {

// The first `<svg` element (skipping the prolog, comments and DOCTYPE).
std::size_t svg_start(std::string_view svg) {
  std::size_t pos = 0;
  while ((pos = svg.find("<svg", pos)) != std::string_view::npos) {
    const char next = pos + 4 < svg.size() ? svg[pos + 4] : '\0';
    if (next == ' ' || next == '>' || next == '\n' || next == '\t' || next == '\r') return pos;
    pos += 4;
  }
  return std::string_view::npos;
}

}  // namespace

std::string svg_for_html(std::string_view svg) {
  const std::size_t start = svg_start(svg);
  return std::string(start == std::string_view::npos ? svg : svg.substr(start));
}

int svg_height(std::string_view svg) {
  const std::size_t start = svg_start(svg);
  if (start == std::string_view::npos) return 0;
  const std::size_t end = svg.find('>', start);
  const std::string_view tag = svg.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  std::size_t at = 0;
  while ((at = tag.find("height", at)) != std::string_view::npos) {
    // A whole attribute name: preceded by whitespace, followed by '='.
    const bool starts = at > 0 && std::isspace(static_cast<unsigned char>(tag[at - 1])) != 0;
    std::size_t eq = at + 6;
    while (eq < tag.size() && tag[eq] == ' ') ++eq;
    if (starts && eq < tag.size() && tag[eq] == '=') {
      std::size_t quote = eq + 1;
      while (quote < tag.size() && tag[quote] == ' ') ++quote;
      if (quote < tag.size() && (tag[quote] == '"' || tag[quote] == '\'')) {
        const std::string value(tag.substr(quote + 1, 16));
        const double px = std::strtod(value.c_str(), nullptr);
        return px > 0 ? static_cast<int>(px + 0.5) : 0;
      }
    }
    at += 6;
  }
  return 0;
}

namespace {

bool is_url(std::string_view href) {
  return href.empty() || href.front() == '#' || href.find("://") != std::string_view::npos ||
         href.rfind("mailto:", 0) == 0;
}

// `target` as seen from the folder that holds `output`.
std::string relative_href(std::string_view target, const fs::path& output) {
  if (is_url(target)) return std::string(target);
  std::error_code ec;
  const fs::path from = fs::weakly_canonical(fs::absolute(output, ec).parent_path(), ec);
  const fs::path to = fs::weakly_canonical(fs::absolute(fs::path(target), ec), ec);
  fs::path rel = to.lexically_relative(from);
  if (rel.empty()) rel = to;
  return rel.generic_string();
}

std::string markdown_href(std::string_view href) {
  // Angle brackets allow spaces and parentheses in the destination.
  const bool plain = href.find_first_of(" ()<>") == std::string_view::npos;
  return plain ? std::string(href) : "<" + std::string(href) + ">";
}

// ---------------------------------------------------------------- Markdown

class MarkdownWriter {
 public:
  explicit MarkdownWriter(const fs::path& output) : output_(output) {}

  std::string text(const Text& text, bool in_table) const {
    std::string out;
    for (const auto& span : text.spans()) {
      switch (span.style) {
        case Span::Style::plain: out += escape_markdown(span.text); break;
        case Span::Style::code: {
          std::string c = markdown_code_span(span.text);
          if (in_table) c = escape_pipes(c);
          out += c;
          break;
        }
        case Span::Style::strong:
          out += "**";
          out += escape_markdown(span.text);
          out += "**";
          break;
        case Span::Style::link:
          out += '[';
          out += escape_markdown(span.text);
          out += "](";
          out += markdown_href(relative_href(span.href, output_));
          out += ')';
          break;
      }
    }
    return out;
  }

  void operator()(const Heading& h) {
    out_ += std::string(static_cast<std::size_t>(std::clamp(h.level, 1, 6)), '#') + " " + escape_markdown(h.text) +
            "\n\n";
  }
  void operator()(const Paragraph& p) { out_ += text(p.text, false) + "\n\n"; }
  void operator()(const BulletList& list) {
    std::size_t n = 0;
    for (const auto& item : list.items) {
      out_ += list.numbered ? fmt::format("{}. ", ++n) : std::string("- ");
      out_ += text(item, false) + "\n";
    }
    out_ += "\n";
  }
  void operator()(const Table& table) {
    const std::size_t columns = table.header.size();
    out_ += "|";
    // Appended piecewise: GCC 12 warns (-Wrestrict, a false positive) on
    // "literal" + std::string&& here.
    for (const auto& h : table.header) {
      out_ += ' ';
      out_ += escape_markdown(h);
      out_ += " |";
    }
    out_ += "\n|";
    for (std::size_t c = 0; c < columns; ++c) {
      const bool right = c < table.align.size() && table.align[c] == Align::right;
      out_ += right ? "---:|" : "---|";
    }
    out_ += "\n";
    for (const auto& row : table.rows) {
      out_ += "|";
      for (std::size_t c = 0; c < columns; ++c) {
        out_ += ' ';
        if (c < row.size()) out_ += text(row[c], true);
        out_ += " |";
      }
      out_ += "\n";
    }
    out_ += "\n";
  }
  void operator()(const CodeBlock& block) {
    std::string fence = "```";
    while (block.text.find(fence) != std::string::npos) fence += '`';
    out_ += fence + "\n" + block.text + (block.text.empty() || block.text.back() != '\n' ? "\n" : "") + fence + "\n\n";
  }
  void operator()(const Image& image) {
    if (image.file.empty()) return;  // drawn for the HTML page only: no file to show
    out_ += "![" + escape_markdown(image.alt) + "](" +
            markdown_href(relative_href(image.file.string(), output_)) + ")\n\n";
  }

  std::string take() { return std::move(out_); }

 private:
  static std::string escape_pipes(const std::string& s) {
    std::string out;
    for (const char c : s) {
      if (c == '|') out += '\\';
      out += c;
    }
    return out;
  }

  fs::path output_;
  std::string out_;
};

// ---------------------------------------------------------------- HTML

constexpr std::string_view kStyle = R"CSS(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       margin: 0 auto; max-width: 1280px; padding: 1.5em 2em 4em; color: #1d1f21; line-height: 1.45; }
h1 { border-bottom: 2px solid #d0d7de; padding-bottom: .3em; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2em; margin-top: 2em; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 90%; }
code { background: #f3f4f6; padding: .1em .3em; border-radius: 3px; overflow-wrap: break-word; }
pre { background: #f6f8fa; padding: .8em 1em; overflow-x: auto; border-radius: 4px; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; margin: .8em 0 1.2em; font-size: 92%; display: block; overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: .3em .6em; vertical-align: top; }
th { background: #f3f4f6; }
td.r, th.r { text-align: right; white-space: nowrap; }
tr:nth-child(even) td { background: #fafbfc; }
figure { margin: 1em 0; }
figure img { width: 100%; max-width: 1100px; height: auto; border: 1px solid #d0d7de; }
figure iframe { width: 100%; border: 1px solid #d0d7de; }
figcaption { font-size: 90%; color: #57606a; }
nav.toc { background: #f6f8fa; border: 1px solid #d0d7de; padding: .5em 1.5em; display: inline-block; }
)CSS";

class HtmlWriter {
 public:
  explicit HtmlWriter(const fs::path& output) : output_(output) {}

  std::string text(const Text& text) const {
    std::string out;
    for (const auto& span : text.spans()) {
      switch (span.style) {
        case Span::Style::plain: out += escape_html(span.text); break;
        case Span::Style::code: out += "<code>" + escape_html(span.text) + "</code>"; break;
        case Span::Style::strong: out += "<strong>" + escape_html(span.text) + "</strong>"; break;
        case Span::Style::link:
          out += "<a href=\"" + escape_html(relative_href(span.href, output_)) + "\">" + escape_html(span.text) + "</a>";
          break;
      }
    }
    return out;
  }

  void operator()(const Heading& h) {
    const int level = std::clamp(h.level, 1, 6);
    const std::string id = unique_anchor(h.anchor.empty() ? anchor_of(h.text) : h.anchor);
    out_ += fmt::format("<h{0} id=\"{1}\">{2}</h{0}>\n", level, escape_html(id), escape_html(h.text));
    if (level == 2) toc_.emplace_back(id, h.text);
  }
  void operator()(const Paragraph& p) { out_ += "<p>" + text(p.text) + "</p>\n"; }
  void operator()(const BulletList& list) {
    const char* tag = list.numbered ? "ol" : "ul";
    out_ += fmt::format("<{}>\n", tag);
    for (const auto& item : list.items) out_ += "<li>" + text(item) + "</li>\n";
    out_ += fmt::format("</{}>\n", tag);
  }
  void operator()(const Table& table) {
    auto cls = [&](std::size_t c) {
      return c < table.align.size() && table.align[c] == Align::right ? std::string(" class=\"r\"") : std::string();
    };
    out_ += "<table>\n<thead><tr>";
    for (std::size_t c = 0; c < table.header.size(); ++c) out_ += "<th" + cls(c) + ">" + escape_html(table.header[c]) + "</th>";
    out_ += "</tr></thead>\n<tbody>\n";
    for (const auto& row : table.rows) {
      out_ += "<tr>";
      for (std::size_t c = 0; c < table.header.size(); ++c) {
        out_ += "<td" + cls(c) + ">" + (c < row.size() ? text(row[c]) : std::string()) + "</td>";
      }
      out_ += "</tr>\n";
    }
    out_ += "</tbody>\n</table>\n";
  }
  void operator()(const CodeBlock& block) { out_ += "<pre><code>" + escape_html(block.text) + "</code></pre>\n"; }
  void operator()(const Image& image) {
    out_ += "<figure>\n";
    if (image.interactive) {
      // srcdoc: the SVG and its script run in their own document, so its
      // styles and element ids cannot clash with the page's. Only the
      // report's own viewer is interactive; the sandbox (scripts and the
      // Search prompt, but no same origin) still keeps it from reaching the
      // page, its storage or the files beside it.
      has_script_ = true;
      const int height = image.height > 0 ? image.height : std::max(200, svg_height(image.svg) + 24);
      const std::string doc = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + escape_html(image.alt) +
                              "</title><style>html,body{margin:0;padding:0}</style></head><body>" +
                              svg_for_html(image.svg) + "</body></html>";
      out_ += fmt::format("<iframe sandbox=\"allow-scripts allow-modals\" title=\"{}\" height=\"{}\" srcdoc=\"{}\"></iframe>\n",
                          escape_html(image.alt), height,
                          escape_html(doc));
    } else {
      out_ += fmt::format("<img alt=\"{}\" src=\"data:image/svg+xml;base64,{}\">\n", escape_html(image.alt),
                          base64_encode(image.svg));
    }
    out_ += "<figcaption>" + escape_html(image.alt) + "</figcaption>\n</figure>\n";
  }

  std::string page(const std::string& title) const {
    std::string toc;
    if (!toc_.empty()) {
      toc = "<nav class=\"toc\"><strong>Contents</strong><ol>\n";
      for (const auto& [id, text] : toc_) toc += "<li><a href=\"#" + escape_html(id) + "\">" + escape_html(text) + "</a></li>\n";
      toc += "</ol></nav>\n";
    }
    // The first block is the title heading; the contents follow it.
    std::string body = out_;
    const std::size_t after_title = body.find("</h1>\n");
    if (after_title != std::string::npos) {
      body.insert(after_title + 6, toc);
    } else {
      body = toc + body;
    }
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           // Nothing outside this file is loaded, no form or base can be
           // redirected, and a script runs only when the page holds the
           // report's own flame-graph viewer (its frame inherits this policy).
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
           "style-src 'unsafe-inline'; script-src " +
           std::string(has_script_ ? "'unsafe-inline'" : "'none'") +
           "; frame-src about:; base-uri 'none'; form-action 'none'\">\n"
           "<title>" +
           escape_html(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n" + body +
           "</body>\n</html>\n";
  }

 private:
  std::string unique_anchor(const std::string& wanted) {
    std::string id = wanted;
    for (int n = 2; !anchors_.insert(id).second; ++n) id = fmt::format("{}-{}", wanted, n);
    return id;
  }

  fs::path output_;
  std::string out_;
  bool has_script_ = false;
  std::set<std::string> anchors_;
  std::vector<std::pair<std::string, std::string>> toc_;
};

}  // namespace

std::string render_markdown(const Document& document, const fs::path& markdown_path) {
  MarkdownWriter writer(markdown_path);
  for (const auto& block : document.blocks) std::visit(writer, block);
  std::string out = writer.take();
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

std::string render_html(const Document& document, const fs::path& html_path) {
  HtmlWriter writer(html_path);
  for (const auto& block : document.blocks) std::visit(writer, block);
  return writer.page(document.title);
}

}  // namespace engram::report
