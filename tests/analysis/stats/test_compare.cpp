// The compare verdicts: the rule on its own, then whole comparisons of
// synthetic runs and fixture files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include <nlohmann/json.hpp>

#include "engram/benchstats/compare.hpp"
#include "stats_test_support.hpp"

namespace ea = engram::benchstats;
using stats_test::fixture;
using ::testing::HasSubstr;
using ::testing::Not;
using V = std::vector<double>;

namespace {

ea::ConfidenceInterval ci(double low, double high) {
  ea::ConfidenceInterval c;
  c.low = low;
  c.high = high;
  return c;
}

ea::BenchmarkSamples samples(const std::string& name, const V& cpu_ns) {
  ea::BenchmarkSamples s;
  s.name = name;
  s.cpu_ns = cpu_ns;
  s.real_ns = cpu_ns;
  return s;
}

ea::BenchmarkFile run_of(const std::string& source, std::vector<ea::BenchmarkSamples> benchmarks) {
  ea::BenchmarkFile f;
  f.source = source;
  f.benchmarks = std::move(benchmarks);
  return f;
}

V scaled(const V& x, double factor) {
  V y;
  for (double v : x) y.push_back(v * factor);
  return y;
}

const V kBase{100.0, 101.0, 99.5, 100.4, 100.8, 99.9, 100.2, 100.1, 99.7, 100.6};

const ea::BenchmarkComparison& only(const ea::ComparisonReport& r) {
  EXPECT_EQ(r.benchmarks.size(), 1u);
  return r.benchmarks.at(0);
}

}  // namespace

TEST(CompareVerdict, NeedsSignificanceAndTheWholeCiBeyondTheThreshold) {
  using ea::Verdict;
  const double t = 0.02, alpha = 0.05;
  EXPECT_EQ(ea::timing_verdict(std::nullopt, ci(1.5, 1.6), t, alpha), Verdict::inconclusive);  // refused p
  EXPECT_EQ(ea::timing_verdict(0.20, ci(1.05, 1.10), t, alpha), Verdict::within_noise);  // not significant
  EXPECT_EQ(ea::timing_verdict(0.05, ci(1.05, 1.10), t, alpha), Verdict::within_noise);  // p must be < alpha
  EXPECT_EQ(ea::timing_verdict(0.01, ci(1.03, 1.10), t, alpha), Verdict::regressed);
  EXPECT_EQ(ea::timing_verdict(0.01, ci(1.01, 1.10), t, alpha), Verdict::within_noise);  // CI reaches into noise
  EXPECT_EQ(ea::timing_verdict(0.01, ci(1.02, 1.10), t, alpha), Verdict::within_noise);  // on the edge: not beyond
  EXPECT_EQ(ea::timing_verdict(0.01, ci(0.90, 0.97), t, alpha), Verdict::improved);
  EXPECT_EQ(ea::timing_verdict(0.01, ci(0.90, 0.985), t, alpha), Verdict::within_noise);
  EXPECT_EQ(ea::timing_verdict(0.01, ci(0.99, 1.01), t, alpha), Verdict::within_noise);  // significant, tiny
  EXPECT_EQ(ea::timing_verdict(0.01, ci(1.03, 1.10), 0.05, alpha), Verdict::within_noise);  // wider threshold
}

TEST(CompareVerdict, DeterministicCountsAnyChangeBeyondOnePercent) {
  using ea::Verdict;
  EXPECT_EQ(ea::deterministic_verdict(1.0, 0.01), Verdict::within_noise);
  EXPECT_EQ(ea::deterministic_verdict(1.0099, 0.01), Verdict::within_noise);
  EXPECT_EQ(ea::deterministic_verdict(1.0101, 0.01), Verdict::regressed);
  EXPECT_EQ(ea::deterministic_verdict(0.9899, 0.01), Verdict::improved);
}

TEST(CompareRuns, SlowerBySeventeenPercentIsARegression) {
  const auto r = ea::compare_runs(run_of("old", {samples("k", kBase)}), run_of("new", {samples("k", scaled(kBase, 1.17))}),
                                  {});
  const auto& c = only(r);
  EXPECT_EQ(c.verdict, ea::Verdict::regressed);
  ASSERT_TRUE(c.p_value);
  // Fully separated 10 vs 10, no ties: exact p = 2 / C(20,10) = 2 / 184756.
  EXPECT_TRUE(c.p_exact);
  EXPECT_NEAR(*c.p_value, 2.0 / 184756, 1e-12);
  EXPECT_NEAR(*c.ratio, 1.17, 1e-12);
  ASSERT_TRUE(c.ratio_ci);
  EXPECT_TRUE(c.ratio_ci->contains(1.17));
  EXPECT_EQ(r.exit_code(), ea::kCompareExitRegression);
}

TEST(CompareRuns, FasterIsAnImprovementAndPasses) {
  const auto r = ea::compare_runs(run_of("old", {samples("k", kBase)}), run_of("new", {samples("k", scaled(kBase, 0.8))}),
                                  {});
  EXPECT_EQ(only(r).verdict, ea::Verdict::improved);
  EXPECT_EQ(r.exit_code(), ea::kCompareExitPass);
}

TEST(CompareRuns, SignificantButSmallerThanTheThresholdIsWithinNoise) {
  // +1%: the samples separate completely (p tiny) but the CI lies inside +-2%.
  const auto r = ea::compare_runs(run_of("old", {samples("k", kBase)}), run_of("new", {samples("k", scaled(kBase, 1.01))}),
                                  {});
  const auto& c = only(r);
  ASSERT_TRUE(c.p_value);
  EXPECT_LT(*c.p_value, 0.05);
  EXPECT_EQ(c.verdict, ea::Verdict::within_noise);
  EXPECT_THAT(c.reason, HasSubstr("not wholly beyond"));
  // With a 0.2% threshold the same data is a regression (its CI is about
  // [+0.4%, +1.6%]).
  ea::CompareOptions tight;
  tight.threshold = 0.002;
  const auto r2 = ea::compare_runs(run_of("old", {samples("k", kBase)}), run_of("new", {samples("k", scaled(kBase, 1.01))}),
                                   tight);
  EXPECT_EQ(only(r2).verdict, ea::Verdict::regressed);
}

TEST(CompareRuns, RefusesAPValueWithFewerThanFourRepetitions) {
  // Even a 50% slowdown is inconclusive with three repetitions: the smallest
  // possible p for 3 vs 3 is 0.1.
  const V three{100, 101, 99};
  const auto r = ea::compare_runs(run_of("old", {samples("k", three)}), run_of("new", {samples("k", scaled(three, 1.5))}),
                                  {});
  const auto& c = only(r);
  EXPECT_EQ(c.verdict, ea::Verdict::inconclusive);
  EXPECT_FALSE(c.p_value);
  EXPECT_THAT(c.reason, HasSubstr("fewer than 4 per side"));
  EXPECT_THAT(c.reason, HasSubstr("0.1"));
  EXPECT_TRUE(c.ratio);  // the change is still shown
  EXPECT_EQ(r.exit_code(), ea::kCompareExitInconclusive);
  // Four on one side is not enough either.
  const auto r2 = ea::compare_runs(run_of("old", {samples("k", {100, 101, 99, 100.5})}),
                                   run_of("new", {samples("k", scaled(three, 1.5))}), {});
  EXPECT_EQ(only(r2).verdict, ea::Verdict::inconclusive);
  // Four per side is: fully separated, exact p = 2/70 < 0.05.
  const auto r3 = ea::compare_runs(run_of("old", {samples("k", {100, 101, 99, 100.5})}),
                                   run_of("new", {samples("k", {150, 151, 149, 150.5})}), {});
  EXPECT_EQ(only(r3).verdict, ea::Verdict::regressed);
  EXPECT_NEAR(*only(r3).p_value, 2.0 / 70, 1e-12);
}

TEST(CompareRuns, SingleRepetitionsStillShowTheChange) {
  const auto r = ea::compare_runs(run_of("old", {samples("k", {100})}), run_of("new", {samples("k", {110})}), {});
  const auto& c = only(r);
  EXPECT_EQ(c.verdict, ea::Verdict::inconclusive);
  EXPECT_NEAR(*c.ratio, 1.1, 1e-12);
  EXPECT_FALSE(c.ratio_ci);  // no bootstrap from one value
}

TEST(CompareRuns, GeometricMeanOverBenchmarksInBoth) {
  // Ratios 2 and 0.5 (and a benchmark only in OLD, which does not count).
  const auto r = ea::compare_runs(
      run_of("old", {samples("a", kBase), samples("b", kBase), samples("gone", kBase)}),
      run_of("new", {samples("a", scaled(kBase, 2)), samples("b", scaled(kBase, 0.5)), samples("added", kBase)}), {});
  ASSERT_TRUE(r.geomean_ratio);
  EXPECT_NEAR(*r.geomean_ratio, 1.0, 1e-12);
  EXPECT_EQ(r.geomean_count, 2u);
  EXPECT_EQ(r.only_in_old, (std::vector<std::string>{"gone"}));
  EXPECT_EQ(r.only_in_new, (std::vector<std::string>{"added"}));
  EXPECT_EQ(r.exit_code(), ea::kCompareExitRegression);  // "a" doubled
}

TEST(CompareRuns, ExitCodes) {
  // Regression beats inconclusive; a benchmark missing from NEW is inconclusive.
  const auto missing = ea::compare_runs(run_of("old", {samples("a", kBase), samples("gone", kBase)}),
                                        run_of("new", {samples("a", kBase)}), {});
  EXPECT_EQ(missing.exit_code(), ea::kCompareExitInconclusive);
  const auto added = ea::compare_runs(run_of("old", {samples("a", kBase)}),
                                      run_of("new", {samples("a", kBase), samples("added", kBase)}), {});
  EXPECT_EQ(added.exit_code(), ea::kCompareExitPass);
  const auto both = ea::compare_runs(run_of("old", {samples("a", kBase), samples("b", {1, 2})}),
                                     run_of("new", {samples("a", scaled(kBase, 1.5)), samples("b", {1, 2})}), {});
  EXPECT_EQ(both.count(ea::Verdict::inconclusive), 1u);
  EXPECT_EQ(both.exit_code(), ea::kCompareExitRegression);
  // compare's verdicts sit above the codes every tool shares (1 failure, 2 bad input).
  EXPECT_EQ(ea::kCompareExitPass, 0);
  EXPECT_EQ(ea::kCompareExitRegression, 3);
  EXPECT_EQ(ea::kCompareExitInconclusive, 4);
}

TEST(CompareRuns, ABenchmarkErrorIsInconclusive) {
  ea::BenchmarkSamples broken = samples("k", {});
  broken.error_message = "allocation failed";
  const auto r = ea::compare_runs(run_of("old", {samples("k", kBase)}), run_of("new", {broken}), {});
  EXPECT_EQ(only(r).verdict, ea::Verdict::inconclusive);
  EXPECT_THAT(only(r).reason, HasSubstr("allocation failed"));
}

TEST(CompareRuns, NothingInCommonIsBadInput) {
  EXPECT_THROW(ea::compare_runs(run_of("old", {samples("a", kBase)}), run_of("new", {samples("b", kBase)}), {}),
               ea::BenchmarkJsonError);
}

TEST(CompareRuns, TimeMeasureSelectsTheColumn) {
  ea::BenchmarkSamples old_s = samples("k", kBase), new_s = samples("k", kBase);
  new_s.real_ns = scaled(kBase, 1.5);  // only the wall clock got slower
  ea::CompareOptions cpu, real;
  real.measure = ea::TimeMeasure::real;
  EXPECT_EQ(only(ea::compare_runs(run_of("o", {old_s}), run_of("n", {new_s}), cpu)).verdict, ea::Verdict::within_noise);
  EXPECT_EQ(only(ea::compare_runs(run_of("o", {old_s}), run_of("n", {new_s}), real)).verdict, ea::Verdict::regressed);
}

TEST(CompareFixtures, MixedTimeUnitsCompareEqual) {
  const auto r = ea::compare_runs(ea::read_benchmark_json(fixture("same.json")),
                                  ea::read_benchmark_json(fixture("same_other_units.json")), {});
  ASSERT_EQ(r.benchmarks.size(), 2u);
  for (const auto& c : r.benchmarks) {
    EXPECT_NEAR(*c.ratio, 1.0, 1e-12) << c.name;
    EXPECT_EQ(c.verdict, ea::Verdict::within_noise) << c.name;
  }
}

TEST(CompareFixtures, DeterministicMode) {
  ea::CompareOptions det;
  det.deterministic = true;
  const auto old_run = ea::read_benchmark_json(fixture("sim_old.json"));
  const auto same = ea::compare_runs(old_run, ea::read_benchmark_json(fixture("sim_same.json")), det);
  for (const auto& c : same.benchmarks) {
    EXPECT_DOUBLE_EQ(*c.ratio, 1.0) << c.name;  // times differ 3x, counts are equal
    EXPECT_EQ(c.verdict, ea::Verdict::within_noise);
    EXPECT_THAT(c.reason, HasSubstr("identical"));
  }
  EXPECT_EQ(same.exit_code(), ea::kCompareExitPass);
  EXPECT_TRUE(same.warnings.empty());
  const auto more = ea::compare_runs(old_run, ea::read_benchmark_json(fixture("sim_more.json")), det);
  EXPECT_EQ(more.benchmarks[0].verdict, ea::Verdict::within_noise);  // +0.5%
  EXPECT_EQ(more.benchmarks[1].verdict, ea::Verdict::regressed);     // +2%
  EXPECT_EQ(more.exit_code(), ea::kCompareExitRegression);
  // A file without the counter at all is bad input.
  EXPECT_THROW(ea::compare_runs(old_run, ea::read_benchmark_json(fixture("same.json")), det), ea::BenchmarkJsonError);
}

TEST(CompareFixtures, DeterministicWarnsWhenTheCounterIsNotKnownToBeSimulated) {
  ea::BenchmarkSamples s = samples("k", {1, 2});
  s.counters["TOT_INS"] = {1000, 1010};
  ea::CompareOptions det;
  det.deterministic = true;
  const auto r = ea::compare_runs(run_of("o", {s}), run_of("n", {s}), det);
  ASSERT_EQ(r.warnings.size(), 4u);  // status unknown on both sides, varying on both sides
  EXPECT_THAT(r.warnings[0], HasSubstr("cannot confirm it is simulated"));
  EXPECT_THAT(r.warnings[2], HasSubstr("varies across the repetitions"));
}

// The statuses are read with counters' one reader, strictly: the recorded
// status is used, and a malformed list is an input error, not "unknown".
TEST(CompareFixtures, DeterministicReadsTheRecordedStatusesStrictly) {
  ea::BenchmarkSamples s = samples("k", {1, 2});
  s.counters["TOT_INS"] = {1000, 1000};
  ea::CompareOptions det;
  det.deterministic = true;
  auto with_statuses = [&](const std::string& name, const std::string& statuses) {
    ea::BenchmarkFile f = run_of(name, {s});
    f.context["engram.counters"] = statuses;
    return f;
  };
  const std::string simulated =
      R"({"schema": "engram-counter-statuses", "version": 1, "counters": [{"counter": "TOT_INS",
          "canonical": "PAPI_TOT_INS", "status": "simulated", "backend": "simulated", "running_fraction": 1.0}]})";
  const auto ok = ea::compare_runs(with_statuses("o", simulated), with_statuses("n", simulated), det);
  EXPECT_TRUE(ok.warnings.empty()) << ok.warnings.front();
  const std::string counted = std::regex_replace(simulated, std::regex(R"("status": "simulated")"), R"("status": "counted")");
  const auto warned = ea::compare_runs(with_statuses("o", counted), with_statuses("n", simulated), det);
  ASSERT_EQ(warned.warnings.size(), 1u);
  EXPECT_THAT(warned.warnings[0], HasSubstr("TOT_INS was counted, not simulated"));
  try {
    (void)ea::compare_runs(with_statuses("o", R"([{"counter": "TOT_INS", "status": "simulated"}])"),
                           with_statuses("n", simulated), det);
    ADD_FAILURE() << "a bare status list (no schema) was accepted";
  } catch (const engram::io::InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("o: context \"engram.counters\": /: expected a JSON object"));
  }
}

TEST(CompareOutput, TableAndJsonCarryTheVerdicts) {
  const auto r = ea::compare_runs(ea::read_benchmark_json(fixture("old.json")),
                                  ea::read_benchmark_json(fixture("slower.json")), {});
  const std::string table = ea::render_comparison_table(r);
  EXPECT_THAT(table, HasSubstr("kernel_a/optimized"));
  EXPECT_THAT(table, HasSubstr("REGRESSED"));
  EXPECT_THAT(table, HasSubstr("+20.0%"));
  EXPECT_THAT(table, HasSubstr("REGRESSION (exit 3)"));
  const nlohmann::json j = nlohmann::json::parse(ea::render_comparison_json(r));
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_EQ(j["benchmarks"][0]["verdict"], "regressed");
  EXPECT_EQ(j["benchmarks"][1]["verdict"], "within noise");
  EXPECT_NEAR(j["benchmarks"][0]["ratio"].get<double>(), 1.2, 1e-12);
  EXPECT_EQ(j["benchmarks"][0]["old"]["repetitions"], 10);
  EXPECT_EQ(j["bootstrap"]["resamples"], 10000);
  EXPECT_NEAR(j["threshold"].get<double>(), 0.02, 1e-15);
}

TEST(CompareOutput, DurationsPickAReadableUnit) {
  EXPECT_EQ(ea::format_duration_ns(12.5), "12.5 ns");
  EXPECT_EQ(ea::format_duration_ns(12'345), "12.35 us");
  EXPECT_EQ(ea::format_duration_ns(3.2e6), "3.2 ms");
  EXPECT_EQ(ea::format_duration_ns(2.5e9), "2.5 s");
}

// ---- disturbed repetitions and the estimator -----------------------------------

namespace {

// Samples of a run that measured noise (every repetition has its wall time,
// as baseline records it), the repetitions at `disturbed_at` marked disturbed.
ea::BenchmarkSamples with_disturbed(const std::string& name, const V& cpu_ns, const std::vector<std::size_t>& disturbed_at) {
  ea::BenchmarkSamples s = samples(name, cpu_ns);
  s.noise.resize(cpu_ns.size());
  for (std::size_t i = 0; i < cpu_ns.size(); ++i) s.noise[i].wall_ns = cpu_ns[i];
  for (std::size_t i : disturbed_at) s.noise.at(i).disturbed = true;
  return s;
}

// Samples of a run that measured noise and found every repetition undisturbed.
ea::BenchmarkSamples measured(const std::string& name, const V& cpu_ns) { return with_disturbed(name, cpu_ns, {}); }

ea::BenchmarkFile virtualized_run(const std::string& source, std::vector<ea::BenchmarkSamples> benchmarks) {
  ea::BenchmarkFile f = run_of(source, std::move(benchmarks));
  f.context["engram.setup"] = R"({"virtualized": true})";
  return f;
}

}  // namespace

TEST(CompareNoise, DisturbedRepetitionsAreSetAsideAndCounted) {
  // NEW is OLD plus two repetitions twice as slow, both marked disturbed.
  V new_values = kBase;
  new_values.insert(new_values.begin() + 3, 200.0);
  new_values.push_back(210.0);
  const auto r = ea::compare_runs(run_of("old", {measured("k", kBase)}),
                                  run_of("new", {with_disturbed("k", new_values, {3, 11})}), {});
  const auto& c = only(r);
  EXPECT_TRUE(r.set_aside_disturbed);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(c.new_side.set_aside, 2u);
  EXPECT_EQ(c.old_side.set_aside, 0u);
  EXPECT_EQ(c.new_side.repetitions, kBase.size());
  EXPECT_DOUBLE_EQ(*c.ratio, 1.0);  // the same values once the disturbed ones are gone
  EXPECT_EQ(c.verdict, ea::Verdict::within_noise);
  EXPECT_THAT(c.reason, HasSubstr("disturbed repetitions set aside: 2 in NEW"));
  ASSERT_TRUE(c.new_side.summary);
  EXPECT_DOUBLE_EQ(c.new_side.summary->max, 101.0);  // the summary, too, is of the repetitions used
}

// A run made before baseline measured noise reads as all undisturbed: were
// NEW's disturbed repetitions set aside, only NEW would lose its slow tail.
// So nothing is set aside on either side, and a warning says why.
TEST(CompareNoise, ARunWithoutNoiseFiguresMeansNothingIsSetAsideOnEitherSide) {
  // OLD has the same two slow repetitions as NEW, unmarked (no figures).
  V slow_tail = kBase;
  slow_tail.insert(slow_tail.begin() + 3, 200.0);
  slow_tail.push_back(210.0);
  const auto r = ea::compare_runs(run_of("old.json", {samples("k", slow_tail)}),
                                  run_of("new.json", {with_disturbed("k", slow_tail, {3, 11})}), {});
  const auto& c = only(r);
  EXPECT_FALSE(r.set_aside_disturbed);
  EXPECT_EQ(c.old_side.set_aside, 0u);
  EXPECT_EQ(c.new_side.set_aside, 0u);
  EXPECT_EQ(c.new_side.repetitions, slow_tail.size());
  EXPECT_DOUBLE_EQ(*c.ratio, 1.0);  // alike: the same values on both sides
  EXPECT_EQ(c.verdict, ea::Verdict::within_noise);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0],
            "OLD (old.json) has no noise figures (made before baseline measured noise): no repetitions were set aside "
            "on either side, so both are compared alike (2 repetitions NEW marks disturbed are used)");
  EXPECT_THAT(ea::render_comparison_table(r), HasSubstr("median of every repetition (nothing set aside: a run has no "
                                                        "noise figures)"));
  EXPECT_THAT(ea::render_comparison_table(r), HasSubstr("warning: OLD (old.json) has no noise figures"));
  const nlohmann::json j = nlohmann::json::parse(ea::render_comparison_json(r));
  EXPECT_EQ(j["set_aside_disturbed"], false);
  EXPECT_EQ(j["warnings"][0], r.warnings[0]);
  // The other way round, NEW without figures: the same.
  const auto reversed = ea::compare_runs(run_of("old.json", {with_disturbed("k", slow_tail, {3, 11})}),
                                         run_of("new.json", {samples("k", slow_tail)}), {});
  EXPECT_EQ(only(reversed).old_side.set_aside, 0u);
  ASSERT_EQ(reversed.warnings.size(), 1u);
  EXPECT_THAT(reversed.warnings[0], HasSubstr("NEW (new.json) has no noise figures"));
  EXPECT_THAT(reversed.warnings[0], HasSubstr("(2 repetitions OLD marks disturbed are used)"));
  // Neither measured noise: both alike already, nothing to warn about.
  const auto neither = ea::compare_runs(run_of("o", {samples("k", slow_tail)}), run_of("n", {samples("k", slow_tail)}), {});
  EXPECT_TRUE(neither.warnings.empty());
  EXPECT_FALSE(neither.set_aside_disturbed);
  // Both measured noise: NEW's marked ones are set aside, without a warning.
  const auto both = ea::compare_runs(run_of("o", {measured("k", slow_tail)}),
                                     run_of("n", {with_disturbed("k", slow_tail, {3, 11})}), {});
  EXPECT_TRUE(both.set_aside_disturbed);
  EXPECT_EQ(only(both).new_side.set_aside, 2u);
  EXPECT_TRUE(both.warnings.empty());
  // Any noise figure counts, not only the disturbed mark: a memory probe read alone.
  ea::BenchmarkSamples probed = samples("k", slow_tail);
  probed.noise.resize(slow_tail.size());
  probed.noise[0].memory_probe_ns = 3e6;
  const auto by_probe =
      ea::compare_runs(run_of("o", {probed}), run_of("n", {with_disturbed("k", slow_tail, {3, 11})}), {});
  EXPECT_TRUE(by_probe.set_aside_disturbed);
  EXPECT_EQ(only(by_probe).new_side.set_aside, 2u);
}

TEST(CompareNoise, WithoutTheMarksTheSameSlowRepetitionsCount) {
  // The same values unmarked: nothing is set aside and the median moves.
  V new_values = kBase;
  new_values.insert(new_values.begin() + 3, 200.0);
  new_values.push_back(210.0);
  const auto r = ea::compare_runs(run_of("old", {samples("k", kBase)}), run_of("new", {samples("k", new_values)}), {});
  const auto& c = only(r);
  EXPECT_EQ(c.new_side.set_aside, 0u);
  EXPECT_EQ(c.new_side.repetitions, 12u);
  EXPECT_GT(*c.ratio, 1.0);
  EXPECT_THAT(c.reason, Not(HasSubstr("set aside")));
}

TEST(CompareNoise, TooFewUndisturbedRepetitionsAreInconclusiveWithTheReason) {
  const auto r = ea::compare_runs(run_of("old", {measured("k", kBase)}),
                                  run_of("new", {with_disturbed("k", {100, 300, 101, 99.5, 310}, {1, 4})}), {});
  const auto& c = only(r);
  EXPECT_EQ(c.verdict, ea::Verdict::inconclusive);
  EXPECT_FALSE(c.p_value);
  EXPECT_THAT(c.reason, HasSubstr("only 3 undisturbed repetitions in NEW (2 disturbed set aside); need 4"));
  EXPECT_EQ(r.exit_code(), ea::kCompareExitInconclusive);
  // Every repetition disturbed: nothing is left to compare.
  const auto none = ea::compare_runs(run_of("old", {measured("k", kBase)}),
                                     run_of("new", {with_disturbed("k", {300, 310}, {0, 1})}), {});
  EXPECT_EQ(only(none).verdict, ea::Verdict::inconclusive);
  EXPECT_THAT(only(none).reason, HasSubstr("every repetition in NEW was disturbed (2 set aside)"));
  EXPECT_FALSE(only(none).ratio);
}

TEST(CompareNoise, TheEstimatorMakesTheRatioAndItsInterval) {
  // Same minimum, a median 10% higher: the two estimators disagree.
  const V old_values{100, 102, 104, 106, 108, 110, 112, 114, 116, 118};  // median 109
  const V new_values{100, 114, 116, 118, 120, 122, 124, 126, 128, 130};  // median 121
  ea::CompareOptions median, minimum, q25;
  median.estimator = ea::Estimator::median;
  minimum.estimator = ea::Estimator::minimum;
  q25.estimator = ea::Estimator::q25;
  const auto by_median = ea::compare_runs(run_of("o", {samples("k", old_values)}), run_of("n", {samples("k", new_values)}), median);
  const auto by_min = ea::compare_runs(run_of("o", {samples("k", old_values)}), run_of("n", {samples("k", new_values)}), minimum);
  const auto by_q25 = ea::compare_runs(run_of("o", {samples("k", old_values)}), run_of("n", {samples("k", new_values)}), q25);
  EXPECT_DOUBLE_EQ(*only(by_median).ratio, 121.0 / 109.0);
  EXPECT_DOUBLE_EQ(*only(by_min).ratio, 1.0);
  EXPECT_DOUBLE_EQ(*only(by_q25).ratio, ea::quantile(new_values, 0.25) / ea::quantile(old_values, 0.25));
  EXPECT_DOUBLE_EQ(*only(by_min).new_side.estimate, 100.0);
  EXPECT_DOUBLE_EQ(*only(by_median).new_side.estimate, 121.0);
  // The CI is the median ratio's whatever the estimator (a bootstrap of the
  // minimum is degenerate at a few repetitions): the same interval, wholly
  // above 1 here, even though the ratio of the minimums is 1.
  const ea::ConfidenceInterval median_ci = ea::bootstrap_median_ratio_ci(old_values, new_values);
  for (const auto* r : {&by_median, &by_min, &by_q25}) {
    ASSERT_TRUE(only(*r).ratio_ci);
    EXPECT_DOUBLE_EQ(only(*r).ratio_ci->low, median_ci.low);
    EXPECT_DOUBLE_EQ(only(*r).ratio_ci->high, median_ci.high);
  }
  EXPECT_GT(only(by_min).ratio_ci->low, 1.02);
  // So the verdict follows the repetitions (the U test) and the median's CI:
  // nine of NEW's ten repetitions are slower, whatever its minimum says.
  EXPECT_EQ(only(by_median).verdict, ea::Verdict::regressed);
  EXPECT_EQ(only(by_min).verdict, ea::Verdict::regressed);
  EXPECT_THAT(only(by_min).reason, HasSubstr("the whole CI of the median ratio"));
  // The p-value is over the repetitions, whatever the estimator.
  EXPECT_DOUBLE_EQ(*only(by_median).p_value, *only(by_min).p_value);
  EXPECT_EQ(by_min.estimator.estimator, ea::Estimator::minimum);
  EXPECT_EQ(by_min.estimator.reason, "chosen with --estimator");
}

TEST(CompareNoise, TheDefaultEstimatorFollowsEngramSetup) {
  const auto plain = ea::compare_runs(run_of("o", {samples("k", kBase)}), run_of("n", {samples("k", kBase)}), {});
  EXPECT_EQ(plain.estimator.estimator, ea::Estimator::median);
  // One run on a virtualized machine is enough: its noise is in the comparison.
  const auto vm = ea::compare_runs(run_of("o", {samples("k", kBase)}), virtualized_run("n", {samples("k", kBase)}), {});
  EXPECT_EQ(vm.estimator.estimator, ea::Estimator::minimum);
  EXPECT_THAT(vm.estimator.reason, HasSubstr("virtualized"));
  // An explicit choice wins.
  ea::CompareOptions median;
  median.estimator = ea::Estimator::median;
  EXPECT_EQ(ea::compare_runs(run_of("o", {samples("k", kBase)}), virtualized_run("n", {samples("k", kBase)}), median)
                .estimator.estimator,
            ea::Estimator::median);
}

TEST(CompareNoise, TableAndJsonNameTheEstimatorAndTheSetAside) {
  V new_values = kBase;
  new_values.push_back(200.0);
  new_values.push_back(205.0);
  const auto r = ea::compare_runs(run_of("old", {measured("k", kBase)}),
                                  virtualized_run("new", {with_disturbed("k", new_values, {10, 11})}), {});
  const std::string table = ea::render_comparison_table(r);
  EXPECT_THAT(table, HasSubstr("cpu time, min of the undisturbed repetitions"));
  EXPECT_THAT(table, HasSubstr("bootstrap CI of the median ratio (10000 resamples; the CI is the median's: a "
                               "bootstrap of the min is degenerate at a few repetitions)"));
  EXPECT_THAT(table, HasSubstr("\nestimator: min (" + r.estimator.reason + ")\n"));
  EXPECT_THAT(table, HasSubstr("set aside"));
  EXPECT_THAT(table, HasSubstr("10/10      0 / 2"));
  EXPECT_THAT(table, HasSubstr("k: within noise: "));  // a note, because repetitions were set aside
  const nlohmann::json j = nlohmann::json::parse(ea::render_comparison_json(r));
  EXPECT_EQ(j["version"], ea::kComparisonJsonVersion);
  EXPECT_EQ(j["estimator"]["name"], "min");
  EXPECT_EQ(j["estimator"]["reason"], r.estimator.reason);
  EXPECT_EQ(j["ci_statistic"], "median");
  EXPECT_EQ(j["set_aside_disturbed"], true);
  EXPECT_EQ(j["benchmarks"][0]["set_aside"]["old"], 0);
  EXPECT_EQ(j["benchmarks"][0]["set_aside"]["new"], 2);
  EXPECT_EQ(j["benchmarks"][0]["new"]["repetitions"], 10);
  EXPECT_DOUBLE_EQ(j["benchmarks"][0]["new"]["estimate"].get<double>(), 99.5);
}

TEST(CompareNoise, DeterministicModeUsesEveryRepetitionAndNoEstimator) {
  ea::BenchmarkSamples s = with_disturbed("k", {1, 2}, {1});
  s.counters["TOT_INS"] = {1000, 1000};
  ea::CompareOptions det;
  det.deterministic = true;
  const auto r = ea::compare_runs(run_of("o", {s}), run_of("n", {s}), det);
  EXPECT_EQ(only(r).new_side.repetitions, 2u);  // counts are not disturbed by noise
  EXPECT_EQ(only(r).new_side.set_aside, 0u);
  EXPECT_THAT(ea::render_comparison_table(r), HasSubstr("no timing estimator applies"));
  const nlohmann::json j = nlohmann::json::parse(ea::render_comparison_json(r));
  EXPECT_FALSE(j.contains("estimator"));
  EXPECT_FALSE(j["benchmarks"][0].contains("set_aside"));
}
