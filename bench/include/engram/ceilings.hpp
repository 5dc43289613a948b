#pragma once
// Machine ceilings for the roofline: the peak single-precision FLOP/s of one
// core at each SIMD level, the memory bandwidth of each cache level (from a
// sweep of working-set sizes whose plateaus are named L1, L2, L3, DRAM), the
// core clock, and the cache sizes with where each figure came from.
//
// The measuring side (measure_ceilings) is what build/bench/ceilings runs; the
// pure parts (plateau detection, the cache-size check, the JSON) are separate
// functions so that they can be tested on synthetic sweeps.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/ceilings_file.hpp"
#include "engram/machine_snapshot.hpp"

namespace engram::ceilings {

// ---- Memory levels -------------------------------------------------------

enum class Level { kL1, kL2, kL3, kDram };
inline constexpr Level kAllLevels[] = {Level::kL1, Level::kL2, Level::kL3, Level::kDram};
std::string_view level_name(Level level);  // "L1", "L2", "L3", "DRAM"

// A cache size and where it came from: "cpuid", "sysconf" or "sweep".
// bytes == 0 means unknown.
struct CacheSize {
  std::uint64_t bytes = 0;
  std::string source;
};

// The data (L1) and unified (L2, L3) caches one core sees.
struct CacheSizes {
  CacheSize l1d, l2, l3;
  const CacheSize& of(Level level) const;  // kDram: throws std::invalid_argument
  CacheSize& of(Level level);
  bool all_known() const { return l1d.bytes && l2.bytes && l3.bytes; }
};

// CPUID's deterministic cache leaves (0x8000001D on AMD, 4 on Intel); on this
// project's VM they say 32 MiB of L3 where the legacy leaf 0x80000006 (which
// glibc's sysconf reads) says 320 MiB. Read and decoded by counters/ (the one
// decoder: counters::decode_cpuid_cache_leaves in engram/machine_snapshot.hpp);
// here its data and unified caches of levels 1 to 3 are sorted into CacheSizes.
CacheSizes cache_sizes_from_cpuid();
// sysconf(_SC_LEVEL1_DCACHE_SIZE, ...).
CacheSizes cache_sizes_from_sysconf();

// ---- Plateau detection ---------------------------------------------------

// SweepPoint: in engram/ceilings_file.hpp, beside the file format that carries it.

// A run of consecutive sweep points whose bandwidths agree: one memory level.
struct Plateau {
  Level level = Level::kL1;
  std::size_t first = 0;       // indices into the sweep, inclusive
  std::size_t last = 0;
  std::uint64_t first_bytes = 0;
  std::uint64_t last_bytes = 0;
  double gbps = 0;      // median of its points: robust to one noisy point
  double max_gbps = 0;  // best point
  std::size_t points() const { return last - first + 1; }
};

struct PlateauOptions {
  // Consecutive points belong to one plateau while their bandwidth stays
  // within this fraction of the plateau's running median. Levels closer than
  // this are not told apart: on this project's VM the L2 and L3 load
  // bandwidths differ by under 20%, so the default is 12%; when the cache
  // sizes are known, a plateau that noise splits is joined again by naming.
  double tolerance = 0.12;
  // Runs shorter than this are transitions between levels, not plateaus.
  std::size_t min_points = 2;
  // A level of capacity C cannot be the level of a plateau that still runs
  // at more than C * capacity_slack bytes: the level has run out there,
  // whatever the bandwidth says.
  double capacity_slack = 2.0;
};

// Finds the plateaus of a sweep (sizes strictly increasing, bandwidths
// finite and > 0; throws std::invalid_argument naming the bad point) and
// names them.
//
// Grouping: walking up in size, a point joins the current run while its
// bandwidth is within `tolerance` of the run's median, else starts a new
// run. A run shorter than min_points between two runs that agree with each
// other is a noise spike and is merged back, and so are neighbouring runs
// whose medians agree; other short runs are transitions and are dropped.
//
// When all three cache sizes are known, a plateau that spans a cache's
// capacity with at least min_points on each side is cut there if the two
// sides' medians differ by half the tolerance or more (L2 and L3 of the
// triad differ by ~10% on this project's VM).
//
// Naming, when all three cache sizes are known: a plateau belongs to the
// smallest cache level L whose size holds the plateau's middle working set
// (the geometric mean of its first and last) and whose size * capacity_slack
// holds its last one; to DRAM when there is none. Adjacent plateaus of one
// level are merged. So a sweep without a visible L3 step names L1, L2 and
// DRAM, and L3 is missing.
// Without the sizes: by order, the first plateau is L1, the last DRAM, the
// ones between L2 then L3 (with three plateaus: L1, L2, DRAM); more than four
// plateaus are reduced to four by merging the pair with the smallest step.
std::vector<Plateau> detect_plateaus(std::span<const SweepPoint> sweep, const CacheSizes& sizes,
                                     const PlateauOptions& options = {});

// What the sweep says of one cache's size: the level's plateau still holds
// at `low` bytes, the next level's plateau has begun at `high` bytes (0: no
// next plateau), and `estimate` is where the bandwidth crosses half-way (in
// log scale: the geometric mean) between the two plateaus, interpolated
// log-log between the sweep points around it (0 without a next plateau).
struct SweepBracket {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  std::uint64_t estimate = 0;
};
// For a cache level (not DRAM): the bracket from its plateau and the next
// one; empty when the level has no plateau.
std::optional<SweepBracket> sweep_bracket(Level level, std::span<const SweepPoint> sweep,
                                          const std::vector<Plateau>& plateaus);
// A reported size agrees with the sweep when it is within a factor 2 of the
// estimate (the sweep's points are a factor sqrt(2) apart, and a cache starts
// to miss before it is full, more so a last-level cache shared with other
// cores or, in a VM, other guests); without an estimate, when it is at least
// low / 2.
bool size_agrees_with_sweep(std::uint64_t bytes, const SweepBracket& bracket);

// One cache level's size: every source's figure, the sweep's bracket, and
// the figure chosen: the first of cpuid, sysconf that agrees with the sweep,
// else the sweep's own estimate (the geometric mean of its bracket), else
// the first known figure, unchecked.
struct CacheSizeFinding {
  Level level = Level::kL1;
  std::uint64_t cpuid = 0;
  std::uint64_t sysconf = 0;
  std::optional<SweepBracket> sweep;
  CacheSize chosen;
  bool checked = false;  // the chosen figure was checked against the sweep
  std::string note;      // disagreements, in words
};
std::vector<CacheSizeFinding> reconcile_cache_sizes(const CacheSizes& cpuid, const CacheSizes& sysconf,
                                                    std::span<const SweepPoint> sweep,
                                                    const std::vector<Plateau>& plateaus);

// ---- Measurement ---------------------------------------------------------

enum class Simd { kScalar, kAvx2, kAvx512 };
std::string_view simd_name(Simd simd);  // "scalar", "avx2", "avx512"
// The FMA peak levels this CPU can run (__builtin_cpu_supports): scalar always.
std::vector<Simd> supported_simd_levels();

struct MeasureOptions {
  double peak_seconds = 0.5;  // per peak run (and per clock run)
  int peak_repeats = 3;       // best of
  std::uint64_t sweep_min_bytes = 16 * 1024;
  std::uint64_t sweep_max_bytes = 0;  // 0: 8 x the last-level cache, 64 MiB to 1 GiB
  int points_per_octave = 2;
  double point_seconds = 0.04;  // per sweep point and run
  int point_repeats = 3;        // best of
  // Instruction set for the streaming kernels: "auto" picks the fastest at
  // L1 (wider is not always faster: Zen 4 splits 512-bit loads in two).
  std::string stream_simd = "auto";
  // Sweep arrays on transparent huge pages (the memory's own limit) instead
  // of ordinary pages (what the kernels' data and likwid-bench get).
  bool huge_pages = false;
  std::function<void(const std::string&)> progress;  // one line per step
};

struct PeakResult {
  Simd simd = Simd::kScalar;
  std::string instruction;
  int chains = 0;
  int flops_per_operation = 0;
  double gflops = 0;  // best run
  std::vector<double> runs_gflops;
  double seconds_per_run = 0;
};

struct ClockResult {
  double ghz = 0;  // 0 when not measured
  std::string method;
  std::vector<double> runs_ghz;
};

struct Sweep {
  std::string kernel;  // "load", "copy", "triad", "gather"
  std::string simd;    // streaming instruction set used
  std::string bytes_counted;
  std::vector<SweepPoint> points;
  std::vector<Plateau> plateaus;
};

struct StreamProbe {  // L1 load bandwidth per instruction set, for the choice
  std::string simd;
  double gbps = 0;
};

struct Ceilings {
  std::vector<PeakResult> peaks;
  ClockResult clock;
  std::vector<StreamProbe> stream_probes;
  std::vector<Sweep> sweeps;  // load, copy, triad, gather
  CacheSizes cpuid_sizes;
  CacheSizes sysconf_sizes;
  std::vector<CacheSizeFinding> cache_sizes;  // L1, L2, L3 (from the load sweep)
  MeasureOptions options;
  double seconds = 0;  // wall time of the whole measurement
};

// Runs every measurement. Throws std::invalid_argument for bad options,
// std::runtime_error when memory cannot be had.
Ceilings measure_ceilings(const MeasureOptions& options);

// ---- Gather bandwidth ------------------------------------------------------

// The gather sweep measures what a gather-bound kernel (spreading activation's
// a[s] for random s) can get from each level: sum += values[indices[i]] over
// a stream of indices that are uniform at random in [0, n) (with repeats),
// scalar loads as the spreading kernel makes (hardware gathers are slower
// there). Useful bytes per element: the 4-byte value and its 4-byte index;
// the rest of each 64-byte line a random load brings in is not counted. The
// working set is the same 8 bytes per element: n values and n indices.
inline constexpr std::uint64_t kGatherBytesPerElement = 8;
// Elements of a gather pass over a working set: bytes / 8, rounded down to a
// multiple of 128 (at least 128).
std::size_t gather_elements(std::uint64_t working_set_bytes);
// n indices uniform in [0, n) from a fixed seed (splitmix64, the top bits
// scaled by multiplication, no modulo bias worth the name): the same sequence
// on every run, so runs compare.
std::vector<std::uint32_t> gather_indices(std::size_t n, std::uint64_t seed = 42);

// The working-set sizes of a sweep: from min to max (both included),
// `points_per_octave` geometric steps per doubling, rounded to 4 KiB.
std::vector<std::uint64_t> sweep_sizes(std::uint64_t min_bytes, std::uint64_t max_bytes,
                                       int points_per_octave);

// "16384", "16K", "16KiB", "1.5M", "128MiB", "1G" (binary units, case-blind)
// -> bytes; throws std::invalid_argument naming the text.
std::uint64_t parse_size(std::string_view text);

// ---- Report --------------------------------------------------------------

// Everything the JSON says besides the measurements.
struct MachineInfo {
  std::string cpu_model;  // CPUID brand string
  std::string vendor;
  int family = 0;
  int model = 0;
  std::vector<std::string> cpu_flags;  // /proc/cpuinfo "flags"
  int logical_cpus = 0;
  std::string compiler;
  std::string compile_flags;
  std::string date;  // ISO 8601, UTC
  std::string host;
  std::string kernel;
  double cpuinfo_mhz = 0;  // /proc/cpuinfo "cpu MHz" (the VM's nominal, not the clock)
  std::vector<double> load_average_before, load_average_after;
};
MachineInfo describe_machine();
std::vector<double> load_average();  // /proc/loadavg: 1, 5, 15 minutes

// The ceilings JSON (schema "engram-ceilings" version 1; fields listed in
// report_json.cpp). Its one reader: ceilings_from_json in engram/ceilings_file.hpp.
std::string to_json(const Ceilings& ceilings, const MachineInfo& machine);

}  // namespace engram::ceilings
