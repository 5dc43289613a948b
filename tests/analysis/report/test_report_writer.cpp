// The report written from fixture inputs: every section filled from the
// data, missing optional inputs said and the command given, both files the
// same content, written atomically, and the command-line tool's contract.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report_test_support.hpp"

namespace engram::report {
namespace {

namespace fs = std::filesystem;

using engram::test::fixture_inputs;
using engram::test::fixture_options;
using engram::test::read_text;
using engram::test::report_fixture;
using engram::test::run_report_tool;
using engram::test::ScratchDir;
using engram::test::temporary_files;
using engram::test::write_text;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The lines of a markdown section, from its heading to the next "## ".
std::string section(const std::string& md, const std::string& heading) {
  const auto start = md.find("## " + heading + "\n");
  if (start == std::string::npos) return "";
  const auto end = md.find("\n## ", start + 3);
  return md.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

class ReportWriter : public ::testing::Test {
 protected:
  ReportTexts build(const ReportInputs& in) {
    return build_report(in, fixture_options(), dir_ / "docs/internal/profiling_results.md", dir_ / "tmp/report.html");
  }
  ScratchDir dir_;
};

TEST_F(ReportWriter, EverySectionIsFilledFromTheFixtures) {
  const auto texts = build(fixture_inputs(dir_.path()));
  const std::string& md = texts.markdown;
  for (const char* heading : {"System configuration", "Flame graph analysis", "Benchmarks", "Counters", "Roofline",
                              "Stability", "Optimization candidates"}) {
    EXPECT_THAT(md, HasSubstr(std::string("\n## ") + heading + "\n")) << heading;
    EXPECT_THAT(section(md, heading), Not(HasSubstr("**Missing:**"))) << heading;
  }

  const std::string system = section(md, "System configuration");
  EXPECT_THAT(system, HasSubstr("| CPU | Fixture CPU 9000 (FixtureVendor) |"));
  EXPECT_THAT(system, HasSubstr("2 logical CPUs (1 package(s), 2 core(s) per package, no SMT)"));
  EXPECT_THAT(system, HasSubstr("| RAM | 8 GiB |"));
  EXPECT_THAT(system, HasSubstr("| OS | Fixture Linux 1 (test) |"));
  EXPECT_THAT(system, HasSubstr("| Kernel | 6.1.0-fixture x86_64 |"));
  EXPECT_THAT(system, HasSubstr("| Compiler | GNU 12.2.0 |"));
  EXPECT_THAT(system, HasSubstr("build type `Release`, flags `-O3 -g -fno-omit-frame-pointer -DNDEBUG`"));
  EXPECT_THAT(system, HasSubstr("| Frequency governor | not readable"));
  EXPECT_THAT(system, HasSubstr("**no hardware PMU** (fixture: no hardware PMU (virtualized)): perf offers software, tracepoint"));
  EXPECT_THAT(system, HasSubstr("hypervisor flag"));
  EXPECT_THAT(system, HasSubstr("cycles unsupported"));
  EXPECT_THAT(system, HasSubstr("the kernels at SIMD level `avx2`"));
  // Every figure comes from the snapshot the benchmark run took, none from this machine.
  EXPECT_THAT(system, HasSubstr("machine.json` `cpu.model` |"));
  EXPECT_THAT(system, HasSubstr("taken 2026-01-02T03:00:00Z"));
  EXPECT_THAT(system, HasSubstr("fixture: no cpufreq folder"));
  // Caches: the size the ceilings chose, with what CPUID, sysfs and sysconf told the snapshot.
  EXPECT_THAT(system, HasSubstr("| L1d | 32 KiB | cpuid (as the ceilings run chose it) | 32 KiB | 48 KiB | 32 KiB |"));
  EXPECT_THAT(system, HasSubstr("| L3 | 32 MiB | cpuid (as the ceilings run chose it) | 32 MiB | 16 MiB | 320 MiB | 32 MiB |"));
  EXPECT_THAT(system, HasSubstr("sysconf says 320 MiB"));

  const std::string flame = section(md, "Flame graph analysis");
  EXPECT_THAT(flame, HasSubstr("4,000 samples of `cpu-clock`"));
  EXPECT_THAT(flame, HasSubstr("| 2 | `engram::optimized::N_AVX2::cosine_batch` | 800 | 20.0% |"));
  EXPECT_THAT(flame, HasSubstr("| 3 | `` a\\|b_function*with[markdown]`chars` `` | 10 |"));
  EXPECT_THAT(flame, HasSubstr("**Bands that hold:** vector similarity (20.0% in 15.0–25.0%); memory decay (12.5% in "
                               "10.0–15.0%)."));
  EXPECT_THAT(flame, HasSubstr("**Bands that do not hold:** activation spreading (10.0%, below the 20.0–30.0% band)."));
  EXPECT_THAT(flame, HasSubstr("| activation spreading | 400 | 10.0% | 20.0–30.0% | does not hold (below) |"));
  EXPECT_THAT(flame, HasSubstr("| Family | Samples | Share | Expected | Verdict |"));
  EXPECT_THAT(flame, HasSubstr("Warning: fixture warning"));

  const std::string bench = section(md, "Benchmarks");
  EXPECT_THAT(bench, HasSubstr("7 benchmarks, 5 repetitions each"));
  // The fixture run does not say it ran on a virtualized machine: the median, and why.
  EXPECT_THAT(bench, HasSubstr("**Estimator: median** (the runs do not say they ran on a virtualized machine"));
  EXPECT_THAT(bench, HasSubstr("| Benchmark | Reps | Disturbed | Median | 95% CI of the median | CV | Outliers |"));
  EXPECT_THAT(bench, HasSubstr("| `vector_similarity_1000/optimized` | 5 | 0 | 12.0 µs |"));
  EXPECT_THAT(bench, HasSubstr("| Kernel | Ratio | Median ratio | 95% CI of the median ratio | Reading |"));
  EXPECT_THAT(bench, HasSubstr("| `vector_similarity_1000` | optimized / openblas | 0.545× |"));
  EXPECT_THAT(bench, HasSubstr("optimized is 1.83× faster than openblas"));
  EXPECT_THAT(bench, HasSubstr("| `vector_similarity_1000` | reference / optimized | 10.0× |"));
  EXPECT_THAT(bench, HasSubstr("| `decay_10k_memories/exponential` | optimized / sleef | 0.500× |"));

  const std::string counters = section(md, "Counters");
  EXPECT_THAT(counters, HasSubstr("| `cycles` | `perf::PERF_COUNT_HW_CPU_CYCLES` | unsupported |"));
  EXPECT_THAT(counters, HasSubstr("| Benchmark | L1_DCM (simulated) | cycles | task-clock | L1_MPKI (from simulated) |"));
  // Medians over the repetitions; the unsupported counter is never a number.
  EXPECT_THAT(counters, HasSubstr("| `vector_similarity_1000/optimized` | 4,799 | unavailable | 100 | 30.5 | 13 |"));
  EXPECT_THAT(counters, HasSubstr("| `vector_similarity_1000/reference` | 4,801 | unavailable | 1,201 | 2.50 | 13 |"));

  const std::string roofline = section(md, "Roofline");
  EXPECT_THAT(roofline, HasSubstr("| `vector_similarity_1000/optimized` | stream | 0.500 | 39.2 | 78.4 | 2.86 MiB | L3 | 98.0 | 49.0 | 80.0% | "
                                  "L3 bandwidth (load) |"));
  EXPECT_THAT(roofline, HasSubstr("150% of its roof"));
  EXPECT_THAT(roofline, HasSubstr("Left out: counter_overhead/counted: no entry in the workload manifest"));
  EXPECT_THAT(roofline, HasSubstr("![Roofline plot"));

  const std::string stability = section(md, "Stability");
  EXPECT_THAT(stability, HasSubstr("run 3 consecutive times; per benchmark the min of each run's undisturbed"));
  EXPECT_THAT(stability, HasSubstr("**1 of 3 pass**, 1 fail, 1 incomplete"));
  // The estimator stability.json names, with its reason.
  EXPECT_THAT(stability, HasSubstr("**Estimator: min** (fixture: the runs were measured on a virtualized machine"));
  EXPECT_THAT(stability, HasSubstr("| Benchmark | Runs | Median of run estimates | Min | Max | CV | Disturbed | Steal | "
                                   "Run delay | Result | Why |"));
  // Per benchmark: CV, the disturbed repetitions (and the run where all were),
  // the largest steal and run delay, the status and, for a failure, why.
  EXPECT_THAT(stability, HasSubstr("| `decay_10k_memories/exponential/optimized` | 3/3 | 4.20 µs | 4.00 µs | 5.20 µs | "
                                   "14.5% | 5 of 15; all in run 2 | 1.5% | 4.2% | FAIL | fixture: run 2 is +23.8% off "
                                   "the median of the runs;"));
  EXPECT_THAT(stability, HasSubstr("| `vector_similarity_1000/optimized` | 3/3 | 12.0 µs | 11.9 µs | 12.1 µs | 0.8% | "
                                   "1 of 16 (1 re-run) | 0.2% | 3.1% | pass | — |"));
  // Not measured: a dash, never 0%; an incomplete benchmark says why too.
  EXPECT_THAT(stability, HasSubstr("| `vector_similarity_1000/openblas` | 2/3 | 21.5 µs | 21.0 µs | 22.0 µs | — | 0 of 10 | — "
                                   "| — | incomplete | fixture: not measured in run 2 |"));

  const std::string candidates = section(md, "Optimization candidates");
  EXPECT_THAT(candidates, HasSubstr("share of time × distance to the roof"));
  EXPECT_THAT(candidates,
              HasSubstr("| 1 | `decay_10k_memories/exponential/optimized` | memory decay | 12.5% | 25.0% | 0.750 | 9.4% |"));
  EXPECT_THAT(candidates,
              HasSubstr("| 2 | `vector_similarity_1000/optimized` | vector similarity | 20.0% | 80.0% | 0.200 | 4.0% |"));
  EXPECT_THAT(candidates,
              HasSubstr("| 3 | `spreading_activation_1000/optimized` | activation spreading | 10.0% | 150.0% | 0 | 0.0% |"));
  EXPECT_THAT(candidates, HasSubstr("Outside the kernel families: 57.5%"));
}

TEST_F(ReportWriter, HtmlCarriesTheSameContentWithEverySvgEmbedded) {
  const auto texts = build(fixture_inputs(dir_.path()));
  const std::string& html = texts.html;
  for (const char* text : {"Fixture CPU 9000", "Bands that hold:", "optimized is 1.83× faster than openblas",
                           "L1_DCM (simulated)", "80.0%", "14.5%", "9.4%"}) {
    EXPECT_THAT(html, HasSubstr(text)) << text;
  }
  // Two plots as data: URIs, the flame graph live in a frame; no file is fetched.
  // (counted by string search: GCC 12 warns inside <regex> under the asan preset)
  std::size_t images = 0;
  for (std::size_t at = 0; (at = html.find("<img alt=\"", at)) != std::string::npos; ++at) {
    const std::size_t src = html.find("\" src=\"", at);
    if (src != std::string::npos && html.compare(src + 7, 26, "data:image/svg+xml;base64,") == 0) ++images;
  }
  EXPECT_EQ(images, 2u);
  EXPECT_THAT(html, HasSubstr("<iframe sandbox=\"allow-scripts allow-modals\" title=\"Flame graph of the profiled run\""));
  EXPECT_THAT(html, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(html, Not(HasSubstr("<link ")));
  // Markdown links the files relative to docs/internal/.
  EXPECT_THAT(texts.markdown, HasSubstr("![Flame graph of the profiled run](../../flamegraph.svg)"));
}

// A flame graph SVG from outside, with a script in it, and no folded stacks:
// shown as a picture (scripts never run in an <img>), no frame, and the
// page's policy allows no script.
TEST_F(ReportWriter, AGivenFlameGraphSvgIsAPictureAndItsScriptNeverRuns) {
  ReportInputs in = fixture_inputs(dir_.path());
  in.folded.clear();
  in.flamegraph = dir_.path() / "hostile.svg";
  std::ofstream(in.flamegraph) << "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>parent.document.title='owned'"
                                  "</script></svg>";
  const std::string html = build(in).html;
  EXPECT_THAT(html, Not(HasSubstr("<iframe")));
  EXPECT_THAT(html, Not(HasSubstr("parent.document")));  // only inside the base64 of the <img>
  EXPECT_THAT(html, HasSubstr("script-src 'none'"));
  EXPECT_THAT(html, HasSubstr("<img alt=\"Flame graph of the profiled run\" src=\"data:image/svg+xml;base64,"));
}

// A staged run (the main job): the inputs are named where they will be
// published, but dated by the files that were read; nothing exists yet at
// the published place, so a date there would be an older run's or none.
TEST_F(ReportWriter, StagedInputsAreNamedWhereTheyArePublishedAndDatedByWhatWasRead) {
  ReportOptions options = fixture_options();
  options.published_dir = dir_.path() / "published";
  const std::string md =
      build_report(fixture_inputs(dir_.path()), options, dir_ / "docs/internal/profiling_results.md",
                   dir_ / "tmp/report.html")
          .markdown;
  const std::string published = (dir_.path() / "published").string();
  EXPECT_THAT(md, HasSubstr("- Benchmarks: `" + published + "/bench.json` (written "));
  EXPECT_THAT(md, HasSubstr("- Folded stacks: `" + published + "/profile.folded` (written "));
  EXPECT_THAT(md, Not(HasSubstr(report_fixture("bench.json").string())));
}

TEST_F(ReportWriter, MissingOptionalInputsAreSaidWithTheCommandThatMakesThem) {
  ReportInputs in;
  in.hotspots = report_fixture("hotspots.json");
  in.bench = report_fixture("bench.json");
  const std::string md = build(in).markdown;
  EXPECT_THAT(section(md, "Flame graph analysis"),
              AllOf(HasSubstr("**Missing:** The flame graph (--folded or --flamegraph)"),
                    HasSubstr("scripts/profile_hotspots.sh")));
  EXPECT_THAT(section(md, "Counters"), AllOf(HasSubstr("**Missing:** The counters run"),
                                             HasSubstr("build/bench/baseline --counters=LIST")));
  EXPECT_THAT(section(md, "Roofline"),
              AllOf(HasSubstr("**Missing:** The roofline"), HasSubstr("build/bench/ceilings --out"),
                    HasSubstr("build/analysis/roofline --ceilings")));
  EXPECT_THAT(section(md, "Stability"),
              AllOf(HasSubstr("**Missing:** The stability results"), HasSubstr("build/analysis/stability --json")));
  EXPECT_THAT(section(md, "Optimization candidates"),
              AllOf(HasSubstr("needs the roofline"), HasSubstr("| vector similarity | 20.0% |")));
  // Still filled from what is there.
  EXPECT_THAT(section(md, "Benchmarks"), HasSubstr("| `vector_similarity_1000/optimized` | 5 | 0 | 12.0 µs |"));
  // No machine snapshot: said, with the command that takes one; nothing read from this machine instead.
  const std::string system = section(md, "System configuration");
  EXPECT_THAT(system, AllOf(HasSubstr("**Missing:** The machine snapshot (`--machine machine.json`)"),
                            HasSubstr("build/bench/baseline --machine-out")));
  EXPECT_THAT(system, Not(HasSubstr("| CPU |")));
}

// A bench run on a virtualized machine (engram.setup) with a disturbed
// repetition: the minimum, named with its reason, over the undisturbed
// repetitions; the disturbed one is counted, not used.
TEST_F(ReportWriter, BenchmarkTimesUseTheEstimatorOfTheRunAndSetDisturbedRepetitionsAside) {
  nlohmann::json bench = nlohmann::json::parse(read_text(report_fixture("bench.json")));
  bench["context"]["engram.setup"] = R"({"virtualized": true})";
  for (auto& b : bench["benchmarks"]) {
    // vector_similarity_1000/optimized: 10, 11, 12, 13 and a disturbed 100 us.
    if (b["name"] == "vector_similarity_1000/optimized") b["noise_disturbed"] = b["cpu_time"] == 100 ? 1 : 0;
  }
  ReportInputs in = fixture_inputs(dir_.path());
  in.bench = dir_ / "bench-vm.json";
  write_text(in.bench, bench.dump());
  const std::string md = build(in).markdown;
  const std::string section_text = section(md, "Benchmarks");
  EXPECT_THAT(section_text, HasSubstr("**Estimator: min** (the runs were measured on a virtualized machine"));
  EXPECT_THAT(section_text, HasSubstr("1 repetitions in all were set aside as disturbed"));
  EXPECT_THAT(section_text, HasSubstr("| Benchmark | Reps | Disturbed | Min | Median | 95% CI of the median | CV | Outliers |"));
  // 4 used, 1 set aside; min 10 us, median of 10..13 = 11.5 us.
  EXPECT_THAT(section_text, HasSubstr("| `vector_similarity_1000/optimized` | 4 | 1 | 10.0 µs | 11.5 µs |"));
  EXPECT_THAT(section_text, HasSubstr("| Kernel | Ratio | Min ratio | 95% CI of the median ratio | Reading |"));
  EXPECT_THAT(section_text, HasSubstr("A ratio is min(time of the first) / min(time of the second)"));
  EXPECT_THAT(section_text, HasSubstr("The 95% CI is of the ratio of the medians, whatever the estimator"));
  EXPECT_THAT(section_text, HasSubstr("a bootstrap of the min or of a low quantile is degenerate at a few repetitions"));
  EXPECT_THAT(section_text, HasSubstr("| `vector_similarity_1000` | optimized / openblas | 0.500× |"));  // 10 / 20
  EXPECT_THAT(section_text, HasSubstr("| `vector_similarity_1000` | reference / optimized | 11.8× |"));  // 118 / 10
  // An explicit estimator wins over the run's default.
  ReportOptions median = fixture_options();
  median.estimator = benchstats::Estimator::median;
  const std::string by_median =
      section(build_report(in, median, dir_ / "docs/internal/profiling_results.md", dir_ / "tmp/report.html").markdown,
              "Benchmarks");
  EXPECT_THAT(by_median, HasSubstr("**Estimator: median** (chosen with --estimator)"));
  EXPECT_THAT(by_median, HasSubstr("| `vector_similarity_1000/optimized` | 4 | 1 | 11.5 µs |"));
}

TEST_F(ReportWriter, AQuickRunSaysTheStabilityRunWasSkippedAndHowToRunIt) {
  ReportInputs in = fixture_inputs(dir_.path());
  in.stability.clear();
  in.stability_plot.clear();
  in.quick = true;
  const std::string stability = section(build(in).markdown, "Stability");
  EXPECT_THAT(stability, HasSubstr("The stability run was skipped: this was a --quick run"));
  EXPECT_THAT(stability, HasSubstr("ten runs of build/bench/baseline --benchmark_repetitions=5"));
}

TEST_F(ReportWriter, FillFromDirTakesTheUsualNamesAndLeavesAbsentOptionalsEmpty) {
  write_text(dir_ / "run/hotspots.json", "{}");
  write_text(dir_ / "run/roofline.json", "{}");
  ReportInputs in;
  in.bench = "elsewhere/bench.json";
  in.fill_from_dir(dir_ / "run");
  EXPECT_EQ(in.hotspots, dir_ / "run/hotspots.json");
  EXPECT_EQ(in.bench, "elsewhere/bench.json");  // explicit wins
  EXPECT_EQ(in.roofline, dir_ / "run/roofline.json");
  EXPECT_TRUE(in.stability.empty());
  EXPECT_TRUE(in.counters_bench.empty());
  write_text(dir_ / "run/bench-counters.json", "{}");
  ReportInputs again;
  again.fill_from_dir(dir_ / "run");
  EXPECT_EQ(again.counters_bench, dir_ / "run/bench-counters.json");
  EXPECT_TRUE(again.machine.empty());
  write_text(dir_ / "run/machine.json", "{}");
  ReportInputs third;
  third.fill_from_dir(dir_ / "run");
  EXPECT_EQ(third.machine, dir_ / "run/machine.json");
}

TEST_F(ReportWriter, AQuickRunDoesNotPickUpAnOlderRunsStabilityFiles) {
  write_text(dir_ / "run/stability.json", "{}");
  write_text(dir_ / "run/stability.svg", "<svg></svg>");
  ReportInputs quick;
  quick.quick = true;
  quick.fill_from_dir(dir_ / "run");
  EXPECT_TRUE(quick.stability.empty());
  EXPECT_TRUE(quick.stability_plot.empty());
  ReportInputs full;
  full.fill_from_dir(dir_ / "run");
  EXPECT_EQ(full.stability, dir_ / "run/stability.json");
}

TEST_F(ReportWriter, WritesBothFilesAndLeavesNoTemporaryFile) {
  const auto md = dir_ / "docs/internal/profiling_results.md";
  const auto html = dir_ / "tmp/report.html";
  write_report(fixture_inputs(dir_.path()), fixture_options(), md, html);
  EXPECT_THAT(read_text(md), HasSubstr("# Profiling results"));
  EXPECT_THAT(read_text(html), HasSubstr("</html>"));
  EXPECT_TRUE(temporary_files(dir_.path()).empty());
}

TEST_F(ReportWriter, OnBadInputNothingIsWrittenAndOldReportsStay) {
  const auto md = dir_ / "docs/internal/profiling_results.md";
  const auto html = dir_ / "tmp/report.html";
  write_text(md, "old markdown");
  write_text(html, "old html");
  ReportInputs in = fixture_inputs(dir_.path());
  write_text(dir_ / "bad-roofline.json", "{\"schema\": \"engram-roofline/1\", \"points\": [");
  in.roofline = dir_ / "bad-roofline.json";
  EXPECT_THROW(write_report(in, fixture_options(), md, html), ReportInputError);
  EXPECT_EQ(read_text(md), "old markdown");
  EXPECT_EQ(read_text(html), "old html");
  EXPECT_TRUE(temporary_files(dir_.path()).empty());
}

// A value that cannot be is refused where the report reads it (the machine
// context of the benchmark file), and a ratio too large for a double prints
// "n/a", never "inf%".
TEST_F(ReportWriter, ImpossibleValuesAreRefusedOrPrintedAsNotAvailable) {
  const auto edited = [&](const char* fixture, const std::string& from, const std::string& to) {
    std::string text = read_text(report_fixture(fixture));
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    const fs::path path = dir_ / (std::string("edited-") + fixture);
    write_text(path, text);
    return path;
  };
  const auto error_of = [&](const ReportInputs& in) -> std::string {
    try {
      build(in);
    } catch (const ReportInputError& e) {
      return e.what();
    }
    return "(no error)";
  };
  ReportInputs in = fixture_inputs(dir_.path());
  in.bench = edited("bench.json", "\"size\": 33554432", "\"size\": -3.5");
  EXPECT_THAT(error_of(in), HasSubstr("context \"caches\": /3/size: expected a number >= 0, found -3.5"));
  in.bench = edited("bench.json", "\"load_avg\": [\n   0.5", "\"load_avg\": [\n   -0.5");
  EXPECT_THAT(error_of(in), HasSubstr("context \"load_avg\": /0: expected a number >= 0, found -0.5"));

  in = fixture_inputs(dir_.path());
  // An optimized variant, so it is also ranked among the candidates.
  in.roofline = edited("roofline.json", "\"fraction_of_roof\": 1.5", "\"fraction_of_roof\": 1e308");
  const std::string md = build(in).markdown;
  EXPECT_THAT(md, Not(::testing::ContainsRegex("(^|[^A-Za-z])-?(inf|nan)([^A-Za-z]|$)")));
  EXPECT_THAT(section(md, "Optimization candidates"), HasSubstr("measured above its roof (n/a)"));
}

TEST_F(ReportWriter, AnUnwritableOutputLeavesNoPartialFile) {
  const auto md = dir_ / "docs/profiling_results.md";
  fs::create_directories(dir_ / "blocked");
  const auto html = dir_ / "blocked/report.html/inside";  // a folder cannot be created under a file
  write_text(dir_ / "blocked/report.html", "a file");
  EXPECT_ANY_THROW(write_report(fixture_inputs(dir_.path()), fixture_options(), md, html));
  EXPECT_FALSE(fs::exists(md));
  EXPECT_TRUE(temporary_files(dir_.path()).empty());
}

// ---- the command-line tool -------------------------------------------------------

TEST_F(ReportWriter, ToolWritesBothFilesFromADir) {
  fs::create_directories(dir_ / "run");
  fs::copy_file(report_fixture("hotspots.json"), dir_ / "run/hotspots.json");
  fs::copy_file(report_fixture("bench.json"), dir_ / "run/bench.json");
  fs::copy_file(report_fixture("roofline.json"), dir_ / "run/roofline.json");
  const auto run = run_report_tool({"--dir", (dir_ / "run").string(), "--quick", "--markdown",
                                    (dir_ / "out/results.md").string(), "--html", (dir_ / "out/report.html").string(),
                                    "--date", "2026-01-02"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string md = read_text(dir_ / "out/results.md");
  EXPECT_THAT(md, HasSubstr("on 2026-01-02 from"));
  EXPECT_THAT(md, HasSubstr("The stability run was skipped"));
  EXPECT_THAT(section(md, "Roofline"), HasSubstr("| `decay_10k_memories/exponential/optimized` |"));
  EXPECT_TRUE(fs::exists(dir_ / "out/report.html"));
}

TEST_F(ReportWriter, ToolExitsTwoNamingAMissingRequiredFile) {
  fs::create_directories(dir_ / "run");
  fs::copy_file(report_fixture("hotspots.json"), dir_ / "run/hotspots.json");
  const auto run = run_report_tool({"--dir", (dir_ / "run").string(), "--markdown", (dir_ / "r.md").string(), "--html",
                                    (dir_ / "r.html").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr((dir_ / "run/bench.json").string() + ": no such file"));
  EXPECT_FALSE(fs::exists(dir_ / "r.md"));
  EXPECT_FALSE(fs::exists(dir_ / "r.html"));
}

TEST_F(ReportWriter, ToolExitsTwoNamingTheFileAndPlaceOfMalformedJson) {
  write_text(dir_ / "h.json", "{\"schema\": \"engram-perf.hotspots/1\",\n \"total_samples\": }");
  const auto run = run_report_tool({"--hotspots", (dir_ / "h.json").string(), "--bench", report_fixture("bench.json").string(),
                                    "--markdown", (dir_ / "r.md").string(), "--html", (dir_ / "r.html").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr((dir_ / "h.json").string() + ":2:"));
  EXPECT_THAT(run.output, HasSubstr("malformed JSON"));
}

TEST_F(ReportWriter, ToolUsageErrorsExitTwo) {
  EXPECT_EQ(run_report_tool({"--dir", "x"}).exit_code, 2);  // no outputs
  EXPECT_EQ(run_report_tool({"--markdown", "a.md", "--html", "a.html"}).exit_code, 2);  // no inputs
  EXPECT_EQ(run_report_tool({"--dir", "x", "--markdown", "a", "--html", "b", "--time", "wall"}).exit_code, 2);
  const auto estimator = run_report_tool({"--dir", "x", "--markdown", "a", "--html", "b", "--estimator", "mean"});
  EXPECT_EQ(estimator.exit_code, 2);
  EXPECT_THAT(estimator.output, HasSubstr("--estimator: unknown estimator 'mean'"));
  EXPECT_EQ(run_report_tool({"--no-such-option"}).exit_code, 2);
  const auto help = run_report_tool({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("--counters-bench"));
  EXPECT_THAT(help.output, HasSubstr("--estimator"));
  EXPECT_THAT(help.output, HasSubstr("Exit codes:"));
}

}  // namespace
}  // namespace engram::report
