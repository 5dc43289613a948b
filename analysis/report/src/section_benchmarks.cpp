// Benchmarks (estimates and medians with bootstrap CIs over the undisturbed
// repetitions, ratios to the peers) and counters
// (each kernel's counters with their status; simulated values labelled,
// unavailable ones never shown as a number).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "benchmark_summary.hpp"
#include "engram/io/format.hpp"
#include "sections.hpp"

namespace engram::report {

namespace {

std::string interval(const benchstats::ConfidenceInterval& ci, double reference_ns) {
  return fmt::format("[{}, {}]", io::duration_in_unit_of(ci.low, reference_ns), io::duration_in_unit_of(ci.high, reference_ns));
}

std::string ratio_reading(const PeerRatio& r) {
  const double v = *r.value;
  const bool crosses = r.ci && r.ci->low <= 1.0 && r.ci->high >= 1.0;
  std::string text;
  if (r.numerator == "counted") {
    text = fmt::format("reading counters costs {:+.1f}%", 100 * (v - 1));
  } else if (r.numerator == "reference") {
    text = v >= 1 ? fmt::format("optimized is {} faster than reference", io::ratio(v))
                  : fmt::format("optimized is {} slower than reference", io::ratio(1 / v));
  } else {
    text = v <= 1 ? fmt::format("{} is {} faster than {}", r.numerator, io::ratio(1 / v), r.denominator)
                  : fmt::format("{} is {} slower than {}", r.numerator, io::ratio(v), r.denominator);
  }
  if (crosses) text += " (the CI includes 1: no clear difference)";
  return text;
}

// "min" -> "Min": a column heading.
std::string capitalized(const std::string& word) {
  if (word.empty()) return word;
  return fmt::format("{}{}", static_cast<char>(std::toupper(static_cast<unsigned char>(word.front()))),
                     std::string_view(word).substr(1));
}

std::string counter_value(double v) {
  if (std::fabs(v) >= 1000) return io::thousands(static_cast<std::uint64_t>(std::llround(std::fabs(v))));
  return io::significant(v);
}

}  // namespace

void add_benchmarks_section(Document& doc, const LoadedInputs& in, benchstats::TimeMeasure measure,
                            const benchstats::EstimatorChoice& estimator) {
  doc.add(Heading{2, "Benchmarks", "benchmarks"});
  const benchstats::Estimator est = estimator.estimator;
  const auto rows = summarize_benchmarks(in.bench, measure, est);
  std::size_t min_reps = SIZE_MAX, max_reps = 0, disturbed = 0, all_disturbed = 0;
  for (const auto& r : rows) {
    if (!r.error.empty() || !r.missing.empty()) continue;
    // The repetitions run, set aside or not: what "N repetitions each" promises.
    const std::size_t run = r.all_disturbed ? r.repetitions : r.repetitions + r.disturbed;
    min_reps = std::min(min_reps, run);
    max_reps = std::max(max_reps, run);
    disturbed += r.disturbed;
    all_disturbed += r.all_disturbed ? 1 : 0;
  }
  const std::string reps = min_reps == SIZE_MAX ? std::string("no")
                           : min_reps == max_reps ? std::to_string(min_reps)
                                                  : fmt::format("{} to {}", min_reps, max_reps);
  const benchstats::BootstrapOptions bootstrap;
  // With the median as the estimator its column is the median's; another
  // estimator gets a column of its own before it.
  const bool own_column = est != benchstats::Estimator::median;
  const std::string est_name(benchstats::to_string(est));
  Text intro;
  intro << "From " << code(io::display_path(in.paths.bench)) << ": " << std::to_string(rows.size()) << " benchmarks, "
        << reps << " repetitions each. Times are " << (measure == benchstats::TimeMeasure::cpu ? "CPU" : "wall-clock")
        << " time per iteration (Google Benchmark's " << code(measure == benchstats::TimeMeasure::cpu ? "cpu_time" : "real_time")
        << "). " << strong("Estimator: " + est_name) << " (" << without_final_period(estimator.reason)
        << "). Repetitions the run marked disturbed (its noise figures past their thresholds: steal, run-queue "
           "delay, preemptions, migrations) are set aside: Reps counts the ones used, Disturbed the ones set aside"
        << (all_disturbed > 0 ? " (where every repetition was disturbed, all of them are used and the row says so)"
                              : "")
        << ". ";
  if (own_column) {
    intro << est_name << ": the " << est_name
          << " of the repetitions used, the time the ratios below are taken from. ";
  }
  intro << "Median: the median of the repetitions used. 95% CI: percentile bootstrap of the median ("
        << io::thousands(bootstrap.resamples)
        << " resamples, fixed seed); it needs at least 2 repetitions, and with few repetitions it can only be as "
           "wide as the spread of the values themselves"
        << (own_column ? " (a bootstrap interval of the minimum would be one-sided: no resample's minimum is below "
                         "the sample's)"
                       : "")
        << ". CV: standard deviation / mean of the repetitions used. Outliers: Tukey fences at 1.5 IQR, counted "
           "from 4 repetitions on.";
  if (disturbed > 0) intro << " " << std::to_string(disturbed) << " repetitions in all were set aside as disturbed.";
  doc.add(Paragraph{intro});

  Table t;
  t.header = {"Benchmark", "Reps", "Disturbed"};
  t.align = {Align::left, Align::right, Align::right};
  if (own_column) {
    t.header.push_back(capitalized(est_name));
    t.align.push_back(Align::right);
  }
  t.header.insert(t.header.end(), {"Median", "95% CI of the median", "CV", "Outliers"});
  t.align.insert(t.align.end(), {Align::right, Align::right, Align::right, Align::right});
  for (const auto& r : rows) {
    std::vector<Text> cells{Text() << code(r.name)};
    if (!r.error.empty() || !r.missing.empty()) {
      const char* what = r.error.empty() ? "not measured" : "failed";
      cells.insert(cells.end(), {Text("0"), Text("—")});
      if (own_column) cells.push_back(Text(what));
      cells.insert(cells.end(), {Text(own_column ? "—" : what), Text(r.error.empty() ? r.missing : r.error),
                                 Text("—"), Text("—")});
      t.rows.push_back(std::move(cells));
      continue;
    }
    cells.push_back(Text(std::to_string(r.repetitions)));
    cells.push_back(Text(r.all_disturbed ? fmt::format("{} (all; used)", r.disturbed) : std::to_string(r.disturbed)));
    if (own_column) cells.push_back(Text(io::duration(r.estimate_ns)));
    cells.insert(cells.end(), {Text(io::duration(r.median_ns)),
                               Text(r.ci ? interval(*r.ci, r.median_ns) : std::string("— (1 repetition)")),
                               Text(std::isfinite(r.cv) ? io::percent(r.cv) : std::string("—")),
                               Text(r.repetitions >= 4 ? std::to_string(r.outliers) : std::string("—"))});
    t.rows.push_back(std::move(cells));
  }
  doc.add(std::move(t));

  doc.add(Heading{3, "Ratios to the peers", "ratios-to-the-peers"});
  doc.add(Paragraph{Text(fmt::format(
      "Pairs: {} (the {}: see the estimator above; disturbed repetitions set aside). The 95% CI is of the ratio of "
      "the medians, whatever the estimator: it resamples both sides' repetitions independently and takes the ratio "
      "of the medians of each resample{}.",
      peer_ratio_rule(est), est_name,
      own_column ? " (a bootstrap of the min or of a low quantile is degenerate at a few repetitions: most "
                   "resamples keep the sample's smallest values)"
                 : ""))});
  const auto ratios = peer_ratios(in.bench, measure, est);
  if (ratios.empty()) {
    doc.add(Paragraph{Text("No benchmark of the file has a KERNEL/VARIANT name, so there is nothing to pair.")});
    return;
  }
  Table rt;
  rt.header = {"Kernel", "Ratio", fmt::format("{} ratio", capitalized(est_name)), "95% CI of the median ratio",
               "Reading"};
  rt.align = {Align::left, Align::left, Align::right, Align::right, Align::left};
  for (const auto& r : ratios) {
    Text name = Text() << code(r.kernel);
    const std::string pair = r.numerator + " / " + r.denominator;
    if (!r.value) {
      rt.rows.push_back({name, Text(pair), Text("—"), Text("—"), Text("not measured: " + r.missing)});
      continue;
    }
    const std::string ci = r.ci ? fmt::format("[{}, {}]", io::significant(r.ci->low), io::significant(r.ci->high))
                                : std::string("— (needs 2 repetitions per side)");
    rt.rows.push_back({name, Text(pair), Text(io::ratio(*r.value)), Text(ci), Text(ratio_reading(r))});
  }
  doc.add(std::move(rt));
}

void add_counters_section(Document& doc, const LoadedInputs& in) {
  doc.add(Heading{2, "Counters", "counters"});
  if (!in.counters_bench) {
    add_missing(doc, Text("The counters run (--counters-bench)"),
                input_commands(io::display_path(in.paths.hotspots.parent_path())).counters);
    return;
  }
  const benchstats::BenchmarkFile& file = *in.counters_bench;
  auto context = [&](const std::string& key) {
    const auto it = file.context.find(key);
    return it == file.context.end() ? std::string() : it->second;
  };
  std::map<std::string, double> simulated_iterations;
  if (const std::string text = context("engram.simulated_iterations"); !text.empty()) {
    const io::JsonValue sims = io::parse_json_text(text, file.source + ": context \"engram.simulated_iterations\"");
    for (const auto& [name, value] : sims.members()) simulated_iterations[name] = value.positive();
  }

  Text intro;
  intro << "From " << code(io::display_path(in.paths.counters_bench))
        << " (build/bench/baseline with --counters). Values are per benchmark iteration, the median over the "
           "repetitions. Each counter's status comes from the run itself: ";
  intro << strong("counted") << " by the hardware or the kernel, " << strong("simulated")
        << " by callgrind's model of the caches and branch predictor (labelled in the column's heading; a model, "
           "not a measurement of this CPU), "
        << strong("unavailable") << " when it could not be counted (never shown as 0).";
  if (const std::string overhead = context("engram.counter_overhead_ns"); !overhead.empty()) {
    intro << " Reading the counters costs about " << overhead << " ns per start/stop.";
  }
  doc.add(Paragraph{intro});

  Table st;
  st.header = {"Counter", "Event", "Status", "Backend", "Why / how", "Fix"};
  bool any_simulated = false;
  for (const auto& c : in.counter_statuses.counters) {
    any_simulated = any_simulated || c.status == counters::Status::simulated;
    std::string status(counters::to_string(c.status));
    if (c.status == counters::Status::multiplexed) {
      status += fmt::format(" (counting {:.0f}% of the time, scaled)", 100 * c.running_fraction);
    }
    st.rows.push_back({Text() << code(c.counter), Text() << code(c.canonical.empty() ? c.counter : c.canonical),
                       Text(status), Text(std::string(counters::to_string(c.backend))), Text(c.reason.empty() ? "—" : c.reason),
                       Text(c.fix.empty() ? "—" : c.fix)});
  }
  doc.add(std::move(st));

  // Derived metrics the counters library adds when its inputs are there.
  static const char* const kDerived[] = {"IPC", "CPI", "L1_MPKI", "L1_MISS_RATIO", "BR_MISP_RATIO", "BR_MPKI"};
  std::vector<std::string> derived;
  for (const char* d : kDerived) {
    const bool present = std::any_of(file.benchmarks.begin(), file.benchmarks.end(),
                                     [&](const benchstats::BenchmarkSamples& b) { return b.counters.count(d) > 0; });
    if (present) derived.emplace_back(d);
  }

  Table vt;
  vt.header = {"Benchmark"};
  vt.align = {Align::left};
  // The status labels the whole column: it is the counter's, for every
  // benchmark of the run.
  for (const auto& c : in.counter_statuses.counters) {
    vt.header.push_back(c.status == counters::Status::simulated ? c.counter + " (simulated)" : c.counter);
    vt.align.push_back(Align::right);
  }
  for (const auto& d : derived) {
    vt.header.push_back(any_simulated ? d + " (from simulated)" : d);
    vt.align.push_back(Align::right);
  }
  if (!simulated_iterations.empty()) {
    vt.header.push_back("Simulated iterations");
    vt.align.push_back(Align::right);
  }
  const auto unavailable = [](const counters::CounterStatusEntry& c) {
    return c.status == counters::Status::unsupported || c.status == counters::Status::no_permission;
  };
  const bool unavailable_any =
      std::any_of(in.counter_statuses.counters.begin(), in.counter_statuses.counters.end(), unavailable);
  std::vector<const benchstats::BenchmarkSamples*> ordered;
  for (const auto& b : file.benchmarks) ordered.push_back(&b);
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
  for (const auto* bp : ordered) {
    const benchstats::BenchmarkSamples& b = *bp;
    std::vector<Text> row{Text() << code(b.name)};
    for (const auto& c : in.counter_statuses.counters) {
      if (unavailable(c)) {
        row.push_back(Text(c.status == counters::Status::no_permission ? "unavailable (no permission)" : "unavailable"));
        continue;
      }
      const auto it = b.counters.find(c.counter);
      if (it == b.counters.end() || it->second.empty()) {
        row.push_back(Text("not reported"));
        continue;
      }
      row.push_back(Text(counter_value(benchstats::median(it->second))));
    }
    for (const auto& d : derived) {
      const auto it = b.counters.find(d);
      if (it == b.counters.end() || it->second.empty()) {
        row.push_back(Text("—"));
        continue;
      }
      row.push_back(Text(io::significant(benchstats::median(it->second))));
    }
    if (!simulated_iterations.empty()) {
      const auto it = simulated_iterations.find(b.name);
      row.push_back(Text(it == simulated_iterations.end() ? std::string("—") : fmt::format("{:.0f}", it->second)));
    }
    vt.rows.push_back(std::move(row));
  }
  doc.add(std::move(vt));
  Text after;
  if (!derived.empty()) {
    after << "Derived metrics (" << fmt::format("{}", fmt::join(derived, ", "))
          << ") are computed by the counters library from the counters above"
          << (any_simulated ? "; where an input is simulated the metric is too, so their headings say "
                              "\"from simulated\" whenever the run has simulated counters."
                            : ".");
  }
  if (unavailable_any) {
    after << (after.empty() ? "" : " ")
          << "Counters marked unavailable could not be counted in this run; the status table says why and what "
             "would fix it.";
  }
  if (!after.empty()) doc.add(Paragraph{after});
}

}  // namespace engram::report
