// The main job's chain, run for real: the tools scripts/profile_hotspots.sh
// runs after `perf record`, in its order and with its flags, on a fixture
// perf-script profile and short benchmark runs, and the report written from
// their real output. It guards the file formats between hotspots, flamegraph,
// baseline, ceilings, roofline, stability and the report: a key renamed in a
// producer either makes the report refuse its input or drops content that
// the checks below look for, section by section.
//
// Differences from the script, all for speed: the profile is the fixture
// (no perf record / perf script), the benchmark runs are filtered to the two
// smallest kernels with 3 repetitions and a short minimum time, the counters
// run uses --sim=never (no callgrind), the ceilings run is --quick with its
// sweep capped at 64 MiB (the default grows with the L3, up to 1 GiB), and the
// stability run has 2 runs instead of 10. The checks compare the report with
// what the producers wrote (their JSON), never with a timing threshold. One
// step still depends on the machine: roofline needs the live sweep to find a
// bandwidth plateau at some level, which a busy machine can blur; so the test
// carries the label perf and runs alone, after the parallel suite.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engram/io/gnuplot.hpp"
#include "engram/roofline/roofline.hpp"
#include "report_test_support.hpp"
#include "required_tool.hpp"

namespace engram::report {
namespace {

namespace fs = std::filesystem;
using engram::test::read_text;
using engram::test::ScratchDir;
using nlohmann::json;
using ::testing::HasSubstr;

#ifdef ENGRAM_PIPELINE_CEILINGS

using engram::testing::ProgramRun;
using engram::testing::run_program;

// The markdown of one "## " section, up to the next one.
std::string section(const std::string& md, const std::string& heading) {
  const auto start = md.find("## " + heading + "\n");
  if (start == std::string::npos) return "";
  const auto end = md.find("\n## ", start + 3);
  return md.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// A measured figure as the report prints it: about three significant digits
// without exponent (the rule stated in io/include/engram/io/format.hpp:
// 1234 -> "1234", 12.345 -> "12.3", 0.012345 -> "0.0123"). Written here from
// that rule, not taken from the report's code.
std::string three_digits(double v) {
  const double a = std::fabs(v);
  int decimals = 2;
  if (a >= 100) {
    decimals = 0;
  } else if (a >= 10) {
    decimals = 1;
  } else if (a < 1 && a > 0) {
    decimals = 2 - static_cast<int>(std::floor(std::log10(a)));
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string one_decimal_percent(double fraction) {
  char text[64];
  std::snprintf(text, sizeof text, "%.1f%%", 100 * fraction);
  return text;
}

// The benchmarks of the short runs: the smallest size of two kernel families,
// every variant the suite has for them (4 + 3 = 7).
const char* const kBenchmarkFilter = "--benchmark_filter=^(vector_similarity_1000|spreading_activation_1000)/";
const std::vector<std::string> kBenchmarks = {
    "vector_similarity_1000/reference",    "vector_similarity_1000/optimized",  "vector_similarity_1000/openblas",
    "vector_similarity_1000/eigen",        "spreading_activation_1000/reference", "spreading_activation_1000/optimized",
    "spreading_activation_1000/eigen"};
// Given to flamegraph only: the report's own date is "now", so this string
// in report.html can only come from the embedded flame graph.
const char* const kFlamegraphDate = "2001-02-03T04:05:06Z";

TEST(Pipeline, RealToolsChainedAsTheMainJobFillEveryReportSection) {
  if (!engram::io::find_gnuplot().available) {
    ENGRAM_SKIP_WITHOUT_TOOL("gnuplot is not installed: the roofline and stability plots of the main job need it");
  }
  ScratchDir dir;
  const fs::path out = dir / "out";
  auto step = [&](const std::string& program, const std::vector<std::string>& args) {
    const ProgramRun run = run_program(program, args, dir.path());
    EXPECT_EQ(run.exit_code, 0) << program << " failed:\n" << run.output;
    return run.exit_code == 0;
  };
  auto path = [&](const std::string& name) { return (out / name).string(); };
  const std::string harness = ENGRAM_PIPELINE_PROFILED_BINARY;
  fs::create_directories(out);

  // 1. Hot spots and flame graph of the profile (the script's perf script
  //    output; here the fixture, "recorded" from profiling_harness).
  ASSERT_TRUE(step(ENGRAM_PIPELINE_HOTSPOTS, {"--out-dir", out.string(), "--binary", harness, "--event", "cpu-clock",
                                             ENGRAM_PIPELINE_PROFILE}));
  ASSERT_TRUE(step(ENGRAM_PIPELINE_FLAMEGRAPH, {"--event", "cpu-clock", "--date", kFlamegraphDate, "--command", harness,
                                               "-o", path("flamegraph.svg"), path("profile.folded")}));
  // 2. The benchmark suite (interleaved repetitions) and the counters run.
  const std::vector<std::string> suite = {kBenchmarkFilter, "--benchmark_enable_random_interleaving=true",
                                          "--benchmark_min_time=0.01", "--benchmark_format=json",
                                          "--benchmark_repetitions=3"};
  auto suite_run = [&](const std::string& json_out) {
    std::vector<std::string> args = suite;
    args.push_back("--benchmark_out=" + json_out);
    return step(ENGRAM_PIPELINE_BASELINE, args);
  };
  // The first benchmark run also takes the machine snapshot, as the script does.
  {
    std::vector<std::string> args = suite;
    args.push_back("--benchmark_out=" + path("bench.json"));
    args.push_back("--machine-out=" + path("machine.json"));
    ASSERT_TRUE(step(ENGRAM_PIPELINE_BASELINE, args));
  }
  ASSERT_TRUE(step(ENGRAM_PIPELINE_BASELINE,
                   {"--counters=L1_DCM,BR_MSP,BR_INS,TOT_INS", "--sim=never", kBenchmarkFilter,
                    "--benchmark_min_time=0.01", "--benchmark_format=json",
                    "--benchmark_out=" + path("bench-counters.json")}));
  // 3. Ceilings, then the roofline of the suite under them.
  ASSERT_TRUE(step(ENGRAM_PIPELINE_CEILINGS, {"--quick", "--max-size", "64M", "--out", path("ceilings.json")}));
  ASSERT_TRUE(step(ENGRAM_PIPELINE_ROOFLINE,
                   {"--ceilings", path("ceilings.json"), "--benchmarks", path("bench.json"), "--out-dir", out.string()}));
  // 4. Stability over separate runs of the suite.
  ASSERT_TRUE(suite_run((dir / "stability-1.json").string()));
  ASSERT_TRUE(suite_run((dir / "stability-2.json").string()));
  ASSERT_TRUE(step(ENGRAM_PIPELINE_STABILITY,
                   {"--markdown", path("stability.md"), "--json", path("stability.json"), "--plot", path("stability"),
                    (dir / "stability-1.json").string(), (dir / "stability-2.json").string()}));
  // 5. The report on all of it.
  ASSERT_TRUE(step(ENGRAM_REPORT_TOOL,
                   {"--hotspots", path("hotspots.json"), "--flamegraph", path("flamegraph.svg"), "--folded",
                    path("profile.folded"), "--bench",
                    path("bench.json"), "--counters-bench", path("bench-counters.json"), "--roofline",
                    path("roofline.json"), "--roofline-plot", path("roofline.svg"), "--ceilings", path("ceilings.json"),
                    "--machine", path("machine.json"), "--stability", path("stability.json"),
                    "--stability-plot", path("stability.svg"), "--markdown", path("profiling_results.md"), "--html",
                    path("report.html")}));

  const std::string md = read_text(out / "profiling_results.md");
  const std::string html = read_text(out / "report.html");
  const json hotspots = json::parse(read_text(out / "hotspots.json"));
  const json ceilings = json::parse(read_text(out / "ceilings.json"));
  const json stability = json::parse(read_text(out / "stability.json"));
  const json counters_run = json::parse(read_text(out / "bench-counters.json"));

  // Flame graph analysis, from the fixture profile: 8 samples (8 sample
  // headers; the line "this line is not a sample header" is skipped), each of
  // period 1, so one sample is 1/8 = 12.5%.
  const std::string profile = section(md, "Flame graph analysis");
  EXPECT_THAT(profile, HasSubstr("8 samples of `cpu-clock`"));
  EXPECT_THAT(profile, HasSubstr("Profile of `" + harness + "`"));
  // engram::run_workload is on the cosine_batch, spread_activation and
  // apply_decay stacks: 3/8 = 37.5% inclusive.
  EXPECT_THAT(profile, HasSubstr("| `engram::run_workload` | 3 | 37.5% |"));
  EXPECT_THAT(profile, HasSubstr("| `engram::optimized::cosine_batch` | 1 | 12.5% |"));
  // Families: similarity = the cosine_batch and cosine stacks (2/8 = 25.0%),
  // spreading and decay one stack each (12.5%), other the remaining 4 (50.0%).
  EXPECT_THAT(profile, HasSubstr("| vector similarity | 2 | 25.0% |"));
  EXPECT_THAT(profile, HasSubstr("| activation spreading | 1 | 12.5% |"));
  EXPECT_THAT(profile, HasSubstr("| memory decay | 1 | 12.5% |"));
  EXPECT_THAT(profile, HasSubstr("| other | 4 | 50.0% |"));
  EXPECT_THAT(profile, HasSubstr("Frame pointers in the binary: " +
                                 hotspots.at("diagnostics").at("frame_pointers").at("verdict").get<std::string>()));
  EXPECT_THAT(profile, HasSubstr("[flamegraph.svg]"));
  // The report's own flame graph, drawn from the folded stacks into the HTML:
  // a frame's tooltip (1 of 8 samples = 12.50%); the flamegraph tool's SVG
  // (its subtitle has the date) only as a picture, base64 in an <img>.
  EXPECT_THAT(html, HasSubstr("engram::optimized::cosine_batch (1 samples, 12.50%)"));
  EXPECT_THAT(html, Not(HasSubstr(kFlamegraphDate)));
  EXPECT_THAT(html, HasSubstr("<iframe sandbox=\"allow-scripts allow-modals\" title=\"Flame graph of the profiled run\""));

  // Benchmarks: every benchmark of the short run with the repetitions it used
  // and the ones it set aside as disturbed (as bench.json marks them; re-runs
  // of disturbed repetitions can add some), the estimator the run calls for,
  // and the peer pairs of the two kernels.
  const std::string benchmarks = section(md, "Benchmarks");
  const json bench = json::parse(read_text(out / "bench.json"));
  std::map<std::string, std::pair<int, int>> runs_and_disturbed;
  for (const json& b : bench.at("benchmarks")) {
    if (b.value("run_type", "") != "iteration") continue;
    auto& [all, disturbed] = runs_and_disturbed[b.at("name").get<std::string>()];
    ++all;
    disturbed += b.value("noise_disturbed", 0) == 1 ? 1 : 0;
  }
  int fewest = INT_MAX, most = 0;
  for (const auto& name : kBenchmarks) {
    const auto [all, disturbed] = runs_and_disturbed[name];
    fewest = std::min(fewest, all);
    most = std::max(most, all);
    const std::string row =
        disturbed == all
            ? "| `" + name + "` | " + std::to_string(all) + " | " + std::to_string(disturbed) + " (all; used) |"
            : "| `" + name + "` | " + std::to_string(all - disturbed) + " | " + std::to_string(disturbed) + " |";
    EXPECT_THAT(benchmarks, HasSubstr(row));
  }
  EXPECT_GE(fewest, 3);  // the repetitions asked for, at least
  EXPECT_THAT(benchmarks, HasSubstr(fewest == most ? "7 benchmarks, " + std::to_string(fewest) + " repetitions each"
                                                   : "7 benchmarks, " + std::to_string(fewest) + " to " +
                                                         std::to_string(most) + " repetitions each"));
  const auto setup = bench.at("context").find("engram.setup");
  const bool virtualized = setup != bench.at("context").end() &&
                           json::parse(setup->get<std::string>()).value("virtualized", false);
  EXPECT_THAT(benchmarks, HasSubstr(virtualized ? "**Estimator: min**" : "**Estimator: median**"));
  EXPECT_THAT(benchmarks, HasSubstr("| `vector_similarity_1000` | optimized / openblas |"));
  EXPECT_THAT(benchmarks, HasSubstr("| `spreading_activation_1000` | reference / optimized |"));

  // Counters: each counter with the status the run recorded for it.
  const std::string counters = section(md, "Counters");
  const json statuses = json::parse(counters_run.at("context").at("engram.counters").get<std::string>()).at("counters");
  ASSERT_EQ(statuses.size(), 4u);  // L1_DCM, BR_MSP, BR_INS, TOT_INS
  for (const json& c : statuses) {
    const std::string counter = c.at("counter");
    const std::string canonical = c.value("canonical", counter);
    EXPECT_THAT(counters, HasSubstr("| `" + counter + "` | `" + canonical + "` | " + c.at("status").get<std::string>()));
  }
  for (const auto& name : kBenchmarks) EXPECT_THAT(counters, HasSubstr("| `" + name + "` |"));

  // System configuration: the machine snapshot the benchmark run took
  // (compiler and flags of the build included), and the clock the ceilings
  // run measured.
  const std::string system_section = section(md, "System configuration");
  const json machine = json::parse(read_text(out / "machine.json"));
  EXPECT_THAT(system_section, HasSubstr("| Compiler | " + machine.at("build").at("compiler_id").get<std::string>() + " " +
                                        machine.at("build").at("compiler_version").get<std::string>() +
                                        " | `out/machine.json` `build` |"));
  if (const json& ghz = ceilings.at("clock").at("ghz"); ghz.is_number()) {  // null when it was not measured
    char clock_text[32];
    std::snprintf(clock_text, sizeof clock_text, "%.2f GHz measured", ghz.get<double>());
    EXPECT_THAT(system_section, HasSubstr(clock_text));
  }
  EXPECT_THAT(system_section, HasSubstr("flags `" + machine.at("build").at("flags").get<std::string>() + "`"));

  // Roofline: the ceilings' compute peaks and load bandwidths (through
  // roofline.json), a row per benchmark, the plot.
  const std::string roofline = section(md, "Roofline");
  ASSERT_EQ(ceilings.at("schema"), "engram-ceilings");
  ASSERT_EQ(ceilings.at("version"), 1);
  ASSERT_FALSE(ceilings.at("peak_gflops").empty());
  for (const auto& [simd, gflops] : ceilings.at("peak_gflops").items()) {
    EXPECT_THAT(roofline, HasSubstr(simd + " " + three_digits(gflops.get<double>()) + " GFLOP/s"));
  }
  for (const char* level : {"L1", "L2", "L3", "DRAM"}) {
    // null where this (short, noisy) sweep found no plateau for the level
    const json& load = ceilings.at("levels").at(level).at("bandwidth").at("load");
    if (!load.is_object() || !load.at("gbps").is_number()) continue;
    EXPECT_THAT(roofline, HasSubstr(std::string(level) + " " + three_digits(load.at("gbps").get<double>()) + " GB/s"));
  }
  for (const auto& name : kBenchmarks) EXPECT_THAT(roofline, HasSubstr("| `" + name + "` |"));
  EXPECT_THAT(roofline, HasSubstr("](roofline.svg)"));

  // Stability: 2 runs; per benchmark the verdict and CV stability.json has
  // (whatever the machine's noise made them), and the pass count from them.
  const std::string stable = section(md, "Stability");
  EXPECT_THAT(stable, HasSubstr("run 2 consecutive times"));
  ASSERT_EQ(stability.at("benchmarks").size(), kBenchmarks.size());
  std::size_t passed = 0;
  for (const json& b : stability.at("benchmarks")) {
    const std::string status = b.at("status");
    passed += status == "pass";
    const std::string row_start = "| `" + b.at("name").get<std::string>() + "` | 2/2 |";
    const auto row = stable.find(row_start);
    ASSERT_NE(row, std::string::npos) << row_start << "\n" << stable;
    const std::string line = stable.substr(row, stable.find('\n', row) - row);
    EXPECT_THAT(line, HasSubstr("| " + one_decimal_percent(b.at("cv").get<double>()) + " | "));
    EXPECT_THAT(line, HasSubstr("| " + std::to_string(b.at("noise").at("disturbed").get<int>()) + " of " +
                                std::to_string(b.at("noise").at("repetitions").get<int>())));
    EXPECT_THAT(line, HasSubstr("| " + (status == "fail" ? std::string("FAIL") : status) + " |"));
  }
  EXPECT_THAT(stable, HasSubstr("**Estimator: " + stability.at("estimator").at("name").get<std::string>() + "**"));
  EXPECT_THAT(stable, HasSubstr("**" + std::to_string(passed) + " of 7 pass**"));
  EXPECT_THAT(stable, HasSubstr("](stability.svg)"));

  // Optimization candidates: the profile's family shares joined with the
  // roofline's optimized variants (the profile shows engram::optimized only).
  const std::string candidates = section(md, "Optimization candidates");
  EXPECT_THAT(candidates, HasSubstr("`vector_similarity_1000/optimized` | vector similarity | 25.0% |"));
  EXPECT_THAT(candidates, HasSubstr("`spreading_activation_1000/optimized` | activation spreading | 12.5% |"));
}

#else  // no ceilings program: bench/ceilings.cmake builds it for x86-64 only

TEST(Pipeline, RealToolsChainedAsTheMainJobFillEveryReportSection) {
  GTEST_SKIP() << "no ceilings program on this architecture (x86-64 only): the main job cannot run here";
}

#endif

}  // namespace
}  // namespace engram::report
