#include "benchmark_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace engram::report {

const char* const kPeerRatioRule =
    "benchmarks are grouped by kernel (the name before the last '/'); within a kernel: optimized / P for every "
    "peer P (any variant other than reference and optimized: OpenBLAS, Eigen, SLEEF), reference / optimized "
    "(how many times faster the optimized kernel is), and counted / uncounted for the counter-overhead "
    "benchmarks. A ratio is median(time of the first) / median(time of the second), both from the same run, "
    "so below 1 the first is faster";

std::pair<std::string, std::string> split_variant(const std::string& name) {
  const auto slash = name.rfind('/');
  if (slash == std::string::npos) return {name, ""};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

std::vector<BenchmarkRow> summarize_benchmarks(const benchstats::BenchmarkFile& file, benchstats::TimeMeasure measure) {
  std::vector<BenchmarkRow> rows;
  for (const auto& b : file.benchmarks) {
    BenchmarkRow row;
    row.name = b.name;
    row.error = b.error_message;
    const auto& times = b.times(measure);
    row.repetitions = times.size();
    if (!times.empty()) {
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

std::vector<PeerRatio> peer_ratios(const benchstats::BenchmarkFile& file, benchstats::TimeMeasure measure) {
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
          absent.push_back(fmt::format("{}/{} has no repetitions", kernel, side));
        }
      }
      if (!absent.empty()) {
        r.missing = fmt::format("{}", fmt::join(absent, "; "));
        out.push_back(std::move(r));
        continue;
      }
      const auto& n = num->times(measure);
      const auto& d = den->times(measure);
      r.numerator_reps = n.size();
      r.denominator_reps = d.size();
      const double dm = benchstats::median(d);
      if (dm <= 0) {
        r.missing = fmt::format("{}/{} has a median time of 0", kernel, pair.denominator);
      } else {
        r.value = benchstats::median(n) / dm;
        const bool positive = std::all_of(n.begin(), n.end(), [](double x) { return x > 0; }) &&
                              std::all_of(d.begin(), d.end(), [](double x) { return x > 0; });
        if (n.size() >= 2 && d.size() >= 2 && positive) r.ci = benchstats::bootstrap_median_ratio_ci(d, n);
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace engram::report
