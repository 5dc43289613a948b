// Stability over runs: CV of the run medians against the 5% criterion, its
// tables, the gnuplot plot and the stability tool.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engram/io/gnuplot.hpp"
#include "engram/benchstats/stability.hpp"
#include "required_tool.hpp"
#include "stats_test_support.hpp"

namespace ea = engram::benchstats;
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using V = std::vector<double>;

namespace {

ea::BenchmarkSamples samples(const std::string& name, const V& cpu_ns) {
  ea::BenchmarkSamples s;
  s.name = name;
  s.cpu_ns = cpu_ns;
  s.real_ns = cpu_ns;
  return s;
}

// Three runs. "steady": run medians 100, 102, 98 (mean 100, deviations 0, 2,
// -2, sample sd sqrt(8 / 2) = 2, CV 2%). "shaky": 100, 120, 80 (sd 20, CV 20%).
// "partial": missing from run 3.
std::vector<ea::BenchmarkFile> three_runs() {
  std::vector<ea::BenchmarkFile> runs(3);
  const double steady[] = {100, 102, 98}, shaky[] = {100, 120, 80};
  for (int i = 0; i < 3; ++i) {
    runs[i].source = "run" + std::to_string(i + 1) + ".json";
    // Repetitions whose median is the value above.
    runs[i].benchmarks.push_back(samples("steady", {steady[i] - 1, steady[i], steady[i] + 5}));
    runs[i].benchmarks.push_back(samples("shaky", {shaky[i], shaky[i] + 1, shaky[i] - 1}));
    if (i < 2) runs[i].benchmarks.push_back(samples("partial", {50, 50, 50}));
  }
  return runs;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST(Stability, CvOfRunMediansAgainstTheLimit) {
  const auto runs = three_runs();
  const ea::StabilityReport r = ea::analyse_stability(runs);
  ASSERT_EQ(r.benchmarks.size(), 3u);
  const auto& steady = r.benchmarks[0];
  EXPECT_EQ(steady.name, "steady");
  ASSERT_EQ(steady.run_medians.size(), 3u);
  EXPECT_DOUBLE_EQ(*steady.run_medians[1], 102);
  EXPECT_NEAR(*steady.cv, 0.02, 1e-12);
  EXPECT_DOUBLE_EQ(*steady.median_of_medians, 100);
  EXPECT_DOUBLE_EQ(*steady.min, 98);
  EXPECT_DOUBLE_EQ(*steady.max, 102);
  EXPECT_EQ(steady.status, ea::StabilityStatus::pass);
  EXPECT_NEAR(*r.benchmarks[1].cv, 0.20, 1e-12);
  EXPECT_EQ(r.benchmarks[1].status, ea::StabilityStatus::fail);
  const auto& partial = r.benchmarks[2];
  EXPECT_FALSE(partial.run_medians[2]);
  EXPECT_EQ(partial.status, ea::StabilityStatus::incomplete);  // CV 0 over two runs, but a run lacks it
  EXPECT_EQ(r.count(ea::StabilityStatus::pass), 1u);
  // A 25% limit lets the shaky one pass.
  ea::StabilityOptions wide;
  wide.cv_limit = 0.25;
  EXPECT_EQ(ea::analyse_stability(runs, wide).benchmarks[1].status, ea::StabilityStatus::pass);
}

TEST(Stability, NeedsTwoRuns) {
  auto runs = three_runs();
  runs.resize(1);
  EXPECT_THROW(ea::analyse_stability(runs), std::invalid_argument);
}

TEST(Stability, MarkdownAndJson) {
  const auto runs = three_runs();
  const ea::StabilityReport r = ea::analyse_stability(runs);
  const std::string md = ea::stability_markdown(r);
  EXPECT_THAT(md, HasSubstr("| benchmark | run 1 | run 2 | run 3 | median | CV of medians | < 5% |"));
  EXPECT_THAT(md, HasSubstr("| steady | 100 ns | 102 ns | 98 ns | 100 ns | 2.00% | pass |"));
  EXPECT_THAT(md, HasSubstr("| shaky | 100 ns | 120 ns | 80 ns | 100 ns | 20.00% | FAIL |"));
  EXPECT_THAT(md, HasSubstr("| partial | 50 ns | 50 ns | - |"));
  EXPECT_THAT(md, HasSubstr("1 of 3 benchmarks pass, 1 fail, 1 incomplete"));
  EXPECT_THAT(md, HasSubstr("1. run1.json"));
  const nlohmann::json j = nlohmann::json::parse(ea::stability_json(r));
  EXPECT_EQ(j["benchmarks"][0]["status"], "pass");
  EXPECT_EQ(j["benchmarks"][1]["status"], "fail");
  EXPECT_TRUE(j["benchmarks"][2]["run_medians"][2].is_null());
  EXPECT_NEAR(j["benchmarks"][0]["cv"].get<double>(), 0.02, 1e-12);
  EXPECT_EQ(j["summary"]["incomplete"], 1);
}

// stability.json has one writer and one reader; the report reads it with the reader.
std::string stability_read_error(const nlohmann::json& j) {
  try {
    (void)ea::stability_from_json(engram::io::parse_json_text(j.dump(), "stability.json"));
  } catch (const engram::io::InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(StabilityJson, RoundTripsEveryField) {
  const auto runs = three_runs();
  ea::StabilityOptions options;
  options.cv_limit = 0.1;
  options.measure = ea::TimeMeasure::real;
  const ea::StabilityReport r = ea::analyse_stability(runs, options);
  const std::string text = ea::stability_json(r);
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["schema"], "engram-stability");
  EXPECT_EQ(j["version"], 1);
  const ea::StabilityReport back = ea::stability_from_json(engram::io::parse_json_text(text, "stability.json"));
  EXPECT_EQ(back.sources, r.sources);
  EXPECT_EQ(back.options.cv_limit, 0.1);
  EXPECT_EQ(back.options.measure, ea::TimeMeasure::real);
  ASSERT_EQ(back.benchmarks.size(), 3u);
  EXPECT_EQ(back.benchmarks[1].status, ea::StabilityStatus::fail);
  EXPECT_EQ(back.benchmarks[2].status, ea::StabilityStatus::incomplete);
  EXPECT_FALSE(back.benchmarks[2].run_medians[2].has_value());
  EXPECT_EQ(back.benchmarks[0].repetitions, r.benchmarks[0].repetitions);
  EXPECT_EQ(back.benchmarks[0].cv, r.benchmarks[0].cv);
  // Written again, the same bytes: nothing is lost on the way.
  EXPECT_EQ(ea::stability_json(back), text);
}

TEST(StabilityJson, AnotherVersionUnknownStatusAndBadShapesAreClearErrors) {
  const auto runs = three_runs();
  const nlohmann::json good = nlohmann::json::parse(ea::stability_json(ea::analyse_stability(runs)));
  nlohmann::json bad = good;
  bad["version"] = 2;
  EXPECT_THAT(stability_read_error(bad),
              HasSubstr("stability.json: /version: engram-stability version 2; this build reads version 1"));
  bad = good;
  bad.erase("schema");
  EXPECT_THAT(stability_read_error(bad), HasSubstr("no \"schema\" member"));
  bad = good;
  bad["benchmarks"][1]["status"] = "FAIL";
  EXPECT_THAT(stability_read_error(bad), HasSubstr("/benchmarks/1/status: unknown status \"FAIL\""));
  bad = good;
  bad["unit"] = "us";
  EXPECT_THAT(stability_read_error(bad), HasSubstr("/unit: unit \"us\""));
  bad = good;
  bad["benchmarks"][0]["run_medians"].erase(0);
  EXPECT_THAT(stability_read_error(bad), HasSubstr("/benchmarks/0/run_medians: 2 run medians for 3 runs"));
  bad = good;
  bad["time"] = "wall";
  EXPECT_THAT(stability_read_error(bad), HasSubstr("/time"));
}

// A hostile repetition count is refused at its pointer before the size_t cast.
TEST(StabilityJson, HostileRepetitionCountsAreRefused) {
  const nlohmann::json good = nlohmann::json::parse(ea::stability_json(ea::analyse_stability(three_runs())));
  nlohmann::json bad = good;
  bad["benchmarks"][0]["repetitions"][1] = 1e300;
  EXPECT_THAT(stability_read_error(bad), HasSubstr("/benchmarks/0/repetitions/1: expected a whole number in "
                                                   "[0, 9007199254740992], found 1e+300"));
  bad = good;
  bad["benchmarks"][0]["repetitions"][0] = -1;
  EXPECT_THAT(stability_read_error(bad), HasSubstr("/benchmarks/0/repetitions/0: expected a whole number"));
}

TEST(Stability, GnuplotCommandsQuoteNames) {
  auto runs = three_runs();
  runs[0].benchmarks[0].name = "it's/a_name";
  runs[1].benchmarks[0].name = "it's/a_name";
  runs[2].benchmarks[0].name = "it's/a_name";
  const std::string g = ea::stability_gnuplot_commands(ea::analyse_stability(runs));
  EXPECT_THAT(g, HasSubstr("'it''s/a_name' 0"));  // gnuplot's '' escape
  EXPECT_THAT(g, HasSubstr("$cv << EOD"));
  EXPECT_THAT(g, HasSubstr("'limit 5%'"));
}

TEST(Stability, PlotsSvgAndPngWithGnuplotAndLeavesNoTemporaryFiles) {
  if (!engram::io::find_gnuplot().available) ENGRAM_SKIP_WITHOUT_TOOL("gnuplot is not installed (Debian package gnuplot-nox)");
  stats_test::TempDir dir("plot");
  const auto runs = three_runs();
  const ea::StabilityReport r = ea::analyse_stability(runs);
  ea::plot_stability(r, dir.path() / "s.svg", dir.path() / "s.png");
  const std::string svg = slurp(dir.path() / "s.svg");
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  EXPECT_THAT(svg, HasSubstr("steady"));
  EXPECT_THAT(svg, HasSubstr("gnuplot"));  // drawn by gnuplot
  const std::string png = slurp(dir.path() / "s.png");
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(listing(dir.path()), (std::vector<std::string>{"s.png", "s.svg"}));
}

TEST(Stability, AFailingGnuplotLeavesNothingAndSaysWhy) {
  stats_test::TempDir dir("badplot");
  const std::string fake = dir.file("fake-gnuplot");
  {
    std::ofstream out(fake);
    out << "#!/bin/sh\necho 'line 3: something is wrong' >&2\nexit 1\n";
  }
  fs::permissions(fake, fs::perms::owner_all);
  const auto runs = three_runs();
  const ea::StabilityReport r = ea::analyse_stability(runs);
  try {
    ea::plot_stability(r, dir.path() / "s.svg", dir.path() / "s.png", fake);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("s.svg"));
    EXPECT_THAT(e.what(), HasSubstr("line 3: something is wrong"));
  }
  EXPECT_EQ(listing(dir.path()), (std::vector<std::string>{"fake-gnuplot"}));
  EXPECT_THROW(ea::plot_stability(r, dir.path() / "s.svg", dir.path() / "s.png", dir.file("no-such-gnuplot")),
               std::runtime_error);
}

TEST(StabilityTool, ExitCodesAndFiles) {
  stats_test::TempDir dir("stability-tool");
  const std::string tool = ENGRAM_STABILITY_TOOL;
  const std::string runs = stats_test::fixture("old.json") + " " + stats_test::fixture("same.json") + " " +
                           stats_test::fixture("same_other_units.json");
  const auto ok = stats_test::run(tool + " --markdown " + dir.file("s.md") + " --json " + dir.file("s.json") +
                                  " --plot " + dir.file("s") + " " + runs);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("| kernel_a/optimized |"));
  EXPECT_EQ(slurp(dir.file("s.md")), ok.output);
  EXPECT_EQ(nlohmann::json::parse(slurp(dir.file("s.json")))["summary"]["pass"], 2);
  EXPECT_TRUE(fs::exists(dir.file("s.svg")));
  EXPECT_TRUE(fs::exists(dir.file("s.png")));
  // With slower.json kernel_a's four run medians are 100.15, 100.15, 100.15 and 120.18 us: CV 9.5%.
  const auto unstable = stats_test::run(tool + " --fail-on-unstable " + runs + " " + stats_test::fixture("slower.json"));
  EXPECT_EQ(unstable.exit_code, 3) << unstable.output;
  EXPECT_THAT(unstable.output, HasSubstr("FAIL"));
  EXPECT_EQ(stats_test::run(tool + " " + stats_test::fixture("old.json")).exit_code, 2);  // one run
  const auto bad = stats_test::run(tool + " " + stats_test::fixture("old.json") + " " + stats_test::fixture("empty.json"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("empty.json: empty file"));
  const auto help = stats_test::run(tool + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("  2  bad usage or bad input"));
  EXPECT_THAT(help.output, HasSubstr("  3  a benchmark is unstable or incomplete"));
}

TEST(StabilityTool, CvLimitOutsideItsRangeIsExitTwo) {
  const std::string runs = stats_test::fixture("old.json") + " " + stats_test::fixture("same.json");
  for (const char* bad : {"0", "100", "-5%", "nan", "inf%"}) {
    const auto r = stats_test::run(std::string(ENGRAM_STABILITY_TOOL) + " --cv-limit " + bad + " " + runs);
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr("stability: error: --cv-limit: expected a number in (0, 100), found ")) << bad;
  }
  EXPECT_EQ(stats_test::run(std::string(ENGRAM_STABILITY_TOOL) + " --cv-limit 99.5% " + runs).exit_code, 0);
}
