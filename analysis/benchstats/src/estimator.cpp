#include "engram/benchstats/estimator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engram/benchstats/statistics.hpp"

namespace engram::benchstats {

std::string_view to_string(Estimator estimator) {
  switch (estimator) {
    case Estimator::median: return "median";
    case Estimator::minimum: return "min";
    case Estimator::q25: return "q25";
  }
  return "?";
}

Estimator parse_estimator(std::string_view text) {
  if (text == "median") return Estimator::median;
  if (text == "min" || text == "minimum") return Estimator::minimum;
  if (text == "q25") return Estimator::q25;
  throw std::invalid_argument(fmt::format("unknown estimator '{}' (expected median, min or q25)", text));
}

double estimate(std::span<const double> values, Estimator estimator) {
  // Checked here for every estimator alike (median and quantile check too,
  // but min_element would not): an estimate of nothing, or of a NaN, is not a time.
  if (values.empty()) throw std::invalid_argument(fmt::format("the {} of no values", to_string(estimator)));
  if (!std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); })) {
    throw std::invalid_argument(fmt::format("the {} of values that are not all finite", to_string(estimator)));
  }
  switch (estimator) {
    case Estimator::median: return median(values);
    case Estimator::minimum: return *std::min_element(values.begin(), values.end());
    case Estimator::q25: return quantile(values, 0.25);
  }
  throw std::invalid_argument("unknown estimator");
}

EstimatorChoice default_estimator(std::span<const BenchmarkFile> runs) {
  const bool virtualized =
      std::any_of(runs.begin(), runs.end(), [](const BenchmarkFile& run) { return run.virtualized().value_or(false); });
  if (virtualized) {
    return {Estimator::minimum,
            "the runs were measured on a virtualized machine (engram.setup), where interference only adds "
            "time; the minimum moves least under it (Chen and Revels 2016). --estimator=median to change."};
  }
  return {Estimator::median,
          "the runs do not say they ran on a virtualized machine (engram.setup), so every repetition "
          "counts. --estimator=min to change."};
}

EstimatorChoice chosen_estimator(Estimator estimator) { return {estimator, "chosen with --estimator"}; }

std::string describe(const EstimatorChoice& choice) {
  const std::string_view name = to_string(choice.estimator);
  return choice.reason.empty() ? std::string(name) : fmt::format("{} ({})", name, choice.reason);
}

}  // namespace engram::benchstats
