// build/bench/ceilings in --quick mode. Its figures depend on what else the
// machine runs, so only what holds under any load is checked: the file is
// written, the JSON is complete and valid, every figure is positive and
// finite, the sweep's sizes grow, and plateaus are well-formed (known level
// names, in order, not overlapping: what the grouping guarantees whatever the
// bandwidths). Which levels are found and how far apart their bandwidths are
// is judged on synthetic sweeps (test_plateaus.cpp), the JSON itself on
// hand-made measurements (test_ceilings_json.cpp).
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <set>
#include <string>

#include "roofline_test_support.hpp"

namespace {

using namespace engram::roofline_testing;

const std::string kTool = ENGRAM_CEILINGS_TOOL;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

int level_rank(const std::string& level) {
  if (level == "L1") return 0;
  if (level == "L2") return 1;
  if (level == "L3") return 2;
  if (level == "DRAM") return 3;
  return -1;
}

bool positive_finite(const json& value) {
  return value.is_number() && std::isfinite(value.get<double>()) && value.get<double>() > 0;
}

void check_complete_json(const json& doc, const CommandResult& run, const TempDir& dir) {
  EXPECT_EQ(doc["schema"], "engram-ceilings");
  EXPECT_EQ(doc["version"], 1);
  for (const char* key : {"machine", "clock", "peaks", "peak_gflops", "levels", "sweeps", "options", "notes", "timer"}) {
    EXPECT_TRUE(doc.contains(key)) << key;
  }
  for (const char* key : {"cpu_model", "vendor", "cpu_flags", "simd_levels", "compiler", "compile_flags", "date"}) {
    EXPECT_TRUE(doc["machine"].contains(key)) << key;
  }
  EXPECT_FALSE(doc["machine"]["compiler"].get<std::string>().empty());
  EXPECT_EQ(leftover_temporaries(dir.path()), 0);
  // Progress went to stderr, one line per step.
  EXPECT_TRUE(contains(run.output, "ceilings: peak")) << run.output;
  EXPECT_TRUE(contains(run.output, "ceilings: wrote")) << run.output;
}

void check_peaks_and_clock(const json& doc) {
  EXPECT_TRUE(positive_finite(doc["clock"]["ghz"])) << doc["clock"];
  EXPECT_FALSE(doc["clock"]["method"].get<std::string>().empty());
  const json& levels = doc["machine"]["simd_levels"];
  ASSERT_GE(levels.size(), 1u);
  EXPECT_EQ(levels[0], "scalar");
  for (const json& simd : levels) {
    const std::string name = simd;
    ASSERT_TRUE(doc["peak_gflops"].contains(name)) << name;
    EXPECT_TRUE(positive_finite(doc["peak_gflops"][name])) << name;
  }
  for (const json& p : doc["peaks"]) {
    EXPECT_GE(p["chains"].get<int>(), 8);
    EXPECT_EQ(p["flops_per_operation"].get<int>(),
              p["simd"] == "avx512" ? 32 : p["simd"] == "avx2" ? 16 : 2);
  }
}

void check_sweeps(const json& doc) {
  ASSERT_EQ(doc["sweeps"].size(), 4u);
  std::set<std::string> kernels;
  const json& l3_cpuid = doc["levels"]["L3"]["size"]["cpuid"];
  for (const json& s : doc["sweeps"]) {
    SCOPED_TRACE(s["kernel"].dump());
    kernels.insert(s["kernel"].get<std::string>());
    const json& points = s["points"];
    ASSERT_GE(points.size(), 10u);
    EXPECT_LE(points[0]["bytes"].get<double>(), 16 * 1024);
    if (!l3_cpuid.is_null()) {
      EXPECT_GE(points.back()["bytes"].get<double>(), 4 * l3_cpuid.get<double>());
    }
    for (std::size_t i = 0; i < points.size(); ++i) {
      EXPECT_TRUE(positive_finite(points[i]["gbps"])) << points[i];
      if (i > 0) {
        EXPECT_GT(points[i]["bytes"].get<double>(), points[i - 1]["bytes"].get<double>());
      }
    }
    const json& plateaus = s["plateaus"];
    for (std::size_t i = 0; i < plateaus.size(); ++i) {
      EXPECT_GE(level_rank(plateaus[i]["level"]), 0) << plateaus[i]["level"];
      EXPECT_TRUE(positive_finite(plateaus[i]["gbps"])) << plateaus[i];
      EXPECT_LE(plateaus[i]["from_bytes"].get<double>(), plateaus[i]["to_bytes"].get<double>());
      if (i > 0) {
        EXPECT_GT(level_rank(plateaus[i]["level"]), level_rank(plateaus[i - 1]["level"]));
        EXPECT_GT(plateaus[i]["from_bytes"].get<double>(), plateaus[i - 1]["to_bytes"].get<double>());
      }
    }
  }
  EXPECT_EQ(kernels, (std::set<std::string>{"load", "copy", "triad", "gather"}));
}

void check_figure_sources(const json& doc) {
  const json& levels = doc["levels"];
  for (const char* name : {"L1", "L2", "L3"}) {
    const json& size = levels[name]["size"];
    EXPECT_TRUE(positive_finite(size["bytes"])) << name << ": " << size;
    const std::string source = size["source"];
    EXPECT_TRUE(source == "cpuid" || source == "sysconf" || source == "sweep") << name << ": " << source;
  }
  for (const char* name : {"L1", "L2", "L3", "DRAM"}) {
    for (const char* kernel : {"load", "copy", "triad", "gather"}) {
      const json& figure = levels[name]["bandwidth"][kernel];
      if (figure.is_null()) continue;  // no plateau for this level in this sweep
      EXPECT_TRUE(positive_finite(figure["gbps"])) << name << " " << kernel;
      EXPECT_TRUE(contains(figure["source"].get<std::string>(), "sweep")) << figure["source"];
    }
  }
}

// One quick run (a few seconds; ctest runs every test in its own process, so
// the checks share one test rather than one run each).
TEST(CeilingsProgram, QuickRunWritesSaneJson) {
  TempDir dir;
  const CommandResult run =
      run_command(shell_quote(kTool) + " --quick --out " + shell_quote((dir / "ceilings.json").string()));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const json doc = json::parse(read_text(dir / "ceilings.json"));
  {
    SCOPED_TRACE("complete JSON");
    check_complete_json(doc, run, dir);
  }
  {
    SCOPED_TRACE("peaks and clock");
    check_peaks_and_clock(doc);
  }
  {
    SCOPED_TRACE("sweeps");
    check_sweeps(doc);
  }
  {
    SCOPED_TRACE("figure sources");
    check_figure_sources(doc);
  }
}

TEST(CeilingsProgram, HelpAndBadUsage) {
  const CommandResult help = run_command(shell_quote(kTool) + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.output, "--quick"));
  EXPECT_TRUE(contains(help.output, "--out"));
  const char* bad[] = {"--frobnicate", "--points-per-octave 0", "--min-size lots", "--stream-simd neon",
                       "--min-size 1M --max-size 64K", "--repeats 0", "--peak-seconds -1"};
  for (const char* arguments : bad) {
    const CommandResult r = run_command(shell_quote(kTool) + " -q " + arguments);
    EXPECT_EQ(r.exit_code, 2) << arguments << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, "ceilings: error:")) << arguments << "\n" << r.output;
  }
}

// Every numeric option has a range (documented in --help) and is refused at
// once outside it: --peak-seconds 1e308 used to run without end, so each run
// gets 10 s (timeout's 124 fails the test).
TEST(CeilingsProgram, NumericOptionsOutsideTheirRangeExitTwoAtOnce) {
  const CommandResult help = run_command(shell_quote(kTool) + " --help");
  std::string words;  // the help as one line: Boost wraps the descriptions
  for (const char c : help.output) {
    if (!std::isspace(static_cast<unsigned char>(c))) words += c;
    else if (!words.empty() && words.back() != ' ') words += ' ';
  }
  for (const char* range : {"run, 0.001 to 10", "size, 0.0001 to 1", "kept, 1 to 10", "doubling, 1 to 16"}) {
    EXPECT_TRUE(contains(words, range)) << range << "\n" << help.output;
  }
  struct Case {
    const char* arguments;
    const char* message;
  };
  const Case cases[] = {
      {"--peak-seconds 1e308", "--peak-seconds: expected a number in [0.001, 10], found 1e308"},
      {"--peak-seconds nan", "--peak-seconds: expected a number in [0.001, 10], found nan"},
      {"--peak-seconds 10.5", "--peak-seconds: expected a number in [0.001, 10], found 10.5"},
      {"--point-seconds inf", "--point-seconds: expected a number in [0.0001, 1], found inf"},
      {"--repeats -1", "--repeats: expected a whole number in [1, 10], found -1"},
      {"--point-repeats 11", "--point-repeats: expected a whole number in [1, 10], found 11"},
      {"--points-per-octave 2.5", "--points-per-octave: expected a whole number in [1, 16], found 2.5"},
  };
  for (const Case& c : cases) {
    const CommandResult r = run_command("timeout 10 " + shell_quote(kTool) + " -q --quick " + c.arguments);
    EXPECT_EQ(r.exit_code, 2) << c.arguments << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, std::string("ceilings: error: ") + c.message)) << c.arguments << "\n" << r.output;
  }
}

TEST(CeilingsProgram, AnUnwritableOutputFailsCleanly) {
  TempDir dir;
  const std::string target = (dir / "no-such-folder" / "c.json").string();
  const CommandResult r = run_command(shell_quote(kTool) +
                                      " -q --quick --peak-seconds 0.005 --max-size 128K --out " + shell_quote(target));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot write " + target)) << r.output;
}

TEST(CeilingsProgram, WritesToStandardOutputByDefault) {
  // -q: no progress lines, so the captured output is the JSON alone.
  const CommandResult r =
      run_command(shell_quote(kTool) + " -q --quick --peak-seconds 0.005 --min-size 16K --max-size 256K");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json d = json::parse(r.output);
  EXPECT_EQ(d["options"]["sweep_max_bytes"], 256 * 1024);
  EXPECT_EQ(d["sweeps"][0]["points"].back()["bytes"], 256 * 1024);
}

// Ordinary pages unless asked: the DRAM roof is then what the kernels' own
// arrays get; the JSON says which was measured.
TEST(CeilingsProgram, RecordsThePagesTheSweepUsed) {
  const std::string quick = shell_quote(kTool) + " -q --quick --peak-seconds 0.005 --min-size 16K --max-size 256K";
  const CommandResult ordinary = run_command(quick);
  ASSERT_EQ(ordinary.exit_code, 0) << ordinary.output;
  EXPECT_EQ(json::parse(ordinary.output)["options"]["pages"], "ordinary 4 KiB pages");
  const CommandResult huge = run_command(quick + " --huge-pages");
  ASSERT_EQ(huge.exit_code, 0) << huge.output;
  EXPECT_EQ(json::parse(huge.output)["options"]["pages"], "transparent huge pages (madvise)");
}

}  // namespace
