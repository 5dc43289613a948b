#include "engram/benchstats/counter_compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "engram/counters.hpp"

namespace engram::benchstats {
namespace {

// Google Benchmark writes a simulated count per iteration (a total divided by
// the iteration count): equal totals differ by float rounding only.
constexpr double kSameCountTolerance = 1e-6;
constexpr std::string_view kNotRecorded = "not recorded";

std::string percent(double ratio) { return fmt::format("{:+.2f}%", (ratio - 1) * 100); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool constant(const std::vector<double>& values) {
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return *hi - *lo <= kSameCountTolerance * std::fabs(*hi);
}

SideSummary summarize_counter(const std::vector<double>& values, const BootstrapOptions& bootstrap) {
  SideSummary side;
  side.repetitions = values.size();
  if (values.empty()) return side;
  side.summary = summarize(values);
  side.estimate = side.summary->median;
  if (values.size() >= 2) side.median_ci = bootstrap_median_ci(values, bootstrap);
  const TukeyOutliers t = tukey_outliers(values);
  side.outliers_mild = t.low_mild.size() + t.high_mild.size();
  side.outliers_severe = t.low_severe.size() + t.high_severe.size();
  return side;
}

// A verdict about "worse" from a verdict about "higher".
Verdict oriented(Verdict higher, bool higher_is_better) {
  if (!higher_is_better) return higher;
  if (higher == Verdict::regressed) return Verdict::improved;
  if (higher == Verdict::improved) return Verdict::regressed;
  return higher;
}

std::string side_status_text(const RecordedCounterStatus* status) {
  if (status == nullptr) return std::string(kNotRecorded);
  if (status->status == "multiplexed") return fmt::format("multiplexed ({:.0f}% running)", status->running_fraction * 100);
  return status->status;
}

// Why this pair of statuses cannot be compared, or empty.
std::string refusal(const std::string& counter, const std::vector<double>& old_values,
                    const std::vector<double>& new_values, const RecordedCounterStatus* old_status,
                    const RecordedCounterStatus* new_status, const CompareOptions& options) {
  const std::pair<const RecordedCounterStatus*, const char*> sides[] = {{old_status, "OLD"}, {new_status, "NEW"}};
  // Both sides alike say it once: "unsupported in OLD and NEW: ...".
  const auto both = [&](const auto& bad) {
    return bad(old_status) && bad(new_status) && old_status->status == new_status->status &&
           old_status->reason == new_status->reason;
  };
  const auto unavailable = [](const RecordedCounterStatus* s) {
    // counters::to_string writes "no_permission"; "no-permission" is accepted too.
    return s != nullptr &&
           (s->status == "unsupported" || s->status == "no_permission" || s->status == "no-permission");
  };
  if (both(unavailable)) {
    return fmt::format("{} in OLD and NEW{}", old_status->status, old_status->reason.empty() ? "" : ": " + old_status->reason);
  }
  for (const auto& [status, name] : sides) {
    if (unavailable(status)) {
      return fmt::format("{} in {}{}", status->status, name, status->reason.empty() ? "" : ": " + status->reason);
    }
  }
  if (old_values.empty() || new_values.empty()) {
    const char* where = old_values.empty() && new_values.empty() ? "OLD and NEW" : old_values.empty() ? "OLD" : "NEW";
    return fmt::format("no value in {} (the counter is absent from its repetitions)", where);
  }
  const auto low_fraction = [&](const RecordedCounterStatus* s) {
    return s != nullptr && s->status == "multiplexed" && s->running_fraction < options.min_running_fraction;
  };
  for (const auto& [status, name] : sides) {
    if (low_fraction(status)) {
      const bool in_both = low_fraction(old_status) && low_fraction(new_status);
      return fmt::format("multiplexed and counted only {:.0f}% of the time in {} (< {:.0f}%): the scaled value rests "
                         "on a minority of the run",
                         status->running_fraction * 100,
                         in_both ? fmt::format("OLD ({:.0f}% in NEW)", new_status->running_fraction * 100) : name,
                         options.min_running_fraction * 100);
    }
  }
  if ((old_status == nullptr) != (new_status == nullptr)) {
    return fmt::format("{} records no status for {} (context \"engram.counters\"), {} records {}: cannot tell a "
                       "count from a simulation",
                       old_status == nullptr ? "OLD" : "NEW", counter, old_status == nullptr ? "NEW" : "OLD",
                       side_status_text(old_status == nullptr ? new_status : old_status));
  }
  if (old_status != nullptr) {
    const bool old_sim = old_status->status == "simulated", new_sim = new_status->status == "simulated";
    if (old_sim != new_sim) {
      return fmt::format("simulated in {} (callgrind's model of a machine) but {} in {} (this machine's PMU): "
                         "different quantities, not comparable; record both runs alike (--sim=only, or "
                         "--sim=never)",
                         old_sim ? "OLD" : "NEW", side_status_text(old_sim ? new_status : old_status),
                         old_sim ? "NEW" : "OLD");
    }
  }
  return {};
}

}  // namespace

std::string_view to_string(CounterMethod method) {
  switch (method) {
    case CounterMethod::statistical: return "statistical";
    case CounterMethod::exact: return "exact";
    case CounterMethod::refused: return "refused";
  }
  return "?";
}

std::optional<RecordedCounterStatuses> recorded_counter_statuses(const BenchmarkFile& run) {
  const auto it = run.context.find("engram.counters");
  if (it == run.context.end()) return std::nullopt;
  const counters::CounterStatuses statuses =
      counters::counter_statuses_from_json(it->second, run.source + ": context \"engram.counters\"");
  RecordedCounterStatuses out;
  for (const counters::CounterStatusEntry& e : statuses.counters) {
    out[e.counter] = {std::string(counters::to_string(e.status)), e.running_fraction, e.reason};
  }
  return out;
}

bool counter_higher_is_better(std::string_view counter) {
  if (counter.ends_with("/s") || counter.ends_with("per_second")) return true;
  return iequals(counter, "IPC");
}

CounterComparison compare_counter_values(const std::string& counter, const std::vector<double>& old_values,
                                         const std::vector<double>& new_values, const RecordedCounterStatus* old_status,
                                         const RecordedCounterStatus* new_status, const CompareOptions& options) {
  CounterComparison c;
  c.counter = counter;
  c.old_status = old_status ? old_status->status : std::string(kNotRecorded);
  c.new_status = new_status ? new_status->status : std::string(kNotRecorded);
  if (old_status && old_status->status == "multiplexed") c.old_running_fraction = old_status->running_fraction;
  if (new_status && new_status->status == "multiplexed") c.new_running_fraction = new_status->running_fraction;
  c.higher_is_better = counter_higher_is_better(counter);
  c.old_side = summarize_counter(old_values, options.bootstrap);
  c.new_side = summarize_counter(new_values, options.bootstrap);
  c.verdict = Verdict::inconclusive;

  if (std::string why = refusal(counter, old_values, new_values, old_status, new_status, options); !why.empty()) {
    c.method = CounterMethod::refused;
    c.reason = "not compared: " + why;
    return c;
  }
  const double old_median = c.old_side.summary->median, new_median = c.new_side.summary->median;
  const bool simulated = old_status != nullptr && old_status->status == "simulated";
  if (simulated && constant(old_values) && constant(new_values)) {
    c.method = CounterMethod::exact;
    if (old_median == 0 && new_median == 0) {
      c.ratio = 1;
    } else if (old_median > 0) {
      c.ratio = new_median / old_median;
    }
    const bool same = std::fabs(new_median - old_median) <= kSameCountTolerance * std::max(old_median, new_median);
    if (same) {
      c.verdict = Verdict::within_noise;
      c.reason = "simulated on both sides: identical";
    } else {
      c.verdict = oriented(new_median > old_median ? Verdict::regressed : Verdict::improved, c.higher_is_better);
      c.reason = fmt::format("simulated on both sides, one value each: {} -> {} ({}), exact: a change is a change",
                             old_median, new_median, c.ratio ? percent(*c.ratio) : "from 0");
    }
    return c;
  }

  c.method = CounterMethod::statistical;
  const std::string fallback = simulated ? "simulated but varies across repetitions, so compared statistically; " : "";
  if (!(c.old_side.summary->min > 0) || !(c.new_side.summary->min > 0)) {
    // A zero count (no page fault at all) has no ratio; equal zeros are no change.
    if (c.old_side.summary->max == 0 && c.new_side.summary->max == 0) {
      c.ratio = 1;
      c.verdict = Verdict::within_noise;
      c.reason = fallback + "zero on both sides";
    } else {
      c.reason = fallback + "a side has a zero value: no ratio to test";
    }
    return c;
  }
  c.ratio = new_median / old_median;
  c.ratio_ci = bootstrap_median_ratio_ci(old_values, new_values, options.bootstrap);
  if (std::min(old_values.size(), new_values.size()) < options.min_repetitions) {
    c.reason = fmt::format("{}no p-value: {} repetitions in OLD and {} in NEW (need {} per side)", fallback,
                           old_values.size(), new_values.size(), options.min_repetitions);
    return c;
  }
  const MannWhitneyResult u = mann_whitney_u(old_values, new_values);
  c.p_value = u.p_value;
  c.p_exact = u.exact;
  const double t = options.effective_threshold();
  c.verdict = oriented(timing_verdict(c.p_value, *c.ratio_ci, t, options.alpha), c.higher_is_better);
  c.reason = fmt::format("{}p = {:.3g}, median ratio {} [{}, {}], threshold +-{:g}%", fallback, u.p_value,
                         percent(*c.ratio), percent(c.ratio_ci->low), percent(c.ratio_ci->high), t * 100);
  return c;
}

namespace {

// The Google Benchmark drop-in (counters/gbench) writes, per multiplexed
// counter X, a user counter "X.running_fraction" each repetition, while its
// context "engram.counters" records X's status once, before the run.
constexpr std::string_view kRunningFractionSuffix = ".running_fraction";

// "X" for "X.running_fraction", else empty.
std::string_view running_fraction_of(std::string_view name) {
  if (name.size() <= kRunningFractionSuffix.size() || !name.ends_with(kRunningFractionSuffix)) return {};
  return name.substr(0, name.size() - kRunningFractionSuffix.size());
}

// X's status on one side as the repetitions show it: multiplexed with the
// lowest running fraction of its X.running_fraction values, when there are
// any (and the recorded status, if any, is one a PMU count can have).
std::optional<RecordedCounterStatus> running_fraction_status(const BenchmarkSamples& b, const std::string& counter,
                                                             const RecordedCounterStatus* recorded) {
  const auto it = b.counters.find(counter + std::string(kRunningFractionSuffix));
  if (it == b.counters.end() || it->second.empty()) return std::nullopt;
  if (recorded != nullptr && recorded->status != "counted" && recorded->status != "multiplexed") return std::nullopt;
  double lowest = *std::min_element(it->second.begin(), it->second.end());
  if (recorded != nullptr && recorded->status == "multiplexed") lowest = std::min(lowest, recorded->running_fraction);
  RecordedCounterStatus s;
  s.status = "multiplexed";
  s.running_fraction = std::clamp(lowest, 0.0, 1.0);
  s.reason = fmt::format("multiplexed by {}{} (lowest {:.0f}% over {} repetition{})", counter, kRunningFractionSuffix,
                         s.running_fraction * 100, it->second.size(), it->second.size() == 1 ? "" : "s");
  if (recorded != nullptr) s.reason += fmt::format(", recorded {} before the run", side_status_text(recorded));
  return s;
}

}  // namespace

std::vector<CounterComparison> compare_benchmark_counters(const BenchmarkSamples& old_b, const BenchmarkSamples& new_b,
                                                          const std::optional<RecordedCounterStatuses>& old_statuses,
                                                          const std::optional<RecordedCounterStatuses>& new_statuses,
                                                          const CompareOptions& options, std::string_view skip) {
  std::set<std::string> names;
  for (const auto* b : {&old_b, &new_b}) {
    for (const auto& [name, values] : b->counters) names.insert(name);
  }
  for (const auto* statuses : {&old_statuses, &new_statuses}) {
    if (!*statuses) continue;
    for (const auto& [name, status] : **statuses) names.insert(name);
  }
  static const std::vector<double> kNone;
  const auto values_of = [](const BenchmarkSamples& b, const std::string& name) -> const std::vector<double>& {
    const auto it = b.counters.find(name);
    return it == b.counters.end() ? kNone : it->second;
  };
  const auto status_of = [](const std::optional<RecordedCounterStatuses>& statuses,
                            const std::string& name) -> const RecordedCounterStatus* {
    if (!statuses) return nullptr;
    const auto it = statuses->find(name);
    return it == statuses->end() ? nullptr : &it->second;
  };
  std::vector<CounterComparison> out;
  for (const std::string& name : names) {
    if (name == skip) continue;
    // X.running_fraction is how long X counted, not an event count: it
    // becomes X's status (below), never a counter of its own.
    if (!running_fraction_of(name).empty()) continue;
    const RecordedCounterStatus* old_status = status_of(old_statuses, name);
    const RecordedCounterStatus* new_status = status_of(new_statuses, name);
    const std::optional<RecordedCounterStatus> old_seen = running_fraction_status(old_b, name, old_status);
    const std::optional<RecordedCounterStatus> new_seen = running_fraction_status(new_b, name, new_status);
    CounterComparison c = compare_counter_values(name, values_of(old_b, name), values_of(new_b, name),
                                                 old_seen ? &*old_seen : old_status, new_seen ? &*new_seen : new_status,
                                                 options);
    for (const auto& [seen, side] : {std::pair{&old_seen, "OLD"}, std::pair{&new_seen, "NEW"}}) {
      if (*seen) c.reason += fmt::format("; {}: {}", side, (*seen)->reason);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace engram::benchstats
