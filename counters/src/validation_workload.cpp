#include "validation_workload.hpp"

#include <numeric>
#include <utility>

namespace engram::counters::detail {
namespace {

// 8 MiB: past every L1 and L2 we know of, so each step of the walk misses L1.
constexpr std::size_t kLines = (8u << 20) / 64;
constexpr std::size_t kWordsPerLine = 64 / sizeof(std::uint64_t);
constexpr std::size_t kSteps = 1u << 16;

std::uint64_t xorshift(std::uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

}  // namespace

ValidationWorkload::ValidationWorkload() : lines_(kLines * kWordsPerLine, 0) {
  // One random cycle through all lines (Sattolo's shuffle), so the walk's
  // next address depends on the load before it and no prefetcher guesses it.
  std::vector<std::uint32_t> order(kLines);
  std::iota(order.begin(), order.end(), 0u);
  std::uint64_t state = 0x2545F4914F6CDD1DULL;
  for (std::size_t i = kLines - 1; i > 0; --i) std::swap(order[i], order[xorshift(state) % i]);
  for (std::size_t i = 0; i < kLines; ++i)
    lines_[order[i] * kWordsPerLine] = order[(i + 1) % kLines];
}

std::uint64_t ValidationWorkload::run() {
  std::uint64_t line = 0, taken = 0;
  std::uint64_t state = seed_;
  for (std::size_t step = 0; step < kSteps; ++step) {
    std::uint64_t* word = &lines_[line * kWordsPerLine];
    line = word[0];  // a dependent load that misses L1
    word[1] += step;  // a store
    // A branch on a random bit: about half of them mispredicted whatever the
    // predictor. The empty asm keeps the compiler from turning it into a
    // conditional move.
    if (xorshift(state) & 1) {
      ++taken;
      asm volatile("" ::: "memory");
    }
  }
  seed_ = state;
  return line + taken;
}

std::string_view ValidationWorkload::description() {
  return "65,536 dependent loads over 8 MiB, 65,536 stores and 65,536 branches on random bits";
}

}  // namespace engram::counters::detail
