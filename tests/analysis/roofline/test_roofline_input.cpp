// The ceilings file as its readers see it: the one reader
// (ceilings::ceilings_from_json, bench/src/ceilings) and the roofline's view
// of what it read. Every error names the file and the place.
#include <gtest/gtest.h>

#include <string>

#include "engram/ceilings_file.hpp"
#include "engram/io/errors.hpp"
#include "engram/roofline/roofline.hpp"
#include "roofline_test_support.hpp"

namespace {

using namespace engram::roofline;
using engram::io::InputError;
using namespace engram::roofline_testing;
namespace ceilings = engram::ceilings;

// The message of the InputError that reading `text` throws.
std::string error_of(const std::string& text) {
  try {
    parse_ceilings_json(text, "c.json");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

ceilings::CeilingsFile read(const json& doc) {
  return ceilings::ceilings_from_json(engram::io::parse_json_text(doc.dump(), "c.json"));
}

TEST(CeilingsInput, EmptyMalformedAndTruncatedFiles) {
  EXPECT_TRUE(contains(error_of(" \n\t"), "c.json")) << error_of(" \n\t");
  const std::string message = error_of("{\n  \"schema\": \"engram-ceilings\",\n  \"peak_gflops\": {,}\n}");
  EXPECT_TRUE(contains(message, "c.json:3:19")) << message;
  EXPECT_TRUE(contains(message, "malformed JSON")) << message;
  const std::string whole = synthetic_ceilings().dump(2);
  EXPECT_TRUE(contains(error_of(whole.substr(0, whole.size() / 2)), "truncated JSON"));
}

TEST(CeilingsInput, AnotherSchemaOrVersionIsAClearError) {
  EXPECT_TRUE(contains(error_of("[1, 2]"), "c.json: /: expected a JSON object")) << error_of("[1, 2]");
  EXPECT_TRUE(contains(error_of("{\"benchmarks\": []}"), "no \"schema\" member")) << error_of("{\"benchmarks\": []}");
  json c = synthetic_ceilings();
  c["schema"] = "engram-ceilings/1";  // the layout before the version member
  EXPECT_TRUE(contains(error_of(c.dump()), "schema \"engram-ceilings/1\", expected \"engram-ceilings\""))
      << error_of(c.dump());
  c = synthetic_ceilings();
  c["version"] = 2;
  EXPECT_TRUE(contains(error_of(c.dump()), "engram-ceilings version 2; this build reads version 1"))
      << error_of(c.dump());
  c.erase("version");
  EXPECT_TRUE(contains(error_of(c.dump()), "no \"version\" member")) << error_of(c.dump());
}

TEST(CeilingsInput, MissingOrWrongFieldsAreNamedByPath) {
  json c = synthetic_ceilings();
  c["levels"]["L3"]["bandwidth"]["load"]["gbps"] = -5;
  EXPECT_TRUE(contains(error_of(c.dump()), "c.json: /levels/L3/bandwidth/load/gbps: expected a number > 0, found -5"))
      << error_of(c.dump());

  c = synthetic_ceilings();
  c["peak_gflops"]["avx2"] = "fast";
  EXPECT_TRUE(contains(error_of(c.dump()), "/peak_gflops/avx2: expected a number")) << error_of(c.dump());

  c = synthetic_ceilings();
  c["peak_gflops"] = json::object();
  EXPECT_TRUE(contains(error_of(c.dump()), "/peak_gflops: no SIMD level")) << error_of(c.dump());

  c = synthetic_ceilings();
  c.erase("levels");
  EXPECT_TRUE(contains(error_of(c.dump()), "levels")) << error_of(c.dump());

  c = synthetic_ceilings();
  c["levels"]["L1"]["size"]["bytes"] = nullptr;
  EXPECT_TRUE(contains(error_of(c.dump()), "/levels/L1/size: no \"bytes\"")) << error_of(c.dump());

  c = synthetic_ceilings();
  c["levels"]["L3"]["size"]["bytes"] = 1024;  // smaller than L2
  EXPECT_TRUE(contains(error_of(c.dump()), "/levels/L3/size/bytes: 1024 is smaller than L2")) << error_of(c.dump());

  c = synthetic_ceilings();
  c["sweeps"][0]["points"][3]["bytes"] = 1;
  EXPECT_TRUE(contains(error_of(c.dump()), "/sweeps/0/points/3/bytes: 1 does not follow")) << error_of(c.dump());

  c = synthetic_ceilings();
  c["sweeps"].push_back(c["sweeps"][0]);
  EXPECT_TRUE(contains(error_of(c.dump()), "a second \"load\" sweep")) << error_of(c.dump());
}

TEST(CeilingsInput, NoBandwidthOrNoSweepOfTheChosenKernel) {
  json c = synthetic_ceilings();
  for (const char* level : {"L1", "L2", "L3", "DRAM"}) c["levels"][level]["bandwidth"]["load"] = nullptr;
  EXPECT_TRUE(contains(error_of(c.dump()), "/levels: no level has a load bandwidth")) << error_of(c.dump());
  c = synthetic_ceilings();
  c["sweeps"].erase(2);  // triad
  EXPECT_NO_THROW(parse_ceilings_json(c.dump(), "c.json", "load"));
  try {
    parse_ceilings_json(c.dump(), "c.json", "triad");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.what(), "/sweeps: no triad sweep")) << e.what();
  }
}

TEST(CeilingsFileReader, ReadsEveryFigureTheConsumersUse) {
  json doc = synthetic_ceilings();
  doc["machine"]["compiler"] = "GNU 12.2.0";
  doc["machine"]["kernel"] = "Linux 6.1";
  doc["machine"]["simd_levels"] = {"scalar", "avx2"};
  doc["levels"]["L3"]["size"]["sysconf"] = 335544320;
  doc["levels"]["L3"]["size"]["checked_against_sweep"] = true;
  doc["levels"]["L3"]["size"]["note"] = "sysconf disagrees";
  doc["notes"] = {"the gather sweep shows no L3 plateau"};
  const ceilings::CeilingsFile f = read(doc);
  EXPECT_EQ(f.source, "c.json");
  EXPECT_EQ(f.cpu_model, "Synthetic CPU");
  EXPECT_EQ(f.compiler, "GNU 12.2.0");
  EXPECT_EQ(f.kernel, "Linux 6.1");
  EXPECT_EQ(f.simd_levels, (std::vector<std::string>{"scalar", "avx2"}));
  EXPECT_DOUBLE_EQ(*f.clock_ghz, 3.0);
  EXPECT_DOUBLE_EQ(f.peak_gflops.at("avx512"), 160);
  ASSERT_EQ(f.levels.size(), 4u);
  EXPECT_EQ(f.levels[2].name, "L3");
  EXPECT_EQ(*f.levels[2].size.bytes, 33554432u);
  EXPECT_EQ(*f.levels[2].size.sysconf, 335544320u);
  EXPECT_TRUE(f.levels[2].size.checked_against_sweep);
  EXPECT_EQ(f.levels[2].size.note, "sysconf disagrees");
  EXPECT_FALSE(f.levels[3].size.bytes.has_value());
  ASSERT_NE(f.levels[1].figure("gather"), nullptr);
  EXPECT_DOUBLE_EQ(f.levels[1].figure("gather")->gbps, 20);
  EXPECT_EQ(f.levels[1].figure("gather")->to_bytes, 524288u);
  EXPECT_EQ(f.levels[1].figure("scale"), nullptr);
  ASSERT_NE(f.sweep("gather"), nullptr);
  EXPECT_EQ(f.sweep("gather")->points.size(), 15u);
  EXPECT_DOUBLE_EQ(f.sweep("gather")->points[11].gbps, 2);
  EXPECT_EQ(f.notes.size(), 1u);
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
    EXPECT_TRUE(contains(e.what(), "is a folder, not a file")) << e.what();
  }
  write_text(dir / "good.json", synthetic_ceilings().dump());
  const MachineCeilings c = read_ceilings_json(dir / "good.json");
  EXPECT_EQ(c.cpu_model, "Synthetic CPU");
  EXPECT_DOUBLE_EQ(c.clock_ghz, 3.0);
  EXPECT_DOUBLE_EQ(c.best_peak_gflops(), 160);
  ASSERT_EQ(c.levels.size(), 4u);
  EXPECT_EQ(*c.levels[1].size, 1048576u);
  EXPECT_EQ(c.levels[1].stream->to_bytes, 524288u);
  EXPECT_FALSE(c.levels[3].size.has_value());
  EXPECT_EQ(c.stream_sweep.size(), 15u);
  EXPECT_EQ(c.gather_sweep.size(), 15u);
}

}  // namespace
