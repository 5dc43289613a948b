#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>

#include "engram/bench_suite.hpp"
#include "suite_builders.hpp"

namespace engram::bench {
namespace {

struct KernelEntry {
  const char* kernel;
  std::vector<const char*> variants;
};

const std::vector<KernelEntry>& registry() {
  static const std::vector<KernelEntry> entries = {
      {"vector_similarity_1000", {"reference", "optimized", "openblas", "eigen"}},
      {"find_similar_10k", {"reference", "optimized", "openblas"}},
      {"spreading_activation_1000", {"reference", "optimized", "eigen"}},
      {"spreading_activation_10k", {"reference", "optimized", "eigen"}},
      {"decay_10k_memories/exponential", {"reference", "optimized", "eigen", "sleef"}},
      {"decay_10k_memories/power_law", {"reference", "optimized"}},
      {"decay_10k_memories/two_component", {"reference", "optimized"}},
      // The cost of counting: the optimized kernel alone, then with software
      // counters started and stopped around every call (regions >= 100 us).
      {"counter_overhead/spreading_activation_1000", {"uncounted", "counted"}},
      {"counter_overhead/find_similar_10k", {"uncounted", "counted"}},
  };
  return entries;
}

// Wraps a variant's body so it does (1 + factor) times its own work, for
// testing regression detection on a real, deterministic slowdown: after the
// k-th call, floor(k * factor) extra calls in all have been made. Counted in
// whole calls, so any N calls with N * factor whole hold exactly that many
// extra ones (the simulation sizes its loop so: simulation_iterations).
void slow_down(Variant& variant, double factor) {
  auto body = variant.run;
  variant.run = [body, factor, calls = std::uint64_t{0}, extra = std::uint64_t{0}]() mutable {
    body();
    ++calls;
    // The epsilon keeps 100 * 0.01 from flooring to 0.
    const auto due = static_cast<std::uint64_t>(std::floor(static_cast<double>(calls) * factor + 1e-9));
    for (; extra < due; ++extra) body();
  };
}

std::string describe(double v) {
  std::ostringstream out;
  out.precision(9);
  out << v;
  return out.str();
}

}  // namespace

std::vector<std::string> kernel_names() {
  std::vector<std::string> names;
  for (const auto& e : registry()) names.emplace_back(e.kernel);
  return names;
}

std::vector<std::string> benchmark_names() {
  std::vector<std::string> names;
  for (const auto& e : registry()) {
    for (const char* v : e.variants) names.push_back(std::string(e.kernel) + "/" + v);
  }
  return names;
}

std::pair<std::string, std::string> split_benchmark_name(const std::string& name) {
  const auto slash = name.rfind('/');
  if (slash == std::string::npos) throw std::invalid_argument("not a KERNEL/VARIANT name: '" + name + "'");
  return {name.substr(0, slash), name.substr(slash + 1)};
}

KernelBenchmark make_kernel_benchmark(const std::string& kernel, const SuiteOptions& options) {
  KernelBenchmark b;
  if (kernel == "vector_similarity_1000") {
    b = build_vector_similarity(options);
  } else if (kernel == "find_similar_10k") {
    b = build_find_similar(options);
  } else if (kernel == "spreading_activation_1000") {
    b = build_spreading(options, 1'000, 5'000, kernel);
  } else if (kernel == "spreading_activation_10k") {
    b = build_spreading(options, 10'000, 50'000, kernel);
  } else if (kernel.starts_with("counter_overhead/")) {
    b = build_counter_overhead(options, kernel.substr(kernel.find('/') + 1), kernel);
  } else if (kernel.starts_with("decay_10k_memories/")) {
    b = build_decay(options, kernel.substr(kernel.find('/') + 1), kernel);
  } else {
    throw std::invalid_argument("unknown kernel benchmark '" + kernel + "'");
  }
  // The registry is the single list of names: a builder must produce exactly it.
  const auto entry = std::find_if(registry().begin(), registry().end(),
                                  [&](const KernelEntry& e) { return kernel == e.kernel; });
  if (entry == registry().end() || entry->variants.size() != b.variants.size()) {
    throw std::logic_error("benchmark registry and builder disagree on '" + kernel + "'");
  }
  for (std::size_t i = 0; i < b.variants.size(); ++i) {
    if (b.variants[i].name != entry->variants[i]) {
      throw std::logic_error("benchmark registry and builder disagree on '" + kernel + "/" +
                             b.variants[i].name + "'");
    }
  }
  if (!options.slow_variant.empty() && options.slow_factor > 0) {
    for (auto& v : b.variants) {
      if (kernel + "/" + v.name == options.slow_variant) slow_down(v, options.slow_factor);
    }
  }
  return b;
}

void verify_answers(const KernelBenchmark& b) {
  const std::vector<double> expected = b.variants.at(0).answer();
  for (std::size_t v = 1; v < b.variants.size(); ++v) {
    const auto& variant = b.variants[v];
    const std::vector<double> got = variant.answer();
    const std::string who = b.kernel + "/" + variant.name;
    if (got.size() != expected.size()) {
      throw std::runtime_error(who + " gives " + std::to_string(got.size()) +
                               " values, the reference " + std::to_string(expected.size()));
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double allowed =
          std::max(b.tolerance.absolute, b.tolerance.relative * std::fabs(expected[i]));
      const bool both_nan = std::isnan(got[i]) && std::isnan(expected[i]);
      if (!both_nan && !(std::fabs(got[i] - expected[i]) <= allowed)) {
        throw std::runtime_error(who + " disagrees with the reference at index " + std::to_string(i) +
                                 ": " + describe(got[i]) + " vs " + describe(expected[i]) +
                                 " (tolerance " + describe(allowed) + ")");
      }
    }
  }
}

}  // namespace engram::bench
