// The roofline figures on synthetic ceilings and benchmarks, with the
// numbers worked out by hand: the work comes from the workload manifest, the
// bandwidth from the sweep at the working set.
#include <gtest/gtest.h>

#include <cmath>

#include "engram/io/errors.hpp"
#include "engram/roofline/roofline.hpp"
#include "roofline_test_support.hpp"

namespace {

using namespace engram::roofline;
using namespace engram::benchstats;
using engram::io::InputError;
using namespace engram::roofline_testing;

MachineCeilings ceilings(const json& c = synthetic_ceilings(), const std::string& kernel = "load") {
  return parse_ceilings_json(c.dump(), "synthetic-ceilings.json", kernel);
}

RooflineResult analyse_file(const json& bench, const RooflineOptions& options = {}) {
  return compute_roofline(ceilings(), parse_benchmark_json(bench.dump(), "synthetic-bench.json"), options);
}

RooflineResult analyse(const std::vector<Work>& work, const std::vector<double>& cpu_us,
                       const RooflineOptions& options = {}, const std::string& simd = "avx512") {
  return analyse_file(work_file(work, cpu_us, simd), options);
}

const RooflinePoint& only(const RooflineResult& r) {
  EXPECT_EQ(r.points.size(), 1u);
  return r.points.at(0);
}

const LevelRoof& roof(const RooflinePoint& p, const std::string& level) {
  for (const LevelRoof& r : p.roofs) {
    if (r.level == level) return r;
  }
  throw std::runtime_error("no roof " + level);
}

TEST(RooflineMath, MemoryBoundAtL3) {
  // 2e6 FLOPs and 4e6 bytes (3.8 MiB) per 100 us iteration: I = 0.5,
  // 20 GFLOP/s, 40 GB/s. The working set lies in the L3 plateau, where the
  // sweep measured 50 GB/s: roof min(160, 0.5 x 50) = 25, so 80% of it.
  const RooflinePoint p = only(analyse({{"k/optimized", 2e6, 4e6}}, {100}));
  EXPECT_EQ(p.kernel, "k");
  EXPECT_EQ(p.variant, "optimized");
  EXPECT_EQ(p.access, "stream");
  EXPECT_NEAR(p.flops_per_iteration, 2e6, 1e-3);
  EXPECT_NEAR(p.bytes_per_iteration, 4e6, 1e-3);
  EXPECT_NEAR(p.intensity, 0.5, 1e-12);
  EXPECT_NEAR(p.gflops, 20, 1e-9);
  EXPECT_NEAR(p.gbps, 40, 1e-9);
  EXPECT_EQ(p.peak_simd, "avx512");
  EXPECT_DOUBLE_EQ(p.peak_gflops, 160);
  EXPECT_EQ(p.level, "L3");
  EXPECT_NEAR(p.bandwidth_gbps, 50, 1e-9);
  EXPECT_NEAR(p.attainable_gflops, 25, 1e-9);
  EXPECT_NEAR(p.fraction_of_roof, 0.8, 1e-9);
  EXPECT_EQ(p.bound, "L3 bandwidth (load)");
  EXPECT_TRUE(p.note.empty());
  // Every level's roof at I = 0.5.
  ASSERT_EQ(p.roofs.size(), 4u);
  EXPECT_NEAR(roof(p, "L1").roof_gflops, 100, 1e-9);
  EXPECT_NEAR(roof(p, "L2").roof_gflops, 50, 1e-9);
  EXPECT_NEAR(roof(p, "L3").roof_gflops, 25, 1e-9);
  EXPECT_NEAR(roof(p, "DRAM").roof_gflops, 10, 1e-9);
  EXPECT_TRUE(roof(p, "L1").memory_bound);
}

TEST(RooflineMath, ComputeBoundAtHighIntensity) {
  // I = 100 FLOP/byte in L2: min(160, 100 x 100) = 160, the peak bounds it.
  const RooflinePoint p = only(analyse({{"dense/optimized", 1e7, 1e5}}, {100}));
  EXPECT_EQ(p.level, "L2");
  EXPECT_NEAR(p.attainable_gflops, 160, 1e-9);
  EXPECT_EQ(p.bound, "compute (avx512 peak)");
  EXPECT_FALSE(roof(p, "DRAM").memory_bound);  // 100 x 20 = 2000 > 160
  EXPECT_NEAR(p.fraction_of_roof, 100.0 / 160.0, 1e-9);
}

TEST(RooflineMath, ReferenceVariantsMeetTheScalarPeak) {
  const auto r = analyse({{"dense/reference", 1e7, 1e5}, {"dense/optimized", 1e7, 1e5}}, {1000, 100});
  ASSERT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.points[0].peak_simd, "scalar");
  EXPECT_NEAR(r.points[0].attainable_gflops, 10, 1e-9);
  EXPECT_EQ(r.points[1].peak_simd, "avx512");
  RooflineOptions avx2;
  avx2.peak_simd = "avx2";
  EXPECT_EQ(analyse({{"dense/reference", 1e7, 1e5}}, {1000}, avx2).points[0].peak_simd, "avx2");
  avx2.peak_simd = "avx1024";
  EXPECT_THROW(analyse({{"dense/reference", 1e7, 1e5}}, {1000}, avx2), std::invalid_argument);
}

TEST(RooflineMath, BaselineRunsMeetTheScalarPeakAndUnknownLevelsTheBest) {
  EXPECT_EQ(only(analyse({{"k/optimized", 2e6, 4e6}}, {100}, {}, "baseline")).peak_simd, "scalar");
  EXPECT_EQ(only(analyse({{"k/optimized", 2e6, 4e6}}, {100}, {}, "neon")).peak_simd, "avx512");
}

TEST(RooflineMath, TheManifestsWorkingSetAndPassesAreUsedAsGiven) {
  // 4.8 MB per iteration in 100 passes over a 48 kB working set: the
  // manifest says so; nothing is derived from the name or the bytes.
  const RooflinePoint p =
      only(analyse({{"spreading_activation_1000/optimized", 1e6, 4.8e6, 48e3, "gather", 100}}, {200}));
  EXPECT_DOUBLE_EQ(p.passes, 100);
  EXPECT_DOUBLE_EQ(p.working_set_bytes, 48e3);
  EXPECT_EQ(p.access, "gather");
  const RooflinePoint q = only(analyse({{"some_kernel/optimized", 1e6, 4.8e6, 3e6}}, {200}));
  EXPECT_DOUBLE_EQ(q.passes, 1);
  EXPECT_DOUBLE_EQ(q.working_set_bytes, 3e6);
  EXPECT_EQ(q.level, "L3");
}

TEST(RooflineMath, AWorkingSetBetweenTwoPlateausGetsWhatTheSweepMeasuredThere) {
  // 12 MiB: past the L3 plateau (to 8 MiB), before DRAM's (from 64 MiB). The
  // sweep measured 50 GB/s at 8 MiB and 40 at 16 MiB; in log size 12 MiB is
  // log2(1.5) of the way: 50 x 0.8^log2(1.5) = 43.88 GB/s -- not DRAM's 20.
  const double ws = 12.0 * 1048576;
  const RooflinePoint p = only(analyse({{"k/optimized", 2e6, 4e6, ws}}, {100}));
  const double expected = 50 * std::pow(0.8, std::log2(1.5));
  EXPECT_NEAR(p.bandwidth_gbps, expected, 1e-9);
  EXPECT_NEAR(p.attainable_gflops, 0.5 * expected, 1e-9);
  EXPECT_EQ(p.level, "L3..DRAM");
  EXPECT_EQ(p.bound, "L3..DRAM bandwidth (load)");
  EXPECT_NE(p.level_rule.find("between its points at 8 MiB (50 GB/s) and 16 MiB (40 GB/s)"), std::string::npos)
      << p.level_rule;
  // On a sweep point exactly, that point's figure.
  EXPECT_NEAR(only(analyse({{"k/optimized", 2e6, 4e6, 32.0 * 1048576}}, {100})).bandwidth_gbps, 25, 1e-9);
  // Below the first point and beyond the last: those points' figures.
  EXPECT_NEAR(only(analyse({{"k/optimized", 2e6, 4e6, 1000}}, {100})).bandwidth_gbps, 200, 1e-9);
  EXPECT_EQ(only(analyse({{"k/optimized", 2e6, 4e6, 1000}}, {100})).level, "L1");
  EXPECT_NEAR(only(analyse({{"k/optimized", 2e6, 4e6, 1e12}}, {100})).bandwidth_gbps, 20, 1e-9);
  EXPECT_EQ(only(analyse({{"k/optimized", 2e6, 4e6, 1e12}}, {100})).level, "DRAM");
}

TEST(RooflineMath, InsideAPlateauTheFasterOfItsMedianAndTheSweepReadThere) {
  json c = synthetic_ceilings();
  c["sweeps"][0]["points"][7]["gbps"] = 30;        // one slow load point at 2 MiB, inside L3 (median 50)
  c["levels"]["L2"]["bandwidth"]["gather"]["gbps"] = 15;  // a sloping gather plateau: median below its points
  const MachineCeilings m = parse_ceilings_json(c.dump(), "c.json");
  const MeasuredBandwidth dip = bandwidth_at(m.stream_sweep, m.levels, false, 3.0 * 1048576);
  EXPECT_NEAR(dip.gbps, 50, 1e-9);  // not the 30..50 reading around the slow point
  EXPECT_NE(dip.rule.find("inside the L3 plateau"), std::string::npos) << dip.rule;
  const MeasuredBandwidth slope = bandwidth_at(m.gather_sweep, m.levels, true, 200e3);
  EXPECT_NEAR(slope.gbps, 20, 1e-9);  // the sweep read at 200 kB, not the median 15
  EXPECT_EQ(slope.level, "L2");
}

TEST(RooflineMath, BandwidthAtInterpolatesInLogSizeAndLogBandwidth) {
  const MachineCeilings c = ceilings();
  // Half-way in log size between 16 MiB (40) and 32 MiB (25): sqrt(40 x 25).
  const MeasuredBandwidth b = bandwidth_at(c.stream_sweep, c.levels, false, std::sqrt(16.0 * 32.0) * 1048576);
  EXPECT_NEAR(b.gbps, std::sqrt(40.0 * 25), 1e-9);
  EXPECT_EQ(b.level, "L3..DRAM");
  EXPECT_THROW(bandwidth_at({}, c.levels, false, 1e6), std::invalid_argument);
}

TEST(RooflineMath, AGatherKernelMeetsTheGatherCeiling) {
  // I = 0.2 with a 48 KiB... here 200 KiB working set: in the gather sweep's
  // L2 plateau, 20 GB/s, roof 0.2 x 20 = 4 GFLOP/s (the load sweep would say
  // 100 GB/s, 20 GFLOP/s).
  const RooflinePoint p = only(analyse({{"spread/optimized", 1e6, 5e6, 200e3, "gather", 100}}, {500}));
  EXPECT_NEAR(p.bandwidth_gbps, 20, 1e-9);
  EXPECT_NEAR(p.attainable_gflops, 4, 1e-9);
  EXPECT_NEAR(p.fraction_of_roof, 2.0 / 4.0, 1e-9);
  EXPECT_EQ(p.bound, "L2 bandwidth (gather)");
  EXPECT_NEAR(roof(p, "L1").gbps, 40, 1e-9);  // the roofs drawn are the gather ones
  EXPECT_NEAR(roof(p, "DRAM").gbps, 1, 1e-9);
  // Between the gather plateaus: 16 MiB sits on a gather point, 5 GB/s.
  EXPECT_NEAR(only(analyse({{"spread/optimized", 1e6, 5e6, 16.0 * 1048576, "gather"}}, {500})).bandwidth_gbps, 5,
              1e-9);
  // Ceilings without a gather sweep: the streaming roof, and the rule says it is optimistic.
  json c = synthetic_ceilings();
  c["sweeps"].erase(3);
  for (auto& [name, level] : c["levels"].items()) level["bandwidth"].erase("gather");
  const RooflineResult r = compute_roofline(
      parse_ceilings_json(c.dump(), "c.json"),
      parse_benchmark_json(work_file({{"spread/optimized", 1e6, 5e6, 200e3, "gather"}}, {500}).dump(), "b.json"));
  EXPECT_NEAR(only(r).bandwidth_gbps, 100, 1e-9);
  EXPECT_NE(only(r).level_rule.find("no gather sweep"), std::string::npos) << only(r).level_rule;
}

TEST(RooflineMath, MediansOverRepetitionsAndTheTimeMeasure) {
  // CPU times 100, 300, 200 us: median 200 us; real time twice the CPU time
  // (a loaded machine).
  json entries = json::array();
  const double cpu[] = {100, 300, 200};
  for (int i = 0; i < 3; ++i) entries.push_back(benchmark_entry("k/optimized", cpu[i], 2 * cpu[i], i));
  const json file = benchmark_file(entries, manifest_json({{"k/optimized", 2e6, 4e6}}));
  const auto by_cpu = analyse_file(file);
  EXPECT_EQ(only(by_cpu).repetitions, 3u);
  EXPECT_NEAR(only(by_cpu).seconds_per_iteration, 200e-6, 1e-15);
  EXPECT_NEAR(only(by_cpu).gflops, 10, 1e-9);
  RooflineOptions real;
  real.time = TimeMeasure::real;
  EXPECT_NEAR(only(analyse_file(file, real)).gflops, 5, 1e-9);
}

TEST(RooflineMath, ABenchmarkAboveItsRoofIsExplained) {
  // 80 GFLOP/s at I = 0.5 in L3, where the roof is 25.
  const auto r = analyse({{"k/optimized", 8e6, 16e6, 4e6}}, {100});
  EXPECT_GT(only(r).fraction_of_roof, 1.0);
  EXPECT_NE(only(r).note.find("of its roof"), std::string::npos);
}

TEST(RooflineMath, BenchmarksWithoutAManifestEntryAreLeftOutWithTheReason) {
  json failed = benchmark_entry("k/broken", 1, 1);
  failed["error_occurred"] = true;
  failed["error_message"] = "answer mismatch";
  const json entries = json::array(
      {benchmark_entry("BM_memcpy/64", 1, 1), failed, benchmark_entry("k/nobytes", 100, 100),
       benchmark_entry("k/optimized", 100, 100)});
  const json manifest = manifest_json({{"k/broken", 1, 1}, {"k/nobytes", 1e6, 0}, {"k/optimized", 2e6, 4e6}});
  const auto r = analyse_file(benchmark_file(entries, manifest));
  EXPECT_EQ(r.points.size(), 1u);
  ASSERT_EQ(r.skipped.size(), 3u);
  EXPECT_NE(r.skipped[0].find("BM_memcpy/64: no entry in the workload manifest"), std::string::npos) << r.skipped[0];
  EXPECT_NE(r.skipped[1].find("answer mismatch"), std::string::npos) << r.skipped[1];
  EXPECT_NE(r.skipped[2].find("k/nobytes: the workload manifest gives 1000000 FLOPs and 0 bytes"), std::string::npos)
      << r.skipped[2];
}

TEST(RooflineMath, AFileWithoutAManifestIsAnErrorNamingIt) {
  try {
    analyse_file(benchmark_file(json::array({benchmark_entry("k/optimized", 100, 100)}), json()));
    FAIL() << "a file without a manifest was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("synthetic-bench.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no \"engram.workload\" manifest"), std::string::npos) << e.what();
  }
  json newer = manifest_json({{"k/optimized", 2e6, 4e6}});
  newer["version"] = 2;
  EXPECT_THROW(analyse_file(benchmark_file(json::array({benchmark_entry("k/optimized", 100, 100)}), newer)),
               InputError);
}

TEST(RooflineMath, ZeroTimeIsAnErrorNamingTheBenchmarkFile) {
  RooflineOptions real;
  real.time = TimeMeasure::real;
  try {
    analyse_file(benchmark_file(json::array({benchmark_entry("k/optimized", 100, 0)}),
                                manifest_json({{"k/optimized", 2e6, 4e6}})),
                 real);
    FAIL() << "a zero time was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("synthetic-bench.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("k/optimized"), std::string::npos) << e.what();
  }
}

TEST(RooflineMath, OtherBandwidthSweepsGiveOtherRoofs) {
  const auto c = ceilings(synthetic_ceilings(), "triad");
  EXPECT_EQ(c.bandwidth_kernel, "triad");
  EXPECT_NEAR(c.levels[2].stream->gbps, 47.5, 1e-9);
  EXPECT_NEAR(c.stream_sweep[6].gbps, 47.5, 1e-9);
  EXPECT_NEAR(c.levels[2].gather->gbps, 10, 1e-9);
  EXPECT_THROW(ceilings(synthetic_ceilings(), "scale"), std::invalid_argument);
}

TEST(RooflineReport, MarkdownAndJsonCarryEveryFigure) {
  const auto r = analyse({{"k/optimized", 2e6, 4e6}, {"k/reference", 2e6, 4e6}}, {100, 1000});
  const std::string md = roofline_markdown(r);
  EXPECT_NE(md.find("| k/optimized | stream | 2000000 | 4000000 | 3.81 MiB | L3 | 0.5 | 20 | 40 | 50 | avx512 | 25 | "
                    "80.0% | L3 bandwidth (load) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("scalar 10.0, avx2 80.0, avx512 160.0 GFLOP/s"), std::string::npos) << md;
  EXPECT_NE(md.find("gather bandwidth L1 40.0 GB/s, L2 20.0 GB/s, L3 10.0 GB/s, DRAM 1.0 GB/s"), std::string::npos)
      << md;
  EXPECT_NE(md.find("L1 0.80, L2 1.60, L3 3.20, DRAM 8.00 FLOP/byte"), std::string::npos) << md;

  const json j = json::parse(roofline_json(r));
  EXPECT_EQ(j["schema"], "engram-roofline");
  EXPECT_EQ(j["version"], 1);
  ASSERT_EQ(j["points"].size(), 2u);
  const json& p = j["points"][0];
  EXPECT_EQ(p["name"], "k/optimized");
  EXPECT_NEAR(p["arithmetic_intensity"].get<double>(), 0.5, 1e-12);
  EXPECT_EQ(p["roofs"][1]["level"], "L2");
  EXPECT_NEAR(p["roofs"][1]["roof_gflops"].get<double>(), 50, 1e-9);
  EXPECT_EQ(p["bound"], "L3 bandwidth (load)");
  EXPECT_EQ(j["ceilings"]["levels"][3]["level"], "DRAM");
  EXPECT_NEAR(j["ceilings"]["levels"][3]["ridge_intensity"].get<double>(), 8, 1e-12);
  EXPECT_EQ(j["benchmarks"]["simd_level"], "avx512");
}

TEST(RooflineFile, WhatToJsonWritesRooflineFromJsonReadsBack) {
  const auto r = analyse({{"k/optimized", 2e6, 4e6, 12e6}, {"s/reference", 1e6, 5e6, 200e3, "gather", 100}},
                         {100, 1000});
  const RooflineResult back =
      roofline_from_json(engram::io::parse_json_text(roofline_json(r), "roofline.json"));
  EXPECT_EQ(roofline_json(back), roofline_json(r));  // every field survives
  ASSERT_EQ(back.points.size(), 2u);
  EXPECT_EQ(back.points[1].access, "gather");
  EXPECT_EQ(back.ceilings.gather_sweep.size(), 15u);
  EXPECT_EQ(back.time, TimeMeasure::cpu);
}

TEST(RooflineFile, AnotherSchemaOrVersionIsAClearError) {
  json j = json::parse(roofline_json(analyse({{"k/optimized", 2e6, 4e6}}, {100})));
  auto error_of = [](const json& doc) {
    try {
      roofline_from_json(engram::io::parse_json_text(doc.dump(), "r.json"));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  j["version"] = 2;
  EXPECT_NE(error_of(j).find("engram-roofline version 2; this build reads version 1"), std::string::npos)
      << error_of(j);
  j["version"] = 1;
  j["schema"] = "engram-roofline/1";
  EXPECT_NE(error_of(j).find("expected \"engram-roofline\""), std::string::npos)
      << error_of(j);
  j["schema"] = "engram-roofline";
  j["points"][0].erase("attainable_gflops");
  EXPECT_NE(error_of(j).find("r.json: /points/0/attainable_gflops"), std::string::npos)
      << error_of(j);
}

// Hostile numbers are refused at their pointer before any cast, and a
// negative bandwidth or a plateau that ends before it starts is nonsense.
TEST(RooflineFile, HostileNumbersAreRefusedAtTheirPointer) {
  const json good = json::parse(roofline_json(analyse({{"k/optimized", 2e6, 4e6}}, {100})));
  auto error_of = [](const json& doc) {
    try {
      roofline_from_json(engram::io::parse_json_text(doc.dump(), "r.json"));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  ASSERT_TRUE(good["ceilings"]["levels"][0]["stream"].is_object());
  json j = good;
  j["ceilings"]["levels"][0]["stream"]["from_bytes"] = 1e300;
  EXPECT_EQ(error_of(j), "r.json: /ceilings/levels/0/stream/from_bytes: expected a whole number in "
                         "[0, 9007199254740992], found 1e+300");
  j = good;
  j["ceilings"]["stream_sweep"][0]["bytes"] = -1;
  EXPECT_NE(error_of(j).find("/ceilings/stream_sweep/0/bytes: expected a whole number"), std::string::npos)
      << error_of(j);
  j = good;
  j["ceilings"]["levels"][0]["size_bytes"] = 0.5;
  EXPECT_NE(error_of(j).find("/ceilings/levels/0/size_bytes: expected a whole number"), std::string::npos)
      << error_of(j);
  j = good;
  j["points"][0]["repetitions"] = 1e300;
  EXPECT_NE(error_of(j).find("/points/0/repetitions: expected a whole number"), std::string::npos)
      << error_of(j);
  j = good;
  j["ceilings"]["levels"][0]["stream"]["gbps"] = -3;
  EXPECT_NE(error_of(j).find("/ceilings/levels/0/stream/gbps: expected a number > 0, found -3"), std::string::npos)
      << error_of(j);
  j = good;
  j["ceilings"]["levels"][0]["stream"]["to_bytes"] = 0;
  EXPECT_NE(error_of(j).find("/ceilings/levels/0/stream/to_bytes: 0 is below from_bytes"), std::string::npos)
      << error_of(j);
}

}  // namespace
