#pragma once
// engram noise: what disturbed one timed region, measured around it.
//
// On a VM or a shared CI runner the time of a benchmark repetition carries
// more than the code's own cost: the hypervisor steals the vCPU (and that time
// is charged to the running thread), other tasks wait in the same run queue,
// the thread is preempted or moved to another CPU. A NoiseProbe measures each
// of those around a region (start() ... stop()), so that a repetition can be
// called "disturbed" on evidence rather than on its time alone.
//
// Every figure is optional: a figure the machine cannot give (no steal column,
// no schedstat, perf software events refused) is absent, with the reason in
// NoiseProbe::unavailable(); it is never 0.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::noise {

// ---- parsers of the kernel's files (pure; tested on fixture files) ----

// The steal column (the 8th number) of the "cpuN" line of /proc/stat, in
// USER_HZ ticks. nullopt when there is no such line, or the line has no steal
// column (kernels before 2.6.11). Throws std::invalid_argument for a line that
// is there but malformed (a field that is not a whole number).
std::optional<std::uint64_t> parse_steal_ticks(std::string_view proc_stat, int cpu);

// /proc/<pid>/task/<tid>/schedstat: "time on CPU (ns), time waiting on a run
// queue (ns), timeslices". Throws std::invalid_argument for anything else.
struct SchedStat {
  std::uint64_t on_cpu_ns = 0;
  std::uint64_t run_delay_ns = 0;
  std::uint64_t timeslices = 0;
};
SchedStat parse_schedstat(std::string_view text);

// The 1-minute load average, the first field of /proc/loadavg. Throws
// std::invalid_argument when it is not a finite number >= 0.
double parse_loadavg(std::string_view text);

// ---- one region's figures ----

struct NoiseSample {
  double wall_ns = 0;  // CLOCK_MONOTONIC over the region
  double cpu_ns = 0;   // the thread's CPU time (what perf calls task-clock)
  // Steal of the CPU(s) the thread ran on (USER_HZ resolution: 10 ms at 100 Hz).
  std::optional<double> steal_ns;
  // The resolution of steal_ns: one tick (10 ms at 100 Hz). A region that
  // sees the counter move by one tick may have lost anything from almost
  // nothing to a whole tick, so one tick is never counted against it.
  double steal_tick_ns = 0;
  std::optional<double> run_delay_ns;          // waiting on a run queue (schedstat)
  std::optional<double> involuntary_switches;  // preemptions (getrusage RUSAGE_THREAD)
  std::optional<double> cpu_migrations;        // perf software event cpu-migrations
  std::optional<double> loadavg;               // 1-minute load average at start()
  // Set by the caller from a MemoryProbe read around the region: how much
  // slower than the fastest read of the probe so far (0.2 = 20% slower).
  std::optional<double> memory_slowdown;
  int cpu_at_start = -1;
  int cpu_at_end = -1;
};

// When a region counts as disturbed. Fractions are of the region's wall time.
struct Thresholds {
  double max_steal_fraction = 0.01;
  double max_run_delay_fraction = 0.01;
  double max_involuntary_switches_per_second = 200;
  double max_cpu_migrations = 0;
  double max_wall_over_cpu = 1.02;        // wall time / task-clock
  std::optional<double> max_loadavg;      // off by default: a 1-minute average lags a 50 ms region
  // Off by default: a memory probe read varies by several percent on a quiet
  // VM; the figure is recorded for the analysis, which compares runs.
  std::optional<double> max_memory_slowdown;
};

// One figure past its threshold, e.g. {"run_delay", 0.031, 0.01,
// "run delay 3.1% of wall time (limit 1%)"}.
struct Disturbance {
  std::string figure;
  double value = 0;
  double limit = 0;
  std::string text;
};
// Empty when the region was not disturbed. Absent figures are never a reason.
std::vector<Disturbance> disturbances(const NoiseSample& sample, const Thresholds& thresholds);

// The names of the figures in benchmark JSON (Google Benchmark user counters
// of each repetition), shared by the writer (bench) and the readers (analysis).
namespace field {
inline constexpr std::string_view kWallNs = "noise_wall_ns";
inline constexpr std::string_view kCpuNs = "noise_cpu_ns";
inline constexpr std::string_view kStealNs = "noise_steal_ns";
inline constexpr std::string_view kRunDelayNs = "noise_run_delay_ns";
inline constexpr std::string_view kInvoluntarySwitches = "noise_involuntary_switches";
inline constexpr std::string_view kCpuMigrations = "noise_cpu_migrations";
inline constexpr std::string_view kLoadavg = "noise_loadavg";
inline constexpr std::string_view kMemoryProbeNs = "noise_memory_probe_ns";      // the slower of the reads around it
inline constexpr std::string_view kMemorySlowdown = "noise_memory_slowdown";  // over the fastest read so far
inline constexpr std::string_view kDisturbed = "noise_disturbed";  // 0 or 1
inline constexpr std::string_view kRerun = "noise_rerun";          // 0: first pass; k: k-th re-run pass
inline constexpr std::string_view kPrefix = "noise_";
}  // namespace field

// Where a probe reads the kernel's files; tests point it at fixtures.
struct ProbeSources {
  std::filesystem::path proc_stat = "/proc/stat";
  std::filesystem::path schedstat = "/proc/thread-self/schedstat";
  std::filesystem::path loadavg = "/proc/loadavg";
  bool perf_software_events = true;  // open cpu-migrations for the thread
};

// Measures the calling thread. Construct it on the thread it measures; not
// thread-safe. Never throws for a source the machine lacks: the figure is
// left out and unavailable() says why.
class NoiseProbe {
 public:
  explicit NoiseProbe(ProbeSources sources = {});
  ~NoiseProbe();
  NoiseProbe(const NoiseProbe&) = delete;
  NoiseProbe& operator=(const NoiseProbe&) = delete;

  // start() reads the sources first and the clocks last, stop() the clocks
  // first, so the probe's own reads stay outside the measured wall time.
  // Both throw std::logic_error when called on another thread than the
  // constructor's (the perf event counts that thread only); stop() throws it
  // without a start() before it.
  void start();
  NoiseSample stop();

  // Figure name ("steal", "run_delay", "involuntary_switches",
  // "cpu_migrations", "loadavg") -> why it cannot be measured here and, where
  // there is one, the fix.
  // Filled by the constructor (each source is tried once there); a source
  // that fails later (a file gone, a read error) is added here and left out
  // of every region from then on, so a figure is measured throughout or not.
  const std::map<std::string, std::string>& unavailable() const { return unavailable_; }

 private:
  // The readings at start() and the reusable read buffers (noise.cpp).
  struct State;
  ProbeSources sources_;
  std::map<std::string, std::string> unavailable_;
  int migrations_fd_ = -1;  // perf cpu-migrations of this thread, or -1
  std::unique_ptr<State> state_;
};

// How much memory bandwidth is left to us now. Another tenant's memory
// traffic slows a memory-bound loop without taking any CPU time from it, so
// no clock or scheduler figure sees it; reading a buffer larger than the
// last-level cache, just before and after a region, does. One read touches
// one 8-byte word per 64-byte line, so it costs about bytes / bandwidth
// (64 MiB at 20 GB/s: 3.4 ms) and leaves the caches full of the buffer: a
// warm-up should follow it.
class MemoryProbe {
 public:
  // `bytes` is rounded up to whole 64-byte lines; the buffer is touched now.
  explicit MemoryProbe(std::size_t bytes);
  // One read of the whole buffer, in ns.
  double read_ns();
  std::size_t bytes() const { return buffer_.size() * sizeof(double); }
  // The fastest read so far (0 before the first).
  double fastest_ns() const { return fastest_ns_; }

 private:
  std::vector<double> buffer_;
  double fastest_ns_ = 0;
  double sink_ = 0;
};

// Pins the calling thread to `cpu`. Returns an empty string on success, else
// the reason (e.g. "CPU 3 is out of range: the machine has 2 CPUs, ...").
std::string pin_current_thread(int cpu);
// The CPUs this thread may run on (sched_getaffinity), ascending; empty when
// the kernel does not say.
std::vector<int> allowed_cpus();

}  // namespace engram::noise
