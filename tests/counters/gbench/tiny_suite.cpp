// A tiny Google Benchmark suite using engram::counters_gbench, for the
// program tests: two counted benchmarks (setup outside the loop), one that
// does not count.
#include <numeric>
#include <vector>

#include "engram/counters_gbench.hpp"

namespace {

void BM_sum(benchmark::State& state) {
  std::vector<int> values(64 * 1024);  // 256 KiB: past L1, so L1 misses are many
  std::iota(values.begin(), values.end(), 0);
  for (auto _ : engram::gbench::counted(state)) {
    long sum = 0;
    for (std::size_t i = 0; i < values.size(); i += 16) sum += values[i];
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_sum);

void BM_branchy(benchmark::State& state) {
  std::vector<unsigned> values(4096);
  unsigned x = 12345;
  for (auto& v : values) v = (x = x * 1103515245u + 12345u) >> 16;
  for (auto _ : engram::gbench::counted(state)) {
    unsigned odd = 0;
    for (const unsigned v : values) {
      if (v & 1u) ++odd;
    }
    benchmark::DoNotOptimize(odd);
  }
}
BENCHMARK(BM_branchy);

// Uses the plain loop: no counters, and no simulated ones either.
void BM_uncounted(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(state.iterations());
}
BENCHMARK(BM_uncounted);

}  // namespace

ENGRAM_GBENCH_MAIN();
