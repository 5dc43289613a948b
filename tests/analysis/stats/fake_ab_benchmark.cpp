// A tiny Google Benchmark program standing in for a build of the baseline in
// compare --run's tests. Its speed is set from the environment, so that a
// test makes two "builds" with two wrapper scripts:
//   FAKE_BENCH_WORK=N  units of work per iteration (default 20000);
//   FAKE_BENCH_FAIL=1  print an error on stderr and exit 1 without running.
// It reports WORK (the units per iteration) as a counter: the same for every
// repetition of a build, so compare --deterministic --counter WORK gives a
// verdict no machine noise can change.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

std::int64_t work_units() {
  const char* text = std::getenv("FAKE_BENCH_WORK");
  return text != nullptr ? std::stoll(text) : 20000;
}

void fake_kernel(benchmark::State& state) {
  const std::int64_t units = work_units();
  std::uint64_t x = 88172645463325252ULL;
  for (auto _ : state) {
    for (std::int64_t i = 0; i < units; ++i) {
      x ^= x << 13;  // xorshift: a dependency chain the compiler cannot fold
      x ^= x >> 7;
      x ^= x << 17;
    }
    benchmark::DoNotOptimize(x);
  }
  state.counters["WORK"] = static_cast<double>(units);
}
BENCHMARK(fake_kernel);

void fake_other(benchmark::State& state) {
  std::uint64_t x = 1;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ULL + 1;
    benchmark::DoNotOptimize(x);
  }
  state.counters["WORK"] = 1000;
}
BENCHMARK(fake_other);

}  // namespace

int main(int argc, char** argv) {
  if (const char* fail = std::getenv("FAKE_BENCH_FAIL"); fail != nullptr && std::string(fail) == "1") {
    std::fputs("fake_ab_benchmark: starting\nfake_ab_benchmark: error: out of cheese\n", stderr);
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
