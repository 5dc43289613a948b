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

// Hot spots, stability, counter statuses and the machine snapshot are read
// with their owners' readers (their own tests cover the formats); here: the
// fixtures are what those readers accept, and load_inputs puts them in place.
TEST(ReportInputs, EveryFixtureIsReadWithItsOwnersReader) {
  ReportInputs paths;
  paths.hotspots = report_fixture("hotspots.json");
  paths.bench = report_fixture("bench.json");
  paths.counters_bench = report_fixture("counters.json");
  paths.stability = report_fixture("stability.json");
  paths.machine = report_fixture("machine.json");
  const LoadedInputs in = load_inputs(paths);
  const profile::HotspotReport& h = in.hotspots;
  EXPECT_EQ(h.hotspots.total_samples, 4000u);
  EXPECT_EQ(h.context.event, "cpu-clock");
  ASSERT_EQ(h.hotspots.top_inclusive.size(), 5u);
  EXPECT_EQ(h.hotspots.top_inclusive[1].name, "engram::optimized::N_AVX2::cosine_batch");
  ASSERT_EQ(h.hotspots.families.size(), 4u);
  EXPECT_EQ(h.hotspots.families[1].family, "activation spreading");
  EXPECT_EQ(h.hotspots.families[1].verdict, profile::BandVerdict::kBelow);
  EXPECT_FALSE(h.hotspots.families[3].band.has_value());
  EXPECT_THAT(h.warnings, ElementsAre("fixture warning"));

  ASSERT_EQ(in.counter_statuses.counters.size(), 3u);
  EXPECT_EQ(in.counter_statuses.counters[1].status, counters::Status::unsupported);

  ASSERT_TRUE(in.stability.has_value());
  EXPECT_EQ(in.stability->sources.size(), 3u);
  ASSERT_EQ(in.stability->benchmarks.size(), 3u);
  EXPECT_FALSE(in.stability->benchmarks[2].cv.has_value());

  ASSERT_TRUE(in.machine.has_value());
  EXPECT_EQ(in.machine->cpu_model, "Fixture CPU 9000");
  ASSERT_NE(in.machine->chosen_cache("L1d"), nullptr);
  EXPECT_EQ(in.machine->chosen_cache("L1d")->bytes, 32768u);

  ASSERT_TRUE(in.workload.has_value());
  ASSERT_NE(in.workload->find("spreading_activation_1000/optimized"), nullptr);
  EXPECT_EQ(in.workload->find("spreading_activation_1000/optimized")->family, "activation spreading");
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
    if (field == "machine") in.machine = path;
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
  for (const char* field : {"hotspots", "bench", "counters", "roofline", "ceilings", "stability", "flamegraph", "machine"}) {
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
  EXPECT_THAT(load_error(with("hotspots", "h.json", R"({"schema": "engram-roofline", "version": 1})")),
              HasSubstr("h.json: /schema: schema \"engram-roofline\", expected \"engram-hotspots\""));
  EXPECT_THAT(load_error(with("roofline", "r.json", R"({"schema": "engram-roofline/1", "ceilings": {}})")),
              HasSubstr("r.json: /schema: schema \"engram-roofline/1\", expected \"engram-roofline\""));
  std::string roofline = read_text(report_fixture("roofline.json"));
  roofline.replace(roofline.find("\"arithmetic_intensity\": 0.5"), 27, "\"arithmetic_intensity\": \"high\"");
  EXPECT_THAT(load_error(with("roofline", "r.json", roofline)),
              HasSubstr("r.json: /points/0/arithmetic_intensity: expected a number, found a string"));
  EXPECT_THAT(load_error(with("stability", "s.json", R"({"schema": "engram-stability", "version": 2, "runs": [],
      "time": "cpu", "unit": "ns", "cv_limit": 0.05, "estimator": {"name": "min", "reason": "r"}})")),
              HasSubstr("s.json: /benchmarks: missing"));
  EXPECT_THAT(load_error(with("ceilings", "c.json", R"([1, 2])")), HasSubstr("c.json: /: expected a JSON object"));
}

TEST_F(ReportBadInput, BenchmarkFileProblemsNameTheEntry) {
  // An unknown time unit cannot be converted, but one entry never rejects
  // the file (issue 15): that repetition is left out and its benchmark says
  // so (benchstats::BenchmarkSamples::missing, docs/gbench_json_versions.md).
  std::string bench = read_text(report_fixture("bench.json"));
  const auto at = bench.find("\"us\"");
  bench.replace(at, 4, "\"fortnights\"");
  EXPECT_EQ(load_error(with("bench", "units.json", bench)), "(no error)");
  const auto file = benchstats::parse_benchmark_json(bench, "units.json");
  ASSERT_NE(file.find("vector_similarity_1000/reference"), nullptr);
  EXPECT_THAT(file.find("vector_similarity_1000/reference")->missing,
              ::testing::Contains(HasSubstr("unknown time unit \"fortnights\" (expected ns, us, ms or s): repetition left out (/benchmarks/0)")));
  EXPECT_THAT(load_error(with("bench", "none.json", R"({"context": {}, "benchmarks": []})")),
              HasSubstr("none.json: no benchmark results"));
  EXPECT_THAT(load_error(with("bench", "notgb.json", R"({"points": []})")), HasSubstr("notgb.json: no \"benchmarks\""));
}

// Valid JSON with values that cannot be: each owner's reader refuses it at
// the JSON pointer (the rule is io::JsonValue's checked getters), so the
// report never prints a "-3.50 GHz" clock or a negative share.
TEST_F(ReportBadInput, ImpossibleValuesAreRefusedAtTheirPointer) {
  struct Case {
    const char* field;
    const char* fixture;
    std::string from, to;
    std::string expected;
  };
  const Case cases[] = {
      {"machine", "machine.json", "\"cpuinfo_mhz\": 2600.0", "\"cpuinfo_mhz\": -3500",
       "/clock/cpuinfo_mhz: expected a clock rate in [1, 100000] MHz, found -3500"},
      {"machine", "machine.json", "\"cpuinfo_mhz\": 2600.0", "\"cpuinfo_mhz\": 1e9",
       "/clock/cpuinfo_mhz: expected a clock rate in [1, 100000] MHz, found 1000000000.0"},
      {"ceilings", "ceilings.json", "\"ghz\": 3.5", "\"ghz\": -3.5",
       "/clock/ghz: expected a clock rate in [0.001, 100] GHz, found -3.5"},
      {"ceilings", "ceilings.json", "\"cpuinfo_mhz\": 2600.0", "\"cpuinfo_mhz\": 0.5",
       "/machine/cpuinfo_mhz: expected a clock rate in [1, 100000] MHz, found 0.5"},
      {"roofline", "roofline.json", "\"clock_ghz\": 3.5", "\"clock_ghz\": -3.5",
       "/ceilings/clock_ghz: expected a clock rate in [0.001, 100] GHz, found -3.5"},
      {"roofline", "roofline.json", "\"working_set_bytes\": ", "\"working_set_bytes\": -",
       "/points/0/working_set_bytes: expected a number >= 0, found -"},
      {"roofline", "roofline.json", "\"fraction_of_roof\": ", "\"fraction_of_roof\": -",
       "/points/0/fraction_of_roof: expected a number >= 0, found -"},
      {"roofline", "roofline.json", "\"avx2\": 111.0", "\"avx2\": -3.5",
       "/ceilings/peak_gflops/avx2: expected a number > 0, found -3.5"},
      {"stability", "stability.json", "\"cv\": 0.0083", "\"cv\": -3.5",
       "/benchmarks/0/cv: expected a number >= 0, found -3.5"},
      {"stability", "stability.json", "\"min\": ", "\"min\": -",
       "/benchmarks/0/min: expected a number >= 0, found -"},
      {"stability", "stability.json", "\"steal_max_fraction\": 0.002", "\"steal_max_fraction\": -0.5",
       "/benchmarks/0/noise/steal_max_fraction: expected a number >= 0, found -0.5"},
      {"hotspots", "hotspots.json", "\"percent\": 97.5", "\"percent\": -3.5",
       "/top_inclusive/0/percent: expected a number in [0, 100], found -3.5"},
      {"hotspots", "hotspots.json", "\"percent\": 97.5", "\"percent\": 150",
       "/top_inclusive/0/percent: expected a number in [0, 100], found 150"},
      {"counters", "counters.json", "\"time_unit\": \"us\"", "\"time_unit\": \"us\", \"bogus_count\": -2",
       "/bogus_count: expected a number >= 0, found -2"},
  };
  for (const Case& c : cases) {
    std::string text = read_text(report_fixture(c.fixture));
    const auto at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.fixture << ": " << c.from;
    text.replace(at, c.from.size(), c.to);
    const std::string error = load_error(with(c.field, std::string("bad-") + c.fixture, text));
    EXPECT_THAT(error, StartsWith((dir_ / (std::string("bad-") + c.fixture)).string() + ": /")) << c.to;
    EXPECT_THAT(error, HasSubstr(c.expected)) << c.to;
  }
}

TEST_F(ReportBadInput, AnotherVersionOfAnOwnersFormatIsAClearError) {
  std::string hotspots = read_text(report_fixture("hotspots.json"));
  hotspots.replace(hotspots.find("\"version\": 1"), 12, "\"version\": 2");
  EXPECT_THAT(load_error(with("hotspots", "h2.json", hotspots)),
              HasSubstr("h2.json: /version: engram-hotspots version 2; this build reads version 1"));
  std::string stability = read_text(report_fixture("stability.json"));
  // A version 1 file (run medians, no noise) is an older build's: refused, naming both versions.
  stability.replace(stability.find("\"version\": 2"), 12, "\"version\": 1");
  EXPECT_THAT(load_error(with("stability", "s1.json", stability)),
              HasSubstr("s1.json: /version: engram-stability version 1; this build reads version 2"));
  std::string machine = read_text(report_fixture("machine.json"));
  machine.replace(machine.find("\"version\": 1"), 12, "\"version\": 2");
  EXPECT_THAT(load_error(with("machine", "m2.json", machine)),
              HasSubstr("m2.json: /version: engram-machine version 2; this build reads version 1"));
  // The counter statuses of an older baseline: a bare list, refused by name.
  std::string counters = read_text(report_fixture("counters.json"));
  const auto at = counters.find("\"engram.counters\": ");
  counters.replace(at, counters.find('\n', at) - at,
                   R"("engram.counters": "[{\"counter\": \"cycles\", \"status\": \"counted\"}]",)");
  EXPECT_THAT(load_error(with("counters", "c0.json", counters)),
              HasSubstr("c0.json: context \"engram.counters\": /: expected a JSON object"));
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
  const auto rows = summarize_benchmarks(file, benchstats::TimeMeasure::cpu, benchstats::Estimator::median);
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
  const auto rows = summarize_benchmarks(file, benchstats::TimeMeasure::real, benchstats::Estimator::median);
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
  const auto mixed = summarize_benchmarks(benchstats::parse_benchmark_json(doc.dump(), "mixed.json"), benchstats::TimeMeasure::cpu,
                                          benchstats::Estimator::median);
  const auto plain = summarize_benchmarks(benchstats::parse_benchmark_json(read_text(report_fixture("bench.json")), "b.json"),
                                          benchstats::TimeMeasure::cpu, benchstats::Estimator::median);
  ASSERT_EQ(mixed.size(), plain.size());
  for (std::size_t i = 0; i < mixed.size(); ++i) EXPECT_NEAR(mixed[i].median_ns, plain[i].median_ns, 1e-6);
}

TEST(ReportBenchmarks, PeerRatiosPairVariantsOfOneKernel) {
  const auto file = benchstats::parse_benchmark_json(read_text(report_fixture("bench.json")), "bench.json");
  const auto ratios = peer_ratios(file, benchstats::TimeMeasure::cpu, benchstats::Estimator::median);
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

// The ratio is the estimator's; its CI is the median ratio's whatever the
// estimator (a bootstrap of the minimum is degenerate at a few repetitions).
TEST(ReportBenchmarks, APeerRatiosCiIsTheMedianRatiosWhateverTheEstimator) {
  const auto file = benchstats::parse_benchmark_json(read_text(report_fixture("bench.json")), "bench.json");
  const auto* optimized = file.find("vector_similarity_1000/optimized");
  const auto* openblas = file.find("vector_similarity_1000/openblas");
  ASSERT_NE(optimized, nullptr);
  ASSERT_NE(openblas, nullptr);
  const auto& n = optimized->times(benchstats::TimeMeasure::cpu);
  const auto& d = openblas->times(benchstats::TimeMeasure::cpu);
  const benchstats::ConfidenceInterval expected = benchstats::bootstrap_median_ratio_ci(d, n);
  for (const auto estimator : {benchstats::Estimator::median, benchstats::Estimator::minimum, benchstats::Estimator::q25}) {
    SCOPED_TRACE(std::string(benchstats::to_string(estimator)));
    const auto ratios = peer_ratios(file, benchstats::TimeMeasure::cpu, estimator);
    const auto blas = std::find_if(ratios.begin(), ratios.end(), [](const PeerRatio& r) {
      return r.kernel == "vector_similarity_1000" && r.denominator == "openblas";
    });
    ASSERT_NE(blas, ratios.end());
    EXPECT_DOUBLE_EQ(*blas->value, benchstats::estimate(n, estimator) / benchstats::estimate(d, estimator));
    ASSERT_TRUE(blas->ci.has_value());
    EXPECT_DOUBLE_EQ(blas->ci->low, expected.low);
    EXPECT_DOUBLE_EQ(blas->ci->high, expected.high);
  }
}

TEST(ReportBenchmarks, AMissingSideOfAPairIsReportedWithTheFile) {
  nlohmann::json doc = nlohmann::json::parse(read_text(report_fixture("bench.json")));
  auto& list = doc["benchmarks"];
  list.erase(std::remove_if(list.begin(), list.end(),
                            [](const nlohmann::json& b) {
                              return b["name"].get<std::string>().rfind("decay_10k_memories/exponential/optimized", 0) == 0;
                            }),
             list.end());
  const auto ratios = peer_ratios(benchstats::parse_benchmark_json(doc.dump(), "partial.json"), benchstats::TimeMeasure::cpu,
                                  benchstats::Estimator::median);
  const auto sleef = std::find_if(ratios.begin(), ratios.end(), [](const PeerRatio& r) {
    return r.kernel == "decay_10k_memories/exponential" && r.denominator == "sleef";
  });
  ASSERT_NE(sleef, ratios.end());
  EXPECT_FALSE(sleef->value.has_value());
  EXPECT_EQ(sleef->missing, "decay_10k_memories/exponential/optimized is not in partial.json");
}

profile::HotspotReport fixture_hotspots() {
  return profile::hotspots_from_json(io::read_json_file(report_fixture("hotspots.json"), "h"));
}

// The workload manifest of the fixture benchmark run (its context "engram.workload").
bench::WorkloadManifest fixture_workload() {
  ReportInputs paths;
  paths.hotspots = report_fixture("hotspots.json");
  paths.bench = report_fixture("bench.json");
  return load_inputs(paths).workload.value();
}

TEST(ReportCandidates, PriorityIsShareTimesDistanceHighestFirst) {
  const auto h = fixture_hotspots();
  const auto r = roofline::read_roofline_json(report_fixture("roofline.json"));
  const auto workload = fixture_workload();
  const auto ranking = rank_candidates(h, r, &workload);
  // The profile shows engram::optimized:: frames only.
  EXPECT_THAT(ranking.variants, ElementsAre("optimized"));
  ASSERT_EQ(ranking.ranked.size(), 3u);
  EXPECT_EQ(ranking.ranked[0].benchmark, "decay_10k_memories/exponential/optimized");
  EXPECT_EQ(ranking.ranked[0].family, "memory decay");
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
  const auto h = fixture_hotspots();
  auto r = roofline::read_roofline_json(report_fixture("roofline.json"));
  const auto workload = fixture_workload();
  for (auto& p : r.points) {
    if (p.name == "spreading_activation_1000/optimized") p.fraction_of_roof = 1.001;
  }
  auto ranking = rank_candidates(h, r, &workload);
  const auto at = std::find_if(ranking.ranked.begin(), ranking.ranked.end(),
                               [](const auto& c) { return c.benchmark == "spreading_activation_1000/optimized"; });
  ASSERT_NE(at, ranking.ranked.end());
  EXPECT_DOUBLE_EQ(at->priority, 0.0);
  EXPECT_THAT(at->note, HasSubstr("at its roof (100.1%"));
  EXPECT_THAT(at->note, Not(HasSubstr("above")));
  for (auto& p : r.points) {
    if (p.name == "spreading_activation_1000/optimized") p.fraction_of_roof = roofline::kAtRoofTolerance + 0.01;
  }
  ranking = rank_candidates(h, r, &workload);
  for (const auto& c : ranking.ranked) {
    if (c.benchmark == "spreading_activation_1000/optimized") {
      EXPECT_THAT(c.note, HasSubstr("above its roof"));
    }
  }
}

TEST(ReportCandidates, BothVariantsWhenTheProfileDoesNotSay) {
  auto h = fixture_hotspots();
  for (auto* table : {&h.hotspots.top_inclusive, &h.hotspots.top_self}) {
    for (auto& row : *table) {
      row.name.clear();  // (assigning a literal here trips GCC 12's -Wrestrict false positive)
      row.name.push_back('f');
    }
  }
  const auto r = roofline::read_roofline_json(report_fixture("roofline.json"));
  const auto workload = fixture_workload();
  const auto ranking = rank_candidates(h, r, &workload);
  EXPECT_EQ(ranking.ranked.size(), 4u);  // + vector_similarity_1000/reference
  EXPECT_THAT(ranking.variant_rule, HasSubstr("both variants"));
}

// The family of a benchmark is the workload manifest's, never guessed from its name.
TEST(ReportCandidates, KernelFamiliesComeFromTheWorkloadManifest) {
  const auto h = fixture_hotspots();
  const auto r = roofline::read_roofline_json(report_fixture("roofline.json"));
  auto workload = fixture_workload();
  for (auto& e : workload.benchmarks) {
    if (e.name == "vector_similarity_1000/optimized") e.family = "memory decay";  // the manifest decides
    if (e.name == "decay_10k_memories/exponential/optimized") e.family.clear();   // no family: not ranked
  }
  const auto ranking = rank_candidates(h, r, &workload);
  ASSERT_EQ(ranking.ranked.size(), 2u);
  EXPECT_EQ(ranking.ranked[0].benchmark, "vector_similarity_1000/optimized");
  EXPECT_EQ(ranking.ranked[0].family, "memory decay");
  EXPECT_DOUBLE_EQ(ranking.ranked[0].share, 0.125);
  EXPECT_THAT(ranking.left_out,
              ::testing::Contains("decay_10k_memories/exponential/optimized: not a kernel of the profiled families"));
  // Without a manifest nothing is ranked, and the reason is given.
  const auto none = rank_candidates(h, r, nullptr);
  EXPECT_TRUE(none.ranked.empty());
  ASSERT_FALSE(none.left_out.empty());
  EXPECT_THAT(none.left_out[0], HasSubstr("no workload manifest"));
}

}  // namespace
}  // namespace engram::report
