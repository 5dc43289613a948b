#include "engram/benchstats/ratios.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "engram/benchstats/statistics.hpp"
#include "engram/io/json.hpp"
#include "engram/io/text_table.hpp"

namespace engram::benchstats {
namespace {

using nlohmann::json;

// Issue 7 defines each target as a median over at least 10 interleaved repetitions.
constexpr std::size_t kRecommendedRepetitions = 10;

bool meets(RatioBound bound, double limit, double ratio) {
  return bound == RatioBound::at_most ? ratio <= limit : ratio >= limit;
}

// Four significant digits: enough to tell 1.008 from 1.012 against a 1.01 bound.
std::string value_text(double r, const std::string& unit) { return fmt::format("{:.4g}{}", r, unit); }

// The repetitions a ratio is taken from: the undisturbed ones; all of them
// when every one was disturbed (as stability does: on a busy machine that can
// be every repetition, and a table of "not measured" would hide that the
// kernels did run).
std::vector<double> usable_times(const BenchmarkSamples& b, TimeMeasure measure) {
  std::vector<double> kept = b.undisturbed_times(measure);
  return kept.empty() ? b.times(measure) : kept;
}

std::string run_label(const BenchmarkFile& run) {
  std::string label = run.source;
  std::vector<std::string> details;
  for (const char* key : {"date", "engram.simd_level", "host_name"}) {
    const auto it = run.context.find(key);
    if (it != run.context.end()) details.push_back(it->second);
  }
  if (!details.empty()) label += fmt::format(" ({})", fmt::join(details, ", "));
  return label;
}

}  // namespace

std::vector<RatioTarget> issue7_targets() {
  const std::string sim = "vector_similarity_1000";
  const std::string decay = "decay_10k_memories";
  std::vector<RatioTarget> t{
      {sim + ": optimized / OpenBLAS sgemv + norms", sim + "/optimized", sim + "/openblas", RatioBound::at_most, 1.0,
       "≤ 1.0×"},
      {sim + ": optimized / Eigen", sim + "/optimized", sim + "/eigen", RatioBound::at_most, 1.0, "≤ 1.0×"},
      {sim + ": reference / optimized", sim + "/reference", sim + "/optimized", RatioBound::at_least, 10.0,
       "≥ 10× faster"},
      {"find_similar_10k (k = 10): optimized / OpenBLAS sgemv + nth_element", "find_similar_10k/optimized",
       "find_similar_10k/openblas", RatioBound::at_most, 1.0, "≤ 1.0×"},
      {"spreading_activation_1000: optimized / Eigen sparse", "spreading_activation_1000/optimized",
       "spreading_activation_1000/eigen", RatioBound::at_most, 0.8, "≤ 0.8×"},
      {"spreading_activation_10k: optimized / Eigen sparse", "spreading_activation_10k/optimized",
       "spreading_activation_10k/eigen", RatioBound::at_most, 0.8, "≤ 0.8×"},
      {decay + " exponential: optimized / Eigen array().exp()", decay + "/exponential/optimized",
       decay + "/exponential/eigen", RatioBound::at_most, 1.0, "≤ 1.0×"},
  };
  for (const char* curve : {"exponential", "power_law", "two_component"}) {
    t.push_back({fmt::format("{} {}: reference / optimized", decay, curve), fmt::format("{}/{}/reference", decay, curve),
                 fmt::format("{}/{}/optimized", decay, curve), RatioBound::at_least, 8.0, "≥ 8× faster"});
  }
  // Counting software events around a region of >= 100 us adds < 1%: the
  // baseline times the same optimized kernel with and without counters in the
  // same run (spreading_activation_1000 ~0.2 ms, find_similar_10k ~2 ms).
  for (const char* kernel : {"spreading_activation_1000", "find_similar_10k"}) {
    t.push_back({fmt::format("counters around {}: counted / uncounted", kernel),
                 fmt::format("counter_overhead/{}/counted", kernel), fmt::format("counter_overhead/{}/uncounted", kernel),
                 RatioBound::at_most, 1.01, "≤ 1.01× (< 1% added)"});
  }
  return t;
}

std::string_view to_string(RatioStatus status) {
  switch (status) {
    case RatioStatus::pass: return "pass";
    case RatioStatus::fail: return "FAIL";
    case RatioStatus::not_measured: return "not measured";
  }
  return "?";
}

void settle_ratio_row(RatioRow& row) {
  std::vector<double> measured;
  for (const auto& r : row.per_run) {
    if (r) measured.push_back(*r);
  }
  row.runs_measured = measured.size();
  row.runs_meeting = static_cast<std::size_t>(
      std::count_if(measured.begin(), measured.end(), [&](double r) { return meets(row.bound, row.limit, r); }));
  if (measured.empty()) {
    row.min = row.median = row.max = std::nullopt;
    row.status = RatioStatus::not_measured;
    return;
  }
  row.min = *std::min_element(measured.begin(), measured.end());
  row.max = *std::max_element(measured.begin(), measured.end());
  row.median = median(measured);
  row.status = meets(row.bound, row.limit, *row.median) ? RatioStatus::pass : RatioStatus::fail;
}

std::size_t RatioReport::count(RatioStatus status) const {
  return static_cast<std::size_t>(
      std::count_if(rows.begin(), rows.end(), [&](const RatioRow& r) { return r.status == status; }));
}

RatioRow counter_cost_row(std::span<const BenchmarkFile> runs) {
  RatioRow row;
  row.label = "counters: start + stop of the software-event set (empty region), as % of a 100 µs region";
  row.target_text = "< 1%";
  row.bound = RatioBound::at_most;
  row.limit = 1.0;
  row.unit = std::string(1, '%');  // not = "%": GCC 12 -O3 warns falsely (-Wrestrict, PR105651)
  row.source = "baseline --counters=...: context engram.counter_overhead_ns (median of 31 empty start/stop pairs)";
  for (const auto& run : runs) {
    const auto it = run.context.find("engram.counter_overhead_ns");
    std::optional<double> percent;
    if (it != run.context.end()) {
      try {
        const double ns = std::stod(it->second);
        if (std::isfinite(ns) && ns > 0) percent = ns / 100'000.0 * 100.0;
      } catch (const std::exception&) {
        // not a number: the row says "not measured" for this run
      }
    }
    row.per_run.push_back(percent);
  }
  settle_ratio_row(row);
  return row;
}

RatioReport compute_ratios(std::span<const BenchmarkFile> runs, std::span<const RatioTarget> targets,
                           TimeMeasure measure, std::optional<Estimator> estimator) {
  if (runs.empty()) throw std::invalid_argument("ratios need at least one run");
  RatioReport report;
  report.measure = measure;
  report.estimator = estimator ? chosen_estimator(*estimator) : default_estimator(runs);
  const Estimator chosen = report.estimator.estimator;
  for (const auto& run : runs) {
    report.sources.push_back(run_label(run));
    std::size_t fewest = std::numeric_limits<std::size_t>::max();
    std::set<std::string> used;  // a benchmark in two targets counts once
    std::size_t set_aside = 0, all_disturbed = 0;
    for (const auto& target : targets) {
      for (const auto* name : {&target.numerator, &target.denominator}) {
        const BenchmarkSamples* b = run.find(*name);
        if (b == nullptr) continue;
        const std::size_t all = b->times(measure).size();
        const std::size_t kept = b->undisturbed_times(measure).size();
        fewest = std::min(fewest, kept == 0 ? all : kept);
        if (!used.insert(*name).second) continue;
        if (kept == 0 && all > 0) ++all_disturbed;
        else set_aside += all - kept;
      }
    }
    report.repetitions.push_back(fewest == std::numeric_limits<std::size_t>::max() ? 0 : fewest);
    report.set_aside.push_back(set_aside);
    report.all_disturbed.push_back(all_disturbed);
  }
  for (const auto& target : targets) {
    RatioRow row;
    row.label = target.label;
    row.target_text = target.target_text;
    row.bound = target.bound;
    row.limit = target.limit;
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const BenchmarkFile& run = runs[r];
      const BenchmarkSamples* top = run.find(target.numerator);
      const BenchmarkSamples* bottom = run.find(target.denominator);
      for (const auto& [b, name] : {std::pair{top, &target.numerator}, std::pair{bottom, &target.denominator}}) {
        if (b == nullptr) {
          row.missing.push_back(fmt::format("run {}: {} is not in {}", r + 1, *name, run.source));
        } else if (const std::string why = b->unusable_reason(); !why.empty()) {
          row.missing.push_back(fmt::format("run {}: {}: {}", r + 1, *name, why));
        }
      }
      std::optional<double> ratio;
      if (top && bottom && top->error_message.empty() && bottom->error_message.empty()) {
        // The repetitions no measured noise disturbed: the ratio is of the
        // two kernels, not of what their neighbours did to them.
        const std::vector<double> numerator = usable_times(*top, measure);
        const std::vector<double> denominator = usable_times(*bottom, measure);
        if (!numerator.empty() && !denominator.empty()) {
          const double below = estimate(denominator, chosen);
          if (below > 0) ratio = estimate(numerator, chosen) / below;
        }
      }
      row.per_run.push_back(ratio);
    }
    settle_ratio_row(row);
    report.rows.push_back(std::move(row));
  }
  return report;
}

std::vector<RatioRow> parse_extra_ratio_rows(std::string_view text, const std::string& source_name) {
  // The one JSON reading layer: a syntax error names the line, column and
  // byte, a bad value its JSON pointer (/rows/0/limit), both after the file.
  const io::JsonValue document = io::parse_json_text(text, source_name);
  if (!document.is_object() || !document.find("rows") || !document.at("rows").is_array()) {
    document.fail("expected an object with a \"rows\" array");
  }
  std::vector<RatioRow> rows;
  for (const io::JsonValue& r : document.at("rows").elements()) {
    if (!r.is_object()) r.fail("expected an object (one extra row)");
    RatioRow row;
    row.label = r.at("label").string();
    row.target_text = r.at("target").string();
    const io::JsonValue bound = r.at("bound");
    const std::string bound_name = bound.string();
    if (bound_name == "at_most") row.bound = RatioBound::at_most;
    else if (bound_name == "at_least") row.bound = RatioBound::at_least;
    else bound.fail(fmt::format("must be \"at_most\" or \"at_least\", not \"{}\"", bound_name));
    // Every target here is a ratio, a size or a time: a negative one (a peak
    // RSS of -5 MiB "below 64 MiB") cannot be.
    row.limit = r.at("limit").non_negative();
    const io::JsonValue values = r.at("values");
    if (!values.is_array()) values.fail("expected an array (one value per run, null where a run lacks it)");
    for (const io::JsonValue& v : values.elements()) {
      if (v.is_null()) row.per_run.push_back(std::nullopt);
      else if (v.is_number()) row.per_run.push_back(v.non_negative());
      else v.fail("neither a number nor null");
    }
    // A "source" that is not a string is ignored, as before; "unit", when
    // present, must be a string.
    if (const auto source = r.find("source"); source && source->is_string()) row.source = source->string();
    if (r.raw().contains("unit")) row.unit = r.at("unit").string();
    settle_ratio_row(row);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string ratios_markdown(const RatioReport& report, const std::vector<std::string>& commands,
                            const std::string& title) {
  const std::size_t n = report.sources.size();
  std::string out = title.empty() ? std::string() : fmt::format("# {}\n\n", title);
  const std::string_view est = to_string(report.estimator.estimator);
  out += fmt::format(
      "Each ratio is {0} / {0} of the {1} times of two benchmarks in the same run (interleaved repetitions; "
      "repetitions marked disturbed are set aside, unless all of a benchmark's were); \"≥ N× faster\" rows give reference / optimized. Spread over "
      "{2} separate run{3}; a target passes when the median over the runs meets it (the last column also counts the "
      "runs that meet it on their own).\n\nEstimator: {4}\n\n",
      est, to_string(report.measure), n, n == 1 ? "" : "s", describe(report.estimator));
  std::vector<std::string> header{"benchmark", "target"};
  for (std::size_t i = 0; i < n; ++i) header.push_back(fmt::format("run {}", i + 1));
  header.insert(header.end(), {"min", "median", "max", "result"});
  io::TextTable table(header);
  std::vector<std::string> sources;
  for (const auto& row : report.rows) {
    std::string label = row.label;
    if (!row.source.empty()) {
      sources.push_back(row.source);
      label += fmt::format(" [{}]", sources.size());
    }
    std::vector<std::string> cells{label, row.target_text};
    for (std::size_t i = 0; i < n; ++i) {
      cells.push_back(i < row.per_run.size() && row.per_run[i] ? value_text(*row.per_run[i], row.unit) : "-");
    }
    for (const auto& x : {row.min, row.median, row.max}) cells.push_back(x ? value_text(*x, row.unit) : "-");
    cells.push_back(row.status == RatioStatus::not_measured
                        ? std::string("not measured")
                        : fmt::format("{} ({}/{} runs)", to_string(row.status), row.runs_meeting, row.runs_measured));
    table.add(std::move(cells));
  }
  out += table.render_markdown();
  out += fmt::format("\n{} of {} targets pass, {} fail, {} not measured.\n", report.count(RatioStatus::pass),
                     report.rows.size(), report.count(RatioStatus::fail), report.count(RatioStatus::not_measured));
  for (const auto& row : report.rows) {
    for (const auto& why : row.missing) out += fmt::format("{}: missing: {}\n", row.label, why);
  }
  for (std::size_t i = 0; i < sources.size(); ++i) out += fmt::format("\n[{}] {}\n", i + 1, sources[i]);
  const auto fewest = std::min_element(report.repetitions.begin(), report.repetitions.end());
  if (fewest != report.repetitions.end() && *fewest < kRecommendedRepetitions) {
    out += fmt::format("\nNote: a run has only {} repetitions; the targets are defined as medians over at least {} "
                       "interleaved repetitions.\n",
                       *fewest, kRecommendedRepetitions);
  }
  out += "\nRuns:\n";
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t set_aside = i < report.set_aside.size() ? report.set_aside[i] : 0;
    const std::size_t all_disturbed = i < report.all_disturbed.size() ? report.all_disturbed[i] : 0;
    std::vector<std::string> noise;
    if (set_aside > 0) noise.push_back(fmt::format("{} disturbed set aside", set_aside));
    if (all_disturbed > 0) {
      noise.push_back(fmt::format("{} benchmark{} with every repetition disturbed, estimated from them all",
                                  all_disturbed, all_disturbed == 1 ? "" : "s"));
    }
    out += fmt::format("{}. {}, {} repetitions{}\n", i + 1, report.sources[i],
                       i < report.repetitions.size() ? report.repetitions[i] : 0,
                       noise.empty() ? std::string() : fmt::format(" ({})", fmt::join(noise, "; ")));
  }
  if (!commands.empty()) {
    out += "\nTo reproduce:\n\n```sh\n";
    for (const auto& c : commands) out += c + "\n";
    out += "```\n";
  }
  return out;
}

std::string ratios_json(const RatioReport& report) {
  json j;
  j["schema"] = "engram-ratios";
  j["version"] = kRatiosJsonVersion;
  j["runs"] = report.sources;
  j["repetitions"] = report.repetitions;
  j["set_aside"] = report.set_aside;
  j["all_disturbed"] = report.all_disturbed;
  j["time"] = std::string(to_string(report.measure));
  j["estimator"] = {{"name", std::string(to_string(report.estimator.estimator))},
                    {"reason", report.estimator.reason}};
  json rows = json::array();
  for (const auto& r : report.rows) {
    json values = json::array();
    for (const auto& v : r.per_run) values.push_back(v ? json(*v) : json(nullptr));
    const auto opt = [](const std::optional<double>& x) { return x ? json(*x) : json(nullptr); };
    rows.push_back({{"label", r.label},
                    {"target", r.target_text},
                    {"bound", r.bound == RatioBound::at_most ? "at_most" : "at_least"},
                    {"limit", r.limit},
                    {"values", values},
                    {"min", opt(r.min)},
                    {"median", opt(r.median)},
                    {"max", opt(r.max)},
                    {"runs_meeting", r.runs_meeting},
                    {"runs_measured", r.runs_measured},
                    {"status", r.status == RatioStatus::pass   ? "pass"
                               : r.status == RatioStatus::fail ? "fail"
                                                               : "not measured"},
                    {"source", r.source},
                    {"unit", r.unit},
                    {"missing", r.missing}});
  }
  j["rows"] = std::move(rows);
  j["summary"] = {{"pass", report.count(RatioStatus::pass)},
                  {"fail", report.count(RatioStatus::fail)},
                  {"not_measured", report.count(RatioStatus::not_measured)}};
  return j.dump(2) + "\n";
}

}  // namespace engram::benchstats
