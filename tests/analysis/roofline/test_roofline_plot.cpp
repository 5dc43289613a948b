// The roofline plot: the gnuplot script, and the SVG/PNG gnuplot draws.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "engram/io/gnuplot.hpp"
#include "engram/roofline/roofline.hpp"
#include "required_tool.hpp"
#include "roofline_test_support.hpp"

namespace {

using namespace engram::roofline;
using namespace engram::benchstats;
using engram::io::InputError;
using namespace engram::roofline_testing;

RooflineResult sample_result() {
  const json file = work_file({{"vector_similarity_1000/reference", 1.5e6, 3e6},
                                    {"vector_similarity_1000/optimized", 1.5e6, 3e6},
                                    {"decay_10k_memories/exponential/sleef", 4e4, 2e5},
                                    {"it's/optimized", 1e6, 1e6},
                                    {"spreading/optimized", 1e6, 5e6, 48e3, "gather", 100}},
                                   {600, 40, 10, 50, 400});
  return compute_roofline(parse_ceilings_json(synthetic_ceilings().dump(), "c.json"),
                          parse_benchmark_json(file.dump(), "b.json"));
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// The "set label 'N' at X, Y center" lines: the points' numbers.
std::vector<std::pair<double, double>> number_positions(const std::string& script) {
  std::vector<std::pair<double, double>> out;
  std::istringstream lines(script);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("set label '", 0) != 0 || !contains(line, " center ")) continue;
    const auto at = line.find(" at ");
    double x = 0, y = 0;
    if (std::sscanf(line.c_str() + at + 4, "%lf, %lf", &x, &y) == 2) out.emplace_back(x, y);
  }
  return out;
}

TEST(RooflinePlot, CommandsDrawEveryRoofPeakAndDot) {
  const std::string s = roofline_gnuplot_commands(sample_result());
  EXPECT_FALSE(contains(s, "set terminal"));  // io::render_gnuplot's part
  EXPECT_TRUE(contains(s, "set logscale xy 10"));
  for (const char* roof : {"min(160, x * 200)", "min(160, x * 100)", "min(160, x * 50)", "min(160, x * 20)"}) {
    EXPECT_TRUE(contains(s, roof)) << roof;
  }
  EXPECT_TRUE(contains(s, "'L3 load roof, 50 GB/s'")) << s;
  EXPECT_TRUE(contains(s, "dt 2 lw 2 lc rgb '#d94801' title 'L2 gather roof, 20 GB/s'")) << s;
  for (const char* peak : {"'scalar peak, 10.0 GFLOP/s'", "'avx2 peak, 80.0 GFLOP/s'", "'avx512 peak, 160.0 GFLOP/s'"}) {
    EXPECT_TRUE(contains(s, peak)) << peak;
  }
  // The dots in one block (reference: I 0.5, 2.5 GFLOP/s, an open circle).
  EXPECT_TRUE(contains(s, "$points << EOD\n0.5 2.5 6 ")) << s;
  // One key entry per kernel and one per variant, however many dots.
  EXPECT_EQ(occurrences(s, "title 'vector_similarity_1000'"), 1u);
  EXPECT_EQ(occurrences(s, "title 'it''s'"), 1u);
  EXPECT_EQ(occurrences(s, "title 'optimized'"), 1u);
  EXPECT_EQ(occurrences(s, "title 'reference'"), 1u);
  EXPECT_EQ(occurrences(s, "title 'sleef'"), 1u);
  // The numbered list beside the plot, with each point's share of its roof.
  EXPECT_TRUE(contains(s, " 2  vector_similarity_1000/optimized  ")) << s;
  EXPECT_EQ(number_positions(s).size(), 5u);
}

TEST(RooflinePlot, AxesFitThePointsAndTheRoofsNotWholeDecades) {
  const RooflineResult r = sample_result();
  const std::string s = roofline_gnuplot_commands(r);
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  ASSERT_EQ(std::sscanf(s.c_str() + s.find("set xrange"), "set xrange [%lf:%lf]", &x0, &x1), 2) << s;
  ASSERT_EQ(std::sscanf(s.c_str() + s.find("set yrange"), "set yrange [%lf:%lf]", &y0, &y1), 2) << s;
  // Intensities 0.2 .. 1.5 and the ridges 0.8 (L1) .. 8 (DRAM); a margin of 1.6x.
  EXPECT_NEAR(x0, 0.2 / 1.6, 1e-4);
  EXPECT_NEAR(x1, 8 * 1.6, 1e-4);
  // The slowest dot (vector_similarity reference, 2.5 GFLOP/s) to the best peak.
  EXPECT_NEAR(y0, 2.5 / 1.8, 1e-4);
  EXPECT_NEAR(y1, 160 * 1.8, 1e-3);
}

TEST(RooflinePlot, NumbersOfDotsOnTopOfEachOtherDoNotOverlap) {
  // Six variants with the same work and time: six dots on one spot.
  std::vector<Work> work;
  for (const char* v : {"a", "b", "c", "d", "e", "f"}) work.push_back({std::string("k/") + v, 1e6, 2e6});
  const RooflineResult r =
      compute_roofline(parse_ceilings_json(synthetic_ceilings().dump(), "c.json"),
                       parse_benchmark_json(work_file(work, {50, 50, 50, 50, 50, 50}).dump(), "b.json"));
  const auto at = number_positions(roofline_gnuplot_commands(r));
  ASSERT_EQ(at.size(), 6u);
  // In log space a label is about 0.03 decades wide at this plot size: no two
  // numbers may sit closer than that in both directions.
  for (std::size_t i = 0; i < at.size(); ++i) {
    for (std::size_t j = i + 1; j < at.size(); ++j) {
      const double dx = std::abs(std::log10(at[i].first / at[j].first));
      const double dy = std::abs(std::log10(at[i].second / at[j].second));
      EXPECT_TRUE(dx > 0.02 || dy > 0.02) << i << " and " << j << ": " << dx << ", " << dy;
    }
  }
}

class RooflinePlotRender : public ::testing::Test {
 protected:
  void SetUp() override {
    gnuplot_ = engram::io::find_gnuplot();
    if (!gnuplot_.available) ENGRAM_SKIP_WITHOUT_TOOL("gnuplot is not installed (Debian package gnuplot-nox)");
  }
  engram::io::GnuplotInfo gnuplot_;
};

TEST_F(RooflinePlotRender, WritesWellFormedSvgAndPngWithoutLeftovers) {
  TempDir dir;
  render_roofline_plot(sample_result(), dir / "roofline.svg", dir / "roofline.png");
  const std::string svg = read_text(dir / "roofline.svg");
  ASSERT_FALSE(svg.empty());
  EXPECT_TRUE(contains(svg.substr(0, 200), "<svg") || contains(svg.substr(0, 200), "<?xml")) << svg.substr(0, 200);
  EXPECT_TRUE(contains(svg, "</svg>"));
  EXPECT_TRUE(contains(svg, "L1 load roof, 200 GB/s"));
  EXPECT_TRUE(contains(svg, "vector_similarity_1000"));
  EXPECT_TRUE(contains(svg, "it&apos;s") || contains(svg, "it's")) << "the quoted kernel name";
  const std::string png = read_text(dir / "roofline.png");
  ASSERT_GE(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(leftover_temporaries(dir.path()), 0);
  // Last, as it may end the test: well-formed XML, checked by xmllint.
  if (run_command("command -v xmllint").exit_code != 0) {
    ENGRAM_SKIP_WITHOUT_TOOL("xmllint is not installed (Debian package libxml2-utils): the SVG was not checked "
                             "for well-formedness");
  }
  const CommandResult check = run_command("xmllint --noout " + shell_quote((dir / "roofline.svg").string()));
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

TEST_F(RooflinePlotRender, AFailingGnuplotLeavesNothingBehind) {
  TempDir dir;
  // A folder that does not exist: gnuplot cannot open its output.
  EXPECT_THROW(render_roofline_plot(sample_result(), dir / "missing" / "roofline.svg"), std::runtime_error);
  EXPECT_EQ(leftover_temporaries(dir.path()), 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "missing"));
}

TEST(RooflinePlotWithoutGnuplot, SaysWhatToInstall) {
  TempDir empty;
  const char* old_path = ::getenv("PATH");
  const std::string saved = old_path ? old_path : "";
  ::setenv("PATH", empty.path().c_str(), 1);
  std::string message;
  try {
    render_roofline_plot(sample_result(), empty / "r.svg");
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  ::setenv("PATH", saved.c_str(), 1);
  EXPECT_TRUE(contains(message, "Debian package gnuplot-nox")) << message;
  EXPECT_FALSE(std::filesystem::exists(empty / "r.svg"));
}

}  // namespace
