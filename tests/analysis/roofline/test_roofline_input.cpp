// Bad ceilings input: every error names the file and the place.
#include <gtest/gtest.h>

#include <string>

#include "engram/roofline/roofline.hpp"
#include "engram/io/errors.hpp"
#include "roofline_test_support.hpp"

namespace {

using namespace engram::roofline;
using namespace engram::benchstats;
using engram::io::InputError;
using namespace engram::roofline_testing;

// The message of the InputError that parsing `text` throws.
std::string error_of(const std::string& text) {
  try {
    parse_ceilings_json(text, "c.json");
  } catch (const InputError& e) {
    EXPECT_EQ(e.source(), "c.json");
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(CeilingsInput, EmptyFile) {
  EXPECT_TRUE(contains(error_of(""), "c.json: empty file"));
  EXPECT_TRUE(contains(error_of(" \n\t"), "empty file"));
}

TEST(CeilingsInput, MalformedJsonGivesLineAndColumn) {
  const std::string message = error_of("{\n  \"schema\": \"engram-ceilings/1\",\n  \"peak_gflops\": {,}\n}");
  EXPECT_TRUE(contains(message, "c.json:3:19 (byte 54): malformed JSON")) << message;
}

TEST(CeilingsInput, TruncatedJsonSaysSo) {
  const std::string whole = synthetic_ceilings().dump(2);
  const std::string message = error_of(whole.substr(0, whole.size() / 2));
  EXPECT_TRUE(contains(message, "truncated JSON")) << message;
}

TEST(CeilingsInput, NotACeilingsFile) {
  EXPECT_TRUE(contains(error_of("[1, 2]"), "c.json: /: the top level is not an object"));
  EXPECT_TRUE(contains(error_of("{\"benchmarks\": []}"), "c.json: /schema: missing"));
  EXPECT_TRUE(contains(error_of("{\"schema\": \"engram-roofline/1\"}"), "expected \"engram-ceilings/1\""));
}

TEST(CeilingsInput, MissingOrWrongFieldsAreNamedByPath) {
  json c = synthetic_ceilings();
  c["levels"]["L2"]["bandwidth"].erase("load");
  EXPECT_TRUE(contains(error_of(c.dump()), "c.json: /levels/L2/bandwidth/load: missing"));

  c = synthetic_ceilings();
  c["levels"]["L3"]["bandwidth"]["load"]["gbps"] = -5;
  EXPECT_TRUE(contains(error_of(c.dump()), "/levels/L3/bandwidth/load/gbps: must be a positive number, not -5"));

  c = synthetic_ceilings();
  c["peak_gflops"]["avx2"] = "fast";
  EXPECT_TRUE(contains(error_of(c.dump()), "/peak_gflops/avx2: is not a number"));

  c = synthetic_ceilings();
  c["peak_gflops"] = json::object();
  EXPECT_TRUE(contains(error_of(c.dump()), "/peak_gflops: must be an object with at least one SIMD level"));

  c = synthetic_ceilings();
  c.erase("levels");
  EXPECT_TRUE(contains(error_of(c.dump()), "/levels: missing"));

  c = synthetic_ceilings();
  c["levels"]["L1"]["size"]["bytes"] = nullptr;
  EXPECT_TRUE(contains(error_of(c.dump()), "/levels/L1/size/bytes: is null"));

  c = synthetic_ceilings();
  c["levels"]["L3"]["size"]["bytes"] = 1024;  // smaller than L2
  EXPECT_TRUE(contains(error_of(c.dump()), "/levels/L3/size/bytes: 1024 is smaller than L2"));
}

TEST(CeilingsInput, NoBandwidthAtAll) {
  json c = synthetic_ceilings();
  for (const char* level : {"L1", "L2", "L3", "DRAM"}) c["levels"][level]["bandwidth"]["load"] = nullptr;
  EXPECT_TRUE(contains(error_of(c.dump()), "/levels: no level has a load bandwidth"));
}

TEST(CeilingsInput, FilesThatCannotBeRead) {
  TempDir dir;
  try {
    read_ceilings_json(dir / "absent.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.what(), "absent.json: no such file")) << e.what();
  }
  try {
    read_ceilings_json(dir.path());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.what(), "is a directory")) << e.what();
  }
  write_text(dir / "good.json", synthetic_ceilings().dump());
  const MachineCeilings c = read_ceilings_json(dir / "good.json");
  EXPECT_EQ(c.cpu_model, "Synthetic CPU");
  EXPECT_DOUBLE_EQ(c.clock_ghz, 3.0);
  EXPECT_DOUBLE_EQ(c.best_peak_gflops(), 160);
  ASSERT_EQ(c.levels.size(), 4u);
  EXPECT_EQ(*c.levels[1].size, 1048576u);
  EXPECT_EQ(*c.levels[1].plateau_to, 524288u);
  EXPECT_FALSE(c.levels[3].size.has_value());
}

}  // namespace
