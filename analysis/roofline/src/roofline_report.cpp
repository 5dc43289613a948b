// The roofline as a markdown section and as JSON.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engram/roofline/roofline.hpp"
#include "engram/io/format.hpp"

namespace engram::roofline {
namespace {

using nlohmann::json;

// Narrow to wide, then any level we do not know by name.
std::string peaks_in_words(const MachineCeilings& c) {
  std::vector<std::string> order = {"scalar", "avx2", "avx512"};
  for (const auto& [simd, gflops] : c.peak_gflops) {
    if (std::find(order.begin(), order.end(), simd) == order.end()) order.push_back(simd);
  }
  std::string out;
  for (const std::string& simd : order) {
    const auto it = c.peak_gflops.find(simd);
    if (it != c.peak_gflops.end()) out += fmt::format("{}{} {:.1f}", out.empty() ? "" : ", ", simd, it->second);
  }
  return out + " GFLOP/s";
}

std::string levels_in_words(const MachineCeilings& c) {
  std::string out;
  for (const MemoryCeiling& m : c.levels) {
    if (!out.empty()) out += ", ";
    const std::string size =
        m.size ? fmt::format(" ({}, {})", io::bytes(static_cast<double>(*m.size)), m.size_source) : "";
    out += m.gbps ? fmt::format("{} {:.1f} GB/s{}", m.level, *m.gbps, size)
                  : fmt::format("{} not measured{}", m.level, size);
  }
  return out;
}

// Where a level's memory roof meets the best compute peak.
std::string ridges_in_words(const MachineCeilings& c) {
  std::string out;
  for (const MemoryCeiling& m : c.levels) {
    if (!m.gbps) continue;
    out += fmt::format("{}{} {:.2f}", out.empty() ? "" : ", ", m.level, c.best_peak_gflops() / *m.gbps);
  }
  return out + " FLOP/byte";
}

std::string escape_cell(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

std::string roofline_markdown(const RooflineResult& r) {
  const MachineCeilings& c = r.ceilings;
  std::string md = "## Roofline\n\n";
  md += fmt::format("Ceilings from `{}`{}{}: clock {}; compute peaks (single precision, one core, FMA) {}; "
                    "{} bandwidth {}. Ridge points at the best peak: {}.\n\n",
                    c.source, c.cpu_model.empty() ? "" : " (" + c.cpu_model, c.cpu_model.empty() ? "" : ")",
                    c.clock_ghz > 0 ? fmt::format("{:.2f} GHz", c.clock_ghz) : "not measured", peaks_in_words(c),
                    c.bandwidth_kernel, levels_in_words(c), ridges_in_words(c));
  md += fmt::format(
      "Benchmarks from `{}`{}; times are medians of the repetitions, {} time. FLOPs per iteration come from the "
      "KERNELS.md work model (the FLOP/s counter; there are no hardware FP counters on this machine), bytes from "
      "the kernels' SDE counts where they have them, else the work model. The working set is the bytes of one "
      "iteration divided by its passes over the same data (100 for spreading activation); it lives in the "
      "smallest level whose bandwidth plateau in the ceilings' sweep reaches that size (between two plateaus: "
      "the slower one), and that level's roof min(peak, I x bandwidth) is the one reached for. "
      "The compute peak: {}.\n\n",
      r.benchmarks_source, r.simd_level.empty() ? "" : fmt::format(" (SIMD level {})", r.simd_level),
      to_string(r.time), r.peak_rule);
  md += "| Benchmark | FLOP/iter | Bytes/iter | Bytes from | Working set | Level | AI (FLOP/B) | GFLOP/s | GB/s "
        "| Peak | Roof GFLOP/s | % of roof | Bound |\n";
  md += "|---|--:|--:|---|--:|---|--:|--:|--:|---|--:|--:|---|\n";
  for (const RooflinePoint& p : r.points) {
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {:.3g} | {:.3g} | {:.3g} | {} | {:.3g} | {:.1f}% | {} |\n",
                      escape_cell(p.name), io::count(p.flops_per_iteration), io::count(p.bytes_per_iteration),
                      p.bytes_source.rfind("SDE", 0) == 0 ? "SDE" : "model", io::bytes(p.working_set_bytes), p.level,
                      p.intensity, p.gflops, p.gbps, p.peak_simd, p.attainable_gflops, 100.0 * p.fraction_of_roof,
                      p.bound);
  }
  bool any_note = false;
  for (const RooflinePoint& p : r.points) {
    if (p.note.empty()) continue;
    if (!any_note) md += "\nNotes:\n\n";
    any_note = true;
    md += fmt::format("- {}: {}\n", escape_cell(p.name), escape_cell(p.note));
  }
  if (!r.skipped.empty()) {
    md += "\nLeft out:\n\n";
    for (const std::string& s : r.skipped) md += "- " + escape_cell(s) + "\n";
  }
  return md;
}

std::string roofline_json(const RooflineResult& r) {
  const MachineCeilings& c = r.ceilings;
  json levels = json::array();
  for (const MemoryCeiling& m : c.levels) {
    levels.push_back({{"level", m.level},
                      {"size_bytes", m.size ? json(*m.size) : json(nullptr)},
                      {"size_source", m.size_source.empty() ? json(nullptr) : json(m.size_source)},
                      {"gbps", m.gbps ? json(*m.gbps) : json(nullptr)},
                      {"ridge_intensity", m.gbps ? json(c.best_peak_gflops() / *m.gbps) : json(nullptr)}});
  }
  json points = json::array();
  for (const RooflinePoint& p : r.points) {
    json roofs = json::object();
    for (const LevelRoof& roof : p.roofs) {
      roofs[roof.level] = {{"gbps", roof.gbps}, {"roof_gflops", roof.roof_gflops}, {"memory_bound", roof.memory_bound}};
    }
    points.push_back({{"name", p.name},
                      {"kernel", p.kernel},
                      {"variant", p.variant},
                      {"repetitions", p.repetitions},
                      {"seconds_per_iteration", p.seconds_per_iteration},
                      {"flops_per_iteration", p.flops_per_iteration},
                      {"flops_source", p.flops_source},
                      {"bytes_per_iteration", p.bytes_per_iteration},
                      {"bytes_source", p.bytes_source},
                      {"model_bytes_per_iteration",
                       p.model_bytes_per_iteration ? json(*p.model_bytes_per_iteration) : json(nullptr)},
                      {"sde_bytes_per_iteration",
                       p.sde_bytes_per_iteration ? json(*p.sde_bytes_per_iteration) : json(nullptr)},
                      {"passes", p.passes},
                      {"working_set_bytes", p.working_set_bytes},
                      {"working_set_rule", p.working_set_rule},
                      {"arithmetic_intensity", p.intensity},
                      {"gflops", p.gflops},
                      {"gbps", p.gbps},
                      {"peak_simd", p.peak_simd},
                      {"peak_gflops", p.peak_gflops},
                      {"roofs", std::move(roofs)},
                      {"level", p.level},
                      {"level_rule", p.level_rule},
                      {"attainable_gflops", p.attainable_gflops},
                      {"fraction_of_roof", p.fraction_of_roof},
                      {"bound", p.bound},
                      {"note", p.note.empty() ? json(nullptr) : json(p.note)}});
  }
  json out = {
      {"schema", "engram-roofline/1"},
      {"ceilings",
       {{"source", c.source},
        {"cpu_model", c.cpu_model},
        {"date", c.date},
        {"clock_ghz", c.clock_ghz > 0 ? json(c.clock_ghz) : json(nullptr)},
        {"bandwidth_kernel", c.bandwidth_kernel},
        {"peak_gflops", c.peak_gflops},
        {"levels", std::move(levels)}}},
      {"benchmarks", {{"source", r.benchmarks_source}, {"simd_level", r.simd_level}, {"time", to_string(r.time)}}},
      {"rules",
       {{"flops", "KERNELS.md work model (the benchmark's FLOP/s counter x CPU time per iteration)"},
        {"bytes", "SDE counts (sde_bytes/s) where the kernel has them, else the work model (bytes_per_second)"},
        {"working_set", "bytes per iteration / passes over the same data (spreading activation: 100)"},
        {"level",
         "the smallest level whose bandwidth plateau in the sweep reaches the working set (between two plateaus: "
         "the slower level; without a plateau: the cache size); DRAM past the last cache"},
        {"roof", "min(peak, arithmetic intensity x the level's bandwidth)"},
        {"peak", r.peak_rule}}},
      {"points", std::move(points)},
      {"skipped", r.skipped}};
  return out.dump(2) + "\n";
}

}  // namespace engram::roofline
