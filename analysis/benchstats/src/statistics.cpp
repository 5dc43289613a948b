#include "engram/benchstats/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "random.hpp"

namespace engram::benchstats {
namespace {

void require_values(std::span<const double> values, const char* what) {
  if (values.empty()) throw std::invalid_argument(std::string(what) + ": no values");
  for (double v : values) {
    if (!std::isfinite(v)) throw std::invalid_argument(std::string(what) + ": a value is not finite");
  }
}

void require_positive(std::span<const double> values, const char* what) {
  require_values(values, what);
  for (double v : values) {
    if (!(v > 0)) throw std::invalid_argument(std::string(what) + ": every value must be > 0");
  }
}

// Median of a scratch copy that may be reordered.
double median_in_place(std::vector<double>& v) {
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return lower + (upper - lower) / 2;
}

double sorted_quantile(const std::vector<double>& sorted, double p) {
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const auto lower = static_cast<std::size_t>(std::floor(h));
  const std::size_t upper = std::min(lower + 1, sorted.size() - 1);
  return sorted[lower] + (h - static_cast<double>(lower)) * (sorted[upper] - sorted[lower]);
}

void require_level(const BootstrapOptions& options) {
  if (!(options.level > 0 && options.level < 1)) {
    throw std::invalid_argument("bootstrap: confidence level must be in (0, 1)");
  }
  if (options.resamples < 2) throw std::invalid_argument("bootstrap: need at least 2 resamples");
}

ConfidenceInterval percentile_interval(std::vector<double>& statistics, const BootstrapOptions& options) {
  std::sort(statistics.begin(), statistics.end());
  ConfidenceInterval ci;
  ci.level = options.level;
  ci.resamples = options.resamples;
  ci.low = sorted_quantile(statistics, (1 - options.level) / 2);
  ci.high = sorted_quantile(statistics, (1 + options.level) / 2);
  return ci;
}

void resample(std::span<const double> from, std::vector<double>& into, detail::Xoshiro256& rng) {
  into.resize(from.size());
  for (double& x : into) x = from[rng.below(from.size())];
}

}  // namespace

double median(std::span<const double> values) {
  require_values(values, "median");
  std::vector<double> copy(values.begin(), values.end());
  return median_in_place(copy);
}

double mean(std::span<const double> values) {
  require_values(values, "mean");
  // A long double accumulator is accurate enough at benchmark sample sizes.
  long double sum = 0;
  for (double v : values) sum += v;
  return static_cast<double>(sum / static_cast<long double>(values.size()));
}

double stddev(std::span<const double> values) {
  require_values(values, "stddev");
  if (values.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  const long double m = mean(values);
  long double squares = 0;
  for (double v : values) squares += (v - m) * (v - m);
  return static_cast<double>(std::sqrt(squares / static_cast<long double>(values.size() - 1)));
}

double coefficient_of_variation(std::span<const double> values) {
  const double s = stddev(values);
  const double m = mean(values);
  if (m == 0) return std::numeric_limits<double>::quiet_NaN();
  return s / std::fabs(m);
}

double median_absolute_deviation(std::span<const double> values) {
  const double m = median(values);
  std::vector<double> deviations;
  deviations.reserve(values.size());
  for (double v : values) deviations.push_back(std::fabs(v - m));
  return median_in_place(deviations);
}

double quantile(std::span<const double> values, double p) {
  require_values(values, "quantile");
  if (!(p >= 0 && p <= 1)) throw std::invalid_argument("quantile: p must be in [0, 1]");
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted_quantile(sorted, p);
}

double geometric_mean(std::span<const double> values) {
  require_positive(values, "geometric mean");
  long double logs = 0;
  for (double v : values) logs += std::log(static_cast<long double>(v));
  return static_cast<double>(std::exp(logs / static_cast<long double>(values.size())));
}

Summary summarize(std::span<const double> values) {
  require_values(values, "summary");
  Summary s;
  s.count = values.size();
  s.median = median(values);
  s.mean = mean(values);
  s.stddev = stddev(values);
  s.cv = coefficient_of_variation(values);
  s.mad = median_absolute_deviation(values);
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  s.min = *lo;
  s.max = *hi;
  return s;
}

ConfidenceInterval bootstrap_median_ci(std::span<const double> values, const BootstrapOptions& options) {
  require_values(values, "bootstrap CI of the median");
  require_level(options);
  detail::Xoshiro256 rng(options.seed);
  std::vector<double> sample, medians;
  medians.reserve(options.resamples);
  for (std::size_t r = 0; r < options.resamples; ++r) {
    resample(values, sample, rng);
    medians.push_back(median_in_place(sample));
  }
  return percentile_interval(medians, options);
}

ConfidenceInterval bootstrap_median_ratio_ci(std::span<const double> before, std::span<const double> after,
                                             const BootstrapOptions& options) {
  require_positive(before, "bootstrap CI of a ratio (before)");
  require_positive(after, "bootstrap CI of a ratio (after)");
  require_level(options);
  detail::Xoshiro256 rng(options.seed);
  std::vector<double> a, b, ratios;
  ratios.reserve(options.resamples);
  for (std::size_t r = 0; r < options.resamples; ++r) {
    resample(before, a, rng);
    resample(after, b, rng);
    ratios.push_back(median_in_place(b) / median_in_place(a));
  }
  return percentile_interval(ratios, options);
}

TukeyOutliers tukey_outliers(std::span<const double> values) {
  require_values(values, "Tukey outliers");
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  TukeyOutliers t;
  t.q1 = sorted_quantile(sorted, 0.25);
  t.q3 = sorted_quantile(sorted, 0.75);
  t.iqr = t.q3 - t.q1;
  t.inner_low = t.q1 - 1.5 * t.iqr;
  t.inner_high = t.q3 + 1.5 * t.iqr;
  t.outer_low = t.q1 - 3 * t.iqr;
  t.outer_high = t.q3 + 3 * t.iqr;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (v < t.outer_low) t.low_severe.push_back(i);
    else if (v < t.inner_low) t.low_mild.push_back(i);
    else if (v > t.outer_high) t.high_severe.push_back(i);
    else if (v > t.inner_high) t.high_mild.push_back(i);
  }
  return t;
}

namespace {

// Number of the C(m + n, m) orderings of m "first" and n "second" values (no
// ties) for each value of U = #(first > second), u = 0 .. m n. The largest
// value overall is either a "first" one, which beats all n "second" ones, or
// a "second" one: count(m, n, u) = count(m - 1, n, u - n) + count(m, n - 1, u).
std::vector<double> exact_u_counts(std::size_t m, std::size_t n) {
  // table[i][j] holds the counts for sizes (i, j); only row i - 1 and row i are
  // needed at a time.
  std::vector<std::vector<double>> previous(n + 1), current(n + 1);
  for (std::size_t j = 0; j <= n; ++j) previous[j] = {1.0};  // i = 0: U is 0
  for (std::size_t i = 1; i <= m; ++i) {
    current[0] = {1.0};  // j = 0: U is 0
    for (std::size_t j = 1; j <= n; ++j) {
      std::vector<double> counts(i * j + 1, 0.0);
      const auto& first_is_largest = previous[j];  // sizes (i - 1, j), shifted by j
      for (std::size_t u = 0; u < first_is_largest.size(); ++u) counts[u + j] += first_is_largest[u];
      const auto& second_is_largest = current[j - 1];  // sizes (i, j - 1)
      for (std::size_t u = 0; u < second_is_largest.size(); ++u) counts[u] += second_is_largest[u];
      current[j] = std::move(counts);
    }
    std::swap(previous, current);
  }
  return previous[n];
}

}  // namespace

MannWhitneyResult mann_whitney_u(std::span<const double> first, std::span<const double> second) {
  require_values(first, "Mann-Whitney U (first sample)");
  require_values(second, "Mann-Whitney U (second sample)");
  const std::size_t n1 = first.size(), n2 = second.size(), n = n1 + n2;

  // Midranks over the pooled sample.
  std::vector<std::pair<double, bool>> pooled;  // value, belongs to first
  pooled.reserve(n);
  for (double v : first) pooled.emplace_back(v, true);
  for (double v : second) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum_first = 0;
  double tie_term = 0;  // sum over tie groups of t^3 - t
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double midrank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k) {
      if (pooled[k].second) rank_sum_first += midrank;
    }
    tie_term += t * t * t - t;
    i = j;
  }

  MannWhitneyResult r;
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2), dn = static_cast<double>(n);
  r.u = rank_sum_first - dn1 * (dn1 + 1) / 2;
  r.ties = tie_term > 0;

  if (!r.ties && n <= kMannWhitneyExactLimit) {
    const std::vector<double> counts = exact_u_counts(n1, n2);
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    const auto u = static_cast<std::size_t>(std::llround(r.u));
    double at_most = 0, at_least = 0;
    for (std::size_t k = 0; k < counts.size(); ++k) {
      if (k <= u) at_most += counts[k];
      if (k >= u) at_least += counts[k];
    }
    r.exact = true;
    r.p_value = std::min(1.0, 2 * std::min(at_most, at_least) / total);
    return r;
  }

  const double mean_u = dn1 * dn2 / 2;
  const double variance = dn1 * dn2 / 12 * ((dn + 1) - tie_term / (dn * (dn - 1)));
  if (!(variance > 0)) {  // every value tied: no evidence of any shift
    r.z = 0;
    r.p_value = 1;
    return r;
  }
  const double distance = std::max(0.0, std::fabs(r.u - mean_u) - 0.5);
  r.z = distance / std::sqrt(variance);
  r.p_value = std::min(1.0, std::erfc(r.z / std::sqrt(2.0)));
  return r;
}

double mann_whitney_smallest_p(std::size_t n1, std::size_t n2) {
  // 2 / C(n1 + n2, n1), computed as a product to stay in range.
  double combinations = 1;
  for (std::size_t k = 1; k <= n1; ++k) {
    combinations = combinations * static_cast<double>(n2 + k) / static_cast<double>(k);
  }
  return std::min(1.0, 2 / combinations);
}

}  // namespace engram::benchstats
