#pragma once
// Statistics over repeated measurements (benchmark repetitions): location and
// spread, a bootstrap confidence interval of the median, Tukey outliers, the
// Mann-Whitney U test and the geometric mean.
//
// Every function throws std::invalid_argument when its input cannot give a
// defined answer (an empty sample, a non-finite value, a non-positive value
// for a ratio or a geometric mean); the message says which.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace engram::benchstats {

// --- Location and spread ----------------------------------------------------
double median(std::span<const double> values);
double mean(std::span<const double> values);
// Sample standard deviation (divisor n - 1, as Google Benchmark reports it).
// NaN for a single value: one value says nothing about spread.
double stddev(std::span<const double> values);
// Coefficient of variation stddev / mean (a fraction, not percent). NaN for a
// single value or a zero mean.
double coefficient_of_variation(std::span<const double> values);
// Median absolute deviation, median(|x - median(x)|), unscaled (multiply by
// 1.4826 for a consistent estimate of sigma under normality).
double median_absolute_deviation(std::span<const double> values);
// Quantile with linear interpolation between order statistics (Hyndman & Fan
// type 7, the default of R and NumPy): h = (n - 1) p, x[floor h] + frac(h) *
// (x[floor h + 1] - x[floor h]). p in [0, 1].
double quantile(std::span<const double> values, double p);
// exp(mean(log x)); every value must be > 0.
double geometric_mean(std::span<const double> values);

struct Summary {
  std::size_t count = 0;
  double median = 0, mean = 0, stddev = 0, cv = 0, mad = 0, min = 0, max = 0;
};
Summary summarize(std::span<const double> values);

// --- Bootstrap ----------------------------------------------------------------
// Percentile bootstrap: resample with replacement, take the statistic of each
// resample, report the (1-level)/2 and (1+level)/2 quantiles (type 7) of those
// statistics. Deterministic: the generator is our own (splitmix64 seeding a
// xoshiro256**), with unbiased bounded draws, so a seed gives the same
// interval on every platform and standard library.
struct BootstrapOptions {
  // 10,000 resamples keep the Monte-Carlo error of a 2.5% quantile of the
  // resampled statistic at about +-0.3 percentile points, and cost well under a
  // millisecond per benchmark for ten repetitions.
  std::size_t resamples = 10'000;
  double level = 0.95;
  std::uint64_t seed = 0x5eed'2024'e17a'0001ULL;
};

struct ConfidenceInterval {
  double low = 0, high = 0;
  double level = 0.95;
  std::size_t resamples = 0;
  bool contains(double x) const { return low <= x && x <= high; }
};

// CI of the median of one sample.
ConfidenceInterval bootstrap_median_ci(std::span<const double> values,
                                       const BootstrapOptions& options = {});
// CI of median(after) / median(before), resampling both samples independently
// (each resample draws a new "before" and a new "after"). Values must be > 0.
// Only the median's: a resample of n values misses the sample's minimum with
// probability (1 - 1/n)^n, about 1/3, so a bootstrap of the minimum (or of a
// low quantile) of a few repetitions is nearly a point and would overstate
// the certainty of a ratio of minimums.
ConfidenceInterval bootstrap_median_ratio_ci(std::span<const double> before,
                                             std::span<const double> after,
                                             const BootstrapOptions& options = {});

// --- Tukey fences ---------------------------------------------------------------
// Quartiles by quantile() above. Mild outliers lie beyond 1.5 IQR from the
// quartiles (but within 3 IQR); severe ones beyond 3 IQR.
struct TukeyOutliers {
  double q1 = 0, q3 = 0, iqr = 0;
  double inner_low = 0, inner_high = 0;  // q1 - 1.5 IQR, q3 + 1.5 IQR
  double outer_low = 0, outer_high = 0;  // q1 - 3 IQR,   q3 + 3 IQR
  // Indices into the input, ascending.
  std::vector<std::size_t> low_severe, low_mild, high_mild, high_severe;
  std::size_t count() const {
    return low_severe.size() + low_mild.size() + high_mild.size() + high_severe.size();
  }
};
TukeyOutliers tukey_outliers(std::span<const double> values);

// --- Mann-Whitney U -------------------------------------------------------------
// Two-sided test of "the two samples come from the same distribution" against a
// shift. Ranks are midranks (ties share the mean of their ranks).
//  - Exact: when there are no ties and n1 + n2 <= kExactLimit, p is computed
//    from the exact null distribution of U (counted by recursion over the
//    C(n1+n2, n1) equally likely arrangements): p = min(1, 2 min(P(U <= u),
//    P(U >= u))).
//  - Otherwise the normal approximation with the tie correction of the
//    variance, sigma^2 = n1 n2 / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1))),
//    and a continuity correction of 0.5: z = (|U - n1 n2 / 2| - 0.5) / sigma,
//    p = erfc(z / sqrt 2). When every value is tied (sigma = 0), p = 1.
struct MannWhitneyResult {
  double u = 0;        // U of the first sample: R1 - n1 (n1 + 1) / 2
  double z = 0;        // normal score (0 for the exact method)
  double p_value = 1;  // two-sided
  bool exact = false;
  bool ties = false;
};
inline constexpr std::size_t kMannWhitneyExactLimit = 40;
MannWhitneyResult mann_whitney_u(std::span<const double> first, std::span<const double> second);

// The smallest two-sided p the test can give for these sample sizes (both
// samples fully separated, no ties): 2 / C(n1 + n2, n1). With 3 and 3
// repetitions it is 0.1, which is why a verdict needs at least 4 per side.
double mann_whitney_smallest_p(std::size_t n1, std::size_t n2);

}  // namespace engram::benchstats
