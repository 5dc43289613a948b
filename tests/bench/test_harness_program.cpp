// profiling_harness as users run it: --json, --reference, --counters, --sim
// (HarnessProgram; the --sim runs that start valgrind are in
// HarnessProgramSimulated).
//
// At --scale 0.02 the workload (KERNELS.md section 4) has round(10,000 x 0.02)
// = 200 memories of 768-d, round(50,000 x 0.02) = 1,000 edges and
// round(1,000 x 0.02) = 20 spreading queries, 20 similarity queries and 20
// decay rounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "program_test.hpp"
#include "required_tool.hpp"
#include "perf_event_access.hpp"

namespace {

namespace fs = std::filesystem;
using engram::bench_test::ProgramRun;
using engram::bench_test::slurp;
using nlohmann::json;

const std::string kHarness = ENGRAM_HARNESS;
const std::string kSmall = kHarness + " --scale 0.02";

// The first line that starts with `name` and a space ("" if none).
std::string table_row(const std::string& text, const std::string& name) {
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    const std::string line = text.substr(start, end - start);
    if (line.starts_with(name) && line.size() > name.size() && line[name.size()] == ' ') return line;
    start = end + 1;
  }
  return "";
}

// The word after `label` on a line of its own ("checksum 22dc...").
std::string word_after(const std::string& text, const std::string& label) {
  const std::string line = table_row(text, label);
  if (line.empty()) return "missing";
  const auto start = label.size() + 1;
  return line.substr(start, line.find(' ', start) - start);
}

// nullptr when absent. The JSON the tests read is never const, so that a
// missing key reads as null (a failed expectation) instead of tripping
// const operator[]'s precondition.
json* phase_named(json& harness, const std::string& name) {
  if (!harness.contains("phases")) return nullptr;
  for (auto& phase : harness["phases"]) {
    if (phase.value("name", "") == name) return &phase;
  }
  return nullptr;
}

json* counter_named(json& phase, const std::string& requested) {
  if (!phase.contains("counters") || !phase["counters"].contains("counters")) return nullptr;
  for (auto& c : phase["counters"]["counters"]) {
    if (c.value("requested", "") == requested) return &c;
  }
  return nullptr;
}

class HarnessProgram : public engram::bench_test::ProgramTest {};

TEST_F(HarnessProgram, HelpNamesEveryOptionAndTheExitCodes) {
  const ProgramRun r = run_program(kHarness + " --help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* option : {"--seed", "--scale", "--reference", "--counters", "--sim", "--json"}) {
    EXPECT_NE(r.out.find(option), std::string::npos) << option << " missing from:\n" << r.out;
  }
  EXPECT_NE(r.out.find("Exit codes:\n  0  ok\n  1  failure"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  2  bad usage or bad input"), std::string::npos) << r.out;
}

TEST_F(HarnessProgram, JsonHoldsThePhasesTheTableShows) {
  const auto file = dir_ / "optimized.json";
  const ProgramRun r = run_program(kSmall + " --json " + file.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(slurp(file));
  EXPECT_EQ(j["seed"], 42);
  EXPECT_EQ(j["memories"], 200);
  EXPECT_EQ(j["implementation"], "optimized");
  // The SIMD level the header line names ("...; optimized kernels, SIMD avx2").
  const auto simd = r.out.find("SIMD ");
  ASSERT_NE(simd, std::string::npos) << r.out;
  EXPECT_EQ(j["simd_level"], r.out.substr(simd + 5, r.out.find('\n', simd) - simd - 5));
  EXPECT_EQ(j["checksum"], word_after(r.out, "checksum"));
  EXPECT_EQ(j["checksum"].get<std::string>().size(), 16u);
  // Four phases in order, each with the operations of --scale 0.02 and the
  // checksum printed in its table row.
  ASSERT_EQ(j["phases"].size(), 4u) << j.dump();
  const std::vector<std::pair<std::string, int>> phases = {
      {"build", 1}, {"spreading", 20}, {"similarity", 20}, {"decay", 20}};
  double phase_seconds = 0;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    json& p = j["phases"][i];
    EXPECT_EQ(p["name"], phases[i].first);
    EXPECT_EQ(p["operations"], phases[i].second) << phases[i].first;
    EXPECT_EQ(p["checksum"].get<std::string>().size(), 16u);
    // Its table row: "<name> <seconds> <count> <checksum>".
    const std::string row = table_row(r.out, phases[i].first);
    EXPECT_NE(row.find(p["checksum"].get<std::string>()), std::string::npos)
        << phases[i].first << "'s checksum not in its row '" << row << "' of:\n" << r.out;
    EXPECT_FALSE(p.contains("counters")) << "no --counters, no counters";
    EXPECT_GE(p["seconds"].get<double>(), 0.0);
    phase_seconds += p["seconds"].get<double>();
  }
  // The total covers the phases (and the start-up around them).
  EXPECT_GE(j["total_seconds"].get<double>(), phase_seconds);
  // At least the 200 x 768 x 4 B = 600 KiB of embeddings were resident.
  EXPECT_GT(j["peak_rss_kib"].get<double>(), 600.0);
  // Written through a temporary file that is gone afterwards.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 3)
      << "optimized.json, stdout and stderr only";
}

TEST_F(HarnessProgram, ReferenceRunsTheReferenceKernelsOnTheSameWorkload) {
  const auto ref = dir_ / "reference.json", opt = dir_ / "optimized.json";
  const ProgramRun r = run_program(kSmall + " --reference --json " + ref.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("reference kernels, SIMD n/a"), std::string::npos) << r.out;
  ASSERT_EQ(run_program(kSmall + " --json " + opt.string()).exit_code, 0);
  json reference = json::parse(slurp(ref)), optimized = json::parse(slurp(opt));
  EXPECT_EQ(reference["implementation"], "reference");
  EXPECT_EQ(reference["simd_level"], "n/a");
  EXPECT_EQ(reference["memories"], 200);
  // The build phase is the same seeded generator for both: identical data.
  ASSERT_EQ(reference["phases"].size(), 4u);
  EXPECT_EQ(reference["phases"][0]["name"], "build");
  EXPECT_EQ(reference["phases"][0]["checksum"], optimized["phases"][0]["checksum"]);
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(reference["phases"][i]["operations"], optimized["phases"][i]["operations"]);
  }
  // Deterministic: the same run again gives the same checksum.
  const ProgramRun again = run_program(kSmall + " --reference");
  EXPECT_EQ(word_after(again.out, "checksum"), reference["checksum"]);
}

TEST_F(HarnessProgram, CountersAreReportedPerPhaseWithTheirStatus) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  const auto file = dir_ / "counted.json";
  const ProgramRun r =
      run_program(kSmall + " --counters=task-clock,page-faults --sim=never --json " + file.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The table has a column per counter, and a status line per counter follows.
  EXPECT_NE(r.out.find("task-clock"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  task-clock: counted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  page-faults: counted"), std::string::npos) << r.out;
  json j = json::parse(slurp(file));
  for (const char* name : {"build", "spreading", "similarity", "decay"}) {
    json* phase = phase_named(j, name);
    ASSERT_NE(phase, nullptr) << name;
    ASSERT_TRUE(phase->contains("counters")) << name;
    ASSERT_EQ((*phase)["counters"]["counters"].size(), 2u) << name;
    json* clock = counter_named(*phase, "task-clock");
    ASSERT_NE(clock, nullptr) << name;
    EXPECT_EQ((*clock)["status"], "counted") << name;
    EXPECT_EQ((*clock)["unit"], "ns");
    ASSERT_TRUE((*clock)["value"].is_number()) << clock->dump();
    EXPECT_GT((*clock)["value"].get<double>(), 0.0) << name;  // every phase ran on a CPU
    json* faults = counter_named(*phase, "page-faults");
    ASSERT_NE(faults, nullptr) << name;
    EXPECT_EQ((*faults)["status"], "counted");
    ASSERT_TRUE((*faults)["value"].is_number()) << faults->dump();
  }
  // The build phase allocates the 600 KiB of embeddings (150 pages of 4 KiB):
  // it faults pages in.
  EXPECT_GT((*counter_named(*phase_named(j, "build"), "page-faults"))["value"].get<double>(), 0.0);
}

TEST_F(HarnessProgram, ACounterThatCannotBeCountedIsMissingNotZero) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  // --sim=never: a cache counter is counted by a hardware PMU or not at all.
  const auto file = dir_ / "never.json";
  const ProgramRun r = run_program(kSmall + " --counters=L1_DCM --sim=never --json " + file.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(slurp(file));
  for (auto& phase : j["phases"]) {
    json* c = counter_named(phase, "L1_DCM");
    ASSERT_NE(c, nullptr) << phase.dump();
    if ((*c)["status"] == "counted" || (*c)["status"] == "multiplexed") {
      EXPECT_TRUE((*c)["value"].is_number()) << c->dump();  // a machine with a PMU
      continue;
    }
    EXPECT_NE((*c)["status"], "simulated") << "--sim=never simulated: " << c->dump();
    EXPECT_TRUE((*c)["value"].is_null()) << c->dump();
    EXPECT_FALSE((*c)["reason"].get<std::string>().empty()) << c->dump();
    EXPECT_NE(r.out.find("n/a"), std::string::npos) << "the table shows n/a, not 0:\n" << r.out;
    EXPECT_NE(r.out.find("  L1_DCM: " + (*c)["status"].get<std::string>() + ": "), std::string::npos) << r.out;
  }
}

// An 8,192-character name aborted the harness inside PAPI ("buffer overflow
// detected"); the same counter twice was accepted without a word.
TEST_F(HarnessProgram, BadCounterListsAreRefusedWithExitTwo) {
  ProgramRun r = run_program(kSmall + " --counters=perf::" + std::string(8192, 'A'));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("longer than the 1023 PAPI and libpfm4 accept"), std::string::npos) << r.err;
  r = run_program(kSmall + " --counters=task-clock,TASK-CLOCK --sim=never");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("counter 'TASK-CLOCK' is listed twice"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("done"), std::string::npos) << "no phase may run on a bad command line:\n" << r.out;
}

TEST_F(HarnessProgram, BadCountersAndSimulationModesExitTwoWithAMessage) {
  ProgramRun r = run_program(kSmall + " --counters=L1_DMC");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown counter 'L1_DMC'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("L1_DCM"), std::string::npos) << "no close match offered: " << r.err;
  r = run_program(kSmall + " --counters=");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--counters"), std::string::npos) << r.err;
  r = run_program(kSmall + " --counters=task-clock --sim=sometimes");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown simulation mode 'sometimes'"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("done"), std::string::npos) << "no phase may run on a bad command line:\n" << r.out;
  r = run_program(kSmall + " --seed minus-one");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("seed"), std::string::npos) << r.err;
}

TEST_F(HarnessProgram, JsonThatCannotBeWrittenFailsAndLeavesNothingBehind) {
  // Into a folder that does not exist: exit 1, the path named.
  const auto missing = dir_ / "no-such-folder" / "out.json";
  ProgramRun r = run_program(kSmall + " --json " + missing.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot write " + missing.string()), std::string::npos) << r.err;
  // Onto a folder: the temporary file is written, the rename fails; the
  // temporary file must not stay behind and the folder is untouched.
  const auto folder = dir_ / "a-folder";
  fs::create_directories(folder);
  r = run_program(kSmall + " --json " + folder.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot write " + folder.string()), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_directory(folder));
  EXPECT_TRUE(fs::is_empty(folder));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos)
        << "left behind: " << entry.path();
  }
}

// ------------------------------------------------------------------ --sim

class HarnessProgramSimulated : public engram::bench_test::ProgramTest {};

TEST_F(HarnessProgramSimulated, SimulatedCountersArriveInTheirPhase) {
  ENGRAM_SKIP_WITHOUT_PERF_EVENTS();
  if (!ENGRAM_VALGRIND_TESTS) GTEST_SKIP() << "callgrind simulation disabled (ENGRAM_VALGRIND_TESTS=OFF, e.g. sanitizers)";
  if (!valgrind_on_path()) ENGRAM_SKIP_WITHOUT_TOOL("valgrind not installed (Debian package valgrind)");
  const auto file = dir_ / "simulated.json";
  const ProgramRun r = run_program(kSmall + " --counters=L1_DCM,TOT_INS,task-clock --sim=only --json " +
                                   file.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("re-running the workload under callgrind"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  L1_DCM: simulated"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  task-clock: counted"), std::string::npos) << r.out;
  json j = json::parse(slurp(file));
  for (const char* name : {"build", "spreading", "similarity", "decay"}) {
    json* phase = phase_named(j, name);
    ASSERT_NE(phase, nullptr) << name;
    for (const char* counter : {"L1_DCM", "TOT_INS"}) {
      json* c = counter_named(*phase, counter);
      ASSERT_NE(c, nullptr) << name << " " << counter;
      EXPECT_EQ((*c)["status"], "simulated") << name << ": " << c->dump();
      ASSERT_TRUE((*c)["value"].is_number()) << name << ": " << c->dump();
      EXPECT_GT((*c)["value"].get<double>(), 0.0) << name << " " << counter;
      // Each phase's counts come from the callgrind region of that phase.
      EXPECT_NE((*c)["reason"].get<std::string>().find(std::string("(region ") + name + ")"), std::string::npos)
          << c->dump();
    }
    // Software events are counted natively, never replaced by simulation.
    EXPECT_EQ((*counter_named(*phase, "task-clock"))["status"], "counted") << name;
  }
  // The similarity phase from the data size: 20 queries each stream all 200
  // embeddings of 768 x 4 B = 3,072 B = 48 lines of 64 B, in blocks of about
  // 256 KiB (85 rows), far larger than the simulated 32 KiB L1D: every line
  // misses once per query, 20 x 200 x 48 = 192,000 misses (198,786 measured).
  // The decay phase's state, 200 x (4 + 8 + 4) B = 3,200 B = 50 lines, fits
  // L1: only first touches miss (copy source and destination, ~100; 130
  // measured). A phase's counts landing in another phase fails both.
  const double similarity = (*counter_named(*phase_named(j, "similarity"), "L1_DCM"))["value"].get<double>();
  EXPECT_GE(similarity, 0.9 * 192'000);
  EXPECT_LE(similarity, 1.25 * 192'000);
  const double decay = (*counter_named(*phase_named(j, "decay"), "L1_DCM"))["value"].get<double>();
  EXPECT_LT(decay, 1'000);
}

// -------------------------------------------------------------- harness_rows

const std::string kHarnessRows = ENGRAM_HARNESS_ROWS;

class HarnessRowsProgram : public engram::bench_test::ProgramTest {
 protected:
  void SetUp() override {
    ProgramTest::SetUp();
    if (kHarnessRows.empty()) GTEST_SKIP() << "harness_rows is not built (ENGRAM_BUILD_ANALYSIS=OFF)";
  }

  // A profiling_harness --json file with the given times.
  fs::path harness_json(const std::string& name, const std::string& implementation, double total_seconds,
                        std::vector<double> phase_seconds, double peak_rss_kib) {
    const char* phase_names[] = {"build", "spreading", "similarity", "decay"};
    json j = {{"schema", "engram-harness"}, {"version", 1}, {"implementation", implementation}, {"total_seconds", total_seconds}, {"peak_rss_kib", peak_rss_kib},
              {"seed", 42}, {"memories", 10000}, {"checksum", "0123456789abcdef"}};
    for (std::size_t i = 0; i < phase_seconds.size(); ++i) {
      j["phases"].push_back({{"name", phase_names[i]}, {"seconds", phase_seconds[i]}, {"operations", 1}});
    }
    const auto file = dir_ / name;
    engram::bench_test::write_text(file, j.dump());
    return file;
  }

  ProgramRun rows(const std::string& arguments) { return run_program(kHarnessRows + " " + arguments); }
};

TEST_F(HarnessRowsProgram, TwoRunsGiveSpeedUpsAndPeakRss) {
  // Run 1: reference 80 s in all, kernel phases 30 + 40 + 8 = 78 s; optimized
  //   10 s, kernel phases 3 + 4 + 1 = 8 s, 40,960 KiB peak.
  //   -> 80 / 10 = 8, 78 / 8 = 9.75, 40,960 / 1024 = 40 MiB.
  // Run 2: reference 90 s, 40 + 40 + 7 = 87 s; optimized 15 s, 5 + 6 + 1 = 12 s,
  //   66,048 KiB. -> 90 / 15 = 6, 87 / 12 = 7.25, 66,048 / 1024 = 64.5 MiB.
  const auto ref1 = harness_json("ref1.json", "reference", 80, {2, 30, 40, 8}, 500'000);
  const auto opt1 = harness_json("opt1.json", "optimized", 10, {2, 3, 4, 1}, 40'960);
  const auto ref2 = harness_json("ref2.json", "reference", 90, {3, 40, 40, 7}, 500'000);
  const auto opt2 = harness_json("opt2.json", "optimized", 15, {3, 5, 6, 1}, 66'048);
  const ProgramRun r = rows("--pair " + ref1.string() + " " + opt1.string() + " --pair " + ref2.string() + " " +
                            opt2.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json out = json::parse(r.out);
  ASSERT_EQ(out["rows"].size(), 3u) << out.dump();
  json& speedup = out["rows"][0];
  EXPECT_NE(speedup["label"].get<std::string>().find("total time"), std::string::npos) << speedup.dump();
  EXPECT_EQ(speedup["values"], json::array({8.0, 6.0}));
  EXPECT_EQ(speedup["bound"], "at_least");
  EXPECT_EQ(speedup["limit"], 8.0);
  json& kernels = out["rows"][1];
  EXPECT_NE(kernels["label"].get<std::string>().find("kernel phases only"), std::string::npos) << kernels.dump();
  EXPECT_EQ(kernels["values"], json::array({9.75, 7.25}));
  EXPECT_EQ(kernels["bound"], "at_least");
  json& rss = out["rows"][2];
  EXPECT_NE(rss["label"].get<std::string>().find("peak RSS"), std::string::npos) << rss.dump();
  EXPECT_EQ(rss["values"], json::array({40.0, 64.5}));
  EXPECT_EQ(rss["bound"], "at_most");
  EXPECT_EQ(rss["limit"], 64.0);
  EXPECT_EQ(rss["unit"], " MiB");
}

TEST_F(HarnessRowsProgram, OutputFileHoldsTheSameRows) {
  const auto ref = harness_json("ref.json", "reference", 80, {2, 30, 40, 8}, 500'000);
  const auto opt = harness_json("opt.json", "optimized", 10, {2, 3, 4, 1}, 40'960);
  const ProgramRun to_stdout = rows("--pair " + ref.string() + " " + opt.string());
  const auto file = dir_ / "rows.json";
  const ProgramRun to_file = rows("--pair " + ref.string() + " " + opt.string() + " -o " + file.string());
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_TRUE(to_file.out.empty()) << to_file.out;
  EXPECT_EQ(slurp(file), to_stdout.out);
}

TEST_F(HarnessRowsProgram, ReadsRealProfilingHarnessRuns) {
  const auto ref = dir_ / "reference.json", opt = dir_ / "optimized.json";
  ASSERT_EQ(run_program(kSmall + " --reference --json " + ref.string()).exit_code, 0);
  ASSERT_EQ(run_program(kSmall + " --json " + opt.string()).exit_code, 0);
  const ProgramRun r = rows("--pair " + ref.string() + " " + opt.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json out = json::parse(r.out);
  json reference = json::parse(slurp(ref)), optimized = json::parse(slurp(opt));
  ASSERT_EQ(out["rows"].size(), 3u);
  // Each row's one value from the two files' own fields.
  EXPECT_DOUBLE_EQ(out["rows"][0]["values"][0].get<double>(),
                   reference["total_seconds"].get<double>() / optimized["total_seconds"].get<double>());
  double ref_kernels = 0, opt_kernels = 0;
  for (std::size_t i = 1; i < 4; ++i) {  // phases 1..3: spreading, similarity, decay
    ref_kernels += reference["phases"][i]["seconds"].get<double>();
    opt_kernels += optimized["phases"][i]["seconds"].get<double>();
  }
  EXPECT_DOUBLE_EQ(out["rows"][1]["values"][0].get<double>(), ref_kernels / opt_kernels);
  EXPECT_DOUBLE_EQ(out["rows"][2]["values"][0].get<double>(), optimized["peak_rss_kib"].get<double>() / 1024.0);
}

TEST_F(HarnessRowsProgram, BadInputExitsTwoAndSaysWhy) {
  const auto ref = harness_json("ref.json", "reference", 80, {2, 30, 40, 8}, 500'000);
  const auto opt = harness_json("opt.json", "optimized", 10, {2, 3, 4, 1}, 40'960);
  const auto expect_rejected = [&](const std::string& arguments, const std::string& message, int exit_code = 2) {
    const ProgramRun r = rows(arguments);
    EXPECT_EQ(r.exit_code, exit_code) << arguments << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << arguments << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << "no rows on bad input: " << r.out;
  };
  expect_rejected("", "at least one --pair");
  expect_rejected("--pair " + ref.string(), "--pair takes two files");
  expect_rejected("--pair " + opt.string() + " " + ref.string(), "expected a reference run, found \"optimized\"");
  expect_rejected("--pair " + ref.string() + " " + (dir_ / "missing.json").string(), "no such file");
  engram::bench_test::write_text(dir_ / "broken.json", "{\"implementation\": ");
  expect_rejected("--pair " + ref.string() + " " + (dir_ / "broken.json").string(), "truncated JSON");
  engram::bench_test::write_text(dir_ / "other.json", "{\"rows\": []}");
  expect_rejected("--pair " + ref.string() + " " + (dir_ / "other.json").string(), "not an engram-harness file");
  engram::bench_test::write_text(dir_ / "newer.json", "{\"schema\": \"engram-harness\", \"version\": 2}");
  expect_rejected("--pair " + ref.string() + " " + (dir_ / "newer.json").string(),
                  "engram-harness version 2; this build reads version 1");
  expect_rejected("--frobnicate", "frobnicate");
  // Times that would make an infinite or negative ratio.
  const auto zero_total = harness_json("zero.json", "optimized", 0, {2, 3, 4, 1}, 40'960);
  expect_rejected("--pair " + ref.string() + " " + zero_total.string(), "/total_seconds: expected a number > 0, found 0");
  const auto negative_rss = harness_json("rss.json", "optimized", 10, {2, 3, 4, 1}, -1);
  expect_rejected("--pair " + ref.string() + " " + negative_rss.string(), "/peak_rss_kib: expected a number > 0, found -1");
  const auto build_only = harness_json("build.json", "optimized", 10, {2, 0, 0, 0}, 40'960);
  expect_rejected("--pair " + ref.string() + " " + build_only.string(), "kernel phases");
  // A negative phase must not hide inside a positive sum (3 - 1 + 4 > 0).
  const auto negative_phase = harness_json("phase.json", "optimized", 10, {2, 3, -1, 4}, 40'960);
  expect_rejected("--pair " + ref.string() + " " + negative_phase.string(),
                  "/phases/2/seconds: expected a number >= 0, found -1");
  // An output that cannot be written is a failure (1), not bad input.
  expect_rejected("--pair " + ref.string() + " " + opt.string() + " -o " + (dir_ / "no" / "rows.json").string(),
                  "rows.json", 1);
}

}  // namespace
