#pragma once
// Roofline analysis of the kernel benchmarks: for each benchmark variant its
// FLOPs and bytes per iteration, arithmetic intensity, achieved GFLOP/s and
// GB/s, the attainable roof min(peak, I x bandwidth) at the bandwidth the
// ceilings' sweep measured at its working set, the fraction of that roof
// reached and what bounds it; as a table, JSON and a gnuplot plot.
//
// Inputs: the ceilings file of build/bench/ceilings (read by its one reader,
// engram/ceilings_file.hpp) and a Google Benchmark JSON of build/bench/baseline
// whose context carries the workload manifest ("engram.workload",
// engram/workload_manifest.hpp): each benchmark's kernel, variant, FLOPs and
// bytes per iteration, working set and access pattern come from there.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"
#include "engram/ceilings_file.hpp"
#include "engram/io/json.hpp"

namespace engram::io {
class OutputSet;
}

namespace engram::roofline {

// ---- Machine ceilings, as the roofline uses them ------------------------------

// One level's plateau in one sweep.
struct LevelBandwidth {
  double gbps = 0;  // the plateau's median
  std::uint64_t from_bytes = 0, to_bytes = 0;
};

struct MemoryCeiling {
  std::string level;                  // "L1", "L2", "L3", "DRAM"
  std::optional<std::uint64_t> size;  // bytes; none for DRAM
  std::string size_source;            // "cpuid", "sysconf", "sweep"
  // The streaming sweep chosen (bandwidth_kernel) and the gather sweep; none
  // when that sweep showed no plateau for the level.
  std::optional<LevelBandwidth> stream, gather;
};

struct MachineCeilings {
  std::string source;            // file name, for messages
  std::string cpu_model;
  std::string date;
  double clock_ghz = 0;          // 0: not measured
  std::string bandwidth_kernel;  // which streaming sweep: load, copy, triad
  std::map<std::string, double> peak_gflops;  // "scalar", "avx2", "avx512"
  std::vector<MemoryCeiling> levels;          // L1, L2, L3, DRAM
  // The measured curves the bandwidth at a working set is read from.
  std::vector<ceilings::SweepPoint> stream_sweep, gather_sweep;  // gather: empty when not measured

  // The best peak of any SIMD level (what "compute bound" means by default).
  double best_peak_gflops() const;
};

// The roofline's view of a ceilings file: its peaks, the `bandwidth_kernel`
// sweep (load, copy or triad) and the gather sweep. Throws
// std::invalid_argument for another kernel name, io::InputError (naming the
// file) when the file has no such sweep or no plateau of it at any level.
MachineCeilings machine_ceilings(const ceilings::CeilingsFile& file, const std::string& bandwidth_kernel = "load");
// ceilings::read_ceilings_file + machine_ceilings.
MachineCeilings read_ceilings_json(const std::filesystem::path& path, const std::string& bandwidth_kernel = "load");
// The same for text in memory (tests); `source` names it in messages.
MachineCeilings parse_ceilings_json(std::string_view text, const std::string& source,
                                    const std::string& bandwidth_kernel = "load");

// ---- The analysis ----------------------------------------------------------

struct RooflineOptions {
  benchstats::TimeMeasure time = benchstats::TimeMeasure::cpu;
  // The compute ceiling of every variant; empty: reference variants get the
  // scalar peak (they are plain scalar C++), the others the SIMD level the
  // benchmark ran at (context "engram.simd_level"; "baseline" = scalar).
  std::string peak_simd;
};

struct LevelRoof {
  std::string level;
  double gbps = 0;
  double roof_gflops = 0;     // min(peak, I x gbps)
  bool memory_bound = false;  // I x gbps < peak
};

// Up to this fraction of its roof a point is "at its roof": the ceilings and
// the timings each vary by a few percent between runs, so 100.1% is
// measurement noise, not a broken model. Beyond it, the note says why.
inline constexpr double kAtRoofTolerance = 1.05;

// The bandwidth a sweep measured at a working set, and where that is.
struct MeasuredBandwidth {
  double gbps = 0;
  std::string level;  // "L2" inside its plateau; "L3..DRAM" between two plateaus
  std::string rule;   // how the figure was read off the sweep, in words
};
// Reads `sweep` at `working_set` bytes: interpolated linearly in log(size)
// and log(bandwidth) between the two sweep points around it; below the
// first point the first point's bandwidth, beyond the last the last one's.
// The level is the one whose plateau (`levels`' stream or gather figure, as
// `gather` says) holds the working set, or the two plateaus it lies between.
// Inside a plateau the bandwidth is the larger of that reading and the
// plateau's median (one slow sweep point must not lower a level's roof; a
// sloping plateau must not hide what the sweep measured at this size).
// Throws std::invalid_argument for an empty sweep.
MeasuredBandwidth bandwidth_at(const std::vector<ceilings::SweepPoint>& sweep, const std::vector<MemoryCeiling>& levels,
                               bool gather, double working_set);

struct RooflinePoint {
  std::string name;  // "KERNEL/VARIANT", the benchmark's run_name
  std::string kernel;
  std::string variant;
  std::string access;  // "stream" or "gather", from the manifest
  std::size_t repetitions = 0;
  double seconds_per_iteration = 0;  // median of the repetitions
  double flops_per_iteration = 0;    // from the manifest (measured work)
  double bytes_per_iteration = 0;    // read + written, from the manifest
  std::string work_measured_on;      // the variant whose work counters gave them
  double passes = 1;                 // kernel calls or iterations per iteration (manifest)
  double working_set_bytes = 0;      // manifest
  double intensity = 0;              // FLOP / byte
  double gflops = 0;                 // achieved
  double gbps = 0;
  std::string peak_simd;
  double peak_gflops = 0;
  std::vector<LevelRoof> roofs;  // per level with a plateau, of the sweep that fits the access
  std::string level;             // where the working set lives
  std::string level_rule;        // how the bandwidth was read off the sweep
  double bandwidth_gbps = 0;     // the sweep's bandwidth at the working set
  double attainable_gflops = 0;  // min(peak, I x bandwidth_gbps)
  double fraction_of_roof = 0;   // gflops / attainable
  std::string bound;             // "L2 bandwidth (gather)", "compute (avx512 peak)"
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

// Every benchmark of `benchmarks` with an entry in its workload manifest
// (context "engram.workload") becomes a point: FLOPs, bytes, working set,
// passes and access pattern from the manifest, the time from the benchmark.
// Its roof uses the bandwidth the sweep measured at its working set
// (bandwidth_at): the gather sweep for a gather kernel, the chosen
// streaming sweep otherwise. A benchmark without a manifest entry, with an
// error, or whose entry has no FLOPs or bytes is skipped with the reason.
// Throws io::InputError naming the benchmark file when it has no manifest
// (or a bad one) or a benchmark's time is 0; std::invalid_argument when the
// ceilings hold no peak or the --peak level is unknown.
RooflineResult compute_roofline(const MachineCeilings& ceilings, const benchstats::BenchmarkFile& benchmarks,
                                const RooflineOptions& options = {});

// The rules the figures follow, in words (name -> text), for the outputs.
std::vector<std::pair<std::string, std::string>> roofline_rules(const RooflineResult& result);

// ---- The roofline file: schema "engram-roofline", version 1 -------------------

inline constexpr std::string_view kRooflineSchema = "engram-roofline";
inline constexpr int kRooflineVersion = 1;

// The one writer and the one reader of roofline.json. The reader throws
// io::InputError naming the file and the JSON pointer, and a clear error
// for another schema or version.
nlohmann::json to_json(const RooflineResult& result);
RooflineResult roofline_from_json(const io::JsonValue& root);
RooflineResult read_roofline_json(const std::filesystem::path& path);
std::string roofline_json(const RooflineResult& result);  // to_json, as text

// ---- Other outputs -------------------------------------------------------------

std::string roofline_markdown(const RooflineResult& result);

// The gnuplot commands (without terminal and output) of the plot: log-log,
// axes fitted to the points and the roofs, one roof per memory level for the
// streaming sweep (solid) and the gather sweep (dashed), a dashed line per
// compute peak, one numbered dot per benchmark (colour: kernel, shape:
// variant) with the numbers placed so that they do not overlap and the
// numbered list beside the plot.
std::string roofline_gnuplot_commands(const RooflineResult& result);

// Draws the plot with io::render_gnuplot into `svg` and `png` (either may be
// empty: not drawn). Throws std::runtime_error when gnuplot is missing or
// fails (with its message), or when there is no point.
void render_roofline_plot(const RooflineResult& result, const std::filesystem::path& svg,
                          const std::filesystem::path& png = {});
// The same, drawn into `outputs`: published with the table and the JSON.
void draw_roofline_plot(const RooflineResult& result, const std::filesystem::path& svg,
                        const std::filesystem::path& png, io::OutputSet& outputs);

}  // namespace engram::roofline
