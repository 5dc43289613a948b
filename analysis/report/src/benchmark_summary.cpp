#include "benchmark_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace engram::report {

std::string peer_ratio_rule(benchstats::Estimator estimator) {
  return fmt::format(
      "benchmarks are grouped by kernel (the name before the last '/'); within a kernel: optimized / P for every "
      "peer P (any variant other than reference and optimized: OpenBLAS, Eigen, SLEEF), reference / optimized "
      "(how many times faster the optimized kernel is), and counted / uncounted for the counter-overhead "
      "benchmarks. A ratio is {0}(time of the first) / {0}(time of the second), both from the same run, "
      "so below 1 the first is faster",
      benchstats::to_string(estimator));
}

namespace {

// The repetitions a figure is taken from: the undisturbed ones; all of them
// when every one was disturbed (the run then measured nothing better, and
// the row says so rather than showing nothing).
struct UsedTimes {
  std::vector<double> values;
  std::size_t disturbed = 0;
  bool all_disturbed = false;
};

UsedTimes used_times(const benchstats::BenchmarkSamples& b, benchstats::TimeMeasure measure) {
  UsedTimes used;
  used.values = b.undisturbed_times(measure);
  used.disturbed = b.times(measure).size() - used.values.size();
  if (used.values.empty() && used.disturbed > 0) {
    used.values = b.times(measure);
    used.all_disturbed = true;
  }
  return used;
}

}  // namespace

std::pair<std::string, std::string> split_variant(const std::string& name) {
  const auto slash = name.rfind('/');
  if (slash == std::string::npos) return {name, ""};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

std::vector<BenchmarkRow> summarize_benchmarks(const benchstats::BenchmarkFile& file, benchstats::TimeMeasure measure,
                                               benchstats::Estimator estimator) {
  std::vector<BenchmarkRow> rows;
  for (const auto& b : file.benchmarks) {
    BenchmarkRow row;
    row.name = b.name;
    row.error = b.error_message;
    // No repetition to summarise (aggregates only, skipped, entries lacking a
    // time): the row says what is missing instead of showing nothing.
    if (row.error.empty() && b.repetitions() == 0) row.missing = b.unusable_reason();
    const UsedTimes used = used_times(b, measure);
    const auto& times = used.values;
    row.repetitions = times.size();
    row.disturbed = used.disturbed;
    row.all_disturbed = used.all_disturbed;
    if (!times.empty()) {
      row.estimate_ns = benchstats::estimate(times, estimator);
      row.median_ns = benchstats::median(times);
      row.cv = benchstats::coefficient_of_variation(times);
      if (times.size() >= 2) row.ci = benchstats::bootstrap_median_ci(times);
      if (times.size() >= 4) row.outliers = benchstats::tukey_outliers(times).count();
    }
    rows.push_back(std::move(row));
  }
  // By name, so a kernel's variants sit together whatever order the
  // (randomly interleaved) run wrote them in.
  std::stable_sort(rows.begin(), rows.end(), [](const BenchmarkRow& a, const BenchmarkRow& b) { return a.name < b.name; });
  return rows;
}

namespace {

std::string peer_label(const std::string& variant) {
  if (variant == "openblas") return "OpenBLAS";
  if (variant == "eigen") return "Eigen";
  if (variant == "sleef") return "SLEEF";
  return variant;
}

struct Pair {
  std::string numerator, denominator, meaning;
};

}  // namespace

std::vector<PeerRatio> peer_ratios(const benchstats::BenchmarkFile& file, benchstats::TimeMeasure measure,
                                   benchstats::Estimator estimator) {
  // Kernels and their variants, in order of first appearance.
  std::vector<std::string> kernels;
  std::map<std::string, std::vector<std::string>> variants;
  for (const auto& b : file.benchmarks) {
    auto [kernel, variant] = split_variant(b.name);
    if (variant.empty()) continue;
    if (!variants.count(kernel)) kernels.push_back(kernel);
    variants[kernel].push_back(variant);
  }
  std::sort(kernels.begin(), kernels.end());

  std::vector<PeerRatio> out;
  for (const auto& kernel : kernels) {
    const auto& vs = variants[kernel];
    auto has = [&](const char* v) { return std::find(vs.begin(), vs.end(), v) != vs.end(); };
    std::vector<Pair> pairs;
    const bool counter_pair = has("counted") || has("uncounted");
    if (counter_pair) {
      pairs.push_back({"counted", "uncounted", "reading counters vs not (> 1: the counters' overhead)"});
    } else {
      for (const auto& v : vs) {
        if (v == "reference" || v == "optimized") continue;
        pairs.push_back({"optimized", v, fmt::format("optimized vs {} (< 1: optimized faster)", peer_label(v))});
      }
      if (has("reference") || has("optimized")) {
        pairs.push_back({"reference", "optimized", "speed-up of optimized over reference (> 1: optimized faster)"});
      }
    }
    for (const auto& pair : pairs) {
      PeerRatio r;
      r.kernel = kernel;
      r.numerator = pair.numerator;
      r.denominator = pair.denominator;
      r.meaning = pair.meaning;
      const auto* num = file.find(kernel + "/" + pair.numerator);
      const auto* den = file.find(kernel + "/" + pair.denominator);
      std::vector<std::string> absent;
      for (const auto& [side, b] : {std::pair{pair.numerator, num}, std::pair{pair.denominator, den}}) {
        if (b == nullptr) {
          absent.push_back(fmt::format("{}/{} is not in {}", kernel, side, file.source));
        } else if (!b->error_message.empty()) {
          absent.push_back(fmt::format("{}/{} failed: {}", kernel, side, b->error_message));
        } else if (b->times(measure).empty()) {
          absent.push_back(fmt::format("{}/{} has no repetitions: {}", kernel, side, b->unusable_reason()));
        }
      }
      if (!absent.empty()) {
        r.missing = fmt::format("{}", fmt::join(absent, "; "));
        out.push_back(std::move(r));
        continue;
      }
      const std::vector<double> n = used_times(*num, measure).values;
      const std::vector<double> d = used_times(*den, measure).values;
      r.numerator_reps = n.size();
      r.denominator_reps = d.size();
      const double below = benchstats::estimate(d, estimator);
      if (below <= 0) {
        r.missing = fmt::format("{}/{} has a {} time of 0", kernel, pair.denominator, benchstats::to_string(estimator));
      } else {
        r.value = benchstats::estimate(n, estimator) / below;
        const bool positive = std::all_of(n.begin(), n.end(), [](double x) { return x > 0; }) &&
                              std::all_of(d.begin(), d.end(), [](double x) { return x > 0; });
        // The median ratio's interval whatever the estimator: a resample of a
        // few repetitions mostly keeps the sample's minimum, so a bootstrap of
        // the minimum is nearly a point and would overstate the certainty.
        if (n.size() >= 2 && d.size() >= 2 && positive) r.ci = benchstats::bootstrap_median_ratio_ci(d, n);
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace engram::report
