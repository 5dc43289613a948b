// The statistics against values worked out by hand (the arithmetic is written
// next to each expectation) or published reference values (named).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "engram/benchstats/statistics.hpp"

namespace ea = engram::benchstats;
using V = std::vector<double>;

TEST(Statistics, MedianOfOddEvenAndTinySamples) {
  EXPECT_DOUBLE_EQ(ea::median(V{5}), 5);            // n = 1
  EXPECT_DOUBLE_EQ(ea::median(V{2, 1}), 1.5);       // n = 2: mean of the two
  EXPECT_DOUBLE_EQ(ea::median(V{3, 1, 2}), 2);      // n = 3
  EXPECT_DOUBLE_EQ(ea::median(V{4, 1, 3, 2}), 2.5); // (2 + 3) / 2
  EXPECT_DOUBLE_EQ(ea::median(V{7, 7, 1, 7}), 7);
}

TEST(Statistics, RejectsEmptyAndNonFiniteInput) {
  EXPECT_THROW(ea::median(V{}), std::invalid_argument);
  EXPECT_THROW(ea::mean(V{}), std::invalid_argument);
  EXPECT_THROW(ea::median(V{1, std::numeric_limits<double>::quiet_NaN()}), std::invalid_argument);
  EXPECT_THROW(ea::mean(V{1, std::numeric_limits<double>::infinity()}), std::invalid_argument);
  EXPECT_THROW(ea::quantile(V{1, 2}, 1.5), std::invalid_argument);
}

TEST(Statistics, MeanStddevAndCvOfTheTextbookSample) {
  // {2,4,4,4,5,5,7,9}: mean 5, squared deviations sum to 32, so the
  // population sd is 2 and the sample sd (n - 1) is sqrt(32/7) = 2.1380899353.
  const V x{2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_DOUBLE_EQ(ea::mean(x), 5);
  EXPECT_NEAR(ea::stddev(x), 2.138089935299395, 1e-12);
  EXPECT_NEAR(ea::coefficient_of_variation(x), 2.138089935299395 / 5, 1e-12);
}

TEST(Statistics, SpreadOfTinySamples) {
  EXPECT_TRUE(std::isnan(ea::stddev(V{3})));  // n = 1: no spread measured
  EXPECT_TRUE(std::isnan(ea::coefficient_of_variation(V{3})));
  EXPECT_DOUBLE_EQ(ea::stddev(V{1, 3}), std::sqrt(2.0));  // deviations +-1: (1 + 1) / (2 - 1) = 2
  EXPECT_DOUBLE_EQ(ea::stddev(V{1, 2, 3}), 1);            // (1 + 0 + 1) / 2 = 1
  EXPECT_DOUBLE_EQ(ea::median_absolute_deviation(V{3}), 0);
  EXPECT_DOUBLE_EQ(ea::median_absolute_deviation(V{1, 3}), 1);  // median 2, deviations {1, 1}
  EXPECT_TRUE(std::isnan(ea::coefficient_of_variation(V{-1, 1})));  // zero mean
}

TEST(Statistics, MedianAbsoluteDeviation) {
  // {1,1,2,2,4,6,9}: median 2, |x - 2| = {1,1,0,0,2,4,7}, whose median is 1.
  EXPECT_DOUBLE_EQ(ea::median_absolute_deviation(V{1, 1, 2, 2, 4, 6, 9}), 1);
  // Scale-free of the location: shifting every value changes nothing.
  EXPECT_DOUBLE_EQ(ea::median_absolute_deviation(V{101, 101, 102, 102, 104, 106, 109}), 1);
}

TEST(Statistics, QuantileIsTypeSeven) {
  // h = (n - 1) p: for {1,2,3,4}, p = 0.25 -> h = 0.75 -> 1 + 0.75 (2 - 1) = 1.75
  // (R's quantile(c(1,2,3,4), 0.25) gives the same 1.75).
  EXPECT_DOUBLE_EQ(ea::quantile(V{4, 3, 2, 1}, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(ea::quantile(V{4, 3, 2, 1}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(ea::quantile(V{4, 3, 2, 1}, 0), 1);
  EXPECT_DOUBLE_EQ(ea::quantile(V{4, 3, 2, 1}, 1), 4);
  EXPECT_DOUBLE_EQ(ea::quantile(V{7}, 0.9), 7);
}

TEST(Statistics, GeometricMean) {
  EXPECT_DOUBLE_EQ(ea::geometric_mean(V{2, 8}), 4);  // sqrt(16)
  EXPECT_NEAR(ea::geometric_mean(V{1, 3, 9}), 3, 1e-12);  // cbrt(27)
  EXPECT_NEAR(ea::geometric_mean(V{4, 1, 1.0 / 32}), 0.5, 1e-12);  // cbrt(1/8)
  EXPECT_NEAR(ea::geometric_mean(V{2, 0.5}), 1, 1e-12);  // a doubling and a halving cancel
  EXPECT_DOUBLE_EQ(ea::geometric_mean(V{1.25}), 1.25);
  EXPECT_THROW(ea::geometric_mean(V{1, 0}), std::invalid_argument);
  EXPECT_THROW(ea::geometric_mean(V{1, -2}), std::invalid_argument);
  EXPECT_THROW(ea::geometric_mean(V{}), std::invalid_argument);
}

TEST(Statistics, SummaryCollectsEverything) {
  const ea::Summary s = ea::summarize(V{2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_EQ(s.count, 8u);
  EXPECT_DOUBLE_EQ(s.median, 4.5);
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_DOUBLE_EQ(s.min, 2);
  EXPECT_DOUBLE_EQ(s.max, 9);
  EXPECT_DOUBLE_EQ(s.mad, 0.5);  // |x - 4.5| = {2.5,.5,.5,.5,.5,.5,2.5,4.5}: median 0.5
}

TEST(TukeyOutliers, FencesAndEveryKindOfOutlier) {
  // Sorted: -20 -5 3 4 5 6 7 8 16 100. q1: h = 9 * 0.25 = 2.25 -> 3 + 0.25 = 3.25;
  // q3: h = 6.75 -> 7 + 0.75 = 7.75; IQR 4.5. Inner fences 3.25 - 6.75 = -3.5 and
  // 7.75 + 6.75 = 14.5; outer fences 3.25 - 13.5 = -10.25 and 7.75 + 13.5 = 21.25.
  const V x{5, 100, 3, -5, 16, 4, 8, -20, 6, 7};
  const ea::TukeyOutliers t = ea::tukey_outliers(x);
  EXPECT_DOUBLE_EQ(t.q1, 3.25);
  EXPECT_DOUBLE_EQ(t.q3, 7.75);
  EXPECT_DOUBLE_EQ(t.iqr, 4.5);
  EXPECT_DOUBLE_EQ(t.inner_low, -3.5);
  EXPECT_DOUBLE_EQ(t.inner_high, 14.5);
  EXPECT_DOUBLE_EQ(t.outer_low, -10.25);
  EXPECT_DOUBLE_EQ(t.outer_high, 21.25);
  EXPECT_EQ(t.low_severe, (std::vector<std::size_t>{7}));   // -20
  EXPECT_EQ(t.low_mild, (std::vector<std::size_t>{3}));     // -5
  EXPECT_EQ(t.high_mild, (std::vector<std::size_t>{4}));    // 16
  EXPECT_EQ(t.high_severe, (std::vector<std::size_t>{1}));  // 100
  EXPECT_EQ(t.count(), 4u);
}

TEST(TukeyOutliers, NoneInTinyOrConstantSamples) {
  EXPECT_EQ(ea::tukey_outliers(V{3}).count(), 0u);
  EXPECT_EQ(ea::tukey_outliers(V{1, 2}).count(), 0u);
  EXPECT_EQ(ea::tukey_outliers(V{4, 4, 4, 4}).count(), 0u);
  // A value on a fence is not beyond it: {0,0,0,0,10}: q1 = q3 = 0, IQR 0, so
  // every fence is 0 and 10 is severe.
  EXPECT_EQ(ea::tukey_outliers(V{0, 0, 0, 0, 10}).high_severe, (std::vector<std::size_t>{4}));
}

TEST(MannWhitney, PublishedExampleExact) {
  // The example of R's ?wilcox.test (Hollander & Wolfe, p. 110): W = 35,
  // one-sided p = 0.1272, so the two-sided exact p is 0.2544.
  const V x{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
  const V y{1.15, 0.88, 0.90, 0.74, 1.21};
  const ea::MannWhitneyResult r = ea::mann_whitney_u(x, y);
  EXPECT_TRUE(r.exact);
  EXPECT_FALSE(r.ties);
  EXPECT_DOUBLE_EQ(r.u, 35);
  EXPECT_NEAR(r.p_value, 0.2544, 5e-5);
}

TEST(MannWhitney, TinySamplesExact) {
  // n = 1 vs 1: U is 0 or 1 with probability 1/2 each: p = min(1, 2 * 1/2) = 1.
  EXPECT_DOUBLE_EQ(ea::mann_whitney_u(V{1}, V{2}).p_value, 1);
  // n = 1 vs 2, the middle value: U = 1 of {0,1,2} equally likely: p = min(1, 2 * 2/3) = 1.
  EXPECT_DOUBLE_EQ(ea::mann_whitney_u(V{2}, V{1, 3}).u, 1);
  EXPECT_DOUBLE_EQ(ea::mann_whitney_u(V{2}, V{1, 3}).p_value, 1);
  // n = 2 vs 2 fully separated: U = 0 in 1 of C(4,2) = 6 orderings: p = 2/6.
  EXPECT_NEAR(ea::mann_whitney_u(V{1, 2}, V{3, 4}).p_value, 1.0 / 3, 1e-12);
  // n = 3 vs 3 fully separated: p = 2 / C(6,3) = 2/20 = 0.1 (never < 0.05).
  EXPECT_NEAR(ea::mann_whitney_u(V{1, 2, 3}, V{4, 5, 6}).p_value, 0.1, 1e-12);
  // n = 3 vs 3, x = {1,2,4}, y = {3,5,6}: ranks of x 1+2+4 = 7, U = 7 - 6 = 1.
  // U counts for 3 vs 3 (u = 0..9): 1,1,2,3,3,3,3,2,1,1 (sum 20): P(U <= 1) = 2/20, p = 0.2.
  const ea::MannWhitneyResult r = ea::mann_whitney_u(V{1, 2, 4}, V{3, 5, 6});
  EXPECT_DOUBLE_EQ(r.u, 1);
  EXPECT_NEAR(r.p_value, 0.2, 1e-12);
  // n = 4 vs 4 fully separated: p = 2 / C(8,4) = 2/70, the first size below 0.05.
  EXPECT_NEAR(ea::mann_whitney_u(V{1, 2, 3, 4}, V{5, 6, 7, 8}).p_value, 2.0 / 70, 1e-12);
}

TEST(MannWhitney, SmallestPossiblePExplainsTheFourRepetitionRule) {
  EXPECT_NEAR(ea::mann_whitney_smallest_p(3, 3), 0.1, 1e-12);
  EXPECT_NEAR(ea::mann_whitney_smallest_p(3, 4), 2.0 / 35, 1e-12);  // 0.057: still not < 0.05
  EXPECT_NEAR(ea::mann_whitney_smallest_p(4, 4), 2.0 / 70, 1e-12);
  EXPECT_DOUBLE_EQ(ea::mann_whitney_smallest_p(1, 1), 1);
}

TEST(MannWhitney, TiesUseMidranksAndTheCorrectedVariance) {
  // Pooled sorted: 1x 2x 2x 2y 3x 3y 4y 5y. Midranks: 1 -> 1, the three 2s -> 3,
  // the two 3s -> 5.5, 4 -> 7, 5 -> 8. R1 = 1 + 3 + 3 + 5.5 = 12.5, U = 12.5 - 10 = 2.5.
  // Tie term: (27 - 3) + (8 - 2) = 30. Variance: 16/12 * (9 - 30/56) = 11.2857143;
  // z = (|2.5 - 8| - 0.5) / sqrt(11.2857143) = 5 / 3.3594217 = 1.4883514;
  // p = erfc(z / sqrt 2) = 0.1366582.
  const ea::MannWhitneyResult r = ea::mann_whitney_u(V{1, 2, 2, 3}, V{2, 3, 4, 5});
  EXPECT_TRUE(r.ties);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 2.5);
  EXPECT_NEAR(r.z, 1.4883513944689681, 1e-9);
  EXPECT_NEAR(r.p_value, 0.13665824773814753, 1e-9);
}

TEST(MannWhitney, EverythingTiedGivesPOne) {
  const ea::MannWhitneyResult r = ea::mann_whitney_u(V{5, 5, 5, 5}, V{5, 5, 5, 5});
  EXPECT_TRUE(r.ties);
  EXPECT_DOUBLE_EQ(r.u, 8);  // every rank is 4.5: R1 = 18, U = 18 - 10 = 8 = n1 n2 / 2
  EXPECT_DOUBLE_EQ(r.p_value, 1);
}

TEST(MannWhitney, NormalApproximationBeyondTheExactLimit) {
  // 21 vs 21 fully separated (42 > 40 values): U = 0, mean 220.5,
  // sigma = sqrt(21 * 21 * 43 / 12) = 39.7523584, z = 220 / sigma = 5.5342628,
  // p = erfc(z / sqrt 2) = 3.1254e-8.
  V x, y;
  for (int i = 1; i <= 21; ++i) x.push_back(i);
  for (int i = 22; i <= 42; ++i) y.push_back(i);
  const ea::MannWhitneyResult r = ea::mann_whitney_u(x, y);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 0);
  EXPECT_NEAR(r.z, 5.534262839761064, 1e-9);
  EXPECT_NEAR(r.p_value / 3.125399998400882e-08, 1, 1e-6);
}

TEST(MannWhitney, SymmetricInItsSamples) {
  const V a{3.1, 4.7, 2.2, 9.0, 5.5}, b{6.1, 7.3, 8.8, 5.9, 10.2, 4.0};
  const ea::MannWhitneyResult ab = ea::mann_whitney_u(a, b), ba = ea::mann_whitney_u(b, a);
  EXPECT_DOUBLE_EQ(ab.u + ba.u, 30);  // U1 + U2 = n1 n2
  EXPECT_DOUBLE_EQ(ab.p_value, ba.p_value);
  EXPECT_THROW(ea::mann_whitney_u(V{}, b), std::invalid_argument);
}

TEST(Bootstrap, MedianCiOfTinySamples) {
  // n = 1: every resample is the value itself.
  const ea::ConfidenceInterval one = ea::bootstrap_median_ci(V{7});
  EXPECT_DOUBLE_EQ(one.low, 7);
  EXPECT_DOUBLE_EQ(one.high, 7);
  // n = 2, {1, 3}: resampled medians are 1 (p 1/4), 2 (p 1/2), 3 (p 1/4); the
  // 2.5% and 97.5% quantiles fall in the end masses: [1, 3].
  const ea::ConfidenceInterval two = ea::bootstrap_median_ci(V{1, 3});
  EXPECT_DOUBLE_EQ(two.low, 1);
  EXPECT_DOUBLE_EQ(two.high, 3);
  EXPECT_EQ(two.resamples, 10'000u);
  EXPECT_DOUBLE_EQ(two.level, 0.95);
  // Constant sample: a point.
  const ea::ConfidenceInterval flat = ea::bootstrap_median_ci(V{4, 4, 4, 4, 4});
  EXPECT_DOUBLE_EQ(flat.low, 4);
  EXPECT_DOUBLE_EQ(flat.high, 4);
}

TEST(Bootstrap, SeededAndDeterministic) {
  const V x{10.1, 9.7, 10.4, 10.0, 9.9, 10.8, 10.2, 9.6, 10.3, 10.05};
  const ea::ConfidenceInterval a = ea::bootstrap_median_ci(x), b = ea::bootstrap_median_ci(x);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  EXPECT_TRUE(a.contains(ea::median(x)));
  EXPECT_LT(a.low, a.high);
  ea::BootstrapOptions other;
  other.seed = 12345;
  other.resamples = 20'000;
  const ea::ConfidenceInterval c = ea::bootstrap_median_ci(x, other);
  EXPECT_EQ(c.resamples, 20'000u);
  EXPECT_TRUE(c.contains(ea::median(x)));
}

TEST(Bootstrap, MedianCiCoversTheTrueMedianAboutNinetyFivePercentOfTheTime) {
  // 400 samples of 15 uniform(0, 1) values (a fixed linear congruential
  // stream); the true median is 0.5. The percentile bootstrap of a median
  // at n = 15 should cover it roughly 95% of the time.
  std::uint64_t state = 42;
  auto uniform = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  ea::BootstrapOptions options;
  options.resamples = 2'000;
  int covered = 0;
  const int trials = 400;
  for (int t = 0; t < trials; ++t) {
    V x(15);
    for (double& v : x) v = uniform();
    options.seed = static_cast<std::uint64_t>(t) + 1;
    covered += ea::bootstrap_median_ci(x, options).contains(0.5) ? 1 : 0;
  }
  const double coverage = static_cast<double>(covered) / trials;
  EXPECT_GT(coverage, 0.90);
  EXPECT_LT(coverage, 0.995);
}

TEST(Bootstrap, RatioOfMedians) {
  // Constant samples: every resampled ratio is 10 / 5.
  const ea::ConfidenceInterval flat = ea::bootstrap_median_ratio_ci(V{5, 5, 5, 5}, V{10, 10, 10, 10});
  EXPECT_DOUBLE_EQ(flat.low, 2);
  EXPECT_DOUBLE_EQ(flat.high, 2);
  // A sample against itself scaled by 1.2: the CI holds 1.2 and lies near it.
  const V x{10.1, 9.7, 10.4, 10.0, 9.9, 10.8, 10.2, 9.6, 10.3, 10.05};
  V y;
  for (double v : x) y.push_back(v * 1.2);
  const ea::ConfidenceInterval ci = ea::bootstrap_median_ratio_ci(x, y);
  EXPECT_TRUE(ci.contains(1.2));
  EXPECT_GT(ci.low, 1.1);
  EXPECT_LT(ci.high, 1.3);
  EXPECT_THROW(ea::bootstrap_median_ratio_ci(V{0, 1}, V{1, 2}), std::invalid_argument);
  ea::BootstrapOptions bad;
  bad.level = 1.5;
  EXPECT_THROW(ea::bootstrap_median_ci(x, bad), std::invalid_argument);
}
