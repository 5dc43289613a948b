// The roofline's view of a ceilings file. The file is read by its one reader
// (ceilings::ceilings_from_json, beside its writer in bench/src/ceilings);
// here only the figures the roofline uses are picked out of it.
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "engram/io/errors.hpp"
#include "engram/io/json.hpp"
#include "engram/roofline/roofline.hpp"

namespace engram::roofline {
namespace {

std::optional<LevelBandwidth> plateau_of(const ceilings::CeilingsLevel& level, const std::string& kernel) {
  const ceilings::PlateauFigure* f = level.figure(kernel);
  if (f == nullptr) return std::nullopt;
  return LevelBandwidth{f->gbps, f->from_bytes, f->to_bytes};
}

}  // namespace

double MachineCeilings::best_peak_gflops() const {
  double best = 0;
  for (const auto& [simd, gflops] : peak_gflops) best = std::max(best, gflops);
  return best;
}

MachineCeilings machine_ceilings(const ceilings::CeilingsFile& file, const std::string& bandwidth_kernel) {
  if (bandwidth_kernel != "load" && bandwidth_kernel != "copy" && bandwidth_kernel != "triad") {
    throw std::invalid_argument(
        fmt::format("unknown bandwidth kernel '{}' (expected load, copy or triad)", bandwidth_kernel));
  }
  MachineCeilings c;
  c.source = file.source;
  c.cpu_model = file.cpu_model;
  c.date = file.date;
  c.clock_ghz = file.clock_ghz.value_or(0);
  c.bandwidth_kernel = bandwidth_kernel;
  c.peak_gflops = file.peak_gflops;
  for (const ceilings::CeilingsLevel& l : file.levels) {
    MemoryCeiling m;
    m.level = l.name;
    m.size = l.size.bytes;
    m.size_source = l.size.source;
    m.stream = plateau_of(l, bandwidth_kernel);
    m.gather = plateau_of(l, "gather");
    c.levels.push_back(std::move(m));
  }
  const ceilings::CeilingsSweep* stream = file.sweep(bandwidth_kernel);
  if (stream == nullptr || stream->points.empty()) {
    throw io::InputError(file.source, 0, fmt::format("/sweeps: no {} sweep", bandwidth_kernel));
  }
  if (std::none_of(c.levels.begin(), c.levels.end(), [](const MemoryCeiling& m) { return m.stream.has_value(); })) {
    throw io::InputError(file.source, 0, fmt::format("/levels: no level has a {} bandwidth", bandwidth_kernel));
  }
  c.stream_sweep = stream->points;
  if (const ceilings::CeilingsSweep* gather = file.sweep("gather")) c.gather_sweep = gather->points;
  return c;
}

MachineCeilings read_ceilings_json(const std::filesystem::path& path, const std::string& bandwidth_kernel) {
  return machine_ceilings(ceilings::read_ceilings_file(path), bandwidth_kernel);
}

MachineCeilings parse_ceilings_json(std::string_view text, const std::string& source,
                                    const std::string& bandwidth_kernel) {
  return machine_ceilings(ceilings::ceilings_from_json(io::parse_json_text(text, source)), bandwidth_kernel);
}

}  // namespace engram::roofline
