// The measurements: FMA peaks, the clock, and the bandwidth sweeps.
//
// Timing: every run is timed with the thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID), not the wall clock, so that the time this thread
// spends descheduled while other processes compile on the machine's two
// cores does not count against the hardware. What such neighbours do to the
// caches still shows, so every figure is the best of several runs.
#include <sys/mman.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "engram/io/format.hpp"
#include "engram/ceilings.hpp"
#include "kernels.hpp"

namespace engram::ceilings {
namespace {

using detail::PeakKernel;
using detail::StreamKernels;

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

volatile float g_float_sink;
volatile std::uint64_t g_integer_sink;

// Runs body(count) with a count grown until one run lasts about
// target_seconds, then `repeats` more runs at that count. Returns each run's
// rate in counts per second. The growing runs double as the warm-up.
template <typename Body>
std::vector<double> timed_rates(Body&& body, double target_seconds, int repeats) {
  std::uint64_t count = 1;
  double seconds = 0;
  for (;;) {
    const double start = thread_cpu_seconds();
    body(count);
    seconds = thread_cpu_seconds() - start;
    if (seconds >= target_seconds / 4 || count >= (std::uint64_t{1} << 52)) break;
    const double factor = seconds > 0 ? std::clamp(target_seconds / 4 / seconds, 2.0, 64.0) : 64.0;
    count = static_cast<std::uint64_t>(std::ceil(static_cast<double>(count) * factor));
  }
  count = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(static_cast<double>(count) * target_seconds / seconds)));
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const double start = thread_cpu_seconds();
    body(count);
    const double elapsed = thread_cpu_seconds() - start;
    rates.push_back(elapsed > 0 ? static_cast<double>(count) / elapsed : 0.0);
  }
  return rates;
}

double best_of(const std::vector<double>& values) { return *std::max_element(values.begin(), values.end()); }

void say(const MeasureOptions& options, const std::string& line) {
  if (options.progress) options.progress(line);
}

// ---- Buffers ---------------------------------------------------------------

// 2 MiB-aligned memory. By default it gets ordinary 4 KiB pages, as the
// kernels' own data and likwid-bench's arrays do: the DRAM roof is then what
// a kernel streaming its own arrays can reach (here ~19 GB/s; the prefetchers
// stop at each 4 KiB page). With huge_pages it asks for transparent huge
// pages (madvise), which is the memory's own limit (here ~32 GB/s).
class HugeBuffer {
 public:
  HugeBuffer(std::size_t bytes, bool huge_pages) : bytes_(round_up(bytes, kHuge)) {
    data_ = static_cast<float*>(std::aligned_alloc(kHuge, bytes_));
    if (data_ == nullptr) throw std::runtime_error(fmt::format("cannot allocate {}", io::bytes(bytes_)));
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
    // Advice only: failure is harmless. NOHUGEPAGE too, so that a system with
    // THP "always" still measures ordinary pages when asked to.
    ::madvise(data_, bytes_, huge_pages ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#endif
    // Touch every page now (with values that stay finite in the triad) so
    // that no page fault lands in a timed run.
    std::fill(data_, data_ + bytes_ / sizeof(float), 1.0f);
  }
  ~HugeBuffer() { std::free(data_); }
  HugeBuffer(const HugeBuffer&) = delete;
  HugeBuffer& operator=(const HugeBuffer&) = delete;
  // The array starts `offset_lines` cache lines in, so that the arrays of
  // one kernel do not share their address bits below 4 KiB (loads and stores
  // at the same page offset falsely depend on each other on many cores).
  float* at_line(std::size_t offset_lines) const { return data_ + offset_lines * 16; }

 private:
  static constexpr std::size_t kHuge = 2 * 1024 * 1024;
  static std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }
  std::size_t bytes_;
  float* data_;
};

// ---- Peaks and the clock -----------------------------------------------------

const PeakKernel& peak_kernel(Simd simd) {
  switch (simd) {
    case Simd::kAvx512: return detail::avx512_peak();
    case Simd::kAvx2: return detail::avx2_peak();
    case Simd::kScalar: break;
  }
  __builtin_cpu_init();
  return __builtin_cpu_supports("fma") ? detail::fma_scalar_peak() : detail::baseline_scalar_peak();
}

PeakResult measure_peak(Simd simd, const MeasureOptions& options) {
  const PeakKernel& kernel = peak_kernel(simd);
  const std::vector<double> rates = timed_rates(
      [&](std::uint64_t iterations) { g_float_sink = kernel.run(iterations); }, options.peak_seconds,
      options.peak_repeats);
  PeakResult result;
  result.simd = simd;
  result.instruction = kernel.instruction;
  result.chains = kernel.chains;
  result.flops_per_operation = kernel.flops_per_operation;
  for (double rate : rates) {
    result.runs_gflops.push_back(rate * static_cast<double>(kernel.flops_per_iteration) / 1e9);
  }
  result.gflops = best_of(result.runs_gflops);
  result.seconds_per_run = options.peak_seconds;
  say(options, fmt::format("peak {:>6}: {:7.1f} GFLOP/s  ({}, {} chains, best of {} runs of {:.2g} s)",
                           simd_name(simd), result.gflops, kernel.instruction, kernel.chains,
                           options.peak_repeats, options.peak_seconds));
  return result;
}

ClockResult measure_clock(const MeasureOptions& options) {
  ClockResult clock;
  clock.method =
      "a chain of dependent 64-bit integer adds (latency 1 cycle on every current x86-64 core), "
      "32 per loop iteration, timed with the thread's CPU time: adds per second = cycles per second";
  const std::vector<double> rates = timed_rates(
      [](std::uint64_t iterations) { g_integer_sink = detail::dependent_add_chain(iterations); },
      options.peak_seconds / 2, options.peak_repeats);
  for (double rate : rates) clock.runs_ghz.push_back(rate * static_cast<double>(detail::kClockAddsPerIteration) / 1e9);
  clock.ghz = best_of(clock.runs_ghz);
  say(options, fmt::format("clock: {:.3f} GHz (dependent integer adds, best of {} runs)", clock.ghz,
                           options.peak_repeats));
  return clock;
}

// ---- Bandwidth -------------------------------------------------------------

std::vector<const StreamKernels*> supported_streams() {
  __builtin_cpu_init();
  std::vector<const StreamKernels*> streams;
  if (__builtin_cpu_supports("avx512f")) streams.push_back(&detail::avx512_streams());
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) streams.push_back(&detail::avx2_streams());
  streams.push_back(&detail::sse2_streams());
  return streams;
}

struct StreamArrays {
  float* a;  // load's array; copy's source; triad's b
  float* b;  // copy's destination; triad's a (the one written)
  float* c;  // triad's c
};

// Bytes moved per pass, and the working set: each array once. The triad
// counts its 2 reads and 1 write; the copy its read and its write. The
// write-allocate read that a normal store causes on a cache miss is not
// counted (it is not traffic the kernel asked for).
struct StreamPlan {
  std::size_t floats_per_array;
  int arrays;
  std::uint64_t bytes() const { return static_cast<std::uint64_t>(floats_per_array) * sizeof(float) * arrays; }
};

StreamPlan plan_for(const std::string& kernel, std::uint64_t working_set) {
  const int arrays = kernel == "load" ? 1 : kernel == "copy" ? 2 : 3;
  std::size_t floats = working_set / sizeof(float) / static_cast<std::size_t>(arrays);
  floats = std::max(detail::kStreamGranule, floats / detail::kStreamGranule * detail::kStreamGranule);
  return {floats, arrays};
}

double measure_stream(const StreamKernels& streams, const std::string& kernel, const StreamPlan& plan,
                      const StreamArrays& arrays, const MeasureOptions& options) {
  const std::size_t n = plan.floats_per_array;
  auto run = [&](std::uint64_t passes) {
    if (kernel == "load") {
      streams.load(arrays.a, n, passes);
    } else if (kernel == "copy") {
      streams.copy(arrays.b, arrays.a, n, passes);
    } else {
      streams.triad(arrays.b, arrays.a, arrays.c, 0.5f, n, passes);
    }
  };
  const std::vector<double> rates = timed_rates(run, options.point_seconds, options.point_repeats);
  return best_of(rates) * static_cast<double>(plan.bytes()) / 1e9;
}

const char* bytes_counted(const std::string& kernel) {
  if (kernel == "load") return "bytes read (one array, loads only, each value read once per pass)";
  if (kernel == "copy") {
    return "bytes read + bytes written (b[i] = a[i]: 8 bytes per float); normal stores, the write-allocate "
           "read of the destination is not counted";
  }
  return "2 reads + 1 write (a[i] = b[i] + s * c[i]: 12 bytes per float); normal stores, the write-allocate "
         "read of a is not counted";
}

// One gather run of `passes` passes over the first n values and indices; the
// best rate in useful bytes (kGatherBytesPerElement per element) per second.
double measure_gather(const float* values, const std::uint32_t* indices, std::size_t n,
                      const MeasureOptions& options) {
  const std::vector<double> rates = timed_rates(
      [&](std::uint64_t passes) { g_float_sink = detail::gather_sum(values, indices, n, passes); },
      options.point_seconds, options.point_repeats);
  return best_of(rates) * static_cast<double>(n * kGatherBytesPerElement) / 1e9;
}

constexpr const char* kGatherBytesCounted =
    "useful bytes: the 4-byte value and its 4-byte index per element (sum += values[indices[i]], indices "
    "uniform at random, scalar loads); the rest of the 64-byte line each random load brings in is not counted";

void validate(const MeasureOptions& o) {
  auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  if (!positive(o.peak_seconds)) throw std::invalid_argument("peak seconds must be a positive number");
  if (!positive(o.point_seconds)) throw std::invalid_argument("seconds per sweep point must be a positive number");
  if (o.peak_repeats < 1 || o.point_repeats < 1) throw std::invalid_argument("repeats must be at least 1");
  if (o.points_per_octave < 1 || o.points_per_octave > 16) {
    throw std::invalid_argument("points per octave must be between 1 and 16");
  }
  if (o.sweep_min_bytes < 4096) throw std::invalid_argument("the sweep must start at 4 KiB or more");
  if (o.sweep_max_bytes != 0 && o.sweep_max_bytes <= o.sweep_min_bytes) {
    throw std::invalid_argument("the sweep's largest size must exceed its smallest");
  }
  if (o.sweep_max_bytes > (std::uint64_t{64} << 30)) throw std::invalid_argument("the sweep may not exceed 64 GiB");
}

CacheSizes naming_hints(const CacheSizes& cpuid, const CacheSizes& sysconf) {
  CacheSizes hints = cpuid;
  for (Level level : {Level::kL1, Level::kL2, Level::kL3}) {
    if (hints.of(level).bytes == 0) hints.of(level) = sysconf.of(level);
  }
  return hints;
}

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  const std::string s(text);
  const auto bad = [&] { return std::invalid_argument(fmt::format("'{}' is not a size (e.g. 16KiB, 128MiB, 1G)", s)); };
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(s, &used);
  } catch (const std::exception&) {
    throw bad();
  }
  std::string unit = s.substr(used);
  for (char& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  double scale = 0;
  if (unit.empty() || unit == "b") scale = 1;
  if (unit == "k" || unit == "kb" || unit == "kib") scale = 1024.0;
  if (unit == "m" || unit == "mb" || unit == "mib") scale = 1024.0 * 1024.0;
  if (unit == "g" || unit == "gb" || unit == "gib") scale = 1024.0 * 1024.0 * 1024.0;
  if (scale == 0 || !std::isfinite(value) || value <= 0 || value * scale > 1e18) throw bad();
  return static_cast<std::uint64_t>(std::llround(value * scale));
}

std::size_t gather_elements(std::uint64_t working_set_bytes) {
  const std::size_t n = static_cast<std::size_t>(working_set_bytes / kGatherBytesPerElement);
  return std::max(detail::kStreamGranule, n / detail::kStreamGranule * detail::kStreamGranule);
}

std::vector<std::uint32_t> gather_indices(std::size_t n, std::uint64_t seed) {
  if (n == 0 || n > (std::size_t{1} << 32)) {
    throw std::invalid_argument(fmt::format("gather indices: {} values cannot be indexed by 32 bits", n));
  }
  std::vector<std::uint32_t> indices(n);
  std::uint64_t state = seed;
  for (auto& index : indices) {
    // splitmix64
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    index = static_cast<std::uint32_t>(((z >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }
  return indices;
}

std::vector<std::uint64_t> sweep_sizes(std::uint64_t min_bytes, std::uint64_t max_bytes, int points_per_octave) {
  if (min_bytes == 0 || max_bytes < min_bytes || points_per_octave < 1) {
    throw std::invalid_argument("sweep sizes: need 0 < min <= max and at least one point per octave");
  }
  std::vector<std::uint64_t> sizes;
  for (int k = 0;; ++k) {
    const double exact = static_cast<double>(min_bytes) * std::exp2(static_cast<double>(k) / points_per_octave);
    if (exact > static_cast<double>(max_bytes) * 1.0001) break;
    const auto rounded = std::max<std::uint64_t>(4096, static_cast<std::uint64_t>(std::llround(exact / 4096.0)) * 4096);
    if (sizes.empty() || rounded > sizes.back()) sizes.push_back(rounded);
  }
  if (sizes.back() < max_bytes) sizes.push_back(max_bytes);
  return sizes;
}

Ceilings measure_ceilings(const MeasureOptions& options_in) {
  validate(options_in);
  const auto wall_start = std::chrono::steady_clock::now();
  Ceilings result;
  result.options = options_in;
  MeasureOptions& options = result.options;
  result.cpuid_sizes = cache_sizes_from_cpuid();
  result.sysconf_sizes = cache_sizes_from_sysconf();
  const CacheSizes hints = naming_hints(result.cpuid_sizes, result.sysconf_sizes);
  if (options.sweep_max_bytes == 0) {
    const std::uint64_t l3 = hints.l3.bytes ? hints.l3.bytes : hints.l2.bytes;
    // 8x rather than the 4x minimum: AMD's L3 is a victim cache that still
    // serves part of a working set twice its size, and the DRAM plateau
    // needs points well clear of it.
    options.sweep_max_bytes = l3 ? std::clamp<std::uint64_t>(8 * l3, 64ull << 20, 1ull << 30) : 256ull << 20;
  }
  options.sweep_max_bytes = std::max(options.sweep_max_bytes, options.sweep_min_bytes * 2);

  result.clock = measure_clock(options);
  for (Simd simd : supported_simd_levels()) result.peaks.push_back(measure_peak(simd, options));

  const std::vector<std::uint64_t> sizes =
      sweep_sizes(options.sweep_min_bytes, options.sweep_max_bytes, options.points_per_octave);
  const std::uint64_t largest = sizes.back();
  say(options, fmt::format("sweep: {} sizes from {} to {}; allocating {}", sizes.size(), io::bytes(sizes.front()),
                           io::bytes(largest), io::bytes(largest + largest / 2 + largest / 3)));
  // Array offsets of 0, 17 and 34 cache lines (see HugeBuffer::at_line).
  HugeBuffer a_buffer(largest + 64 * 64, options.huge_pages);
  HugeBuffer b_buffer(largest / 2 + 64 * 64, options.huge_pages);
  HugeBuffer c_buffer(largest / 3 + 64 * 64, options.huge_pages);
  const StreamArrays arrays{a_buffer.at_line(0), b_buffer.at_line(17), c_buffer.at_line(34)};

  // The streaming instruction set: forced, or the fastest L1 load.
  const std::vector<const StreamKernels*> available = supported_streams();
  const StreamKernels* streams = nullptr;
  if (options.stream_simd == "auto") {
    double best = 0;
    const StreamPlan l1_plan = plan_for("load", options.sweep_min_bytes);
    for (const StreamKernels* s : available) {
      const double gbps = measure_stream(*s, "load", l1_plan, arrays, options);
      result.stream_probes.push_back({s->simd, gbps});
      if (gbps > best) {
        best = gbps;
        streams = s;
      }
    }
    std::string line = "streaming instruction set:";
    for (const StreamProbe& p : result.stream_probes) line += fmt::format(" {} {:.0f} GB/s", p.simd, p.gbps);
    say(options, fmt::format("{} at {} -> {}", line, io::bytes(l1_plan.bytes()), streams->simd));
  } else {
    for (const StreamKernels* s : available) {
      if (options.stream_simd == s->simd) streams = s;
    }
    if (streams == nullptr) {
      throw std::invalid_argument(fmt::format("this CPU cannot run the '{}' streaming kernels", options.stream_simd));
    }
  }

  for (const std::string kernel : {"load", "copy", "triad"}) {
    Sweep sweep;
    sweep.kernel = kernel;
    sweep.simd = streams->simd;
    sweep.bytes_counted = bytes_counted(kernel);
    for (std::uint64_t size : sizes) {
      const StreamPlan plan = plan_for(kernel, size);
      if (!sweep.points.empty() && plan.bytes() <= sweep.points.back().bytes) continue;
      sweep.points.push_back({plan.bytes(), measure_stream(*streams, kernel, plan, arrays, options)});
    }
    sweep.plateaus = detect_plateaus(sweep.points, hints);
    std::string line = fmt::format("{:>5} ({}):", kernel, streams->simd);
    for (const Plateau& p : sweep.plateaus) {
      line += fmt::format(" {} {:.1f} GB/s [{} - {}]", level_name(p.level), p.gbps, io::bytes(p.first_bytes),
                          io::bytes(p.last_bytes));
    }
    say(options, line);
    result.sweeps.push_back(std::move(sweep));
  }
  {
    // The gather sweep, over the same sizes: the values in a's buffer, the
    // indices (built afresh for each size: uniform over that size's values)
    // in an array of their own.
    Sweep sweep;
    sweep.kernel = "gather";
    sweep.simd = "scalar";
    sweep.bytes_counted = kGatherBytesCounted;
    std::vector<std::uint32_t> indices;
    for (std::uint64_t size : sizes) {
      const std::size_t n = gather_elements(size);
      const std::uint64_t bytes = n * kGatherBytesPerElement;
      if (!sweep.points.empty() && bytes <= sweep.points.back().bytes) continue;
      indices = gather_indices(n);
      sweep.points.push_back({bytes, measure_gather(arrays.a, indices.data(), n, options)});
    }
    sweep.plateaus = detect_plateaus(sweep.points, hints);
    std::string line = "gather (scalar):";
    for (const Plateau& p : sweep.plateaus) {
      line += fmt::format(" {} {:.1f} GB/s [{} - {}]", level_name(p.level), p.gbps, io::bytes(p.first_bytes),
                          io::bytes(p.last_bytes));
    }
    say(options, line);
    result.sweeps.push_back(std::move(sweep));
  }
  result.cache_sizes = reconcile_cache_sizes(result.cpuid_sizes, result.sysconf_sizes, result.sweeps[0].points,
                                             result.sweeps[0].plateaus);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace engram::ceilings
