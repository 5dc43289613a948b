#pragma once
// The benchmark suite: each kernel benchmark of KERNELS.md section 4 with its
// variants (reference, optimized, and the peers that do the same work with a
// well-known library), their inputs, their work model and the check that every
// variant gives the reference's answer before anything is timed.
//
// The suite is plain C++ with no Google Benchmark in it, so that the same
// bodies run under Google Benchmark for timings and under callgrind (a child
// process, a fixed number of iterations) for simulated counters.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace engram::bench {

// Work per iteration, from the KERNELS.md work models.
struct WorkModel {
  double items = 0;  // candidates scored, edge-iterations, memories decayed
  double flops = 0;
  double bytes = 0;
};

// How answers are compared with the reference (KERNELS.md tolerances).
struct Tolerance {
  double absolute = 0;
  double relative = 0;  // 0: absolute only
};

struct Variant {
  std::string name;                            // "reference", "optimized", "openblas", "eigen", "sleef"
  bool engram_kernel = false;                  // an engram kernel: its SDE work counts apply
  std::function<void()> run;                   // one timed iteration
  std::function<std::vector<double>()> answer;  // one untimed run's result, to compare
  // Restores mutated inputs (decay ages, strengths); called untimed every
  // reset_every iterations. Empty for stateless kernels.
  std::function<void()> reset;
  std::uint64_t reset_every = 0;
};

// A stateless variant (no reset).
inline Variant make_variant(std::string name, bool engram_kernel, std::function<void()> run,
                            std::function<std::vector<double>()> answer) {
  Variant v;
  v.name = std::move(name);
  v.engram_kernel = engram_kernel;
  v.run = std::move(run);
  v.answer = std::move(answer);
  return v;
}

struct KernelBenchmark {
  std::string kernel;  // "vector_similarity_1000", "decay_10k_memories/exponential", ...
  std::string description;
  WorkModel work;
  Tolerance tolerance;
  std::vector<Variant> variants;     // variants[0] is the reference
  std::shared_ptr<const void> data;  // owns the inputs the variants point into
};

struct SuiteOptions {
  std::uint64_t seed = 42;
  // Adds work proportional to the kernel's own to one variant
  // ("KERNEL/VARIANT"), so that regression detection can be tested on a real
  // slowdown. slow_factor 0.25 adds a quarter.
  std::string slow_variant;
  double slow_factor = 0.0;
};

// Every benchmark name ("KERNEL/VARIANT") in suite order, without building inputs.
std::vector<std::string> benchmark_names();
// The kernels in suite order.
std::vector<std::string> kernel_names();

// Builds one kernel's inputs and variants; throws std::invalid_argument for an
// unknown kernel. Inputs come from the seeded generator, so every process
// (the timed one and the simulated children) sees identical data.
KernelBenchmark make_kernel_benchmark(const std::string& kernel, const SuiteOptions& options);

// Runs every variant's answer() and compares it with the reference; throws
// std::runtime_error naming the variant, the index and both values on a mismatch.
void verify_answers(const KernelBenchmark& benchmark);

// Splits "KERNEL/VARIANT" at the last '/'.
std::pair<std::string, std::string> split_benchmark_name(const std::string& name);

}  // namespace engram::bench
