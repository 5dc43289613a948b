// The ceilings JSON, and writing files without leaving half of one.
//
// Layout (schema "engram-ceilings", version 1; read back by ceilings_from_json in
// ceilings_file.cpp, the one reader); every measured figure says where it
// came from in a "source" field next to it:
//   machine   CPU model, vendor, family/model, /proc/cpuinfo flags, SIMD levels,
//             compiler and flags, date, host, kernel, load average
//   clock     {ghz, method, runs_ghz, source}
//   peaks     [{simd, gflops, flops_per_cycle, instruction, chains, ...}]
//   peak_gflops {scalar, avx2, avx512}: the best run of each
//   levels    {L1, L2, L3, DRAM}: size (bytes, source, checked against the
//             sweep, every source's figure) and bandwidth per kernel (load,
//             copy, triad: the plateau's median GB/s, its extent, points;
//             gather: the same for random 4-byte loads, the ceiling of a
//             gather-bound kernel, counting the value and its index)
//   sweeps    [{kernel, simd, bytes_counted, points [{bytes, gbps, level}],
//             plateaus}]: the raw sweep
//   stream_probes, options, timer, seconds, notes

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engram/io/format.hpp"
#include "engram/ceilings.hpp"

namespace engram::ceilings {
namespace {

using nlohmann::json;

double rounded(double value, int digits = 3) {
  const double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

json plateau_json(const Plateau& p) {
  return {{"level", level_name(p.level)}, {"gbps", rounded(p.gbps)},   {"max_gbps", rounded(p.max_gbps)},
          {"from_bytes", p.first_bytes},  {"to_bytes", p.last_bytes}, {"points", p.points()},
          {"first_index", p.first},       {"last_index", p.last}};
}

json sweep_json(const Sweep& sweep) {
  json points = json::array();
  for (std::size_t i = 0; i < sweep.points.size(); ++i) {
    json point = {{"bytes", sweep.points[i].bytes}, {"gbps", rounded(sweep.points[i].gbps)}, {"level", nullptr}};
    for (const Plateau& p : sweep.plateaus) {
      if (i >= p.first && i <= p.last) point["level"] = level_name(p.level);
    }
    points.push_back(std::move(point));
  }
  json plateaus = json::array();
  for (const Plateau& p : sweep.plateaus) plateaus.push_back(plateau_json(p));
  return {{"kernel", sweep.kernel},
          {"simd", sweep.simd},
          {"bytes_counted", sweep.bytes_counted},
          {"points", std::move(points)},
          {"plateaus", std::move(plateaus)}};
}

json level_json(Level level, const Ceilings& c) {
  json out = json::object();
  if (level == Level::kDram) {
    out["size"] = {{"bytes", nullptr}, {"source", "main memory: everything past the last-level cache"}};
  } else {
    for (const CacheSizeFinding& f : c.cache_sizes) {
      if (f.level != level) continue;
      json size = {{"bytes", f.chosen.bytes ? json(f.chosen.bytes) : json(nullptr)},
                   {"source", f.chosen.source.empty() ? json(nullptr) : json(f.chosen.source)},
                   {"checked_against_sweep", f.checked},
                   {"cpuid", f.cpuid ? json(f.cpuid) : json(nullptr)},
                   {"sysconf", f.sysconf ? json(f.sysconf) : json(nullptr)},
                   {"sweep_low", f.sweep ? json(f.sweep->low) : json(nullptr)},
                   {"sweep_high", f.sweep && f.sweep->high ? json(f.sweep->high) : json(nullptr)},
                   {"sweep_estimate", f.sweep && f.sweep->estimate ? json(f.sweep->estimate) : json(nullptr)}};
      if (!f.note.empty()) size["note"] = f.note;
      out["size"] = std::move(size);
    }
  }
  json bandwidth = json::object();
  for (const Sweep& sweep : c.sweeps) {
    json figure = nullptr;
    for (const Plateau& p : sweep.plateaus) {
      if (p.level != level) continue;
      figure = plateau_json(p);
      figure.erase("level");
      figure["source"] = fmt::format("sweep: median of the {} points of the {} plateau ({} to {})", p.points(),
                                     sweep.kernel, io::bytes(p.first_bytes), io::bytes(p.last_bytes));
    }
    bandwidth[sweep.kernel] = std::move(figure);
  }
  out["bandwidth"] = std::move(bandwidth);
  return out;
}

}  // namespace

std::string to_json(const Ceilings& c, const MachineInfo& m) {
  json simd_levels = json::array();
  for (const PeakResult& p : c.peaks) simd_levels.push_back(simd_name(p.simd));
  json out;
  out["schema"] = kCeilingsSchema;
  out["version"] = kCeilingsVersion;
  out["machine"] = {{"cpu_model", m.cpu_model},
                    {"vendor", m.vendor},
                    {"family", m.family},
                    {"model", m.model},
                    {"logical_cpus", m.logical_cpus},
                    {"cpu_flags", m.cpu_flags},
                    {"simd_levels", simd_levels},
                    {"cpuinfo_mhz", m.cpuinfo_mhz},
                    {"compiler", m.compiler},
                    {"compile_flags", m.compile_flags},
                    {"date", m.date},
                    {"host", m.host},
                    {"kernel", m.kernel},
                    {"load_average_before", m.load_average_before},
                    {"load_average_after", m.load_average_after}};
  out["timer"] =
      "thread CPU time (CLOCK_THREAD_CPUTIME_ID): time spent descheduled does not count; every figure is the "
      "best of several runs";
  json clock = {{"ghz", c.clock.ghz ? json(rounded(c.clock.ghz, 4)) : json(nullptr)},
                {"method", c.clock.method},
                {"source", "measured"}};
  json clock_runs = json::array();
  for (double r : c.clock.runs_ghz) clock_runs.push_back(rounded(r, 4));
  clock["runs_ghz"] = std::move(clock_runs);
  out["clock"] = std::move(clock);

  json peaks = json::array();
  json peak_gflops = json::object();
  for (const PeakResult& p : c.peaks) {
    json runs = json::array();
    for (double r : p.runs_gflops) runs.push_back(rounded(r));
    peaks.push_back({{"simd", simd_name(p.simd)},
                     {"gflops", rounded(p.gflops)},
                     {"flops_per_cycle", c.clock.ghz > 0 ? json(rounded(p.gflops / c.clock.ghz, 2)) : json(nullptr)},
                     {"instruction", p.instruction},
                     {"chains", p.chains},
                     {"flops_per_operation", p.flops_per_operation},
                     {"seconds_per_run", p.seconds_per_run},
                     {"runs_gflops", std::move(runs)},
                     {"source", "measured: independent FMA chains in registers, single precision, one thread"}});
    peak_gflops[std::string(simd_name(p.simd))] = rounded(p.gflops);
  }
  out["peaks"] = std::move(peaks);
  out["peak_gflops"] = std::move(peak_gflops);

  json levels = json::object();
  for (Level level : kAllLevels) levels[std::string(level_name(level))] = level_json(level, c);
  out["levels"] = std::move(levels);

  json sweeps = json::array();
  for (const Sweep& s : c.sweeps) sweeps.push_back(sweep_json(s));
  out["sweeps"] = std::move(sweeps);
  json probes = json::array();
  for (const StreamProbe& p : c.stream_probes) probes.push_back({{"simd", p.simd}, {"gbps", rounded(p.gbps)}});
  out["stream_probes"] = std::move(probes);

  out["options"] = {{"peak_seconds", c.options.peak_seconds},
                    {"peak_repeats", c.options.peak_repeats},
                    {"sweep_min_bytes", c.options.sweep_min_bytes},
                    {"sweep_max_bytes", c.options.sweep_max_bytes},
                    {"points_per_octave", c.options.points_per_octave},
                    {"point_seconds", c.options.point_seconds},
                    {"point_repeats", c.options.point_repeats},
                    {"stream_simd", c.options.stream_simd},
                    {"pages", c.options.huge_pages ? "transparent huge pages (madvise)" : "ordinary 4 KiB pages"}};
  out["seconds"] = rounded(c.seconds, 2);
  json notes = json::array();
  for (const CacheSizeFinding& f : c.cache_sizes) {
    if (!f.note.empty()) notes.push_back(fmt::format("{} size: {}", level_name(f.level), f.note));
  }
  for (const Sweep& s : c.sweeps) {
    for (Level level : kAllLevels) {
      bool found = false;
      for (const Plateau& p : s.plateaus) found = found || p.level == level;
      if (!found) notes.push_back(fmt::format("the {} sweep shows no {} plateau", s.kernel, level_name(level)));
    }
  }
  out["notes"] = std::move(notes);
  return out.dump(2) + "\n";
}

}  // namespace engram::ceilings
