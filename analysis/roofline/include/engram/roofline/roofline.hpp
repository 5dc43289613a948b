#pragma once
// Roofline analysis of the kernel benchmarks: for each benchmark variant its
// FLOPs and bytes per iteration, arithmetic intensity, achieved GFLOP/s and
// GB/s, the attainable roof at that intensity for every memory level
// (min(peak, I x bandwidth)), the fraction of the roof reached and what
// bounds it; as a table, JSON and a gnuplot plot.
//
// Inputs: the ceilings JSON of build/bench/ceilings (schema
// "engram-ceilings/1") and a Google Benchmark JSON of build/bench/baseline.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"

namespace engram::roofline {

// ---- Machine ceilings ------------------------------------------------------

struct MemoryCeiling {
  std::string level;                  // "L1", "L2", "L3", "DRAM"
  std::optional<std::uint64_t> size;  // bytes; none for DRAM
  std::string size_source;            // "cpuid", "sysconf", "sweep"
  std::optional<double> gbps;         // none when the sweep showed no plateau for it
  // The largest working set of the level's bandwidth plateau in the sweep:
  // the sweep still ran at this level's speed there.
  std::optional<std::uint64_t> plateau_to;
};

struct MachineCeilings {
  std::string source;            // file name, for messages
  std::string cpu_model;
  std::string date;
  double clock_ghz = 0;          // 0: not measured
  std::string bandwidth_kernel;  // which sweep the bandwidths come from: load, copy, triad
  std::map<std::string, double> peak_gflops;  // "scalar", "avx2", "avx512"
  std::vector<MemoryCeiling> levels;          // L1, L2, L3, DRAM

  // The best peak of any SIMD level (what "compute bound" means by default).
  double best_peak_gflops() const;
};

// Parses a ceilings JSON; `bandwidth_kernel` picks the sweep (load, copy or
// triad). Throws InputError naming the file and the place (line:column for
// malformed JSON, a JSON path such as /levels/L2/bandwidth/load/gbps for a
// missing or wrong field).
MachineCeilings parse_ceilings_json(std::string_view text, const std::string& source,
                                    const std::string& bandwidth_kernel = "load");
MachineCeilings read_ceilings_json(const std::filesystem::path& path, const std::string& bandwidth_kernel = "load");

// ---- The analysis ----------------------------------------------------------

struct RooflineOptions {
  benchstats::TimeMeasure time = benchstats::TimeMeasure::cpu;
  // The compute ceiling of every variant; empty: reference variants get the
  // scalar peak (they are plain scalar C++), the others the SIMD level the
  // benchmark ran at (context "engram.simd_level"; "baseline" = scalar).
  std::string peak_simd;
  // Passes over the working set per benchmark iteration, by kernel name
  // (overrides default_passes).
  std::map<std::string, double> passes;
  // Working set in bytes, by kernel name (overrides bytes / passes).
  std::map<std::string, double> working_set;
};

// How many times one benchmark iteration walks over its data: 100 for the
// benchmarks whose kernel name holds "spreading_activation" (KERNELS.md:
// exactly 100 synchronous iterations over one graph per benchmark
// iteration; also counter_overhead/spreading_activation_1000), 1 for the others.
double default_passes(std::string_view kernel);

struct LevelRoof {
  std::string level;
  double gbps = 0;
  double roof_gflops = 0;  // min(peak, I x gbps)
  bool memory_bound = false;  // I x gbps < peak
};

// Up to this fraction of its roof a point is "at its roof": the ceilings and
// the timings each vary by a few percent between runs, so 100.1% is
// measurement noise, not a broken model. Beyond it, the note says why.
inline constexpr double kAtRoofTolerance = 1.05;

struct RooflinePoint {
  std::string name;  // "KERNEL/VARIANT"
  std::string kernel;
  std::string variant;
  std::size_t repetitions = 0;
  double seconds_per_iteration = 0;  // benchstats::median
  double flops_per_iteration = 0;
  std::string flops_source;          // "work model (FLOP/s counter)"
  double bytes_per_iteration = 0;
  std::string bytes_source;          // "SDE counts (sde_bytes/s)" or "work model (bytes_per_second)"
  std::optional<double> model_bytes_per_iteration;
  std::optional<double> sde_bytes_per_iteration;
  double passes = 1;
  double working_set_bytes = 0;
  std::string working_set_rule;
  double intensity = 0;  // FLOP / byte
  double gflops = 0;     // achieved
  double gbps = 0;
  std::string peak_simd;
  double peak_gflops = 0;
  std::vector<LevelRoof> roofs;  // one per level with a bandwidth
  std::string level;             // where the working set lives
  std::string level_rule;        // why that level
  double attainable_gflops = 0;  // the roof at that level
  double fraction_of_roof = 0;   // gflops / attainable
  std::string bound;             // "L2 bandwidth", "compute (avx512 peak)"
  std::string note;              // e.g. why a point is above its roof; empty when nothing to say
};

struct RooflineResult {
  MachineCeilings ceilings;
  std::string benchmarks_source;
  std::string simd_level;  // of the benchmark run
  benchstats::TimeMeasure time = benchstats::TimeMeasure::cpu;
  std::string peak_rule;  // which compute peak each variant is held to, in words
  std::vector<RooflinePoint> points;
  std::vector<std::string> skipped;  // benchmarks left out, with the reason
};

// The level rule: the smallest cache level whose bandwidth plateau in the
// ceilings' sweep reaches the working set (the sweep still ran at that
// level's speed with that much data); a working set that falls between two
// plateaus already spills and is charged to the slower level. A level
// without a plateau falls back on its size (as the ceilings chose it). DRAM
// past the last cache. A level without a measured bandwidth hands over to
// the next larger one that has one. The sweep rather than the nominal size
// decides because on a VM the last-level cache a guest gets can be far
// smaller than the one CPUID reports.
// Throws std::invalid_argument when the ceilings hold no peak or no level
// bandwidth, and InputError (naming the benchmark file) when a benchmark's
// figures make no sense (no time, no FLOP/s counter on a kernel benchmark).
RooflineResult compute_roofline(const MachineCeilings& ceilings, const benchstats::BenchmarkFile& benchmarks,
                                const RooflineOptions& options = {});

// ---- Output ------------------------------------------------------------------

std::string roofline_markdown(const RooflineResult& result);
std::string roofline_json(const RooflineResult& result);  // schema "engram-roofline/1"

// The gnuplot script that draws the plot into `output` with `terminal`
// (e.g. "svg size 1100,720 dynamic" or "pngcairo size 1100,720"): log-log,
// one roof per memory level (min(best peak, I x bandwidth)), a dashed line
// per compute peak, one dot per variant (colour: kernel, shape: variant,
// size: time per iteration, larger is slower), labelled with its variant.
std::string roofline_gnuplot_script(const RooflineResult& result, const std::string& terminal,
                                    const std::filesystem::path& output);


// Draws the plot with gnuplot into `svg` (and `png` when not empty: the
// pngcairo terminal where gnuplot has it, else png), each through a
// temporary file and a rename. Throws std::runtime_error when gnuplot is
// missing or fails (with its message).
void render_roofline_plot(const RooflineResult& result, const std::filesystem::path& svg,
                          const std::filesystem::path& png = {});

}  // namespace engram::roofline
