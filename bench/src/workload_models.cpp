// THE place for a kernel's work model. A new kernel benchmark adds one row to
// kKernels below (and its family to kFamilies in workload_families.cpp if it
// is a new one); nothing else in bench, roofline, hot spots or the report
// needs to know its name.
//
// Only what cannot be measured is written here: the family (its expected
// band, KERNELS.md section 4, is in workload_families.cpp), how many passes over its data one benchmark
// iteration makes, its access pattern, and which engram variant does the
// same work as the peers. FLOPs and bytes are never written here: they are
// measured from the kernels' work counters (workload_entries below).
#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "engram/workload_families.hpp"
#include "engram/workload_models.hpp"

namespace engram::bench {
namespace {

struct KernelModel {
  std::string_view kernel;
  std::string_view family;  // "" for benchmarks that belong to no family (counter overhead)
  // Kernel calls or kernel iterations per benchmark iteration, each a pass
  // over the same data: spreading runs 100 synchronous iterations per call
  // (epsilon 0, KERNELS.md section 2).
  double passes;
  // "stream": the data is read in order; "gather": a[s] at random s (spreading).
  std::string_view access;
  // The engram variant whose counted work the peers do: the similarity peers
  // (sgemv) read stored norms like the optimized kernel; the spreading peer
  // (Eigen sparse mat-vec) relaxes every edge every iteration like the
  // reference; the decay peers do what both do.
  std::string_view peers_work_like;
};

constexpr KernelModel kKernels[] = {
    {"vector_similarity_1000", "vector similarity", 1, "stream", "optimized"},
    {"find_similar_10k", "vector similarity", 1, "stream", "optimized"},
    {"spreading_activation_1000", "activation spreading", 100, "gather", "reference"},
    {"spreading_activation_10k", "activation spreading", 100, "gather", "reference"},
    {"decay_10k_memories/exponential", "memory decay", 1, "stream", "reference"},
    {"decay_10k_memories/power_law", "memory decay", 1, "stream", "reference"},
    {"decay_10k_memories/two_component", "memory decay", 1, "stream", "reference"},
    {"counter_overhead/spreading_activation_1000", "", 100, "gather", "uncounted"},
    {"counter_overhead/find_similar_10k", "", 1, "stream", "uncounted"},
};

const KernelModel& model_of(const std::string& kernel) {
  const auto it = std::find_if(std::begin(kKernels), std::end(kKernels),
                               [&](const KernelModel& m) { return m.kernel == kernel; });
  if (it == std::end(kKernels)) {
    throw std::logic_error("no work model for kernel '" + kernel + "': add it to bench/src/workload_models.cpp");
  }
  return *it;
}

std::optional<std::array<double, 2>> band_of(std::string_view family) {
  if (family.empty()) return std::nullopt;
  if (const WorkloadFamily* f = find_workload_family(family)) return f->expected_share_percent;
  throw std::logic_error("workload_models.cpp: family '" + std::string(family) +
                         "' has no row in kFamilies (workload_families.cpp)");
}

}  // namespace

WorkCounts measure_run_work(const Variant& variant) {
  const WorkCounts before = work_counts();
  variant.run();
  const WorkCounts work = work_counts() - before;
  if (variant.reset) variant.reset();
  return work;
}

std::vector<WorkloadEntry> workload_entries(const KernelBenchmark& benchmark,
                                            const std::function<bool(const std::string&)>& wanted) {
  const KernelModel& model = model_of(benchmark.kernel);
  const auto band = band_of(model.family);
  const auto variant_named = [&](std::string_view name) -> const Variant& {
    for (const Variant& v : benchmark.variants) {
      if (v.name == name) return v;
    }
    throw std::logic_error("workload_models.cpp: '" + benchmark.kernel + "' has no variant '" + std::string(name) +
                           "' for its peers' work");
  };
  // Each engram variant measured at most once, only when needed.
  std::vector<std::pair<std::string, WorkCounts>> measured;
  const auto work_of = [&](const Variant& v) -> const WorkCounts& {
    for (const auto& [name, work] : measured) {
      if (name == v.name) return work;
    }
    const WorkCounts work = measure_run_work(v);
    if (work.flops <= 0 && work.bytes_read + work.bytes_written <= 0) {
      throw std::logic_error(benchmark.kernel + "/" + v.name + " counted no work in one run");
    }
    measured.emplace_back(v.name, work);
    return measured.back().second;
  };
  // The working set: what one pass of the first variant (the reference, which
  // touches all of its inputs in every pass) reads and writes.
  const WorkCounts& first = work_of(benchmark.variants.at(0));
  const double working_set = static_cast<double>(first.bytes_read + first.bytes_written) / model.passes;

  std::vector<WorkloadEntry> entries;
  for (const Variant& v : benchmark.variants) {
    const std::string name = benchmark.kernel + "/" + v.name;
    if (!wanted(name)) continue;
    const Variant& counted = v.engram_kernel ? v : variant_named(model.peers_work_like);
    const WorkCounts work = work_of(counted);  // a copy: `measured` may grow
    WorkloadEntry e;
    e.name = name;
    e.kernel = benchmark.kernel;
    e.variant = v.name;
    e.family = std::string(model.family);
    e.flops_per_iteration = static_cast<double>(work.flops);
    e.bytes_read_per_iteration = static_cast<double>(work.bytes_read);
    e.bytes_written_per_iteration = static_cast<double>(work.bytes_written);
    e.work_measured_on = counted.name;
    e.working_set_bytes = working_set;
    e.passes = model.passes;
    e.access = std::string(model.access);
    e.expected_share_percent = band;
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace engram::bench
