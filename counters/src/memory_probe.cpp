#include <chrono>
#include <stdexcept>

#include "engram/noise.hpp"

namespace engram::noise {

MemoryProbe::MemoryProbe(std::size_t bytes) {
  constexpr std::size_t kLine = 64;
  if (bytes == 0) throw std::invalid_argument("a memory probe needs a buffer of at least one line");
  const std::size_t lines = (bytes + kLine - 1) / kLine;
  // Filled now, so that no page fault lands in a read.
  buffer_.assign(lines * (kLine / sizeof(double)), 1.0);
}

double MemoryProbe::read_ns() {
  constexpr std::size_t kStride = 64 / sizeof(double);  // one load per line
  const auto begin = std::chrono::steady_clock::now();
  // Four sums, so that the adds' latency never bounds the loop: memory must.
  double sum[4] = {0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 3 * kStride < buffer_.size(); i += 4 * kStride) {
    sum[0] += buffer_[i];
    sum[1] += buffer_[i + kStride];
    sum[2] += buffer_[i + 2 * kStride];
    sum[3] += buffer_[i + 3 * kStride];
  }
  for (; i < buffer_.size(); i += kStride) sum[0] += buffer_[i];
  // Kept, so that the compiler cannot drop the loop.
  sink_ += sum[0] + sum[1] + sum[2] + sum[3];
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - begin).count();
  if (fastest_ns_ == 0 || ns < fastest_ns_) fastest_ns_ = ns;
  return ns;
}

}  // namespace engram::noise
