#include "engram/benchstats/compare.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <map>
#include <numeric>
#include <set>

#include "engram/benchstats/counter_compare.hpp"
#include "engram/benchstats/disagreement.hpp"
#include "engram/counters.hpp"
#include "engram/io/text_table.hpp"
#include "engram/noise.hpp"

namespace engram::benchstats {
namespace {

using nlohmann::json;

// Google Benchmark reports a counter per iteration: an integer total divided
// by the iteration count, which differs between runs. Equal totals then differ
// by about 1 / (count x iterations), far below this.
constexpr double kSameCountTolerance = 1e-6;

SideSummary summarize_side(const std::vector<double>& values, const BootstrapOptions& bootstrap) {
  SideSummary side;
  side.repetitions = values.size();
  if (values.empty()) return side;
  side.summary = summarize(values);
  if (values.size() >= 2) side.median_ci = bootstrap_median_ci(values, bootstrap);
  const TukeyOutliers t = tukey_outliers(values);
  side.outliers_mild = t.low_mild.size() + t.high_mild.size();
  side.outliers_severe = t.low_severe.size() + t.high_severe.size();
  return side;
}

std::string percent(double ratio) { return fmt::format("{:+.1f}%", (ratio - 1) * 100); }

std::string ci_text(const ConfidenceInterval& ci) { return fmt::format("[{}, {}]", percent(ci.low), percent(ci.high)); }

// The counter's status as the baseline recorded it in context "engram.counters"
// (counters' status list, read strictly: a malformed list is an input error,
// not a missing status); empty when the run recorded no statuses or none for
// this counter.
std::string recorded_counter_status(const BenchmarkFile& run, const std::string& counter) {
  const auto it = run.context.find("engram.counters");
  if (it == run.context.end()) return {};
  const counters::CounterStatuses statuses =
      counters::counter_statuses_from_json(it->second, run.source + ": context \"engram.counters\"");
  const counters::CounterStatusEntry* entry = statuses.find(counter);
  return entry == nullptr ? std::string() : std::string(counters::to_string(entry->status));
}

void check_counter_is_simulated(const BenchmarkFile& run, const std::string& side, const CompareOptions& options,
                                std::vector<std::string>& warnings) {
  const std::string status = recorded_counter_status(run, options.counter);
  if (status.empty()) {
    warnings.push_back(fmt::format("{} ({}) does not record the status of {} (context \"engram.counters\"): "
                                   "cannot confirm it is simulated and therefore deterministic",
                                   side, run.source, options.counter));
  } else if (status != "simulated") {
    warnings.push_back(fmt::format("{} ({}): {} was {}, not simulated: counts may vary from run to run "
                                   "(run the baseline with --sim=only)",
                                   side, run.source, options.counter, status));
  }
}

// "3 in NEW", "2 in OLD and 1 in NEW": the disturbed repetitions set aside, for reasons.
std::string set_aside_text(const SideSummary& old_side, const SideSummary& new_side) {
  if (old_side.set_aside > 0 && new_side.set_aside > 0) {
    return fmt::format("{} in OLD and {} in NEW", old_side.set_aside, new_side.set_aside);
  }
  return old_side.set_aside > 0 ? fmt::format("{} in OLD", old_side.set_aside)
                                : fmt::format("{} in NEW", new_side.set_aside);
}

// Why a side with fewer than `needed` undisturbed repetitions gives no verdict:
// "only 3 undisturbed repetitions in NEW (2 disturbed set aside); need 4".
std::string too_few_undisturbed(const SideSummary& side, const char* name, std::size_t needed) {
  return fmt::format("only {} undisturbed repetition{} in {} ({} disturbed set aside); need {}", side.repetitions,
                     side.repetitions == 1 ? "" : "s", name, side.set_aside, needed);
}

// Whether baseline measured noise for this run: some repetition carries a
// noise figure (or a disturbed or re-run mark, which only a measurement sets).
// A file made before baseline measured noise has none and reads as all
// undisturbed, whatever disturbed it.
bool carries_noise_figures(const BenchmarkFile& run) {
  const auto measured = [](const RepetitionNoise& n) {
    return n.disturbed || n.rerun > 0 || n.wall_ns || n.cpu_ns || n.steal_ns || n.run_delay_ns ||
           n.involuntary_switches || n.cpu_migrations || n.loadavg || n.memory_probe_ns || n.memory_slowdown;
  };
  return std::any_of(run.benchmarks.begin(), run.benchmarks.end(), [&](const BenchmarkSamples& b) {
    return std::any_of(b.noise.begin(), b.noise.end(), measured);
  });
}

BenchmarkComparison compare_timing(const BenchmarkSamples& old_b, const BenchmarkSamples& new_b,
                                   const CompareOptions& options, Estimator estimator, bool set_aside_disturbed) {
  BenchmarkComparison c;
  c.name = old_b.name;
  // Only the repetitions no measured noise disturbed: interference only adds
  // time, so a disturbed repetition measures the neighbour, not the code.
  // Only when both files measured noise, though: trimming one side's slow
  // tail and not the other's would bias every verdict towards NEW's side.
  const std::vector<double> old_values =
      set_aside_disturbed ? old_b.undisturbed_times(options.measure) : old_b.times(options.measure);
  const std::vector<double> new_values =
      set_aside_disturbed ? new_b.undisturbed_times(options.measure) : new_b.times(options.measure);
  c.old_side = summarize_side(old_values, options.bootstrap);
  c.new_side = summarize_side(new_values, options.bootstrap);
  c.old_side.set_aside = old_b.times(options.measure).size() - old_values.size();
  c.new_side.set_aside = new_b.times(options.measure).size() - new_values.size();
  const bool any_set_aside = c.old_side.set_aside > 0 || c.new_side.set_aside > 0;

  if (!old_b.error_message.empty() || !new_b.error_message.empty()) {
    c.verdict = Verdict::inconclusive;
    c.inconclusive_cause = InconclusiveCause::benchmark_error;
    c.reason = !old_b.error_message.empty() ? "the benchmark reported an error in OLD: " + old_b.error_message
                                            : "the benchmark reported an error in NEW: " + new_b.error_message;
    return c;
  }
  // A side without repetitions (aggregates only, skipped, or every entry
  // lacking a field): no test and no interval. Google Benchmark's median
  // aggregate still gives the change, as its compare.py shows it.
  if (old_b.repetitions() == 0 || new_b.repetitions() == 0) {
    c.verdict = Verdict::inconclusive;
    c.inconclusive_cause = InconclusiveCause::missing_data;
    std::vector<std::string> why;
    for (const auto& [b, name] : {std::pair{&old_b, "OLD"}, std::pair{&new_b, "NEW"}}) {
      if (b->repetitions() == 0) why.push_back(fmt::format("{}: {}", name, b->unusable_reason()));
    }
    const auto median_of = [&](const BenchmarkSamples& b, const std::vector<double>& values,
                               SideSummary& side) -> std::optional<double> {
      if (!values.empty()) return side.summary->median;
      if (b.repetitions() > 0) return std::nullopt;  // every one disturbed: nothing to stand for them
      side.from_aggregates = b.aggregate_median_ns(options.measure).has_value();
      return b.aggregate_median_ns(options.measure);
    };
    const auto old_median = median_of(old_b, old_values, c.old_side);
    const auto new_median = median_of(new_b, new_values, c.new_side);
    if (old_median && new_median && *old_median > 0 && *new_median > 0) {
      c.old_side.estimate = old_median;
      c.new_side.estimate = new_median;
      c.ratio = *new_median / *old_median;
      c.reason = fmt::format(
          "medians compared ({}), statistical test unavailable: {}; rerun with --benchmark_repetitions=10 and "
          "without --benchmark_report_aggregates_only for a verdict",
          percent(*c.ratio), fmt::join(why, "; "));
    } else {
      c.reason = fmt::format("nothing to compare: {}", fmt::join(why, "; "));
    }
    return c;
  }
  for (const auto& [side, name] : {std::pair{&c.old_side, "OLD"}, std::pair{&c.new_side, "NEW"}}) {
    if (!side->summary && side->set_aside > 0) {
      c.verdict = Verdict::inconclusive;
      // The machine disturbed every one: too noisy, measured per repetition.
      c.inconclusive_cause = InconclusiveCause::too_noisy;
      c.reason = fmt::format("every repetition in {} was disturbed ({} set aside): nothing left to compare", name,
                             side->set_aside);
      return c;
    }
  }
  const bool positive = c.old_side.summary && c.new_side.summary && c.old_side.summary->min > 0 &&
                        c.new_side.summary->min > 0;
  if (!positive) {
    c.verdict = Verdict::inconclusive;
    c.inconclusive_cause = InconclusiveCause::missing_data;
    c.reason = "a side has no usable (positive) time";
    return c;
  }
  c.old_side.estimate = estimate(old_values, estimator);
  c.new_side.estimate = estimate(new_values, estimator);
  c.ratio = *c.new_side.estimate / *c.old_side.estimate;
  // The interval is the median ratio's whatever the estimator: a resample of
  // five repetitions keeps the sample's minimum two times in three, so a
  // bootstrap of the minimum (or of a low quantile) is nearly a point and the
  // verdict's CI test would be overconfident.
  if (old_values.size() >= 2 && new_values.size() >= 2) {
    c.ratio_ci = bootstrap_median_ratio_ci(old_values, new_values, options.bootstrap);
  }
  const std::size_t fewest = std::min(old_values.size(), new_values.size());
  if (fewest < options.min_repetitions) {
    c.verdict = Verdict::inconclusive;
    c.inconclusive_cause = InconclusiveCause::too_few_repetitions;
    // With 3 vs 3 no p below 0.05 is possible at all; with 10 vs 3 it is, but
    // three repetitions are still too few to tell a change from noise.
    const double smallest = mann_whitney_smallest_p(old_values.size(), new_values.size());
    const std::string smallest_p =
        smallest >= options.alpha
            ? fmt::format("with fewer than {} per side the U test cannot reach p < {} (its smallest possible p "
                          "here is {:.3g})",
                          options.min_repetitions, options.alpha, smallest)
            : fmt::format("fewer than {} per side are too few to tell a change from noise (the smallest possible "
                          "p here would be {:.3g})",
                          options.min_repetitions, smallest);
    // A side that is short only because disturbed repetitions were set aside
    // says so: the remedy is a quieter run (or more repetitions), not a bug.
    std::vector<std::string> short_sides;
    for (const auto& [side, name] : {std::pair{&c.old_side, "OLD"}, std::pair{&c.new_side, "NEW"}}) {
      if (side->repetitions < options.min_repetitions && side->set_aside > 0) {
        short_sides.push_back(too_few_undisturbed(*side, name, options.min_repetitions));
      }
    }
    if (!short_sides.empty()) {
      c.reason = fmt::format("no p-value: {}; {}; rerun on a quieter machine or with more repetitions",
                             fmt::join(short_sides, "; "), smallest_p);
    } else {
      c.reason = fmt::format("no p-value: {} repetitions in OLD and {} in NEW; {}; rerun with "
                             "--benchmark_repetitions=10",
                             old_values.size(), new_values.size(), smallest_p);
    }
    return c;
  }
  const MannWhitneyResult u = mann_whitney_u(old_values, new_values);
  c.p_value = u.p_value;
  c.p_exact = u.exact;
  const double t = options.effective_threshold();
  c.verdict = timing_verdict(c.p_value, *c.ratio_ci, t, options.alpha);
  const std::string ci = ci_text(*c.ratio_ci);
  switch (c.verdict) {
    case Verdict::regressed:
    case Verdict::improved:
      c.reason = fmt::format("p = {:.3g} < {} and the whole CI of the median ratio {} lies beyond +-{:g}%",
                             u.p_value, options.alpha, ci, t * 100);
      break;
    default:
      if (u.p_value < options.alpha) {
        c.reason = fmt::format(
            "significant (p = {:.3g}) but the CI of the median ratio {} is not wholly beyond the +-{:g}% noise "
            "threshold",
            u.p_value, ci, t * 100);
      } else {
        c.reason = fmt::format("p = {:.3g} >= {}: no evidence of a change", u.p_value, options.alpha);
      }
      break;
  }
  // "Within noise" is a claim that no change of the threshold's size
  // happened; an interval wider than max_ci_width cannot back it.
  const double max_width = options.max_ci_width;
  if (c.verdict == Verdict::within_noise && max_width > 0 && c.ratio_ci->high - c.ratio_ci->low > max_width) {
    c.verdict = Verdict::inconclusive;
    c.inconclusive_cause = InconclusiveCause::too_noisy;
    c.reason = fmt::format("too noisy: the CI of the median ratio {} is {:.1f} points wide, wider than {:g} "
                           "(--max-ci-width): it can neither show nor rule out a "
                           "change of +-{:g}% ({}); rerun on a quieter machine, pinned, or with more repetitions",
                           ci, (c.ratio_ci->high - c.ratio_ci->low) * 100, max_width * 100, t * 100, c.reason);
  }
  if (any_set_aside) {
    c.reason += fmt::format(" (disturbed repetitions set aside: {})", set_aside_text(c.old_side, c.new_side));
  }
  return c;
}

BenchmarkComparison compare_counter(const BenchmarkSamples& old_b, const BenchmarkSamples& new_b,
                                    const CompareOptions& options, std::vector<std::string>& warnings) {
  BenchmarkComparison c;
  c.name = old_b.name;
  static const std::vector<double> kNone;
  const auto find = [&](const BenchmarkSamples& b) -> const std::vector<double>& {
    const auto it = b.counters.find(options.counter);
    return it == b.counters.end() ? kNone : it->second;
  };
  const auto& old_values = find(old_b);
  const auto& new_values = find(new_b);
  c.old_side = summarize_side(old_values, options.bootstrap);
  c.new_side = summarize_side(new_values, options.bootstrap);
  if (old_values.empty() || new_values.empty()) {
    c.verdict = Verdict::inconclusive;
    c.inconclusive_cause = InconclusiveCause::missing_data;
    c.reason = fmt::format("counter {} missing in {}", options.counter,
                           old_values.empty() && new_values.empty() ? "OLD and NEW" : old_values.empty() ? "OLD" : "NEW");
    for (const auto& [b, name] : {std::pair{&old_b, "OLD"}, std::pair{&new_b, "NEW"}}) {
      if (const std::string why = b->unusable_reason(); !why.empty()) c.reason += fmt::format(" ({}: {})", name, why);
    }
    return c;
  }
  if (!(c.old_side.summary->min > 0) || !(c.new_side.summary->min > 0)) {
    c.verdict = Verdict::inconclusive;
    c.inconclusive_cause = InconclusiveCause::missing_data;
    c.reason = fmt::format("counter {} is not positive", options.counter);
    return c;
  }
  for (const auto* side : {&c.old_side, &c.new_side}) {
    if (side->summary->max - side->summary->min > kSameCountTolerance * side->summary->max) {
      warnings.push_back(fmt::format("{}: {} varies across the repetitions of {} ({:.6g} .. {:.6g}): not deterministic",
                                     c.name, options.counter, side == &c.old_side ? "OLD" : "NEW", side->summary->min,
                                     side->summary->max));
    }
  }
  c.ratio = c.new_side.summary->median / c.old_side.summary->median;
  const double t = options.effective_threshold();
  c.verdict = deterministic_verdict(*c.ratio, t);
  if (std::fabs(*c.ratio - 1) < kSameCountTolerance) {
    c.reason = fmt::format("{} identical", options.counter);
  } else {
    c.reason = fmt::format("{} changed by {} ({} the +-{:g}% threshold)", options.counter, percent(*c.ratio),
                           c.verdict == Verdict::within_noise ? "within" : "beyond", t * 100);
  }
  return c;
}

// The noise_* figures either run carries, by name: listed, never compared
// (they measure the machine, not the code).
std::vector<std::string> noise_figures_of(const BenchmarkFile& old_run, const BenchmarkFile& new_run) {
  namespace field = engram::noise::field;
  std::set<std::string> names;
  for (const auto* run : {&old_run, &new_run}) {
    for (const auto& b : run->benchmarks) {
      for (const RepetitionNoise& n : b.noise) {
        const std::pair<bool, std::string_view> figures[] = {
            {n.wall_ns.has_value(), field::kWallNs},
            {n.cpu_ns.has_value(), field::kCpuNs},
            {n.steal_ns.has_value(), field::kStealNs},
            {n.run_delay_ns.has_value(), field::kRunDelayNs},
            {n.involuntary_switches.has_value(), field::kInvoluntarySwitches},
            {n.cpu_migrations.has_value(), field::kCpuMigrations},
            {n.loadavg.has_value(), field::kLoadavg},
            {n.memory_probe_ns.has_value(), field::kMemoryProbeNs},
            {n.memory_slowdown.has_value(), field::kMemorySlowdown}};
        for (const auto& [present, name] : figures) {
          if (present) names.emplace(name);
        }
      }
    }
  }
  return {names.begin(), names.end()};
}

std::string count_text(double value) {
  return value >= 100 ? fmt::format("{:.0f}", value) : fmt::format("{:.4g}", value);
}

std::string upper_if_moved(Verdict verdict) {
  std::string text(to_string(verdict));
  if (verdict == Verdict::regressed || verdict == Verdict::improved) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char ch) { return std::toupper(ch); });
  }
  return text;
}

std::string status_pair(const CounterComparison& c) {
  const auto one = [](const std::string& status, const std::optional<double>& fraction) {
    return fraction ? fmt::format("{} {:.0f}%", status, *fraction * 100) : status;
  };
  if (c.old_status == c.new_status && c.old_running_fraction == c.new_running_fraction) {
    return one(c.old_status, c.old_running_fraction);
  }
  return one(c.old_status, c.old_running_fraction) + " / " + one(c.new_status, c.new_running_fraction);
}

// The counters section of the table: compared counters one row each; refused
// ones grouped by counter and reason (the same refusal repeats on every
// benchmark); then the disagreements and the noise figures.
std::string render_counters_section(const ComparisonReport& report) {
  std::string out;
  io::TextTable table({"benchmark", "counter", "status", "method", "old", "new", "change [95% CI]", "p", "verdict"});
  std::vector<std::pair<std::string, std::string>> refused_keys;  // (counter, reason), first-seen order
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> refused;
  bool any_row = false;
  for (const BenchmarkComparison& b : report.benchmarks) {
    for (const CounterComparison& c : b.counters) {
      if (c.method == CounterMethod::refused) {
        const auto key = std::pair{c.counter, c.reason};
        if (refused.find(key) == refused.end()) refused_keys.push_back(key);
        refused[key].push_back(b.name);
        continue;
      }
      std::string change = c.ratio ? percent(*c.ratio) : "-";
      if (c.method == CounterMethod::exact && c.verdict == Verdict::within_noise) change = "identical";
      if (c.ratio_ci) change.append(" ").append(ci_text(*c.ratio_ci));
      const std::string p = c.method == CounterMethod::exact ? "exact"
                            : c.p_value ? fmt::format("{:.3g}{}", *c.p_value, c.p_exact ? "" : "*")
                                        : "-";
      table.add({b.name, c.counter + (c.higher_is_better ? " (+ is better)" : ""), status_pair(c),
                 std::string(to_string(c.method)), c.old_side.summary ? count_text(c.old_side.summary->median) : "-",
                 c.new_side.summary ? count_text(c.new_side.summary->median) : "-", change, p,
                 upper_if_moved(c.verdict)});
      any_row = true;
    }
  }
  if (!any_row && refused_keys.empty() && report.noise_figures.empty()) return out;
  out += "\ncounters (medians; status OLD / NEW when they differ; exact = simulated on both sides, one value each: "
         "any change counts; informational, the exit code is decided above):\n";
  if (any_row) out += table.render();
  for (const auto& key : refused_keys) {
    const auto& names = refused[key];
    out += fmt::format("  {}: {} ({} benchmark{}{})\n", key.first, key.second, names.size(), names.size() == 1 ? "" : "s",
                       names.size() <= 2 ? fmt::format(": {}", fmt::join(names, ", ")) : std::string());
  }
  std::string disagreements;
  for (const BenchmarkComparison& b : report.benchmarks) {
    if (b.disagreement) disagreements += fmt::format("  {}: {}\n", b.name, b.disagreement->text);
  }
  if (!disagreements.empty()) out.append("\ntime and instructions disagree:\n").append(disagreements);
  if (!report.noise_figures.empty()) {
    out += fmt::format("noise figures (the machine's, not compared; repetitions they mark are set aside): {}\n",
                       fmt::join(report.noise_figures, ", "));
  }
  return out;
}

json counter_json(const CounterComparison& c);

json ci_json(const std::optional<ConfidenceInterval>& ci) {
  if (!ci) return nullptr;
  return {{"low", ci->low}, {"high", ci->high}, {"level", ci->level}, {"resamples", ci->resamples}};
}

json number_or_null(const std::optional<double>& x) {
  if (!x || !std::isfinite(*x)) return nullptr;
  return *x;
}

json side_json(const SideSummary& side) {
  json j = {{"repetitions", side.repetitions}};
  if (side.estimate) j["estimate"] = *side.estimate;
  if (side.from_aggregates) j["from_aggregates"] = true;
  if (side.summary) {
    const Summary& s = *side.summary;
    j["median"] = s.median;
    j["mean"] = s.mean;
    j["stddev"] = number_or_null(s.stddev);
    j["cv"] = number_or_null(s.cv);
    j["mad"] = s.mad;
    j["min"] = s.min;
    j["max"] = s.max;
  }
  j["median_ci"] = ci_json(side.median_ci);
  j["outliers"] = {{"mild", side.outliers_mild}, {"severe", side.outliers_severe}};
  return j;
}

json counter_json(const CounterComparison& c) {
  json j = {{"counter", c.counter},
            {"method", std::string(to_string(c.method))},
            {"old_status", c.old_status},
            {"new_status", c.new_status},
            {"higher_is_better", c.higher_is_better},
            {"verdict", std::string(to_string(c.verdict))},
            {"reason", c.reason}};
  if (c.old_running_fraction) j["old_running_fraction"] = *c.old_running_fraction;
  if (c.new_running_fraction) j["new_running_fraction"] = *c.new_running_fraction;
  j["ratio"] = number_or_null(c.ratio);
  j["change_percent"] = c.ratio ? json((*c.ratio - 1) * 100) : json(nullptr);
  j["ratio_ci"] = ci_json(c.ratio_ci);
  j["p_value"] = number_or_null(c.p_value);
  if (c.p_value) j["p_method"] = c.p_exact ? "exact" : "normal approximation";
  j["old"] = side_json(c.old_side);
  j["new"] = side_json(c.new_side);
  return j;
}

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::improved: return "improved";
    case Verdict::regressed: return "regressed";
    case Verdict::within_noise: return "within noise";
    case Verdict::inconclusive: return "inconclusive";
  }
  return "?";
}

Verdict timing_verdict(std::optional<double> p_value, const ConfidenceInterval& ratio_ci, double threshold,
                       double alpha) {
  if (!p_value) return Verdict::inconclusive;
  if (*p_value >= alpha) return Verdict::within_noise;
  if (ratio_ci.low > 1 + threshold) return Verdict::regressed;
  if (ratio_ci.high < 1 - threshold) return Verdict::improved;
  return Verdict::within_noise;
}

Verdict deterministic_verdict(double ratio, double threshold) {
  if (ratio > 1 + threshold) return Verdict::regressed;
  if (ratio < 1 - threshold) return Verdict::improved;
  return Verdict::within_noise;
}

std::string_view to_string(InconclusiveCause cause) {
  switch (cause) {
    case InconclusiveCause::none: return "none";
    case InconclusiveCause::too_few_repetitions: return "too_few_repetitions";
    case InconclusiveCause::too_noisy: return "too_noisy";
    case InconclusiveCause::missing_data: return "missing_data";
    case InconclusiveCause::benchmark_error: return "benchmark_error";
  }
  return "?";
}

std::size_t ComparisonReport::count(InconclusiveCause cause) const {
  return static_cast<std::size_t>(std::count_if(benchmarks.begin(), benchmarks.end(), [&](const BenchmarkComparison& c) {
    return c.verdict == Verdict::inconclusive && c.inconclusive_cause == cause;
  }));
}

std::size_t ComparisonReport::count(Verdict verdict) const {
  return static_cast<std::size_t>(std::count_if(benchmarks.begin(), benchmarks.end(),
                                                [&](const BenchmarkComparison& c) { return c.verdict == verdict; }));
}

int ComparisonReport::exit_code() const {
  if (count(Verdict::regressed) > 0) return kCompareExitRegression;
  if (count(Verdict::inconclusive) > 0 || !only_in_old.empty()) return kCompareExitInconclusive;
  return kCompareExitPass;
}

ComparisonReport compare_runs(const BenchmarkFile& old_run, const BenchmarkFile& new_run,
                              const CompareOptions& options) {
  if (!(options.effective_threshold() >= 0 && options.effective_threshold() < 1)) {
    throw std::invalid_argument("the noise threshold must be in [0, 1) (a fraction)");
  }
  for (const auto* run : {&old_run, &new_run}) {
    if (run->benchmarks.empty()) throw BenchmarkJsonError(fmt::format("{}: no benchmark results", run->source));
  }
  ComparisonReport report;
  report.old_source = old_run.source;
  report.new_source = new_run.source;
  report.options = options;
  if (options.estimator) {
    report.estimator = chosen_estimator(*options.estimator);
  } else {
    // The default reads only the runs' context (engram.setup): copy that, not
    // every repetition.
    BenchmarkFile contexts[2];
    for (std::size_t i = 0; i < 2; ++i) {
      const BenchmarkFile& run = i == 0 ? old_run : new_run;
      contexts[i].source = run.source;
      contexts[i].context = run.context;
    }
    report.estimator = default_estimator(contexts);
  }
  for (const auto& b : old_run.benchmarks) {
    if (new_run.find(b.name) == nullptr) report.only_in_old.push_back(b.name);
  }
  for (const auto& b : new_run.benchmarks) {
    if (old_run.find(b.name) == nullptr) report.only_in_new.push_back(b.name);
  }
  if (report.only_in_old.size() == old_run.benchmarks.size()) {
    throw BenchmarkJsonError(fmt::format("{} and {} have no benchmark in common (first names: \"{}\" and \"{}\")",
                                         old_run.source, new_run.source, old_run.benchmarks.front().name,
                                         new_run.benchmarks.front().name));
  }
  if (options.deterministic) {
    for (const auto* run : {&old_run, &new_run}) {
      const bool any = std::any_of(run->benchmarks.begin(), run->benchmarks.end(), [&](const BenchmarkSamples& b) {
        return b.counters.count(options.counter) != 0;
      });
      if (!any) {
        throw BenchmarkJsonError(fmt::format(
            "{}: no benchmark carries the counter \"{}\" (run the baseline with --counters={} --sim=only)",
            run->source, options.counter, options.counter));
      }
    }
    check_counter_is_simulated(old_run, "OLD", options, report.warnings);
    check_counter_is_simulated(new_run, "NEW", options, report.warnings);
  }

  // What the reader inferred for a whole file (an old Google Benchmark's
  // shape) or left out: said once per file, before the per-benchmark notes.
  for (const auto& [run, side] : {std::pair{&old_run, "OLD"}, std::pair{&new_run, "NEW"}}) {
    for (const std::string& note : run->notes) report.warnings.push_back(fmt::format("{} ({}): {}", side, run->source, note));
  }

  // Disturbed repetitions are set aside only when both runs measured noise;
  // when one did not, both sides keep every repetition, and the report says so.
  const bool old_noise = carries_noise_figures(old_run), new_noise = carries_noise_figures(new_run);
  const bool set_aside_disturbed = old_noise && new_noise;
  report.set_aside_disturbed = !options.deterministic && set_aside_disturbed;
  if (!options.deterministic && old_noise != new_noise) {
    const BenchmarkFile& without = old_noise ? new_run : old_run;
    const BenchmarkFile& with = old_noise ? old_run : new_run;
    const std::size_t marked = std::accumulate(
        with.benchmarks.begin(), with.benchmarks.end(), std::size_t{0},
        [](std::size_t sum, const BenchmarkSamples& b) { return sum + b.disturbed_count(); });
    report.warnings.push_back(fmt::format(
        "{} ({}) has no noise figures (made before baseline measured noise): no repetitions were set aside on "
        "either side, so both are compared alike{}",
        old_noise ? "NEW" : "OLD", without.source,
        marked == 0 ? std::string()
                    : fmt::format(" ({} repetition{} {} marks disturbed are used)", marked, marked == 1 ? "" : "s",
                                  old_noise ? "OLD" : "NEW")));
  }

  // Every other counter, compared with its status; read once per run.
  const std::optional<RecordedCounterStatuses> old_statuses = recorded_counter_statuses(old_run);
  const std::optional<RecordedCounterStatuses> new_statuses = recorded_counter_statuses(new_run);
  report.noise_figures = noise_figures_of(old_run, new_run);

  std::vector<double> ratios;
  for (const auto& old_b : old_run.benchmarks) {
    const BenchmarkSamples* new_b = new_run.find(old_b.name);
    if (new_b == nullptr) continue;
    report.benchmarks.push_back(
        options.deterministic
            ? compare_counter(old_b, *new_b, options, report.warnings)
            : compare_timing(old_b, *new_b, options, report.estimator.estimator, set_aside_disturbed));
    BenchmarkComparison& added = report.benchmarks.back();
    added.counters = compare_benchmark_counters(old_b, *new_b, old_statuses, new_statuses, options,
                                                options.deterministic ? std::string_view(options.counter)
                                                                      : std::string_view());
    if (!options.deterministic) added.disagreement = find_disagreement(added);
    for (const auto& [b, name] : {std::pair{&old_b, "OLD"}, std::pair{new_b, "NEW"}}) {
      for (const std::string& what : b->missing) added.missing.push_back(fmt::format("{}: {}", name, what));
      if (!b->skip_message.empty() && b->repetitions() > 0) {
        added.missing.push_back(fmt::format("{}: some repetitions skipped: {}", name, b->skip_message));
      }
    }
    if (added.ratio) ratios.push_back(*added.ratio);
  }
  if (!ratios.empty()) {
    report.geomean_ratio = geometric_mean(ratios);
    report.geomean_count = ratios.size();
  }
  return report;
}

std::string format_duration_ns(double ns) {
  const double magnitude = std::fabs(ns);
  if (magnitude < 1e3) return fmt::format("{:.4g} ns", ns);
  if (magnitude < 1e6) return fmt::format("{:.4g} us", ns / 1e3);
  if (magnitude < 1e9) return fmt::format("{:.4g} ms", ns / 1e6);
  return fmt::format("{:.4g} s", ns / 1e9);
}

std::string render_comparison_table(const ComparisonReport& report) {
  const CompareOptions& o = report.options;
  const double t = o.effective_threshold();
  std::string out;
  if (o.deterministic) {
    out += fmt::format(
        "compare {} -> {}: {} (median over repetitions; any change beyond +-{:g}% is reported; a simulated count "
        "is not disturbed by noise, so every repetition is used and no timing estimator applies)\n\n",
        report.old_source, report.new_source, o.counter, t * 100);
  } else {
    const bool by_median = report.estimator.estimator == Estimator::median;
    out += fmt::format(
        "compare {} -> {}: {} time, {} of {}; change = NEW/OLD - 1 of those with a {:g}% bootstrap CI of the "
        "median ratio ({} resamples{}); p = two-sided Mann-Whitney U; a change counts when p < {} and the whole CI "
        "lies beyond +-{:g}%\n",
        report.old_source, report.new_source, to_string(o.measure), to_string(report.estimator.estimator),
        report.set_aside_disturbed ? "the undisturbed repetitions (disturbed ones are set aside)"
                                   : "every repetition (nothing set aside: a run has no noise figures)",
        o.bootstrap.level * 100, o.bootstrap.resamples,
        by_median ? std::string()
                  : fmt::format("; the CI is the median's: a bootstrap of the {} is degenerate at a few repetitions",
                                to_string(report.estimator.estimator)),
        o.alpha, t * 100);
    out += fmt::format("estimator: {}\n\n", describe(report.estimator));
  }
  const auto value_text = [&](const SideSummary& side) -> std::string {
    if (!o.deterministic && side.estimate) {
      return format_duration_ns(*side.estimate) + (side.from_aggregates ? " (agg. median)" : "");
    }
    if (!side.summary || !o.deterministic) return "-";
    return side.summary->median >= 100 ? fmt::format("{:.0f}", side.summary->median)
                                       : fmt::format("{:.4g}", side.summary->median);
  };
  io::TextTable table(o.deterministic
                      ? std::vector<std::string>{"benchmark", "n old/new", "old", "new", "change", "verdict"}
                      : std::vector<std::string>{"benchmark", "n old/new", "set aside", "old", "new",
                                                 "change [95% CI]", "p", "verdict"});
  for (const auto& c : report.benchmarks) {
    std::string change = c.ratio ? percent(*c.ratio) : "-";
    if (o.deterministic && c.ratio && std::fabs(*c.ratio - 1) < kSameCountTolerance) change = "identical";
    if (c.ratio_ci) change.append(" ").append(ci_text(*c.ratio_ci));
    const std::string p = c.p_value ? fmt::format("{:.3g}{}", *c.p_value, c.p_exact ? "" : "*") : "refused";
    std::string verdict(to_string(c.verdict));
    if (c.verdict == Verdict::regressed || c.verdict == Verdict::improved) {
      std::transform(verdict.begin(), verdict.end(), verdict.begin(), [](unsigned char ch) { return std::toupper(ch); });
    }
    std::vector<std::string> cells{c.name, fmt::format("{}/{}", c.old_side.repetitions, c.new_side.repetitions)};
    if (!o.deterministic) cells.push_back(fmt::format("{} / {}", c.old_side.set_aside, c.new_side.set_aside));
    cells.insert(cells.end(), {value_text(c.old_side), value_text(c.new_side), change});
    if (!o.deterministic) cells.push_back(p);
    cells.push_back(verdict);
    table.add(std::move(cells));
  }
  out += table.render();
  if (!o.deterministic) {
    out += "(n = the repetitions used; set aside = disturbed repetitions left out, OLD / NEW; CI = of the median "
           "ratio; p without * is exact; * = normal approximation with tie and continuity correction)\n";
  }
  out += render_counters_section(report);
  if (report.geomean_ratio) {
    out += fmt::format("\ngeometric mean of NEW/OLD over {} benchmarks: {:.4f} ({})\n", report.geomean_count,
                       *report.geomean_ratio, percent(*report.geomean_ratio));
  }
  for (const auto& name : report.only_in_old) out += fmt::format("only in OLD (missing from NEW, inconclusive): {}\n", name);
  for (const auto& name : report.only_in_new) out += fmt::format("only in NEW (not compared): {}\n", name);

  std::string notes;
  for (const auto& c : report.benchmarks) {
    // Set-aside repetitions are worth a note whatever the verdict: the reader
    // should know the verdict rests on fewer repetitions than were run.
    const bool noteworthy = c.verdict != Verdict::within_noise || (c.p_value && *c.p_value < o.alpha) ||
                            c.old_side.set_aside > 0 || c.new_side.set_aside > 0;
    if (noteworthy) notes += fmt::format("  {}: {}: {}\n", c.name, to_string(c.verdict), c.reason);
    for (const std::string& what : c.missing) {
      // Once: a reason that already says it (a side without repetitions) is enough.
      const std::string_view said = std::string_view(what).substr(what.find(": ") + 2);
      if (!noteworthy || c.reason.find(said) == std::string::npos) notes += fmt::format("  {}: missing: {}\n", c.name, what);
    }
    for (const auto* side : {&c.old_side, &c.new_side}) {
      if (side->outliers_severe > 0) {
        notes += fmt::format("  {}: {} has {} severe Tukey outlier(s) (beyond 3 IQR)\n", c.name,
                             side == &c.old_side ? "OLD" : "NEW", side->outliers_severe);
      }
    }
  }
  if (!notes.empty()) out.append("\nnotes:\n").append(notes);
  for (const auto& w : report.warnings) out.append("warning: ").append(w).append("\n");

  const int code = report.exit_code();
  std::vector<std::string> causes;
  for (const InconclusiveCause cause : {InconclusiveCause::too_few_repetitions, InconclusiveCause::too_noisy,
                                        InconclusiveCause::missing_data, InconclusiveCause::benchmark_error}) {
    if (const std::size_t n = report.count(cause); n > 0) {
      std::string name(to_string(cause));
      std::replace(name.begin(), name.end(), '_', ' ');
      causes.push_back(fmt::format("{} {}", n, name));
    }
  }
  out += fmt::format("\nsummary: {} regressed, {} improved, {} within noise, {} inconclusive{}, {} missing from NEW -> {}\n",
                     report.count(Verdict::regressed), report.count(Verdict::improved),
                     report.count(Verdict::within_noise), report.count(Verdict::inconclusive),
                     causes.empty() ? std::string() : fmt::format(" ({})", fmt::join(causes, ", ")),
                     report.only_in_old.size(),
                     code == kCompareExitPass         ? fmt::format("pass (exit {})", code)
                     : code == kCompareExitRegression ? fmt::format("REGRESSION (exit {})", code)
                                                      : fmt::format("inconclusive (exit {})", code));
  return out;
}

std::string render_comparison_json(const ComparisonReport& report) {
  const CompareOptions& o = report.options;
  json j;
  j["schema"] = "engram-comparison";
  j["version"] = kComparisonJsonVersion;
  j["old"] = report.old_source;
  j["new"] = report.new_source;
  j["mode"] = o.deterministic ? "deterministic" : "time";
  if (o.deterministic) {
    j["counter"] = o.counter;
  } else {
    j["time"] = std::string(to_string(o.measure));
    j["estimator"] = {{"name", std::string(to_string(report.estimator.estimator))},
                      {"reason", report.estimator.reason}};
    j["unit"] = "ns";
    j["alpha"] = o.alpha;
    j["min_repetitions"] = o.min_repetitions;
    j["bootstrap"] = {{"resamples", o.bootstrap.resamples}, {"level", o.bootstrap.level}, {"seed", o.bootstrap.seed}};
    // ratio_ci is always the median ratio's, whatever estimator made "ratio".
    j["ci_statistic"] = "median";
    j["set_aside_disturbed"] = report.set_aside_disturbed;
    j["max_ci_width"] = o.max_ci_width > 0 ? json(o.max_ci_width) : json(nullptr);
  }
  j["threshold"] = o.effective_threshold();
  json rows = json::array();
  for (const auto& c : report.benchmarks) {
    json row = {{"name", c.name}, {"verdict", std::string(to_string(c.verdict))}, {"reason", c.reason}};
    row["ratio"] = number_or_null(c.ratio);
    row["change_percent"] = c.ratio ? json((*c.ratio - 1) * 100) : json(nullptr);
    row["ratio_ci"] = ci_json(c.ratio_ci);
    row["p_value"] = number_or_null(c.p_value);
    if (c.p_value) row["p_method"] = c.p_exact ? "exact" : "normal approximation";
    row["old"] = side_json(c.old_side);
    row["new"] = side_json(c.new_side);
    if (!o.deterministic) row["set_aside"] = {{"old", c.old_side.set_aside}, {"new", c.new_side.set_aside}};
    row["missing"] = c.missing;
    row["inconclusive_cause"] =
        c.verdict == Verdict::inconclusive ? json(std::string(to_string(c.inconclusive_cause))) : json(nullptr);
    json counters = json::array();
    for (const CounterComparison& counter : c.counters) counters.push_back(counter_json(counter));
    row["counters"] = std::move(counters);
    if (c.disagreement) {
      const Disagreement& d = *c.disagreement;
      json attributed = json::array();
      for (const CounterMove& m : d.attributed) {
        attributed.push_back({{"counter", m.counter}, {"category", m.category}, {"change_percent", (m.ratio - 1) * 100},
                              {"verdict", std::string(to_string(m.verdict))}});
      }
      row["disagreement"] = {
          {"time", {{"verdict", std::string(to_string(d.time_verdict))},
                    {"change_percent", d.time_ratio ? json((*d.time_ratio - 1) * 100) : json(nullptr)}}},
          {"instructions", {{"counter", d.instructions_counter},
                            {"verdict", std::string(to_string(d.instructions_verdict))},
                            {"change_percent", d.instructions_ratio ? json((*d.instructions_ratio - 1) * 100) : json(nullptr)}}},
          {"attributed", std::move(attributed)},
          {"not_measured", d.not_measured},
          {"text", d.text}};
    } else {
      row["disagreement"] = nullptr;
    }
    rows.push_back(std::move(row));
  }
  j["benchmarks"] = std::move(rows);
  j["only_in_old"] = report.only_in_old;
  j["only_in_new"] = report.only_in_new;
  j["geomean_ratio"] = number_or_null(report.geomean_ratio);
  j["geomean_count"] = report.geomean_count;
  j["warnings"] = report.warnings;
  j["noise_figures"] = report.noise_figures;
  json causes = json::object();
  for (const InconclusiveCause cause : {InconclusiveCause::too_few_repetitions, InconclusiveCause::too_noisy,
                                        InconclusiveCause::missing_data, InconclusiveCause::benchmark_error}) {
    causes[std::string(to_string(cause))] = report.count(cause);
  }
  j["summary"] = {{"inconclusive_causes", std::move(causes)},
                  {"regressed", report.count(Verdict::regressed)},
                  {"improved", report.count(Verdict::improved)},
                  {"within_noise", report.count(Verdict::within_noise)},
                  {"inconclusive", report.count(Verdict::inconclusive)},
                  {"missing_from_new", report.only_in_old.size()}};
  j["exit_code"] = report.exit_code();
  return j.dump(2) + "\n";
}

}  // namespace engram::benchstats
