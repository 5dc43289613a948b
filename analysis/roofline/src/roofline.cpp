// The roofline figures of each benchmark variant (rules in roofline.hpp).
#include "engram/roofline/roofline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engram/benchstats/statistics.hpp"
#include "engram/io/errors.hpp"
#include "engram/io/format.hpp"
#include "engram/workload_manifest.hpp"

namespace engram::roofline {
namespace {

std::string peak_for(const std::string& variant, const std::string& simd_level, const RooflineOptions& options,
                     const MachineCeilings& ceilings) {
  auto best = [&] {
    std::string name;
    double gflops = -1;
    for (const auto& [simd, g] : ceilings.peak_gflops) {
      if (g > gflops) {
        gflops = g;
        name = simd;
      }
    }
    return name;
  };
  if (!options.peak_simd.empty()) {
    if (ceilings.peak_gflops.count(options.peak_simd) == 0) {
      throw std::invalid_argument(fmt::format("{} has no peak for '{}'", ceilings.source, options.peak_simd));
    }
    return options.peak_simd;
  }
  std::string wanted = variant == "reference" ? "scalar" : simd_level == "baseline" ? "scalar" : simd_level;
  return ceilings.peak_gflops.count(wanted) != 0 ? wanted : best();
}

const std::optional<LevelBandwidth>& figure_of(const MemoryCeiling& m, bool gather) {
  return gather ? m.gather : m.stream;
}

// The level a working set lives in by the plateaus: the one that holds it,
// else the two it lies between (or the one it is below or beyond).
std::string level_name_at(const std::vector<MemoryCeiling>& levels, bool gather, double working_set) {
  const MemoryCeiling* below = nullptr;
  const MemoryCeiling* above = nullptr;
  for (const MemoryCeiling& m : levels) {
    const auto& f = figure_of(m, gather);
    if (!f) continue;
    if (working_set >= static_cast<double>(f->from_bytes) && working_set <= static_cast<double>(f->to_bytes)) {
      return m.level;
    }
    if (static_cast<double>(f->to_bytes) < working_set) below = &m;
    if (above == nullptr && static_cast<double>(f->from_bytes) > working_set) above = &m;
  }
  if (below && above) return below->level + ".." + above->level;
  if (below) return below->level;
  return above ? above->level : std::string("?");
}

}  // namespace

namespace {

// The sweep read at `working_set` bytes (see bandwidth_at), in words.
MeasuredBandwidth read_sweep(const std::vector<ceilings::SweepPoint>& sweep, double working_set) {
  MeasuredBandwidth out;
  const std::string ws = io::bytes(working_set);
  const ceilings::SweepPoint& first = sweep.front();
  const ceilings::SweepPoint& last = sweep.back();
  if (working_set <= static_cast<double>(first.bytes)) {
    out.gbps = first.gbps;
    out.rule = fmt::format("working set {} at or below the sweep's first point ({}): its {:.3g} GB/s", ws,
                           io::bytes(static_cast<double>(first.bytes)), first.gbps);
    return out;
  }
  if (working_set >= static_cast<double>(last.bytes)) {
    out.gbps = last.gbps;
    out.rule = fmt::format("working set {} at or beyond the sweep's last point ({}): its {:.3g} GB/s", ws,
                           io::bytes(static_cast<double>(last.bytes)), last.gbps);
    return out;
  }
  for (std::size_t i = 1; i < sweep.size(); ++i) {
    const ceilings::SweepPoint& a = sweep[i - 1];
    const ceilings::SweepPoint& b = sweep[i];
    if (working_set > static_cast<double>(b.bytes)) continue;
    // Linear in log(size) and log(bandwidth): the sweep's sizes are
    // geometric, and bandwidth falls off a cache edge over a factor of size.
    const double t = std::log(working_set / static_cast<double>(a.bytes)) /
                     std::log(static_cast<double>(b.bytes) / static_cast<double>(a.bytes));
    out.gbps = std::exp(std::log(a.gbps) + t * (std::log(b.gbps) - std::log(a.gbps)));
    out.rule = fmt::format("working set {}: {:.3g} GB/s, read off the sweep between its points at {} ({:.3g} GB/s) "
                           "and {} ({:.3g} GB/s)",
                           ws, out.gbps, io::bytes(static_cast<double>(a.bytes)), a.gbps,
                           io::bytes(static_cast<double>(b.bytes)), b.gbps);
    return out;
  }
  throw std::logic_error("bandwidth_at: unreachable");
}

}  // namespace

MeasuredBandwidth bandwidth_at(const std::vector<ceilings::SweepPoint>& sweep, const std::vector<MemoryCeiling>& levels,
                               bool gather, double working_set) {
  if (sweep.empty()) throw std::invalid_argument("bandwidth_at: empty sweep");
  MeasuredBandwidth out = read_sweep(sweep, working_set);
  out.level = level_name_at(levels, gather, working_set);
  // Inside a plateau the roof is the larger of the plateau's median and the
  // sweep read here: one slow point of a flat plateau must not lower the
  // level's roof, and a plateau that slopes (the gather sweep's do) must not
  // hide the faster figure the sweep measured at this size. Either is a
  // bandwidth the machine delivered at this working set.
  for (const MemoryCeiling& m : levels) {
    const auto& f = figure_of(m, gather);
    if (m.level == out.level && f && f->gbps > out.gbps) {
      out.rule = fmt::format("working set {} inside the {} plateau ({} to {}): its median {:.3g} GB/s (the sweep "
                             "read at this size: {:.3g})",
                             io::bytes(working_set), m.level, io::bytes(static_cast<double>(f->from_bytes)),
                             io::bytes(static_cast<double>(f->to_bytes)), f->gbps, out.gbps);
      out.gbps = f->gbps;
    }
  }
  return out;
}

RooflineResult compute_roofline(const MachineCeilings& ceilings, const benchstats::BenchmarkFile& benchmarks,
                                const RooflineOptions& options) {
  if (ceilings.peak_gflops.empty()) throw std::invalid_argument(fmt::format("{}: no compute peak", ceilings.source));
  if (ceilings.stream_sweep.empty()) {
    throw std::invalid_argument(fmt::format("{}: no {} sweep", ceilings.source, ceilings.bandwidth_kernel));
  }
  RooflineResult result;
  result.ceilings = ceilings;
  result.benchmarks_source = benchmarks.source;
  result.time = options.time;
  result.peak_rule = options.peak_simd.empty()
                         ? "reference variants (plain scalar C++) are held to the scalar peak, the others to the "
                           "peak of the SIMD level the benchmark ran at"
                         : fmt::format("every variant is held to the {} peak (chosen on the command line)",
                                       options.peak_simd);
  if (const auto it = benchmarks.context.find("engram.simd_level"); it != benchmarks.context.end()) {
    result.simd_level = it->second;
  }
  const auto manifest_text = benchmarks.context.find("engram.workload");
  if (manifest_text == benchmarks.context.end()) {
    throw io::InputError(benchmarks.source, 0,
                         "context: no \"engram.workload\" manifest, so nothing says what each benchmark does per "
                         "iteration (write the file with build/bench/baseline of this version)");
  }
  const bench::WorkloadManifest manifest =
      bench::workload_manifest_from_json(manifest_text->second, benchmarks.source + ": context/engram.workload");

  for (const benchstats::BenchmarkSamples& b : benchmarks.benchmarks) {
    if (!b.error_message.empty()) {
      result.skipped.push_back(fmt::format("{}: the benchmark reported an error: {}", b.name, b.error_message));
      continue;
    }
    // A file without repetitions (--benchmark_report_aggregates_only): Google
    // Benchmark's median stands for them. Without either, say what is missing.
    const std::optional<double> aggregate_median =
        b.repetitions() == 0 ? b.aggregate_median_ns(options.time) : std::nullopt;
    if (b.repetitions() == 0 && !aggregate_median) {
      result.skipped.push_back(fmt::format("{}: {}", b.name, b.unusable_reason()));
      continue;
    }
    const bench::WorkloadEntry* w = manifest.find(b.name);
    if (w == nullptr) {
      result.skipped.push_back(fmt::format("{}: no entry in the workload manifest, so no work to place it by", b.name));
      continue;
    }
    RooflinePoint p;
    p.name = b.name;
    p.kernel = w->kernel;
    p.variant = w->variant;
    p.access = w->access;
    p.work_measured_on = w->work_measured_on;
    p.passes = w->passes;
    p.working_set_bytes = w->working_set_bytes;
    p.flops_per_iteration = w->flops_per_iteration;
    p.bytes_per_iteration = w->bytes_read_per_iteration + w->bytes_written_per_iteration;
    if (!(p.flops_per_iteration > 0) || !(p.bytes_per_iteration > 0)) {
      result.skipped.push_back(
          fmt::format("{}: the workload manifest gives {} FLOPs and {} bytes per iteration: no intensity to place",
                      b.name, p.flops_per_iteration, p.bytes_per_iteration));
      continue;
    }
    if (!(p.working_set_bytes > 0)) {
      result.skipped.push_back(fmt::format("{}: the workload manifest gives no working set", b.name));
      continue;
    }
    p.repetitions = b.repetitions();
    p.seconds_per_iteration = (aggregate_median ? *aggregate_median : benchstats::median(b.times(options.time))) * 1e-9;
    if (!(p.seconds_per_iteration > 0)) {
      throw io::InputError(benchmarks.source, 0,
                           fmt::format("benchmark \"{}\": its {} time is 0", b.name, to_string(options.time)));
    }

    p.intensity = p.flops_per_iteration / p.bytes_per_iteration;
    p.gflops = p.flops_per_iteration / p.seconds_per_iteration / 1e9;
    p.gbps = p.bytes_per_iteration / p.seconds_per_iteration / 1e9;
    p.peak_simd = peak_for(p.variant, result.simd_level, options, ceilings);
    p.peak_gflops = ceilings.peak_gflops.at(p.peak_simd);

    // A gather kernel's bytes come one random element at a time: its roof is
    // the gather sweep's, when the ceilings measured one.
    const bool gather = p.access == "gather" && !ceilings.gather_sweep.empty();
    const std::string sweep_name = gather ? std::string("gather") : ceilings.bandwidth_kernel;
    for (const MemoryCeiling& m : ceilings.levels) {
      const auto& f = figure_of(m, gather);
      if (!f) continue;
      p.roofs.push_back({m.level, f->gbps, std::min(p.peak_gflops, p.intensity * f->gbps),
                         p.intensity * f->gbps < p.peak_gflops});
    }
    const MeasuredBandwidth at =
        bandwidth_at(gather ? ceilings.gather_sweep : ceilings.stream_sweep, ceilings.levels, gather, p.working_set_bytes);
    p.level = at.level;
    p.level_rule = fmt::format("{} sweep: {}", sweep_name, at.rule);
    if (p.access == "gather" && !gather) {
      p.level_rule += " (a gather kernel, but the ceilings have no gather sweep: the streaming roof is optimistic)";
    }
    p.bandwidth_gbps = at.gbps;
    p.attainable_gflops = std::min(p.peak_gflops, p.intensity * at.gbps);
    p.fraction_of_roof = p.gflops / p.attainable_gflops;
    p.bound = p.intensity * at.gbps < p.peak_gflops ? fmt::format("{} bandwidth ({})", p.level, sweep_name)
                                                     : fmt::format("compute ({} peak)", p.peak_simd);
    if (p.fraction_of_roof > kAtRoofTolerance) {
      // No code beats its roof: either the work counted is not the work
      // done, or the data sit in a faster level than the working set says.
      p.note = fmt::format(
          "{:.0f}% of its roof: it moved {:.3g} GB/s where the {} sweep measured {:.3g} GB/s at its {} working set; "
          "either the manifest's work ({}) is not what this variant does, or its data stay in a faster level than "
          "that working set implies",
          100.0 * p.fraction_of_roof, p.gbps, sweep_name, at.gbps, io::bytes(p.working_set_bytes),
          p.work_measured_on == p.variant ? "measured on this variant" : "measured on " + p.work_measured_on);
    }
    result.points.push_back(std::move(p));
  }
  // In the manifest's order (the suite's: kernel by kernel, reference
  // first), not the run's, which random interleaving shuffles.
  auto rank = [&](const RooflinePoint& p) {
    return static_cast<std::size_t>(manifest.find(p.name) - manifest.benchmarks.data());
  };
  std::stable_sort(result.points.begin(), result.points.end(),
                   [&](const RooflinePoint& a, const RooflinePoint& b) { return rank(a) < rank(b); });
  return result;
}

std::vector<std::pair<std::string, std::string>> roofline_rules(const RooflineResult& r) {
  return {
      {"work", "FLOPs, bytes read and written per iteration, the working set and the access pattern come from the "
               "workload manifest of the benchmark run (context engram.workload): the kernels' work counters around "
               "one call, so what the variant did, not a worst case"},
      {"time", fmt::format("median of the repetitions, {} time", to_string(r.time))},
      {"bandwidth",
       fmt::format("the bandwidth the ceilings' sweep measured at the working set, interpolated linearly in log size "
                   "and log bandwidth between the sweep's two points around it (the first or last point outside the "
                   "sweep): the {} sweep for streaming kernels, the gather sweep (random 4-byte loads) for kernels "
                   "whose manifest says access \"gather\"",
                   r.ceilings.bandwidth_kernel)},
      {"level", "the level whose plateau in that sweep holds the working set; inside a plateau the bandwidth is the "
                "larger of the plateau's median and the sweep read at that size (one slow point must not lower a "
                "level's roof, a sloping gather plateau must not hide a faster reading); between two plateaus both "
                "are named (L3..DRAM) and the bandwidth is the transition the sweep measured there"},
      {"roof", "min(peak, arithmetic intensity x that bandwidth)"},
      {"peak", r.peak_rule},
  };
}

}  // namespace engram::roofline
