// The document model and its two renderers: escaping, tables, links made
// relative to the output file, SVG embedding.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "document.hpp"
#include "engram/io/format.hpp"

namespace engram::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ReportDocument, MarkdownEscapesPlainTextButNotUnderscoresInsideWords) {
  EXPECT_EQ(escape_markdown("vector_similarity_1000"), "vector_similarity_1000");
  EXPECT_EQ(escape_markdown("_start"), "\\_start");
  EXPECT_EQ(escape_markdown("a|b *c* [d] <e> `f`"), "a\\|b \\*c\\* \\[d\\] \\<e\\> \\`f\\`");
  EXPECT_EQ(escape_markdown("x\\y"), "x\\\\y");
}

TEST(ReportDocument, CodeSpansUseALongerFenceThanAnyBacktickRunInside) {
  EXPECT_EQ(markdown_code_span("main"), "`main`");
  EXPECT_EQ(markdown_code_span("a`b"), "``a`b``");
  EXPECT_EQ(markdown_code_span("`x`"), "`` `x` ``");
}

TEST(ReportDocument, HtmlEscapesEverySpecialCharacter) {
  EXPECT_EQ(escape_html("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
}

TEST(ReportDocument, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(ReportDocument, SvgPrologIsDroppedForHtmlAndHeightIsRead) {
  const std::string svg = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n"
                          "<svg version=\"1.1\" width=\"1200\" height=\"342\" xmlns=\"http://www.w3.org/2000/svg\">"
                          "<rect height=\"5\"/></svg>";
  EXPECT_EQ(svg_for_html(svg).rfind("<svg version", 0), 0u);
  EXPECT_EQ(svg_height(svg), 342);
  EXPECT_EQ(svg_height("<svg viewBox=\"0 0 10 10\"><rect height=\"5\"/></svg>"), 0);
}

TEST(ReportDocument, TablesRenderTheSameCellsInBothFormats) {
  Document doc;
  doc.title = "T";
  doc.add(Heading{1, "T", ""});
  Table t;
  t.header = {"Name", "Value"};
  t.align = {Align::left, Align::right};
  t.rows.push_back({Text() << code("a|b"), Text("1.5 µs")});
  doc.add(t);
  const std::string md = render_markdown(doc, "/tmp/x/report.md");
  EXPECT_THAT(md, HasSubstr("| Name | Value |\n|---|---:|\n| `a\\|b` | 1.5 µs |"));
  const std::string html = render_html(doc, "/tmp/x/report.html");
  EXPECT_THAT(html, HasSubstr("<td><code>a|b</code></td><td class=\"r\">1.5 µs</td>"));
}

TEST(ReportDocument, LinksAndImagesAreRelativeToTheFileThatHoldsThem) {
  Document doc;
  doc.add(Paragraph{Text() << link("graph", "/work/repo/tmp/flamegraph.svg") << " and " << link("web", "https://x.y/z")});
  doc.add(Image{"plot", "/work/repo/tmp/roofline.svg", "<svg width=\"10\" height=\"10\"></svg>", false, 0});
  const std::string md = render_markdown(doc, "/work/repo/docs/internal/profiling_results.md");
  EXPECT_THAT(md, HasSubstr("[graph](../../tmp/flamegraph.svg)"));
  EXPECT_THAT(md, HasSubstr("[web](https://x.y/z)"));
  EXPECT_THAT(md, HasSubstr("![plot](../../tmp/roofline.svg)"));
  const std::string html = render_html(doc, "/work/repo/tmp/report.html");
  EXPECT_THAT(html, HasSubstr("<a href=\"flamegraph.svg\">graph</a>"));
}

TEST(ReportDocument, HtmlEmbedsStaticSvgsAsDataAndInteractiveOnesInAFrame) {
  Document doc;
  const std::string svg = "<?xml version=\"1.0\"?><svg width=\"10\" height=\"300\"><script>var a = 1 < 2;</script></svg>";
  doc.add(Image{"static", "s.svg", svg, false, 0});
  doc.add(Image{"live", "l.svg", svg, true, 0});
  const std::string html = render_html(doc, "out.html");
  EXPECT_THAT(html, HasSubstr("<img alt=\"static\" src=\"data:image/svg+xml;base64," + base64_encode(svg) + "\">"));
  // Only the report's own viewer is interactive, and even it runs sandboxed:
  // scripts, but no same origin (it cannot reach the page).
  EXPECT_THAT(html, HasSubstr("<iframe sandbox=\"allow-scripts allow-modals\" title=\"live\" height=\"324\" srcdoc=\""));
  EXPECT_THAT(html, HasSubstr("script-src 'unsafe-inline'"));
  // The SVG inside srcdoc is attribute-escaped and without its prolog.
  EXPECT_THAT(html, HasSubstr("&lt;svg width=&quot;10&quot; height=&quot;300&quot;&gt;&lt;script&gt;var a = 1 &lt; 2;"));
  EXPECT_THAT(html, Not(HasSubstr("&lt;?xml")));
  // Nothing is loaded from elsewhere.
  EXPECT_THAT(html, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(html, HasSubstr("Content-Security-Policy"));
}

// A page without the viewer runs no script at all: its policy says so.
TEST(ReportDocument, APageWithOnlyPicturesAllowsNoScript) {
  Document doc;
  doc.add(Image{"static", "s.svg", "<svg><script>alert(1)</script></svg>", false, 0});
  const std::string html = render_html(doc, "out.html");
  EXPECT_THAT(html, HasSubstr("script-src 'none'"));
  EXPECT_THAT(html, Not(HasSubstr("<iframe")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
}

TEST(ReportDocument, HeadingsGetUniqueAnchorsAndAContentsList) {
  Document doc;
  doc.add(Heading{1, "Report", ""});
  doc.add(Heading{2, "Benchmarks", ""});
  doc.add(Heading{2, "Benchmarks", ""});
  const std::string html = render_html(doc, "out.html");
  EXPECT_THAT(html, HasSubstr("<h2 id=\"benchmarks\">"));
  EXPECT_THAT(html, HasSubstr("<h2 id=\"benchmarks-2\">"));
  EXPECT_THAT(html, HasSubstr("<a href=\"#benchmarks-2\">"));
}

}  // namespace
}  // namespace engram::report
