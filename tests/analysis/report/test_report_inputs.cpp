// Reading the report's inputs: what each parser takes from its file, and the
// bad-input cases (malformed, truncated, empty, missing, wrong schema, wrong
// type, unknown time unit), each with an error naming the file and the place.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "benchmark_summary.hpp"
#include "candidates.hpp"
#include "engram/roofline/roofline.hpp"
#include "inputs.hpp"
#include "report_test_support.hpp"
#include "system_probe.hpp"

namespace engram::report {
namespace {

namespace fs = std::filesystem;

using engram::test::read_text;
using engram::test::report_fixture;
using engram::test::ScratchDir;
using engram::test::write_text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ReportInputError& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- the parsers -----------------------------------------------------------------

TEST(ReportInputs, HotspotsGiveTablesFamiliesAndDiagnostics) {
  const auto path = report_fixture("hotspots.json");
  const HotspotsInput h = parse_hotspots(io::read_json_file(path, "hot spots"), path);
  EXPECT_EQ(h.total_samples, 4000u);
  EXPECT_EQ(h.event, "cpu-clock");
  ASSERT_EQ(h.top_inclusive.size(), 5u);
  EXPECT_EQ(h.top_inclusive[1].function, "engram::optimized::N_AVX2::cosine_batch");
  EXPECT_DOUBLE_EQ(h.top_self[0].percent, 19.75);
  ASSERT_EQ(h.families.size(), 4u);
  EXPECT_EQ(h.families[1].family, "spreading");
  EXPECT_EQ(h.families[1].verdict, "below");
  EXPECT_DOUBLE_EQ(*h.families[1].expected_low, 20.0);
  EXPECT_FALSE(h.families[3].expected_low.has_value());
  EXPECT_DOUBLE_EQ(*h.not_reaching_entry_percent, 0.5);
  EXPECT_THAT(h.frame_pointers, StartsWith("yes"));
  EXPECT_THAT(h.warnings, ElementsAre("fixture warning"));
}

TEST(ReportInputs, RooflineCeilingsAndStabilityAreRead) {
  const auto r = parse_roofline(io::read_json_file(report_fixture("roofline.json"), "roofline"), "roofline.json");
  ASSERT_EQ(r.points.size(), 5u);
  EXPECT_EQ(r.points[1].name, "vector_similarity_1000/optimized");
  EXPECT_DOUBLE_EQ(r.points[1].fraction_of_roof, 0.8);
  EXPECT_EQ(r.levels.size(), 4u);
  EXPECT_FALSE(r.levels[3].size_bytes.has_value());
  EXPECT_EQ(r.skipped.size(), 1u);

  const auto c = parse_ceilings(io::read_json_file(report_fixture("ceilings.json"), "ceilings"), "ceilings.json");
  EXPECT_EQ(c.compiler, "GCC 12.2.0");
  ASSERT_EQ(c.caches.size(), 3u);
  EXPECT_FALSE(c.caches[2].checked_against_sweep);
  EXPECT_DOUBLE_EQ(*c.caches[2].sysconf, 335544320.0);

  const auto s = parse_stability(io::read_json_file(report_fixture("stability.json"), "stability"), "stability.json");
  EXPECT_EQ(s.runs, 3u);
  ASSERT_EQ(s.rows.size(), 3u);
  EXPECT_EQ(s.rows[2].runs_measured, 2u);
  EXPECT_FALSE(s.rows[2].cv.has_value());
}

TEST(ReportInputs, CounterStatusesComeFromTheRunContext) {
  const auto statuses = parse_counter_statuses(
      R"([{"counter":"L1_DCM","status":"simulated","backend":"simulated","reason":"callgrind"},
          {"counter":"cycles","status":"unsupported","fix":"bare metal"}])",
      "c.json");
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].status, "simulated");
  EXPECT_EQ(statuses[1].fix, "bare metal");
  EXPECT_THAT(error_of([] { parse_counter_statuses(R"([{"counter":"x","status":"zero"}])", "c.json"); }),
              HasSubstr("c.json: context \"engram.counters\": /0/status: unknown counter status \"zero\""));
  EXPECT_THAT(error_of([] { parse_counter_statuses(R"([{"counter":"x",)", "c.json"); }),
              StartsWith("c.json: context \"engram.counters\":1:"));
}

TEST(ReportInputs, CMakeCacheLinesAreKeyTypeValue) {
  const auto cache = parse_cmake_cache(read_text(report_fixture("CMakeCache.txt")));
  EXPECT_EQ(cache.at("CMAKE_CXX_FLAGS_RELEASE"), "-O3 -g -fno-omit-frame-pointer -DNDEBUG");
  EXPECT_EQ(cache.at("CMAKE_CXX_FLAGS"), "");
  EXPECT_EQ(cache.count("This is the CMakeCache file (fixture)."), 0u);
}

// ---- bad input -----------------------------------------------------------------

class ReportBadInput : public ::testing::Test {
 protected:
  ReportInputs with(const std::string& field, const std::string& file_name, const std::string& content) {
    ReportInputs in;
    in.hotspots = report_fixture("hotspots.json");
    in.bench = report_fixture("bench.json");
    const fs::path path = dir_ / file_name;
    write_text(path, content);
    if (field == "hotspots") in.hotspots = path;
    if (field == "bench") in.bench = path;
    if (field == "counters") in.counters_bench = path;
    if (field == "roofline") in.roofline = path;
    if (field == "ceilings") in.ceilings = path;
    if (field == "stability") in.stability = path;
    if (field == "flamegraph") in.flamegraph = path;
    return in;
  }
  std::string load_error(const ReportInputs& in) {
    return error_of([&] { load_inputs(in); });
  }
  ScratchDir dir_;
};

TEST_F(ReportBadInput, MalformedJsonNamesFileLineAndColumn) {
  const auto in = with("hotspots", "bad.json", "{\n  \"schema\": \"engram-perf.hotspots/1\",\n  \"total_samples\": 12,,\n}");
  EXPECT_THAT(load_error(in), StartsWith((dir_ / "bad.json").string() + ":3:"));
  EXPECT_THAT(load_error(in), HasSubstr("malformed JSON"));
}

TEST_F(ReportBadInput, TruncatedJsonSaysTruncated) {
  // Cut anywhere: inside a string, a number, a literal, between tokens.
  const std::string whole = read_text(report_fixture("roofline.json"));
  for (std::size_t cut = 1; cut < whole.size(); cut += 37) {
    if (whole.find_first_not_of(" \t\n", 0) >= cut) continue;  // nothing but blanks: "empty"
    const auto in = with("roofline", "cut.json", whole.substr(0, cut));
    const std::string error = load_error(in);
    EXPECT_THAT(error, StartsWith((dir_ / "cut.json").string() + ":")) << cut;
    EXPECT_THAT(error, HasSubstr("truncated JSON")) << "cut at byte " << cut;
  }
}

TEST_F(ReportBadInput, ABadLastByteIsMalformedNotTruncated) {
  const auto in = with("roofline", "bad.json", "{\"schema\": }");
  EXPECT_THAT(load_error(in), HasSubstr("bad.json:1:12 (byte 12): malformed JSON"));
}

TEST_F(ReportBadInput, EmptyFilesAreNamed) {
  for (const char* field : {"hotspots", "bench", "counters", "roofline", "ceilings", "stability", "flamegraph"}) {
    const auto in = with(field, std::string("empty-") + field, "  \n");
    EXPECT_THAT(load_error(in), StartsWith((dir_ / (std::string("empty-") + field)).string() + ": empty")) << field;
  }
}

TEST_F(ReportBadInput, MissingRequiredInputIsNamed) {
  ReportInputs in;
  in.hotspots = dir_ / "nowhere" / "hotspots.json";
  in.bench = report_fixture("bench.json");
  EXPECT_THAT(load_error(in), StartsWith((dir_ / "nowhere" / "hotspots.json").string() + ": no such file"));
  in.hotspots = report_fixture("hotspots.json");
  in.bench = dir_ / "bench.json";
  EXPECT_THAT(load_error(in), StartsWith((dir_ / "bench.json").string() + ": no such file"));
}

TEST_F(ReportBadInput, WrongSchemaOrTypeNamesTheJsonPointer) {
  EXPECT_THAT(load_error(with("hotspots", "h.json", R"({"schema": "engram-roofline/1"})")),
              HasSubstr("h.json: /schema: \"engram-roofline/1\" is not build/analysis/hotspots output"));
  EXPECT_THAT(load_error(with("roofline", "r.json", R"({"schema": "engram-roofline/1", "ceilings": {},
      "points": [{"name": "k/v", "kernel": "k", "variant": "v", "arithmetic_intensity": "high"}]})")),
              HasSubstr("r.json: /points/0/arithmetic_intensity: expected a number, found a string"));
  EXPECT_THAT(load_error(with("stability", "s.json", R"({"runs": [], "cv_limit": 0.05})")),
              HasSubstr("s.json: /benchmarks: missing"));
  EXPECT_THAT(load_error(with("ceilings", "c.json", R"([1, 2])")), HasSubstr("c.json: /: expected a JSON object"));
}

TEST_F(ReportBadInput, BenchmarkFileProblemsNameTheEntry) {
  // An unknown time unit cannot be converted: the entry is named.
  std::string bench = read_text(report_fixture("bench.json"));
  const auto at = bench.find("\"us\"");
  bench.replace(at, 4, "\"fortnights\"");
  EXPECT_THAT(load_error(with("bench", "units.json", bench)),
              HasSubstr("units.json: benchmarks[0] (\"vector_similarity_1000/reference\"): unknown time unit"));
  EXPECT_THAT(load_error(with("bench", "none.json", R"({"context": {}, "benchmarks": []})")),
              HasSubstr("none.json: no benchmark results"));
  EXPECT_THAT(load_error(with("bench", "notgb.json", R"({"points": []})")), HasSubstr("notgb.json: no \"benchmarks\""));
}

TEST_F(ReportBadInput, CountersRunWithoutStatusesIsRefused) {
  EXPECT_THAT(load_error(with("counters", "plain.json", read_text(report_fixture("bench.json")))),
              HasSubstr("plain.json: context: no \"engram.counters\" entry"));
}

TEST_F(ReportBadInput, AnSvgMustBeAWholeSvg) {
  EXPECT_THAT(load_error(with("flamegraph", "f.svg", "<html></html>")), HasSubstr("f.svg: not an SVG image"));
  EXPECT_THAT(load_error(with("flamegraph", "g.svg", "<svg width=\"1\"><rect/>")), HasSubstr("g.svg: truncated SVG"));
}

// ---- statistics and ranking over the fixtures ----------------------------------

TEST(ReportBenchmarks, MediansCisAndOutliersFromTheRepetitions) {
  const auto file = benchstats::parse_benchmark_json(read_text(report_fixture("bench.json")), "bench.json");
  const auto rows = summarize_benchmarks(file, benchstats::TimeMeasure::cpu);
  ASSERT_EQ(rows.size(), 7u);
  const auto& optimized = *std::find_if(rows.begin(), rows.end(), [](const BenchmarkRow& r) {
    return r.name == "vector_similarity_1000/optimized";
  });
  EXPECT_EQ(optimized.repetitions, 5u);
  EXPECT_DOUBLE_EQ(optimized.median_ns, 12000.0);  // 10, 11, 12, 13, 100 us
  ASSERT_TRUE(optimized.ci.has_value());
  EXPECT_TRUE(optimized.ci->contains(12000.0));
  EXPECT_GE(optimized.ci->low, 10000.0);
  EXPECT_LE(optimized.ci->high, 100000.0);
  EXPECT_EQ(optimized.outliers, 1u);  // the 100 us repetition
  // Sorted by name, so variants of a kernel sit together.
  EXPECT_EQ(rows.front().name, "decay_10k_memories/exponential/optimized");
}

TEST(ReportBenchmarks, RealTimeIsUsedWhenAsked) {
  const auto file = benchstats::parse_benchmark_json(read_text(report_fixture("bench.json")), "bench.json");
  const auto rows = summarize_benchmarks(file, benchstats::TimeMeasure::real);
  const auto& reference = *std::find_if(rows.begin(), rows.end(), [](const BenchmarkRow& r) {
    return r.name == "vector_similarity_1000/reference";
  });
  EXPECT_NEAR(reference.median_ns, 120000.0 * 1.01, 1e-6);
}

TEST(ReportBenchmarks, MixedTimeUnitsAreConvertedNotMixedUp) {
  // The same repetitions, half of them written in ns: same medians.
  nlohmann::json doc = nlohmann::json::parse(read_text(report_fixture("bench.json")));
  for (auto& b : doc["benchmarks"]) {
    if (b["run_type"] == "iteration" && b["repetition_index"].get<int>() % 2 == 0) {
      b["time_unit"] = "ns";
      b["cpu_time"] = b["cpu_time"].get<double>() * 1000;
      b["real_time"] = b["real_time"].get<double>() * 1000;
    }
  }
  const auto mixed = summarize_benchmarks(benchstats::parse_benchmark_json(doc.dump(), "mixed.json"), benchstats::TimeMeasure::cpu);
  const auto plain = summarize_benchmarks(benchstats::parse_benchmark_json(read_text(report_fixture("bench.json")), "b.json"),
                                          benchstats::TimeMeasure::cpu);
  ASSERT_EQ(mixed.size(), plain.size());
  for (std::size_t i = 0; i < mixed.size(); ++i) EXPECT_NEAR(mixed[i].median_ns, plain[i].median_ns, 1e-6);
}

TEST(ReportBenchmarks, PeerRatiosPairVariantsOfOneKernel) {
  const auto file = benchstats::parse_benchmark_json(read_text(report_fixture("bench.json")), "bench.json");
  const auto ratios = peer_ratios(file, benchstats::TimeMeasure::cpu);
  auto find = [&](const std::string& kernel, const std::string& num, const std::string& den) {
    const auto it = std::find_if(ratios.begin(), ratios.end(), [&](const PeerRatio& r) {
      return r.kernel == kernel && r.numerator == num && r.denominator == den;
    });
    EXPECT_NE(it, ratios.end()) << kernel << " " << num << "/" << den;
    return *it;
  };
  const auto blas = find("vector_similarity_1000", "optimized", "openblas");
  EXPECT_DOUBLE_EQ(*blas.value, 12.0 / 22.0);
  ASSERT_TRUE(blas.ci.has_value());
  EXPECT_TRUE(blas.ci->contains(*blas.value));
  EXPECT_DOUBLE_EQ(*find("vector_similarity_1000", "reference", "optimized").value, 120.0 / 12.0);
  EXPECT_DOUBLE_EQ(*find("decay_10k_memories/exponential", "optimized", "sleef").value, 4.2 / 8.4);
  EXPECT_EQ(ratios.size(), 5u);  // 3 for vector_similarity, 2 for decay
}

TEST(ReportBenchmarks, AMissingSideOfAPairIsReportedWithTheFile) {
  nlohmann::json doc = nlohmann::json::parse(read_text(report_fixture("bench.json")));
  auto& list = doc["benchmarks"];
  list.erase(std::remove_if(list.begin(), list.end(),
                            [](const nlohmann::json& b) {
                              return b["name"].get<std::string>().rfind("decay_10k_memories/exponential/optimized", 0) == 0;
                            }),
             list.end());
  const auto ratios = peer_ratios(benchstats::parse_benchmark_json(doc.dump(), "partial.json"), benchstats::TimeMeasure::cpu);
  const auto sleef = std::find_if(ratios.begin(), ratios.end(), [](const PeerRatio& r) {
    return r.kernel == "decay_10k_memories/exponential" && r.denominator == "sleef";
  });
  ASSERT_NE(sleef, ratios.end());
  EXPECT_FALSE(sleef->value.has_value());
  EXPECT_EQ(sleef->missing, "decay_10k_memories/exponential/optimized is not in partial.json");
}

TEST(ReportCandidates, PriorityIsShareTimesDistanceHighestFirst) {
  const auto h = parse_hotspots(io::read_json_file(report_fixture("hotspots.json"), "h"), "hotspots.json");
  const auto r = parse_roofline(io::read_json_file(report_fixture("roofline.json"), "r"), "roofline.json");
  const auto ranking = rank_candidates(h, r);
  // The profile shows engram::optimized:: frames only.
  EXPECT_THAT(ranking.variants, ElementsAre("optimized"));
  ASSERT_EQ(ranking.ranked.size(), 3u);
  EXPECT_EQ(ranking.ranked[0].benchmark, "decay_10k_memories/exponential/optimized");
  EXPECT_DOUBLE_EQ(ranking.ranked[0].priority, 0.125 * 0.75);
  EXPECT_EQ(ranking.ranked[1].benchmark, "vector_similarity_1000/optimized");
  EXPECT_NEAR(ranking.ranked[1].priority, 0.20 * 0.2, 1e-12);
  // Above its roof: distance 0, said why.
  EXPECT_EQ(ranking.ranked[2].benchmark, "spreading_activation_1000/optimized");
  EXPECT_DOUBLE_EQ(ranking.ranked[2].priority, 0.0);
  EXPECT_THAT(ranking.ranked[2].note, HasSubstr("above its roof"));
}

// A point a hair over its roof is at its roof (run-to-run variation), not a
// broken model; beyond roofline::kAtRoofTolerance it is.
TEST(ReportCandidates, JustOverTheRoofIsAtTheRoof) {
  const auto h = parse_hotspots(io::read_json_file(report_fixture("hotspots.json"), "h"), "hotspots.json");
  auto r = parse_roofline(io::read_json_file(report_fixture("roofline.json"), "r"), "roofline.json");
  for (auto& p : r.points) {
    if (p.name == "spreading_activation_1000/optimized") p.fraction_of_roof = 1.001;
  }
  auto ranking = rank_candidates(h, r);
  const auto at = std::find_if(ranking.ranked.begin(), ranking.ranked.end(),
                               [](const auto& c) { return c.benchmark == "spreading_activation_1000/optimized"; });
  ASSERT_NE(at, ranking.ranked.end());
  EXPECT_DOUBLE_EQ(at->priority, 0.0);
  EXPECT_THAT(at->note, HasSubstr("at its roof (100.1%"));
  EXPECT_THAT(at->note, Not(HasSubstr("above")));
  for (auto& p : r.points) {
    if (p.name == "spreading_activation_1000/optimized") p.fraction_of_roof = roofline::kAtRoofTolerance + 0.01;
  }
  ranking = rank_candidates(h, r);
  for (const auto& c : ranking.ranked) {
    if (c.benchmark == "spreading_activation_1000/optimized") {
      EXPECT_THAT(c.note, HasSubstr("above its roof"));
    }
  }
}

TEST(ReportCandidates, BothVariantsWhenTheProfileDoesNotSay) {
  auto h = parse_hotspots(io::read_json_file(report_fixture("hotspots.json"), "h"), "hotspots.json");
  for (auto* table : {&h.top_inclusive, &h.top_self}) {
    for (auto& row : *table) {
      row.function.clear();  // (assigning a literal here trips GCC 12's -Wrestrict false positive)
      row.function.push_back('f');
    }
  }
  const auto r = parse_roofline(io::read_json_file(report_fixture("roofline.json"), "r"), "roofline.json");
  const auto ranking = rank_candidates(h, r);
  EXPECT_EQ(ranking.ranked.size(), 4u);  // + vector_similarity_1000/reference
  EXPECT_THAT(ranking.variant_rule, HasSubstr("both variants"));
}

TEST(ReportCandidates, KernelFamiliesFollowTheBenchmarkNames) {
  EXPECT_EQ(family_of_kernel("vector_similarity_1000"), "similarity");
  EXPECT_EQ(family_of_kernel("find_similar_10k"), "similarity");
  EXPECT_EQ(family_of_kernel("spreading_activation_10k"), "spreading");
  EXPECT_EQ(family_of_kernel("decay_10k_memories/power_law"), "decay");
  EXPECT_FALSE(family_of_kernel("counter_overhead").has_value());
}

// ---- the system probes --------------------------------------------------------------

TEST(ReportSystem, ProcAndSysAreReadFromTheGivenFolders) {
  const auto cpu = read_cpuinfo(report_fixture("system/proc"));
  ASSERT_TRUE(cpu.has_value());
  EXPECT_EQ(cpu->model, "Fixture CPU 9000");
  EXPECT_EQ(cpu->logical_cpus, 2u);
  EXPECT_EQ(cpu->packages, 1u);
  EXPECT_TRUE(cpu->flags.count("hypervisor"));
  EXPECT_EQ(read_mem_total_bytes(report_fixture("system/proc")), 8388608ull * 1024);
  EXPECT_EQ(read_os_name(report_fixture("system/os-release")), "Fixture Linux 1 (test)");
  EXPECT_EQ(read_kernel_release(report_fixture("system/proc")), "Linux 6.1.0-fixture");
  const auto caches = read_sysfs_caches(report_fixture("system/sys"));
  ASSERT_EQ(caches.size(), 4u);
  EXPECT_EQ(caches[0].bytes, 48u * 1024);
  EXPECT_EQ(caches[3].shared_by, 2);
  const auto pmu = read_pmu_devices(report_fixture("system/sys"));
  EXPECT_TRUE(pmu.listed);
  EXPECT_FALSE(pmu.has_cpu_pmu);
  EXPECT_THAT(pmu.names, ElementsAre("software", "tracepoint"));
  EXPECT_TRUE(read_governors(report_fixture("system/sys")).per_cpu.empty());
}

TEST(ReportSystem, AbsentSourcesGiveNothingRatherThanAGuess) {
  ScratchDir dir;
  EXPECT_FALSE(read_cpuinfo(dir.path()).has_value());
  EXPECT_FALSE(read_mem_total_bytes(dir.path()).has_value());
  EXPECT_FALSE(read_os_name(dir / "os-release").has_value());
  EXPECT_TRUE(read_sysfs_caches(dir.path()).empty());
  EXPECT_FALSE(read_pmu_devices(dir.path()).listed);
  EXPECT_EQ(parse_cache_size("32K"), 32768u);
  EXPECT_EQ(parse_cache_size("1024K"), 1048576u);
  EXPECT_EQ(parse_cache_size("32M"), 33554432u);
  EXPECT_FALSE(parse_cache_size("lots").has_value());
}

TEST(ReportSystem, GovernorsAreReadPerCpu) {
  ScratchDir dir;
  write_text(dir / "devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
  write_text(dir / "devices/system/cpu/cpu0/cpufreq/scaling_driver", "acpi-cpufreq\n");
  write_text(dir / "devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave\n");
  const auto g = read_governors(dir.path());
  EXPECT_THAT(g.per_cpu, ElementsAre("performance", "powersave"));
  EXPECT_EQ(g.driver, "acpi-cpufreq");
}

}  // namespace
}  // namespace engram::report
