// Counters in compare's statistics (issue 16 items 3, 4, 6): every counter
// compared with its status (exact when simulated on both sides, statistical
// when counted, refused with the reason when the statuses do not match), the
// time/instruction disagreement rule with its attribution, the inconclusive
// causes and the v4 JSON, on the fixtures in tests/analysis/fixtures/gate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engram/benchstats/compare.hpp"
#include "engram/benchstats/counter_compare.hpp"
#include "engram/benchstats/disagreement.hpp"
#include "stats_test_support.hpp"

namespace eb = engram::benchstats;
using ::testing::HasSubstr;

namespace {

std::string gate_fixture(const std::string& name) {
  return std::string(ENGRAM_STATS_FIXTURES) + "/../../fixtures/gate/" + name;
}

const eb::CounterComparison& counter_of(const eb::BenchmarkComparison& b, const std::string& name) {
  const auto it = std::find_if(b.counters.begin(), b.counters.end(),
                               [&](const eb::CounterComparison& c) { return c.counter == name; });
  if (it == b.counters.end()) throw std::runtime_error("no counter " + name + " in " + b.name);
  return *it;
}

const eb::BenchmarkComparison& bench_of(const eb::ComparisonReport& r, const std::string& name) {
  for (const auto& b : r.benchmarks) {
    if (b.name == name) return b;
  }
  throw std::runtime_error("no benchmark " + name);
}

eb::ComparisonReport gate_report(eb::CompareOptions options = {}) {
  return eb::compare_runs(eb::read_benchmark_json(gate_fixture("old.json")),
                          eb::read_benchmark_json(gate_fixture("new.json")), options);
}

eb::RecordedCounterStatus status(const char* s, double fraction = 1.0) { return {s, fraction, ""}; }

const std::vector<double> kEight{10, 10.1, 9.9, 10.05, 9.95, 10.02, 9.98, 10.01};

std::vector<double> scaled(const std::vector<double>& v, double factor) {
  std::vector<double> out;
  for (double x : v) out.push_back(x * factor);
  return out;
}

}  // namespace

// --- one counter, by the two statuses --------------------------------------------

TEST(CompareCounters, SimulatedAgainstCountedIsRefusedWithTheReason) {
  const auto sim = status("simulated"), counted = status("counted");
  const auto c = eb::compare_counter_values("cycles", kEight, kEight, &counted, &sim, {});
  EXPECT_EQ(c.method, eb::CounterMethod::refused);
  EXPECT_EQ(c.verdict, eb::Verdict::inconclusive);
  EXPECT_FALSE(c.ratio);
  EXPECT_THAT(c.reason, HasSubstr("simulated in NEW"));
  EXPECT_THAT(c.reason, HasSubstr("counted in OLD"));
  EXPECT_EQ(c.old_status, "counted");
  EXPECT_EQ(c.new_status, "simulated");
}

TEST(CompareCounters, SimulatedOnBothSidesIsExactAndAnyChangeCounts) {
  const auto sim = status("simulated");
  const std::vector<double> old_values(5, 1000.0), same(5, 1000.0), more(5, 1001.0), fewer(5, 999.0);
  const auto equal = eb::compare_counter_values("TOT_INS", old_values, same, &sim, &sim, {});
  EXPECT_EQ(equal.method, eb::CounterMethod::exact);
  EXPECT_EQ(equal.verdict, eb::Verdict::within_noise);
  EXPECT_THAT(equal.reason, HasSubstr("identical"));
  EXPECT_FALSE(equal.ratio_ci);
  EXPECT_FALSE(equal.p_value);
  // +0.1%, far below the 2% threshold: still a change.
  const auto up = eb::compare_counter_values("TOT_INS", old_values, more, &sim, &sim, {});
  EXPECT_EQ(up.method, eb::CounterMethod::exact);
  EXPECT_EQ(up.verdict, eb::Verdict::regressed);
  EXPECT_THAT(up.reason, HasSubstr("a change is a change"));
  EXPECT_EQ(eb::compare_counter_values("TOT_INS", old_values, fewer, &sim, &sim, {}).verdict, eb::Verdict::improved);
  // One value per side is enough for an exact comparison.
  EXPECT_EQ(eb::compare_counter_values("TOT_INS", {1000.0}, {1001.0}, &sim, &sim, {}).verdict,
            eb::Verdict::regressed);
}

TEST(CompareCounters, SimulatedButVaryingFallsBackToStatistics) {
  const auto sim = status("simulated");
  const auto c = eb::compare_counter_values("L1_DCM", kEight, kEight, &sim, &sim, {});
  EXPECT_EQ(c.method, eb::CounterMethod::statistical);
  EXPECT_THAT(c.reason, HasSubstr("varies across repetitions"));
}

TEST(CompareCounters, CountedOnBothSidesIsStatisticalLikeTime) {
  const auto counted = status("counted");
  const auto flat = eb::compare_counter_values("page-faults", kEight, kEight, &counted, &counted, {});
  EXPECT_EQ(flat.method, eb::CounterMethod::statistical);
  EXPECT_EQ(flat.verdict, eb::Verdict::within_noise);
  ASSERT_TRUE(flat.ratio_ci);
  ASSERT_TRUE(flat.p_value);
  const auto risen = eb::compare_counter_values("page-faults", kEight, scaled(kEight, 1.5), &counted, &counted, {});
  EXPECT_EQ(risen.verdict, eb::Verdict::regressed);
  EXPECT_LT(*risen.p_value, 0.05);
  EXPECT_GT(risen.ratio_ci->low, 1.02);
  // Too few repetitions for a p-value: inconclusive, not refused.
  const auto few = eb::compare_counter_values("page-faults", {1, 2, 3}, {1, 2, 3}, &counted, &counted, {});
  EXPECT_EQ(few.method, eb::CounterMethod::statistical);
  EXPECT_EQ(few.verdict, eb::Verdict::inconclusive);
  EXPECT_THAT(few.reason, HasSubstr("no p-value"));
}

TEST(CompareCounters, ARiseOfARateIsAnImprovement) {
  EXPECT_TRUE(eb::counter_higher_is_better("FLOP/s"));
  EXPECT_TRUE(eb::counter_higher_is_better("bytes_per_second"));
  EXPECT_TRUE(eb::counter_higher_is_better("IPC"));
  EXPECT_FALSE(eb::counter_higher_is_better("TOT_INS"));
  const auto c = eb::compare_counter_values("FLOP/s", kEight, scaled(kEight, 1.5), nullptr, nullptr, {});
  EXPECT_EQ(c.verdict, eb::Verdict::improved);
  EXPECT_TRUE(c.higher_is_better);
  EXPECT_EQ(c.old_status, "not recorded");
}

TEST(CompareCounters, UnavailableMultiplexedOrHalfRecordedCountersAreRefused) {
  const auto counted = status("counted"), unsupported = eb::RecordedCounterStatus{"unsupported", 0, "no PMU"},
             denied = eb::RecordedCounterStatus{"no_permission", 0, "perf_event_paranoid is 3"},
             thin = status("multiplexed", 0.3), thick = status("multiplexed", 0.8);
  auto c = eb::compare_counter_values("LLC_MISSES", {}, {}, &unsupported, &unsupported, {});
  EXPECT_EQ(c.method, eb::CounterMethod::refused);
  EXPECT_THAT(c.reason, HasSubstr("unsupported in OLD and NEW: no PMU"));
  c = eb::compare_counter_values("cycles", kEight, {}, &counted, &denied, {});
  EXPECT_THAT(c.reason, HasSubstr("no_permission in NEW: perf_event_paranoid is 3"));
  c = eb::compare_counter_values("cycles", kEight, kEight, &counted, &thin, {});
  EXPECT_EQ(c.method, eb::CounterMethod::refused);
  EXPECT_THAT(c.reason, HasSubstr("30% of the time in NEW"));
  c = eb::compare_counter_values("cycles", kEight, kEight, &counted, &thick, {});
  EXPECT_EQ(c.method, eb::CounterMethod::statistical);
  EXPECT_EQ(c.new_running_fraction, 0.8);
  c = eb::compare_counter_values("TOT_INS", kEight, kEight, nullptr, &counted, {});
  EXPECT_EQ(c.method, eb::CounterMethod::refused);
  EXPECT_THAT(c.reason, HasSubstr("OLD records no status"));
  c = eb::compare_counter_values("TOT_INS", kEight, {}, &counted, &counted, {});
  EXPECT_EQ(c.method, eb::CounterMethod::refused);
  EXPECT_THAT(c.reason, HasSubstr("no value in NEW"));
}

// The spelling counters::to_string writes (no_permission), and the older one, are both unavailable.
TEST(CompareCounters, NoPermissionIsRefusedInTheSpellingCountersWrites) {
  const auto counted = status("counted");
  for (const char* spelling : {"no_permission", "no-permission"}) {
    const auto denied = eb::RecordedCounterStatus{spelling, 0, "perf_event_paranoid is 3"};
    const auto c = eb::compare_counter_values("cycles", kEight, kEight, &counted, &denied, {});
    EXPECT_EQ(c.method, eb::CounterMethod::refused) << spelling;
    EXPECT_THAT(c.reason, HasSubstr(std::string(spelling) + " in NEW: perf_event_paranoid is 3"));
  }
}

// The Google Benchmark drop-in writes X.running_fraction per repetition for a
// multiplexed X, and records X as counted once before the run: the fraction
// is X's status (multiplexed, the lowest repetition), never a counter itself.
TEST(CompareCounters, RunningFractionCountersMakeTheirCounterMultiplexed) {
  eb::BenchmarkSamples old_b, new_b;
  old_b.name = new_b.name = "BM_x";
  old_b.counters["cycles"] = kEight;
  old_b.counters["cycles.running_fraction"] = {0.9, 0.3, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9};
  new_b.counters["cycles"] = kEight;
  new_b.counters["cycles.running_fraction"] = {0.9, 0.7, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9};
  old_b.counters["instructions"] = new_b.counters["instructions"] = kEight;
  const eb::RecordedCounterStatuses statuses{{"cycles", status("counted")}, {"instructions", status("counted")}};
  auto counters = eb::compare_benchmark_counters(old_b, new_b, statuses, statuses, {});
  ASSERT_EQ(counters.size(), 2u);
  for (const auto& c : counters) EXPECT_FALSE(c.counter.ends_with(".running_fraction")) << c.counter;
  const auto by_name = [&](const std::string& name) {
    return *std::find_if(counters.begin(), counters.end(), [&](const auto& c) { return c.counter == name; });
  };
  eb::CounterComparison cycles = by_name("cycles");
  EXPECT_EQ(cycles.method, eb::CounterMethod::refused);
  EXPECT_EQ(cycles.old_status, "multiplexed");
  EXPECT_EQ(cycles.old_running_fraction, 0.3);
  EXPECT_EQ(cycles.new_running_fraction, 0.7);
  EXPECT_THAT(cycles.reason, HasSubstr("30% of the time in OLD"));
  EXPECT_THAT(cycles.reason, HasSubstr("OLD: multiplexed by cycles.running_fraction (lowest 30% over 8 repetitions"));
  EXPECT_EQ(by_name("instructions").method, eb::CounterMethod::statistical);
  EXPECT_EQ(by_name("instructions").old_status, "counted");

  // Above the threshold on both sides: compared, and the reason says why multiplexed.
  old_b.counters["cycles.running_fraction"] = {0.9, 0.6};
  counters = eb::compare_benchmark_counters(old_b, new_b, statuses, statuses, {});
  cycles = by_name("cycles");
  EXPECT_EQ(cycles.method, eb::CounterMethod::statistical);
  EXPECT_EQ(cycles.old_running_fraction, 0.6);
  EXPECT_THAT(cycles.reason, HasSubstr("NEW: multiplexed by cycles.running_fraction (lowest 70%"));

  // A run without recorded statuses: the fraction alone still says multiplexed.
  counters = eb::compare_benchmark_counters(old_b, new_b, std::nullopt, std::nullopt, {});
  EXPECT_EQ(by_name("cycles").old_status, "multiplexed");
  old_b.counters["cycles.running_fraction"] = {0.2};
  counters = eb::compare_benchmark_counters(old_b, new_b, std::nullopt, std::nullopt, {});
  EXPECT_EQ(by_name("cycles").method, eb::CounterMethod::refused);
  EXPECT_THAT(by_name("cycles").reason, HasSubstr("20% of the time in OLD"));
}

// --- the fixtures, through compare_runs ---------------------------------------------

TEST(CompareCounters, EveryCounterOfTheFixturesWithItsStatus) {
  const eb::ComparisonReport r = gate_report();
  const auto& faulting = bench_of(r, "BM_faulting");
  // TOT_INS, L1_DCM simulated both: exact; page-faults counted both:
  // statistical; cycles counted in OLD, simulated in NEW: refused;
  // LLC_MISSES unsupported: listed, refused, never dropped.
  EXPECT_EQ(counter_of(faulting, "TOT_INS").method, eb::CounterMethod::exact);
  EXPECT_EQ(counter_of(faulting, "L1_DCM").method, eb::CounterMethod::exact);
  EXPECT_EQ(counter_of(faulting, "page-faults").method, eb::CounterMethod::statistical);
  EXPECT_EQ(counter_of(faulting, "page-faults").verdict, eb::Verdict::regressed);
  EXPECT_EQ(counter_of(faulting, "cycles").method, eb::CounterMethod::refused);
  EXPECT_EQ(counter_of(faulting, "LLC_MISSES").method, eb::CounterMethod::refused);
  EXPECT_EQ(counter_of(faulting, "BR_MSP").method, eb::CounterMethod::refused);
  EXPECT_EQ(counter_of(faulting, "FLOP/s").old_status, "not recorded");
  for (const auto& c : faulting.counters) EXPECT_FALSE(c.counter.starts_with("noise_")) << c.counter;
  EXPECT_THAT(r.noise_figures, ::testing::Contains("noise_steal_ns"));
  // Counter verdicts are informational: the time's regression decides.
  EXPECT_EQ(r.exit_code(), eb::kCompareExitRegression);
  EXPECT_EQ(counter_of(bench_of(r, "BM_more_work"), "TOT_INS").verdict, eb::Verdict::regressed);
}

TEST(CompareCounters, ARunWithoutStatusesRefusesTheRecordedCountersOfTheOther) {
  eb::BenchmarkFile old_run = eb::read_benchmark_json(gate_fixture("old.json"));
  old_run.context.erase("engram.counters");
  const auto r = eb::compare_runs(old_run, eb::read_benchmark_json(gate_fixture("new.json")), {});
  const auto& tot = counter_of(bench_of(r, "BM_faulting"), "TOT_INS");
  EXPECT_EQ(tot.method, eb::CounterMethod::refused);
  EXPECT_THAT(tot.reason, HasSubstr("OLD records no status for TOT_INS"));
  EXPECT_EQ(counter_of(bench_of(r, "BM_faulting"), "FLOP/s").method, eb::CounterMethod::statistical);
}

// --- the disagreement rule ----------------------------------------------------------

TEST(Disagreement, TimeUpInstructionsFlatNamesThePageFaultsThatRose) {
  const eb::ComparisonReport r = gate_report();
  const auto& faulting = bench_of(r, "BM_faulting");
  ASSERT_TRUE(faulting.disagreement);
  const eb::Disagreement& d = *faulting.disagreement;
  EXPECT_EQ(d.time_verdict, eb::Verdict::regressed);
  EXPECT_EQ(d.instructions_counter, "TOT_INS");
  EXPECT_EQ(d.instructions_verdict, eb::Verdict::within_noise);
  ASSERT_EQ(d.attributed.size(), 1u);
  EXPECT_EQ(d.attributed[0].counter, "page-faults");
  EXPECT_EQ(d.attributed[0].category, "page faults");
  EXPECT_NEAR(d.attributed[0].ratio, 4.0, 0.01);
  // context-switches did not move; L1_DCM (cache misses) is identical.
  EXPECT_THAT(d.not_measured, ::testing::ElementsAre("system time", "branch misses"));
  EXPECT_THAT(d.text, HasSubstr("TOT_INS did not change"));
  EXPECT_THAT(d.text, HasSubstr("page-faults rose (+300.0%)"));
}

TEST(Disagreement, InstructionsUpTimeFlatIsNamedToo) {
  const eb::ComparisonReport r = gate_report();
  const auto& more = bench_of(r, "BM_more_work");
  ASSERT_TRUE(more.disagreement);
  EXPECT_EQ(more.disagreement->time_verdict, eb::Verdict::within_noise);
  EXPECT_EQ(more.disagreement->instructions_verdict, eb::Verdict::regressed);
  EXPECT_THAT(more.disagreement->text, HasSubstr("the time did not follow the instruction count"));
}

TEST(Disagreement, PureFunctionCases) {
  eb::BenchmarkComparison b;
  b.name = "BM_x";
  b.verdict = eb::Verdict::regressed;
  b.ratio = 1.1;
  // No instruction counter: nothing to say.
  EXPECT_FALSE(eb::find_disagreement(b));
  eb::CounterComparison ins;
  ins.counter = "instructions";
  ins.method = eb::CounterMethod::statistical;
  ins.verdict = eb::Verdict::regressed;
  ins.ratio = 1.1;
  b.counters.push_back(ins);
  // Both regressed: they agree.
  EXPECT_FALSE(eb::find_disagreement(b));
  // Both flat: they agree.
  b.verdict = eb::Verdict::within_noise;
  b.counters[0].verdict = eb::Verdict::within_noise;
  EXPECT_FALSE(eb::find_disagreement(b));
  // A refused or inconclusive instruction count says nothing.
  b.verdict = eb::Verdict::regressed;
  b.counters[0].method = eb::CounterMethod::refused;
  b.counters[0].verdict = eb::Verdict::inconclusive;
  EXPECT_FALSE(eb::find_disagreement(b));
  // Time regressed, Ir flat; a simulated cache miss count and a context
  // switch count rose, branch misses fell: the first two are named.
  b.counters[0] = ins;
  b.counters[0].counter = "Ir";
  b.counters[0].verdict = eb::Verdict::within_noise;
  for (const auto& [name, verdict, ratio] : {std::tuple{"D1mr", eb::Verdict::regressed, 1.3},
                                             std::tuple{"context-switches", eb::Verdict::regressed, 2.0},
                                             std::tuple{"BR_MSP", eb::Verdict::improved, 0.8}}) {
    eb::CounterComparison c;
    c.counter = name;
    c.method = eb::CounterMethod::exact;
    c.verdict = verdict;
    c.ratio = ratio;
    b.counters.push_back(c);
  }
  const auto d = eb::find_disagreement(b);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->attributed.size(), 2u);
  EXPECT_EQ(d->attributed[0].category, "context switches");  // the categories' order
  EXPECT_EQ(d->attributed[1].counter, "D1mr");
  EXPECT_EQ(d->attributed[1].category, "cache misses");
  EXPECT_THAT(d->not_measured, ::testing::ElementsAre("system time", "page faults"));
}

TEST(Disagreement, Categories) {
  EXPECT_EQ(eb::attribution_category("L1_DCM"), "cache misses");
  EXPECT_EQ(eb::attribution_category("PAPI_L3_TCM"), "cache misses");
  EXPECT_EQ(eb::attribution_category("LL_MISSES"), "cache misses");
  EXPECT_EQ(eb::attribution_category("cache-misses"), "cache misses");
  EXPECT_EQ(eb::attribution_category("page-faults"), "page faults");
  EXPECT_EQ(eb::attribution_category("cs"), "context switches");
  EXPECT_EQ(eb::attribution_category("branch-misses"), "branch misses");
  EXPECT_EQ(eb::attribution_category("system_time"), "system time");
  EXPECT_EQ(eb::attribution_category("TOT_INS"), "");
  EXPECT_TRUE(eb::is_instruction_counter("PAPI_TOT_INS"));
  EXPECT_TRUE(eb::is_instruction_counter("Ir"));
  EXPECT_FALSE(eb::is_instruction_counter("cycles"));
}

// --- inconclusive causes ---------------------------------------------------------------

TEST(CompareCounters, TooNoisyIsItsOwnInconclusiveCause) {
  // Within noise at p >> 0.05, CI about +-0.4%: passes by default, and with
  // --max-ci-width 0.5 points it is too noisy.
  eb::CompareOptions options;
  EXPECT_EQ(bench_of(gate_report(options), "BM_more_work").verdict, eb::Verdict::within_noise);
  options.max_ci_width = 0.005;
  const auto r = gate_report(options);
  const auto& more = bench_of(r, "BM_more_work");
  EXPECT_EQ(more.verdict, eb::Verdict::inconclusive);
  EXPECT_EQ(more.inconclusive_cause, eb::InconclusiveCause::too_noisy);
  EXPECT_THAT(more.reason, HasSubstr("too noisy"));
  EXPECT_EQ(r.count(eb::InconclusiveCause::too_noisy), 1u);
  // The regression still wins the exit code; without it, 4.
  EXPECT_EQ(r.exit_code(), eb::kCompareExitRegression);
  // A regression's CI may be as wide as it likes.
  EXPECT_EQ(bench_of(r, "BM_faulting").verdict, eb::Verdict::regressed);
}

TEST(CompareCounters, TooFewRepetitionsIsItsOwnInconclusiveCause) {
  const auto old_run = eb::read_benchmark_json(std::string(ENGRAM_STATS_FIXTURES) + "/old.json");
  const auto new_run = eb::read_benchmark_json(std::string(ENGRAM_STATS_FIXTURES) + "/three_reps.json");
  const auto r = eb::compare_runs(old_run, new_run, {});
  ASSERT_GT(r.count(eb::Verdict::inconclusive), 0u);
  EXPECT_EQ(r.count(eb::InconclusiveCause::too_few_repetitions), r.count(eb::Verdict::inconclusive));
  EXPECT_EQ(r.exit_code(), eb::kCompareExitInconclusive);
}

// --- JSON v4 ---------------------------------------------------------------------------

TEST(CompareCounters, JsonVersion4CarriesCountersDisagreementAndCauses) {
  const auto j = nlohmann::json::parse(eb::render_comparison_json(gate_report()));
  EXPECT_EQ(j["version"], 4);
  EXPECT_EQ(eb::kComparisonJsonVersion, 4);
  EXPECT_TRUE(j["noise_figures"].is_array());
  EXPECT_TRUE(j["summary"]["inconclusive_causes"].contains("too_noisy"));
  EXPECT_TRUE(j["max_ci_width"].is_null());
  const auto& row = j["benchmarks"][0];
  EXPECT_EQ(row["name"], "BM_faulting");
  EXPECT_TRUE(row["inconclusive_cause"].is_null());
  ASSERT_TRUE(row["counters"].is_array());
  bool saw_refused = false, saw_exact = false;
  for (const auto& c : row["counters"]) {
    EXPECT_TRUE(c.contains("old_status") && c.contains("new_status") && c.contains("reason")) << c.dump();
    if (c["counter"] == "cycles") {
      saw_refused = true;
      EXPECT_EQ(c["method"], "refused");
      EXPECT_TRUE(c["ratio"].is_null());
      EXPECT_EQ(c["old_status"], "counted");
      EXPECT_EQ(c["new_status"], "simulated");
    }
    if (c["counter"] == "TOT_INS") {
      saw_exact = true;
      EXPECT_EQ(c["method"], "exact");
      EXPECT_TRUE(c["ratio_ci"].is_null());
      EXPECT_TRUE(c["p_value"].is_null());
    }
    if (c["counter"] == "BR_MSP") EXPECT_EQ(c["old_running_fraction"], 0.3);
  }
  EXPECT_TRUE(saw_refused && saw_exact);
  const auto& d = row["disagreement"];
  ASSERT_TRUE(d.is_object());
  EXPECT_EQ(d["time"]["verdict"], "regressed");
  EXPECT_EQ(d["instructions"]["counter"], "TOT_INS");
  EXPECT_EQ(d["attributed"][0]["counter"], "page-faults");
  EXPECT_EQ(d["attributed"][0]["category"], "page faults");
}

// --- the program -----------------------------------------------------------------------

TEST(CompareCountersTool, TheCountersSectionTheDisagreementAndTheExitCode) {
  const auto r = stats_test::run(std::string(ENGRAM_COMPARE_TOOL) + " " + gate_fixture("old.json") + " " +
                                 gate_fixture("new.json"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("counters (medians;"));
  EXPECT_THAT(r.output, HasSubstr("cycles: not compared: simulated in NEW"));
  EXPECT_THAT(r.output, HasSubstr("LLC_MISSES: not compared: unsupported in OLD and NEW"));
  EXPECT_THAT(r.output, HasSubstr("time and instructions disagree:"));
  EXPECT_THAT(r.output, HasSubstr("BM_faulting: time regressed (+20.0%) but TOT_INS did not change"));
  EXPECT_THAT(r.output, HasSubstr("noise figures (the machine's, not compared"));
}

TEST(CompareCountersTool, TooNoisyIsExitFourNamedInTheSummary) {
  // Only the flat benchmark: nothing regressed, and its CI (+-0.4%) is wider
  // than --max-ci-width 0.5.
  const auto r = stats_test::run(std::string(ENGRAM_COMPARE_TOOL) + " --max-ci-width 0.5 --json " +
                                 gate_fixture("old.json") + " " + gate_fixture("new.json"));
  EXPECT_EQ(r.exit_code, 3) << r.output;  // BM_faulting still regressed
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["summary"]["inconclusive_causes"]["too_noisy"], 1);
  EXPECT_EQ(j["benchmarks"][1]["inconclusive_cause"], "too_noisy");
  const auto table = stats_test::run(std::string(ENGRAM_COMPARE_TOOL) + " --max-ci-width 0.5 " +
                                     std::string(ENGRAM_STATS_FIXTURES) + "/old.json " +
                                     std::string(ENGRAM_STATS_FIXTURES) + "/same.json");
  EXPECT_EQ(table.exit_code, 4) << table.output;
  EXPECT_THAT(table.output, HasSubstr("too noisy)"));
  const auto help = stats_test::run(std::string(ENGRAM_COMPARE_TOOL) + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("too few repetitions"));
  EXPECT_THAT(help.output, HasSubstr("too noisy"));
  EXPECT_THAT(help.output, HasSubstr("--max-ci-width"));
  const auto bad = stats_test::run(std::string(ENGRAM_COMPARE_TOOL) + " --max-ci-width -1 " +
                                   gate_fixture("old.json") + " " + gate_fixture("new.json"));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
}
