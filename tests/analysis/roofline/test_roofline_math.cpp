// The roofline figures on synthetic ceilings and benchmarks, with the
// numbers worked out by hand.
#include <gtest/gtest.h>

#include "engram/roofline/roofline.hpp"
#include "engram/io/errors.hpp"
#include "roofline_test_support.hpp"

namespace {

using namespace engram::roofline;
using namespace engram::benchstats;
using engram::io::InputError;
using namespace engram::roofline_testing;

MachineCeilings ceilings(const json& c = synthetic_ceilings(), const std::string& kernel = "load") {
  return parse_ceilings_json(c.dump(), "synthetic-ceilings.json", kernel);
}

RooflineResult analyse(const json& entries, const RooflineOptions& options = {}, const json& c = synthetic_ceilings(),
                       const std::string& simd = "avx512") {
  const BenchmarkFile file = parse_benchmark_json(benchmark_file(entries, simd).dump(), "synthetic-bench.json");
  return compute_roofline(ceilings(c), file, options);
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
  // 20 GFLOP/s, 40 GB/s. The working set lies in the L3 plateau (to 8 MiB):
  // roof min(160, 0.5 x 50) = 25, so 80% of it, bound by L3 bandwidth.
  const auto r = analyse(json::array({benchmark_entry("k/optimized", 2e6, 4e6, 100, 100)}));
  const RooflinePoint& p = only(r);
  EXPECT_EQ(p.kernel, "k");
  EXPECT_EQ(p.variant, "optimized");
  EXPECT_NEAR(p.flops_per_iteration, 2e6, 1e-3);
  EXPECT_NEAR(p.bytes_per_iteration, 4e6, 1e-3);
  EXPECT_NEAR(p.intensity, 0.5, 1e-12);
  EXPECT_NEAR(p.gflops, 20, 1e-9);
  EXPECT_NEAR(p.gbps, 40, 1e-9);
  EXPECT_EQ(p.peak_simd, "avx512");
  EXPECT_DOUBLE_EQ(p.peak_gflops, 160);
  EXPECT_EQ(p.level, "L3");
  EXPECT_NEAR(p.attainable_gflops, 25, 1e-9);
  EXPECT_NEAR(p.fraction_of_roof, 0.8, 1e-9);
  EXPECT_EQ(p.bound, "L3 bandwidth");
  EXPECT_TRUE(p.note.empty());
  // Every level's roof at I = 0.5.
  ASSERT_EQ(p.roofs.size(), 4u);
  EXPECT_NEAR(roof(p, "L1").roof_gflops, 100, 1e-9);
  EXPECT_NEAR(roof(p, "L2").roof_gflops, 50, 1e-9);
  EXPECT_NEAR(roof(p, "L3").roof_gflops, 25, 1e-9);
  EXPECT_NEAR(roof(p, "DRAM").roof_gflops, 10, 1e-9);
  EXPECT_TRUE(roof(p, "L1").memory_bound);
  EXPECT_EQ(p.bytes_source, "work model (bytes_per_second)");
}

TEST(RooflineMath, ComputeBoundAtHighIntensity) {
  // I = 100 FLOP/byte in L2: min(160, 100 x 100) = 160, the peak bounds it.
  const auto r = analyse(json::array({benchmark_entry("dense/optimized", 1e7, 1e5, 100, 100)}));
  const RooflinePoint& p = only(r);
  EXPECT_EQ(p.level, "L2");
  EXPECT_NEAR(p.attainable_gflops, 160, 1e-9);
  EXPECT_EQ(p.bound, "compute (avx512 peak)");
  EXPECT_FALSE(roof(p, "DRAM").memory_bound);  // 100 x 20 = 2000 > 160
  EXPECT_NEAR(p.fraction_of_roof, 100.0 / 160.0, 1e-9);
}

TEST(RooflineMath, ReferenceVariantsMeetTheScalarPeak) {
  const auto r = analyse(json::array({benchmark_entry("dense/reference", 1e7, 1e5, 1000, 1000),
                                      benchmark_entry("dense/eigen", 1e7, 1e5, 100, 100)}),
                         {}, synthetic_ceilings(), "avx2");
  ASSERT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.points[0].peak_simd, "scalar");
  EXPECT_NEAR(r.points[0].attainable_gflops, 10, 1e-9);
  EXPECT_EQ(r.points[0].bound, "compute (scalar peak)");
  EXPECT_EQ(r.points[1].peak_simd, "avx2");  // the run's SIMD level, for peers too
  EXPECT_NEAR(r.points[1].attainable_gflops, 80, 1e-9);

  RooflineOptions forced;
  forced.peak_simd = "avx512";
  const auto f = analyse(json::array({benchmark_entry("dense/reference", 1e7, 1e5, 1000, 1000)}), forced);
  EXPECT_EQ(only(f).peak_simd, "avx512");
  forced.peak_simd = "avx1024";
  EXPECT_THROW(analyse(json::array({benchmark_entry("dense/reference", 1e7, 1e5, 1000, 1000)}), forced),
               std::invalid_argument);
}

TEST(RooflineMath, BaselineRunsMeetTheScalarPeakAndUnknownLevelsTheBest) {
  const auto baseline = analyse(json::array({benchmark_entry("k/optimized", 2e6, 4e6, 100, 100)}), {},
                                synthetic_ceilings(), "baseline");
  EXPECT_EQ(only(baseline).peak_simd, "scalar");
  const auto unknown = analyse(json::array({benchmark_entry("k/optimized", 2e6, 4e6, 100, 100)}), {},
                               synthetic_ceilings(), "neon");
  EXPECT_EQ(only(unknown).peak_simd, "avx512");
}

TEST(RooflineMath, LevelChoiceFollowsTheSweepPlateaus) {
  struct Case {
    double working_set;
    const char* level;
  };
  // L1 plateau to 32 KiB, L2 to 512 KiB, L3 to 8 MiB (sizes 32 KiB, 1 MiB, 32 MiB).
  const Case cases[] = {{8e3, "L1"},     {32768, "L1"},     {40e3, "L2"}, {524288, "L2"},
                        {700e3, "L3"},  // past the L2 plateau though inside 1 MiB: it already spills
                        {8388608, "L3"}, {9e6, "DRAM"},     {30e6, "DRAM"}, {1e9, "DRAM"}};
  for (const Case& c : cases) {
    const auto r = analyse(json::array({benchmark_entry("k/optimized", c.working_set / 4, c.working_set, 100, 100)}));
    EXPECT_EQ(only(r).level, c.level) << c.working_set;
  }
}

TEST(RooflineMath, LevelChoiceFallsBackOnSizesWithoutPlateauExtents) {
  json c = synthetic_ceilings();
  for (const char* level : {"L1", "L2", "L3", "DRAM"}) c["levels"][level]["bandwidth"]["load"].erase("to_bytes");
  const auto r = analyse(json::array({benchmark_entry("k/optimized", 1e5, 700e3, 100, 100)}), {}, c);
  EXPECT_EQ(only(r).level, "L2");  // 700 kB fits the 1 MiB L2
  EXPECT_NE(only(r).level_rule.find("fits L2"), std::string::npos) << only(r).level_rule;
}

TEST(RooflineMath, ALevelWithoutBandwidthHandsOverToTheNextOne) {
  json c = synthetic_ceilings();
  c["levels"]["L2"]["bandwidth"]["load"] = nullptr;  // the sweep merged L2 into L3
  const auto r = analyse(json::array({benchmark_entry("k/optimized", 1e5, 500e3, 100, 100)}), {}, c);
  const RooflinePoint& p = only(r);
  EXPECT_EQ(p.level, "L3");
  EXPECT_NE(p.level_rule.find("L2 has no measured bandwidth"), std::string::npos) << p.level_rule;
  EXPECT_EQ(p.roofs.size(), 3u);
}

TEST(RooflineMath, SpreadingMakesOneHundredPassesOverItsData) {
  // 4.8 MB per iteration, 100 passes: a 48 kB working set (past L1's 32 KiB).
  const auto r = analyse(json::array({benchmark_entry("spreading_activation_1000/optimized", 1e6, 4.8e6, 200, 200)}));
  const RooflinePoint& p = only(r);
  EXPECT_DOUBLE_EQ(p.passes, 100);
  EXPECT_NEAR(p.working_set_bytes, 48e3, 1e-6);
  EXPECT_EQ(p.level, "L2");
  EXPECT_DOUBLE_EQ(default_passes("spreading_activation_10k"), 100);
  EXPECT_DOUBLE_EQ(default_passes("counter_overhead/spreading_activation_1000"), 100);
  EXPECT_DOUBLE_EQ(default_passes("vector_similarity_1000"), 1);

  RooflineOptions options;
  options.passes["spreading_activation_1000"] = 1;
  EXPECT_EQ(only(analyse(json::array({benchmark_entry("spreading_activation_1000/optimized", 1e6, 4.8e6, 200, 200)}),
                         options))
                .level,
            "L3");
  RooflineOptions given;
  given.working_set["spreading_activation_1000"] = 16e3;
  const auto g = analyse(json::array({benchmark_entry("spreading_activation_1000/optimized", 1e6, 4.8e6, 200, 200)}),
                         given);
  EXPECT_EQ(only(g).level, "L1");
  EXPECT_EQ(only(g).working_set_rule, "given on the command line");
  given.working_set["spreading_activation_1000"] = -1;
  EXPECT_THROW(analyse(json::array({benchmark_entry("k/optimized", 1, 1, 1, 1)}), given), std::invalid_argument);
}

TEST(RooflineMath, SdeBytesWinOverTheWorkModel) {
  const auto r = analyse(json::array({benchmark_entry("k/optimized", 2e6, 4e6, 100, 100, 5e6)}));
  const RooflinePoint& p = only(r);
  EXPECT_EQ(p.bytes_source, "SDE counts (sde_bytes/s)");
  EXPECT_NEAR(p.bytes_per_iteration, 5e6, 1e-3);
  EXPECT_NEAR(*p.model_bytes_per_iteration, 4e6, 1e-3);
  EXPECT_NEAR(p.intensity, 0.4, 1e-12);
}

TEST(RooflineMath, MediansOverRepetitionsAndTheTimeMeasure) {
  // CPU times 100, 300, 200 us: median 200 us; real time twice the CPU time
  // (a loaded machine).
  json entries = json::array();
  const double cpu[] = {100, 300, 200};
  for (int i = 0; i < 3; ++i) entries.push_back(benchmark_entry("k/optimized", 2e6, 4e6, cpu[i], 2 * cpu[i], 0, i));
  const auto by_cpu = analyse(entries);
  EXPECT_EQ(only(by_cpu).repetitions, 3u);
  EXPECT_NEAR(only(by_cpu).seconds_per_iteration, 200e-6, 1e-15);
  EXPECT_NEAR(only(by_cpu).gflops, 10, 1e-9);
  EXPECT_NEAR(only(by_cpu).flops_per_iteration, 2e6, 1e-3);  // whatever the repetition's time
  RooflineOptions real;
  real.time = TimeMeasure::real;
  EXPECT_NEAR(only(analyse(entries, real)).gflops, 5, 1e-9);
}

TEST(RooflineMath, ABenchmarkAboveItsRoofIsExplained) {
  // 80 GFLOP/s at I = 0.5 in L3, where the roof is 25: the work counted is
  // not the work done.
  const auto r = analyse(json::array({benchmark_entry("k/optimized", 8e6, 16e6, 100, 100)}));
  // 16 MB is past the L3 plateau: DRAM, roof 10.
  EXPECT_GT(only(r).fraction_of_roof, 1.0);
  EXPECT_NE(only(r).note.find("of its roof"), std::string::npos);
}

TEST(RooflineMath, NonKernelAndFailedBenchmarksAreLeftOutWithTheReason) {
  json plain = benchmark_entry("BM_memcpy/64", 0, 0, 1, 1);
  plain.erase("FLOP/s");
  json failed = benchmark_entry("k/broken", 1, 1, 1, 1);
  failed["error_occurred"] = true;
  failed["error_message"] = "answer mismatch";
  json no_bytes = benchmark_entry("k/nobytes", 1e6, 1, 100, 100);
  no_bytes.erase("bytes_per_second");
  const auto r = analyse(json::array({plain, failed, no_bytes, benchmark_entry("k/optimized", 2e6, 4e6, 100, 100)}));
  EXPECT_EQ(r.points.size(), 1u);
  ASSERT_EQ(r.skipped.size(), 3u);
  EXPECT_NE(r.skipped[0].find("BM_memcpy/64: no FLOP/s counter"), std::string::npos) << r.skipped[0];
  EXPECT_NE(r.skipped[1].find("answer mismatch"), std::string::npos) << r.skipped[1];
  EXPECT_NE(r.skipped[2].find("no positive bytes counter"), std::string::npos) << r.skipped[2];
}

TEST(RooflineMath, ZeroTimeIsAnErrorNamingTheBenchmarkFile) {
  RooflineOptions real;
  real.time = TimeMeasure::real;
  try {
    analyse(json::array({benchmark_entry("k/optimized", 2e6, 4e6, 100, 0)}), real);
    FAIL() << "a zero time was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("synthetic-bench.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("k/optimized"), std::string::npos) << e.what();
  }
}

TEST(RooflineMath, OtherBandwidthSweepsGiveOtherRoofs) {
  const auto c = ceilings(synthetic_ceilings(), "triad");
  EXPECT_EQ(c.bandwidth_kernel, "triad");
  EXPECT_NEAR(*c.levels[2].gbps, 47.5, 1e-9);
  EXPECT_THROW(ceilings(synthetic_ceilings(), "scale"), std::invalid_argument);
}

TEST(RooflineReport, MarkdownAndJsonCarryEveryFigure) {
  const auto r = analyse(json::array({benchmark_entry("k/optimized", 2e6, 4e6, 100, 100, 4e6),
                                      benchmark_entry("k/reference", 2e6, 4e6, 1000, 1000)}));
  const std::string md = roofline_markdown(r);
  EXPECT_NE(md.find("| k/optimized | 2000000 | 4000000 | SDE | 3.81 MiB | L3 | 0.5 | 20 | 40 | avx512 | 25 | 80.0% | "
                    "L3 bandwidth |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("scalar 10.0, avx2 80.0, avx512 160.0 GFLOP/s"), std::string::npos) << md;
  EXPECT_NE(md.find("Ridge points at the best peak: L1 0.80, L2 1.60, L3 3.20, DRAM 8.00 FLOP/byte"),
            std::string::npos)
      << md;

  const json j = json::parse(roofline_json(r));
  EXPECT_EQ(j["schema"], "engram-roofline/1");
  ASSERT_EQ(j["points"].size(), 2u);
  const json& p = j["points"][0];
  EXPECT_EQ(p["name"], "k/optimized");
  EXPECT_NEAR(p["arithmetic_intensity"].get<double>(), 0.5, 1e-12);
  EXPECT_NEAR(p["roofs"]["L2"]["roof_gflops"].get<double>(), 50, 1e-9);
  EXPECT_EQ(p["bound"], "L3 bandwidth");
  EXPECT_EQ(j["ceilings"]["levels"][3]["level"], "DRAM");
  EXPECT_NEAR(j["ceilings"]["levels"][3]["ridge_intensity"].get<double>(), 8, 1e-12);
  EXPECT_EQ(j["benchmarks"]["simd_level"], "avx512");
}

}  // namespace
