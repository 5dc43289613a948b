#include "engram/bench_simulation.hpp"

#include <fmt/format.h>

#include <valgrind/callgrind.h>

#include <algorithm>
#include <cmath>
#include <iostream>

namespace engram::bench {

std::uint64_t simulation_iterations(const WorkModel& work, double slow_factor) {
  const double target_flops = 2e7;
  const double n = work.flops > 0 ? std::round(target_flops / work.flops) : 1.0;
  const auto iterations = static_cast<std::uint64_t>(std::clamp(n, 1.0, 50.0));
  if (!(slow_factor > 0)) return iterations;
  // The fewest iterations, from the usual count up, whose extra calls are
  // whole: then the collected loop holds exactly N * F of them and the
  // simulated count per iteration rises by exactly F.
  for (std::uint64_t candidate = iterations; candidate <= kMaxSlowedSimulationIterations; ++candidate) {
    const double extra = static_cast<double>(candidate) * slow_factor;
    if (extra >= 1 - 1e-9 && std::fabs(extra - std::round(extra)) < 1e-9) return candidate;
  }
  return std::max(iterations, std::min<std::uint64_t>(kMaxSlowedSimulationIterations,
                                                      static_cast<std::uint64_t>(std::ceil(1 / slow_factor))));
}

std::vector<std::string> simulation_child_argv(const std::string& self, const BaselineOptions& o,
                                               const std::string& benchmark, std::uint64_t iterations) {
  std::string counters;
  for (const auto& c : o.counters) counters += (counters.empty() ? "" : ",") + c;
  std::vector<std::string> argv = {self,
                                   "--simulate-child=" + benchmark,
                                   "--simulate-iterations=" + std::to_string(iterations),
                                   "--seed=" + std::to_string(o.seed),
                                   "--sim=only"};
  if (!counters.empty()) argv.push_back("--counters=" + counters);
  if (!o.slow_variant.empty()) {
    argv.push_back("--slow=" + o.slow_variant);
    argv.push_back(fmt::format("--slow-factor={}", o.slow_factor));  // shortest exact form
  }
  return argv;
}

counters::CallgrindCounts scale_counts(const counters::CallgrindCounts& counts, double factor) {
  counters::CallgrindCounts out;
  out.region = counts.region;
  for (const auto& [name, value] : counts.events) {
    out.events[name] = static_cast<std::uint64_t>(std::llround(static_cast<double>(value) * factor));
  }
  return out;
}

counters::Reading merge_simulated_counts(counters::Reading native, const SimulatedCounts& simulated,
                                         std::uint64_t iterations) {
  if (simulated.iterations == 0) return native;
  native.merge_simulated(scale_counts(simulated.counts, static_cast<double>(iterations) /
                                                            static_cast<double>(simulated.iterations)));
  return native;
}

int run_simulation_child(const BaselineOptions& options) {
  const auto [kernel, variant_name] = split_benchmark_name(options.simulate_child);
  SuiteOptions suite{options.seed, options.slow_variant, options.slow_factor};
  const KernelBenchmark b = make_kernel_benchmark(kernel, suite);
  const auto variant = std::find_if(b.variants.begin(), b.variants.end(),
                                    [&](const Variant& v) { return v.name == variant_name; });
  if (variant == b.variants.end()) {
    std::cerr << "baseline: no benchmark '" << options.simulate_child << "'\n";
    return 2;
  }
  // Only the collection toggles matter here: the counters themselves come
  // from callgrind, and empty overhead pairs would add their own instructions.
  counters::Options counter_options;
  counter_options.simulation = counters::SimulationMode::only;
  counter_options.overhead_pairs = 0;
  const std::vector<std::string> names =
      options.counters.empty() ? std::vector<std::string>{"TOT_INS"} : options.counters;
  counters::CounterSet set = counters::CounterSet::open(names, counter_options);

  // The parent starts callgrind with --instr-atstart=no, so building the
  // inputs ran at near-native speed; simulate from here on (collection itself
  // stays off until set.start()).
  CALLGRIND_START_INSTRUMENTATION;
  variant->run();  // warm-up: first touch of the inputs, lazy initialisation
  if (variant->reset) variant->reset();
  set.start();
  for (std::uint64_t i = 1; i <= options.simulate_iterations; ++i) {
    variant->run();
    if (variant->reset_every != 0 && i % variant->reset_every == 0) {
      set.stop();
      variant->reset();
      set.start();
    }
  }
  set.stop();
  return 0;
}

}  // namespace engram::bench
