#pragma once
// A small deterministic generator for the bootstrap. The standard library's
// distributions are implementation-defined, so a seed would give different
// intervals with different standard libraries; this one gives the same
// stream everywhere.
#include <cstddef>
#include <cstdint>

namespace engram::benchstats::detail {

// xoshiro256** seeded through splitmix64 (the seeding its authors recommend).
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed) {
    for (auto& word : state_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound), without modulo bias: reject the top partial block.
  std::size_t below(std::size_t bound) {
    const std::uint64_t b = bound;
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % b;  // a multiple of b
    std::uint64_t x;
    do {
      x = next();
    } while (x >= limit);
    return static_cast<std::size_t>(x % b);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_[4];
};

}  // namespace engram::benchstats::detail
