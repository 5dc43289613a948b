// The ceilings JSON (engram::ceilings::to_json) from hand-made measurements,
// and its round trip through the one reader (ceilings_from_json) and the
// roofline's view of it: what the program writes is what its readers read.
// No measurement runs.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engram/ceilings.hpp"
#include "engram/roofline/roofline.hpp"
#include "roofline_test_support.hpp"

namespace {

using namespace engram::ceilings;
using engram::roofline_testing::json;

constexpr std::uint64_t KiB = 1024, MiB = 1024 * 1024;

Plateau plateau(Level level, std::size_t first, std::size_t last, const std::vector<SweepPoint>& points,
                double gbps) {
  Plateau p;
  p.level = level;
  p.first = first;
  p.last = last;
  p.first_bytes = points[first].bytes;
  p.last_bytes = points[last].bytes;
  p.gbps = gbps;
  p.max_gbps = gbps + 10;  // the best point: kept apart from the median
  return p;
}

// Two sweeps of two points per level. Load: L1 230.1234 GB/s (to 32 KiB),
// L2 116 (64 KiB to 1 MiB), L3 97 (2 to 16 MiB), DRAM 30 (64 to 256 MiB).
// Copy: no L3 plateau (its 2 and 16 MiB points are a transition).
Ceilings synthetic_measurements() {
  Ceilings c;
  PeakResult scalar;
  scalar.simd = Simd::kScalar;
  scalar.instruction = "vfmadd231ss";
  scalar.chains = 12;
  scalar.flops_per_operation = 2;
  scalar.gflops = 10.0;
  scalar.runs_gflops = {9.5, 10.0};
  scalar.seconds_per_run = 0.05;
  PeakResult avx2 = scalar;
  avx2.simd = Simd::kAvx2;
  avx2.instruction = "vfmadd231ps ymm";
  avx2.flops_per_operation = 16;
  avx2.gflops = 80.0;
  avx2.runs_gflops = {80.0, 79.0};
  c.peaks = {scalar, avx2};
  c.clock = {3.0, "chain of dependent adds", {2.9, 3.0}};

  Sweep load;
  load.kernel = "load";
  load.simd = "avx2";
  load.bytes_counted = "bytes read";
  load.points = {{16 * KiB, 230.1234}, {32 * KiB, 230.1234}, {64 * KiB, 116},  {1 * MiB, 116},
                 {2 * MiB, 97},         {16 * MiB, 97},        {64 * MiB, 30},   {256 * MiB, 30}};
  load.plateaus = {plateau(Level::kL1, 0, 1, load.points, 230.1234), plateau(Level::kL2, 2, 3, load.points, 116),
                   plateau(Level::kL3, 4, 5, load.points, 97), plateau(Level::kDram, 6, 7, load.points, 30)};
  Sweep copy = load;
  copy.kernel = "copy";
  copy.bytes_counted = "bytes read and written";
  copy.points = {{16 * KiB, 200}, {32 * KiB, 200}, {64 * KiB, 100}, {1 * MiB, 100},
                 {2 * MiB, 70},   {16 * MiB, 40},  {64 * MiB, 25},  {256 * MiB, 25}};
  copy.plateaus = {plateau(Level::kL1, 0, 1, copy.points, 200), plateau(Level::kL2, 2, 3, copy.points, 100),
                   plateau(Level::kDram, 6, 7, copy.points, 25)};
  c.sweeps = {load, copy};
  c.stream_probes = {{"scalar", 120}, {"avx2", 230.1234}};

  auto finding = [](Level level, std::uint64_t cpuid, std::uint64_t sysconf, std::optional<SweepBracket> sweep,
                    bool checked, std::string note) {
    CacheSizeFinding f;
    f.level = level;
    f.cpuid = cpuid;
    f.sysconf = sysconf;
    f.sweep = sweep;
    f.chosen = {cpuid, "cpuid"};
    f.checked = checked;
    f.note = std::move(note);
    return f;
  };
  const CacheSizeFinding l1 =
      finding(Level::kL1, 32 * KiB, 32 * KiB, SweepBracket{32 * KiB, 64 * KiB, 45 * KiB}, true, "");
  const CacheSizeFinding l2 = finding(Level::kL2, 1 * MiB, 1 * MiB, SweepBracket{1 * MiB, 2 * MiB, 0}, true, "");
  const CacheSizeFinding l3 = finding(Level::kL3, 32 * MiB, 320 * MiB, std::nullopt, false, "sysconf says 320 MiB");
  c.cache_sizes = {l1, l2, l3};
  c.options.peak_seconds = 0.05;
  c.options.sweep_max_bytes = 256 * MiB;
  c.seconds = 4.256;
  return c;
}

MachineInfo synthetic_machine() {
  MachineInfo m;
  m.cpu_model = "Synthetic CPU";
  m.vendor = "AuthenticAMD";
  m.family = 25;
  m.model = 1;
  m.cpu_flags = {"avx2", "fma"};
  m.logical_cpus = 2;
  m.compiler = "GCC 12.2.0";
  m.compile_flags = "-O2";
  m.date = "2026-01-01T00:00:00Z";
  m.load_average_before = {0.5, 0.25, 0.125};
  return m;
}

TEST(CeilingsJson, WritesEveryFigureWithItsSource) {
  const json doc = json::parse(to_json(synthetic_measurements(), synthetic_machine()));
  EXPECT_EQ(doc["schema"], "engram-ceilings");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["machine"]["cpu_model"], "Synthetic CPU");
  EXPECT_EQ(doc["machine"]["family"], 25);
  EXPECT_EQ(doc["machine"]["simd_levels"], json::array({"scalar", "avx2"}));  // from the peaks, in order
  EXPECT_EQ(doc["machine"]["load_average_before"], json::array({0.5, 0.25, 0.125}));

  EXPECT_EQ(doc["peak_gflops"], (json{{"scalar", 10.0}, {"avx2", 80.0}}));
  ASSERT_EQ(doc["peaks"].size(), 2u);
  // FLOP per cycle = GFLOP/s / GHz, two decimals: 10 / 3 = 3.33, 80 / 3 = 26.67.
  EXPECT_DOUBLE_EQ(doc["peaks"][0]["flops_per_cycle"].get<double>(), 3.33);
  EXPECT_DOUBLE_EQ(doc["peaks"][1]["flops_per_cycle"].get<double>(), 26.67);
  EXPECT_EQ(doc["peaks"][1]["flops_per_operation"], 16);
  EXPECT_EQ(doc["peaks"][1]["runs_gflops"], json::array({80.0, 79.0}));
  EXPECT_EQ(doc["clock"]["ghz"], 3.0);
  EXPECT_EQ(doc["clock"]["method"], "chain of dependent adds");

  // Sizes: the chosen figure, its source and every source's figure.
  const json& l3_size = doc["levels"]["L3"]["size"];
  EXPECT_EQ(l3_size["bytes"], 32 * MiB);
  EXPECT_EQ(l3_size["source"], "cpuid");
  EXPECT_EQ(l3_size["checked_against_sweep"], false);
  EXPECT_EQ(l3_size["sysconf"], 320 * MiB);
  EXPECT_TRUE(l3_size["sweep_low"].is_null());
  EXPECT_EQ(l3_size["note"], "sysconf says 320 MiB");
  EXPECT_EQ(doc["levels"]["L1"]["size"]["sweep_estimate"], 45 * KiB);
  EXPECT_TRUE(doc["levels"]["L2"]["size"]["sweep_estimate"].is_null());  // 0: no estimate
  EXPECT_TRUE(doc["levels"]["DRAM"]["size"]["bytes"].is_null());

  // Bandwidths: the plateau per kernel, rounded to 3 decimals (230.1234 -> 230.123).
  const json& l1_load = doc["levels"]["L1"]["bandwidth"]["load"];
  EXPECT_DOUBLE_EQ(l1_load["gbps"].get<double>(), 230.123);
  EXPECT_DOUBLE_EQ(l1_load["max_gbps"].get<double>(), 240.123);
  EXPECT_EQ(l1_load["from_bytes"], 16 * KiB);
  EXPECT_EQ(l1_load["to_bytes"], 32 * KiB);
  EXPECT_EQ(l1_load["points"], 2);
  EXPECT_FALSE(l1_load.contains("level"));
  EXPECT_EQ(l1_load["source"], "sweep: median of the 2 points of the load plateau (16 KiB to 32 KiB)");
  EXPECT_EQ(doc["levels"]["DRAM"]["bandwidth"]["copy"]["gbps"], 25.0);
  EXPECT_TRUE(doc["levels"]["L3"]["bandwidth"]["copy"].is_null());

  // The raw sweeps: each point labelled with its plateau's level, or null.
  ASSERT_EQ(doc["sweeps"].size(), 2u);
  const json& copy_points = doc["sweeps"][1]["points"];
  ASSERT_EQ(copy_points.size(), 8u);
  EXPECT_EQ(copy_points[0]["level"], "L1");
  EXPECT_TRUE(copy_points[4]["level"].is_null());
  EXPECT_EQ(copy_points[7]["level"], "DRAM");
  EXPECT_EQ(doc["sweeps"][1]["plateaus"][2]["first_index"], 6);

  EXPECT_EQ(doc["options"]["pages"], "ordinary 4 KiB pages");
  EXPECT_EQ(doc["options"]["sweep_max_bytes"], 256 * MiB);
  EXPECT_DOUBLE_EQ(doc["seconds"].get<double>(), 4.26);
  EXPECT_EQ(doc["stream_probes"][1], (json{{"simd", "avx2"}, {"gbps", 230.123}}));
  // One note per size disagreement and per missing plateau.
  EXPECT_EQ(doc["notes"], json::array({"L3 size: sysconf says 320 MiB", "the copy sweep shows no L3 plateau"}));
}

TEST(CeilingsJson, AnUnmeasuredClockIsNull) {
  Ceilings c = synthetic_measurements();
  c.clock = {};
  const json doc = json::parse(to_json(c, synthetic_machine()));
  EXPECT_TRUE(doc["clock"]["ghz"].is_null());
  EXPECT_TRUE(doc["peaks"][0]["flops_per_cycle"].is_null());
}

TEST(CeilingsJson, RoundTripsThroughTheRooflineReader) {
  const std::string text = to_json(synthetic_measurements(), synthetic_machine());
  const engram::roofline::MachineCeilings load = engram::roofline::parse_ceilings_json(text, "ceilings.json", "load");
  EXPECT_EQ(load.cpu_model, "Synthetic CPU");
  EXPECT_EQ(load.date, "2026-01-01T00:00:00Z");
  EXPECT_DOUBLE_EQ(load.clock_ghz, 3.0);
  EXPECT_EQ(load.peak_gflops, (std::map<std::string, double>{{"scalar", 10.0}, {"avx2", 80.0}}));
  EXPECT_DOUBLE_EQ(load.best_peak_gflops(), 80.0);
  ASSERT_EQ(load.levels.size(), 4u);
  const char* names[] = {"L1", "L2", "L3", "DRAM"};
  const double gbps[] = {230.123, 116, 97, 30};
  const std::uint64_t plateau_to[] = {32 * KiB, 1 * MiB, 16 * MiB, 256 * MiB};
  const std::uint64_t sizes[] = {32 * KiB, 1 * MiB, 32 * MiB};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(names[i]);
    EXPECT_EQ(load.levels[i].level, names[i]);
    ASSERT_TRUE(load.levels[i].stream.has_value());
    EXPECT_DOUBLE_EQ(load.levels[i].stream->gbps, gbps[i]);
    EXPECT_EQ(load.levels[i].stream->to_bytes, plateau_to[i]);
    if (i < 3) {
      EXPECT_EQ(load.levels[i].size, sizes[i]);
      EXPECT_EQ(load.levels[i].size_source, "cpuid");
    } else {
      EXPECT_FALSE(load.levels[i].size.has_value());
    }
  }
  // The copy sweep has no L3 plateau: the reader says so rather than inventing one.
  const auto copy = engram::roofline::parse_ceilings_json(text, "ceilings.json", "copy");
  EXPECT_EQ(copy.bandwidth_kernel, "copy");
  EXPECT_FALSE(copy.levels[2].stream.has_value());
  EXPECT_DOUBLE_EQ(copy.levels[3].stream->gbps, 25.0);
  EXPECT_EQ(copy.stream_sweep.size(), 8u);
  EXPECT_TRUE(load.gather_sweep.empty());  // these measurements have no gather sweep
}

TEST(CeilingsJson, TheOneReaderReadsBackWhatTheWriterWrote) {
  const std::string text = to_json(synthetic_measurements(), synthetic_machine());
  const CeilingsFile f = ceilings_from_json(engram::io::parse_json_text(text, "ceilings.json"));
  EXPECT_EQ(f.source, "ceilings.json");
  EXPECT_EQ(f.cpu_model, "Synthetic CPU");
  EXPECT_EQ(f.vendor, "AuthenticAMD");
  EXPECT_EQ(f.compiler, "GCC 12.2.0");
  EXPECT_EQ(f.compile_flags, "-O2");
  EXPECT_EQ(f.simd_levels, (std::vector<std::string>{"scalar", "avx2"}));
  EXPECT_DOUBLE_EQ(*f.clock_ghz, 3.0);
  EXPECT_EQ(f.peak_gflops, (std::map<std::string, double>{{"scalar", 10.0}, {"avx2", 80.0}}));
  ASSERT_EQ(f.levels.size(), 4u);
  EXPECT_EQ(*f.levels[2].size.bytes, 32 * MiB);
  EXPECT_EQ(*f.levels[2].size.sysconf, 320 * MiB);
  EXPECT_EQ(f.levels[2].size.note, "sysconf says 320 MiB");
  EXPECT_EQ(f.levels[2].figure("copy"), nullptr);  // no L3 plateau in the copy sweep
  ASSERT_NE(f.levels[0].figure("load"), nullptr);
  EXPECT_DOUBLE_EQ(f.levels[0].figure("load")->gbps, 230.123);
  EXPECT_DOUBLE_EQ(f.levels[0].figure("load")->max_gbps, 240.123);
  EXPECT_EQ(f.levels[0].figure("load")->points, 2u);
  ASSERT_EQ(f.sweeps.size(), 2u);
  EXPECT_EQ(f.sweeps[1].kernel, "copy");
  EXPECT_EQ(f.sweeps[1].points.size(), 8u);
  EXPECT_EQ(f.notes.size(), 2u);
}

// Hostile numbers in the ceilings file are refused at their pointer before any
// cast (llround(1e300) and a size_t cast of -1 were undefined behaviour).
TEST(CeilingsJson, HostileNumbersAreRefusedAtTheirPointer) {
  const json good = json::parse(to_json(synthetic_measurements(), synthetic_machine()));
  const auto error_of = [](const json& j) -> std::string {
    try {
      ceilings_from_json(engram::io::parse_json_text(j.dump(), "ceilings.json"));
    } catch (const engram::io::InputError& e) {
      return e.what();
    }
    return "(no error)";
  };
  json j = good;
  j["levels"]["L1"]["size"]["bytes"] = 1e300;
  EXPECT_EQ(error_of(j), "ceilings.json: /levels/L1/size/bytes: expected a whole number in [1, 9007199254740992], "
                         "found 1e+300");
  j = good;
  j["levels"]["L1"]["bandwidth"]["load"]["points"] = -1;
  EXPECT_EQ(error_of(j), "ceilings.json: /levels/L1/bandwidth/load/points: expected a whole number in "
                         "[0, 9007199254740992], found -1");
  j = good;
  j["levels"]["L1"]["bandwidth"]["load"]["from_bytes"] = 0.5;
  EXPECT_EQ(error_of(j), "ceilings.json: /levels/L1/bandwidth/load/from_bytes: expected a whole number in "
                         "[1, 9007199254740992], found 0.5");
  // Clock rates out of 1 MHz .. 100 GHz, and bandwidths or peaks that are not > 0.
  j = good;
  j["clock"]["ghz"] = -3.5;
  EXPECT_EQ(error_of(j), "ceilings.json: /clock/ghz: expected a clock rate in [0.001, 100] GHz, found -3.5");
  j = good;
  j["clock"]["ghz"] = 1e6;
  EXPECT_NE(error_of(j).find("/clock/ghz: expected a clock rate"), std::string::npos) << error_of(j);
  j = good;
  j["machine"]["cpuinfo_mhz"] = -2600;
  EXPECT_EQ(error_of(j), "ceilings.json: /machine/cpuinfo_mhz: expected a clock rate in [1, 100000] MHz, found -2600");
  j = good;
  j["machine"]["cpuinfo_mhz"] = 0;  // what the writer writes when /proc/cpuinfo has no "cpu MHz"
  EXPECT_FALSE(ceilings_from_json(engram::io::parse_json_text(j.dump(), "c.json")).cpuinfo_mhz.has_value());
  j = good;
  j["peak_gflops"]["scalar"] = -1;
  EXPECT_EQ(error_of(j), "ceilings.json: /peak_gflops/scalar: expected a number > 0, found -1");
}

}  // namespace
