// The roofline figures of each benchmark variant (rules in roofline.hpp).
#include "engram/roofline/roofline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engram/io/errors.hpp"
#include "engram/benchstats/statistics.hpp"
#include "engram/io/format.hpp"

namespace engram::roofline {
namespace {

// Google Benchmark divides rate counters (kIsRate, SetBytesProcessed,
// SetItemsProcessed) by the CPU time unless a benchmark asks for real time,
// which the baseline does not: a counter's value times the CPU time is the
// amount per iteration.
std::vector<double> per_iteration(const benchstats::BenchmarkSamples& b, const std::vector<double>& rates) {
  std::vector<double> amounts;
  for (std::size_t i = 0; i < rates.size() && i < b.cpu_ns.size(); ++i) amounts.push_back(rates[i] * b.cpu_ns[i] * 1e-9);
  return amounts;
}

const std::vector<double>* counter(const benchstats::BenchmarkSamples& b, const char* name) {
  const auto it = b.counters.find(name);
  return it == b.counters.end() || it->second.empty() ? nullptr : &it->second;
}

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

struct LevelChoice {
  std::size_t index;
  std::string rule;
};

LevelChoice choose_level(const MachineCeilings& c, double working_set) {
  std::size_t home = c.levels.size() - 1;  // DRAM
  std::string rule;
  for (std::size_t i = 0; i + 1 < c.levels.size(); ++i) {
    const MemoryCeiling& m = c.levels[i];
    if (m.plateau_to) {
      if (working_set <= static_cast<double>(*m.plateau_to)) {
        home = i;
        rule = fmt::format("working set {} within the {} plateau of the sweep (up to {})", io::bytes(working_set),
                           m.level, io::bytes(static_cast<double>(*m.plateau_to)));
        break;
      }
    } else if (m.size && working_set <= static_cast<double>(*m.size)) {
      home = i;
      rule = fmt::format("working set {} fits {} ({}{}; no plateau in the sweep)", io::bytes(working_set), m.level,
                         io::bytes(static_cast<double>(*m.size)), m.size_source.empty() ? "" : ", " + m.size_source);
      break;
    }
  }
  if (rule.empty()) {
    const MemoryCeiling& last_cache = c.levels[c.levels.size() - 2];
    const std::optional<std::uint64_t> reach = last_cache.plateau_to ? last_cache.plateau_to : last_cache.size;
    rule = fmt::format("working set {} beyond the {} {} ({})", io::bytes(working_set), last_cache.level,
                       last_cache.plateau_to ? "plateau" : "size",
                       reach ? io::bytes(static_cast<double>(*reach)) : "unknown");
  }
  if (c.levels[home].gbps) return {home, rule};
  for (std::size_t i = home + 1; i < c.levels.size(); ++i) {
    if (c.levels[i].gbps) {
      return {i, fmt::format("{}; {} has no measured bandwidth, so {}'s applies", rule, c.levels[home].level,
                             c.levels[i].level)};
    }
  }
  for (std::size_t i = home; i-- > 0;) {
    if (c.levels[i].gbps) {
      return {i, fmt::format("{}; no bandwidth measured at {} or beyond, so {}'s applies (optimistic)", rule,
                             c.levels[home].level, c.levels[i].level)};
    }
  }
  throw std::invalid_argument(fmt::format("{}: no level has a measured bandwidth", c.source));
}

}  // namespace

double default_passes(std::string_view kernel) {
  // Anywhere in the name: counter_overhead/spreading_activation_1000 runs the same kernel.
  return kernel.find("spreading_activation") != std::string_view::npos ? 100.0 : 1.0;
}

RooflineResult compute_roofline(const MachineCeilings& ceilings, const benchstats::BenchmarkFile& benchmarks,
                                const RooflineOptions& options) {
  if (ceilings.peak_gflops.empty()) throw std::invalid_argument(fmt::format("{}: no compute peak", ceilings.source));
  if (ceilings.levels.size() != 4) {
    throw std::invalid_argument(fmt::format("{}: expected the levels L1, L2, L3, DRAM", ceilings.source));
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
  for (const auto& [name, value] : options.passes) {
    if (!(value >= 1.0) || !std::isfinite(value)) {
      throw std::invalid_argument(fmt::format("passes for '{}' must be at least 1, not {}", name, value));
    }
  }
  for (const auto& [name, value] : options.working_set) {
    if (!(value > 0.0) || !std::isfinite(value)) {
      throw std::invalid_argument(fmt::format("working set of '{}' must be positive, not {}", name, value));
    }
  }

  for (const benchstats::BenchmarkSamples& b : benchmarks.benchmarks) {
    if (!b.error_message.empty()) {
      result.skipped.push_back(fmt::format("{}: the benchmark reported an error: {}", b.name, b.error_message));
      continue;
    }
    const std::vector<double>* flop_rate = counter(b, "FLOP/s");
    if (flop_rate == nullptr) {
      result.skipped.push_back(fmt::format("{}: no FLOP/s counter, so no work model to place it", b.name));
      continue;
    }
    RooflinePoint p;
    p.name = b.name;
    const auto slash = b.name.rfind('/');
    p.kernel = slash == std::string::npos ? b.name : b.name.substr(0, slash);
    p.variant = slash == std::string::npos ? "" : b.name.substr(slash + 1);
    p.repetitions = b.repetitions();
    const auto fail = [&](const std::string& what) {
      throw io::InputError(benchmarks.source, 0, fmt::format("benchmark \"{}\": {}", b.name, what));
    };
    p.seconds_per_iteration = benchstats::median(b.times(options.time)) * 1e-9;
    if (!(p.seconds_per_iteration > 0)) fail(fmt::format("its {} time is 0", to_string(options.time)));

    p.flops_per_iteration = benchstats::median(per_iteration(b, *flop_rate));
    p.flops_source = "work model (FLOP/s counter)";
    if (!(p.flops_per_iteration > 0)) fail("its FLOP/s counter is not positive");
    if (const auto* model = counter(b, "bytes_per_second")) p.model_bytes_per_iteration = benchstats::median(per_iteration(b, *model));
    if (const auto* sde = counter(b, "sde_bytes/s")) p.sde_bytes_per_iteration = benchstats::median(per_iteration(b, *sde));
    if (p.sde_bytes_per_iteration && *p.sde_bytes_per_iteration > 0) {
      p.bytes_per_iteration = *p.sde_bytes_per_iteration;
      p.bytes_source = "SDE counts (sde_bytes/s)";
    } else if (p.model_bytes_per_iteration && *p.model_bytes_per_iteration > 0) {
      p.bytes_per_iteration = *p.model_bytes_per_iteration;
      p.bytes_source = "work model (bytes_per_second)";
    } else {
      result.skipped.push_back(fmt::format("{}: no positive bytes counter (sde_bytes/s or bytes_per_second)", b.name));
      continue;
    }

    if (const auto it = options.working_set.find(p.kernel); it != options.working_set.end()) {
      p.working_set_bytes = it->second;
      p.working_set_rule = "given on the command line";
    } else {
      const auto given = options.passes.find(p.kernel);
      p.passes = given != options.passes.end() ? given->second : default_passes(p.kernel);
      p.working_set_bytes = p.bytes_per_iteration / p.passes;
      p.working_set_rule = p.passes == 1.0 ? "bytes per iteration"
                                           : fmt::format("bytes per iteration / {:g} passes over the same data", p.passes);
    }

    p.intensity = p.flops_per_iteration / p.bytes_per_iteration;
    p.gflops = p.flops_per_iteration / p.seconds_per_iteration / 1e9;
    p.gbps = p.bytes_per_iteration / p.seconds_per_iteration / 1e9;
    p.peak_simd = peak_for(p.variant, result.simd_level, options, ceilings);
    p.peak_gflops = ceilings.peak_gflops.at(p.peak_simd);
    for (const MemoryCeiling& m : ceilings.levels) {
      if (!m.gbps) continue;
      LevelRoof roof;
      roof.level = m.level;
      roof.gbps = *m.gbps;
      roof.memory_bound = p.intensity * *m.gbps < p.peak_gflops;
      roof.roof_gflops = std::min(p.peak_gflops, p.intensity * *m.gbps);
      p.roofs.push_back(roof);
    }
    const LevelChoice choice = choose_level(ceilings, p.working_set_bytes);
    const MemoryCeiling& home = ceilings.levels[choice.index];
    p.level = home.level;
    p.level_rule = choice.rule;
    p.attainable_gflops = std::min(p.peak_gflops, p.intensity * *home.gbps);
    p.fraction_of_roof = p.gflops / p.attainable_gflops;
    p.bound = p.intensity * *home.gbps < p.peak_gflops ? fmt::format("{} bandwidth", home.level)
                                                        : fmt::format("compute ({} peak)", p.peak_simd);
    if (p.fraction_of_roof > kAtRoofTolerance) {
      // No code beats its roof: either the counted work is not the work done,
      // or the data sit in a faster level than the rule assumes.
      p.note = fmt::format(
          "{:.0f}% of its roof: the counted FLOPs and bytes exceed what this variant does (the work model, and the "
          "kernels' SDE counts derived from it, charge every edge or element of every iteration; a variant that "
          "skips inactive ones does less), or its data stay in a faster level than {}",
          100.0 * p.fraction_of_roof, p.level);
    }
    result.points.push_back(std::move(p));
  }
  return result;
}

}  // namespace engram::roofline
