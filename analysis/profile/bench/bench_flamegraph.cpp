// Throughput of the flame graph pipeline: parse + merge folded stacks, and
// render the SVG, on a synthetic profile shaped like a C++ program's
// (namespaces, templates, lambdas; depths 4-40; sorted lines sharing
// prefixes). Deterministic: the same lines on every run.
#include <benchmark/benchmark.h>

#include <charconv>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engram/profile/flamegraph.hpp"
#include "engram/profile/folded.hpp"

namespace {

using engram::profile::StackTree;

class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

std::vector<std::string> function_names(std::size_t count, SplitMix& rng) {
  static const char* kNamespaces[] = {"engram::optimized", "engram::reference", "std",
                                      "benchmark::internal", "(anonymous namespace)", "hwy::N_AVX2"};
  static const char* kTemplates[] = {"", "<float>", "<std::vector<int, std::allocator<int> > >",
                                     "<unsigned long, 8ul>", ""};
  std::vector<std::string> names;
  for (std::size_t i = 0; i < count; ++i) {
    std::string name = kNamespaces[rng.below(6)];
    name += "::function_" + std::to_string(i) + kTemplates[rng.below(5)];
    if (rng.below(10) == 0) name += "::{lambda(int)#1}::operator()";
    names.push_back(std::move(name));
  }
  return names;
}

// `lines` distinct stacks: random walks down a call tree in which each
// function calls a few others, so that stacks share their outer frames.
std::string synthetic_folded(std::size_t lines) {
  SplitMix rng(42);
  const std::vector<std::string> names = function_names(4000, rng);
  std::set<std::string> stacks;
  while (stacks.size() < lines) {
    std::string stack = "harness;main";
    std::uint64_t current = rng.below(8);
    const std::uint64_t depth = 4 + rng.below(37);
    for (std::uint64_t d = 0; d < depth; ++d) {
      stack += ';';
      stack += names[current];
      current = (current * 31 + 7 + rng.below(6)) % names.size();
    }
    stacks.insert(std::move(stack));
  }
  std::string text;
  for (const auto& stack : stacks) {
    text += stack;
    text += ' ';
    text += std::to_string(1 + rng.below(100));
    text += '\n';
  }
  return text;
}

const std::string& profile(std::size_t lines) {
  static std::string cached;
  static std::size_t cached_lines = 0;
  if (cached_lines != lines) {
    cached = synthetic_folded(lines);
    cached_lines = lines;
  }
  return cached;
}

void BM_ParseMerge(benchmark::State& state) {
  const std::string& text = profile(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::istringstream in(text);
    StackTree tree;
    engram::profile::ParseReport report;
    engram::profile::read_folded(in, "synthetic", tree, report);
    benchmark::DoNotOptimize(tree.total_samples());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["lines"] = static_cast<double>(state.range(0));
}

void BM_Render(benchmark::State& state) {
  const std::string& text = profile(static_cast<std::size_t>(state.range(0)));
  std::istringstream in(text);
  StackTree tree;
  engram::profile::ParseReport report;
  engram::profile::read_folded(in, "synthetic", tree, report);
  for (auto _ : state) {
    const std::string svg = engram::profile::render_flamegraph(tree, {});
    benchmark::DoNotOptimize(svg.data());
  }
}

void BM_ParseMergeRender(benchmark::State& state) {
  const std::string& text = profile(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::istringstream in(text);
    StackTree tree;
    engram::profile::ParseReport report;
    engram::profile::read_folded(in, "synthetic", tree, report);
    const std::string svg = engram::profile::render_flamegraph(tree, {});
    benchmark::DoNotOptimize(svg.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

BENCHMARK(BM_ParseMerge)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Render)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseMergeRender)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace

// --write-folded=LINES:PATH writes the synthetic profile instead of running
// the benchmarks, so that the same input can be fed to other tools (the
// flamegraph.pl comparison in docs/flamegraph.md).
int main(int argc, char** argv) {
  constexpr std::string_view kWriteFlag = "--write-folded=";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!arg.starts_with(kWriteFlag)) continue;
    const std::string_view spec = arg.substr(kWriteFlag.size());
    const std::size_t colon = spec.find(':');
    std::size_t lines = 0;
    if (colon == std::string_view::npos ||
        std::from_chars(spec.data(), spec.data() + colon, lines).ec != std::errc() || lines == 0) {
      std::cerr << "bench_flamegraph: --write-folded needs LINES:PATH, e.g. 1000000:/tmp/big.folded\n";
      return 2;
    }
    const std::string path(spec.substr(colon + 1));
    std::ofstream out(path, std::ios::binary);
    out << synthetic_folded(lines);
    if (!out.flush()) {
      std::cerr << "bench_flamegraph: cannot write " << path << "\n";
      return 1;
    }
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
