#pragma once
// The ceilings file: what build/bench/ceilings writes (to_json in
// engram/ceilings.hpp, bench/src/ceilings/report_json.cpp) as read back by
// every consumer (roofline, report) through the one reader below, so that the
// format has one writer and one reader, side by side in bench/src/ceilings.
//
// Format: {"schema": "engram-ceilings", "version": 1, machine, clock, peaks,
// peak_gflops, levels {L1, L2, L3, DRAM: size, bandwidth {load, copy, triad,
// gather}}, sweeps [{kernel, simd, points [{bytes, gbps, level}]}], notes, ...};
// report_json.cpp lists every field.
//
// This part is plain data and JSON, so it lives in a small library of its own
// (engram_ceilings_file) that builds on every platform: the measuring library
// engram_ceilings is x86-64 only, while its readers (analysis/) are not.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/io/json.hpp"

namespace engram::ceilings {

inline constexpr std::string_view kCeilingsSchema = "engram-ceilings";
inline constexpr int kCeilingsVersion = 1;

// One point of a bandwidth sweep: the bytes the kernel's arrays span (its
// working set) and the bandwidth measured over them.
struct SweepPoint {
  std::uint64_t bytes = 0;
  double gbps = 0;
};

// One sweep kernel's plateau at one memory level.
struct PlateauFigure {
  double gbps = 0;      // median of the plateau's points
  double max_gbps = 0;  // its best point
  std::uint64_t from_bytes = 0, to_bytes = 0;
  std::size_t points = 0;
};

// A level's size as the ceilings run chose it, and what each source said.
struct LevelSizeRecord {
  std::optional<std::uint64_t> bytes;  // none for DRAM
  std::string source;                  // "cpuid", "sysconf", "sweep", or DRAM's words
  bool checked_against_sweep = false;
  std::optional<std::uint64_t> cpuid, sysconf;
  std::string note;  // disagreements between the sources, in words
};

struct CeilingsLevel {
  std::string name;  // "L1", "L2", "L3", "DRAM"
  LevelSizeRecord size;
  // By sweep kernel ("load", "copy", "triad", "gather"); a kernel whose sweep
  // shows no plateau for this level is absent.
  std::map<std::string, PlateauFigure> bandwidth;
  const PlateauFigure* figure(std::string_view kernel) const;
};

struct CeilingsSweep {
  std::string kernel;  // "load", "copy", "triad", "gather"
  std::string simd;
  std::vector<SweepPoint> points;  // sizes strictly increasing
};

struct CeilingsFile {
  std::string source;  // the file name, for messages
  // The machine the ceilings were measured on.
  std::string cpu_model, vendor, compiler, compile_flags, date, host, kernel;
  std::optional<double> cpuinfo_mhz;
  std::vector<std::string> simd_levels;
  std::optional<double> clock_ghz;             // none: not measured
  std::map<std::string, double> peak_gflops;   // "scalar", "avx2", "avx512": best run
  std::vector<CeilingsLevel> levels;           // L1, L2, L3, DRAM, in that order
  std::vector<CeilingsSweep> sweeps;
  std::vector<std::string> notes;

  const CeilingsSweep* sweep(std::string_view sweep_kernel) const;  // nullptr when absent
};

// The one reader. Throws io::InputError naming the file and the JSON pointer
// of anything missing, mistyped or implausible (a size that is not positive,
// a cache smaller than the one before it, sweep sizes out of order), and a
// clear error for another schema or version.
CeilingsFile ceilings_from_json(const io::JsonValue& root);
// read_json_file + ceilings_from_json.
CeilingsFile read_ceilings_file(const std::filesystem::path& path);

}  // namespace engram::ceilings
