// The roofline plot: the gnuplot script, and the SVG/PNG gnuplot draws.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

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
  const json entries = json::array({benchmark_entry("vector_similarity_1000/reference", 1.5e6, 3e6, 600, 600),
                                    benchmark_entry("vector_similarity_1000/optimized", 1.5e6, 3e6, 40, 40),
                                    benchmark_entry("decay_10k_memories/exponential/sleef", 4e4, 2e5, 10, 10),
                                    benchmark_entry("it's/optimized", 1e6, 1e6, 50, 50)});
  const BenchmarkFile file = parse_benchmark_json(benchmark_file(entries).dump(), "b.json");
  return compute_roofline(parse_ceilings_json(synthetic_ceilings().dump(), "c.json"), file);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(RooflinePlot, ScriptDrawsEveryRoofPeakAndDot) {
  const std::string s = roofline_gnuplot_script(sample_result(), "svg", "/tmp/it's here/out.svg");
  EXPECT_TRUE(contains(s, "set output '/tmp/it''s here/out.svg'")) << s;  // quotes doubled
  EXPECT_TRUE(contains(s, "set logscale xy 10"));
  for (const char* roof : {"min(best_peak, x * 200)", "min(best_peak, x * 100)", "min(best_peak, x * 50)",
                           "min(best_peak, x * 20)"}) {
    EXPECT_TRUE(contains(s, roof)) << roof;
  }
  EXPECT_TRUE(contains(s, "'L3 roof, 50 GB/s (load)'"));
  for (const char* peak : {"'scalar peak, 10.0 GFLOP/s'", "'avx2 peak, 80.0 GFLOP/s'", "'avx512 peak, 160.0 GFLOP/s'"}) {
    EXPECT_TRUE(contains(s, peak)) << peak;
  }
  // One data block per kernel, one row per variant, the kernel in the key.
  EXPECT_TRUE(contains(s, "$kernel0 << EOD\n0.5 2.5 "));  // reference: I 0.5, 2.5 GFLOP/s
  EXPECT_TRUE(contains(s, "$kernel2 << EOD"));
  EXPECT_FALSE(contains(s, "$kernel3"));
  EXPECT_TRUE(contains(s, "title 'vector_similarity_1000'"));
  EXPECT_TRUE(contains(s, "title 'it''s'"));
  EXPECT_TRUE(contains(s, "\"sleef\""));
  EXPECT_TRUE(contains(s, "title 'reference'"));
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
  EXPECT_TRUE(contains(svg, "L1 roof, 200 GB/s (load)"));
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
  EXPECT_TRUE(contains(message, "gnuplot is not installed (Debian package gnuplot-nox)")) << message;
  EXPECT_FALSE(std::filesystem::exists(empty / "r.svg"));
}

}  // namespace
