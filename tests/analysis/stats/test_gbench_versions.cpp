// Google Benchmark JSON of every release from 1.4 on (issue 15, item 3): the
// reader on one fixture per shape (tests/analysis/fixtures/gbench_versions,
// written by us after what each release's json_reporter.cc writes; see
// docs/gbench_json_versions.md), compare's verdict on each OLD/NEW pair, and
// stability and ratios on the oldest and the aggregates-only shapes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"
#include "engram/benchstats/compare.hpp"
#include "engram/benchstats/ratios.hpp"
#include "engram/benchstats/stability.hpp"
#include "stats_test_support.hpp"

namespace ea = engram::benchstats;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

std::string shape(const std::string& name) { return std::string(ENGRAM_GBENCH_VERSION_FIXTURES) + "/" + name; }
ea::BenchmarkFile read(const std::string& name) { return ea::read_benchmark_json(shape(name)); }

std::vector<std::string> names(const ea::BenchmarkFile& f) {
  std::vector<std::string> out;
  for (const auto& b : f.benchmarks) out.push_back(b.name);
  return out;
}

// Every OLD/NEW pair of the fixture set and the verdict compare must give
// each benchmark, with compare's exit code.
struct Pair {
  const char* old_file;
  const char* new_file;
  std::map<std::string, ea::Verdict> verdicts;
  int exit_code;
};

const std::vector<Pair>& pairs() {
  using V = ea::Verdict;
  static const std::vector<Pair> all = {
      {"v1_4_old.json", "v1_4_same.json", {{"BM_sum/64", V::within_noise}, {"BM_sort/64", V::within_noise}}, 0},
      {"v1_4_old.json", "v1_4_slower.json", {{"BM_sum/64", V::regressed}, {"BM_sort/64", V::within_noise}}, 3},
      {"v1_5_old.json", "v1_5_same.json", {{"BM_sum/64", V::within_noise}, {"BM_copy/4096", V::within_noise}}, 0},
      {"v1_6_old.json", "v1_6_faster.json", {{"BM_sum/64", V::improved}, {"BM_copy/4096", V::within_noise}}, 0},
      {"aggregates_only_old.json",
       "aggregates_only_slower.json",
       {{"BM_sum/64", V::inconclusive}, {"BM_sort/64", V::inconclusive}},
       4},
      {"v1_8_old.json", "v1_8_skipped.json", {{"BM_sum/64", V::within_noise}, {"BM_gpu/64", V::inconclusive}}, 4},
      {"v1_9_old.json",
       "v1_9_error.json",
       {{"BM_sum/64", V::within_noise}, {"BM_alloc/1M", V::inconclusive}, {"BM_sort/64", V::within_noise}},
       4},
      {"units_us.json", "units_s_ms.json", {{"BM_slow/1", V::within_noise}, {"BM_slower/1", V::within_noise}}, 0},
      {"reps_only_old.json", "reps_only_slower.json", {{"BM_sum/64", V::regressed}}, 3},
      {"missing_fields_old.json",
       "missing_fields_same.json",
       {{"BM_sum/64", V::within_noise}, {"BM_broken/64", V::inconclusive}},
       4},
  };
  return all;
}

}  // namespace

TEST(GbenchVersions, V14WithoutRunTypeInfersAggregatesFromTheirNames) {
  const ea::BenchmarkFile f = read("v1_4_old.json");
  EXPECT_THAT(names(f), ElementsAre("BM_sum/64", "BM_sort/64"));  // no "_mean" benchmark, no "BM_sort" from _BigO
  const ea::BenchmarkSamples& sum = f.benchmarks[0];
  EXPECT_EQ(sum.repetitions(), 8u);
  EXPECT_DOUBLE_EQ(sum.cpu_ns[0], 1000);
  EXPECT_EQ(sum.aggregates.size(), 3u);  // mean, median, stddev: no cv before 1.6
  ASSERT_TRUE(sum.aggregate_median_ns(ea::TimeMeasure::cpu).has_value());
  EXPECT_NEAR(*sum.aggregate_median_ns(ea::TimeMeasure::cpu), 1000, 1e-9);
  EXPECT_TRUE(sum.missing.empty());
  EXPECT_THAT(f.notes, ElementsAre(HasSubstr("no \"run_type\" (Google Benchmark before 1.5)"),
                                   HasSubstr("2 complexity results (_BigO, _RMS")));
}

TEST(GbenchVersions, AStatisticSuffixAloneIsABenchmarkNotAnAggregate) {
  // "BM_x_mean" with neither BM_x nor another statistic of it: a benchmark
  // that happens to end in _mean.
  const ea::BenchmarkFile f = ea::parse_benchmark_json(
      R"({"benchmarks": [{"name": "BM_x_mean", "iterations": 1, "real_time": 5, "cpu_time": 4, "time_unit": "ns"}]})",
      "t.json");
  EXPECT_THAT(names(f), ElementsAre("BM_x_mean"));
  EXPECT_EQ(f.benchmarks[0].repetitions(), 1u);
}

TEST(GbenchVersions, V15AndV16ReadRunNameAggregateNameAndUnits) {
  const ea::BenchmarkFile v15 = read("v1_5_old.json");
  EXPECT_THAT(names(v15), ElementsAre("BM_sum/64", "BM_copy/4096"));
  EXPECT_TRUE(v15.notes.empty());
  EXPECT_DOUBLE_EQ(v15.find("BM_copy/4096")->cpu_ns[0], 800);  // written in us
  const ea::BenchmarkFile v16 = read("v1_6_old.json");
  const ea::BenchmarkSamples& sum = *v16.find("BM_sum/64");
  ASSERT_EQ(sum.aggregates.count("cv"), 1u);
  EXPECT_TRUE(sum.aggregates.at("cv").percentage);  // aggregate_unit "percentage": a fraction, not a time
  EXPECT_LT(*sum.aggregates.at("cv").cpu, 0.01);
  EXPECT_FALSE(sum.aggregates.at("median").percentage);
  EXPECT_EQ(sum.counters.at("bytes_per_second").size(), 8u);
  EXPECT_DOUBLE_EQ(v16.find("BM_copy/4096")->cpu_ns[0], 800e3);
}

TEST(GbenchVersions, AggregatesOnlyKeepsTheMediansAndSaysWhatIsMissing) {
  const ea::BenchmarkFile f = read("aggregates_only_old.json");
  EXPECT_THAT(names(f), ElementsAre("BM_sum/64", "BM_sort/64"));
  for (const auto& b : f.benchmarks) {
    EXPECT_TRUE(b.aggregates_only()) << b.name;
    EXPECT_EQ(b.aggregates.size(), 4u) << b.name;
    EXPECT_THAT(b.unusable_reason(), HasSubstr("no repetitions, only Google Benchmark's aggregates (cv, mean, median, "
                                               "stddev; written with --benchmark_report_aggregates_only)"));
  }
  EXPECT_NEAR(*f.benchmarks[1].aggregate_median_ns(ea::TimeMeasure::cpu), 5000, 1e-9);
  EXPECT_NEAR(*f.benchmarks[1].aggregate_median_ns(ea::TimeMeasure::real), 5250, 1e-9);
}

TEST(GbenchVersions, SkippedAndErrorEntriesKeepTheirMessageAndTheOthersAreRead) {
  const ea::BenchmarkFile skipped = read("v1_8_skipped.json");
  EXPECT_EQ(skipped.find("BM_gpu/64")->skip_message, "no GPU on this machine");
  EXPECT_EQ(skipped.find("BM_gpu/64")->repetitions(), 0u);  // its 0 times are not repetitions
  EXPECT_EQ(skipped.find("BM_gpu/64")->unusable_reason(), "skipped: no GPU on this machine");
  EXPECT_DOUBLE_EQ(skipped.find("BM_sum/64")->cpu_ns[0], 2e6);  // written in ms
  const ea::BenchmarkFile error = read("v1_9_error.json");
  EXPECT_EQ(error.find("BM_alloc/1M")->error_message, "mmap failed");
  EXPECT_EQ(error.find("BM_sort/64")->repetitions(), 8u);
}

TEST(GbenchVersions, EveryTimeUnitReadsAsTheSameNanoseconds) {
  const ea::BenchmarkFile us = read("units_us.json"), s_ms = read("units_s_ms.json");
  for (const char* name : {"BM_slow/1", "BM_slower/1"}) {
    const auto& a = us.find(name)->cpu_ns;
    const auto& b = s_ms.find(name)->cpu_ns;
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-9 * a[i]) << name;
  }
  EXPECT_NEAR(s_ms.find("BM_slower/1")->cpu_ns[0], 4e9, 1);
}

TEST(GbenchVersions, MissingFieldsAreAssumedOrNamedPerBenchmark) {
  const ea::BenchmarkFile f = read("missing_fields_old.json");
  const ea::BenchmarkSamples& sum = *f.find("BM_sum/64");
  EXPECT_EQ(sum.repetitions(), 8u);  // no time_unit, repetitions or repetition_index: still read
  EXPECT_DOUBLE_EQ(sum.cpu_ns[0], 1000);
  EXPECT_THAT(sum.missing, ElementsAre("no \"time_unit\": times read as ns (Google Benchmark's default unit)"));
  const ea::BenchmarkSamples& broken = *f.find("BM_broken/64");
  EXPECT_EQ(broken.repetitions(), 0u);
  EXPECT_THAT(broken.missing,
              ElementsAre(HasSubstr("no \"time_unit\""),
                          "no \"cpu_time\": repetition left out (8 entries: /benchmarks/11, /benchmarks/12, "
                          "/benchmarks/13, ...)"));
}

TEST(GbenchVersions, CompareGivesTheKnownVerdictOnEveryPair) {
  for (const Pair& p : pairs()) {
    const ea::ComparisonReport r = ea::compare_runs(read(p.old_file), read(p.new_file), {});
    SCOPED_TRACE(std::string(p.old_file) + " -> " + p.new_file);
    ASSERT_EQ(r.benchmarks.size(), p.verdicts.size());
    for (const auto& c : r.benchmarks) {
      ASSERT_EQ(p.verdicts.count(c.name), 1u) << c.name;
      EXPECT_EQ(c.verdict, p.verdicts.at(c.name)) << c.name << ": " << c.reason;
    }
    EXPECT_EQ(r.exit_code(), p.exit_code);
  }
}

TEST(GbenchVersions, AggregatesOnlyComparesMediansWithTheTestMarkedUnavailable) {
  const ea::ComparisonReport r =
      ea::compare_runs(read("aggregates_only_old.json"), read("aggregates_only_slower.json"), {});
  const ea::BenchmarkComparison& sum = r.benchmarks[0];
  ASSERT_TRUE(sum.ratio.has_value());
  EXPECT_NEAR(*sum.ratio, 1.2, 1e-9);  // the medians' ratio, as compare.py shows it
  EXPECT_FALSE(sum.p_value.has_value());
  EXPECT_FALSE(sum.ratio_ci.has_value());
  EXPECT_TRUE(sum.old_side.from_aggregates);
  EXPECT_THAT(sum.reason, HasSubstr("medians compared (+20.0%), statistical test unavailable"));
  EXPECT_THAT(sum.missing, ElementsAre(HasSubstr("OLD: no repetitions, only Google Benchmark's aggregates"),
                                       HasSubstr("NEW: no repetitions, only Google Benchmark's aggregates")));
  const nlohmann::json j = nlohmann::json::parse(ea::render_comparison_json(r));
  EXPECT_EQ(j["version"], ea::kComparisonJsonVersion);
  EXPECT_EQ(j["benchmarks"][0]["old"]["from_aggregates"], true);
  EXPECT_EQ(j["benchmarks"][0]["missing"].size(), 2u);
  EXPECT_TRUE(j["benchmarks"][0]["p_value"].is_null());
  // One side with repetitions and one without: still the medians.
  const ea::ComparisonReport mixed = ea::compare_runs(read("v1_4_old.json"), read("aggregates_only_slower.json"), {});
  EXPECT_NEAR(*mixed.benchmarks[0].ratio, 1.2, 1e-9);
  EXPECT_FALSE(mixed.benchmarks[0].old_side.from_aggregates);
  EXPECT_EQ(mixed.benchmarks[0].verdict, ea::Verdict::inconclusive);
}

TEST(GbenchVersions, SkippedAndFailedBenchmarksSayWhyPerBenchmark) {
  const ea::ComparisonReport skipped = ea::compare_runs(read("v1_8_old.json"), read("v1_8_skipped.json"), {});
  EXPECT_EQ(skipped.benchmarks[1].reason, "nothing to compare: NEW: skipped: no GPU on this machine");
  const ea::ComparisonReport broken =
      ea::compare_runs(read("missing_fields_old.json"), read("missing_fields_same.json"), {});
  EXPECT_THAT(broken.benchmarks[1].reason, HasSubstr("nothing to compare: OLD: "));
  EXPECT_THAT(broken.benchmarks[1].reason, HasSubstr("no \"cpu_time\": repetition left out (8 entries"));
  const std::string table = ea::render_comparison_table(broken);
  EXPECT_THAT(table, HasSubstr("BM_sum/64: missing: OLD: no \"time_unit\": times read as ns"));
}

TEST(GbenchVersions, StabilityReadsTheOldestAndTheAggregatesOnlyShapes) {
  const std::vector<ea::BenchmarkFile> oldest{read("v1_4_old.json"), read("v1_4_same.json")};
  const ea::StabilityReport ok = ea::analyse_stability(oldest);
  ASSERT_EQ(ok.benchmarks.size(), 2u);
  for (const auto& b : ok.benchmarks) EXPECT_EQ(b.status, ea::StabilityStatus::pass) << b.name << ": " << b.reason;
  const std::vector<ea::BenchmarkFile> aggregates{read("aggregates_only_old.json"), read("aggregates_only_slower.json")};
  const ea::StabilityReport agg = ea::analyse_stability(aggregates);
  ASSERT_EQ(agg.benchmarks.size(), 2u);
  for (const auto& b : agg.benchmarks) {
    EXPECT_EQ(b.status, ea::StabilityStatus::incomplete) << b.name;
    EXPECT_THAT(b.reason, HasSubstr("run 1: no repetitions, only Google Benchmark's aggregates")) << b.name;
  }
}

TEST(GbenchVersions, RatiosReadTheOldestAndTheAggregatesOnlyShapes) {
  const std::vector<ea::RatioTarget> targets{{"sort / sum", "BM_sort/64", "BM_sum/64", ea::RatioBound::at_most, 10, "≤ 10×"}};
  const std::vector<ea::BenchmarkFile> oldest{read("v1_4_old.json")};
  const ea::RatioReport ok = ea::compute_ratios(oldest, targets);
  ASSERT_EQ(ok.rows.size(), 1u);
  ASSERT_TRUE(ok.rows[0].median.has_value());
  EXPECT_NEAR(*ok.rows[0].median, 5, 1e-9);
  EXPECT_TRUE(ok.rows[0].missing.empty());
  const std::vector<ea::BenchmarkFile> aggregates{read("aggregates_only_old.json")};
  const ea::RatioReport agg = ea::compute_ratios(aggregates, targets);
  EXPECT_EQ(agg.rows[0].status, ea::RatioStatus::not_measured);
  EXPECT_THAT(agg.rows[0].missing,
              ElementsAre(HasSubstr("run 1: BM_sort/64: no repetitions, only Google Benchmark's aggregates"),
                          HasSubstr("run 1: BM_sum/64: no repetitions")));
}

// The compare program over the whole fixture set: the verdicts and exit code
// of each pair, from its JSON output.
TEST(GbenchVersionsTool, CompareGivesTheKnownVerdictOnEveryPair) {
  const stats_test::TempDir dir("gbench-versions");
  for (const Pair& p : pairs()) {
    SCOPED_TRACE(std::string(p.old_file) + " -> " + p.new_file);
    const std::string out = dir.file(std::string(p.old_file) + "-" + p.new_file);
    const auto r = stats_test::run(std::string(ENGRAM_COMPARE_TOOL) + " " + shape(p.old_file) + " " +
                                   shape(p.new_file) + " --json-out " + out);
    EXPECT_EQ(r.exit_code, p.exit_code) << r.output;
    std::ifstream in(out);
    const nlohmann::json j = nlohmann::json::parse(in);
    ASSERT_EQ(j["benchmarks"].size(), p.verdicts.size());
    for (const auto& b : j["benchmarks"]) {
      const std::string name = b["name"];
      EXPECT_EQ(b["verdict"].get<std::string>(), std::string(ea::to_string(p.verdicts.at(name)))) << name;
      EXPECT_TRUE(b["missing"].is_array());
    }
  }
}
