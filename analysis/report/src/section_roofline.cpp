// Roofline (table and plot), stability (table and plot) and the
// optimization candidates ranked from the profile and the roofline.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "candidates.hpp"
#include "engram/roofline/roofline.hpp"
#include "engram/io/format.hpp"
#include "sections.hpp"

namespace engram::report {

namespace {

std::string dir_of(const LoadedInputs& in) { return io::display_path(in.paths.hotspots.parent_path()); }

std::string ci_free_gflops(double v) { return io::significant(v); }

}  // namespace

void add_roofline_section(Document& doc, const LoadedInputs& in) {
  doc.add(Heading{2, "Roofline", "roofline"});
  if (!in.roofline) {
    add_missing(doc, Text("The roofline (--roofline roofline.json)"),
                input_commands(dir_of(in)).ceilings + "\n" + input_commands(dir_of(in)).roofline);
    return;
  }
  const roofline::RooflineResult& r = *in.roofline;
  const roofline::MachineCeilings& c = r.ceilings;
  Text intro;
  intro << "From " << code(io::display_path(in.paths.roofline));
  if (!r.benchmarks_source.empty()) intro << " (benchmarks " << code(r.benchmarks_source);
  if (!r.simd_level.empty()) intro << ", SIMD level " << code(r.simd_level);
  if (!r.benchmarks_source.empty()) intro << ", " << std::string(to_string(r.time)) << " time)";
  intro << ". Ceilings";
  if (!c.cpu_model.empty()) intro << " of " << c.cpu_model;
  intro << ": compute peaks ";
  std::vector<std::string> peaks;
  for (const auto& [simd, gflops] : c.peak_gflops) peaks.push_back(fmt::format("{} {} GFLOP/s", simd, io::significant(gflops)));
  intro << (peaks.empty() ? std::string("none") : fmt::format("{}", fmt::join(peaks, ", ")));
  std::vector<std::string> stream, gather;
  for (const auto& l : c.levels) {
    if (l.stream) stream.push_back(fmt::format("{} {} GB/s", l.level, io::significant(l.stream->gbps)));
    if (l.gather) gather.push_back(fmt::format("{} {} GB/s", l.level, io::significant(l.gather->gbps)));
  }
  intro << "; " << c.bandwidth_kernel << " bandwidth "
        << (stream.empty() ? std::string("none") : fmt::format("{}", fmt::join(stream, ", ")));
  intro << "; gather bandwidth " << (gather.empty() ? std::string("not measured") : fmt::format("{}", fmt::join(gather, ", ")))
        << ".";
  doc.add(Paragraph{intro});
  BulletList rules;
  for (const auto& [name, text] : roofline::roofline_rules(r)) rules.items.push_back(Text() << strong(name + ":") << " " << text);
  doc.add(std::move(rules));

  Table t;
  t.header = {"Benchmark", "Access", "AI (FLOP/B)", "GFLOP/s", "GB/s", "Working set", "Level", "Roof GB/s",
              "Roof GFLOP/s", "% of roof", "Bound"};
  t.align = {Align::left,  Align::left,  Align::right, Align::right, Align::right, Align::right,
             Align::left,  Align::right, Align::right, Align::right, Align::left};
  for (const auto& p : r.points) {
    t.rows.push_back({Text() << code(p.name), Text(p.access), Text(io::significant(p.intensity)),
                      Text(ci_free_gflops(p.gflops)), Text(io::significant(p.gbps)), Text(io::bytes(p.working_set_bytes)),
                      Text(p.level), Text(io::significant(p.bandwidth_gbps)), Text(io::significant(p.attainable_gflops)),
                      Text(io::percent(p.fraction_of_roof)), Text(p.bound)});
  }
  doc.add(std::move(t));
  BulletList notes;
  for (const auto& p : r.points) {
    if (!p.note.empty()) notes.items.push_back(Text() << code(p.name) << ": " << p.note);
    if (p.fraction_of_roof > roofline::kAtRoofTolerance && p.note.empty()) {
      notes.items.push_back(Text() << code(p.name) << ": above its roof ("
                                   << io::percent(p.fraction_of_roof)
                                   << "): the work model or the level chosen does not describe what this kernel does.");
    } else if (p.fraction_of_roof > 1.0 && p.fraction_of_roof <= roofline::kAtRoofTolerance) {
      notes.items.push_back(Text() << code(p.name) << ": at its roof (" << io::percent(p.fraction_of_roof)
                                   << ", within the few percent that ceilings and timings vary between runs).");
    }
  }
  for (const auto& s : r.skipped) notes.items.push_back(Text("Left out: " + s));
  if (!notes.items.empty()) doc.add(std::move(notes));

  if (in.roofline_svg) {
    doc.add(Image{"Roofline plot: the ceilings and one dot per benchmark variant", in.paths.roofline_plot,
                  *in.roofline_svg, false, 0});
  } else {
    add_missing(doc, Text("The roofline plot (--roofline-plot roofline.svg)"), input_commands(dir_of(in)).roofline);
  }
}

void add_stability_section(Document& doc, const LoadedInputs& in) {
  doc.add(Heading{2, "Stability", "stability"});
  if (!in.stability) {
    const std::string command = input_commands(dir_of(in)).stability;
    if (in.paths.quick) {
      add_missing(doc,
                  Text("The stability run was skipped: this was a --quick run (scripts/profile_hotspots.sh --quick). "
                       "The full run (without --quick) includes it"),
                  command);
    } else {
      add_missing(doc, Text("The stability results (--stability stability.json)"), command);
    }
    return;
  }
  const benchstats::StabilityReport& s = *in.stability;
  const std::size_t pass = s.count(benchstats::StabilityStatus::pass);
  const std::size_t fail = s.count(benchstats::StabilityStatus::fail);
  const std::size_t incomplete = s.count(benchstats::StabilityStatus::incomplete);
  const std::string est_name(benchstats::to_string(s.options.estimator.estimator));
  Text intro;
  intro << "From " << code(io::display_path(in.paths.stability)) << ": the benchmark suite run "
        << std::to_string(s.sources.size()) << " consecutive times; per benchmark the " << est_name
        << " of each run's undisturbed repetitions, and the coefficient of variation (sample standard deviation / "
           "mean) of those run estimates against the seed's criterion "
        << strong("CV < " + io::percent(s.options.cv_limit)) << ". "
        << strong(fmt::format("{} of {} pass", pass, s.benchmarks.size()))
        << fmt::format(", {} fail, {} incomplete (not measured in every run). ", fail, incomplete)
        << strong("Estimator: " + est_name) << " (" << without_final_period(s.options.estimator.reason) << ").";
  doc.add(Paragraph{intro});
  Text noise;
  noise << "The noise each benchmark's repetitions saw, over all runs (re-runs included): Disturbed counts the "
           "repetitions the run marked disturbed (set aside from the estimates; a run where every repetition was "
           "disturbed is estimated from them all, and named); Steal and Run delay are the largest share of one "
           "repetition's wall time the hypervisor took or the thread spent waiting for a CPU (— where the run "
           "could not measure it). Why: the reason a benchmark fails or is incomplete, from that noise.";
  doc.add(Paragraph{noise});
  Table t;
  t.header = {"Benchmark", "Runs", "Median of run estimates", "Min", "Max", "CV", "Disturbed", "Steal",
              "Run delay", "Result", "Why"};
  t.align = {Align::left,  Align::right, Align::right, Align::right, Align::right, Align::right,
             Align::right, Align::right, Align::right, Align::left,  Align::left};
  std::vector<benchstats::BenchmarkStability> rows = s.benchmarks;
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& row : rows) {
    const double ref = row.median_of_estimates.value_or(row.max.value_or(1));
    auto show = [&](std::optional<double> v) { return v ? io::duration_in_unit_of(*v, ref) : std::string("—"); };
    auto share = [](std::optional<double> v) { return v ? io::percent(*v) : std::string("—"); };
    const auto measured =
        std::count_if(row.run_estimates.begin(), row.run_estimates.end(), [](const auto& m) { return m.has_value(); });
    std::string disturbed = fmt::format("{} of {}", row.noise.disturbed, row.noise.repetitions);
    if (row.noise.reruns > 0) disturbed += fmt::format(" ({} re-run)", row.noise.reruns);
    std::vector<std::string> all_runs;
    for (std::size_t i = 0; i < row.all_disturbed.size(); ++i) {
      if (row.all_disturbed[i]) all_runs.push_back(std::to_string(i + 1));
    }
    if (!all_runs.empty()) {
      disturbed += fmt::format("; all in run{} {}", all_runs.size() == 1 ? "" : "s", fmt::join(all_runs, ", "));
    }
    const bool passed = row.status == benchstats::StabilityStatus::pass;
    t.rows.push_back({Text() << code(row.name), Text(fmt::format("{}/{}", measured, row.run_estimates.size())),
                      Text(show(row.median_of_estimates)), Text(show(row.min)), Text(show(row.max)),
                      Text(row.cv ? io::percent(*row.cv) : std::string("—")), Text(disturbed),
                      Text(share(row.noise.steal_max_fraction)), Text(share(row.noise.run_delay_max_fraction)),
                      Text(std::string(benchstats::to_string(row.status))),
                      Text(passed || row.reason.empty() ? std::string("—") : row.reason)});
  }
  doc.add(std::move(t));
  if (in.stability_svg) {
    doc.add(Image{"Stability plot: CV of the run estimates per benchmark against the limit, and the noise seen",
                  in.paths.stability_plot,
                  *in.stability_svg, false, 0});
  }
}

void add_candidates_section(Document& doc, const LoadedInputs& in) {
  doc.add(Heading{2, "Optimization candidates", "optimization-candidates"});
  Text definition;
  definition << "Priority = " << strong("share of time × distance to the roof") << ", where share of time = the "
             << "kernel family's share of the profile's samples (Flame graph analysis), and distance to the roof = "
             << "1 − min(1, achieved GFLOP/s ÷ attainable roof) of the benchmark (Roofline). If the kernel reached "
             << "its roof its time would shrink by that fraction, so the priority is the share of the whole profiled "
             << "run that reaching the roof would save, assuming the family's time in the profile scales like the "
             << "benchmark's. Highest first. Benchmarks of one family share its share of time: read them as "
             << "alternative estimates for that family, not as parts to add up.";
  doc.add(Paragraph{definition});
  if (!in.roofline) {
    add_missing(doc, Text("The distance to the roof needs the roofline (--roofline)"),
                input_commands(dir_of(in)).roofline);
    Table t;
    t.header = {"Family", "Share of the profile"};
    t.align = {Align::left, Align::right};
    std::vector<profile::FamilyShare> families = in.hotspots.hotspots.families;
    std::stable_sort(families.begin(), families.end(), [](const auto& a, const auto& b) { return a.percent > b.percent; });
    for (const auto& f : families) {
      if (f.family != profile::kOtherFamily) t.rows.push_back({Text(f.family), Text(io::percent_value(f.percent))});
    }
    doc.add(Paragraph{Text("Until then, the kernel families by share of the profile alone (not a priority):")});
    doc.add(std::move(t));
    return;
  }
  const CandidateRanking ranking = rank_candidates(in.hotspots, *in.roofline, in.workload ? &*in.workload : nullptr);
  doc.add(Paragraph{Text("Which benchmarks are ranked: " + ranking.variant_rule +
                         "; peers (OpenBLAS, Eigen, SLEEF) are references, not candidates.")});
  if (ranking.ranked.empty()) {
    doc.add(Paragraph{Text("No roofline point belongs to a profiled kernel family, so nothing can be ranked.")});
  } else {
    Table t;
    t.header = {"#", "Benchmark", "Family", "Share of time", "% of roof", "Distance", "Priority", "Bound", "Direction"};
    t.align = {Align::right, Align::left, Align::left, Align::right, Align::right, Align::right, Align::right,
               Align::left, Align::left};
    std::size_t rank = 0;
    for (const auto& c : ranking.ranked) {
      std::string direction;
      if (c.fraction_of_roof > 1.0) {
        direction = c.note;
      } else if (c.bound.find("compute") != std::string::npos) {
        direction = "compute-bound: more useful FLOPs per cycle (wider SIMD, FMA, fewer dependent chains)";
      } else {
        direction = fmt::format("memory-bound at {}: fewer bytes per FLOP (layout, fusion, blocking) or a working "
                                "set that fits a faster level",
                                c.level);
      }
      t.rows.push_back({Text(std::to_string(++rank)), Text() << code(c.benchmark), Text(c.family), Text(io::percent(c.share)),
                        Text(io::percent(c.fraction_of_roof)), Text(io::significant(c.distance)), Text(io::percent(c.priority)),
                        Text(c.bound), Text(direction)});
    }
    doc.add(std::move(t));
  }
  const auto& shares = in.hotspots.hotspots.families;
  const auto other = std::find_if(shares.begin(), shares.end(),
                                  [](const profile::FamilyShare& f) { return f.family == profile::kOtherFamily; });
  if (other != shares.end()) {
    doc.add(Paragraph{Text("Outside the kernel families: " + io::percent_value(other->percent) +
                           " of the profile's samples, not charged to any kernel; the top-10 tables above show "
                           "which functions they fall in.")});
  }
  if (!ranking.left_out.empty()) {
    BulletList left;
    for (const auto& l : ranking.left_out) left.items.push_back(Text("Not ranked: " + l));
    doc.add(std::move(left));
  }
}

}  // namespace engram::report
