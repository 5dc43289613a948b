#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engram/io/safe_write.hpp"
#include "engram/profile/flamegraph.hpp"
#include "required_tool.hpp"
#include "test_support.hpp"

namespace {

using namespace engram::profile;
using engram::profile::testing::tree_from_folded;
using ::testing::HasSubstr;
using ::testing::Not;

const char* kProfile =
    "main;engram::optimized::find_similar;engram::optimized::cosine_batch 60\n"
    "main;engram::optimized::spread_activation 25\n"
    "main;std::vector<int, std::allocator<int> >::push_back 10\n"
    "main;cmp<a&b>;\"quoted\" 'single' 5\n";

bool xmllint_available() { return std::system("command -v xmllint > /dev/null 2>&1") == 0; }

// Runs xmllint --noout on `svg`; returns its exit status.
int xmllint(const std::string& svg) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("engram_fg_test_" + std::to_string(::getpid()) + ".svg");
  engram::io::write_file_atomically(path, svg);
  const std::string command = "xmllint --noout '" + path.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::filesystem::remove(path);
  return status;
}

TEST(XmlEscape, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(xml_escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
  EXPECT_EQ(xml_escape("plain text"), "plain text");
}

TEST(XmlEscape, ReplacesWhatXmlCannotHold) {
  EXPECT_EQ(xml_escape(std::string("a\x01" "b", 3)), "a?b");
  EXPECT_EQ(xml_escape("caf\xC3\xA9"), "caf\xC3\xA9");        // valid UTF-8 kept
  EXPECT_EQ(xml_escape("bad\xFF"), "bad\xEF\xBF\xBD");        // invalid byte -> U+FFFD
  EXPECT_EQ(xml_escape("cut\xE2\x82"), "cut\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
  EXPECT_EQ(xml_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(FlameGraphSvg, EveryNameIsEscaped) {
  const std::string svg = render_flamegraph(tree_from_folded(kProfile), {});
  EXPECT_THAT(svg, HasSubstr("<title>std::vector&lt;int, std::allocator&lt;int&gt; &gt;::push_back (10 samples, 10.00%)</title>"));
  EXPECT_THAT(svg, HasSubstr("<title>cmp&lt;a&amp;b&gt; (5 samples, 5.00%)</title>"));
  EXPECT_THAT(svg, HasSubstr("<title>&quot;quoted&quot; &apos;single&apos; (5 samples, 5.00%)</title>"));
  EXPECT_THAT(svg, Not(HasSubstr("cmp<a&b>")));
}

TEST(FlameGraphSvg, TooltipsLayoutAndInteractiveParts) {
  const std::string svg = render_flamegraph(tree_from_folded(kProfile), {});
  EXPECT_THAT(svg, HasSubstr("<title>all (100 samples, 100.00%)</title>"));
  EXPECT_THAT(svg, HasSubstr("<title>engram::optimized::cosine_batch (60 samples, 60.00%)</title>"));
  EXPECT_THAT(svg, HasSubstr("width=\"1200\""));
  EXPECT_THAT(svg, HasSubstr("<text id=\"title\" x=\"600.0\" y=\"24.0\">Flame Graph</text>"));
  EXPECT_THAT(svg, HasSubstr("100 samples"));  // default subtitle
  EXPECT_THAT(svg, HasSubstr("id=\"unzoom\""));
  EXPECT_THAT(svg, HasSubstr("Reset Zoom"));
  EXPECT_THAT(svg, HasSubstr("id=\"search\""));
  EXPECT_THAT(svg, HasSubstr("Matched: "));
  EXPECT_THAT(svg, HasSubstr("<![CDATA["));
  // The root spans the usable width; frames are 16 px apart, rects 15 px high.
  EXPECT_THAT(svg, HasSubstr("<rect x=\"10.00\" y=\"103.0\" width=\"1180.00\" height=\"15.0\""));
  // Children in name order: cmp<...> (offset 0) before engram::... and std::...
  const auto cmp = svg.find("<title>cmp&lt;");
  const auto find_similar = svg.find("<title>engram::optimized::find_similar");
  const auto spread = svg.find("<title>engram::optimized::spread_activation");
  const auto vector = svg.find("<title>std::vector");
  EXPECT_LT(cmp, find_similar);
  EXPECT_LT(find_similar, spread);
  EXPECT_LT(spread, vector);
  EXPECT_THAT(svg, HasSubstr("<g data-o=\"5\" data-n=\"60\" data-d=\"2\"><title>engram::optimized::find_similar"));
}

TEST(FlameGraphSvg, ByteIdenticalForTheSameInput) {
  const StackTree a = tree_from_folded(kProfile);
  // Same stacks in another order, split differently: same merged tree.
  const StackTree b = tree_from_folded(
      "main;cmp<a&b>;\"quoted\" 'single' 5\n"
      "main;std::vector<int, std::allocator<int> >::push_back 10\n"
      "main;engram::optimized::spread_activation 20\n"
      "main;engram::optimized::find_similar;engram::optimized::cosine_batch 60\n"
      "main;engram::optimized::spread_activation 5\n");
  FlameGraphOptions options;
  options.event = "cpu-clock";
  options.date = "2024-05-01";
  options.command = "profiling_harness --seed 42";
  EXPECT_EQ(render_flamegraph(a, options), render_flamegraph(a, options));
  EXPECT_EQ(render_flamegraph(a, options), render_flamegraph(b, options));
  EXPECT_THAT(render_flamegraph(a, options),
              HasSubstr("event: cpu-clock | 100 samples | 2024-05-01 | command: profiling_harness --seed 42"));
}

TEST(FlameGraphSvg, StableColourPerName) {
  EXPECT_EQ(frame_color("engram::optimized::cosine", Palette::kHot),
            frame_color("engram::optimized::cosine", Palette::kHot));
  EXPECT_NE(frame_color("engram::optimized::cosine", Palette::kHot),
            frame_color("engram::optimized::find_similar", Palette::kHot));
  for (const char* name : {"main", "a", "std::vector<int>::push_back", "[unknown]"}) {
    const Rgb hot = frame_color(name, Palette::kHot);
    EXPECT_GE(hot.r, 205);  // warm: red dominates
    EXPECT_LE(hot.b, 55);
    const Rgb blue = frame_color(name, Palette::kBlue);
    EXPECT_GE(blue.b, 205);
    const Rgb mem = frame_color(name, Palette::kMem);
    EXPECT_GE(mem.g, 190);
  }
  const Rgb kernel = frame_color("do_syscall_64_[k]", Palette::kHot);
  EXPECT_EQ(kernel.b, 0);  // kernel frames orange
  EXPECT_TRUE(parse_palette("aqua").has_value());
  EXPECT_FALSE(parse_palette("rainbow").has_value());
}

TEST(FlameGraphSvg, OptionsChangeTheLayout) {
  const StackTree tree = tree_from_folded(kProfile);
  FlameGraphOptions options;
  options.width = 600;
  options.inverted = true;
  options.palette = Palette::kBlue;
  options.title = "Custom <title>";
  const std::string svg = render_flamegraph(tree, options);
  EXPECT_THAT(svg, HasSubstr("width=\"600\""));
  EXPECT_THAT(svg, HasSubstr(">Custom &lt;title&gt;</text>"));
  // Inverted: the root at the top, just below the title area.
  EXPECT_THAT(svg, HasSubstr("<rect x=\"10.00\" y=\"54.0\" width=\"580.00\""));
  FlameGraphOptions inverted_default;
  inverted_default.inverted = true;
  EXPECT_THAT(render_flamegraph(tree, inverted_default), HasSubstr(">Icicle Graph</text>"));
}

TEST(FlameGraphSvg, MinWidthLeavesOutNarrowFrames) {
  std::string folded = "main;big 100000\n";
  for (int i = 0; i < 50; ++i) folded += "main;tiny" + std::to_string(i) + " 1\n";
  const StackTree tree = tree_from_folded(folded);
  const std::string svg = render_flamegraph(tree, {});  // 1 sample = 0.0118 px < 0.1 px
  EXPECT_THAT(svg, Not(HasSubstr("tiny7")));
  FlameGraphOptions all;
  all.min_width = 0.0;
  EXPECT_THAT(render_flamegraph(tree, all), HasSubstr("tiny7"));
}

TEST(FlameGraphSvg, LongNamesAreCutOnCharacterBoundaries) {
  std::string name;
  for (int i = 0; i < 400; ++i) name += "\xC3\xA9";  // é, two bytes each
  const std::string svg = render_flamegraph(tree_from_folded("main;" + name + " 1\n"), {});
  // (1180 - 3) px / 7.08 px per character: 166 fit, so 164 and "..".
  std::string expected;
  for (int i = 0; i < 164; ++i) expected += "\xC3\xA9";
  EXPECT_THAT(svg, HasSubstr(">" + expected + "..</text>"));
}

TEST(FlameGraphSvg, RejectsBadOptionsAndEmptyTrees) {
  const StackTree tree = tree_from_folded(kProfile);
  FlameGraphOptions narrow;
  narrow.width = 10;
  EXPECT_THROW(render_flamegraph(tree, narrow), std::invalid_argument);
  FlameGraphOptions negative;
  negative.min_width = -1;
  EXPECT_THROW(render_flamegraph(tree, negative), std::invalid_argument);
  StackTree empty;
  EXPECT_THROW(render_flamegraph(empty, {}), std::invalid_argument);
}

TEST(FlameGraphSvg, DeepStackRenders) {
  std::string line;
  for (int i = 0; i < 10'000; ++i) {
    if (i > 0) line += ';';
    line.append("frame").append(std::to_string(i));
  }
  const StackTree tree = tree_from_folded(line + " 1\n");
  const std::string svg = render_flamegraph(tree, {});
  EXPECT_THAT(svg, HasSubstr("data-d=\"10000\""));
  if (!xmllint_available()) ENGRAM_SKIP_WITHOUT_TOOL("xmllint is not installed (Debian package libxml2-utils)");
  EXPECT_EQ(xmllint(svg), 0);
}

TEST(FlameGraphSvg, WellFormedXml) {
  if (!xmllint_available()) ENGRAM_SKIP_WITHOUT_TOOL("xmllint is not installed (Debian package libxml2-utils)");
  const StackTree tree = tree_from_folded(std::string(kProfile) + "main;bad\xFF\x01name 3\n");
  EXPECT_EQ(xmllint(render_flamegraph(tree, {})), 0);
  FlameGraphOptions options;
  options.inverted = true;
  options.subtitle = "a & b < c";
  EXPECT_EQ(xmllint(render_flamegraph(tree, options)), 0);
  EXPECT_EQ(xmllint(render_differential_flamegraph(tree, tree, options)), 0);
}

TEST(DifferentialFlameGraph, DeltasAreNormalisedByTotals) {
  // Before: 100 samples, 50% in f. After: 200 samples, 75% in f.
  const StackTree before = tree_from_folded("main;f 50\nmain;g 50\n");
  const StackTree after = tree_from_folded("main;f 150\nmain;g 40\nmain;h 10\n");
  const std::vector<double> deltas = differential_deltas(before, after);
  const auto main_id = after.find_child(StackTree::kRoot, "main");
  EXPECT_DOUBLE_EQ(deltas[after.find_child(main_id, "f")], 150.0 - 50.0 * 2.0);  // grew
  EXPECT_DOUBLE_EQ(deltas[after.find_child(main_id, "g")], 40.0 - 50.0 * 2.0);   // shrank
  EXPECT_DOUBLE_EQ(deltas[after.find_child(main_id, "h")], 10.0);               // new
  EXPECT_DOUBLE_EQ(deltas[main_id], 0.0);                                        // no self samples
}

TEST(DifferentialFlameGraph, RedGrewBlueShrank) {
  const Rgb grew = differential_color(5.0, 10.0);
  EXPECT_EQ(grew.r, 255);
  EXPECT_LT(grew.g, 255);
  EXPECT_EQ(grew.g, grew.b);
  const Rgb shrank = differential_color(-5.0, 10.0);
  EXPECT_EQ(shrank.b, 255);
  EXPECT_LT(shrank.r, 255);
  EXPECT_EQ(differential_color(0.0, 10.0), (Rgb{255, 255, 255}));
  // Larger change, stronger colour.
  EXPECT_LT(differential_color(10.0, 10.0).g, differential_color(1.0, 10.0).g);
  EXPECT_EQ(differential_color(10.0, 10.0), (Rgb{255, 0, 0}));
  EXPECT_EQ(differential_color(-10.0, 10.0), (Rgb{0, 0, 255}));
}

TEST(DifferentialFlameGraph, SvgUsesNewWidthsAndDeltaColours) {
  const StackTree before = tree_from_folded("main;f 50\nmain;g 50\n");
  const StackTree after = tree_from_folded("main;f 150\nmain;g 40\nmain;h 10\n");
  const std::string svg = render_differential_flamegraph(before, after, {});
  EXPECT_THAT(svg, HasSubstr(">Differential Flame Graph</text>"));
  // f: +50 of 200 samples = +25%; g: -60 = -30%, the largest change.
  EXPECT_THAT(svg, HasSubstr("<title>f (150 samples, 75.00%; +25.00%)</title>"));
  EXPECT_THAT(svg, HasSubstr("<title>g (40 samples, 20.00%; -30.00%)</title>"));
  // The fill of the first frame whose tooltip starts with `title_start`.
  const auto fill_of = [&](const std::string& title_start) {
    const std::size_t title = svg.find("<title>" + title_start);
    if (title == std::string::npos) return std::string("not found");
    const std::size_t fill = svg.find("fill=\"", title) + 6;
    return svg.substr(fill, svg.find('"', fill) - fill);
  };
  EXPECT_EQ(fill_of("g (40"), "rgb(0,0,255)");      // shrank most: full blue
  EXPECT_EQ(fill_of("f (150"), "rgb(255,35,35)");   // grew by 50/60 of that: red
  EXPECT_EQ(fill_of("main ("), "rgb(255,255,255)"); // no self samples: unchanged
}

}  // namespace
