// A tiny Google Benchmark suite built with engram::counters_gbench, run as a
// program: counters per iteration, statuses in the context, simulation
// where the PMU is missing, --benchmark_out, and the exit codes.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "temp_folder.hpp"
#include "valgrind_available.hpp"

namespace {

using nlohmann::json;

struct Result {
  int exit_code = -1;
  std::string out, err;
};

// The suite with `args`; stdout and stderr apart (stdout may be JSON).
Result run_suite(const std::vector<std::string>& args,
                 const std::vector<std::pair<std::string, std::string>>& environment = {}) {
  engram::testing::TempFolder folder("engram_gbench");
  const std::string out_path = (folder.path() / "out").string(), err_path = (folder.path() / "err").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
    std::vector<std::string> copy = args;
    std::string program = ENGRAM_GBENCH_TINY_SUITE;
    std::vector<char*> argv{program.data()};
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = engram::testing::read_file(out_path);
  r.err = engram::testing::read_file(err_path);
  return r;
}

const json& status_of(const json& statuses, const std::string& counter) {
  for (const auto& c : statuses.at("counters"))
    if (c.at("counter") == counter) return c;
  throw std::runtime_error("no status for " + counter);
}

const json& benchmark_named(const json& doc, const std::string& name) {
  for (const auto& b : doc.at("benchmarks"))
    if (b.at("name") == name) return b;
  throw std::runtime_error("no benchmark " + name);
}

bool has_value(const std::string& status) {
  return status == "counted" || status == "multiplexed" || status == "simulated";
}

// What every document with --counters=task-clock,L1_DCM must satisfy.
void check_document(const json& doc, const Result& r) {
  const json statuses = json::parse(doc.at("context").at("engram.counters").get<std::string>());
  EXPECT_EQ(statuses.at("schema"), "engram-counter-statuses");
  ASSERT_EQ(statuses.at("counters").size(), 2u);
  const json& clock = status_of(statuses, "task-clock");
  EXPECT_TRUE(clock.at("status") == "counted" || clock.at("status") == "multiplexed") << clock.dump();
  const std::string l1 = status_of(statuses, "L1_DCM").at("status");
  for (const char* name : {"BM_sum", "BM_branchy"}) {
    const json& b = benchmark_named(doc, name);
    ASSERT_TRUE(b.contains("task-clock")) << b.dump();
    EXPECT_GT(b.at("task-clock").get<double>(), 0.0);
    // A counter with a value is there (and is not 0 here: the loops miss
    // L1); one without is absent, never 0.
    EXPECT_EQ(b.contains("L1_DCM"), has_value(l1)) << l1 << " " << b.dump() << r.err;
    if (b.contains("L1_DCM")) {
      EXPECT_GT(b.at("L1_DCM").get<double>(), 0.0);
    }
  }
  const json& plain = benchmark_named(doc, "BM_uncounted");
  EXPECT_FALSE(plain.contains("task-clock"));
  EXPECT_FALSE(plain.contains("L1_DCM"));
}

const std::vector<std::string> kFast = {"--benchmark_min_time=0.01"};

std::vector<std::string> with(std::vector<std::string> args) {
  args.insert(args.end(), kFast.begin(), kFast.end());
  return args;
}

TEST(GbenchProgram, JsonOnStdoutHasValuesAndStatuses) {
  const Result r = run_suite(with({"--counters=task-clock,L1_DCM", "--benchmark_format=json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  check_document(doc, r);
  const json statuses = json::parse(doc.at("context").at("engram.counters").get<std::string>());
  const std::string l1 = status_of(statuses, "L1_DCM").at("status");
  if (l1 == "simulated") {
    // One child per counted benchmark, with progress on stderr; none for the uncounted one.
    EXPECT_THAT(r.err, ::testing::HasSubstr("simulating BM_sum under callgrind"));
    EXPECT_THAT(r.err, ::testing::HasSubstr("simulating BM_branchy under callgrind"));
    EXPECT_THAT(r.err, ::testing::Not(::testing::HasSubstr("simulating BM_uncounted")));
  } else if (l1 == "unsupported") {
    EXPECT_FALSE(status_of(statuses, "L1_DCM").value("reason", "").empty());
  }
}

TEST(GbenchProgram, BenchmarkOutFileWithRepetitions) {
  engram::testing::TempFolder folder("engram_gbench");
  const auto file = folder.path() / "b.json";
  const Result r = run_suite(with({"--counters=task-clock,L1_DCM", "--benchmark_out=" + file.string(),
                                   "--benchmark_repetitions=2", "--benchmark_filter=BM_sum|BM_uncounted"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("BM_sum"));  // the console as usual
  const json doc = json::parse(engram::testing::read_file(file));
  const json statuses = json::parse(doc.at("context").at("engram.counters").get<std::string>());
  const std::string l1 = status_of(statuses, "L1_DCM").at("status");
  int repetitions = 0, with_l1 = 0;
  for (const auto& b : doc.at("benchmarks")) {
    if (b.at("run_name") != "BM_sum") continue;
    if (b.at("run_type") == "iteration") ++repetitions;
    if (b.contains("L1_DCM")) ++with_l1;
  }
  EXPECT_EQ(repetitions, 2);
  if (l1 == "simulated") {
    // Both repetitions, the mean and the median; one child for the two.
    EXPECT_EQ(with_l1, 4);
    std::size_t children = 0;
    for (auto at = r.err.find("simulating BM_sum"); at != std::string::npos; at = r.err.find("simulating BM_sum", at + 1))
      ++children;
    EXPECT_EQ(children, 1u);
    const json iterations = json::parse(doc.at("context").at("engram.simulated_iterations").get<std::string>());
    EXPECT_EQ(iterations.at("BM_sum"), 10);
  }
}

// Interleaved repetitions: Google Benchmark reports a benchmark's runs after
// its last repetition, so other benchmarks' counted loops run in between. The
// uncounted benchmark must still get no child, and no marker may leak out.
TEST(GbenchProgram, InterleavedRepetitionsSimulateOnlyTheCountedBenchmarks) {
  SKIP_WITHOUT_VALGRIND();
  const Result r = run_suite(with({"--counters=L1_DCM", "--counters-sim=only", "--counters-sim-iterations=2",
                                   "--benchmark_repetitions=3", "--benchmark_enable_random_interleaving=true",
                                   "--benchmark_filter=BM_sum|BM_uncounted", "--benchmark_format=json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, ::testing::HasSubstr("simulating BM_sum under callgrind"));
  EXPECT_THAT(r.err, ::testing::Not(::testing::HasSubstr("simulating BM_uncounted")));
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("engram.counted_loop")));
  const json doc = json::parse(r.out);
  for (const auto& b : doc.at("benchmarks")) {
    if (b.at("run_name") == "BM_uncounted") {
      EXPECT_FALSE(b.contains("L1_DCM")) << b.dump();
    }
  }
}

// BENCHMARK_OUT is Google Benchmark's --benchmark_out from the environment:
// the file is still ours (written whole at the end, with the simulated
// counts), and the callgrind children, which inherit the environment, do
// not write it too.
TEST(GbenchProgram, BenchmarkOutFromTheEnvironmentIsOursToWrite) {
  SKIP_WITHOUT_VALGRIND();
  engram::testing::TempFolder folder("engram_gbench");
  const auto file = folder.path() / "env.json";
  const Result r = run_suite(with({"--counters=L1_DCM", "--counters-sim=only", "--counters-sim-iterations=2",
                                   "--benchmark_repetitions=2", "--benchmark_filter=BM_sum"}),
                             {{"BENCHMARK_OUT", file.string()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(engram::testing::read_file(file));
  EXPECT_TRUE(doc.at("context").contains("engram.simulated_iterations")) << doc.at("context").dump();
  int with_l1 = 0;
  for (const auto& b : doc.at("benchmarks")) with_l1 += b.contains("L1_DCM") ? 1 : 0;
  EXPECT_EQ(with_l1, 4);  // 2 repetitions, mean and median
  EXPECT_EQ(folder.names(), std::vector<std::string>{"env.json"});  // nothing else left beside it
}

TEST(GbenchProgram, SimulationForcedWithOnly) {
  SKIP_WITHOUT_VALGRIND();
  const Result r = run_suite(with({"--counters=task-clock,L1_DCM", "--counters-sim=only", "--counters-sim-iterations=3",
                                   "--benchmark_format=json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  const json statuses = json::parse(doc.at("context").at("engram.counters").get<std::string>());
  EXPECT_EQ(status_of(statuses, "L1_DCM").at("status"), "simulated");
  check_document(doc, r);
  // 256 KiB read every 16th int: one line in 64 B per 16 ints, 4096 lines,
  // each a miss of a 32 KiB L1 every iteration.
  const double misses = benchmark_named(doc, "BM_sum").at("L1_DCM").get<double>();
  EXPECT_NEAR(misses, 4096.0, 4096.0 * 0.05);
}

TEST(GbenchProgram, SimNeverLeavesMissingCountersOut) {
  const Result r = run_suite(with({"--counters=task-clock,L1_DCM", "--counters-sim=never", "--benchmark_format=json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  check_document(doc, r);
  const json statuses = json::parse(doc.at("context").at("engram.counters").get<std::string>());
  const json& l1 = status_of(statuses, "L1_DCM");
  EXPECT_NE(l1.at("status"), "simulated");
  if (!has_value(l1.at("status"))) {
    EXPECT_FALSE(l1.value("reason", "").empty());
    EXPECT_THAT(r.err, ::testing::HasSubstr("L1_DCM"));
  }
  EXPECT_THAT(r.err, ::testing::Not(::testing::HasSubstr("under callgrind")));
}

TEST(GbenchProgram, UnknownCounterIsExit2) {
  const Result r = run_suite({"--counters=task-clock,NOT_A_COUNTER"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, ::testing::HasSubstr("NOT_A_COUNTER"));
  EXPECT_THAT(r.err, ::testing::HasSubstr("ecount list"));
  EXPECT_EQ(r.out, "");
}

TEST(GbenchProgram, BadOptionValuesAreExit2) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--counters-sim=sometimes"},
                                               {"--counters="}, {"--benchmark_format=xml"},
                                               {"--benchmark_filter=NO_SUCH_BENCHMARK"}}) {
    const Result r = run_suite(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
    EXPECT_FALSE(r.err.empty()) << args[0];
  }
}

TEST(GbenchProgram, HelpHasBothFlagSets) {
  const Result r = run_suite({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, ::testing::HasSubstr("--benchmark_filter"));
  EXPECT_THAT(r.out, ::testing::HasSubstr("--counters=NAME"));
}

}  // namespace
