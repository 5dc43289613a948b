// Optimized decay: every curve is evaluated as R = 2^t (t <= 0) in float SIMD
// lanes, with the age kept in u64 and added with saturation.
//
// Converting the u64 age to float: AVX-512 (DQ) does it in one instruction.
// Below that, the exponential curve has a fast path: once t <= -127 the
// result is 0, so ages are clamped to the age where that happens (below 2^31
// for any time constant under ~115 days) and converted from the low 32 bits
// with one int -> float conversion. Longer time constants and the other
// curves convert the full u64 range through double.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "decay_common.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "decay_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace engram {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

enum class Retention { kFast, kSlow, kTwoComponent };

// Below AVX-512, 2^t for t <= 0 is computed as 2^n * 2^f with n = round(t), f in [-0.5, 0.5].
// 2^f = 1 + f * q(f), q a degree-3 fit at Chebyshev nodes: max relative
// error 7e-6, 14x inside the 1e-4 contract, and one FMA less than degree 4
// (2.6e-7), which was worth 9% of the exponential decay's time. p(0) = 1
// exactly, so t = 0 gives R = 1 and leaves the strength unchanged.
template <class D, class V>
HWY_INLINE V Exp2Fraction(D d, V f) {
  auto q = hn::Set(d, 0.00965671055f);
  q = hn::MulAdd(q, f, hn::Set(d, 0.0558382832f));
  q = hn::MulAdd(q, f, hn::Set(d, 0.2402253f));
  q = hn::MulAdd(q, f, hn::Set(d, 0.693136752f));
  return hn::MulAdd(q, f, hn::Set(d, 1.0f));
}

#if HWY_TARGET <= HWY_AVX3
// AVX-512 takes u = t + 1/2 (the +1/2 folds into the FMA that forms t) and
// needs no rounding step: vreduceps gives g = u - floor(u) in [0, 1) exactly
// and vscalefps multiplies by 2^floor(u), so 2^t = 2^(g - 1/2) * 2^floor(u).
// 2^(g - 1/2) is a degree-4 polynomial in g (Chebyshev interpolation, c0
// nudged so that g = 1/2, i.e. t = 0, gives exactly 1): max relative error
// 3.6e-6, 28x inside the 1e-4 contract. One instruction fewer per vector
// than round + subtract + a separate multiply, even with the flush below.
constexpr float kExponentBias = 0.5f;

template <class D, class V>
HWY_INLINE V Exp2OfBiased(D d, V u) {
  const V g{_mm512_reduce_ps(u.raw, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)};
  auto p = hn::Set(d, 0.00966636837f);
  p = hn::MulAdd(p, g, hn::Set(d, 0.0365892388f));
  p = hn::MulAdd(p, g, hn::Set(d, 0.170840085f));
  p = hn::MulAdd(p, g, hn::Set(d, 0.490005851f));
  p = hn::MulAdd(p, g, hn::Set(d, 0.707109272f));
  // Below u = -100, R < 2^-100 is returned as exactly 0 (within the contract's
  // 1e-7 absolute tolerance near 0): R and s * R then never become subnormal,
  // whose slow path cost ~13% of the exponential decay with ages past 87 days.
  const auto normal = hn::Ge(u, hn::Set(d, -100.0f));
  return V{_mm512_maskz_scalef_ps(normal.raw, p.raw, u.raw)};
}

// u = x * scale + kExponentBias in one FMA.
template <class D, class V>
HWY_INLINE V BiasedExponent(D d, V x, float scale) {
  return hn::MulAdd(x, hn::Set(d, scale), hn::Set(d, kExponentBias));
}
#else
// Elsewhere any t < -100 becomes -127, where the exponent bits become 0 and
// the result is exactly +0: huge ages give 0 (never NaN), and as on AVX-512
// R < 2^-100 is flushed to 0 so neither R nor s * R goes subnormal (the slow
// path cost ~16% of the AVX2 exponential decay with ages past 87 days).
template <class D, class V>
HWY_INLINE V Exp2OfBiased(D d, V t) {
  const hn::RebindToSigned<D> di;
  t = hn::IfThenElse(hn::Lt(t, hn::Set(d, -100.0f)), hn::Set(d, -127.0f), t);
  // Adding 1.5 * 2^23 rounds t to an integer n held in the low mantissa bits.
  const auto magic = hn::Set(d, 12582912.0f);
  const auto k = hn::Add(t, magic);
  const auto p = Exp2Fraction(d, hn::Sub(t, hn::Sub(k, magic)));
  // (bits(k) + 127) << 23 == (n + 127) << 23: the magic's own bits shift out.
  const auto scale = hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(hn::BitCast(di, k), hn::Set(di, 127))));
  return hn::Mul(p, scale);
}

// No bias below AVX-512: t = x * scale (a plain multiply; SSE4 has no FMA).
template <class D, class V>
HWY_INLINE V BiasedExponent(D d, V x, float scale) {
  return hn::Mul(x, hn::Set(d, scale));
}
#endif

// Decays one vector of memories at s/age/count (any alignment).
template <Retention kRetention, bool kClampedAges, bool kFloor, class DF>
HWY_INLINE void DecayVector(DF df, float* HWY_RESTRICT s, std::uint64_t* HWY_RESTRICT age,
                            const std::uint32_t* HWY_RESTRICT count, const detail::DecayConstants& c) {
  const hn::RebindToUnsigned<DF> du32;
  decltype(hn::Zero(df)) age_f;
#if HWY_TARGET == HWY_SCALAR
  // One lane: there are no 64-bit lanes beside a float one, so plain C++.
  const std::uint64_t a = (age[0] < c.add_limit ? age[0] : c.add_limit) + c.elapsed;
  age[0] = a;
  if constexpr (kClampedAges) {
    age_f = hn::Set(df, static_cast<float>(static_cast<std::int32_t>(
                            a < c.conversion_limit ? a : c.conversion_limit)));
  } else {
    age_f = hn::Set(df, static_cast<float>(static_cast<double>(a)));
  }
#else
  const hn::Repartition<std::uint64_t, DF> du64;  // half as many lanes as df
  const hn::RebindToSigned<DF> di32;
  const std::size_t half = hn::Lanes(du64);

  // Saturating add, and the new ages back to memory.
  const auto add_limit = hn::Set(du64, c.add_limit);
  const auto elapsed = hn::Set(du64, c.elapsed);
  const auto a0 = hn::Add(hn::Min(hn::LoadU(du64, age), add_limit), elapsed);
  const auto a1 = hn::Add(hn::Min(hn::LoadU(du64, age + half), add_limit), elapsed);
  hn::StoreU(a0, du64, age);
  hn::StoreU(a1, du64, age + half);

#if HWY_TARGET <= HWY_AVX3
  // AVX512DQ converts u64 straight to f32 (rounded once, full range): no clamp.
  (void)di32;
  age_f = decltype(age_f){_mm512_insertf32x8(
      _mm512_castps256_ps512(_mm512_cvtepu64_ps(a0.raw)), _mm512_cvtepu64_ps(a1.raw), 1)};
#else
  if constexpr (kClampedAges) {
    const auto limit = hn::Set(du64, c.conversion_limit);
    const auto low32 = hn::ConcatEven(du32, hn::BitCast(du32, hn::Min(a1, limit)),
                                      hn::BitCast(du32, hn::Min(a0, limit)));
    age_f = hn::ConvertTo(df, hn::BitCast(di32, low32));
  } else {
    const hn::Repartition<double, DF> dd;
    const hn::Half<DF> dh;
    age_f = hn::Combine(df, hn::DemoteTo(dh, hn::ConvertTo(dd, a1)),
                        hn::DemoteTo(dh, hn::ConvertTo(dd, a0)));
  }
#endif  // HWY_TARGET <= HWY_AVX3
#endif  // HWY_TARGET == HWY_SCALAR

  // t, plus kExponentBias on AVX-512 (see Exp2OfBiased).
  decltype(hn::Zero(df)) t;
  if constexpr (kRetention == Retention::kFast) {
    t = BiasedExponent(df, age_f, c.fast_scale);
  } else {
    const auto units = hn::MulAdd(age_f, hn::Set(df, c.slow_inv_unit), hn::Set(df, 1.0f));
    const auto t_slow = BiasedExponent(df, hn::Log(df, units), c.slow_scale);
    if constexpr (kRetention == Retention::kSlow) {
      t = t_slow;
    } else {
      const auto t_fast = BiasedExponent(df, age_f, c.fast_scale);
      const auto fresh = hn::Lt(hn::LoadU(du32, count), hn::Set(du32, c.consolidation_recalls));
      t = hn::IfThenElse(hn::RebindMask(df, fresh), t_fast, t_slow);
    }
  }

  const auto strength = hn::LoadU(df, s);
  const auto decayed = hn::Mul(strength, Exp2OfBiased(df, t));
  if constexpr (kFloor) {
    const auto floor = hn::Min(strength, hn::Set(df, c.min_strength));
    hn::StoreU(hn::Max(decayed, floor), df, s);
  } else {
    // min_strength 0: max(s * R, min(s, 0)) is s * R for any s, as R is in [0, 1].
    hn::StoreU(decayed, df, s);
  }
}

template <Retention kRetention, bool kClampedAges, bool kFloor>
HWY_INLINE void DecayAllWith(float* HWY_RESTRICT s, std::uint64_t* HWY_RESTRICT age,
                         const std::uint32_t* HWY_RESTRICT count, std::size_t n,
                         const detail::DecayConstants& c) {
  const hn::ScalableTag<float> df;
  const std::size_t lanes = hn::Lanes(df);
  std::size_t i = 0;
#pragma GCC unroll 2  // two independent vectors per trip: ~3% on the exponential curve
  for (; i + lanes <= n; i += lanes) {
    DecayVector<kRetention, kClampedAges, kFloor>(df, s + i, age + i, count + i, c);
  }
  if (i == n) return;
  // The last < lanes memories through a zero-padded copy: the same arithmetic,
  // no reads or writes past the arrays.
  const std::size_t rest = n - i;
  HWY_ALIGN float s_tail[hn::MaxLanes(df)] = {};
  HWY_ALIGN std::uint64_t age_tail[hn::MaxLanes(df)] = {};
  HWY_ALIGN std::uint32_t count_tail[hn::MaxLanes(df)] = {};
  std::memcpy(s_tail, s + i, rest * sizeof(float));
  std::memcpy(age_tail, age + i, rest * sizeof(std::uint64_t));
  std::memcpy(count_tail, count + i, rest * sizeof(std::uint32_t));
  DecayVector<kRetention, kClampedAges, kFloor>(df, s_tail, age_tail, count_tail, c);
  std::memcpy(s + i, s_tail, rest * sizeof(float));
  std::memcpy(age + i, age_tail, rest * sizeof(std::uint64_t));
}

template <Retention kRetention, bool kClampedAges>
HWY_INLINE void DecayAll(float* HWY_RESTRICT s, std::uint64_t* HWY_RESTRICT age,
                         const std::uint32_t* HWY_RESTRICT count, std::size_t n,
                         const detail::DecayConstants& c) {
  if (c.min_strength == 0.0f) {
    DecayAllWith<kRetention, kClampedAges, false>(s, age, count, n, c);
  } else {
    DecayAllWith<kRetention, kClampedAges, true>(s, age, count, n, c);
  }
}

// The constants are copied to a local first: the compiler then knows the
// age stores cannot change them and keeps them in registers.
void DecayExponentialClamped(float* s, std::uint64_t* age, const std::uint32_t* count,
                             std::size_t n, const detail::DecayConstants* c) {
  const detail::DecayConstants local = *c;
  DecayAll<Retention::kFast, true>(s, age, count, n, local);
}
void DecayExponentialFull(float* s, std::uint64_t* age, const std::uint32_t* count, std::size_t n,
                          const detail::DecayConstants* c) {
  const detail::DecayConstants local = *c;
  DecayAll<Retention::kFast, false>(s, age, count, n, local);
}
void DecayPowerLaw(float* s, std::uint64_t* age, const std::uint32_t* count, std::size_t n,
                   const detail::DecayConstants* c) {
  const detail::DecayConstants local = *c;
  DecayAll<Retention::kSlow, false>(s, age, count, n, local);
}
void DecayTwoComponent(float* s, std::uint64_t* age, const std::uint32_t* count, std::size_t n,
                       const detail::DecayConstants* c) {
  const detail::DecayConstants local = *c;
  DecayAll<Retention::kTwoComponent, false>(s, age, count, n, local);
}

}  // namespace HWY_NAMESPACE
}  // namespace engram
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "engram/decay.hpp"
#include "simd_dispatch.hpp"
#include "work_counters_internal.hpp"

namespace engram {

HWY_EXPORT(DecayExponentialClamped);
HWY_EXPORT(DecayExponentialFull);
HWY_EXPORT(DecayPowerLaw);
HWY_EXPORT(DecayTwoComponent);

namespace optimized {

void apply_decay(MemoryState& memories, std::uint64_t elapsed_seconds, DecayCurve curve,
                 const DecayParams& params) {
  detail::check_decay_args(memories, curve, params);
  const std::size_t n = memories.size();
  constexpr double kLog2e = 1.4426950408889634;
  // Rates are clamped so that any age (< 1.9e19 s as float) or log term (< 45)
  // times the rate stays a finite float: a huge rate times age 0 must stay 0,
  // not NaN, and AVX-512's vreduceps must never see -inf. Any clamped rate
  // already takes R to exactly 0 by age 1 s.
  constexpr double kMaxRate = 1e18;

  detail::DecayConstants c{};
  c.elapsed = elapsed_seconds;
  c.add_limit = UINT64_MAX - elapsed_seconds;
  c.min_strength = params.min_strength;
  c.consolidation_recalls = params.consolidation_recalls;
  double fast_time_constant = params.tau_seconds;
  if (curve == DecayCurve::kPowerLaw) {
    c.slow_inv_unit = static_cast<float>(1.0 / 3600.0);
    c.slow_scale = static_cast<float>(std::max(-params.beta * kLog2e, -kMaxRate));
  } else if (curve == DecayCurve::kTwoComponent) {
    c.slow_inv_unit = static_cast<float>(1.0 / 86400.0);
    c.slow_scale = static_cast<float>(
        std::max(-params.beta / (1.0 + 0.2 * params.schema) * kLog2e, -kMaxRate));
    fast_time_constant = 3600.0 * params.fast_hours;
  }
  c.fast_scale = static_cast<float>(std::max(-kLog2e / fast_time_constant, -kMaxRate));

  using Kernel = void (*)(float*, std::uint64_t*, const std::uint32_t*, std::size_t,
                          const detail::DecayConstants*);
  const std::size_t index = detail::dispatch_index();
  Kernel kernel = nullptr;
  switch (curve) {
    case DecayCurve::kExponential: {
      // Past the age where t = age * fast_scale reaches -128 every result is
      // 0; if that age fits in 31 bits, ages can be clamped to it and
      // converted as int32.
      const double zero_age = std::ceil(128.0 / -static_cast<double>(c.fast_scale));
      if (zero_age < 2147483647.0) {
        c.conversion_limit = static_cast<std::uint64_t>(zero_age);
        kernel = HWY_DISPATCH_TABLE(DecayExponentialClamped)[index];
      } else {
        kernel = HWY_DISPATCH_TABLE(DecayExponentialFull)[index];
      }
      break;
    }
    case DecayCurve::kPowerLaw: kernel = HWY_DISPATCH_TABLE(DecayPowerLaw)[index]; break;
    case DecayCurve::kTwoComponent: kernel = HWY_DISPATCH_TABLE(DecayTwoComponent)[index]; break;
  }
  if (n > 0) {
    kernel(memories.strength.data(), memories.age_seconds.data(), memories.recall_count.data(), n, &c);
  }
  detail::add_work(decay_work(n, curve));
}

}  // namespace optimized
}  // namespace engram
#endif  // HWY_ONCE
