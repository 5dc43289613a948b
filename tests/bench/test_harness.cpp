#include <gtest/gtest.h>

#include "engram/harness.hpp"

namespace engram::bench {
namespace {

WorkloadConfig small(std::uint64_t seed) { return WorkloadConfig::scaled(0.02, seed); }

TEST(Harness, RunsEveryPhaseInOrder) {
  const auto r = run_harness(small(42), Implementation::kOptimized);
  ASSERT_EQ(r.phases.size(), 4u);
  EXPECT_EQ(r.phases[0].name, "build");
  EXPECT_EQ(r.phases[1].name, "spreading");
  EXPECT_EQ(r.phases[2].name, "similarity");
  EXPECT_EQ(r.phases[3].name, "decay");
  const auto config = small(42);
  EXPECT_EQ(r.phases[1].operations, config.spread_queries);
  EXPECT_EQ(r.phases[2].operations, config.similarity_queries);
  EXPECT_EQ(r.phases[3].operations, config.decay_rounds);
}

TEST(Harness, SameSeedSameChecksumOtherSeedOther) {
  for (auto impl : {Implementation::kOptimized, Implementation::kReference}) {
    const auto a = run_harness(small(42), impl);
    const auto b = run_harness(small(42), impl);
    const auto c = run_harness(small(7), impl);
    EXPECT_EQ(a.checksum, b.checksum);
    EXPECT_NE(a.checksum, c.checksum);
  }
}

TEST(Harness, HooksSurroundEveryPhase) {
  std::vector<std::string> events;
  PhaseHooks hooks{[&](const std::string& p) { events.push_back("+" + p); },
                   [&](const std::string& p) { events.push_back("-" + p); }};
  run_harness(small(1), Implementation::kOptimized, hooks);
  EXPECT_EQ(events, (std::vector<std::string>{"+build", "-build", "+spreading", "-spreading",
                                              "+similarity", "-similarity", "+decay", "-decay"}));
}

}  // namespace
}  // namespace engram::bench
