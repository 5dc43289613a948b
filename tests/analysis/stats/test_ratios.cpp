// The issue-7 ratio table: targets as data, ratios within each run, spread
// over runs, pass/fail, extra rows, and the ratios tool.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engram/benchstats/ratios.hpp"
#include "stats_test_support.hpp"

namespace ea = engram::benchstats;
using ::testing::HasSubstr;

namespace {

ea::BenchmarkSamples samples(const std::string& name, const std::vector<double>& cpu_ns) {
  ea::BenchmarkSamples s;
  s.name = name;
  s.cpu_ns = cpu_ns;
  s.real_ns = cpu_ns;
  return s;
}

const std::vector<ea::RatioTarget> kTwoTargets{
    {"sim: optimized / peer", "sim/optimized", "sim/peer", ea::RatioBound::at_most, 1.0, "≤ 1.0×"},
    {"sim: reference / optimized", "sim/reference", "sim/optimized", ea::RatioBound::at_least, 8.0, "≥ 8× faster"},
};

// Three runs; the peer's median is 50 throughout. Optimized medians 40, 45,
// 55 give ratios 0.8, 0.9, 1.1; the reference's 400, 360, 396 give speed-ups
// 10, 8, 7.2.
std::vector<ea::BenchmarkFile> three_runs() {
  const double optimized[] = {40, 45, 55}, reference[] = {400, 360, 396};
  std::vector<ea::BenchmarkFile> runs(3);
  for (int i = 0; i < 3; ++i) {
    runs[i].source = "run" + std::to_string(i + 1) + ".json";
    runs[i].benchmarks = {samples("sim/optimized", {optimized[i] - 1, optimized[i], optimized[i] + 3}),
                          samples("sim/peer", {50, 49, 52, 50}),
                          samples("sim/reference", {reference[i], reference[i]})};
  }
  return runs;
}

}  // namespace

TEST(Ratios, PerRunRatiosAndTheirSpread) {
  const auto runs = three_runs();
  const ea::RatioReport r = ea::compute_ratios(runs, kTwoTargets);
  ASSERT_EQ(r.rows.size(), 2u);
  const auto& peer = r.rows[0];
  ASSERT_EQ(peer.per_run.size(), 3u);
  EXPECT_DOUBLE_EQ(*peer.per_run[0], 0.8);
  EXPECT_DOUBLE_EQ(*peer.per_run[1], 0.9);
  EXPECT_DOUBLE_EQ(*peer.per_run[2], 1.1);
  EXPECT_DOUBLE_EQ(*peer.min, 0.8);
  EXPECT_DOUBLE_EQ(*peer.median, 0.9);
  EXPECT_DOUBLE_EQ(*peer.max, 1.1);
  EXPECT_EQ(peer.runs_meeting, 2u);
  EXPECT_EQ(peer.status, ea::RatioStatus::pass);  // the median 0.9 <= 1.0
  const auto& speedup = r.rows[1];
  EXPECT_DOUBLE_EQ(*speedup.per_run[0], 10);
  EXPECT_DOUBLE_EQ(*speedup.per_run[1], 8);  // on the bound: meets ">= 8"
  EXPECT_NEAR(*speedup.per_run[2], 7.2, 1e-12);
  EXPECT_DOUBLE_EQ(*speedup.median, 8);
  EXPECT_EQ(speedup.runs_meeting, 2u);
  EXPECT_EQ(speedup.status, ea::RatioStatus::pass);
  EXPECT_EQ(r.repetitions, (std::vector<std::size_t>{2, 2, 2}));
}

TEST(Ratios, FailsWhenTheMedianMissesAndSaysNotMeasuredWhenASideIsAbsent) {
  auto runs = three_runs();
  for (auto& run : runs) run.benchmarks[0] = samples("sim/optimized", {60});  // 1.2x the peer
  runs[1].benchmarks.pop_back();  // no reference in run 2
  const std::vector<ea::RatioTarget> targets{
      kTwoTargets[0], kTwoTargets[1],
      {"absent", "nothing/optimized", "nothing/peer", ea::RatioBound::at_most, 1.0, "≤ 1.0×"}};
  const ea::RatioReport r = ea::compute_ratios(runs, targets);
  EXPECT_EQ(r.rows[0].status, ea::RatioStatus::fail);
  EXPECT_EQ(r.rows[0].runs_meeting, 0u);
  EXPECT_FALSE(r.rows[1].per_run[1]);
  EXPECT_EQ(r.rows[1].runs_measured, 2u);
  EXPECT_EQ(r.rows[2].status, ea::RatioStatus::not_measured);
  EXPECT_FALSE(r.rows[2].median);
}

TEST(Ratios, Issue7TargetsAreTheIssuesTable) {
  const auto t = ea::issue7_targets();
  ASSERT_EQ(t.size(), 12u);
  const auto find = [&](const std::string& numerator, const std::string& denominator) -> const ea::RatioTarget* {
    for (const auto& x : t) {
      if (x.numerator == numerator && x.denominator == denominator) return &x;
    }
    return nullptr;
  };
  const auto expect = [&](const std::string& n, const std::string& d, ea::RatioBound bound, double limit) {
    const ea::RatioTarget* x = find(n, d);
    ASSERT_NE(x, nullptr) << n << " / " << d;
    EXPECT_EQ(x->bound, bound) << n;
    EXPECT_DOUBLE_EQ(x->limit, limit) << n;
  };
  using B = ea::RatioBound;
  expect("vector_similarity_1000/optimized", "vector_similarity_1000/openblas", B::at_most, 1.0);
  expect("vector_similarity_1000/optimized", "vector_similarity_1000/eigen", B::at_most, 1.0);
  expect("vector_similarity_1000/reference", "vector_similarity_1000/optimized", B::at_least, 10.0);
  expect("find_similar_10k/optimized", "find_similar_10k/openblas", B::at_most, 1.0);
  expect("spreading_activation_1000/optimized", "spreading_activation_1000/eigen", B::at_most, 0.8);
  expect("spreading_activation_10k/optimized", "spreading_activation_10k/eigen", B::at_most, 0.8);
  expect("decay_10k_memories/exponential/optimized", "decay_10k_memories/exponential/eigen", B::at_most, 1.0);
  for (const char* curve : {"exponential", "power_law", "two_component"}) {
    expect(std::string("decay_10k_memories/") + curve + "/reference",
           std::string("decay_10k_memories/") + curve + "/optimized", B::at_least, 8.0);
  }
  // Counters add < 1% to regions of >= 100 us.
  expect("counter_overhead/spreading_activation_1000/counted", "counter_overhead/spreading_activation_1000/uncounted",
         B::at_most, 1.01);
  expect("counter_overhead/find_similar_10k/counted", "counter_overhead/find_similar_10k/uncounted", B::at_most, 1.01);
}

TEST(Ratios, EveryTargetNamesABenchmarkTheBaselineHas) {
  // The names are data; if the suite renames a benchmark this fails instead of
  // the table quietly saying "not measured".
  const auto listed = stats_test::run(std::string(ENGRAM_BASELINE) + " --benchmark_list_tests=true");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  std::set<std::string> names;
  std::istringstream lines(listed.output);
  for (std::string line; std::getline(lines, line);) names.insert(line);
  for (const auto& t : ea::issue7_targets()) {
    EXPECT_EQ(names.count(t.numerator), 1u) << t.numerator;
    EXPECT_EQ(names.count(t.denominator), 1u) << t.denominator;
  }
}

TEST(Ratios, ExtraRowsFromJson) {
  const auto rows = ea::parse_extra_ratio_rows(
      R"({"rows": [{"label": "harness: reference / optimized", "target": "≥ 8× faster", "bound": "at_least",
                    "limit": 8, "values": [9.5, null, 7.5], "source": "profiling_harness, /usr/bin/time -v"}]})",
      "extra.json");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].runs_measured, 2u);
  EXPECT_DOUBLE_EQ(*rows[0].median, 8.5);
  EXPECT_EQ(rows[0].status, ea::RatioStatus::pass);
  EXPECT_EQ(rows[0].runs_meeting, 1u);
  EXPECT_EQ(rows[0].source, "profiling_harness, /usr/bin/time -v");
  const auto error = [](const std::string& text) {
    try {
      ea::parse_extra_ratio_rows(text, "extra.json");
    } catch (const ea::BenchmarkJsonError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_THAT(error("{"), HasSubstr("extra.json:1:2 (byte 2): truncated JSON"));
  EXPECT_THAT(error("{}"), HasSubstr("\"rows\" array"));
  EXPECT_THAT(error(R"({"rows": [{"label": "x", "target": "t", "bound": "below", "limit": 1, "values": []}]})"),
              HasSubstr("extra.json: /rows/0/bound: must be \"at_most\" or \"at_least\", not \"below\""));
  EXPECT_THAT(error(R"({"rows": [{"label": "x", "target": "t", "bound": "at_most", "values": []}]})"),
              HasSubstr("extra.json: /rows/0/limit: missing"));
  EXPECT_THAT(error(R"({"rows": [{"label": "x", "target": "t", "bound": "at_most", "limit": 1, "values": ["a"]}]})"),
              HasSubstr("extra.json: /rows/0/values/0: neither a number nor null"));
  EXPECT_THAT(error(R"({"rows": [{"label": "x", "target": "t", "bound": "at_most", "limit": 1, "values": [1],
                                  "unit": 3}]})"),
              HasSubstr("extra.json: /rows/0/unit: expected a string, found a number"));
}

// Extra rows are read by the one JSON layer: a syntax error names its line,
// column and byte; a bad value its JSON pointer, in the row where it is.
TEST(Ratios, ExtraRowErrorsNameThePlace) {
  const auto error = [](const std::string& text) {
    try {
      ea::parse_extra_ratio_rows(text, "extra.json");
    } catch (const ea::BenchmarkJsonError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_THAT(error("{\"rows\": [\n  {\"label\": \"x\",, }]}"), HasSubstr("extra.json:2:17 (byte 28): malformed JSON"));
  EXPECT_THAT(error(R"({"rows": [{"label": "a", "target": "t", "bound": "at_most", "limit": 1, "values": [1]},
                                 {"target": "t", "bound": "at_most", "limit": 1, "values": [1]}]})"),
              HasSubstr("extra.json: /rows/1/label: missing"));
  EXPECT_THAT(error(R"({"rows": [{"label": "a", "target": "t", "bound": "at_most", "limit": "1", "values": [1]}]})"),
              HasSubstr("extra.json: /rows/0/limit: expected a number, found a string"));
  EXPECT_THAT(error(R"({"rows": [{"label": "a", "target": "t", "bound": "at_most", "limit": 1, "values": 1}]})"),
              HasSubstr("extra.json: /rows/0/values: expected an array"));
  EXPECT_THAT(error(R"({"rows": [3]})"), HasSubstr("extra.json: /rows/0: expected an object"));
  EXPECT_THAT(error(R"({"rows": {}})"), HasSubstr("extra.json: /: expected an object with a \"rows\" array"));
  EXPECT_THAT(error("[]"), HasSubstr("extra.json: /: expected an object with a \"rows\" array"));
  EXPECT_THAT(error(R"({"rows": [{"label": "a", "target": "t", "bound": "at_most", "limit": 1e400, "values": []}]})"),
              HasSubstr("extra.json:1:70 (byte 70): malformed JSON: number overflow"));
  // Unchanged: a null value is a run that did not measure it, a non-string
  // "source" is ignored, an absent "unit" is "×".
  const auto rows = ea::parse_extra_ratio_rows(
      R"({"rows": [{"label": "a", "target": "t", "bound": "at_least", "limit": 2, "values": [null, 3], "source": 5}]})",
      "extra.json");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].per_run, (std::vector<std::optional<double>>{std::nullopt, 3.0}));
  EXPECT_EQ(rows[0].source, "");
  EXPECT_EQ(rows[0].unit, "×");
  EXPECT_EQ(rows[0].status, ea::RatioStatus::pass);
}

// The counters' cost per region comes from each run's context, as a share of
// 100 us; a run without it (no --counters) or with a non-number is "not measured".
TEST(Ratios, CounterCostRowFromTheRunContext) {
  std::vector<ea::BenchmarkFile> runs(3);
  runs[0].context["engram.counter_overhead_ns"] = "1750.0";
  runs[1].context["engram.counter_overhead_ns"] = "850";
  runs[2].context["engram.counter_overhead_ns"] = "n/a";
  const ea::RatioRow row = ea::counter_cost_row(runs);
  ASSERT_EQ(row.per_run.size(), 3u);
  EXPECT_DOUBLE_EQ(*row.per_run[0], 1.75);
  EXPECT_DOUBLE_EQ(*row.per_run[1], 0.85);
  EXPECT_FALSE(row.per_run[2].has_value());
  EXPECT_EQ(row.runs_measured, 2u);
  EXPECT_EQ(row.runs_meeting, 1u);
  EXPECT_DOUBLE_EQ(*row.median, 1.3);
  EXPECT_EQ(row.status, ea::RatioStatus::fail);
  EXPECT_EQ(row.unit, "%");
  EXPECT_EQ(ea::counter_cost_row(std::vector<ea::BenchmarkFile>(2)).status, ea::RatioStatus::not_measured);
}

// A row that is not a ratio (a size) prints its own unit, not "×".
TEST(Ratios, ExtraRowUnitAndTitleInMarkdown) {
  const auto runs = three_runs();
  ea::RatioReport r = ea::compute_ratios(runs, kTwoTargets);
  auto rows = ea::parse_extra_ratio_rows(
      R"({"rows": [{"label": "peak RSS, MiB", "target": "< 64 MiB", "bound": "at_most", "limit": 64,
                    "values": [42.5, 43, 42], "source": "getrusage", "unit": " MiB"}]})",
      "extra.json");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].unit, " MiB");
  r.rows.push_back(rows[0]);
  const std::string md = ea::ratios_markdown(r, {}, "Optimized kernels against their peers");
  EXPECT_EQ(md.rfind("# Optimized kernels against their peers\n\n", 0), 0u) << md;
  EXPECT_THAT(md, HasSubstr("| peak RSS, MiB [1] | < 64 MiB | 42.5 MiB | 43 MiB | 42 MiB | 42 MiB | 42.5 MiB | 43 MiB | pass (3/3 runs) |"));
  EXPECT_EQ(ea::ratios_markdown(r).rfind("# ", 0), std::string::npos);  // no title: no heading
  const nlohmann::json j = nlohmann::json::parse(ea::ratios_json(r));
  EXPECT_EQ(j["rows"][2]["unit"], " MiB");
  EXPECT_EQ(j["rows"][0]["unit"], "×");
}

TEST(Ratios, Markdown) {
  const auto runs = three_runs();
  const ea::RatioReport r = ea::compute_ratios(runs, kTwoTargets);
  const std::string md = ea::ratios_markdown(r, {"baseline --benchmark_repetitions=10"});
  EXPECT_THAT(md, HasSubstr("| benchmark | target | run 1 | run 2 | run 3 | min | median | max | result |"));
  EXPECT_THAT(md, HasSubstr("| sim: optimized / peer | ≤ 1.0× | 0.8× | 0.9× | 1.1× | 0.8× | 0.9× | 1.1× | pass (2/3 runs) |"));
  EXPECT_THAT(md, HasSubstr("| sim: reference / optimized | ≥ 8× faster | 10× | 8× | 7.2× |"));
  EXPECT_THAT(md, HasSubstr("2 of 2 targets pass"));
  EXPECT_THAT(md, HasSubstr("only 2 repetitions"));  // below the issue's 10
  EXPECT_THAT(md, HasSubstr("```sh\nbaseline --benchmark_repetitions=10\n```"));
  const nlohmann::json j = nlohmann::json::parse(ea::ratios_json(r));
  EXPECT_EQ(j["rows"][0]["status"], "pass");
  EXPECT_DOUBLE_EQ(j["rows"][0]["median"].get<double>(), 0.9);
}

TEST(RatiosTool, CheckExtraRowsAndBadInput) {
  stats_test::TempDir dir("ratios-tool");
  const std::string tool = ENGRAM_RATIOS_TOOL;
  // The fixtures hold no issue-7 benchmark: every target is "not measured".
  const auto unmeasured = stats_test::run(tool + " " + stats_test::fixture("old.json"));
  EXPECT_EQ(unmeasured.exit_code, 0) << unmeasured.output;
  EXPECT_THAT(unmeasured.output, HasSubstr("0 of 13 targets pass, 0 fail, 13 not measured"));
  EXPECT_EQ(stats_test::run(tool + " --check " + stats_test::fixture("old.json")).exit_code, 3);
  {
    std::ofstream extra(dir.file("extra.json"));
    extra << R"({"rows": [{"label": "harness", "target": "≥ 8× faster", "bound": "at_least", "limit": 8,
                 "values": [9], "source": "test"}]})";
  }
  const auto with_extra = stats_test::run(tool + " --markdown " + dir.file("t.md") + " --extra " +
                                          dir.file("extra.json") + " " + stats_test::fixture("old.json"));
  EXPECT_EQ(with_extra.exit_code, 0) << with_extra.output;
  EXPECT_THAT(with_extra.output, HasSubstr("| harness [2] | ≥ 8× faster | 9× |"));
  EXPECT_THAT(with_extra.output, HasSubstr("[2] test"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("t.md")));
  const auto mismatch = stats_test::run(tool + " --extra " + dir.file("extra.json") + " " +
                                        stats_test::fixture("old.json") + " " + stats_test::fixture("same.json"));
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_THAT(mismatch.output, HasSubstr("has 1 values but there are 2 runs"));
  EXPECT_EQ(stats_test::run(tool + " " + stats_test::fixture("truncated.json")).exit_code, 2);
  EXPECT_EQ(stats_test::run(tool + " --extra " + dir.file("none.json") + " " + stats_test::fixture("old.json")).exit_code,
            2);
  EXPECT_EQ(stats_test::run(tool).exit_code, 2);
  // An output that cannot be written (a folder that does not exist) is a failure.
  EXPECT_EQ(stats_test::run(tool + " --json " + dir.file("no/r.json") + " " + stats_test::fixture("old.json")).exit_code,
            1);
  EXPECT_EQ(stats_test::run(tool + " --help").exit_code, 0);
  EXPECT_THAT(stats_test::run(tool + " --list-targets").output, HasSubstr("spreading_activation_10k/eigen"));
}

// ---- the estimator and disturbed repetitions ------------------------------------

namespace {

ea::BenchmarkSamples with_disturbed(const std::string& name, const std::vector<double>& cpu_ns,
                                    const std::vector<std::size_t>& disturbed_at) {
  ea::BenchmarkSamples s = samples(name, cpu_ns);
  s.noise.resize(cpu_ns.size());
  for (std::size_t i : disturbed_at) s.noise.at(i).disturbed = true;
  return s;
}

}  // namespace

TEST(Ratios, TheEstimatorAndTheUndisturbedRepetitionsMakeTheRatio) {
  std::vector<ea::BenchmarkFile> runs(1);
  runs[0].source = "run.json";
  // optimized: 40, 44, 48 and a disturbed 200; peer: 50, 60, 70 and a disturbed 300.
  runs[0].benchmarks = {with_disturbed("sim/optimized", {40, 200, 44, 48}, {1}),
                        with_disturbed("sim/peer", {50, 60, 300, 70}, {2}),
                        with_disturbed("sim/reference", {500, 510}, {0, 1})};  // every one disturbed
  const std::vector<ea::RatioTarget> one{kTwoTargets[0], kTwoTargets[1]};
  const ea::RatioReport by_median = ea::compute_ratios(runs, one, ea::TimeMeasure::cpu, ea::Estimator::median);
  EXPECT_DOUBLE_EQ(*by_median.rows[0].per_run[0], 44.0 / 60.0);
  const ea::RatioReport by_min = ea::compute_ratios(runs, one, ea::TimeMeasure::cpu, ea::Estimator::minimum);
  EXPECT_DOUBLE_EQ(*by_min.rows[0].per_run[0], 40.0 / 50.0);
  // Every repetition of the reference was disturbed: estimated from them all, and counted.
  EXPECT_DOUBLE_EQ(*by_min.rows[1].per_run[0], 500.0 / 40.0);
  EXPECT_EQ(by_min.set_aside, (std::vector<std::size_t>{2}));
  EXPECT_EQ(by_min.all_disturbed, (std::vector<std::size_t>{1}));
  EXPECT_EQ(by_min.estimator.estimator, ea::Estimator::minimum);
  const std::string md = ea::ratios_markdown(by_min);
  EXPECT_THAT(md, HasSubstr("Each ratio is min / min of the cpu times"));
  EXPECT_THAT(md, HasSubstr("Estimator: min (chosen with --estimator)"));
  EXPECT_THAT(md, HasSubstr("(2 disturbed set aside; 1 benchmark with every repetition disturbed, estimated from them all)"));
  const nlohmann::json j = nlohmann::json::parse(ea::ratios_json(by_min));
  EXPECT_EQ(j["version"], ea::kRatiosJsonVersion);
  EXPECT_EQ(j["estimator"]["name"], "min");
  EXPECT_EQ(j["set_aside"], nlohmann::json::array({2}));
  EXPECT_EQ(j["all_disturbed"], nlohmann::json::array({1}));
}

TEST(Ratios, TheDefaultEstimatorFollowsEngramSetup) {
  auto runs = three_runs();
  EXPECT_EQ(ea::compute_ratios(runs, kTwoTargets).estimator.estimator, ea::Estimator::median);
  runs[1].context["engram.setup"] = R"({"virtualized": true})";
  const ea::RatioReport r = ea::compute_ratios(runs, kTwoTargets);
  EXPECT_EQ(r.estimator.estimator, ea::Estimator::minimum);
  EXPECT_DOUBLE_EQ(*r.rows[0].per_run[0], 39.0 / 49.0);  // the minima of run 1
  EXPECT_THAT(ea::ratios_markdown(r), HasSubstr("virtualized"));
}

TEST(RatiosTool, EstimatorOption) {
  const std::string tool = ENGRAM_RATIOS_TOOL;
  const auto min = stats_test::run(tool + " --estimator=min " + stats_test::fixture("old.json"));
  EXPECT_EQ(min.exit_code, 0) << min.output;
  EXPECT_THAT(min.output, HasSubstr("Estimator: min (chosen with --estimator)"));
  const auto bad = stats_test::run(tool + " --estimator=mode " + stats_test::fixture("old.json"));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("--estimator: unknown estimator 'mode'"));
}
