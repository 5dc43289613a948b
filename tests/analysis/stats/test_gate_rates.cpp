// gate_rates: the exact binomial interval, the combined rule, the manifest,
// the counting of false alarms and detections, the goals, and the tool.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engram/benchstats/gate_rates.hpp"
#include "engram/io/errors.hpp"
#include "stats_test_support.hpp"
#include "temp_folder.hpp"

using namespace engram::benchstats;
using ::testing::HasSubstr;

namespace {

// Known Clopper-Pearson values (R: binom.test(k, n)$conf.int).
TEST(GateRatesInterval, MatchesKnownExactIntervals) {
  // 0 of 10: the upper bound solves (1-p)^10 = 0.025.
  auto ci = clopper_pearson(0, 10);
  EXPECT_DOUBLE_EQ(ci.low, 0);
  EXPECT_NEAR(ci.high, 0.3084971, 1e-6);
  ci = clopper_pearson(10, 10);
  EXPECT_NEAR(ci.low, 0.6915029, 1e-6);
  EXPECT_DOUBLE_EQ(ci.high, 1);
  ci = clopper_pearson(5, 10);
  EXPECT_NEAR(ci.low, 0.1870860, 1e-6);
  EXPECT_NEAR(ci.high, 0.8129140, 1e-6);
  ci = clopper_pearson(1, 100);
  EXPECT_NEAR(ci.low, 0.0002531460, 1e-8);
  EXPECT_NEAR(ci.high, 0.0544593, 1e-6);
  // 0 of 300: "rule of three" territory, 1 - 0.025^(1/300).
  EXPECT_NEAR(clopper_pearson(0, 300).high, 0.01222, 1e-4);
}

TEST(GateRatesInterval, OtherLevelsAndEdges) {
  // 90%: 0 of 10 solves (1-p)^10 = 0.05.
  EXPECT_NEAR(clopper_pearson(0, 10, 0.90).high, 0.2588656, 1e-6);
  const auto none = clopper_pearson(0, 0);
  EXPECT_DOUBLE_EQ(none.low, 0);
  EXPECT_DOUBLE_EQ(none.high, 1);
  // Large n stays finite (log-space sums).
  const auto big = clopper_pearson(500, 5000);
  EXPECT_LT(big.low, 0.1);
  EXPECT_GT(big.high, 0.1);
  EXPECT_NEAR(big.high - big.low, 0.0168, 0.001);
  EXPECT_THROW(clopper_pearson(3, 2), std::invalid_argument);
  EXPECT_THROW(clopper_pearson(1, 2, 1.0), std::invalid_argument);
  EXPECT_THROW(clopper_pearson(1, 2, 0.0), std::invalid_argument);
}

TEST(GateRatesCombined, EitherArmRegressingIsARegression) {
  EXPECT_EQ(combine_verdicts(Verdict::regressed, Verdict::within_noise), Verdict::regressed);
  EXPECT_EQ(combine_verdicts(Verdict::within_noise, Verdict::regressed), Verdict::regressed);
  EXPECT_EQ(combine_verdicts(Verdict::regressed, Verdict::inconclusive), Verdict::regressed);
  EXPECT_EQ(combine_verdicts(Verdict::within_noise, Verdict::inconclusive), Verdict::inconclusive);
  EXPECT_EQ(combine_verdicts(Verdict::improved, Verdict::within_noise), Verdict::within_noise);
  EXPECT_EQ(combine_verdicts(Verdict::improved, Verdict::improved), Verdict::improved);
  EXPECT_EQ(combine_verdicts(Verdict::within_noise, Verdict::within_noise), Verdict::within_noise);
}

TEST(GateRatesManifest, ParsesModesLabelsAndRelativeFiles) {
  const auto entries = parse_campaign_manifest(
      "# a campaign\n"
      "timed aa a.json\n"
      "\n"
      "deterministic slow:1:k/v /abs/b.json   # trailing comment\n"
      "combined slow:2.5:kernel/x/optimized det.json wide.json\n"
      "interleaved aa run.json\n",
      "m.txt", "/base");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[3].mode, GateMode::interleaved);
  EXPECT_EQ(entries[0].mode, GateMode::timed);
  EXPECT_FALSE(entries[0].slowdown_percent);
  EXPECT_EQ(entries[0].files.at(0), std::filesystem::path("/base/a.json"));
  EXPECT_EQ(entries[0].line, 2u);
  EXPECT_EQ(entries[1].mode, GateMode::deterministic);
  EXPECT_DOUBLE_EQ(*entries[1].slowdown_percent, 1);
  EXPECT_EQ(entries[1].slowed_benchmark, "k/v");
  EXPECT_EQ(entries[1].files.at(0), std::filesystem::path("/abs/b.json"));
  EXPECT_EQ(entries[2].mode, GateMode::combined);
  EXPECT_DOUBLE_EQ(*entries[2].slowdown_percent, 2.5);
  EXPECT_EQ(entries[2].slowed_benchmark, "kernel/x/optimized");
  EXPECT_EQ(entries[2].files.size(), 2u);
}

void expect_manifest_error(const std::string& text, const std::string& part) {
  try {
    parse_campaign_manifest(text, "m.txt", "/base");
    ADD_FAILURE() << "accepted: " << text;
  } catch (const engram::io::InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr(part)) << text;
    EXPECT_THAT(e.what(), HasSubstr("m.txt")) << text;
  }
}

TEST(GateRatesManifest, RefusesBadLinesNamingTheLine) {
  expect_manifest_error("fast aa a.json\n", "unknown mode \"fast\" (expected timed, interleaved, deterministic or combined)");
  expect_manifest_error("timed aa\n", "m.txt:1");
  expect_manifest_error("timed aa a.json\ntimed aa a.json b.json\n", "m.txt:2");
  expect_manifest_error("combined aa a.json\n", "DETERMINISTIC.json TIMED.json");
  expect_manifest_error("timed bb a.json\n", "unknown label \"bb\"");
  expect_manifest_error("timed slow:x:k/v a.json\n", "the percent must be a number");
  expect_manifest_error("timed slow:-2:k/v a.json\n", "the percent must be a number");
  expect_manifest_error("timed slow:2: a.json\n", "unknown label");
  expect_manifest_error("# only comments\n\n", "no comparisons listed");
}

LabelledVerdicts aa(GateMode mode, ComparisonVerdicts v) { return {mode, std::nullopt, "", std::move(v), "aa"}; }
LabelledVerdicts slowed(GateMode mode, double percent, ComparisonVerdicts v) {
  return {mode, percent, "k/slow", std::move(v), "slowed"};
}

TEST(GateRatesCounting, CountsFalseAlarmsPerBenchmarkAndDetectionsPerPair) {
  const GateRates rates = count_gate_rates({
      aa(GateMode::timed, {{"k/slow", Verdict::within_noise}, {"k/other", Verdict::regressed}}),
      aa(GateMode::timed, {{"k/slow", Verdict::improved}, {"k/other", Verdict::inconclusive}}),
      aa(GateMode::timed, {{"k/slow", Verdict::within_noise}, {"k/other", Verdict::within_noise}}),
      // The other benchmark's regression in a slowed pair is not counted.
      slowed(GateMode::timed, 10, {{"k/slow", Verdict::regressed}, {"k/other", Verdict::regressed}}),
      slowed(GateMode::timed, 10, {{"k/slow", Verdict::within_noise}, {"k/other", Verdict::within_noise}}),
      slowed(GateMode::timed, 10, {{"k/slow", Verdict::inconclusive}}),
      slowed(GateMode::timed, 2, {{"k/slow", Verdict::regressed}}),
      aa(GateMode::deterministic, {{"k/slow", Verdict::within_noise}}),
  });
  ASSERT_EQ(rates.modes.size(), 2u);
  const ModeRates& timed = rates.modes[0];
  EXPECT_EQ(timed.mode, GateMode::timed);
  EXPECT_EQ(timed.aa_pairs, 3u);
  EXPECT_EQ(timed.aa_comparisons, 6u);
  EXPECT_EQ(timed.false_alarms, 1u);
  EXPECT_EQ(timed.aa_improved, 1u);
  EXPECT_EQ(timed.aa_inconclusive, 1u);
  ASSERT_EQ(timed.detection.size(), 2u);
  const DetectionCount& ten = timed.detection.at(10);
  EXPECT_EQ(ten.pairs, 3u);
  EXPECT_EQ(ten.detected, 1u);
  EXPECT_EQ(ten.inconclusive, 1u);
  EXPECT_EQ(ten.benchmarks, std::vector<std::string>{"k/slow"});
  EXPECT_EQ(timed.detection.at(2).detected, 1u);
  EXPECT_EQ(rates.modes[1].mode, GateMode::deterministic);
  EXPECT_EQ(rates.modes[1].aa_comparisons, 1u);
  EXPECT_EQ(rates.modes[1].false_alarms, 0u);
}

TEST(GateRatesCounting, ASlowedComparisonWithoutItsBenchmarkIsAnError) {
  EXPECT_THROW(count_gate_rates({slowed(GateMode::timed, 5, {{"k/other", Verdict::regressed}})}),
               engram::io::InputError);
}

TEST(GateRatesGoals, MetMissedByHowMuchAndEstablished) {
  std::vector<LabelledVerdicts> all;
  // timed: 3 false alarms in 100 comparisons; 9 of 10 detections of 10%.
  for (int i = 0; i < 50; ++i) {
    all.push_back(aa(GateMode::timed, {{"a", i < 3 ? Verdict::regressed : Verdict::within_noise},
                                       {"b", Verdict::within_noise}}));
  }
  for (int i = 0; i < 10; ++i) {
    all.push_back(slowed(GateMode::timed, 10, {{"k/slow", i < 9 ? Verdict::regressed : Verdict::within_noise}}));
  }
  // deterministic: no false alarms in 400, every 1% slowdown of 400 caught.
  for (int i = 0; i < 400; ++i) {
    all.push_back(aa(GateMode::deterministic, {{"a", Verdict::within_noise}}));
    all.push_back(slowed(GateMode::deterministic, 1, {{"k/slow", Verdict::regressed}}));
  }
  const auto goals = check_goals(count_gate_rates(all));
  ASSERT_EQ(goals.size(), 8u);
  EXPECT_TRUE(goals[0].measured);
  EXPECT_FALSE(goals[0].met);
  EXPECT_NEAR(goals[0].shortfall, 2.0, 1e-9);  // 3% against 1%
  EXPECT_EQ(goals[0].trials, 100u);
  EXPECT_FALSE(goals[1].met);
  EXPECT_NEAR(goals[1].shortfall, 5.0, 1e-9);  // 90% against 95%
  EXPECT_TRUE(goals[2].met);
  EXPECT_FALSE(goals[2].established);  // an upper bound above 0 never shows "0"
  EXPECT_TRUE(goals[3].met);
  EXPECT_EQ(goals[3].successes, 400u);
  EXPECT_FALSE(goals[3].established);
  EXPECT_FALSE(goals[4].measured);  // no combined pairs
  EXPECT_FALSE(goals[5].measured);
  // The interleaved mode is held to the timed goals; none of its pairs here.
  EXPECT_EQ(goals[6].mode, GateMode::interleaved);
  EXPECT_DOUBLE_EQ(goals[6].target, 0.01);
  EXPECT_EQ(goals[7].mode, GateMode::interleaved);
  EXPECT_DOUBLE_EQ(goals[7].target, 0.95);
  EXPECT_FALSE(goals[6].measured);
  EXPECT_FALSE(goals[7].measured);

  // 0 of 400 is under 1% with its whole interval: established.
  std::vector<LabelledVerdicts> quiet;
  for (int i = 0; i < 400; ++i) quiet.push_back(aa(GateMode::timed, {{"a", Verdict::within_noise}}));
  const auto quiet_goals = check_goals(count_gate_rates(quiet));
  EXPECT_TRUE(quiet_goals[0].met);
  EXPECT_TRUE(quiet_goals[0].established);
  EXPECT_FALSE(quiet_goals[1].measured);
}

TEST(GateRatesRender, MarkdownAndJsonCarryCountsIntervalsAndGoals) {
  const GateRates rates = count_gate_rates({
      aa(GateMode::timed, {{"a", Verdict::regressed}, {"b", Verdict::within_noise}}),
      slowed(GateMode::timed, 10, {{"k/slow", Verdict::regressed}}),
  });
  const std::string md = render_gate_rates_markdown(rates);
  EXPECT_THAT(md, HasSubstr("Clopper-Pearson"));
  EXPECT_THAT(md, HasSubstr("| timed | 1 | 50.0% (1 of 2; 1.3%-98.7%) |"));
  EXPECT_THAT(md, HasSubstr("| timed | 10% | k/slow | 100.0% (1 of 1; 2.5%-100.0%) | 0 |"));
  EXPECT_THAT(md, HasSubstr("MISSED: 50.0%"));
  EXPECT_THAT(md, HasSubstr("by 49.0 percentage points"));
  EXPECT_THAT(md, HasSubstr("| deterministic | no false alarms | not measured |"));
  const auto j = nlohmann::json::parse(render_gate_rates_json(rates));
  EXPECT_EQ(j["schema"], "engram-gate-rates");
  EXPECT_EQ(j["modes"][0]["false_alarms"], 1);
  EXPECT_EQ(j["modes"][0]["aa_comparisons"], 2);
  EXPECT_NEAR(j["modes"][0]["false_alarm_interval"]["low"].get<double>(), 0.01258, 1e-4);
  EXPECT_EQ(j["modes"][0]["detection"][0]["pairs"], 1);
  EXPECT_EQ(j["goals"][0]["met"], false);
  EXPECT_EQ(j["goals"][2]["measured"], false);
}

// ---- the tool, on comparison JSON files written here ----

std::string comparison(const std::string& mode, const std::vector<std::pair<std::string, std::string>>& rows,
                       int version = 3) {
  nlohmann::json j = {{"schema", "engram-comparison"}, {"version", version}, {"mode", mode}};
  j["benchmarks"] = nlohmann::json::array();
  for (const auto& [name, verdict] : rows) j["benchmarks"].push_back({{"name", name}, {"verdict", verdict}});
  return j.dump();
}

stats_test::ToolRun gate_rates(const std::string& args) {
  return stats_test::run(std::string(ENGRAM_GATE_RATES_TOOL) + " " + args);
}

TEST(GateRatesTool, CountsACampaignAndWritesBothOutputs) {
  engram::testing::TempFolder dir("gate_rates");
  dir.file("t_aa.json", comparison("time", {{"a", "regressed"}, {"k/slow", "within noise"}}));
  dir.file("t_s10.json", comparison("time", {{"a", "within noise"}, {"k/slow", "regressed"}}, 4));
  dir.file("d_aa.json", comparison("deterministic", {{"a", "within noise"}, {"k/slow", "within noise"}}));
  dir.file("d_s1.json", comparison("deterministic", {{"k/slow", "within noise"}}));
  dir.file("w_aa.json", comparison("time", {{"a", "within noise"}, {"k/slow", "within noise"}}));
  dir.file("w_s10.json", comparison("time", {{"a", "within noise"}, {"k/slow", "regressed"}}));
  dir.file("d_s10.json", comparison("deterministic", {{"k/slow", "within noise"}}));
  const auto manifest = dir.file("manifest.txt",
                                 "timed aa t_aa.json\n"
                                 "timed slow:10:k/slow t_s10.json\n"
                                 "deterministic aa d_aa.json\n"
                                 "deterministic slow:1:k/slow d_s1.json\n"
                                 "combined aa d_aa.json w_aa.json\n"
                                 "combined slow:10:k/slow d_s10.json w_s10.json\n");
  const auto json_out = dir.path() / "rates.json";
  const auto md_out = dir.path() / "rates.md";
  const auto r = gate_rates("--json-out " + json_out.string() + " --markdown-out " + md_out.string() + " " +
                            manifest.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("| timed | 1 | 50.0% (1 of 2;"));
  EXPECT_THAT(r.output, HasSubstr("| deterministic | detection of every 1% slowdown | MISSED: 0.0% (0 of 1;"));
  EXPECT_THAT(r.output, HasSubstr("| combined | 10% | k/slow | 100.0% (1 of 1;"));
  EXPECT_EQ(engram::testing::read_file(md_out), r.output);
  const auto j = nlohmann::json::parse(engram::testing::read_file(json_out));
  EXPECT_EQ(j["modes"].size(), 3u);
  EXPECT_EQ(j["modes"][2]["mode"], "combined");
  EXPECT_EQ(j["modes"][2]["false_alarms"], 0);
}

TEST(GateRatesTool, BadInputsExitTwoNamingThePlace) {
  engram::testing::TempFolder dir("gate_rates");
  dir.file("timed.json", comparison("time", {{"a", "within noise"}}));
  dir.file("odd.json", comparison("time", {{"a", "slower"}}));
  dir.file("v9.json", comparison("time", {{"a", "regressed"}}, 9));
  auto r = gate_rates(dir.file("m1.txt", "deterministic aa timed.json\n").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("expected a deterministic comparison"));
  r = gate_rates(dir.file("m2.txt", "timed aa odd.json\n").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("unknown verdict \"slower\""));
  r = gate_rates(dir.file("m3.txt", "timed aa v9.json\n").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("/version"));
  r = gate_rates(dir.file("m4.txt", "timed aa missing.json\n").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("missing.json"));
  r = gate_rates(dir.file("m5.txt", "timed slow:5:k/slow timed.json\n").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("the slowed benchmark \"k/slow\" is not in the comparison"));
  r = gate_rates("");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = gate_rates("--help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("Clopper-Pearson"));
}

}  // namespace
