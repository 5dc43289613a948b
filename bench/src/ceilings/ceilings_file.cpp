// The one reader of the ceilings file (its writer: report_json.cpp).
#include "engram/ceilings_file.hpp"

#include <fmt/format.h>

#include <cmath>

namespace engram::ceilings {
namespace {

constexpr const char* kLevels[] = {"L1", "L2", "L3", "DRAM"};

// Whole bytes in [1, 2^53]: checked before the cast (llround of 1e300 was undefined).
std::uint64_t positive_bytes(const io::JsonValue& value) {
  return static_cast<std::uint64_t>(value.whole(1, static_cast<std::int64_t>(io::kMaxExactCount)));
}

std::optional<std::uint64_t> optional_bytes(const io::JsonValue& object, std::string_view key) {
  const auto v = object.find(key);
  if (!v) return std::nullopt;
  return positive_bytes(*v);
}

PlateauFigure plateau_figure(const io::JsonValue& f) {
  PlateauFigure p;
  p.gbps = f.at("gbps").positive();
  p.max_gbps = f.find("max_gbps") ? f.at("max_gbps").positive() : p.gbps;
  p.from_bytes = positive_bytes(f.at("from_bytes"));
  p.to_bytes = positive_bytes(f.at("to_bytes"));
  if (p.to_bytes < p.from_bytes) f.at("to_bytes").fail(fmt::format("{} is below from_bytes {}", p.to_bytes, p.from_bytes));
  if (const auto n = f.find("points")) p.points = n->count();
  return p;
}

CeilingsLevel level_of(const io::JsonValue& levels, const char* name) {
  const io::JsonValue l = levels.at(name);
  CeilingsLevel level;
  level.name = name;
  const io::JsonValue size = l.at("size");
  level.size.bytes = optional_bytes(size, "bytes");
  if (!level.size.bytes && std::string_view(name) != "DRAM") {
    size.fail("no \"bytes\": the ceilings do not know this cache's size");
  }
  level.size.source = size.optional_string("source").value_or("");
  if (const auto checked = size.find("checked_against_sweep")) level.size.checked_against_sweep = checked->boolean();
  level.size.cpuid = optional_bytes(size, "cpuid");
  level.size.sysconf = optional_bytes(size, "sysconf");
  level.size.note = size.optional_string("note").value_or("");
  for (const auto& [kernel, figure] : l.at("bandwidth").members()) {
    if (!figure.is_null()) level.bandwidth.emplace(kernel, plateau_figure(figure));
  }
  return level;
}

}  // namespace

const PlateauFigure* CeilingsLevel::figure(std::string_view kernel) const {
  const auto it = bandwidth.find(std::string(kernel));
  return it == bandwidth.end() ? nullptr : &it->second;
}

const CeilingsSweep* CeilingsFile::sweep(std::string_view sweep_kernel) const {
  for (const CeilingsSweep& s : sweeps) {
    if (s.kernel == sweep_kernel) return &s;
  }
  return nullptr;
}

CeilingsFile ceilings_from_json(const io::JsonValue& root) {
  if (!root.is_object()) root.fail("expected a JSON object (the output of build/bench/ceilings)");
  io::check_schema(root, kCeilingsSchema, kCeilingsVersion);
  CeilingsFile c;
  c.source = root.source();
  if (const auto m = root.find("machine")) {
    c.cpu_model = m->optional_string("cpu_model").value_or("");
    c.vendor = m->optional_string("vendor").value_or("");
    c.compiler = m->optional_string("compiler").value_or("");
    c.compile_flags = m->optional_string("compile_flags").value_or("");
    c.date = m->optional_string("date").value_or("");
    c.host = m->optional_string("host").value_or("");
    c.kernel = m->optional_string("kernel").value_or("");
    // The writer writes 0 when /proc/cpuinfo has no "cpu MHz" (arm64): not
    // reported. Any other value is a clock rate and must be one.
    if (const auto mhz = m->find("cpuinfo_mhz"); mhz && !(mhz->is_number() && mhz->raw() == 0)) {
      c.cpuinfo_mhz = mhz->clock_mhz();
    }
    if (const auto simd = m->find("simd_levels")) {
      for (const auto& s : simd->elements()) c.simd_levels.push_back(s.string());
    }
  }
  if (const auto clock = root.find("clock")) {
    if (const auto ghz = clock->find("ghz")) c.clock_ghz = ghz->clock_ghz();
  }

  const io::JsonValue peaks = root.at("peak_gflops");
  for (const auto& [simd, value] : peaks.members()) c.peak_gflops[simd] = value.positive();
  if (c.peak_gflops.empty()) peaks.fail("no SIMD level: at least one compute peak is needed");

  const io::JsonValue levels = root.at("levels");
  for (const char* name : kLevels) c.levels.push_back(level_of(levels, name));
  for (std::size_t i = 1; i + 1 < c.levels.size(); ++i) {
    if (*c.levels[i].size.bytes < *c.levels[i - 1].size.bytes) {
      levels.at(c.levels[i].name).at("size").at("bytes").fail(fmt::format(
          "{} is smaller than {}'s {}", *c.levels[i].size.bytes, c.levels[i - 1].name, *c.levels[i - 1].size.bytes));
    }
  }

  for (const auto& s : root.at("sweeps").elements()) {
    CeilingsSweep sweep;
    sweep.kernel = s.at("kernel").string();
    sweep.simd = s.optional_string("simd").value_or("");
    for (const auto& p : s.at("points").elements()) {
      const SweepPoint point{positive_bytes(p.at("bytes")), p.at("gbps").positive()};
      if (!sweep.points.empty() && point.bytes <= sweep.points.back().bytes) {
        p.at("bytes").fail(fmt::format("{} does not follow {}: sweep sizes must increase", point.bytes,
                                       sweep.points.back().bytes));
      }
      sweep.points.push_back(point);
    }
    if (c.sweep(sweep.kernel) != nullptr) s.at("kernel").fail(fmt::format("a second \"{}\" sweep", sweep.kernel));
    c.sweeps.push_back(std::move(sweep));
  }
  if (const auto notes = root.find("notes")) {
    for (const auto& n : notes->elements()) c.notes.push_back(n.string());
  }
  return c;
}

CeilingsFile read_ceilings_file(const std::filesystem::path& path) {
  return ceilings_from_json(io::read_json_file(path, "ceilings JSON of build/bench/ceilings"));
}

}  // namespace engram::ceilings
