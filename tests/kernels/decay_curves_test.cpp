// The power-law and two-component decay curves against values worked out by
// hand from KERNELS.md section 3, for the reference and the optimized kernels
// alike: the differential tests in decay_test.cpp cannot see a wrong beta or a
// wrong time unit that both implementations share.
//   PowerLaw:     R = (1 + age_hours)^(-0.18)
//   TwoComponent: recall_count >= 3: R = (1 + age_days)^(-0.18 / (1 + 0.2 * 1))
//                                      = (1 + age_days)^(-0.15)
//                 otherwise          R = exp(-age_hours / 1.96)
// (ln 2 = 0.693147, ln 10 = 2.302585.)
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace engram {
namespace {

constexpr std::uint64_t kHour = 3600;
constexpr std::uint64_t kDay = 86400;
constexpr std::uint64_t kTwo63 = 1ULL << 63;
constexpr std::uint64_t kMaxAge = UINT64_MAX;

struct Case {
  std::uint64_t age_seconds;  // before the call
  std::uint32_t recall_count;
  float strength;
  double expected;  // strength after apply_decay(.., elapsed, ..)
  const char* arithmetic;
};

class DecayCurveValues : public test::AtSimdLevel {
 protected:
  // Runs both kernels over `cases` in one state (so the optimized one sees
  // them in its vector lanes too) and checks each strength: the reference
  // (double, rounded to float) within 1e-6 relative of the hand value, the
  // optimized within the KERNELS.md tolerance (relative 1e-4, absolute 1e-7).
  void check(DecayCurve curve, std::uint64_t elapsed, const std::vector<Case>& cases,
             const DecayParams& params = {}) {
    MemoryState state;
    for (const Case& c : cases) {
      state.strength.push_back(c.strength);
      state.age_seconds.push_back(c.age_seconds);
      state.recall_count.push_back(c.recall_count);
    }
    struct Kernel {
      const char* name;
      void (*decay)(MemoryState&, std::uint64_t, DecayCurve, const DecayParams&);
      double relative, absolute;
    };
    for (const Kernel& k : {Kernel{"reference", &reference::apply_decay, 1e-6, 1e-9},
                            Kernel{"optimized", &optimized::apply_decay, 1e-4, 1e-7}}) {
      MemoryState s = state;
      k.decay(s, elapsed, curve, params);
      for (std::size_t i = 0; i < cases.size(); ++i) {
        const double want = cases[i].expected;
        EXPECT_NEAR(s.strength[i], want, std::max(k.relative * want, k.absolute))
            << k.name << " " << decay_curve_name(curve) << ", " << cases[i].arithmetic;
      }
    }
  }
};
ENGRAM_FOR_EACH_SIMD_LEVEL(DecayCurveValues);

TEST_P(DecayCurveValues, PowerLawUsesHoursAndBeta018) {
  check(DecayCurve::kPowerLaw, 0,
        {{0, 0, 0.7f, 0.7, "age 0: R = 1^-0.18 = 1"},
         {kHour, 0, 1.0f, 0.8827030, "1 h: 2^-0.18 = exp(-0.18 * 0.693147) = exp(-0.124766) = 0.8827030"},
         {3 * kHour, 5, 1.0f, 0.7791646, "3 h: 4^-0.18 = exp(-0.18 * 1.386294) = exp(-0.249533) = 0.7791646"},
         {3 * kHour, 0, 0.5f, 0.3895823, "3 h, s = 0.5: 0.5 * 0.7791646 = 0.3895823"},
         {99 * kHour, 0, 1.0f, 0.4365158, "99 h: 100^-0.18 = 10^-0.36 = exp(-0.36 * 2.302585) = 0.4365158"},
         {kDay, 0, 0.0f, 0.0, "s = 0 stays 0"},
         {kTwo63, 0, 1.0f, 0.001684435,
          "2^63 s = 2.562048e15 h: exp(-0.18 * ln(1 + 2.562048e15)) = exp(-0.18 * 35.479583) "
          "= exp(-6.386325) = 0.001684435"},
         {kMaxAge, 0, 1.0f, 0.001486856,
          "2^64 - 1 s = 5.124096e15 h: exp(-0.18 * 36.172730) = exp(-6.511091) = 0.001486856"}});
}

TEST_P(DecayCurveValues, PowerLawAddsElapsedToTheAgeFirst) {
  // age 1800 s + 1800 s elapsed = 1 h: 2^-0.18 = 0.8827030; age 0 + 99 h: 0.4365158.
  check(DecayCurve::kPowerLaw, 1800,
        {{1800, 0, 1.0f, 0.8827030, "1800 s + 1800 s = 1 h: 2^-0.18 = 0.8827030"},
         {99 * kHour - 1800, 0, 1.0f, 0.4365158, "99 h - 1800 s + 1800 s = 99 h: 10^-0.36 = 0.4365158"}});
}

TEST_P(DecayCurveValues, PowerLawFloorHoldsAtHugeAges) {
  // 2^63 s gives R = 0.001684435 (above): below the floor 0.1, so 0.1; a
  // strength already under the floor is left alone (0.05 * 1 at age 0).
  DecayParams floor;
  floor.min_strength = 0.1f;
  check(DecayCurve::kPowerLaw, 0,
        {{kTwo63, 0, 1.0f, 0.1, "2^63 s: 0.001684435 < floor 0.1 -> 0.1"},
         {99 * kHour, 0, 1.0f, 0.4365158, "99 h: 0.4365158 > floor, unchanged"},
         {99 * kHour, 0, 0.05f, 0.05, "s = 0.05 under the floor: min(s, floor) = 0.05"}},
        floor);
}

TEST_P(DecayCurveValues, TwoComponentSlowPartUsesDaysAndBeta015) {
  // recall_count >= 3: beta / (1 + 0.2 * schema) = 0.18 / 1.2 = 0.15, age in days.
  check(DecayCurve::kTwoComponent, 0,
        {{0, 3, 0.7f, 0.7, "age 0: R = 1"},
         {kDay, 3, 1.0f, 0.9012505, "1 day, 3 recalls: 2^-0.15 = exp(-0.15 * 0.693147) = exp(-0.103972) = 0.9012505"},
         {3 * kDay, 9, 1.0f, 0.8122524, "3 days: 4^-0.15 = 2^-0.3 = exp(-0.207944) = 0.8122524"},
         {3 * kDay, 4, 0.5f, 0.4061262, "3 days, s = 0.5: 0.5 * 0.8122524 = 0.4061262"},
         {99 * kDay, 3, 1.0f, 0.5011872, "99 days: 100^-0.15 = 10^-0.3 = exp(-0.690776) = 0.5011872"},
         {kTwo63, 7, 1.0f, 0.007865813,
          "2^63 s = 1.067520e14 days: exp(-0.15 * ln(1 + 1.067520e14)) = exp(-0.15 * 32.301529) "
          "= exp(-4.845229) = 0.007865813"}});
}

TEST_P(DecayCurveValues, TwoComponentFastPartUsesHoursOver196) {
  // recall_count < 3: R = exp(-age_hours / 1.96).
  check(DecayCurve::kTwoComponent, 0,
        {{0, 0, 0.7f, 0.7, "age 0: R = exp(0) = 1"},
         {7056, 0, 1.0f, 0.3678794, "7056 s = 1.96 h: exp(-1) = 0.3678794"},
         {14112, 2, 1.0f, 0.1353353, "14112 s = 3.92 h: exp(-2) = 0.1353353"},
         {14112, 1, 0.5f, 0.06766764, "3.92 h, s = 0.5: 0.5 * 0.1353353 = 0.06766764"},
         {kDay, 2, 1.0f, 4.809594e-6, "24 h: exp(-24 / 1.96) = exp(-12.244898) = 4.809594e-6"},
         {kTwo63, 0, 1.0f, 0.0, "2^63 s: exp(-2.56e15 / 1.96) = 0"}});
}

TEST_P(DecayCurveValues, TwoComponentSwitchesPartsAtThreeRecalls) {
  // The same age, 1 day, on either side of consolidation_recalls = 3:
  // 2 recalls: exp(-24 / 1.96) = 4.809594e-6; 3 recalls: 2^-0.15 = 0.9012505.
  check(DecayCurve::kTwoComponent, kDay,
        {{0, 2, 1.0f, 4.809594e-6, "0 + 1 day, 2 recalls: fast part, 4.809594e-6"},
         {0, 3, 1.0f, 0.9012505, "0 + 1 day, 3 recalls: slow part, 0.9012505"}});
}

}  // namespace
}  // namespace engram
