// The gather (random-access) bandwidth ceiling's pure parts: the elements of
// a working set, the random indices, and its place in the ceilings JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engram/ceilings.hpp"

namespace engram::ceilings {
namespace {

TEST(GatherCeiling, ElementsOfAWorkingSet) {
  // 8 bytes per element (a 4-byte value and its 4-byte index), in whole
  // blocks of 128 elements, at least one block.
  EXPECT_EQ(gather_elements(16 * 1024), 2048u);
  EXPECT_EQ(gather_elements(16 * 1024 + 8 * 100), 2048u);  // 2148 rounds down
  EXPECT_EQ(gather_elements(16 * 1024 + 8 * 128), 2176u);
  EXPECT_EQ(gather_elements(1000), 128u);
  EXPECT_EQ(gather_elements(64ull << 20), (64u << 20) / 8);
}

TEST(GatherCeiling, IndicesAreUniformInRangeAndRepeatable) {
  const std::size_t n = 100'000;
  const auto indices = gather_indices(n);
  ASSERT_EQ(indices.size(), n);
  EXPECT_LT(*std::max_element(indices.begin(), indices.end()), n);
  EXPECT_EQ(gather_indices(n), indices);        // the same seed, the same stream
  EXPECT_NE(gather_indices(n, 7), indices);     // another seed, another one
  // Ten equal buckets of 10,000 expected each; a standard deviation of ~95,
  // so +-600 fails only for a broken generator.
  std::vector<int> buckets(10, 0);
  for (std::uint32_t i : indices) ++buckets[i / (n / 10)];
  for (int b : buckets) EXPECT_NEAR(b, 10'000, 600);
  // Not sequential: a stride predictor must not serve it. Fewer than 1% of
  // neighbours are within 64 values (a cache line's 16 floats x 4) of each other.
  std::size_t close = 0;
  for (std::size_t i = 1; i < n; ++i) close += (indices[i] > indices[i - 1] ? indices[i] - indices[i - 1] : indices[i - 1] - indices[i]) < 64;
  EXPECT_LT(close, n / 100);
  EXPECT_EQ(gather_indices(1), std::vector<std::uint32_t>{0});
  EXPECT_THROW(gather_indices(0), std::invalid_argument);
}

TEST(GatherCeiling, IsItsOwnCeilingPerLevelInTheJson) {
  Ceilings c;
  Sweep load;
  load.kernel = "load";
  load.points = {{16384, 200}, {32768, 201}};
  load.plateaus = {Plateau{Level::kL1, 0, 1, 16384, 32768, 200.5, 201}};
  Sweep gather;
  gather.kernel = "gather";
  gather.simd = "scalar";
  gather.bytes_counted = "useful bytes";
  gather.points = {{16384, 36}, {32768, 35}, {1 << 30, 0.9}};
  gather.plateaus = {Plateau{Level::kL1, 0, 1, 16384, 32768, 35.5, 36}};
  c.sweeps = {load, gather};
  const auto j = nlohmann::json::parse(to_json(c, MachineInfo{}));
  // Beside load, not instead of it.
  EXPECT_EQ(j.at("levels").at("L1").at("bandwidth").at("load").at("gbps"), 200.5);
  EXPECT_EQ(j.at("levels").at("L1").at("bandwidth").at("gather").at("gbps"), 35.5);
  EXPECT_TRUE(j.at("levels").at("DRAM").at("bandwidth").at("gather").is_null());
  EXPECT_EQ(j.at("sweeps").at(1).at("kernel"), "gather");
  EXPECT_EQ(j.at("sweeps").at(1).at("points").at(2).at("level"), nullptr);
}

}  // namespace
}  // namespace engram::ceilings
