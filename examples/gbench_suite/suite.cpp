// Two benchmarks, as any Google Benchmark suite has them, counted by engram:
//   ./gbench_suite --counters=L1_DCM,BR_MSP,task-clock --benchmark_format=json
// Each benchmark loops over engram::gbench::counted(state) instead of state;
// ENGRAM_GBENCH_MAIN() replaces BENCHMARK_MAIN().
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "engram/counters_gbench.hpp"

namespace {

// A sum over a vector walked in order: few cache misses, predictable branches.
void BM_sequential_sum(benchmark::State& state) {
  std::vector<std::uint32_t> values(static_cast<std::size_t>(state.range(0)));
  std::iota(values.begin(), values.end(), 0u);
  for (auto _ : engram::gbench::counted(state)) {
    std::uint64_t sum = 0;
    for (std::uint32_t v : values) sum += v;
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_sequential_sum)->Arg(1 << 14);

// A count of values over a threshold, in random order: the branch depends on
// data the predictor cannot guess.
void BM_random_threshold(benchmark::State& state) {
  std::vector<std::uint32_t> values(static_cast<std::size_t>(state.range(0)));
  std::mt19937 engine(42);  // seeded: the same data every run
  std::generate(values.begin(), values.end(), [&] { return engine() % 256; });
  for (auto _ : engram::gbench::counted(state)) {
    std::uint64_t above = 0;
    for (std::uint32_t v : values) {
      if (v >= 128) ++above;
      benchmark::DoNotOptimize(above);
    }
  }
}
BENCHMARK(BM_random_threshold)->Arg(1 << 14);

}  // namespace

ENGRAM_GBENCH_MAIN();
