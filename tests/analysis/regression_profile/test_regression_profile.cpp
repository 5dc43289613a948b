// The profiling step of compare --profile (engram/profile/regression_profile.hpp),
// run against a fake perf: file names, the normalization of the differential
// graph, and what is written (or said) for each benchmark.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engram/profile/flamegraph.hpp"
#include "engram/profile/folded.hpp"
#include "engram/profile/regression_profile.hpp"
#include "fake_perf.hpp"
#include "temp_folder.hpp"

namespace {

using namespace engram::profile;
using engram::testing::TempFolder;
using ::testing::HasSubstr;
using ::testing::Not;

StackTree tree_from_folded(const std::string& text) {
  std::istringstream in(text);
  StackTree tree;
  ParseReport report;
  read_folded(in, "test", tree, report);
  return tree;
}

TEST(RegressionProfileNames, StemsAreSafeAndDistinct) {
  const std::vector<std::string> stems =
      safe_file_stems({"kernel_a/optimized", "a/b", "a_b", "..", "BM<int>/8 threads", std::string(300, 'x')});
  EXPECT_EQ(stems[0], "kernel_a_optimized");
  // "a/b" and "a_b" would share a stem: each gets its own hash.
  EXPECT_THAT(stems[1], ::testing::MatchesRegex("a_b-[0-9a-f]{8}"));
  EXPECT_THAT(stems[2], ::testing::MatchesRegex("a_b-[0-9a-f]{8}"));
  EXPECT_NE(stems[1], stems[2]);
  EXPECT_EQ(stems[3], "_.");  // never "..", never hidden
  EXPECT_EQ(stems[4], "BM_int__8_threads");
  EXPECT_EQ(stems[5].size(), 120u + 9u);  // cut, and marked as cut by the hash
  EXPECT_EQ(safe_file_stems({"a/b"}), safe_file_stems({"a/b"}));  // stable
}

TEST(RegressionProfileNames, FilterMatchesOnlyTheName) {
  EXPECT_EQ(exact_benchmark_filter("decay_10k/exp.v[2]"), "^decay_10k/exp\\.v\\[2\\]$");
  EXPECT_EQ(exact_benchmark_filter("f(x)*+?|^$\\{1}"), "^f\\(x\\)\\*\\+\\?\\|\\^\\$\\\\\\{1\\}$");
  // '<' and '>' stay bare: "\<" is a word boundary in GNU regular expressions.
  EXPECT_EQ(exact_benchmark_filter("BM<int>/8"), "^BM<int>/8$");
}

// The graph compares shares of the samples, not raw counts: NEW recorded
// four times as long must not read as everything having grown.
TEST(RegressionProfileNormalization, SameSharesLongerRecordingIsUnchanged) {
  const StackTree before = tree_from_folded("main;work 50\nmain;other 50\n");
  const StackTree after = tree_from_folded("main;work 200\nmain;other 200\n");
  const std::vector<double> deltas = differential_deltas(before, after);
  const auto main_id = after.find_child(StackTree::kRoot, "main");
  EXPECT_DOUBLE_EQ(deltas[after.find_child(main_id, "work")], 0.0);
  EXPECT_DOUBLE_EQ(deltas[after.find_child(main_id, "other")], 0.0);
  const std::string svg = render_differential_flamegraph(before, after, {});
  EXPECT_THAT(svg, HasSubstr("<title>work (200 samples, 50.00%; +0.00%)</title>"));
}

TEST(RegressionProfileNormalization, ShiftedSharesAreDeltasInNewSamples) {
  // OLD: 100 samples, work 50%. NEW: 400 samples, work 75%.
  const StackTree before = tree_from_folded("main;work 50\nmain;other 50\n");
  const StackTree after = tree_from_folded("main;work 300\nmain;other 100\n");
  const std::vector<double> deltas = differential_deltas(before, after);
  const auto main_id = after.find_child(StackTree::kRoot, "main");
  EXPECT_DOUBLE_EQ(deltas[after.find_child(main_id, "work")], 300.0 - 50.0 * 4.0);
  EXPECT_DOUBLE_EQ(deltas[after.find_child(main_id, "other")], 100.0 - 50.0 * 4.0);
  const std::string svg = render_differential_flamegraph(before, after, {});
  EXPECT_THAT(svg, HasSubstr("<title>work (300 samples, 75.00%; +25.00%)</title>"));
  EXPECT_THAT(svg, HasSubstr("<title>other (100 samples, 25.00%; -25.00%)</title>"));
}

class RegressionProfileFakePerf : public ::testing::Test {
 protected:
  void SetUp() override {
    // OLD: work and other half each; NEW: work three quarters.
    const std::string old_script = engram::testing::canned_perf_script({{{"work", "main"}, 50}, {{"other", "main"}, 50}});
    const std::string new_script = engram::testing::canned_perf_script({{{"work", "main"}, 150}, {{"other", "main"}, 50}});
    bin_ = engram::testing::install_fake_perf(tools_, old_script, new_script);
    options_.directory = out_.path() / "flames";
    options_.old_binary = tools_.path() / "old_build" / "bench";
    options_.new_binary = tools_.path() / "new_build" / "bench";
    options_.perf = bin_ + "/perf";
    options_.progress = [this](const std::string& line) { progress_.push_back(line); };
  }
  std::vector<ProfileRequest> requests() const {
    return {{"kernel_a/optimized", true, "regressed"}, {"kernel_b/optimized", false, "within noise"}};
  }
  std::string perf_log() const { return engram::testing::read_file(tools_.path() / "perf.log"); }

  TempFolder tools_{"engram_fake_perf"};
  TempFolder out_{"engram_profile_out"};
  std::string bin_;
  RegressionProfileOptions options_;
  std::vector<std::string> progress_;
};

TEST_F(RegressionProfileFakePerf, WritesTheGraphAndFoldedFilesOfARegression) {
  const RegressionProfiles profiles = profile_regressions(requests(), options_);
  ASSERT_EQ(profiles.benchmarks.size(), 2u);
  EXPECT_EQ(profiles.event, "cpu-clock");  // the fake has no cycles event
  const BenchmarkProfile& a = profiles.benchmarks[0];
  EXPECT_EQ(a.status, ProfileStatus::written) << a.reason;
  EXPECT_EQ(a.svg, options_.directory / "kernel_a_optimized.diff.svg");
  EXPECT_EQ(a.old_samples, 100u);
  EXPECT_EQ(a.new_samples, 200u);
  const BenchmarkProfile& b = profiles.benchmarks[1];
  EXPECT_EQ(b.status, ProfileStatus::not_regressed);
  EXPECT_THAT(b.reason, HasSubstr("within noise"));
  EXPECT_TRUE(b.svg.empty());
  // Exactly the three files of the regression: nothing for kernel_b, no scratch left.
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(options_.directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"kernel_a_optimized.diff.svg", "kernel_a_optimized.new.folded",
                                             "kernel_a_optimized.old.folded"}));
  // No process name in the stacks: the two builds' frames meet on the same paths.
  EXPECT_EQ(engram::testing::read_file(options_.directory / "kernel_a_optimized.old.folded"),
            "main;other 50\nmain;work 50\n");
  EXPECT_EQ(engram::testing::read_file(options_.directory / "kernel_a_optimized.new.folded"),
            "main;other 50\nmain;work 150\n");
  const std::string svg = engram::testing::read_file(a.svg);
  EXPECT_THAT(svg, HasSubstr("kernel_a/optimized: NEW against OLD"));
  // work: 75% of NEW against 50% of OLD.
  EXPECT_THAT(svg, HasSubstr("<title>work (150 samples, 75.00%; +25.00%)</title>"));
  // The command perf recorded: one benchmark, long enough for the samples asked.
  EXPECT_THAT(perf_log(), HasSubstr("record -q -e cpu-clock -F 1999 -g -o "));
  EXPECT_THAT(perf_log(), HasSubstr("--benchmark_filter=^kernel_a/optimized$ --benchmark_min_time=1.001s "
                                    "--benchmark_repetitions=1"));
  EXPECT_THAT(perf_log(), Not(HasSubstr("kernel_b")));
  EXPECT_THAT(::testing::PrintToString(progress_), HasSubstr("wrote"));
}

TEST_F(RegressionProfileFakePerf, ExtraArgumentsComeBeforeTheFlagsThatMustWin) {
  options_.extra_args = {"--benchmark_filter=decay", "--rerun-max=0"};
  options_.samples = 500;
  options_.frequency = 1000;
  profile_regressions(requests(), options_);
  EXPECT_THAT(perf_log(), HasSubstr("-F 1000 -g"));
  EXPECT_THAT(perf_log(), HasSubstr("bench --benchmark_filter=decay --rerun-max=0 --benchmark_filter=^kernel_a/"
                                    "optimized$ --benchmark_min_time=0.500s"));
}

TEST_F(RegressionProfileFakePerf, NoRegressionWritesNothing) {
  const RegressionProfiles profiles =
      profile_regressions({{"kernel_b/optimized", false, "within noise"}}, options_);
  EXPECT_EQ(profiles.written(), 0u);
  EXPECT_FALSE(std::filesystem::exists(options_.directory));
  EXPECT_EQ(perf_log(), "");  // perf was not even asked
  EXPECT_THAT(render_profiles_text(profiles), HasSubstr("none: no benchmark regressed"));
}

TEST_F(RegressionProfileFakePerf, MissingPerfIsSaid) {
  options_.perf = (tools_.path() / "no-such-perf").string();
  const RegressionProfiles profiles = profile_regressions(requests(), options_);
  EXPECT_EQ(profiles.benchmarks[0].status, ProfileStatus::perf_missing);
  EXPECT_THAT(profiles.benchmarks[0].reason, HasSubstr("linux-perf"));
  EXPECT_EQ(profiles.benchmarks[1].status, ProfileStatus::not_regressed);
  EXPECT_FALSE(std::filesystem::exists(options_.directory / "kernel_a_optimized.diff.svg"));
  EXPECT_THAT(render_profiles_text(profiles), HasSubstr("kernel_a/optimized: no flame graph: perf is missing"));
}

TEST_F(RegressionProfileFakePerf, PerfThatMayNotSampleIsSaid) {
  engram::testing::install_fake_perf(tools_, "", "", "refuse");
  const RegressionProfiles profiles = profile_regressions(requests(), options_);
  EXPECT_EQ(profiles.benchmarks[0].status, ProfileStatus::perf_refused);
  EXPECT_THAT(profiles.benchmarks[0].reason, HasSubstr("perf_event_paranoid"));
  EXPECT_THAT(profiles.benchmarks[0].reason, HasSubstr("Access to performance monitoring"));
  // Only the scratch folder was made, and it is gone.
  EXPECT_TRUE(std::filesystem::is_empty(options_.directory));
}

TEST_F(RegressionProfileFakePerf, AFailedRecordingIsSaidAndTheOthersGoOn) {
  options_.old_binary = tools_.path() / "old_build" / "missing";  // the fake still "records" it
  engram::testing::install_fake_perf(tools_, "not perf script text\n",
                                     engram::testing::canned_perf_script({{{"work"}, 3}}));
  const RegressionProfiles profiles = profile_regressions(requests(), options_);
  EXPECT_EQ(profiles.benchmarks[0].status, ProfileStatus::failed);
  EXPECT_THAT(profiles.benchmarks[0].reason, HasSubstr("OLD: no samples"));
}

// A file in the way is replaced whole, or, when it cannot be (a folder),
// nothing of the set is published.
TEST_F(RegressionProfileFakePerf, FilesInTheWayAreReplacedWholeOrNotAtAll) {
  std::filesystem::create_directories(options_.directory);
  out_.file("flames/kernel_a_optimized.old.folded", "an older run\n");
  profile_regressions(requests(), options_);
  EXPECT_EQ(engram::testing::read_file(options_.directory / "kernel_a_optimized.old.folded"),
            "main;other 50\nmain;work 50\n");

  std::filesystem::remove(options_.directory / "kernel_a_optimized.diff.svg");
  std::filesystem::create_directories(options_.directory / "kernel_a_optimized.diff.svg");
  out_.file("flames/kernel_a_optimized.old.folded", "an older run\n");
  const RegressionProfiles profiles = profile_regressions(requests(), options_);  // reported, not thrown
  EXPECT_EQ(profiles.benchmarks[0].status, ProfileStatus::failed);
  EXPECT_THAT(profiles.benchmarks[0].reason, HasSubstr("cannot write the flame graph"));
  EXPECT_TRUE(profiles.benchmarks[0].svg.empty());
  EXPECT_EQ(engram::testing::read_file(options_.directory / "kernel_a_optimized.old.folded"), "an older run\n");
}

TEST_F(RegressionProfileFakePerf, JsonNamesEachGraphOrWhyNot) {
  const RegressionProfiles profiles = profile_regressions(requests(), options_);
  const nlohmann::json j = nlohmann::json::parse(
      add_profiles_to_json(R"({"schema": "engram-comparison", "benchmarks": []})", profiles));
  EXPECT_EQ(j["schema"], "engram-comparison");  // the rest is kept
  const auto& p = j["profiles"];
  EXPECT_EQ(p["event"], "cpu-clock");
  EXPECT_EQ(p["written"], 1);
  EXPECT_EQ(p["benchmarks"]["kernel_a/optimized"]["status"], "written");
  EXPECT_EQ(p["benchmarks"]["kernel_a/optimized"]["svg"], (options_.directory / "kernel_a_optimized.diff.svg").string());
  EXPECT_EQ(p["benchmarks"]["kernel_a/optimized"]["old_samples"], 100);
  EXPECT_EQ(p["benchmarks"]["kernel_b/optimized"]["status"], "not regressed");
  EXPECT_TRUE(p["benchmarks"]["kernel_b/optimized"]["svg"].is_null());
  EXPECT_THAT(render_profiles_text(profiles), HasSubstr("kernel_a/optimized: " + profiles.benchmarks[0].svg.string()));
}

}  // namespace
