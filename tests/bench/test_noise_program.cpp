// baseline's noise figures, set-up and re-runs, end to end: the program as
// users run it, with the disturbance made real (a busy loop on its CPU).
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <string_view>

#include "engram/noise.hpp"
#include "program_test.hpp"

namespace {

using engram::bench_test::ProgramRun;
using engram::bench_test::slurp;
using nlohmann::json;

class NoiseProgram : public engram::bench_test::ProgramTest {
 protected:
  json run_json(const std::string& options) {
    const auto path = dir_ / "bench.json";
    const ProgramRun r = run_program(std::string(ENGRAM_BASELINE) +
                                     " --benchmark_filter=decay_10k_memories/power_law/optimized"
                                     " --benchmark_min_time=0.02 --benchmark_format=json --benchmark_out=" +
                                     path.string() + " " + options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    last_err_ = r.err;
    return json::parse(slurp(path));
  }
  static std::vector<json> repetitions(const json& j) {
    std::vector<json> out;
    for (const auto& b : j.at("benchmarks")) {
      if (b.at("run_type") == "iteration") out.push_back(b);
    }
    return out;
  }
  std::string last_err_;
};

// A child spinning on `cpu` until killed.
class BusyLoop {
 public:
  explicit BusyLoop(int cpu) {
    pid_ = ::fork();
    if (pid_ == 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      ::sched_setaffinity(0, sizeof set, &set);
      for (volatile unsigned long i = 0;; i = i + 1) {
      }
    }
  }
  ~BusyLoop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

TEST_F(NoiseProgram, EveryRepetitionCarriesItsNoiseAndTheSetUpIsRecorded) {
  const json j = run_json("--benchmark_repetitions=3 --pin-cpu=auto");
  const auto reps = repetitions(j);
  ASSERT_GE(reps.size(), 3u);
  for (const auto& r : reps) {
    for (const auto field : {engram::noise::field::kWallNs, engram::noise::field::kCpuNs,
                             engram::noise::field::kDisturbed, engram::noise::field::kRerun}) {
      EXPECT_TRUE(r.contains(std::string(field))) << field << " in " << r.dump();
    }
    EXPECT_GT(r.value("noise_wall_ns", 0.0), 0.0);
    const double disturbed = r.value("noise_disturbed", -1.0);
    EXPECT_TRUE(disturbed == 0 || disturbed == 1) << disturbed;
  }
  const json setup = json::parse(j["context"].at("engram.setup").get<std::string>());
  const auto allowed = engram::noise::allowed_cpus();
  ASSERT_FALSE(allowed.empty());
  EXPECT_EQ(setup.at("pinned_cpu"), allowed.back()) << setup.dump();
  EXPECT_EQ(setup.at("warmup_ms"), 5.0);
  EXPECT_TRUE(setup.at("virtualized").is_boolean() || setup.at("virtualized").is_null());
  EXPECT_TRUE(setup.at("not_set").is_array());
  const json noise = json::parse(j["context"].at("engram.noise").get<std::string>());
  EXPECT_EQ(noise.at("thresholds").at("max_run_delay_fraction"), 0.01);
  EXPECT_TRUE(noise.at("unavailable").is_object());
  EXPECT_GT(noise.at("probe_cost_ns").get<double>(), 0.0);  // measured in this run
  EXPECT_EQ(noise.at("memory_probe_bytes"), 64u << 20);
  for (const auto& r : reps) {
    EXPECT_GT(r.value("noise_memory_probe_ns", 0.0), 0.0) << r.dump();
    EXPECT_GE(r.value("noise_memory_slowdown", -1.0), 0.0) << r.dump();
  }
  // Every figure the run did not measure is named with its reason, never written as 0.
  const std::map<std::string, std::string_view> field_of = {
      {"steal", engram::noise::field::kStealNs},
      {"run_delay", engram::noise::field::kRunDelayNs},
      {"involuntary_switches", engram::noise::field::kInvoluntarySwitches},
      {"cpu_migrations", engram::noise::field::kCpuMigrations},
      {"loadavg", engram::noise::field::kLoadavg}};
  for (const auto& [figure, why] : noise.at("unavailable").items()) {
    ASSERT_TRUE(field_of.count(figure)) << "an unknown figure: " << figure;
    EXPECT_FALSE(reps[0].contains(std::string(field_of.at(figure)))) << figure;
    EXPECT_FALSE(why.get<std::string>().empty());
  }
  // And every figure measured is there.
  for (const auto& [figure, field] : field_of) {
    if (!noise.at("unavailable").contains(figure)) EXPECT_TRUE(reps[0].contains(std::string(field))) << figure;
  }
}

TEST_F(NoiseProgram, TheMemoryProbeCanBeTurnedOff) {
  const json j = run_json("--benchmark_repetitions=2 --memory-probe-mib=0");
  for (const auto& r : repetitions(j)) {
    EXPECT_FALSE(r.contains("noise_memory_probe_ns")) << r.dump();
    EXPECT_FALSE(r.contains("noise_memory_slowdown")) << r.dump();
  }
  const json noise = json::parse(j["context"].at("engram.noise").get<std::string>());
  EXPECT_EQ(noise.at("memory_probe_bytes"), 0);
}

TEST_F(NoiseProgram, ABusyLoopOnTheSameCpuDisturbsAndIsRerunWithinTheCount) {
  const int cpu = engram::noise::allowed_cpus().front();
  BusyLoop busy(cpu);
  ASSERT_TRUE(busy.started());
  const json j = run_json("--benchmark_repetitions=3 --rerun-max=2 --rerun-seconds=60 --pin-cpu=" +
                          std::to_string(cpu));
  const auto reps = repetitions(j);
  // Sharing the CPU with a busy loop, every repetition waits on the run queue
  // half the time: all are disturbed, the re-runs too, so the count stops them.
  ASSERT_EQ(reps.size(), 5u) << last_err_;
  std::size_t reruns = 0;
  for (const auto& r : reps) {
    EXPECT_EQ(r.at("noise_disturbed"), 1.0) << r.dump();
    EXPECT_EQ(r.at("name"), "decay_10k_memories/power_law/optimized");
    if (r.at("noise_rerun").get<double>() > 0) ++reruns;
  }
  EXPECT_EQ(reruns, 2u);
  const json noise = json::parse(j["context"].at("engram.noise").get<std::string>());
  EXPECT_EQ(noise.at("reruns").at("ran"), 2);
  EXPECT_EQ(noise.at("reruns").at("stopped_by"), "count budget spent");
  EXPECT_EQ(noise.at("reruns").at("benchmarks_short_of_undisturbed"), 1);
  EXPECT_NE(last_err_.find("5 of 5 repetitions disturbed"), std::string::npos) << last_err_;
}

TEST_F(NoiseProgram, ReRunsHappenUnderAnAnchoredFilterAndContinueTheNumbering) {
  const int cpu = engram::noise::allowed_cpus().front();
  BusyLoop busy(cpu);
  ASSERT_TRUE(busy.started());
  const auto path = dir_ / "anchored.json";
  const ProgramRun r = run_program(std::string(ENGRAM_BASELINE) +
                                   " '--benchmark_filter=^decay_10k_memories/power_law/optimized$'"
                                   " --benchmark_min_time=0.02 --benchmark_repetitions=2 --rerun-max=2"
                                   " --rerun-seconds=60 --benchmark_out=" + path.string() + " --pin-cpu=" +
                                   std::to_string(cpu));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(slurp(path));
  const auto reps = repetitions(j);
  ASSERT_EQ(reps.size(), 4u) << r.err;
  for (std::size_t i = 0; i < reps.size(); ++i) {
    EXPECT_EQ(reps[i].at("name"), "decay_10k_memories/power_law/optimized");
    EXPECT_EQ(reps[i].at("repetition_index"), i) << "re-runs continue the numbering";
    EXPECT_EQ(reps[i].at("repetitions"), 2) << "the count the first pass asked for";
    EXPECT_EQ(reps[i].at("family_index"), reps[0].at("family_index"));
  }
  const json noise = json::parse(j["context"].at("engram.noise").get<std::string>());
  EXPECT_EQ(noise.at("reruns").at("ran"), 2);
}

TEST_F(NoiseProgram, ListingTestsWithAnOutputFileStillWorks) {
  const ProgramRun r = run_program(std::string(ENGRAM_BASELINE) +
                                   " --benchmark_list_tests=true --benchmark_filter=decay_10k_memories/power_law"
                                   " --benchmark_out=" + (dir_ / "list.json").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("decay_10k_memories/power_law/optimized"), std::string::npos) << r.out;
}

TEST_F(NoiseProgram, NoRerunPassStartsWithoutTime) {
  const int cpu = engram::noise::allowed_cpus().front();
  BusyLoop busy(cpu);
  ASSERT_TRUE(busy.started());
  const json j = run_json("--benchmark_repetitions=3 --rerun-max=50 --rerun-seconds=0 --pin-cpu=" +
                          std::to_string(cpu));
  EXPECT_EQ(repetitions(j).size(), 3u);
  const json noise = json::parse(j["context"].at("engram.noise").get<std::string>());
  EXPECT_EQ(noise.at("reruns").at("ran"), 0);
  EXPECT_EQ(noise.at("reruns").at("stopped_by"), "time budget spent");
}

TEST_F(NoiseProgram, TheConsoleLeavesTheNoiseColumnsToTheFileAndPrintsTheirSummary) {
  const ProgramRun r = run_program(std::string(ENGRAM_BASELINE) +
                                   " --benchmark_filter=decay_10k_memories/power_law/optimized"
                                   " --benchmark_min_time=0.01 --benchmark_repetitions=2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("decay_10k_memories/power_law/optimized"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("noise_"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("baseline: noise: "), std::string::npos) << r.err;
}

TEST_F(NoiseProgram, ACpuThatCannotBeUsedIsABadOption) {
  const ProgramRun r = run_program(std::string(ENGRAM_BASELINE) +
                                   " --benchmark_filter=decay_10k_memories/power_law/optimized --pin-cpu=100000");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--pin-cpu=100000"), std::string::npos) << r.err;
}

}  // namespace
