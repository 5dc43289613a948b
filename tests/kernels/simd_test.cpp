// The run-time SIMD level: which levels exist, forcing one, ENGRAM_SIMD.
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

#include "test_support.hpp"

namespace engram {
namespace {

std::string levels_text(const std::vector<SimdLevel>& levels) {
  std::string text;
  for (SimdLevel l : levels) {
    if (!text.empty()) text += ' ';
    text += simd_level_name(l);
  }
  return text;
}

bool supported(SimdLevel level) {
  const auto levels = supported_simd_levels();
  return std::find(levels.begin(), levels.end(), level) != levels.end();
}

// Restores ENGRAM_SIMD and the level after a test that changes them.
class SimdEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* v = std::getenv("ENGRAM_SIMD")) saved_ = v;
  }
  void TearDown() override {
    if (saved_) {
      setenv("ENGRAM_SIMD", saved_->c_str(), 1);
    } else {
      unsetenv("ENGRAM_SIMD");
    }
    reset_simd_level();
  }
  std::optional<std::string> saved_;
};

TEST(SimdLevels, ReportsTheLevelsTested) {
  const auto levels = supported_simd_levels();
  // The per-level suites (Simd/Similarity.*/<level>, ...) run once per entry.
  std::cout << "SIMD levels tested: " << levels_text(levels) << std::endl;
  RecordProperty("simd_levels_tested", levels_text(levels));
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(levels.front(), SimdLevel::kScalar);  // the portable fallback always exists
  EXPECT_TRUE(std::is_sorted(levels.begin(), levels.end()));
  // One architecture's levels only.
  const auto has = [&](SimdLevel l) { return std::find(levels.begin(), levels.end(), l) != levels.end(); };
  const bool x86 = has(SimdLevel::kSse4) || has(SimdLevel::kAvx2) || has(SimdLevel::kAvx512);
  const bool arm = has(SimdLevel::kNeon) || has(SimdLevel::kSve) || has(SimdLevel::kSve2);
  EXPECT_FALSE(x86 && arm) << levels_text(levels);
}

TEST(SimdLevels, NamesParseCaseInsensitively) {
  for (SimdLevel l : {SimdLevel::kScalar, SimdLevel::kSse4, SimdLevel::kAvx2, SimdLevel::kAvx512, SimdLevel::kNeon,
                      SimdLevel::kSve, SimdLevel::kSve2}) {
    EXPECT_EQ(parse_simd_level(simd_level_name(l)), l);
  }
  EXPECT_EQ(parse_simd_level("AVX2"), SimdLevel::kAvx2);
  EXPECT_EQ(parse_simd_level("Avx512"), SimdLevel::kAvx512);
  EXPECT_EQ(parse_simd_level("NEON"), SimdLevel::kNeon);
  EXPECT_EQ(parse_simd_level("Sve2"), SimdLevel::kSve2);
  EXPECT_FALSE(parse_simd_level("altivec").has_value());
  EXPECT_FALSE(parse_simd_level("").has_value());
}

TEST_F(SimdEnvironment, DefaultIsTheBestSupportedLevel) {
  unsetenv("ENGRAM_SIMD");
  reset_simd_level();
  EXPECT_EQ(active_simd_level(), supported_simd_levels().back());
}

TEST_F(SimdEnvironment, ForceSelectsEveryLevelAndRejectsUnsupportedOnes) {
  for (SimdLevel l : supported_simd_levels()) {
    force_simd_level(l);
    EXPECT_EQ(active_simd_level(), l);
  }
  EXPECT_THROW(force_simd_level(static_cast<SimdLevel>(99)), std::invalid_argument);
  for (SimdLevel l : {SimdLevel::kSse4, SimdLevel::kAvx2, SimdLevel::kAvx512, SimdLevel::kNeon, SimdLevel::kSve,
                      SimdLevel::kSve2}) {
    if (!supported(l)) {  // e.g. avx512 under valgrind, every arm64 level on x86-64
      try {
        force_simd_level(l);
        ADD_FAILURE() << "forcing unsupported " << simd_level_name(l) << " must throw";
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("not supported"), std::string::npos) << e.what();
      }
    }
  }
  reset_simd_level();
  unsetenv("ENGRAM_SIMD");
  reset_simd_level();
  EXPECT_EQ(active_simd_level(), supported_simd_levels().back());
}

TEST_F(SimdEnvironment, EnvironmentVariableChoosesTheLevel) {
  for (SimdLevel l : supported_simd_levels()) {
    std::string name(simd_level_name(l));
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    setenv("ENGRAM_SIMD", name.c_str(), 1);
    reset_simd_level();
    EXPECT_EQ(active_simd_level(), l) << name;
  }
  // A forced level wins over the variable.
  setenv("ENGRAM_SIMD", "scalar", 1);
  reset_simd_level();
  force_simd_level(supported_simd_levels().back());
  EXPECT_EQ(active_simd_level(), supported_simd_levels().back());
}

TEST_F(SimdEnvironment, BadEnvironmentValueThrowsOnUse) {
  setenv("ENGRAM_SIMD", "sse9", 1);
  reset_simd_level();
  try {
    active_simd_level();
    ADD_FAILURE() << "ENGRAM_SIMD=sse9 must throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("ENGRAM_SIMD"), std::string::npos) << e.what();
  }
  // Every optimized kernel reports it, again and again.
  const std::vector<float> v{1, 2, 3};
  EXPECT_THROW(optimized::cosine(v, v), std::invalid_argument);
  EXPECT_THROW(optimized::cosine(v, v), std::invalid_argument);
  for (SimdLevel l : {SimdLevel::kSse4, SimdLevel::kAvx2, SimdLevel::kAvx512, SimdLevel::kNeon, SimdLevel::kSve,
                      SimdLevel::kSve2}) {
    if (!supported(l)) {
      setenv("ENGRAM_SIMD", std::string(simd_level_name(l)).c_str(), 1);
      reset_simd_level();
      EXPECT_THROW(active_simd_level(), std::invalid_argument) << simd_level_name(l);
    }
  }
  unsetenv("ENGRAM_SIMD");
  reset_simd_level();
  EXPECT_NO_THROW(optimized::cosine(v, v));
}

// Forcing a level must change which compiled code runs, not just a label:
// different vector widths sum in different orders, so on 1536-d data at
// least two levels disagree in the last bits (while all stay within tolerance).
TEST_F(SimdEnvironment, ForcingReallyChangesTheCodeThatRuns) {
  const auto levels = supported_simd_levels();
  if (levels.size() < 2) GTEST_SKIP() << "only one SIMD level on this machine";
  Rng rng(77);
  const auto candidates = test::random_matrix(rng, 1536, 64);
  const auto query = test::normal_vector(rng, 1536);
  std::vector<std::vector<float>> outputs;
  for (SimdLevel l : levels) {
    force_simd_level(l);
    outputs.emplace_back(candidates.rows());
    optimized::cosine_batch(query, candidates, outputs.back());
  }
  std::size_t distinct = 1;
  for (std::size_t i = 1; i < outputs.size(); ++i) distinct += outputs[i] != outputs[i - 1];
  EXPECT_GE(distinct, 2u) << "every level produced bit-identical scores";
}

}  // namespace
}  // namespace engram
