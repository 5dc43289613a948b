// Hostile benchmark JSON given to every tool that reads it: each refuses it
// cleanly (exit 2, a message naming the file and the place), none crashes.
// compare, stability and ratios read through benchstats::read_benchmark_json,
// as do roofline and report (--bench, --counters-bench); harness_rows reads
// its own format through io::read_json_file. All of them parse with io's
// bounded parser, so one deep file per tool is enough here; the parser's own
// cases are in tests/io/test_json.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "stats_test_support.hpp"

using stats_test::fixture;
using stats_test::run;
using stats_test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A Google Benchmark JSON whose context is nested 100,000 deep (200 KB): the
// recursive dump() of the context used to overflow the stack of every reader.
std::string deep_context_json() {
  return "{\"context\": {\"deep\": " + std::string(100000, '[') + std::string(100000, ']') +
         "}, \"benchmarks\": []}";
}

std::string report_fixture(const std::string& name) { return std::string(ENGRAM_REPORT_FIXTURES) + "/" + name; }

struct Case {
  const char* tool;
  std::string command;
};

}  // namespace

TEST(HostileInputTool, ADeepContextIsRefusedByEveryBenchmarkJsonReader) {
  TempDir dir("deep");
  const std::string deep = dir.file("deep.json");
  write(deep, deep_context_json());
  const std::string good = fixture("old.json");
  const std::string out = dir.file("out");
  const std::string report = std::string(ENGRAM_REPORT_TOOL) + " --hotspots " + report_fixture("hotspots.json") +
                             " --markdown " + out + ".md --html " + out + ".html";
  const Case cases[] = {
      {"compare", std::string(ENGRAM_COMPARE_TOOL) + " " + good + " " + deep},
      {"compare", std::string(ENGRAM_COMPARE_TOOL) + " " + deep + " " + good},
      {"stability", std::string(ENGRAM_STABILITY_TOOL) + " " + good + " " + deep},
      {"ratios", std::string(ENGRAM_RATIOS_TOOL) + " " + deep},
      {"roofline", std::string(ENGRAM_ROOFLINE_TOOL) + " --ceilings " + report_fixture("ceilings.json") +
                       " --benchmarks " + deep + " --out-dir " + out},
      {"report", report + " --bench " + deep},
      {"report", report + " --bench " + report_fixture("bench.json") + " --counters-bench " + deep},
      {"harness_rows", std::string(ENGRAM_HARNESS_ROWS_TOOL) + " --pair " + deep + " " + deep},
  };
  for (const Case& c : cases) {
    const auto r = run(c.command);
    EXPECT_EQ(r.exit_code, 2) << c.command << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(std::string(c.tool) + ": error: " + deep + ":1:")) << c.command;
    EXPECT_THAT(r.output, HasSubstr("malformed JSON: nested deeper than 256 levels")) << c.command;
  }
}

// Anything after the value, a NUL included, and a number a double cannot
// hold are errors at their place, whatever tool reads the file.
TEST(HostileInputTool, TrailingBytesAndNumberOverflowNameTheFileAndThePlace) {
  TempDir dir("trailing");
  const std::string good = fixture("old.json");
  const std::string text = [&] {
    std::ifstream in(good, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  const std::string nul = dir.file("nul.json");
  write(nul, text + std::string("\0{\"benchmarks\": 1}", 18));
  const std::string garbage = dir.file("garbage.json");
  write(garbage, text + "\n]");
  const std::string overflow = dir.file("overflow.json");
  write(overflow, "{\"context\": {},\n \"benchmarks\": [{\"name\": \"x\", \"real_time\": -1e400}]}");

  auto r = run(std::string(ENGRAM_COMPARE_TOOL) + " " + good + " " + nul);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(nul + ":")) << r.output;
  EXPECT_THAT(r.output, HasSubstr("malformed JSON: a NUL byte")) << r.output;
  r = run(std::string(ENGRAM_RATIOS_TOOL) + " " + garbage);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(garbage + ":")) << r.output;
  EXPECT_THAT(r.output, HasSubstr("malformed JSON")) << r.output;
  r = run(std::string(ENGRAM_STABILITY_TOOL) + " " + good + " " + overflow);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(overflow + ":2:44 (byte 60): malformed JSON: number overflow")) << r.output;
}

// Values that cannot be are refused at their JSON pointer, never computed
// with: a negative counter, a negative peak RSS "below the 64 MiB target".
TEST(HostileInputTool, ImpossibleValuesAreRefusedAtTheirPointer) {
  TempDir dir("values");
  const std::string negative_counter = dir.file("counter.json");
  write(negative_counter,
        R"({"context": {}, "benchmarks": [{"name": "k/optimized", "run_type": "iteration", "real_time": 1,
            "cpu_time": 1, "time_unit": "ns", "L1_DCM": -3.5}]})");
  auto r = run(std::string(ENGRAM_COMPARE_TOOL) + " " + fixture("old.json") + " " + negative_counter);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(negative_counter + ": /benchmarks/0/L1_DCM: expected a number >= 0, found -3.5"));

  const auto harness = [&](const std::string& name, const std::string& implementation, const std::string& rss) {
    const std::string path = dir.file(name);
    write(path, R"({"schema": "engram-harness", "version": 1, "implementation": ")" + implementation +
                    R"(", "total_seconds": 2, "peak_rss_kib": )" + rss +
                    R"(, "phases": [{"name": "build", "seconds": 1}, {"name": "decay", "seconds": 1}]})");
    return path;
  };
  const std::string ref = harness("ref.json", "reference", "1000");
  const std::string opt = harness("opt.json", "optimized", "-5");
  r = run(std::string(ENGRAM_HARNESS_ROWS_TOOL) + " --pair " + ref + " " + opt);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(opt + ": /peak_rss_kib: expected a number > 0, found -5"));

  // The same RSS as a hand-written --extra row: refused too.
  const std::string rows = dir.file("rows.json");
  write(rows, R"({"rows": [{"label": "peak RSS", "target": "< 64 MiB", "bound": "at_most", "limit": 64,
                            "values": [-5], "unit": "MiB"}]})");
  r = run(std::string(ENGRAM_RATIOS_TOOL) + " --extra " + rows + " " + fixture("old.json"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(rows + ": /rows/0/values/0: expected a number >= 0, found -5"));
  EXPECT_THAT(r.output, Not(HasSubstr("pass")));
}
