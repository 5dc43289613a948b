#include "engram/benchstats/stability.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engram/benchstats/compare.hpp"
#include "engram/benchstats/statistics.hpp"
#include "engram/io/gnuplot.hpp"
#include "engram/io/safe_write.hpp"
#include "engram/io/text_table.hpp"

namespace engram::benchstats {
namespace {

using nlohmann::json;

std::string percent_text(double fraction) { return fmt::format("{:.2f}%", fraction * 100); }

std::string run_label(const BenchmarkFile& run) {
  const auto date = run.context.find("date");
  return date == run.context.end() ? run.source : fmt::format("{} ({})", run.source, date->second);
}

// Adds a figure that may be absent to a sum that may be absent: the sum
// stays absent until some repetition measured the figure.
void add_to(std::optional<double>& sum, const std::optional<double>& value) {
  if (value) sum = sum.value_or(0) + *value;
}

// The largest share of one repetition's wall time a figure took; a repetition
// without its wall time (or with none elapsed) gives no share.
void keep_largest_share(std::optional<double>& largest, const std::optional<double>& value,
                        const std::optional<double>& wall_ns) {
  if (!value || !wall_ns || !(*wall_ns > 0)) return;
  largest = std::max(largest.value_or(0), *value / *wall_ns);
}

void add_noise(NoiseSeen& seen, const BenchmarkSamples& samples) {
  seen.repetitions += samples.repetitions();
  seen.disturbed += samples.disturbed_count();
  for (const RepetitionNoise& n : samples.noise) {
    if (n.rerun > 0) ++seen.reruns;
    add_to(seen.steal_ns, n.steal_ns);
    add_to(seen.run_delay_ns, n.run_delay_ns);
    add_to(seen.involuntary_switches, n.involuntary_switches);
    add_to(seen.cpu_migrations, n.cpu_migrations);
    keep_largest_share(seen.steal_max_fraction, n.steal_ns, n.wall_ns);
    keep_largest_share(seen.run_delay_max_fraction, n.run_delay_ns, n.wall_ns);
  }
}

// A share of wall time for the reasons: one decimal from 1% up, two
// significant digits below, so that a small share never reads as "0.0%".
std::string share_text(double fraction) {
  const double percent = fraction * 100;
  return percent >= 1 ? fmt::format("{:.1f}%", percent) : fmt::format("{:.2g}%", percent);
}

bool any_figure(const NoiseSeen& n) {
  return n.steal_ns || n.run_delay_ns || n.involuntary_switches || n.cpu_migrations;
}

// The noise figures that were measured and not zero, as a list of phrases:
// "run delay up to 4.2% of wall", "12 involuntary switches".
std::vector<std::string> noise_phrases(const NoiseSeen& n) {
  std::vector<std::string> parts;
  const auto share = [&](const char* what, const std::optional<double>& fraction, const std::optional<double>& sum) {
    if (fraction && *fraction > 0) parts.push_back(fmt::format("{} up to {} of wall", what, share_text(*fraction)));
    else if (sum && *sum > 0) parts.push_back(fmt::format("{} {}", what, format_duration_ns(*sum)));
  };
  share("run delay", n.run_delay_max_fraction, n.run_delay_ns);
  share("steal", n.steal_max_fraction, n.steal_ns);
  const auto count = [&](const char* one, const char* many, const std::optional<double>& sum) {
    if (sum && *sum > 0) parts.push_back(fmt::format("{:g} {}", *sum, *sum == 1 ? one : many));
  };
  count("involuntary switch", "involuntary switches", n.involuntary_switches);
  count("CPU migration", "CPU migrations", n.cpu_migrations);
  return parts;
}

std::string join(const std::vector<std::string>& parts, std::string_view last_separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? last_separator : ", ";
    out += parts[i];
  }
  return out;
}

std::string run_list(const std::vector<std::size_t>& runs) {
  std::vector<std::string> numbers;
  for (const std::size_t r : runs) numbers.push_back(std::to_string(r + 1));
  return fmt::format("{} {}", runs.size() == 1 ? "run" : "runs", join(numbers, " and "));
}

// The noise of several runs together: counts and sums added, the largest
// shares kept.
void merge_into(NoiseSeen& total, const NoiseSeen& n) {
  total.repetitions += n.repetitions;
  total.disturbed += n.disturbed;
  total.reruns += n.reruns;
  add_to(total.steal_ns, n.steal_ns);
  add_to(total.run_delay_ns, n.run_delay_ns);
  add_to(total.involuntary_switches, n.involuntary_switches);
  add_to(total.cpu_migrations, n.cpu_migrations);
  if (n.steal_max_fraction) total.steal_max_fraction = std::max(total.steal_max_fraction.value_or(0), *n.steal_max_fraction);
  if (n.run_delay_max_fraction) {
    total.run_delay_max_fraction = std::max(total.run_delay_max_fraction.value_or(0), *n.run_delay_max_fraction);
  }
}

// The memory probe of the repetitions a run's estimate is over (the
// undisturbed ones, or all of them when every one was disturbed), so the
// probe describes the same repetitions as the time it is compared with.
std::optional<double> run_memory_probe(const BenchmarkSamples& b, bool all_disturbed) {
  std::vector<double> probes;
  for (const RepetitionNoise& n : b.noise) {
    if ((all_disturbed || !n.disturbed) && n.memory_probe_ns) probes.push_back(*n.memory_probe_ns);
  }
  if (probes.empty()) return std::nullopt;
  return median(probes);
}

// How much slower (> 0) or faster (< 0) run `run`'s memory probe was than
// the median of the runs' probes, as a fraction. Absent where the run has no
// probe, or fewer than two runs have one (nothing to compare with).
std::optional<double> memory_probe_deviation(const BenchmarkStability& s, std::size_t run) {
  if (run >= s.run_memory_probe_ns.size() || !s.run_memory_probe_ns[run]) return std::nullopt;
  std::vector<double> probes;
  for (const auto& p : s.run_memory_probe_ns) {
    if (p) probes.push_back(*p);
  }
  if (probes.size() < 2) return std::nullopt;
  const double reference = median(probes);
  if (!(reference > 0)) return std::nullopt;
  return *s.run_memory_probe_ns[run] / reference - 1;
}

// The deviation of the run whose probe is furthest from the median run's,
// signed (the table's "memory probe" column).
std::optional<double> largest_memory_probe_deviation(const BenchmarkStability& s) {
  std::optional<double> largest;
  for (std::size_t r = 0; r < s.run_memory_probe_ns.size(); ++r) {
    const auto deviation = memory_probe_deviation(s, r);
    if (deviation && (!largest || std::abs(*deviation) > std::abs(*largest))) largest = deviation;
  }
  return largest;
}

bool any_memory_probe(const StabilityReport& report) {
  return std::any_of(report.benchmarks.begin(), report.benchmarks.end(), [](const BenchmarkStability& b) {
    return std::any_of(b.run_memory_probe_ns.begin(), b.run_memory_probe_ns.end(),
                       [](const std::optional<double>& p) { return p.has_value(); });
  });
}

// Why a benchmark that was measured in every run fails: the run furthest from
// the median of the run estimates, and the noise that explains it. Noise only
// adds time, so a slow outlier is explained by its own repetitions' noise, a
// fast one by the noise of the other runs (which made them slower).
std::string fail_reason(const BenchmarkStability& s, std::span<const NoiseSeen> run_noise) {
  if (!(*s.median_of_estimates > 0)) {
    // Most runs timed 0 and some did not (the CV is finite, so the mean is
    // not 0): no deviation from the median can be a percentage of it.
    const auto slowest = std::max_element(s.run_estimates.begin(), s.run_estimates.end());
    return fmt::format("the median of the runs is 0 while run {} took {}: too fast to time reliably",
                       slowest - s.run_estimates.begin() + 1, format_duration_ns(**slowest));
  }
  std::size_t outlier = 0;
  double furthest = -1;
  for (std::size_t r = 0; r < s.run_estimates.size(); ++r) {
    const double deviation = std::abs(*s.run_estimates[r] / *s.median_of_estimates - 1);
    if (deviation > furthest) {
      furthest = deviation;
      outlier = r;
    }
  }
  const double signed_deviation = *s.run_estimates[outlier] / *s.median_of_estimates - 1;
  const std::string off = fmt::format("{:+.1f}%", signed_deviation * 100);
  const bool faster = signed_deviation < 0;
  NoiseSeen n;
  if (faster) {
    for (std::size_t r = 0; r < run_noise.size(); ++r) {
      if (r != outlier) merge_into(n, run_noise[r]);
    }
  } else {
    n = run_noise[outlier];
  }
  const std::string whose = faster ? "the other runs' repetitions" : "its repetitions";
  const std::string where =
      faster ? fmt::format("in the other runs (run {} is {}, faster than the rest)", outlier + 1, off)
             : fmt::format("in the outlying run {} ({}", outlier + 1, off);
  const std::vector<std::string> seen = noise_phrases(n);
  // The memory probe reads a buffer larger than the last-level cache around
  // each repetition: when the bandwidth other tenants leave us changes, it
  // moves with a memory-bound run. It explains the run when it moved the same
  // way by at least half as much as the run did.
  const std::optional<double> probe = memory_probe_deviation(s, outlier);
  const bool probe_follows =
      probe && (faster ? *probe <= signed_deviation / 2 : *probe >= signed_deviation / 2);
  const auto probe_explains = [&](const std::string& subject) {
    return faster ? fmt::format("{} memory probe was {:.1f}% faster than in the median run: more memory bandwidth "
                                "was free",
                                subject, -*probe * 100)
                  : fmt::format("{} memory probe took {:.1f}% longer than in the median run: memory bandwidth taken "
                                "by other tenants",
                                subject, *probe * 100);
  };
  const std::string probe_within =
      probe ? fmt::format("run {}'s memory probe was within {:.1f}% of the median run's", outlier + 1,
                          std::abs(*probe) * 100)
            : std::string();
  if (n.disturbed > 0) {
    // The disturbed repetitions are not in the estimates (unless a run had
    // nothing else): say so, lest the reader think they made the deviation.
    std::size_t set_aside = 0, used = 0;
    for (std::size_t r = 0; r < s.run_estimates.size(); ++r) {
      if (faster == (r == outlier)) continue;
      const std::size_t dropped = s.all_disturbed[r] ? 0 : s.disturbed[r];
      set_aside += dropped;
      used += s.repetitions[r] - dropped;
    }
    std::vector<std::string> parts = seen;
    parts.push_back(fmt::format("{} of {} were disturbed", n.disturbed, n.repetitions));
    std::string text = fmt::format("run {} is {} off the median of the runs{}; {} saw {}", outlier + 1, off,
                                   faster ? ", faster than the rest" : "", whose, join(parts, " and "));
    if (!faster && s.all_disturbed[outlier]) {
      text += " (all of them, so its estimate is over them all)";
    } else if (set_aside > 0) {
      const std::string how_many = set_aside == n.disturbed ? std::string() : fmt::format("{} ", set_aside);
      text += fmt::format(" ({}set aside; {} the other {})", how_many,
                          faster ? "their estimates use" : "the estimate uses", used);
    }
    // The scheduler figures come first; a probe that moved with the run adds
    // the bandwidth it lacked (or had spare), one that did not adds nothing.
    if (probe_follows) text += "; " + probe_explains(fmt::format("run {}'s", outlier + 1));
    return text;
  }
  if (probe_follows) {
    return fmt::format("run {} is {} off the median of the runs{}; {}", outlier + 1, off,
                       faster ? ", faster than the rest" : "", probe_explains("its"));
  }
  // The scheduler figures that were measured (and quiet) and those that were not.
  std::vector<std::string> quiet, unmeasured;
  for (const auto& [what, figure] : {std::pair{"steal", &n.steal_ns}, std::pair{"run-queue delay", &n.run_delay_ns},
                                     std::pair{"preemption", &n.involuntary_switches}}) {
    (figure->has_value() ? quiet : unmeasured).emplace_back(what);
  }
  if (quiet.empty()) {
    // With the probe (or migrations) measured the file does have a noise figure: name the missing ones.
    const std::string missing =
        probe || any_figure(n) ? "no steal, run-delay or preemption figures" : "no noise figures";
    std::string text = fmt::format("run {} is {} off the median of the runs; {} {}, so what disturbed {} is not known",
                                   outlier + 1, off, faster ? "the other runs' files have" : "its file has", missing,
                                   faster ? "them" : "it");
    if (probe) text += ", and " + probe_within;
    return text;
  }
  // Measured and under every threshold: the time went to the code itself.
  std::string text = fmt::format("no {} was measured {}", join(quiet, " or "), where);
  if (!seen.empty()) text += fmt::format("{}only {} below the thresholds", faster ? "; " : ", ", join(seen, " and "));
  if (!faster) text += ")";
  std::vector<std::string> also;
  // An absent figure is not a zero: say it was not measured.
  if (!unmeasured.empty()) {
    also.push_back(fmt::format("{} {} not measured", join(unmeasured, " and "), unmeasured.size() == 1 ? "was" : "were"));
  }
  // Said when measured, so the reader sees the probe was there and quiet.
  if (probe) also.push_back(probe_within);
  if (!also.empty()) text += (also.size() == 1 ? ", and " : ", ") + join(also, ", and ");
  return text +
         ": the spread is in the code's own time (cache or memory-bandwidth interference, or the memory layout of a "
         "new process)";
}

std::string incomplete_reason(const BenchmarkStability& s, std::span<const BenchmarkFile> runs) {
  std::vector<std::size_t> missing;
  std::vector<std::string> failed;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    if (s.run_estimates[r]) continue;
    const BenchmarkSamples* b = runs[r].find(s.name);
    if (b && !b->error_message.empty()) failed.push_back(fmt::format("failed in run {}: {}", r + 1, b->error_message));
    // In the file but with nothing to estimate from (aggregates only, skipped,
    // entries lacking a time): what is missing, as the reader found it.
    else if (b && b->repetitions() == 0)
      failed.push_back(fmt::format("run {}: {}", r + 1, b->unusable_reason()));
    else missing.push_back(r);
  }
  std::vector<std::string> parts;
  if (!missing.empty()) parts.push_back("not measured in " + run_list(missing));
  parts.insert(parts.end(), failed.begin(), failed.end());
  if (parts.empty()) parts.emplace_back("no coefficient of variation (the run estimates have a mean of 0)");
  return join(parts, "; ");
}

}  // namespace

std::string_view to_string(StabilityStatus status) {
  switch (status) {
    case StabilityStatus::pass: return "pass";
    case StabilityStatus::fail: return "FAIL";
    case StabilityStatus::incomplete: return "incomplete";
  }
  return "?";
}

std::size_t StabilityReport::count(StabilityStatus status) const {
  return static_cast<std::size_t>(std::count_if(benchmarks.begin(), benchmarks.end(),
                                                [&](const BenchmarkStability& b) { return b.status == status; }));
}

StabilityReport analyse_stability(std::span<const BenchmarkFile> runs, const StabilityOptions& options) {
  if (runs.size() < 2) {
    throw std::invalid_argument(fmt::format("stability needs at least 2 runs, got {}", runs.size()));
  }
  if (!(options.cv_limit > 0)) throw std::invalid_argument("the CV limit must be > 0");
  StabilityReport report;
  report.options = options;
  std::vector<std::string> names;
  for (const auto& run : runs) {
    report.sources.push_back(run_label(run));
    for (const auto& b : run.benchmarks) {
      if (std::find(names.begin(), names.end(), b.name) == names.end()) names.push_back(b.name);
    }
  }
  const Estimator estimator = options.estimator.estimator;
  for (const auto& name : names) {
    BenchmarkStability s;
    s.name = name;
    std::vector<double> estimates;
    std::vector<NoiseSeen> run_noise(runs.size());
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const BenchmarkSamples* b = runs[r].find(name);
      const bool usable = b && !b->times(options.measure).empty() && b->error_message.empty();
      if (b) {
        add_noise(run_noise[r], *b);
        add_noise(s.noise, *b);
      }
      s.repetitions.push_back(b ? b->repetitions() : 0);
      s.disturbed.push_back(b ? b->disturbed_count() : 0);
      std::optional<double> run_estimate, memory_probe;
      bool all_disturbed = false;
      if (usable) {
        // Disturbed repetitions carry time that is not the code's: set aside.
        // When nothing else is left the run still has an estimate, marked.
        std::vector<double> kept = b->undisturbed_times(options.measure);
        all_disturbed = kept.empty();
        if (all_disturbed) kept = b->times(options.measure);
        run_estimate = estimate(kept, estimator);
        estimates.push_back(*run_estimate);
        memory_probe = run_memory_probe(*b, all_disturbed);
      }
      s.run_estimates.push_back(run_estimate);
      s.all_disturbed.push_back(all_disturbed);
      s.run_memory_probe_ns.push_back(memory_probe);
    }
    if (!estimates.empty()) {
      s.median_of_estimates = median(estimates);
      s.min = *std::min_element(estimates.begin(), estimates.end());
      s.max = *std::max_element(estimates.begin(), estimates.end());
    }
    if (estimates.size() >= 2) {
      const double cv = coefficient_of_variation(estimates);
      if (std::isfinite(cv)) s.cv = cv;
    }
    if (estimates.size() < runs.size() || !s.cv) {
      s.status = StabilityStatus::incomplete;
      s.reason = incomplete_reason(s, runs);
    } else if (*s.cv < options.cv_limit) {
      s.status = StabilityStatus::pass;
    } else {
      s.status = StabilityStatus::fail;
      s.reason = fail_reason(s, run_noise);
    }
    report.benchmarks.push_back(std::move(s));
  }
  return report;
}

std::string stability_markdown(const StabilityReport& report) {
  const std::size_t n = report.sources.size();
  const std::string limit = fmt::format("{:g}%", report.options.cv_limit * 100);
  const std::string_view estimator = to_string(report.options.estimator.estimator);
  std::string out = fmt::format("Stability over {} runs ({} time).\n\nEstimator: {}", n,
                                to_string(report.options.measure), describe(report.options.estimator));
  out += fmt::format(
      "\n\nPer benchmark: the {0} of each run's undisturbed repetitions (of all of them, marked *, when every one "
      "was disturbed), the median of those {1} run estimates, and their coefficient of variation (sample stddev / "
      "mean) against the < {2} criterion. disturbed: repetitions baseline marked disturbed, of all repetitions "
      "(re-runs included); steal and run delay: the largest share of one repetition's wall time (- where not "
      "measured).",
      estimator, n, limit);
  // Runs from before the memory probe keep the table they always had.
  const bool memory_probe_column = any_memory_probe(report);
  if (memory_probe_column) {
    out += " memory probe: the run whose memory probe read was furthest from the median run's, + slower or - "
           "faster (a run's probe is the median over the repetitions its estimate is over; - where not measured).";
  }
  out += "\n\n";
  std::vector<std::string> header{"benchmark"};
  for (std::size_t i = 0; i < n; ++i) header.push_back(fmt::format("run {}", i + 1));
  header.insert(header.end(), {"median of runs", "CV", "disturbed", "steal", "run delay"});
  if (memory_probe_column) header.emplace_back("memory probe");
  header.insert(header.end(), {"< " + limit, "reason"});
  io::TextTable table(header);
  bool any_all_disturbed = false;
  for (const auto& b : report.benchmarks) {
    std::vector<std::string> row{b.name};
    for (std::size_t r = 0; r < b.run_estimates.size(); ++r) {
      const auto& m = b.run_estimates[r];
      const bool marked = r < b.all_disturbed.size() && b.all_disturbed[r];
      any_all_disturbed = any_all_disturbed || marked;
      row.push_back(m ? format_duration_ns(*m) + (marked ? "*" : "") : "-");
    }
    row.push_back(b.median_of_estimates ? format_duration_ns(*b.median_of_estimates) : "-");
    row.push_back(b.cv ? percent_text(*b.cv) : "-");
    row.push_back(b.noise.reruns > 0
                      ? fmt::format("{}/{} ({} re-run)", b.noise.disturbed, b.noise.repetitions, b.noise.reruns)
                      : fmt::format("{}/{}", b.noise.disturbed, b.noise.repetitions));
    row.push_back(b.noise.steal_max_fraction ? percent_text(*b.noise.steal_max_fraction) : "-");
    row.push_back(b.noise.run_delay_max_fraction ? percent_text(*b.noise.run_delay_max_fraction) : "-");
    if (memory_probe_column) {
      const auto probe = largest_memory_probe_deviation(b);
      row.push_back(probe ? fmt::format("{:+.1f}%", *probe * 100) : "-");
    }
    row.emplace_back(to_string(b.status));
    row.push_back(b.reason);
    table.add(std::move(row));
  }
  out += table.render_markdown();
  if (any_all_disturbed) {
    out += "\n\\* every repetition of that run was disturbed: its estimate is over all of them.\n";
  }
  out += fmt::format("\n{} of {} benchmarks pass, {} fail, {} incomplete (not measured in every run).\n\nRuns:\n",
                     report.count(StabilityStatus::pass), report.benchmarks.size(),
                     report.count(StabilityStatus::fail), report.count(StabilityStatus::incomplete));
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{}. {}\n", i + 1, report.sources[i]);
  return out;
}

namespace {

json optional_json(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

const StabilityStatus kStatuses[] = {StabilityStatus::pass, StabilityStatus::fail, StabilityStatus::incomplete};
// The JSON names of the statuses (lower case, unlike the table's "FAIL").
std::string_view json_name(StabilityStatus status) {
  return status == StabilityStatus::pass ? "pass" : status == StabilityStatus::fail ? "fail" : "incomplete";
}

}  // namespace

std::string stability_json(const StabilityReport& report) {
  json j;
  j["schema"] = kStabilitySchema;
  j["version"] = kStabilityVersion;
  j["runs"] = report.sources;
  j["time"] = std::string(to_string(report.options.measure));
  j["unit"] = "ns";
  j["cv_limit"] = report.options.cv_limit;
  j["estimator"] = {{"name", std::string(to_string(report.options.estimator.estimator))},
                    {"reason", report.options.estimator.reason}};
  json rows = json::array();
  for (const auto& b : report.benchmarks) {
    json estimates = json::array();
    for (const auto& m : b.run_estimates) estimates.push_back(optional_json(m));
    json all_disturbed = json::array();
    for (const bool all : b.all_disturbed) all_disturbed.push_back(all);
    json memory_probes = json::array();
    for (const auto& p : b.run_memory_probe_ns) memory_probes.push_back(optional_json(p));
    const NoiseSeen& n = b.noise;
    rows.push_back({{"name", b.name},
                    {"run_estimates", estimates},
                    {"repetitions", b.repetitions},
                    {"disturbed", b.disturbed},
                    {"all_disturbed", all_disturbed},
                    {"run_memory_probe_ns", memory_probes},
                    {"median_of_estimates", optional_json(b.median_of_estimates)},
                    {"min", optional_json(b.min)},
                    {"max", optional_json(b.max)},
                    {"cv", optional_json(b.cv)},
                    {"status", json_name(b.status)},
                    {"reason", b.reason},
                    {"noise",
                     {{"repetitions", n.repetitions},
                      {"disturbed", n.disturbed},
                      {"reruns", n.reruns},
                      {"steal_ns", optional_json(n.steal_ns)},
                      {"steal_max_fraction", optional_json(n.steal_max_fraction)},
                      {"run_delay_ns", optional_json(n.run_delay_ns)},
                      {"run_delay_max_fraction", optional_json(n.run_delay_max_fraction)},
                      {"involuntary_switches", optional_json(n.involuntary_switches)},
                      {"cpu_migrations", optional_json(n.cpu_migrations)}}}});
  }
  j["benchmarks"] = std::move(rows);
  j["summary"] = {{"pass", report.count(StabilityStatus::pass)},
                  {"fail", report.count(StabilityStatus::fail)},
                  {"incomplete", report.count(StabilityStatus::incomplete)}};
  return j.dump(2) + "\n";
}

StabilityReport stability_from_json(const io::JsonValue& root) {
  if (!root.is_object()) root.fail("expected a JSON object (stability.json of build/analysis/stability)");
  io::check_schema(root, kStabilitySchema, kStabilityVersion);
  StabilityReport report;
  for (const auto& run : root.at("runs").elements()) report.sources.push_back(run.string());
  const std::size_t runs = report.sources.size();
  const io::JsonValue time = root.at("time");
  try {
    report.options.measure = parse_time_measure(time.string());
  } catch (const std::invalid_argument& e) {
    time.fail(e.what());
  }
  const io::JsonValue unit = root.at("unit");
  if (unit.string() != "ns") unit.fail(fmt::format("unit \"{}\": expected \"ns\"", unit.string()));
  const io::JsonValue limit = root.at("cv_limit");
  report.options.cv_limit = limit.positive();
  const io::JsonValue estimator = root.at("estimator");
  const io::JsonValue estimator_name = estimator.at("name");
  try {
    report.options.estimator.estimator = parse_estimator(estimator_name.string());
  } catch (const std::invalid_argument& e) {
    estimator_name.fail(e.what());
  }
  report.options.estimator.reason = estimator.at("reason").string();
  // Per-run arrays hold one element per run: a shorter or longer one would
  // put a figure under the wrong run.
  const auto check_runs = [&](const io::JsonValue& array, std::size_t size, std::string_view what) {
    if (size != runs) array.fail(fmt::format("{} {} for {} runs", size, what, runs));
  };
  for (const auto& b : root.at("benchmarks").elements()) {
    BenchmarkStability s;
    s.name = b.at("name").string();
    const io::JsonValue estimates = b.at("run_estimates");
    for (const auto& m : estimates.elements()) {
      s.run_estimates.push_back(m.is_null() ? std::nullopt : std::optional<double>(m.non_negative()));
    }
    check_runs(estimates, s.run_estimates.size(), "run estimates");
    const io::JsonValue reps = b.at("repetitions");
    for (const auto& r : reps.elements()) s.repetitions.push_back(r.count());
    check_runs(reps, s.repetitions.size(), "repetition counts");
    const io::JsonValue disturbed = b.at("disturbed");
    for (const auto& d : disturbed.elements()) s.disturbed.push_back(d.count());
    check_runs(disturbed, s.disturbed.size(), "disturbed counts");
    for (std::size_t r = 0; r < s.disturbed.size() && r < s.repetitions.size(); ++r) {
      if (s.disturbed[r] > s.repetitions[r]) {
        disturbed.fail(fmt::format("run {}: {} disturbed of {} repetitions", r + 1, s.disturbed[r], s.repetitions[r]));
      }
    }
    const io::JsonValue all_disturbed = b.at("all_disturbed");
    for (const auto& a : all_disturbed.elements()) s.all_disturbed.push_back(a.boolean());
    check_runs(all_disturbed, s.all_disturbed.size(), "all_disturbed flags");
    // Optional within version 2: a file written before the memory probe
    // existed reads as "not measured" in every run.
    if (const auto probes = b.find("run_memory_probe_ns")) {
      for (const auto& p : probes->elements()) {
        s.run_memory_probe_ns.push_back(p.is_null() ? std::nullopt : std::optional<double>(p.non_negative()));
      }
      check_runs(*probes, s.run_memory_probe_ns.size(), "memory probes");
    } else {
      s.run_memory_probe_ns.assign(runs, std::nullopt);
    }
    // Times, their spread and the noise figures: none of them can be negative.
    const auto optional_non_negative = [](const io::JsonValue& object, std::string_view key) -> std::optional<double> {
      if (const auto v = object.find(key)) return v->non_negative();
      return std::nullopt;
    };
    s.median_of_estimates = optional_non_negative(b, "median_of_estimates");
    s.min = optional_non_negative(b, "min");
    s.max = optional_non_negative(b, "max");
    s.cv = optional_non_negative(b, "cv");
    s.status = io::enum_from_names(b.at("status"), kStatuses, json_name, "status");
    s.reason = b.at("reason").string();
    const io::JsonValue noise = b.at("noise");
    s.noise.repetitions = noise.at("repetitions").count();
    s.noise.disturbed = noise.at("disturbed").count();
    s.noise.reruns = noise.at("reruns").count();
    if (s.noise.disturbed > s.noise.repetitions || s.noise.reruns > s.noise.repetitions) {
      noise.fail(fmt::format("{} disturbed and {} re-run of {} repetitions", s.noise.disturbed, s.noise.reruns,
                             s.noise.repetitions));
    }
    s.noise.steal_ns = optional_non_negative(noise, "steal_ns");
    s.noise.steal_max_fraction = optional_non_negative(noise, "steal_max_fraction");
    s.noise.run_delay_ns = optional_non_negative(noise, "run_delay_ns");
    s.noise.run_delay_max_fraction = optional_non_negative(noise, "run_delay_max_fraction");
    s.noise.involuntary_switches = optional_non_negative(noise, "involuntary_switches");
    s.noise.cpu_migrations = optional_non_negative(noise, "cpu_migrations");
    report.benchmarks.push_back(std::move(s));
  }
  return report;
}

std::string stability_gnuplot_commands(const StabilityReport& report) {
  const double limit = report.options.cv_limit * 100;
  const std::size_t count = report.benchmarks.size();
  std::string cv_data, run_data, all_disturbed_data, disturbed_data, delay_data, steal_data, tics, empty_tics;
  double highest_cv = limit;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& b = report.benchmarks[i];
    if (b.cv) {
      const char* color = b.status == StabilityStatus::pass ? "0x2ca02c" : b.status == StabilityStatus::fail ? "0xd62728"
                                                                                                           : "0x999999";
      cv_data += fmt::format("{} {:.6g} {}\n", i, *b.cv * 100, std::stoul(color, nullptr, 16));
      highest_cv = std::max(highest_cv, *b.cv * 100);
    }
    for (std::size_t r = 0; r < b.run_estimates.size(); ++r) {
      if (b.run_estimates[r] && b.median_of_estimates) {
        const bool all = r < b.all_disturbed.size() && b.all_disturbed[r];
        (all ? all_disturbed_data : run_data) +=
            fmt::format("{} {:.6g} {}\n", i, (*b.run_estimates[r] / *b.median_of_estimates - 1) * 100, r + 1);
      }
    }
    if (b.noise.repetitions > 0) {
      disturbed_data += fmt::format("{} {:.6g}\n", i, 100.0 * static_cast<double>(b.noise.disturbed) /
                                                          static_cast<double>(b.noise.repetitions));
    }
    if (b.noise.run_delay_max_fraction) delay_data += fmt::format("{} {:.6g}\n", i, *b.noise.run_delay_max_fraction * 100);
    if (b.noise.steal_max_fraction) steal_data += fmt::format("{} {:.6g}\n", i, *b.noise.steal_max_fraction * 100);
    tics += fmt::format("{}{} {}", i ? ", " : "", io::gnuplot_quote(b.name), i);
    empty_tics += fmt::format("{}'' {}", i ? ", " : "", i);
  }
  // A data block with nothing in it is an error to gnuplot: an empty series
  // is drawn from '+' with an undefined y instead, and keeps its key entry.
  const auto source = [](const std::string& data, std::string_view block) {
    return data.empty() ? std::string("'+' using (0):(1/0)") : fmt::format("{} using 1:2", block);
  };
  const bool any_noise = !delay_data.empty() || !steal_data.empty() ||
                         std::any_of(report.benchmarks.begin(), report.benchmarks.end(),
                                     [](const BenchmarkStability& b) { return b.noise.disturbed > 0; });
  std::string g;
  // Data blocks keep the plot one self-contained script.
  g += "$cv << EOD\n" + cv_data + "EOD\n";
  g += "$runs << EOD\n" + run_data + "EOD\n";
  g += "$runs_all_disturbed << EOD\n" + all_disturbed_data + "EOD\n";
  g += "$disturbed << EOD\n" + disturbed_data + "EOD\n";
  g += "$run_delay << EOD\n" + delay_data + "EOD\n";
  g += "$steal << EOD\n" + steal_data + "EOD\n";
  g += fmt::format("set multiplot title {}\n",
                   io::gnuplot_quote(fmt::format(
                       "Stability over {} runs ({} time, estimator {}): {} of {} benchmarks below {:g}%",
                       report.sources.size(), to_string(report.options.measure),
                       to_string(report.options.estimator.estimator), report.count(StabilityStatus::pass), count,
                       limit)));
  g += "set lmargin 28\nset rmargin 12\nset grid ytics\n";
  g += fmt::format("set xrange [-0.6:{}]\n", static_cast<double>(count) - 0.4);
  g += "set key outside top center horizontal\nset style fill solid 0.8 border -1\nset boxwidth 0.7\n";
  // Top panel: CV of the run estimates against the limit.
  g += "set size 1,0.29\nset origin 0,0.69\nset tmargin 4\nset bmargin 1\n";
  g += fmt::format("set xtics ({})\n", empty_tics);
  g += fmt::format("set yrange [0:{:.3g}]\n", highest_cv * 1.15);
  g += "set ylabel 'CV of run estimates (%)'\n";
  g += fmt::format(
      "plot {} with boxes lc rgb variable title 'CV (green pass, red fail, grey incomplete)', "
      "{:g} with lines dt 2 lw 2 lc rgb 'black' title {}\n",
      cv_data.empty() ? std::string("'+' using (0):(1/0):(0)") : std::string("$cv using 1:2:3"), limit,
      io::gnuplot_quote(fmt::format("limit {:g}%", limit)));
  // Middle panel: every run's estimate around the benchmark's median of them.
  g += "set size 1,0.25\nset origin 0,0.45\nset tmargin 2\nset bmargin 1\n";
  g += "set autoscale y\nset ylabel 'run estimate vs median (%)'\n";
  // The line at 0 keeps the axis defined when no run has an estimate.
  std::string runs_plot =
      fmt::format("plot {} with points pt 7 ps 0.9 lc rgb '#1f77b4' title 'one run'", source(run_data, "$runs"));
  if (!all_disturbed_data.empty()) {
    runs_plot += ", $runs_all_disturbed using 1:2 with points pt 6 ps 1.4 lw 2 lc rgb '#d62728' "
                 "title 'one run, every repetition disturbed'";
  }
  g += runs_plot + ", 0 with lines lc rgb 'black' notitle\n";
  // Bottom panel: the noise beside the times. Bars: the share of repetitions
  // set aside as disturbed (left axis); points: the largest steal and
  // run-queue delay of one repetition, as a share of its wall time (right
  // axis, its own scale: a few percent of wall already disturbs a repetition).
  // A series with no data is left out: gnuplot refuses to autoscale an axis
  // that has no point at all.
  g += "set size 1,0.46\nset origin 0,0\nset tmargin 2\nset bmargin 20\n";
  g += fmt::format("set xtics ({}) rotate by 50 right font ',9'\n", tics);
  g += "set ylabel 'disturbed repetitions (% of all)'\n";
  // A top of at least 1%: an axis of all zeros still draws, and small shares
  // look small.
  g += disturbed_data.empty() ? "set yrange [0:100]\n" : "set yrange [0:1<*]\n";
  std::vector<std::string> series{
      fmt::format("{} with boxes lc rgb '#ff7f0e' title 'disturbed repetitions'", source(disturbed_data, "$disturbed"))};
  if (!delay_data.empty()) {
    series.push_back("$run_delay using 1:2 axes x1y2 with points pt 9 ps 1.3 lc rgb '#9467bd' title 'run delay (max)'");
  }
  if (!steal_data.empty()) {
    series.push_back("$steal using 1:2 axes x1y2 with points pt 13 ps 1.1 lc rgb '#d62728' title 'steal (max)'");
  }
  if (!delay_data.empty() || !steal_data.empty()) {
    g += "set y2range [0:1<*]\nset y2tics\nset y2label 'largest steal, run delay (% of wall)'\n";
  }
  if (!any_noise) {
    // Nothing measured and nothing disturbed: say so rather than draw an
    // empty panel that reads as "no noise".
    g += "set label 1 'no noise figures in these runs' at graph 0.5, graph 0.5 center\n";
  }
  g += "plot " + join(series, ", ") + "\n";
  g += "unset multiplot\n";
  return g;
}

void draw_stability_plot(const StabilityReport& report, const std::filesystem::path& svg,
                         const std::filesystem::path& png, io::OutputSet& outputs, const std::string& gnuplot) {
  const std::string commands = stability_gnuplot_commands(report);
  // Three panels: taller than the two-panel plot so each keeps its height.
  const io::PlotSize size{std::max(900, 140 + 55 * static_cast<int>(report.benchmarks.size())), 1200};
  outputs.add(svg, io::draw_gnuplot(commands, svg, gnuplot, size));
  outputs.add(png, io::draw_gnuplot(commands, png, gnuplot, size));
}

void plot_stability(const StabilityReport& report, const std::filesystem::path& svg, const std::filesystem::path& png,
                    const std::string& gnuplot) {
  io::OutputSet outputs;
  draw_stability_plot(report, svg, png, outputs, gnuplot);
  outputs.commit();
}

}  // namespace engram::benchstats
