#pragma once
// The report's inputs, read and checked: each parser takes a parsed JSON
// document and throws ReportInputError naming the file and the JSON pointer
// of anything it cannot use.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engram/report/report.hpp"
#include "engram/benchstats/benchmark_json.hpp"
#include "engram/io/json.hpp"

namespace engram::report {

// ---- hotspots.json (build/analysis/hotspots) ---------------------------------

struct HotspotRow {
  std::string function;
  std::uint64_t samples = 0;
  double percent = 0;
};

struct FamilyRow {
  std::string family;
  std::uint64_t samples = 0;
  double percent = 0;
  std::optional<double> expected_low, expected_high;  // percent
  std::string verdict;                                // "below", "inside", "above" or "" (no band)
};

struct HotspotsInput {
  std::filesystem::path file;
  std::string event;
  std::string binary;
  std::uint64_t total_samples = 0;
  std::uint64_t functions = 0;
  std::vector<HotspotRow> top_inclusive, top_self;
  std::string family_rule;
  std::vector<FamilyRow> families;
  // Stack quality, as far as the file has it.
  std::optional<double> unresolved_frame_percent, not_reaching_entry_percent;
  std::string frame_pointers;  // verdict and detail
  std::string kernel_frames;   // status and explanation
  std::optional<int> perf_event_paranoid;
  std::vector<std::string> warnings;
};
HotspotsInput parse_hotspots(const io::JsonValue& root, const std::filesystem::path& file);

// ---- the counters statuses of a --counters run (context "engram.counters") --

struct CounterStatus {
  std::string counter;    // as requested, and the field name in each benchmark
  std::string canonical;
  std::string status;     // counted, multiplexed, simulated, unsupported, no_permission
  std::string backend;
  std::string reason, fix;
  double running_fraction = 0;
};
// `text` is the context string; `source` names the benchmark file.
std::vector<CounterStatus> parse_counter_statuses(std::string_view text, const std::string& source);

// ---- roofline.json (build/analysis/roofline, schema engram-roofline/1) ------

struct RooflineRow {
  std::string name, kernel, variant;
  double intensity = 0, gflops = 0, gbps = 0, attainable_gflops = 0, fraction_of_roof = 0;
  double seconds_per_iteration = 0, working_set_bytes = 0;
  std::string level, bound, peak_simd, bytes_source, note;
  std::size_t repetitions = 0;
};

struct RooflineInput {
  std::filesystem::path file;
  std::string benchmarks_source, simd_level, time;
  std::string cpu_model;
  std::optional<double> clock_ghz;
  std::string bandwidth_kernel;
  std::vector<std::pair<std::string, double>> peaks;  // SIMD level -> GFLOP/s
  struct Level {
    std::string level;
    std::optional<double> gbps;
    std::optional<double> size_bytes;
    std::string size_source;
  };
  std::vector<Level> levels;
  std::vector<std::pair<std::string, std::string>> rules;
  std::vector<RooflineRow> points;
  std::vector<std::string> skipped;
};
RooflineInput parse_roofline(const io::JsonValue& root, const std::filesystem::path& file);

// ---- ceilings JSON (build/bench/ceilings, schema engram-ceilings/1) ---------

struct CeilingsCache {
  std::string level;  // L1, L2, L3
  std::optional<double> bytes;
  std::string source;  // cpuid, sysconf, sweep
  std::optional<double> cpuid, sysconf;
  bool checked_against_sweep = false;
  std::string note;
};

struct CeilingsInput {
  std::filesystem::path file;
  std::string cpu_model, compiler, compile_flags, kernel, date;
  std::optional<double> clock_ghz, cpuinfo_mhz;
  std::vector<std::string> simd_levels;
  std::vector<CeilingsCache> caches;
  std::vector<std::string> notes;
};
CeilingsInput parse_ceilings(const io::JsonValue& root, const std::filesystem::path& file);

// ---- stability.json (build/analysis/stability) -------------------------------

struct StabilityRow {
  std::string name;
  std::size_t runs = 0, runs_measured = 0;
  std::optional<double> median_of_medians, min, max, cv;  // ns; cv a fraction
  std::string status;                                     // pass, fail, incomplete
};

struct StabilityInput {
  std::filesystem::path file;
  std::size_t runs = 0;
  double cv_limit = 0.05;
  std::string time;
  std::vector<StabilityRow> rows;
};
StabilityInput parse_stability(const io::JsonValue& root, const std::filesystem::path& file);

// ---- CMakeCache.txt ----------------------------------------------------------

// KEY:TYPE=VALUE lines -> KEY -> VALUE (comments and blank lines skipped).
std::map<std::string, std::string> parse_cmake_cache(std::string_view text);

// ---- everything, loaded ------------------------------------------------------

struct LoadedInputs {
  ReportInputs paths;
  HotspotsInput hotspots;
  benchstats::BenchmarkFile bench;
  std::optional<benchstats::BenchmarkFile> counters_bench;
  std::vector<CounterStatus> counter_statuses;  // of counters_bench
  std::optional<std::string> flamegraph_svg, roofline_svg, stability_svg;
  std::optional<RooflineInput> roofline;
  std::optional<CeilingsInput> ceilings;
  std::optional<StabilityInput> stability;
  std::map<std::string, std::string> cmake_cache;
};

// Reads every given input; throws ReportInputError for a missing required
// one or any bad one.
LoadedInputs load_inputs(const ReportInputs& inputs);

}  // namespace engram::report
