// The cache geometry read from a sysfs-like folder (the layout of
// /sys/devices/system/cpu/cpu0/cache), made in a temporary folder: the level
// and type of each index<N>/ sorted into L1I, L1D and the last level, the
// "K"/"M" size suffixes, and valgrind's rules (line size a power of two
// >= 16, set count a power of two) turned into a stated problem instead of
// a geometry. Pure unit tests: files only, no program runs.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "cache_geometry.hpp"
#include "engram/counters.hpp"

namespace {

namespace fs = std::filesystem;
using engram::counters::CacheGeometry;
using engram::counters::CacheLevelGeometry;
using engram::counters::detail::cache_geometry_from_sysfs;

// One index<N>/ folder as sysfs writes it; an empty optional leaves that file out.
struct SysfsIndex {
  std::optional<std::string> level, type, size, ways, line;
};

SysfsIndex cache(const char* level, const char* type, const char* size, const char* ways, const char* line) {
  return {level, type, size, ways, line};
}

class CacheGeometrySysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "engram-cache-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  void add(int index, const SysfsIndex& entry) {
    const fs::path dir = root_ / ("index" + std::to_string(index));
    fs::create_directories(dir);
    auto write = [&](const char* name, const std::optional<std::string>& text) {
      if (text) std::ofstream(dir / name) << *text << "\n";
    };
    write("level", entry.level);
    write("type", entry.type);
    write("size", entry.size);
    write("ways_of_associativity", entry.ways);
    write("coherency_line_size", entry.line);
  }

  // The usual L1 pair, 32 KiB 8-way with 64 B lines (32768 / (8 * 64) = 64 sets).
  void add_l1_pair() {
    add(0, cache("1", "Data", "32K", "8", "64"));
    add(1, cache("1", "Instruction", "32K", "8", "64"));
  }

  std::string source() const { return "host (" + root_.string() + ")"; }

  // The problems of a folder whose geometry must be rejected.
  std::string rejected() {
    std::string problems;
    const std::optional<CacheGeometry> geometry = cache_geometry_from_sysfs(root_.string(), problems);
    EXPECT_FALSE(geometry.has_value()) << "accepted, LL " << (geometry ? geometry->ll.size_bytes : 0);
    return problems;
  }

  fs::path root_;
};

void expect_level(const CacheLevelGeometry& level, std::uint64_t size, unsigned ways, unsigned line) {
  EXPECT_EQ(level.size_bytes, size);
  EXPECT_EQ(level.associativity, ways);
  EXPECT_EQ(level.line_bytes, line);
}

TEST_F(CacheGeometrySysfs, L3IsTheLastLevelWhenPresent) {
  add_l1_pair();
  add(2, cache("2", "Unified", "1024K", "16", "64"));
  // 12 MiB 12-way, a size that is no power of two: 12288 K = 12,582,912 B;
  // 12,582,912 / (12 * 64) = 16,384 sets = 2^14, so valgrind takes it.
  add(3, cache("3", "Unified", "12288K", "12", "64"));
  std::string problems;
  const std::optional<CacheGeometry> geometry = cache_geometry_from_sysfs(root_.string(), problems);
  ASSERT_TRUE(geometry.has_value()) << problems;
  EXPECT_EQ(problems, "");
  expect_level(geometry->i1, 32768, 8, 64);  // 32 K = 32 * 1024
  expect_level(geometry->d1, 32768, 8, 64);
  expect_level(geometry->ll, 12582912, 12, 64);
  EXPECT_EQ(geometry->source, source());
  EXPECT_FALSE(geometry->is_default);
  EXPECT_EQ(geometry->valgrind_arguments(),
            (std::vector<std::string>{"--I1=32768,8,64", "--D1=32768,8,64", "--LL=12582912,12,64"}));
}

TEST_F(CacheGeometrySysfs, L2IsTheLastLevelWithoutL3AndMegabytesAreUnderstood) {
  add_l1_pair();
  // 2 M = 2,097,152 B; / (16 * 64) = 2048 sets.
  add(2, cache("2", "Unified", "2M", "16", "64"));
  std::string problems;
  const std::optional<CacheGeometry> geometry = cache_geometry_from_sysfs(root_.string(), problems);
  ASSERT_TRUE(geometry.has_value()) << problems;
  expect_level(geometry->ll, 2097152, 16, 64);
}

TEST_F(CacheGeometrySysfs, SmallestAcceptedLineIs16Bytes) {
  // 32 K 8-way with 16 B lines: 32768 / (8 * 16) = 256 sets.
  add(0, cache("1", "Data", "32K", "8", "16"));
  add(1, cache("1", "Instruction", "32K", "8", "64"));
  add(2, cache("2", "Unified", "2M", "16", "64"));
  std::string problems;
  const std::optional<CacheGeometry> geometry = cache_geometry_from_sysfs(root_.string(), problems);
  ASSERT_TRUE(geometry.has_value()) << problems;
  expect_level(geometry->d1, 32768, 8, 16);
}

TEST_F(CacheGeometrySysfs, ZeroWaysIsIncomplete) {
  // What some hypervisors report: 327680 K = 335,544,320 B, 0-way.
  add_l1_pair();
  add(2, cache("2", "Unified", "512K", "8", "64"));
  add(3, cache("3", "Unified", "327680K", "0", "64"));
  EXPECT_EQ(rejected(), source() + ": L3 335544320 B, 0-way, 64 B lines: incomplete");
}

TEST_F(CacheGeometrySysfs, SetCountNotAPowerOfTwoIsRejected) {
  add_l1_pair();
  add(2, cache("2", "Unified", "1024K", "16", "64"));
  // 30 MiB 16-way: 30720 K = 31,457,280 B; / (16 * 64) = 30,720 sets, not 2^n.
  add(3, cache("3", "Unified", "30720K", "16", "64"));
  EXPECT_EQ(rejected(), source() + ": L3 31457280 B, 16-way: the set count is not a power of two");
}

TEST_F(CacheGeometrySysfs, SizeNotAMultipleOfTheWayIsRejected) {
  // 1000 B 8-way 64 B lines: a way is 512 B and 1000 % 512 = 488.
  add(0, cache("1", "Data", "1000", "8", "64"));
  add(1, cache("1", "Instruction", "32K", "8", "64"));
  add(2, cache("2", "Unified", "2M", "16", "64"));
  EXPECT_EQ(rejected(), source() + ": L1D 1000 B, 8-way: the set count is not a power of two");
}

TEST_F(CacheGeometrySysfs, LineSizeMustBeAPowerOfTwoOfAtLeast16) {
  for (const char* line : {"8", "96"}) {
    SCOPED_TRACE(std::string("line size ") + line);
    fs::remove_all(root_);
    add(0, cache("1", "Data", "32K", "8", line));
    add(1, cache("1", "Instruction", "32K", "8", "64"));
    add(2, cache("2", "Unified", "2M", "16", "64"));
    EXPECT_EQ(rejected(), source() + ": L1D line size not a power of two >= 16");
  }
}

TEST_F(CacheGeometrySysfs, EveryProblemIsListedAfterTheEarlierReadersProblems) {
  // No instruction cache listed, an 8 B line in L1D, no L3 and an L2 with no
  // ways file: three problems, in the order L1I, L1D, LL ("LL": no L3).
  add(0, cache("1", "Data", "32K", "8", "8"));
  add(1, SysfsIndex{"2", "Unified", "2M", std::nullopt, "64"});
  std::string problems = "CPUID: L1I unknown";
  EXPECT_FALSE(cache_geometry_from_sysfs(root_.string(), problems).has_value());
  EXPECT_EQ(problems, "CPUID: L1I unknown; " + source() +
                          ": L1I unknown; L1D line size not a power of two >= 16; "
                          "LL 2097152 B, 0-way, 64 B lines: incomplete");
}

TEST_F(CacheGeometrySysfs, AnUnreadableSizeCountsAsUnknownNotAsAValue) {
  // Each of these leaves L1D's size unknown (0), so L1D is incomplete.
  for (const std::optional<std::string>& size :
       {std::optional<std::string>("abc"), std::optional<std::string>("K"), std::optional<std::string>(""),
        std::optional<std::string>()}) {
    SCOPED_TRACE("size file: " + size.value_or("(missing)"));
    fs::remove_all(root_);
    add(0, SysfsIndex{"1", "Data", size, "8", "64"});
    add(1, cache("1", "Instruction", "32K", "8", "64"));
    add(2, cache("2", "Unified", "2M", "16", "64"));
    EXPECT_EQ(rejected(), source() + ": L1D 0 B, 8-way, 64 B lines: incomplete");
  }
}

TEST_F(CacheGeometrySysfs, AnInstructionOnlyLevelIsNotTheLastLevel) {
  add_l1_pair();
  add(2, cache("2", "Instruction", "1024K", "16", "64"));
  EXPECT_EQ(rejected(), source() + ": LL unknown");
}

TEST_F(CacheGeometrySysfs, AMissingFolderLeavesEveryLevelUnknown) {
  const fs::path missing = root_ / "no-such-folder";
  std::string problems;
  EXPECT_FALSE(cache_geometry_from_sysfs(missing.string(), problems).has_value());
  EXPECT_EQ(problems, "host (" + missing.string() + "): L1I unknown; L1D unknown; LL unknown");
}

}  // namespace
