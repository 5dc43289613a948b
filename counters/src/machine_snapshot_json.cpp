// The machine snapshot's file format, "engram-machine" version 1: written
// and read here and nowhere else.
#include <string>

#include "engram/io/safe_write.hpp"
#include "engram/machine_snapshot.hpp"

namespace engram::counters {
namespace {

using nlohmann::json;

template <typename T>
json or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

// ---- reading: every member required (null where the fact is unknown), so a
// file that lost a field is an error naming it, not a silent "unknown".

std::optional<std::string> optional_string(const io::JsonValue& object, std::string_view key) {
  const io::JsonValue value = object.at(key);
  if (value.is_null()) return std::nullopt;
  return value.string();
}

std::optional<double> optional_clock_mhz(const io::JsonValue& object, std::string_view key) {
  const io::JsonValue value = object.at(key);
  if (value.is_null()) return std::nullopt;
  return value.clock_mhz();
}

std::optional<int> optional_int(const io::JsonValue& object, std::string_view key, int min = 0) {
  const io::JsonValue value = object.at(key);
  if (value.is_null()) return std::nullopt;
  return static_cast<int>(value.whole(min, 1 << 30));
}

std::optional<bool> optional_bool(const io::JsonValue& object, std::string_view key) {
  const io::JsonValue value = object.at(key);
  if (value.is_null()) return std::nullopt;
  return value.boolean();
}

std::vector<std::string> strings(const io::JsonValue& array) {
  std::vector<std::string> out;
  for (const io::JsonValue& element : array.elements()) out.push_back(element.string());
  return out;
}

std::optional<unsigned> optional_unsigned(const io::JsonValue& object, std::string_view key) {
  const io::JsonValue value = object.at(key);
  if (value.is_null()) return std::nullopt;
  return static_cast<unsigned>(value.whole(1, 1LL << 31));
}

}  // namespace

json to_json(const MachineSnapshot& s) {
  json caches = json::array();
  for (const CacheLevel& level : s.caches) {
    json figures = json::array();
    for (const CacheFigure& f : level.figures) {
      figures.push_back({{"source", f.source},
                         {"bytes", f.bytes},
                         {"ways", or_null(f.ways)},
                         {"line_bytes", or_null(f.line_bytes)},
                         {"shared_by_cpus", or_null(f.shared_by_cpus)}});
    }
    caches.push_back({{"name", level.name},
                      {"level", level.level},
                      {"type", level.type},
                      {"figures", figures},
                      {"chosen", level.chosen ? json(level.figures[*level.chosen].source) : json(nullptr)},
                      {"why", level.why}});
  }
  return {
      {"schema", kMachineSnapshotSchema},
      {"version", kMachineSnapshotVersion},
      {"taken_at", s.taken_at},
      {"cpu",
       {{"model", or_null(s.cpu_model)},
        {"vendor", or_null(s.cpu_vendor)},
        {"logical_cpus", or_null(s.logical_cpus)},
        {"online_cpus", or_null(s.online_cpus)},
        {"packages", or_null(s.packages)},
        {"cores_per_package", or_null(s.cores_per_package)},
        {"threads_per_package", or_null(s.threads_per_package)},
        {"hypervisor", or_null(s.hypervisor)},
        {"flags", s.cpu_flags}}},
      {"simd", {{"level", or_null(s.simd_level)}, {"features", s.simd_features}}},
      {"caches", caches},
      {"clock",
       {{"cpuinfo_mhz", or_null(s.cpuinfo_mhz)},
        {"cpufreq_max_mhz", or_null(s.cpufreq_max_mhz)},
        {"governors", s.governors},
        {"cpufreq_driver", or_null(s.cpufreq_driver)}}},
      {"memory", {{"total_bytes", or_null(s.memory_bytes)}}},
      {"pmu",
       {{"hardware_counters", or_null(s.hardware_counters)},
        {"reason", s.hardware_counters_reason},
        {"perf_event_paranoid", or_null(s.perf_event_paranoid)},
        {"perf_pmus", or_null(s.perf_pmus)}}},
      {"kernel",
       {{"release", or_null(s.kernel_release)},
        {"version", or_null(s.kernel_version)},
        {"machine", or_null(s.machine)}}},
      {"os", {{"pretty_name", or_null(s.os)}}},
      {"build",
       {{"compiler_id", s.compiler_id},
        {"compiler_version", s.compiler_version},
        {"build_type", s.build_type},
        {"flags", s.compile_flags}}},
      {"under_valgrind", s.under_valgrind},
      {"problems", s.problems},
  };
}

MachineSnapshot machine_snapshot_from_json(const io::JsonValue& root) {
  io::check_schema(root, kMachineSnapshotSchema, kMachineSnapshotVersion);
  MachineSnapshot s;
  s.taken_at = root.at("taken_at").string();

  const io::JsonValue cpu = root.at("cpu");
  s.cpu_model = optional_string(cpu, "model");
  s.cpu_vendor = optional_string(cpu, "vendor");
  s.logical_cpus = optional_int(cpu, "logical_cpus", 1);
  s.online_cpus = optional_int(cpu, "online_cpus", 1);
  s.packages = optional_int(cpu, "packages", 1);
  s.cores_per_package = optional_int(cpu, "cores_per_package", 1);
  s.threads_per_package = optional_int(cpu, "threads_per_package", 1);
  s.hypervisor = optional_bool(cpu, "hypervisor");
  s.cpu_flags = strings(cpu.at("flags"));

  const io::JsonValue simd = root.at("simd");
  s.simd_level = optional_string(simd, "level");
  s.simd_features = strings(simd.at("features"));

  for (const io::JsonValue& c : root.at("caches").elements()) {
    CacheLevel level;
    level.name = c.at("name").string();
    level.level = static_cast<int>(c.at("level").whole(1, 4));
    level.type = c.at("type").string();
    for (const io::JsonValue& f : c.at("figures").elements()) {
      CacheFigure figure;
      figure.source = f.at("source").string();
      figure.bytes = static_cast<std::uint64_t>(f.at("bytes").whole(1, 1LL << 50));
      figure.ways = optional_unsigned(f, "ways");
      figure.line_bytes = optional_unsigned(f, "line_bytes");
      figure.shared_by_cpus = optional_int(f, "shared_by_cpus", 1);
      level.figures.push_back(std::move(figure));
    }
    if (const auto chosen = optional_string(c, "chosen")) {
      for (std::size_t i = 0; i < level.figures.size() && !level.chosen; ++i)
        if (level.figures[i].source == *chosen) level.chosen = i;
      if (!level.chosen) c.at("chosen").fail("names \"" + *chosen + "\", which is none of this level's figures");
    }
    level.why = c.at("why").string();
    s.caches.push_back(std::move(level));
  }

  const io::JsonValue clock = root.at("clock");
  s.cpuinfo_mhz = optional_clock_mhz(clock, "cpuinfo_mhz");
  s.cpufreq_max_mhz = optional_clock_mhz(clock, "cpufreq_max_mhz");
  s.governors = strings(clock.at("governors"));
  s.cpufreq_driver = optional_string(clock, "cpufreq_driver");

  if (const io::JsonValue total = root.at("memory").at("total_bytes"); !total.is_null())
    s.memory_bytes = static_cast<std::uint64_t>(total.whole(1, 1LL << 60));

  const io::JsonValue pmu = root.at("pmu");
  s.hardware_counters = optional_bool(pmu, "hardware_counters");
  s.hardware_counters_reason = pmu.at("reason").string();
  s.perf_event_paranoid = optional_int(pmu, "perf_event_paranoid", -1);
  if (const io::JsonValue pmus = pmu.at("perf_pmus"); !pmus.is_null()) s.perf_pmus = strings(pmus);

  const io::JsonValue kernel = root.at("kernel");
  s.kernel_release = optional_string(kernel, "release");
  s.kernel_version = optional_string(kernel, "version");
  s.machine = optional_string(kernel, "machine");
  s.os = optional_string(root.at("os"), "pretty_name");

  const io::JsonValue build = root.at("build");
  s.compiler_id = build.at("compiler_id").string();
  s.compiler_version = build.at("compiler_version").string();
  s.build_type = build.at("build_type").string();
  s.compile_flags = build.at("flags").string();
  s.under_valgrind = root.at("under_valgrind").boolean();
  s.problems = strings(root.at("problems"));
  return s;
}

MachineSnapshot read_machine_snapshot(const std::filesystem::path& path) {
  return machine_snapshot_from_json(io::read_json_file(path, "machine snapshot (engram-machine JSON)"));
}

void write_machine_snapshot(const std::filesystem::path& path, const MachineSnapshot& snapshot) {
  io::write_file_atomically(path, to_json(snapshot).dump(2) + "\n");
}

}  // namespace engram::counters
