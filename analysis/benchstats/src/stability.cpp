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
  for (const auto& name : names) {
    BenchmarkStability s;
    s.name = name;
    std::vector<double> medians;
    for (const auto& run : runs) {
      const BenchmarkSamples* b = run.find(name);
      const std::vector<double>* values = b ? &b->times(options.measure) : nullptr;
      const bool usable = values && !values->empty() && b->error_message.empty();
      s.repetitions.push_back(values ? values->size() : 0);
      s.run_medians.push_back(usable ? std::optional<double>(median(*values)) : std::nullopt);
      if (usable) medians.push_back(*s.run_medians.back());
    }
    if (!medians.empty()) {
      s.median_of_medians = median(medians);
      s.min = *std::min_element(medians.begin(), medians.end());
      s.max = *std::max_element(medians.begin(), medians.end());
    }
    if (medians.size() >= 2) {
      const double cv = coefficient_of_variation(medians);
      if (std::isfinite(cv)) s.cv = cv;
    }
    if (medians.size() < runs.size() || !s.cv) s.status = StabilityStatus::incomplete;
    else s.status = *s.cv < options.cv_limit ? StabilityStatus::pass : StabilityStatus::fail;
    report.benchmarks.push_back(std::move(s));
  }
  return report;
}

std::string stability_markdown(const StabilityReport& report) {
  const std::size_t n = report.sources.size();
  const std::string limit = fmt::format("{:g}%", report.options.cv_limit * 100);
  std::string out = fmt::format(
      "Stability over {} runs ({} time). Per benchmark: the median of each run's repetitions, and the coefficient "
      "of variation (sample stddev / mean) of those {} run medians against the < {} criterion.\n\n",
      n, to_string(report.options.measure), n, limit);
  std::vector<std::string> header{"benchmark"};
  for (std::size_t i = 0; i < n; ++i) header.push_back(fmt::format("run {}", i + 1));
  header.insert(header.end(), {"median", "CV of medians", "< " + limit});
  io::TextTable table(header);
  for (const auto& b : report.benchmarks) {
    std::vector<std::string> row{b.name};
    for (const auto& m : b.run_medians) row.push_back(m ? format_duration_ns(*m) : "-");
    row.push_back(b.median_of_medians ? format_duration_ns(*b.median_of_medians) : "-");
    row.push_back(b.cv ? percent_text(*b.cv) : "-");
    row.emplace_back(to_string(b.status));
    table.add(std::move(row));
  }
  out += table.render_markdown();
  out += fmt::format("\n{} of {} benchmarks pass, {} fail, {} incomplete (not measured in every run).\n\nRuns:\n",
                     report.count(StabilityStatus::pass), report.benchmarks.size(),
                     report.count(StabilityStatus::fail), report.count(StabilityStatus::incomplete));
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{}. {}\n", i + 1, report.sources[i]);
  return out;
}

std::string stability_json(const StabilityReport& report) {
  json j;
  j["schema"] = kStabilitySchema;
  j["version"] = kStabilityVersion;
  j["runs"] = report.sources;
  j["time"] = std::string(to_string(report.options.measure));
  j["unit"] = "ns";
  j["cv_limit"] = report.options.cv_limit;
  json rows = json::array();
  for (const auto& b : report.benchmarks) {
    json medians = json::array();
    for (const auto& m : b.run_medians) medians.push_back(m ? json(*m) : json(nullptr));
    rows.push_back({{"name", b.name},
                    {"run_medians", medians},
                    {"repetitions", b.repetitions},
                    {"median_of_medians", b.median_of_medians ? json(*b.median_of_medians) : json(nullptr)},
                    {"min", b.min ? json(*b.min) : json(nullptr)},
                    {"max", b.max ? json(*b.max) : json(nullptr)},
                    {"cv", b.cv ? json(*b.cv) : json(nullptr)},
                    {"status", b.status == StabilityStatus::pass   ? "pass"
                               : b.status == StabilityStatus::fail ? "fail"
                                                                   : "incomplete"}});
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
  for (const auto& b : root.at("benchmarks").elements()) {
    BenchmarkStability s;
    s.name = b.at("name").string();
    const io::JsonValue medians = b.at("run_medians");
    for (const auto& m : medians.elements()) {
      s.run_medians.push_back(m.is_null() ? std::nullopt : std::optional<double>(m.non_negative()));
    }
    const io::JsonValue reps = b.at("repetitions");
    for (const auto& r : reps.elements()) s.repetitions.push_back(r.count());
    if (s.run_medians.size() != report.sources.size()) {
      medians.fail(fmt::format("{} run medians for {} runs", s.run_medians.size(), report.sources.size()));
    }
    if (s.repetitions.size() != report.sources.size()) {
      reps.fail(fmt::format("{} repetition counts for {} runs", s.repetitions.size(), report.sources.size()));
    }
    // Times and their spread: none of them can be negative.
    const auto optional_non_negative = [&](std::string_view key) -> std::optional<double> {
      if (const auto v = b.find(key)) return v->non_negative();
      return std::nullopt;
    };
    s.median_of_medians = optional_non_negative("median_of_medians");
    s.min = optional_non_negative("min");
    s.max = optional_non_negative("max");
    s.cv = optional_non_negative("cv");
    const io::JsonValue status = b.at("status");
    const std::string name = status.string();
    if (name == "pass") s.status = StabilityStatus::pass;
    else if (name == "fail") s.status = StabilityStatus::fail;
    else if (name == "incomplete") s.status = StabilityStatus::incomplete;
    else status.fail(fmt::format("unknown status \"{}\" (expected pass, fail or incomplete)", name));
    report.benchmarks.push_back(std::move(s));
  }
  return report;
}

std::string stability_gnuplot_commands(const StabilityReport& report) {
  const double limit = report.options.cv_limit * 100;
  const std::size_t count = report.benchmarks.size();
  std::string cv_data, run_data, tics, empty_tics;
  double highest_cv = limit;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& b = report.benchmarks[i];
    if (b.cv) {
      const char* color = b.status == StabilityStatus::pass ? "0x2ca02c" : b.status == StabilityStatus::fail ? "0xd62728"
                                                                                                           : "0x999999";
      cv_data += fmt::format("{} {:.6g} {}\n", i, *b.cv * 100, std::stoul(color, nullptr, 16));
      highest_cv = std::max(highest_cv, *b.cv * 100);
    }
    for (std::size_t r = 0; r < b.run_medians.size(); ++r) {
      if (b.run_medians[r] && b.median_of_medians) {
        run_data += fmt::format("{} {:.6g} {}\n", i, (*b.run_medians[r] / *b.median_of_medians - 1) * 100, r + 1);
      }
    }
    tics += fmt::format("{}{} {}", i ? ", " : "", io::gnuplot_quote(b.name), i);
    empty_tics += fmt::format("{}'' {}", i ? ", " : "", i);
  }
  std::string g;
  // Data blocks keep the plot one self-contained script.
  g += "$cv << EOD\n" + cv_data + "EOD\n";
  g += "$runs << EOD\n" + run_data + "EOD\n";
  g += fmt::format("set multiplot title {}\n",
                   io::gnuplot_quote(fmt::format("Stability over {} runs ({} time): {} of {} benchmarks below {:g}%",
                                             report.sources.size(), to_string(report.options.measure),
                                             report.count(StabilityStatus::pass), count, limit)));
  g += "set lmargin 28\nset rmargin 4\nset grid ytics\n";
  g += fmt::format("set xrange [-0.6:{}]\n", static_cast<double>(count) - 0.4);
  // Top panel: CV of the run medians against the limit.
  g += "set size 1,0.42\nset origin 0,0.54\nset tmargin 4\nset bmargin 1\n";
  g += fmt::format("set xtics ({})\n", empty_tics);
  g += fmt::format("set yrange [0:{:.3g}]\n", highest_cv * 1.15);
  g += "set ylabel 'CV of run medians (%)'\nset key outside top center horizontal\n";
  g += "set style fill solid 0.8 border -1\nset boxwidth 0.7\n";
  g += fmt::format(
      "plot {} using 1:2:3 with boxes lc rgb variable title 'CV (green pass, red fail, grey incomplete)', "
      "{:g} with lines dt 2 lw 2 lc rgb 'black' title {}\n",
      cv_data.empty() ? "'+' using (0):(1/0):(0)" : "$cv", limit, io::gnuplot_quote(fmt::format("limit {:g}%", limit)));
  // Bottom panel: every run's median around the benchmark's median of medians.
  g += "set size 1,0.56\nset origin 0,0\nset tmargin 2.5\nset bmargin 17\n";
  g += fmt::format("set xtics ({}) rotate by 50 right font ',9'\n", tics);
  g += "set autoscale y\nset ylabel 'run median vs median of medians (%)'\n";
  g += fmt::format("plot {} using 1:2 with points pt 7 ps 0.9 lc rgb '#1f77b4' title 'one run', "
                   "0 with lines lc rgb 'black' notitle\n",
                   run_data.empty() ? "'+' using (0):(1/0)" : "$runs");
  g += "unset multiplot\n";
  return g;
}

void draw_stability_plot(const StabilityReport& report, const std::filesystem::path& svg,
                         const std::filesystem::path& png, io::OutputSet& outputs, const std::string& gnuplot) {
  const std::string commands = stability_gnuplot_commands(report);
  const io::PlotSize size{std::max(900, 140 + 55 * static_cast<int>(report.benchmarks.size())), 820};
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
