// Reading Google Benchmark JSON, and every bad-input case with the file and
// the place named in the message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"
#include "stats_test_support.hpp"

namespace ea = engram::benchstats;
using stats_test::fixture;
using ::testing::HasSubstr;

namespace {

std::string error_of(const std::string& path) {
  try {
    ea::read_benchmark_json(path);
  } catch (const ea::BenchmarkJsonError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(BenchmarkJson, ReadsRepetitionsAndSkipsAggregates) {
  const ea::BenchmarkFile f = ea::read_benchmark_json(fixture("old.json"));
  ASSERT_EQ(f.benchmarks.size(), 2u);
  EXPECT_EQ(f.benchmarks[0].name, "kernel_a/optimized");
  EXPECT_EQ(f.benchmarks[1].name, "kernel_b/optimized");
  const ea::BenchmarkSamples* a = f.find("kernel_a/optimized");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->repetitions(), 10u);  // the "_median" aggregate is not a repetition
  EXPECT_DOUBLE_EQ(a->cpu_ns[0], 100.0e3);  // 100 us
  EXPECT_DOUBLE_EQ(a->real_ns[0], 150.0e3);
  EXPECT_EQ(&a->times(ea::TimeMeasure::cpu), &a->cpu_ns);
  EXPECT_EQ(f.context.at("engram.simd_level"), "avx2");
  EXPECT_EQ(f.context.at("num_cpus"), "2");  // non-strings as JSON text
  EXPECT_EQ(f.find("kernel_a/optimized_median"), nullptr);
}

TEST(BenchmarkJson, NormalisesEveryTimeUnitToNanoseconds) {
  const ea::BenchmarkFile us = ea::read_benchmark_json(fixture("same.json"));
  const ea::BenchmarkFile mixed = ea::read_benchmark_json(fixture("same_other_units.json"));
  for (const char* name : {"kernel_a/optimized", "kernel_b/optimized"}) {
    const auto& a = us.find(name)->cpu_ns;
    const auto& b = mixed.find(name)->cpu_ns;
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-9 * a[i]) << name << " #" << i;
  }
  EXPECT_DOUBLE_EQ(ea::nanoseconds_per("s"), 1e9);
  EXPECT_DOUBLE_EQ(ea::nanoseconds_per("ms"), 1e6);
  EXPECT_DOUBLE_EQ(ea::nanoseconds_per("us"), 1e3);
  EXPECT_DOUBLE_EQ(ea::nanoseconds_per("ns"), 1);
  EXPECT_THROW(ea::nanoseconds_per("min"), std::invalid_argument);
}

TEST(BenchmarkJson, ReadsUserCounters) {
  const ea::BenchmarkFile f = ea::read_benchmark_json(fixture("sim_old.json"));
  const auto& counters = f.find("kernel_b/optimized")->counters;
  ASSERT_EQ(counters.count("TOT_INS"), 1u);
  EXPECT_EQ(counters.at("TOT_INS"), (std::vector<double>{50000, 50000}));
  EXPECT_EQ(counters.count("iterations"), 0u);  // standard fields are not counters
}

TEST(BenchmarkJsonErrors, EmptyFile) {
  const std::string e = error_of(fixture("empty.json"));
  EXPECT_THAT(e, HasSubstr("empty.json"));
  EXPECT_THAT(e, HasSubstr("empty file"));
  EXPECT_THAT(e, HasSubstr("--benchmark_out=FILE"));  // says how to make one
}

TEST(BenchmarkJsonErrors, MalformedNamesLineColumnAndByte) {
  // The stray second comma is on line 4, column 60.
  const std::string e = error_of(fixture("malformed.json"));
  EXPECT_THAT(e, HasSubstr("malformed.json:4:60 (byte"));
  EXPECT_THAT(e, HasSubstr("malformed JSON"));
}

TEST(BenchmarkJsonErrors, TruncatedSaysTruncated) {
  const std::string e = error_of(fixture("truncated.json"));
  EXPECT_THAT(e, HasSubstr("truncated.json:"));
  EXPECT_THAT(e, HasSubstr("(byte 701)"));  // one past the 700 bytes kept
  EXPECT_THAT(e, HasSubstr("truncated JSON"));
}

// A repetition lacking a field is left out, and its benchmark says which
// entry lacked what; the file is still read (issue 15: never reject a whole
// file for one benchmark).
TEST(BenchmarkJsonMissing, MissingFieldNamesTheEntry) {
  const ea::BenchmarkFile f = ea::read_benchmark_json(fixture("missing_field.json"));
  const ea::BenchmarkSamples* a = f.find("kernel_a/optimized");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->missing.size(), 1u);
  EXPECT_EQ(a->missing[0], "no \"cpu_time\": repetition left out (/benchmarks/1)");
  EXPECT_GT(a->repetitions(), 0u);  // the complete repetitions are kept
}

TEST(BenchmarkJsonMissing, UnknownTimeUnitNamesTheEntryAndUnit) {
  const ea::BenchmarkFile f = ea::read_benchmark_json(fixture("bad_unit.json"));
  const ea::BenchmarkSamples* a = f.find("kernel_a/optimized");
  ASSERT_NE(a, nullptr);
  ASSERT_FALSE(a->missing.empty());
  EXPECT_THAT(a->missing[0], HasSubstr("unknown time unit \"fortnight\""));
  EXPECT_THAT(a->missing[0], HasSubstr("repetition left out (/benchmarks/2)"));
}

TEST(BenchmarkJsonMissing, AggregatesOnlyKeepsTheAggregatesAndSaysSo) {
  const ea::BenchmarkFile f = ea::read_benchmark_json(fixture("aggregates_only.json"));
  ASSERT_FALSE(f.benchmarks.empty());
  const ea::BenchmarkSamples& b = f.benchmarks[0];
  EXPECT_TRUE(b.aggregates_only());
  EXPECT_TRUE(b.aggregate_median_ns(ea::TimeMeasure::cpu).has_value());
  EXPECT_THAT(b.unusable_reason(), HasSubstr("--benchmark_report_aggregates_only"));
}

TEST(BenchmarkJsonErrors, MissingFileAndDirectory) {
  EXPECT_THAT(error_of(fixture("no_such_file.json")), HasSubstr("no_such_file.json: no such file"));
  EXPECT_THAT(error_of(std::string(ENGRAM_STATS_FIXTURES)), HasSubstr("fixtures: is a folder, not a file"));
}

TEST(BenchmarkJsonErrors, StructuralProblems) {
  const auto parse_error = [](const std::string& text) {
    try {
      ea::parse_benchmark_json(text, "t.json");
    } catch (const ea::BenchmarkJsonError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_THAT(parse_error("[1, 2]"), HasSubstr("t.json: top level is not a JSON object"));
  EXPECT_THAT(parse_error("{\"context\": {}}"), HasSubstr("t.json: no \"benchmarks\" array"));
  EXPECT_THAT(parse_error("{\"benchmarks\": {}}"), HasSubstr("\"benchmarks\" is not an array"));
  EXPECT_THAT(parse_error("{\"benchmarks\": []}"), HasSubstr("t.json: no benchmark results"));
  // Entries that name no benchmark are left out; with nothing else, no results.
  EXPECT_THAT(parse_error("{\"benchmarks\": [3]}"),
              HasSubstr("t.json: no benchmark results (\"benchmarks\" names no benchmark: /benchmarks/0: not an object"));
  EXPECT_THAT(parse_error("{\"benchmarks\": [{\"run_type\": \"iteration\"}]}"),
              HasSubstr("/benchmarks/0: no \"name\""));
  EXPECT_THAT(parse_error("{\"benchmarks\": [{\"name\": \"x\", \"run_type\": \"iteration\", \"real_time\": \"1\", "
                          "\"cpu_time\": 1, \"time_unit\": \"ns\"}]}"),
              HasSubstr("t.json: /benchmarks/0/real_time: expected a number, found a string"));
  EXPECT_THAT(parse_error("{\"benchmarks\": [{\"name\": \"x\", \"run_type\": \"iteration\", \"real_time\": -1, "
                          "\"cpu_time\": 1, \"time_unit\": \"ns\"}]}"),
              HasSubstr("t.json: /benchmarks/0/real_time: expected a number >= 0, found -1"));
  EXPECT_THAT(parse_error("{\"benchmarks\": [{\"name\": \"x\", \"run_type\": \"iteration\", \"real_time\": 1, "
                          "\"cpu_time\": 1e308, \"time_unit\": \"s\"}]}"),
              HasSubstr("t.json: /benchmarks/0/cpu_time: a time too large to hold in nanoseconds"));
  EXPECT_THAT(parse_error("{\"benchmarks\": [{\"name\": \"x\", \"run_type\": \"iteration\", \"real_time\": 1, "
                          "\"cpu_time\": 1, \"time_unit\": \"ns\", \"L1_DCM\": -2}]}"),
              HasSubstr("t.json: /benchmarks/0/L1_DCM: expected a number >= 0, found -2"));
  const ea::BenchmarkFile bogus =
      ea::parse_benchmark_json("{\"benchmarks\": [{\"name\": \"x\", \"run_type\": \"bogus\"}]}", "t.json");
  ASSERT_EQ(bogus.benchmarks.size(), 1u);
  EXPECT_THAT(bogus.benchmarks[0].unusable_reason(), HasSubstr("unknown run_type \"bogus\""));
  EXPECT_THAT(bogus.benchmarks[0].unusable_reason(), HasSubstr("(/benchmarks/0)"));
}

TEST(BenchmarkJson, ErrorEntriesAreKeptWithTheirMessage) {
  const ea::BenchmarkFile f = ea::parse_benchmark_json(
      "{\"benchmarks\": [{\"name\": \"x\", \"run_type\": \"iteration\", \"error_occurred\": true, "
      "\"error_message\": \"out of memory\", \"real_time\": 0, \"cpu_time\": 0, \"time_unit\": \"ns\"}]}",
      "t.json");
  ASSERT_EQ(f.benchmarks.size(), 1u);
  EXPECT_EQ(f.benchmarks[0].error_message, "out of memory");
  EXPECT_EQ(f.benchmarks[0].repetitions(), 0u);
}

// Google Benchmark writes non-finite doubles as bare NaN / Infinity (the cv
// of a counter that is always 0): such a counter is missing in that entry,
// never 0, words inside strings stay as they are, and an error further on
// still names its place in the file as written.
TEST(BenchmarkJson, NonFiniteCountersFromGoogleBenchmarkAreMissing) {
  const std::string entry =
      "{\"name\": \"x\", \"run_type\": \"iteration\", \"real_time\": 2, \"cpu_time\": 2, "
      "\"time_unit\": \"ns\", \"page-faults\": NaN, \"up\": Infinity, \"down\": -Infinity, "
      "\"minus\": -NaN, \"ok\": 3, \"label\": \"NaN and Infinity\"}";
  const ea::BenchmarkFile f = ea::parse_benchmark_json(
      "{\"context\": {\"note\": \"-Infinity\"}, \"benchmarks\": [" + entry + "]}", "t.json");
  ASSERT_EQ(f.benchmarks.size(), 1u);
  EXPECT_EQ(f.context.at("note"), "-Infinity");
  EXPECT_EQ(f.benchmarks[0].counters.count("page-faults"), 0u);
  EXPECT_EQ(f.benchmarks[0].counters.count("up"), 0u);
  EXPECT_EQ(f.benchmarks[0].counters.count("down"), 0u);
  EXPECT_EQ(f.benchmarks[0].counters.count("minus"), 0u);
  ASSERT_EQ(f.benchmarks[0].counters.count("ok"), 1u);
  EXPECT_EQ(f.benchmarks[0].counters.at("ok").at(0), 3.0);

  // "NaNo" is not the word NaN: still an error. And after NaN and
  // -Infinity on line 1, a stray comma on line 2 is reported at its own column.
  std::string message;
  try {
    ea::parse_benchmark_json("{\"a\": NaN, \"b\": -Infinity,\n \"c\": 1,, \"d\": 2}", "t.json");
  } catch (const ea::BenchmarkJsonError& e) {
    message = e.what();
  }
  EXPECT_THAT(message, HasSubstr("t.json:2:9 (byte 36): malformed JSON")) << message;
  EXPECT_THROW(ea::parse_benchmark_json("{\"a\": NaNo}", "t.json"), ea::BenchmarkJsonError);
  EXPECT_THROW(ea::parse_benchmark_json("{\"benchmarks\": [{\"name\": \"x\", \"run_type\": \"iteration\", "
                                        "\"real_time\": NaN, \"cpu_time\": 1, \"time_unit\": \"ns\"}]}",
                                        "t.json"),
               ea::BenchmarkJsonError);  // a time that is not a number stays an error
}

TEST(BenchmarkJson, TimeMeasureNames) {
  EXPECT_EQ(ea::parse_time_measure("cpu"), ea::TimeMeasure::cpu);
  EXPECT_EQ(ea::parse_time_measure("real"), ea::TimeMeasure::real);
  EXPECT_THROW(ea::parse_time_measure("wall"), std::invalid_argument);
}

// The noise figures baseline writes per repetition (noise_* user counters):
// one RepetitionNoise per repetition, in file order, never among the counters.
TEST(BenchmarkJsonNoise, ReadsOneNoiseRecordPerRepetition) {
  const ea::BenchmarkFile f = ea::read_benchmark_json(fixture("noise_run2.json"));
  const ea::BenchmarkSamples* rerun = f.find("rerun");
  ASSERT_NE(rerun, nullptr);
  // Five first-pass repetitions (the last two disturbed) and two re-run ones,
  // which are more entries of the same name.
  ASSERT_EQ(rerun->repetitions(), 7u);
  ASSERT_EQ(rerun->noise.size(), rerun->repetitions());
  EXPECT_EQ(rerun->disturbed_count(), 2u);
  EXPECT_FALSE(rerun->noise[2].disturbed);
  EXPECT_TRUE(rerun->noise[3].disturbed);
  EXPECT_TRUE(rerun->noise[4].disturbed);
  EXPECT_EQ(rerun->noise[4].rerun, 0u);
  EXPECT_EQ(rerun->noise[5].rerun, 1u);
  EXPECT_FALSE(rerun->noise[5].disturbed);
  // Aligned with the times: the disturbed repetitions are the 58 ns ones.
  EXPECT_DOUBLE_EQ(rerun->cpu_ns[3], 58);
  EXPECT_DOUBLE_EQ(*rerun->noise[3].wall_ns, 58'000);
  EXPECT_DOUBLE_EQ(*rerun->noise[3].run_delay_ns, 5'800);
  EXPECT_DOUBLE_EQ(*rerun->noise[3].loadavg, 0.25);
  EXPECT_DOUBLE_EQ(*rerun->noise[0].steal_ns, 0);  // measured as 0, not absent
  EXPECT_EQ(rerun->undisturbed_times(ea::TimeMeasure::cpu), (std::vector<double>{50, 50, 51, 50, 50}));
  EXPECT_EQ(rerun->undisturbed_times(ea::TimeMeasure::real).size(), 5u);
  // Noise figures are not counters of the code; a real counter still is.
  EXPECT_TRUE(rerun->counters.empty());
  const ea::BenchmarkSamples* code = f.find("code_spread");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->counters.size(), 1u);
  EXPECT_EQ(code->counters.count("TOT_INS"), 1u);
  EXPECT_EQ(f.virtualized(), false);
  EXPECT_EQ(ea::read_benchmark_json(fixture("noise_run1.json")).virtualized(), true);
}

// The memory probe (noise_memory_probe_ns, noise_memory_slowdown): read per
// repetition with the other figures, absent where the probe was off.
TEST(BenchmarkJsonNoise, ReadsTheMemoryProbePerRepetition) {
  const ea::BenchmarkFile f = ea::read_benchmark_json(fixture("memprobe_run1.json"));
  const ea::BenchmarkSamples* slow = f.find("bandwidth_slow");
  ASSERT_NE(slow, nullptr);
  ASSERT_EQ(slow->noise.size(), 5u);
  // Aligned with the times: the disturbed 140 ns repetition read 9 ms.
  EXPECT_DOUBLE_EQ(slow->cpu_ns[4], 140);
  EXPECT_TRUE(slow->noise[4].disturbed);
  EXPECT_DOUBLE_EQ(*slow->noise[4].memory_probe_ns, 9.0e6);
  EXPECT_DOUBLE_EQ(*slow->noise[4].memory_slowdown, 2.6);
  EXPECT_DOUBLE_EQ(*slow->noise[0].memory_probe_ns, 2.8e6);
  EXPECT_DOUBLE_EQ(*slow->noise[0].memory_slowdown, 0.12);
  EXPECT_TRUE(slow->counters.empty());  // noise figures, not counters of the code
  const ea::BenchmarkSamples* off = f.find("no_probe");
  ASSERT_NE(off, nullptr);
  EXPECT_FALSE(off->noise[0].memory_probe_ns.has_value());
  EXPECT_FALSE(off->noise[0].memory_slowdown.has_value());
  EXPECT_TRUE(off->noise[0].steal_ns.has_value());  // the other figures were measured
  // Files from before the probe: absent, not 0.
  EXPECT_FALSE(ea::read_benchmark_json(fixture("noise_run2.json")).benchmarks[0].noise[0].memory_probe_ns.has_value());
}

TEST(BenchmarkJsonNoise, FilesWithoutNoiseReadAsUndisturbedWithNoFigures) {
  const ea::BenchmarkFile f = ea::read_benchmark_json(fixture("old.json"));
  const ea::BenchmarkSamples& a = f.benchmarks[0];
  ASSERT_EQ(a.noise.size(), a.repetitions());
  EXPECT_EQ(a.disturbed_count(), 0u);
  EXPECT_EQ(a.undisturbed_times(ea::TimeMeasure::cpu), a.cpu_ns);
  EXPECT_FALSE(a.noise[0].steal_ns.has_value());
  EXPECT_FALSE(a.noise[0].run_delay_ns.has_value());
  EXPECT_FALSE(a.noise[0].wall_ns.has_value());
  EXPECT_EQ(f.virtualized(), std::nullopt);
}

TEST(BenchmarkJsonNoise, BadValuesAreRefusedAtTheirPointer) {
  const auto error_with = [](const std::string& figure) {
    try {
      ea::parse_benchmark_json("{\"benchmarks\": [{\"name\": \"x\", \"run_type\": \"iteration\", \"real_time\": 1, "
                               "\"cpu_time\": 1, \"time_unit\": \"ns\"}, {\"name\": \"x\", \"run_type\": \"iteration\", "
                               "\"real_time\": 1, \"cpu_time\": 1, \"time_unit\": \"ns\", " +
                                   figure + "}]}",
                               "t.json");
    } catch (const ea::BenchmarkJsonError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_THAT(error_with("\"noise_steal_ns\": -5"),
              HasSubstr("t.json: /benchmarks/1/noise_steal_ns: expected a number >= 0, found -5"));
  EXPECT_THAT(error_with("\"noise_run_delay_ns\": \"3\""),
              HasSubstr("t.json: /benchmarks/1/noise_run_delay_ns: expected a number, found a string"));
  EXPECT_THAT(error_with("\"noise_disturbed\": 2"),
              HasSubstr("t.json: /benchmarks/1/noise_disturbed: expected a whole number in [0, 1], found 2"));
  EXPECT_THAT(error_with("\"noise_disturbed\": 0.5"), HasSubstr("/benchmarks/1/noise_disturbed: expected a whole"));
  EXPECT_THAT(error_with("\"noise_rerun\": 1.5"), HasSubstr("/benchmarks/1/noise_rerun: expected a whole number"));
  EXPECT_THAT(error_with("\"noise_rerun\": -1"), HasSubstr("/benchmarks/1/noise_rerun: expected a whole number"));
  EXPECT_THAT(error_with("\"noise_loadavg\": -0.5"), HasSubstr("/benchmarks/1/noise_loadavg: expected a number >= 0"));
  EXPECT_THAT(error_with("\"noise_memory_probe_ns\": -1"),
              HasSubstr("t.json: /benchmarks/1/noise_memory_probe_ns: expected a number >= 0, found -1"));
  EXPECT_THAT(error_with("\"noise_memory_slowdown\": \"0.2\""),
              HasSubstr("/benchmarks/1/noise_memory_slowdown: expected a number, found a string"));
  // Absent (or NaN, read as null) is "not measured", never an error and never 0.
  EXPECT_EQ(error_with("\"noise_steal_ns\": NaN, \"noise_disturbed\": 1"), "(no error)");
}

// Benchmarks are found by name through an index kept beside the vector: a
// hostile file naming many distinct benchmarks reads (and compares) in linear
// time, in the order of first appearance, with repetitions of one name merged
// wherever they stand in the file.
TEST(BenchmarkJson, ManyDistinctNamesAreIndexedInOrderOfFirstAppearance) {
  const auto entry = [](const std::string& name, int time) {
    return "{\"name\": \"" + name + "\", \"run_type\": \"iteration\", \"real_time\": " + std::to_string(time) +
           ", \"cpu_time\": " + std::to_string(time) + ", \"time_unit\": \"ns\"}";
  };
  const ea::BenchmarkFile small = ea::parse_benchmark_json(
      "{\"benchmarks\": [" + entry("b", 1) + ", " + entry("a", 2) + ", " + entry("b", 3) + "]}", "t.json");
  ASSERT_EQ(small.benchmarks.size(), 2u);
  EXPECT_EQ(small.benchmarks[0].name, "b");
  EXPECT_EQ(small.benchmarks[0].cpu_ns, (std::vector<double>{1, 3}));
  EXPECT_EQ(small.benchmarks[1].name, "a");
  ASSERT_EQ(small.index.size(), 2u);
  EXPECT_EQ(small.index.at("b"), 0u);
  EXPECT_EQ(small.index.at("a"), 1u);
  EXPECT_EQ(small.find("a"), &small.benchmarks[1]);
  EXPECT_EQ(small.find("c"), nullptr);

  // A file built by hand, without the index, is still searched.
  ea::BenchmarkFile by_hand;
  by_hand.benchmarks.resize(2);
  by_hand.benchmarks[0].name = "x";
  by_hand.benchmarks[1].name = "y";
  EXPECT_EQ(by_hand.find("y"), &by_hand.benchmarks[1]);
  EXPECT_EQ(by_hand.find("z"), nullptr);

  // Many distinct names: every one is in the index, at its place, so a
  // lookup is one hash probe (no timing asserted here: a unit test checks
  // correctness; the index is what makes a hostile file linear).
  constexpr int kNames = 20000;
  std::string text = "{\"benchmarks\": [";
  for (int i = 0; i < kNames; ++i) {
    if (i > 0) text += ',';
    text += entry("BM_" + std::to_string(i), 1);
  }
  text += "]}";
  const ea::BenchmarkFile big = ea::parse_benchmark_json(text, "big.json");
  ASSERT_EQ(big.benchmarks.size(), static_cast<std::size_t>(kNames));
  ASSERT_EQ(big.index.size(), static_cast<std::size_t>(kNames));
  std::size_t found = 0;
  for (int i = 0; i < kNames; ++i) {
    const std::string name = "BM_" + std::to_string(i);
    const auto at = big.index.find(name);
    found += at != big.index.end() && at->second == static_cast<std::size_t>(i) && big.find(name) == &big.benchmarks[i];
  }
  EXPECT_EQ(found, static_cast<std::size_t>(kNames));
  EXPECT_EQ(big.benchmarks.back().name, "BM_" + std::to_string(kNames - 1));
}
