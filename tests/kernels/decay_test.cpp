// Optimized decay against the reference (KERNELS.md section 3): relative
// 1e-4, or absolute 1e-7 near 0; ages identical.
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "test_support.hpp"

namespace engram {
namespace {

using test::AtSimdLevel;

constexpr DecayCurve kCurves[] = {DecayCurve::kExponential, DecayCurve::kPowerLaw,
                                  DecayCurve::kTwoComponent};
constexpr std::uint64_t kDay = 86400;
constexpr std::uint64_t kMaxAge = std::numeric_limits<std::uint64_t>::max();

class Decay : public AtSimdLevel {};
ENGRAM_FOR_EACH_SIMD_LEVEL(Decay);

MemoryState random_state(std::uint64_t seed, std::size_t n) {
  Rng rng(seed);
  MemoryState m;
  for (std::size_t i = 0; i < n; ++i) {
    m.strength.push_back(static_cast<float>(rng.uniform()));
    m.age_seconds.push_back(rng.below(60 * kDay));
    m.recall_count.push_back(static_cast<std::uint32_t>(rng.below(7)));
  }
  return m;
}

void expect_close(const MemoryState& got, const MemoryState& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got.age_seconds[i], want.age_seconds[i]) << what << ", memory " << i;
    const float w = want.strength[i], g = got.strength[i];
    ASSERT_FALSE(std::isnan(g)) << what << ", memory " << i;
    ASSERT_NEAR(g, w, std::max(1e-4f * std::fabs(w), 1e-7f))
        << what << ", memory " << i << " age " << want.age_seconds[i];
  }
}

void compare(MemoryState state, std::uint64_t elapsed, DecayCurve curve, const DecayParams& p,
             const std::string& what) {
  MemoryState want = state;
  reference::apply_decay(want, elapsed, curve, p);
  optimized::apply_decay(state, elapsed, curve, p);
  expect_close(state, want, what + " (" + std::string(decay_curve_name(curve)) + ")");
}

TEST_P(Decay, MatchesReferenceForEverySize) {
  for (std::size_t n : {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 1001, 10000}) {
    const MemoryState state = random_state(n + 1, n);
    for (DecayCurve curve : kCurves) {
      for (std::uint64_t elapsed : {std::uint64_t{0}, std::uint64_t{1}, kDay, 30 * kDay}) {
        compare(state, elapsed, curve, {}, std::to_string(n) + " memories, +" + std::to_string(elapsed) + " s");
      }
    }
  }
}

TEST_P(Decay, MatchesReferenceWithOtherParameters) {
  const MemoryState state = random_state(3, 777);
  DecayParams p;
  p.min_strength = 0.1f;
  for (DecayCurve curve : kCurves) compare(state, kDay, curve, p, "floor 0.1");
  p = {};
  p.tau_seconds = 1e9;  // exponential ages beyond 2^31 s still matter: the full-range path
  compare(state, 1ULL << 40, DecayCurve::kExponential, p, "tau 1e9");
  p.tau_seconds = 60;
  compare(state, 1, DecayCurve::kExponential, p, "tau 60");
  p = {};
  p.beta = 2.5;
  p.schema = 0.0;
  p.fast_hours = 100.0;
  p.consolidation_recalls = 0;  // every memory consolidated
  for (DecayCurve curve : kCurves) compare(state, kDay, curve, p, "other beta/schema/fast");
  p.consolidation_recalls = 1000;  // none consolidated
  compare(state, kDay, DecayCurve::kTwoComponent, p, "no consolidated memories");
  p = {};
  p.beta = 0.0;  // no power-law decay at all
  compare(state, kDay, DecayCurve::kPowerLaw, p, "beta 0");
}

TEST_P(Decay, RepeatedRoundsStayWithinTolerance) {
  MemoryState want = random_state(5, 1000), got = want;
  for (int round = 0; round < 20; ++round) {
    reference::apply_decay(want, 3600, DecayCurve::kTwoComponent);
    optimized::apply_decay(got, 3600, DecayCurve::kTwoComponent);
  }
  expect_close(got, want, "20 rounds");
}

TEST_P(Decay, AgeZeroLeavesStrengthUnchangedAndZeroStaysZero) {
  MemoryState m;
  m.strength = {0.3f, 0.0f, 1.0f, 0.05f, 0.0f};
  m.age_seconds = {0, 0, 0, 0, 5 * kDay};
  m.recall_count = {0, 0, 5, 5, 0};
  DecayParams floor;
  floor.min_strength = 0.1f;
  for (auto* decay : {&reference::apply_decay, &optimized::apply_decay}) {
    for (DecayCurve curve : kCurves) {
      for (const DecayParams& p : {DecayParams{}, floor}) {
        MemoryState s = m;
        decay(s, 0, curve, p);
        EXPECT_EQ(s.strength[0], 0.3f);
        EXPECT_EQ(s.strength[1], 0.0f);
        EXPECT_EQ(s.strength[2], 1.0f);
        EXPECT_EQ(s.strength[3], 0.05f);  // below the floor already: left alone
        EXPECT_EQ(s.strength[4], 0.0f);   // s = 0 stays 0 even at a floor
        EXPECT_EQ(s.age_seconds[4], 5 * kDay);
      }
    }
  }
}

TEST_P(Decay, ElapsedZeroStillAppliesTheCurrentAge) {
  // The contract multiplies by R(age) on every call, even with nothing elapsed.
  MemoryState m;
  m.strength = {1.0f};
  m.age_seconds = {kDay};
  m.recall_count = {0};
  for (auto* decay : {&reference::apply_decay, &optimized::apply_decay}) {
    MemoryState s = m;
    decay(s, 0, DecayCurve::kExponential, {});
    EXPECT_NEAR(s.strength[0], std::exp(-1.0f), 1e-6f);  // R(1 day) = 1/e
  }
}

TEST_P(Decay, FloorHoldsDecayedStrengths) {
  MemoryState m = random_state(9, 500);
  DecayParams p;
  p.min_strength = 0.1f;
  const MemoryState before = m;
  optimized::apply_decay(m, 365 * kDay, DecayCurve::kExponential, p);
  for (std::size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(m.strength[i], std::min(before.strength[i], 0.1f)) << i;
  }
}

TEST_P(Decay, HugeAgesSaturateAndNeverGiveNaN) {
  MemoryState m;
  const std::uint64_t two63 = 1ULL << 63;
  m.age_seconds = {two63, kMaxAge, kMaxAge - 5, two63, 0, two63 - 1};
  m.strength = {0.9f, 0.9f, 0.5f, 0.0f, 0.7f, 1.0f};
  m.recall_count = {0, 9, 2, 3, 4, 5};
  for (DecayCurve curve : kCurves) {
    for (std::uint64_t elapsed : {std::uint64_t{0}, std::uint64_t{10}, two63, kMaxAge}) {
      for (float floor : {0.0f, 0.1f}) {
        DecayParams p;
        p.min_strength = floor;
        compare(m, elapsed, curve, p, "huge ages, +" + std::to_string(elapsed));
        MemoryState s = m;
        optimized::apply_decay(s, elapsed, curve, p);
        for (std::size_t i = 0; i < s.size(); ++i) {
          EXPECT_FALSE(std::isnan(s.strength[i]));
          EXPECT_GE(s.age_seconds[i], m.age_seconds[i]);  // saturated, never wrapped
        }
        EXPECT_EQ(s.age_seconds[1], kMaxAge);
        if (curve == DecayCurve::kExponential) {
          // exp(-2^63 / 86400) is 0: only the floor remains.
          EXPECT_EQ(s.strength[0], floor);
          EXPECT_EQ(s.strength[1], floor);
          EXPECT_EQ(s.strength[3], 0.0f);
        }
      }
    }
  }
}

TEST_P(Decay, ExtremeTimeConstantsGiveNoNaN) {
  MemoryState m;
  m.strength = {0.5f, 0.5f, 0.5f};
  m.age_seconds = {0, 1, 1000};
  m.recall_count = {0, 0, 9};
  for (double tau : {1e-30, 1e-3, 1e30}) {
    DecayParams p;
    p.tau_seconds = tau;
    p.fast_hours = tau;
    p.beta = tau;  // a huge beta too
    for (DecayCurve curve : kCurves) compare(m, 0, curve, p, "tau " + std::to_string(tau));
  }
}

TEST_P(Decay, ExponentNearIntegersAndHalvesMatchesReference) {
  // The optimized 2^t splits t into an integer part and a fraction; ages
  // whose t = -age / tau * log2(e) lies within a few seconds of an integer or
  // of a half (every split boundary, down to the flush of tiny R) must match.
  MemoryState m;
  const double seconds_per_unit = 86400.0 / 1.4426950408889634;  // t = -1 per unit
  for (int half_units = 0; half_units <= 2 * 140; ++half_units) {
    const auto centre = static_cast<std::int64_t>(std::llround(half_units * 0.5 * seconds_per_unit));
    for (std::int64_t delta = -2; delta <= 2; ++delta) {
      m.age_seconds.push_back(static_cast<std::uint64_t>(std::max<std::int64_t>(0, centre + delta)));
      m.strength.push_back(1.0f);
      m.recall_count.push_back(0);
    }
  }
  for (float floor : {0.0f, 0.1f}) {
    DecayParams p;
    p.min_strength = floor;
    compare(m, 0, DecayCurve::kExponential, p, "t near integers and halves");
    compare(m, 1, DecayCurve::kExponential, p, "t near integers and halves, +1 s");
  }
}

TEST_P(Decay, BadInputThrows) {
  const float kNaN = std::numeric_limits<float>::quiet_NaN();
  for (auto* decay : {&reference::apply_decay, &optimized::apply_decay}) {
    MemoryState m = random_state(1, 4);
    m.age_seconds.pop_back();
    try {
      decay(m, 1, DecayCurve::kExponential, {});
      ADD_FAILURE() << "state vectors of different lengths must throw";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("length"), std::string::npos) << e.what();
    }
    m = random_state(1, 4);
    auto bad = [&](auto&& edit) {
      DecayParams p;
      edit(p);
      MemoryState copy = m;
      EXPECT_THROW(decay(copy, 1, DecayCurve::kTwoComponent, p), std::invalid_argument);
      EXPECT_EQ(copy.strength, m.strength) << "state must be untouched when the call throws";
    };
    bad([](DecayParams& p) { p.tau_seconds = 0; });
    bad([](DecayParams& p) { p.tau_seconds = -1; });
    bad([&](DecayParams& p) { p.tau_seconds = kNaN; });
    bad([](DecayParams& p) { p.fast_hours = 0; });
    bad([&](DecayParams& p) { p.fast_hours = kNaN; });
    bad([](DecayParams& p) { p.beta = -0.1; });
    bad([&](DecayParams& p) { p.beta = kNaN; });
    bad([](DecayParams& p) { p.schema = -1; });
    bad([](DecayParams& p) { p.min_strength = -0.1f; });
    bad([](DecayParams& p) { p.min_strength = 1.5f; });
    bad([&](DecayParams& p) { p.min_strength = kNaN; });
    EXPECT_THROW(decay(m, 1, static_cast<DecayCurve>(42), {}), std::invalid_argument);
  }
}

TEST(DecayCurveNames, RoundTrip) {
  for (DecayCurve curve : kCurves) {
    EXPECT_EQ(parse_decay_curve(decay_curve_name(curve)), curve);
  }
  EXPECT_EQ(decay_curve_name(DecayCurve::kPowerLaw), "power_law");
  EXPECT_FALSE(parse_decay_curve("linear").has_value());
}

}  // namespace
}  // namespace engram
