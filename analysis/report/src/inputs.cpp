#include "inputs.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

namespace engram::report {
namespace fs = std::filesystem;

namespace {

std::uint64_t count_of(const io::JsonValue& value) {
  const double x = value.number();
  if (x < 0 || x != std::floor(x)) value.fail("expected a whole number >= 0");
  return static_cast<std::uint64_t>(x);
}

void require_schema(const io::JsonValue& root, std::string_view prefix, std::string_view what) {
  if (!root.is_object()) root.fail(fmt::format("expected a JSON object ({})", what));
  const auto schema = root.find("schema");
  if (!schema) root.fail(fmt::format("no \"schema\": not {} output", what));
  const std::string name = schema->string();
  if (name.rfind(prefix, 0) != 0) {
    schema->fail(fmt::format("\"{}\" is not {} output (expected schema {}N)", name, what, prefix));
  }
}

std::vector<HotspotRow> hotspot_rows(const io::JsonValue& list) {
  std::vector<HotspotRow> rows;
  for (const auto& item : list.elements()) {
    rows.push_back({item.at("function").string(), count_of(item.at("samples")), item.at("percent").number()});
  }
  return rows;
}

}  // namespace

HotspotsInput parse_hotspots(const io::JsonValue& root, const fs::path& file) {
  require_schema(root, "engram-perf.hotspots/", "build/analysis/hotspots");
  HotspotsInput in;
  in.file = file;
  in.event = root.optional_string("event").value_or("");
  in.binary = root.optional_string("binary").value_or("");
  in.total_samples = count_of(root.at("total_samples"));
  if (const auto f = root.find("functions")) in.functions = count_of(*f);
  in.top_inclusive = hotspot_rows(root.at("top_inclusive"));
  in.top_self = hotspot_rows(root.at("top_self"));
  const io::JsonValue families = root.at("families");
  in.family_rule = families.optional_string("rule").value_or("");
  for (const auto& share : families.at("shares").elements()) {
    FamilyRow row;
    row.family = share.at("family").string();
    row.samples = count_of(share.at("samples"));
    row.percent = share.at("percent").number();
    if (const auto band = share.find("expected_percent")) {
      const auto bounds = band->elements();
      if (bounds.size() != 2) band->fail("expected [low, high]");
      row.expected_low = bounds[0].number();
      row.expected_high = bounds[1].number();
    }
    row.verdict = share.optional_string("verdict").value_or("");
    in.families.push_back(std::move(row));
  }
  if (const auto diagnostics = root.find("diagnostics")) {
    if (const auto unresolved = diagnostics->find("unresolved_frames")) {
      in.unresolved_frame_percent = unresolved->optional_number("percent");
    }
    if (const auto entry = diagnostics->find("stacks_not_reaching_entry")) {
      in.not_reaching_entry_percent = entry->optional_number("percent");
    }
    if (const auto fp = diagnostics->find("frame_pointers")) {
      const std::string verdict = fp->optional_string("verdict").value_or("unknown");
      const std::string detail = fp->optional_string("detail").value_or("");
      in.frame_pointers = detail.empty() ? verdict : verdict + " (" + detail + ")";
    }
    if (const auto kernel = diagnostics->find("kernel_frames")) {
      const std::string status = kernel->optional_string("status").value_or("unknown");
      const std::string why = kernel->optional_string("explanation").value_or("");
      in.kernel_frames = why.empty() ? status : status + ": " + why;
    }
    if (const auto paranoid = diagnostics->optional_number("perf_event_paranoid")) {
      in.perf_event_paranoid = static_cast<int>(*paranoid);
    }
  }
  if (const auto warnings = root.find("warnings")) {
    for (const auto& w : warnings->elements()) in.warnings.push_back(w.string());
  }
  return in;
}

std::vector<CounterStatus> parse_counter_statuses(std::string_view text, const std::string& source) {
  const io::JsonValue root = io::parse_json_text(text, source + ": context \"engram.counters\"");
  std::vector<CounterStatus> out;
  for (const auto& item : root.elements()) {
    CounterStatus s;
    s.counter = item.at("counter").string();
    s.canonical = item.optional_string("canonical").value_or("");
    s.status = item.at("status").string();
    s.backend = item.optional_string("backend").value_or("");
    s.reason = item.optional_string("reason").value_or("");
    s.fix = item.optional_string("fix").value_or("");
    s.running_fraction = item.optional_number("running_fraction").value_or(0);
    static const char* const kKnown[] = {"counted", "multiplexed", "simulated", "unsupported", "no_permission"};
    bool known = false;
    for (const char* k : kKnown) known = known || s.status == k;
    if (!known) item.at("status").fail(fmt::format("unknown counter status \"{}\"", s.status));
    out.push_back(std::move(s));
  }
  return out;
}

RooflineInput parse_roofline(const io::JsonValue& root, const fs::path& file) {
  require_schema(root, "engram-roofline/", "build/analysis/roofline");
  RooflineInput in;
  in.file = file;
  if (const auto b = root.find("benchmarks")) {
    in.benchmarks_source = b->optional_string("source").value_or("");
    in.simd_level = b->optional_string("simd_level").value_or("");
    in.time = b->optional_string("time").value_or("");
  }
  const io::JsonValue ceilings = root.at("ceilings");
  in.cpu_model = ceilings.optional_string("cpu_model").value_or("");
  in.clock_ghz = ceilings.optional_number("clock_ghz");
  in.bandwidth_kernel = ceilings.optional_string("bandwidth_kernel").value_or("");
  if (const auto peaks = ceilings.find("peak_gflops")) {
    for (const auto& [simd, value] : peaks->members()) in.peaks.emplace_back(simd, value.number());
  }
  if (const auto levels = ceilings.find("levels")) {
    for (const auto& level : levels->elements()) {
      RooflineInput::Level l;
      l.level = level.at("level").string();
      l.gbps = level.optional_number("gbps");
      l.size_bytes = level.optional_number("size_bytes");
      l.size_source = level.optional_string("size_source").value_or("");
      in.levels.push_back(std::move(l));
    }
  }
  if (const auto rules = root.find("rules")) {
    for (const auto& [name, text] : rules->members()) in.rules.emplace_back(name, text.string());
  }
  for (const auto& p : root.at("points").elements()) {
    RooflineRow row;
    row.name = p.at("name").string();
    row.kernel = p.at("kernel").string();
    row.variant = p.at("variant").string();
    row.intensity = p.at("arithmetic_intensity").number();
    row.gflops = p.at("gflops").number();
    row.gbps = p.at("gbps").number();
    row.attainable_gflops = p.at("attainable_gflops").number();
    row.fraction_of_roof = p.at("fraction_of_roof").number();
    row.seconds_per_iteration = p.optional_number("seconds_per_iteration").value_or(0);
    row.working_set_bytes = p.optional_number("working_set_bytes").value_or(0);
    row.level = p.at("level").string();
    row.bound = p.at("bound").string();
    row.peak_simd = p.optional_string("peak_simd").value_or("");
    row.bytes_source = p.optional_string("bytes_source").value_or("");
    row.note = p.optional_string("note").value_or("");
    if (const auto reps = p.find("repetitions")) row.repetitions = count_of(*reps);
    if (row.attainable_gflops <= 0) p.at("attainable_gflops").fail("must be > 0");
    in.points.push_back(std::move(row));
  }
  if (const auto skipped = root.find("skipped")) {
    for (const auto& s : skipped->elements()) in.skipped.push_back(s.is_string() ? s.string() : s.raw().dump());
  }
  return in;
}

CeilingsInput parse_ceilings(const io::JsonValue& root, const fs::path& file) {
  require_schema(root, "engram-ceilings/", "build/bench/ceilings");
  CeilingsInput in;
  in.file = file;
  if (const auto machine = root.find("machine")) {
    in.cpu_model = machine->optional_string("cpu_model").value_or("");
    in.compiler = machine->optional_string("compiler").value_or("");
    in.compile_flags = machine->optional_string("compile_flags").value_or("");
    in.kernel = machine->optional_string("kernel").value_or("");
    in.date = machine->optional_string("date").value_or("");
    in.cpuinfo_mhz = machine->optional_number("cpuinfo_mhz");
    if (const auto simd = machine->find("simd_levels")) {
      for (const auto& s : simd->elements()) in.simd_levels.push_back(s.string());
    }
  }
  if (const auto clock = root.find("clock")) in.clock_ghz = clock->optional_number("ghz");
  if (const auto levels = root.find("levels")) {
    for (const char* name : {"L1", "L2", "L3"}) {
      const auto level = levels->find(name);
      if (!level) continue;
      const auto size = level->find("size");
      if (!size) continue;
      CeilingsCache c;
      c.level = name;
      c.bytes = size->optional_number("bytes");
      c.source = size->optional_string("source").value_or("");
      c.cpuid = size->optional_number("cpuid");
      c.sysconf = size->optional_number("sysconf");
      if (const auto checked = size->find("checked_against_sweep")) c.checked_against_sweep = checked->boolean();
      c.note = size->optional_string("note").value_or("");
      in.caches.push_back(std::move(c));
    }
  }
  if (const auto notes = root.find("notes")) {
    for (const auto& n : notes->elements()) in.notes.push_back(n.string());
  }
  return in;
}

StabilityInput parse_stability(const io::JsonValue& root, const fs::path& file) {
  if (!root.is_object()) root.fail("expected a JSON object (build/analysis/stability --json)");
  StabilityInput in;
  in.file = file;
  in.runs = root.at("runs").elements().size();
  in.cv_limit = root.at("cv_limit").number();
  in.time = root.optional_string("time").value_or("");
  if (const auto unit = root.optional_string("unit"); unit && *unit != "ns") {
    root.at("unit").fail(fmt::format("unit \"{}\": expected \"ns\" (the unit build/analysis/stability writes)", *unit));
  }
  for (const auto& b : root.at("benchmarks").elements()) {
    StabilityRow row;
    row.name = b.at("name").string();
    const auto medians = b.at("run_medians").elements();
    row.runs = medians.size();
    for (const auto& m : medians) {
      if (!m.is_null()) {
        (void)m.number();
        ++row.runs_measured;
      }
    }
    row.median_of_medians = b.optional_number("median_of_medians");
    row.min = b.optional_number("min");
    row.max = b.optional_number("max");
    row.cv = b.optional_number("cv");
    row.status = b.at("status").string();
    if (row.status != "pass" && row.status != "fail" && row.status != "incomplete") {
      b.at("status").fail(fmt::format("unknown status \"{}\" (expected pass, fail or incomplete)", row.status));
    }
    in.rows.push_back(std::move(row));
  }
  return in;
}

std::map<std::string, std::string> parse_cmake_cache(std::string_view text) {
  std::map<std::string, std::string> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("//", 0) == 0) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    if (const auto colon = key.find(':'); colon != std::string::npos) key.resize(colon);
    std::string value = line.substr(eq + 1);
    if (!value.empty() && value.back() == '\r') value.pop_back();
    out[key] = value;
  }
  return out;
}

namespace {

benchstats::BenchmarkFile read_bench(const fs::path& path, std::string_view what) {
  const std::string text = io::read_input_file(path, what);
  try {
    return benchstats::parse_benchmark_json(text, path.string());
  } catch (const benchstats::BenchmarkJsonError& e) {
    throw ReportInputError(e.what());
  }
}

std::string read_svg(const fs::path& path, std::string_view what) {
  std::string text = io::read_input_file(path, what);
  if (text.find("<svg") == std::string::npos) {
    throw ReportInputError(fmt::format("{}: not an SVG image (no <svg> element) ({})", path.string(), what));
  }
  if (text.find("</svg>") == std::string::npos) {
    throw ReportInputError(fmt::format("{}: truncated SVG image (no closing </svg>) ({})", path.string(), what));
  }
  return text;
}

}  // namespace

LoadedInputs load_inputs(const ReportInputs& inputs) {
  if (inputs.hotspots.empty()) throw ReportInputError("no hot-spot file given (--hotspots FILE, e.g. tmp/hotspots.json)");
  if (inputs.bench.empty()) throw ReportInputError("no benchmark file given (--bench FILE, Google Benchmark JSON)");
  LoadedInputs in;
  in.paths = inputs;
  in.hotspots = parse_hotspots(io::read_json_file(inputs.hotspots, "hot spots of build/analysis/hotspots"), inputs.hotspots);
  in.bench = read_bench(inputs.bench, "benchmarks of build/bench/baseline");
  if (!inputs.flamegraph.empty()) in.flamegraph_svg = read_svg(inputs.flamegraph, "flame graph");
  if (!inputs.counters_bench.empty()) {
    in.counters_bench = read_bench(inputs.counters_bench, "counters run of build/bench/baseline --counters");
    const auto it = in.counters_bench->context.find("engram.counters");
    if (it == in.counters_bench->context.end()) {
      throw ReportInputError(fmt::format(
          "{}: context: no \"engram.counters\" entry: not a run of build/bench/baseline with --counters=LIST",
          inputs.counters_bench.string()));
    }
    in.counter_statuses = parse_counter_statuses(it->second, inputs.counters_bench.string());
  }
  if (!inputs.roofline.empty()) {
    in.roofline = parse_roofline(io::read_json_file(inputs.roofline, "roofline of build/analysis/roofline"), inputs.roofline);
  }
  if (!inputs.roofline_plot.empty()) in.roofline_svg = read_svg(inputs.roofline_plot, "roofline plot");
  if (!inputs.ceilings.empty()) {
    in.ceilings = parse_ceilings(io::read_json_file(inputs.ceilings, "ceilings of build/bench/ceilings"), inputs.ceilings);
  }
  if (!inputs.stability.empty()) {
    in.stability =
        parse_stability(io::read_json_file(inputs.stability, "stability of build/analysis/stability"), inputs.stability);
  }
  if (!inputs.stability_plot.empty()) in.stability_svg = read_svg(inputs.stability_plot, "stability plot");
  if (!inputs.cmake_cache.empty()) in.cmake_cache = parse_cmake_cache(io::read_input_file(inputs.cmake_cache, "CMake cache"));
  return in;
}

}  // namespace engram::report
