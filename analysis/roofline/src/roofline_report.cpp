// The roofline as a markdown section, and roofline.json: its one writer
// (to_json) and its one reader (roofline_from_json).
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engram/io/format.hpp"
#include "engram/io/text_table.hpp"
#include "engram/roofline/roofline.hpp"

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

std::string levels_in_words(const MachineCeilings& c, bool gather) {
  std::string out;
  for (const MemoryCeiling& m : c.levels) {
    if (!out.empty()) out += ", ";
    const auto& f = gather ? m.gather : m.stream;
    const std::string size =
        !gather && m.size ? fmt::format(" ({}, {})", io::bytes(static_cast<double>(*m.size)), m.size_source) : "";
    out += f ? fmt::format("{} {:.1f} GB/s{}", m.level, f->gbps, size) : fmt::format("{} no plateau{}", m.level, size);
  }
  return out;
}

// Where a level's memory roof meets the best compute peak.
std::string ridges_in_words(const MachineCeilings& c) {
  std::string out;
  for (const MemoryCeiling& m : c.levels) {
    if (!m.stream) continue;
    out += fmt::format("{}{} {:.2f}", out.empty() ? "" : ", ", m.level, c.best_peak_gflops() / m.stream->gbps);
  }
  return out + " FLOP/byte";
}

json plateau_json(const std::optional<LevelBandwidth>& f) {
  if (!f) return nullptr;
  return {{"gbps", f->gbps}, {"from_bytes", f->from_bytes}, {"to_bytes", f->to_bytes}};
}

json sweep_json(const std::vector<ceilings::SweepPoint>& sweep) {
  json out = json::array();
  for (const ceilings::SweepPoint& p : sweep) out.push_back({{"bytes", p.bytes}, {"gbps", p.gbps}});
  return out;
}

std::optional<LevelBandwidth> plateau_from(const io::JsonValue& level, std::string_view key) {
  const auto f = level.find(key);
  if (!f) return std::nullopt;
  // A bandwidth: the roofs divide by it, so 0 is as wrong as a negative one.
  const LevelBandwidth b{f->at("gbps").positive(), f->at("from_bytes").count(), f->at("to_bytes").count()};
  if (b.to_bytes < b.from_bytes) {
    f->at("to_bytes").fail(fmt::format("{} is below from_bytes {}", b.to_bytes, b.from_bytes));
  }
  return b;
}

std::vector<ceilings::SweepPoint> sweep_from(const io::JsonValue& list) {
  std::vector<ceilings::SweepPoint> out;
  for (const auto& p : list.elements()) out.push_back({p.at("bytes").count(), p.at("gbps").positive()});
  return out;
}

std::string string_or_empty(const io::JsonValue& object, std::string_view key) {
  return object.optional_string(key).value_or("");
}

}  // namespace

std::string roofline_markdown(const RooflineResult& r) {
  const MachineCeilings& c = r.ceilings;
  std::string md = "## Roofline\n\n";
  md += fmt::format("Ceilings from `{}`{}{}: clock {}; compute peaks (single precision, one core, FMA) {}; "
                    "{} bandwidth {}; gather bandwidth {}. Ridge points at the best peak ({}): {}.\n\n",
                    c.source, c.cpu_model.empty() ? "" : " (" + c.cpu_model, c.cpu_model.empty() ? "" : ")",
                    c.clock_ghz > 0 ? fmt::format("{:.2f} GHz", c.clock_ghz) : "not measured", peaks_in_words(c),
                    c.bandwidth_kernel, levels_in_words(c, false),
                    c.gather_sweep.empty() ? std::string("not measured") : levels_in_words(c, true),
                    c.bandwidth_kernel, ridges_in_words(c));
  md += fmt::format("Benchmarks from `{}`{}.\n\n", r.benchmarks_source,
                    r.simd_level.empty() ? "" : fmt::format(" (SIMD level {})", r.simd_level));
  for (const auto& [name, text] : roofline_rules(r)) md += fmt::format("- {}: {}\n", name, text);
  md += "\n";
  io::TextTable table({"Benchmark", "Access", "FLOP/iter", "Bytes/iter", "Working set", "Level", "AI (FLOP/B)",
                       "GFLOP/s", "GB/s", "Roof GB/s", "Peak", "Roof GFLOP/s", "% of roof", "Bound"});
  for (const RooflinePoint& p : r.points) {
    table.add({p.name, p.access, io::count(p.flops_per_iteration), io::count(p.bytes_per_iteration),
               io::bytes(p.working_set_bytes), p.level, fmt::format("{:.3g}", p.intensity),
               fmt::format("{:.3g}", p.gflops), fmt::format("{:.3g}", p.gbps), fmt::format("{:.3g}", p.bandwidth_gbps),
               p.peak_simd, fmt::format("{:.3g}", p.attainable_gflops),
               fmt::format("{:.1f}%", 100.0 * p.fraction_of_roof), p.bound});
  }
  md += table.render_markdown();
  bool any_note = false;
  for (const RooflinePoint& p : r.points) {
    if (p.note.empty()) continue;
    if (!any_note) md += "\nNotes:\n\n";
    any_note = true;
    md += fmt::format("- {}: {}\n", p.name, p.note);
  }
  if (!r.skipped.empty()) {
    md += "\nLeft out:\n\n";
    for (const std::string& s : r.skipped) md += "- " + s + "\n";
  }
  return md;
}

json to_json(const RooflineResult& r) {
  const MachineCeilings& c = r.ceilings;
  json levels = json::array();
  for (const MemoryCeiling& m : c.levels) {
    levels.push_back({{"level", m.level},
                      {"size_bytes", m.size ? json(*m.size) : json(nullptr)},
                      {"size_source", m.size_source.empty() ? json(nullptr) : json(m.size_source)},
                      {"stream", plateau_json(m.stream)},
                      {"gather", plateau_json(m.gather)},
                      {"ridge_intensity", m.stream ? json(c.best_peak_gflops() / m.stream->gbps) : json(nullptr)}});
  }
  json points = json::array();
  for (const RooflinePoint& p : r.points) {
    json roofs = json::array();
    for (const LevelRoof& roof : p.roofs) {
      roofs.push_back({{"level", roof.level},
                       {"gbps", roof.gbps},
                       {"roof_gflops", roof.roof_gflops},
                       {"memory_bound", roof.memory_bound}});
    }
    points.push_back({{"name", p.name},
                      {"kernel", p.kernel},
                      {"variant", p.variant},
                      {"access", p.access},
                      {"repetitions", p.repetitions},
                      {"seconds_per_iteration", p.seconds_per_iteration},
                      {"flops_per_iteration", p.flops_per_iteration},
                      {"bytes_per_iteration", p.bytes_per_iteration},
                      {"work_measured_on", p.work_measured_on},
                      {"passes", p.passes},
                      {"working_set_bytes", p.working_set_bytes},
                      {"arithmetic_intensity", p.intensity},
                      {"gflops", p.gflops},
                      {"gbps", p.gbps},
                      {"peak_simd", p.peak_simd},
                      {"peak_gflops", p.peak_gflops},
                      {"roofs", std::move(roofs)},
                      {"level", p.level},
                      {"level_rule", p.level_rule},
                      {"bandwidth_gbps", p.bandwidth_gbps},
                      {"attainable_gflops", p.attainable_gflops},
                      {"fraction_of_roof", p.fraction_of_roof},
                      {"bound", p.bound},
                      {"note", p.note.empty() ? json(nullptr) : json(p.note)}});
  }
  json rules = json::object();
  for (const auto& [name, text] : roofline_rules(r)) rules[name] = text;
  return {{"schema", kRooflineSchema},
          {"version", kRooflineVersion},
          {"ceilings",
           {{"source", c.source},
            {"cpu_model", c.cpu_model},
            {"date", c.date},
            {"clock_ghz", c.clock_ghz > 0 ? json(c.clock_ghz) : json(nullptr)},
            {"bandwidth_kernel", c.bandwidth_kernel},
            {"peak_gflops", c.peak_gflops},
            {"levels", std::move(levels)},
            {"stream_sweep", sweep_json(c.stream_sweep)},
            {"gather_sweep", sweep_json(c.gather_sweep)}}},
          {"benchmarks", {{"source", r.benchmarks_source}, {"simd_level", r.simd_level}, {"time", to_string(r.time)}}},
          {"peak_rule", r.peak_rule},
          {"rules", std::move(rules)},
          {"points", std::move(points)},
          {"skipped", r.skipped}};
}

std::string roofline_json(const RooflineResult& result) { return to_json(result).dump(2) + "\n"; }

RooflineResult roofline_from_json(const io::JsonValue& root) {
  if (!root.is_object()) root.fail("expected a JSON object (the roofline.json of build/analysis/roofline)");
  io::check_schema(root, kRooflineSchema, kRooflineVersion);
  RooflineResult r;
  const io::JsonValue c = root.at("ceilings");
  MachineCeilings& m = r.ceilings;
  m.source = string_or_empty(c, "source");
  m.cpu_model = string_or_empty(c, "cpu_model");
  m.date = string_or_empty(c, "date");
  if (const auto ghz = c.find("clock_ghz")) m.clock_ghz = ghz->clock_ghz();  // absent: not measured (0)
  m.bandwidth_kernel = c.at("bandwidth_kernel").string();
  for (const auto& [simd, value] : c.at("peak_gflops").members()) m.peak_gflops[simd] = value.positive();
  for (const auto& l : c.at("levels").elements()) {
    MemoryCeiling level;
    level.level = l.at("level").string();
    if (const auto size = l.find("size_bytes")) level.size = size->count();
    level.size_source = string_or_empty(l, "size_source");
    level.stream = plateau_from(l, "stream");
    level.gather = plateau_from(l, "gather");
    m.levels.push_back(std::move(level));
  }
  m.stream_sweep = sweep_from(c.at("stream_sweep"));
  m.gather_sweep = sweep_from(c.at("gather_sweep"));

  const io::JsonValue b = root.at("benchmarks");
  r.benchmarks_source = string_or_empty(b, "source");
  r.simd_level = string_or_empty(b, "simd_level");
  const io::JsonValue time = b.at("time");
  try {
    r.time = benchstats::parse_time_measure(time.string());
  } catch (const std::invalid_argument& e) {
    time.fail(e.what());
  }
  r.peak_rule = string_or_empty(root, "peak_rule");
  for (const auto& p : root.at("points").elements()) {
    RooflinePoint point;
    point.name = p.at("name").string();
    point.kernel = p.at("kernel").string();
    point.variant = p.at("variant").string();
    point.access = p.at("access").string();
    point.repetitions = p.at("repetitions").count();
    point.seconds_per_iteration = p.at("seconds_per_iteration").positive();
    point.flops_per_iteration = p.at("flops_per_iteration").non_negative();
    point.bytes_per_iteration = p.at("bytes_per_iteration").non_negative();
    point.work_measured_on = string_or_empty(p, "work_measured_on");
    point.passes = p.at("passes").positive();
    point.working_set_bytes = p.at("working_set_bytes").non_negative();
    point.intensity = p.at("arithmetic_intensity").non_negative();
    point.gflops = p.at("gflops").non_negative();
    point.gbps = p.at("gbps").non_negative();
    point.peak_simd = p.at("peak_simd").string();
    point.peak_gflops = p.at("peak_gflops").positive();
    for (const auto& roof : p.at("roofs").elements()) {
      point.roofs.push_back({roof.at("level").string(), roof.at("gbps").positive(), roof.at("roof_gflops").non_negative(),
                             roof.at("memory_bound").boolean()});
    }
    point.level = p.at("level").string();
    point.level_rule = string_or_empty(p, "level_rule");
    point.bandwidth_gbps = p.at("bandwidth_gbps").positive();
    point.attainable_gflops = p.at("attainable_gflops").positive();
    point.fraction_of_roof = p.at("fraction_of_roof").non_negative();  // above 1 when a kernel beats the model
    point.bound = p.at("bound").string();
    point.note = string_or_empty(p, "note");
    r.points.push_back(std::move(point));
  }
  for (const auto& s : root.at("skipped").elements()) r.skipped.push_back(s.string());
  return r;
}

RooflineResult read_roofline_json(const std::filesystem::path& path) {
  return roofline_from_json(io::read_json_file(path, "roofline.json of build/analysis/roofline"));
}

}  // namespace engram::roofline
