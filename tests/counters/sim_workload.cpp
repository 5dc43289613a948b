// Workloads with known cache and branch behaviour, run under callgrind by the
// simulation tests. Each region is measured by a CounterSet (simulation only)
// whose stop() dumps the region's counts under its name.
//
// usage: counters_sim_workload REGION...
//   stream   one pass over a 64 MiB array (expect 64 MiB / 64 B L1 misses)
//   reread   re-read a warm 4 KiB array 1000 times (expect ~0 L1 misses)
//   random   branch on 200,000 random bits (expect ~100,000 mispredictions)
//   sorted   the same branch on the same bits sorted (expect ~0)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engram/counters.hpp"

namespace {

using engram::counters::CounterSet;

constexpr std::size_t kStreamBytes = 64u << 20;
constexpr std::size_t kRereadBytes = 4096;
constexpr int kRereadPasses = 1000;
constexpr std::size_t kBranches = 200000;

CounterSet open_region(const std::string& region) {
  engram::counters::Options options;
  options.simulation = engram::counters::SimulationMode::only;
  options.simulation_region = region;
  options.overhead_pairs = 0;
  return CounterSet::open({"L1_DCM", "BR_MSP", "BR_INS"}, options);
}

// Sums without letting the compiler drop the loads.
std::uint64_t sum_words(const std::uint64_t* data, std::size_t count) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < count; ++i) sum += data[i];
  return sum;
}

std::uint64_t stream() {
  // calloc maps fresh zero pages without writing them: callgrind simulates
  // virtual addresses, so the pass still walks 64 MiB of distinct lines,
  // and the run skips 64 MiB of instrumented initialization.
  const std::size_t words = kStreamBytes / sizeof(std::uint64_t);
  auto* data = static_cast<std::uint64_t*>(std::calloc(words, sizeof(std::uint64_t)));
  if (data == nullptr) {
    std::fprintf(stderr, "cannot allocate 64 MiB\n");
    std::exit(1);
  }
  CounterSet set = open_region("stream");
  set.start();
  const std::uint64_t sum = sum_words(data, words);
  set.stop();
  std::free(data);
  return sum;
}

std::uint64_t reread() {
  std::vector<std::uint64_t> data(kRereadBytes / sizeof(std::uint64_t), 3);
  CounterSet set = open_region("reread");  // opening touches plenty of memory: warm after it
  std::uint64_t sum = sum_words(data.data(), data.size());
  set.start();
  for (int pass = 0; pass < kRereadPasses; ++pass) {
    sum += sum_words(data.data(), data.size());
    asm volatile("" : : "r"(data.data()) : "memory");  // keep every pass
  }
  set.stop();
  return sum;
}

// A real conditional branch on each bit: the empty asm in the taken arm keeps
// the compiler from turning it into a conditional move.
std::uint64_t branch_on(const std::vector<std::uint8_t>& bits) {
  std::uint64_t taken = 0;
  for (std::uint8_t bit : bits) {
    if (bit) {
      asm volatile("" ::: "memory");
      ++taken;
    }
  }
  return taken;
}

std::vector<std::uint8_t> random_bits() {
  std::mt19937_64 engine(12345);  // fixed seed: the same bits in every run
  std::vector<std::uint8_t> bits(kBranches);
  for (auto& bit : bits) bit = static_cast<std::uint8_t>(engine() & 1U);
  return bits;
}

std::uint64_t branches(bool sorted) {
  std::vector<std::uint8_t> bits = random_bits();
  if (sorted) std::sort(bits.begin(), bits.end());
  CounterSet set = open_region("branches");
  set.set_simulation_region(sorted ? "sorted" : "random");
  set.start();
  const std::uint64_t taken = branch_on(bits);
  set.stop();
  return taken;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s stream|reread|random|sorted...\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string region = argv[i];
    std::uint64_t result = 0;
    if (region == "stream") {
      result = stream();
    } else if (region == "reread") {
      result = reread();
    } else if (region == "random") {
      result = branches(false);
    } else if (region == "sorted") {
      result = branches(true);
    } else {
      std::fprintf(stderr, "unknown region '%s'\n", region.c_str());
      return 2;
    }
    std::printf("%s %llu\n", region.c_str(), static_cast<unsigned long long>(result));
  }
  return 0;
}
