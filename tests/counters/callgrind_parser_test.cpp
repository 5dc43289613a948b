// Callgrind output parsing, the counter formulas, the cache geometry, and the
// runner's errors (valgrind missing, program missing).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <sstream>

#include "engram/counters.hpp"
#include "required_tool.hpp"

namespace {

using namespace engram::counters;

const char* kTwoParts = R"(# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 6733
cmd:  ./t
part: 1

desc: I1 cache: 32768 B, 64 B, 8-way associative
desc: Timerange: Basic block 0 - 404880
desc: Trigger: Client Request: region one

positions: line
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim
summary: 262162 65538 7 3 8193 1 3 0 0 65537 5

ob=(8) /tmp/cg/t
fn=(1) main
16 262152 65538 1 1 8193 0 1 0 0 65537 5

totals: 262152 65538 1 1 8193 0 1 0 0 65537 5
# callgrind format
version: 1
part: 2

desc: Trigger: Program termination

positions: line
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim
summary: 10 2 1

totals: 9 2 1
)";

TEST(CallgrindParser, ReadsPartsRegionsAndTotals) {
  std::istringstream in(kTwoParts);
  const CallgrindProfile profile = parse_callgrind_output(in);
  ASSERT_EQ(profile.event_names.size(), 13u);
  ASSERT_EQ(profile.parts.size(), 2u);
  EXPECT_EQ(profile.parts[0].region, "region one");
  EXPECT_EQ(profile.parts[1].region, "");
  // "totals" wins over "summary"; trailing zeros omitted by callgrind read as 0.
  EXPECT_EQ(*profile.parts[0].event("Ir"), 262152u);
  EXPECT_EQ(*profile.parts[0].event("D1mr"), 8193u);
  EXPECT_EQ(*profile.parts[0].event("Bim"), 0u);
  EXPECT_EQ(*profile.parts[1].event("Ir"), 9u);
  EXPECT_EQ(*profile.parts[1].event("Bcm"), 0u);
  EXPECT_FALSE(profile.parts[0].event("NoSuchEvent").has_value());
  EXPECT_EQ(*profile.total().event("Ir"), 262161u);
  const auto regions = profile.by_region();
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(*regions.at("region one").event("Bc"), 65537u);
}

TEST(CallgrindParser, FallsBackToSummaryAndSumsRepeatedRegions) {
  const char* text =
      "events: Ir Bc Bcm\n"
      "part: 1\ndesc: Trigger: Client Request: loop\nsummary: 100 10 1\n"
      "part: 2\ndesc: Trigger: Client Request: loop\nsummary: 50 5 2\n";
  std::istringstream in(text);
  const CallgrindProfile profile = parse_callgrind_output(in);
  ASSERT_EQ(profile.parts.size(), 2u);
  EXPECT_EQ(*profile.by_region().at("loop").event("Ir"), 150u);
  EXPECT_EQ(*profile.by_region().at("loop").event("Bcm"), 3u);
}

TEST(CallgrindParser, RejectsMalformedOutput) {
  for (const char* text : {"",                                                   // nothing
                           "events: Ir Dr\npart: 1\ntotals: 1 2 3\n",             // too many counts
                           "events: Ir Dr\npart: 1\ntotals: 12 x\n",              // not a number
                           "events: Ir Dr\npart: 1\ntotals: 12 -5\n",             // stoull took it as 2^64-5
                           "events: Ir Dr\npart: 1\ntotals: +12 5\n",             // a sign is no count
                           "# callgrind format\nversion: 1\npart: 1\ntotals: 5\n",  // no events line
                           "events: Ir\npart: 1\ndesc: Trigger: Program termination\n"}) {  // no totals
    std::istringstream in(text);
    EXPECT_THROW((void)parse_callgrind_output(in, "test input"), CallgrindRunError) << text;
  }
}

// Found by the callgrind fuzzer (tests/fuzz/regressions/callgrind/): a part
// number that is not a number escaped as std::invalid_argument from stol,
// which names no file; it is refused like any other malformed line.
TEST(CallgrindParser, RejectsAPartNumberThatIsNotOneNamingTheLine) {
  for (const char* part : {"\x01", "x", "", "-1", "99999999999999999999", "2 3"}) {
    std::istringstream in(std::string("events: Ir\npart: 1\ntotals: 5\npart: ") + part + "\ntotals: 6\n");
    try {
      (void)parse_callgrind_output(in, "test input");
      ADD_FAILURE() << "accepted part '" << part << "'";
    } catch (const CallgrindRunError& error) {
      EXPECT_NE(std::string(error.what()).find("test input:4: '"), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find("is not a part number"), std::string::npos) << error.what();
    }
  }
}

// Found by the callgrind fuzzer (tests/fuzz/regressions/callgrind/): with
// ILmr = 2^64 - 1, 35 RAM is about 6.5e20, and its conversion to 64 bits was
// undefined (UBSan: "outside the range of representable values").
TEST(CallgrindFormulas, AnEstimateBeyond64BitsIsNoEstimate) {
  std::istringstream in("events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\npart: 1\n"
                        "totals: 1 1 1 1 1 1 18446744073709551615 1 1\n");
  const CallgrindCounts total = parse_callgrind_output(in, "test input").total();
  EXPECT_FALSE(estimated_cycles(total).has_value());
  EXPECT_FALSE(simulated_value(total, "cycles").has_value());
  // Just below the edge the estimate stands: RAM = 2^58 + 2 (ILmr + DLmr + DLmw),
  // L1 misses 3 < RAM so LL = 0, accesses 3 < RAM so L1 = 0: cycles = 35 RAM.
  std::istringstream edge("events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\npart: 1\n"
                          "totals: 1 1 1 1 1 1 288230376151711744 1 1\n");
  EXPECT_EQ(estimated_cycles(parse_callgrind_output(edge, "test input").total()),
            std::optional<std::uint64_t>(35 * (std::uint64_t{288230376151711744} + 2)));
}

TEST(CallgrindFormulas, CounterNamesMapToEvents) {
  CallgrindCounts c;
  c.events = {{"Ir", 1000}, {"Dr", 300}, {"Dw", 100}, {"I1mr", 2}, {"D1mr", 40}, {"D1mw", 10},
              {"ILmr", 1},  {"DLmr", 5},  {"DLmw", 3},  {"Bc", 150},  {"Bcm", 15}, {"Bi", 50}, {"Bim", 5}};
  EXPECT_EQ(*simulated_value(c, "L1_DCM"), 50.0);
  EXPECT_EQ(*simulated_value(c, "PAPI_L1_ICM"), 2.0);
  EXPECT_EQ(*simulated_value(c, "LL_MISSES"), 9.0);
  EXPECT_EQ(*simulated_value(c, "L3_TCM"), 9.0);
  EXPECT_EQ(*simulated_value(c, "cache-misses"), 9.0);
  EXPECT_EQ(*simulated_value(c, "BR_MSP"), 20.0);
  EXPECT_EQ(*simulated_value(c, "branch-misses"), 20.0);
  EXPECT_EQ(*simulated_value(c, "BR_INS"), 200.0);
  EXPECT_EQ(*simulated_value(c, "TOT_INS"), 1000.0);
  EXPECT_EQ(*simulated_value(c, "instructions"), 1000.0);
  EXPECT_EQ(*simulated_value(c, "LD_INS"), 300.0);
  EXPECT_EQ(*simulated_value(c, "SR_INS"), 100.0);
  EXPECT_EQ(*simulated_value(c, "L1_DCA"), 400.0);
  // RAM 9; LL 52 - 9 = 43; L1 1400 - 43 - 9 = 1348; 1348 + 5*43 + 35*9 = 1878.
  EXPECT_EQ(*estimated_cycles(c), 1878u);
  EXPECT_EQ(*simulated_value(c, "TOT_CYC"), 1878.0);
  EXPECT_EQ(*simulated_value(c, "cycles"), 1878.0);
  EXPECT_FALSE(simulated_value(c, "task-clock").has_value());  // no simulated form
  CallgrindCounts partial;
  partial.events = {{"Ir", 5}};
  EXPECT_FALSE(simulated_value(partial, "L1_DCM").has_value());
  EXPECT_FALSE(estimated_cycles(partial).has_value());
  const auto names = simulated_counter_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "PAPI_L1_DCM"), names.end());
}

TEST(CacheGeometry, HostOrStatedDefaultIsValidForValgrind) {
  const CacheGeometry g = host_cache_geometry();
  EXPECT_FALSE(g.source.empty());
  for (const CacheLevelGeometry* level : {&g.i1, &g.d1, &g.ll}) {
    ASSERT_GT(level->size_bytes, 0u);
    ASSERT_GT(level->associativity, 0u);
    ASSERT_GT(level->line_bytes, 0u);
    const std::uint64_t sets = level->size_bytes / (std::uint64_t{level->associativity} * level->line_bytes);
    EXPECT_EQ(sets & (sets - 1), 0u) << "set count must be a power of two";
    EXPECT_EQ(level->line_bytes & (level->line_bytes - 1), 0u);
  }
  if (g.is_default) {
    EXPECT_NE(g.source.find("default"), std::string::npos);
  }
  RecordProperty("geometry", g.source);
  const auto args = default_cache_geometry().valgrind_arguments();
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[0], "--I1=32768,8,64");
  EXPECT_EQ(args[1], "--D1=32768,8,64");
  EXPECT_EQ(args[2], "--LL=8388608,16,64");
}

TEST(CallgrindRunner, MissingValgrindNamesTheDebianPackage) {
  CallgrindRunOptions options;
  options.valgrind = "/nonexistent/valgrind";
  try {
    (void)run_under_callgrind({"/bin/true"}, options);
    FAIL() << "no exception";
  } catch (const ValgrindMissingError& e) {
    EXPECT_NE(std::string(e.what()).find("Debian package `valgrind`"), std::string::npos) << e.what();
  }
  // Valgrind absent from PATH.
  const char* saved = std::getenv("PATH");
  const std::string path = saved ? saved : "";
  setenv("PATH", "/nonexistent-directory", 1);
  EXPECT_THROW((void)run_under_callgrind({"/bin/true"}), ValgrindMissingError);
  setenv("PATH", path.c_str(), 1);
}

TEST(CallgrindRunner, MissingProgramIsAClearError) {
  EXPECT_THROW((void)run_under_callgrind({}), CallgrindRunError);  // checked before valgrind is looked for
  try {
    (void)run_under_callgrind({"/nonexistent/program"});
    FAIL() << "no exception";
  } catch (const ValgrindMissingError&) {
    ENGRAM_SKIP_WITHOUT_TOOL("valgrind is not installed (Debian package valgrind)");
  } catch (const CallgrindRunError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot execute '/nonexistent/program'"), std::string::npos) << e.what();
  }
}

}  // namespace
