// End-to-end checks of the bench programs as users run them.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

namespace fs = std::filesystem;

struct ProgramRun {
  int exit_code = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Programs : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("engram-bench-test-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ProgramRun run_program(const std::string& command_line) {
    const auto out = dir_ / "stdout", err = dir_ / "stderr";
    const std::string cmd = command_line + " >" + out.string() + " 2>" + err.string();
    const int status = std::system(cmd.c_str());
    ProgramRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  fs::path dir_;
};

const std::string kBaseline = ENGRAM_BASELINE;
const std::string kHarness = ENGRAM_HARNESS;

TEST_F(Programs, BaselineHelpExitsZero) {
  const ProgramRun r = run_program(kBaseline + " --help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--counters"), std::string::npos);
  EXPECT_NE(r.out.find("--benchmark_filter"), std::string::npos);
}

TEST_F(Programs, BaselineUnknownCounterExitsTwoWithCloseMatches) {
  const ProgramRun r = run_program(kBaseline + " --counters=L1_DMC");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("L1_DMC"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("L1_DCM"), std::string::npos) << "no close match offered: " << r.err;
}

TEST_F(Programs, BaselineUnknownOptionExitsTwo) {
  const ProgramRun r = run_program(kBaseline + " --frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
}

TEST_F(Programs, BaselineFilterMatchingNothingExitsNonZero) {
  const ProgramRun r = run_program(kBaseline + " --benchmark_filter=no_such_kernel");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("matches no benchmark"), std::string::npos) << r.err;
}

TEST_F(Programs, BaselineListsBenchmarksAndCounters) {
  const ProgramRun r = run_program(kBaseline + " --list");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("vector_similarity_1000/optimized"), std::string::npos);
  EXPECT_NE(r.out.find("task-clock"), std::string::npos) << r.out;
}

// Software events count natively on any Linux: status counted, values per iteration.
TEST_F(Programs, BaselineCountsSoftwareEventsIntoJson) {
  const auto json_path = dir_ / "x.json";
  const ProgramRun r = run_program(kBaseline + " --counters=task-clock,page-faults --sim=never"
                    " --benchmark_filter=decay_10k_memories/power_law/optimized --benchmark_min_time=0.01"
                    " --benchmark_format=json --benchmark_out=" + json_path.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(slurp(json_path));
  const auto statuses = nlohmann::json::parse(j["context"]["engram.counters"].get<std::string>());
  ASSERT_EQ(statuses.size(), 2u);
  for (const auto& s : statuses) EXPECT_EQ(s["status"], "counted") << s.dump();
  ASSERT_EQ(j["benchmarks"].size(), 1u);
  const auto& b = j["benchmarks"][0];
  EXPECT_EQ(b["name"], "decay_10k_memories/power_law/optimized");
  ASSERT_TRUE(b.contains("task-clock")) << b.dump();
  EXPECT_GT(b["task-clock"].get<double>(), 0.0);  // ns of CPU per iteration
  EXPECT_TRUE(b.contains("page-faults")) << b.dump();
}

// Cache and branch counters: simulated under callgrind where the hardware
// cannot count them, merged into the same output and labelled.
TEST_F(Programs, BaselineMergesSimulatedCounters) {
  if (!ENGRAM_VALGRIND_TESTS) GTEST_SKIP() << "callgrind simulation disabled (ENGRAM_VALGRIND_TESTS=OFF, e.g. sanitizers)";
  const auto json_path = dir_ / "sim.json";
  const ProgramRun r = run_program(kBaseline + " --counters=L1_DCM,BR_MSP --sim=only"
                    " --benchmark_filter=decay_10k_memories/power_law/optimized --benchmark_min_time=0.01"
                    " --benchmark_out_format=json --benchmark_out=" + json_path.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("[1/1] decay_10k_memories/power_law/optimized"), std::string::npos)
      << "no progress line: " << r.err;
  EXPECT_NE(r.out.find("L1_DCM="), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(slurp(json_path));
  const auto statuses = nlohmann::json::parse(j["context"]["engram.counters"].get<std::string>());
  for (const auto& s : statuses) EXPECT_EQ(s["status"], "simulated") << s.dump();
  const auto& b = j["benchmarks"][0];
  // 10,000 memories stream 200 KB through L1: thousands of misses per
  // iteration, not zero and not millions.
  ASSERT_TRUE(b.contains("L1_DCM")) << b.dump();
  EXPECT_GT(b["L1_DCM"].get<double>(), 1000.0);
  EXPECT_LT(b["L1_DCM"].get<double>(), 100000.0);
  ASSERT_TRUE(b.contains("BR_MSP")) << b.dump();
}

TEST_F(Programs, BaselineJsonIsAcceptedByCompareDotPy) {
  const std::string compare = "/usr/share/benchmark/compare.py";
  if (!fs::exists(compare)) GTEST_SKIP() << compare << " missing (Debian package libbenchmark-tools)";
  if (run_program("/usr/bin/python3 -c 'import scipy'").exit_code != 0) {
    GTEST_SKIP() << "compare.py needs scipy (Debian package python3-scipy)";
  }
  const auto a = dir_ / "a.json", b = dir_ / "b.json";
  for (const auto& p : {a, b}) {
    const ProgramRun r = run_program(kBaseline + " --benchmark_filter=decay_10k_memories/exponential"
                      " --benchmark_min_time=0.01 --benchmark_repetitions=4 --benchmark_format=json"
                      " --benchmark_out=" + p.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const ProgramRun r = run_program("/usr/bin/python3 " + compare + " benchmarks " + a.string() + " " + b.string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("decay_10k_memories/exponential/optimized"), std::string::npos) << r.out;
}

TEST_F(Programs, HarnessChecksumRepeatsAndFollowsTheSeed) {
  const auto checksum = [&](const std::string& args) {
    const ProgramRun r = run_program(kHarness + " --scale 0.02 " + args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto at = r.out.find("\nchecksum ");
    return at == std::string::npos ? std::string("missing") : r.out.substr(at + 10, 16);
  };
  const std::string first = checksum("");
  EXPECT_NE(first, "missing");
  EXPECT_EQ(first, checksum(""));
  EXPECT_EQ(first, checksum("--seed 42"));
  EXPECT_NE(first, checksum("--seed 7"));
}

TEST_F(Programs, HarnessRejectsBadScale) {
  EXPECT_EQ(run_program(kHarness + " --scale 0").exit_code, 2);
  EXPECT_EQ(run_program(kHarness + " --scale 2").exit_code, 2);
  EXPECT_EQ(run_program(kHarness + " --bogus").exit_code, 2);
}

}  // namespace
