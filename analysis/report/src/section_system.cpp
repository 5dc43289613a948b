// System configuration: the machine snapshot the benchmark run took
// (build/bench/baseline --machine-out, counters' MachineSnapshot), what the
// build and the benchmark run say about themselves, and what the ceilings run
// measured; each figure with its source, and "not recorded" where nothing
// says. Nothing here reads the machine the report happens to be written on.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "engram/io/format.hpp"
#include "sections.hpp"

namespace engram::report {
namespace fs = std::filesystem;

namespace {

struct Row {
  std::string item;
  Text value;
  Text source;
};

std::string context_value(const benchstats::BenchmarkFile& file, const std::string& key) {
  const auto it = file.context.find(key);
  return it == file.context.end() ? std::string() : it->second;
}

// "machine.json" (where the snapshot says it).
Text snapshot_source(const LoadedInputs& in, std::string_view field) {
  return Text() << code(io::display_path(in.paths.machine)) << " " << code(std::string(field));
}

// The caches Google Benchmark put in its context (a JSON array).
struct ContextCache {
  int level = 0;
  std::string type;
  double bytes = 0;
};
std::vector<ContextCache> context_caches(const benchstats::BenchmarkFile& file) {
  std::vector<ContextCache> out;
  const std::string text = context_value(file, "caches");
  if (text.empty()) return out;
  const io::JsonValue caches = io::parse_json_text(text, file.source + ": context \"caches\"");
  for (const auto& c : caches.elements()) {
    out.push_back({static_cast<int>(c.at("level").whole(1, 9)), c.at("type").string(), c.at("size").non_negative()});
  }
  return out;
}

void add_cpu_rows(std::vector<Row>& rows, const LoadedInputs& in, const counters::MachineSnapshot& m) {
  if (m.cpu_model) {
    rows.push_back({"CPU", Text(*m.cpu_model + (m.cpu_vendor ? " (" + *m.cpu_vendor + ")" : "")),
                    snapshot_source(in, "cpu.model")});
  } else {
    rows.push_back({"CPU", Text("not recorded"), snapshot_source(in, "cpu.model")});
  }

  Text simd = Text(m.simd_features.empty() ? std::string("none of sse4_2, avx, avx2, fma, avx512*")
                                           : fmt::format("{}", fmt::join(m.simd_features, ", ")));
  Text simd_source = snapshot_source(in, "simd.features");
  std::string level = m.simd_level.value_or("");
  if (level.empty()) level = context_value(in.bench, "engram.simd_level");
  if (!level.empty()) {
    simd << "; the benchmarks ran the kernels at SIMD level " << code(level);
    simd_source << (m.simd_level ? Text() << " and " << code("simd.level")
                                 : Text() << "; benchmark context " << code("engram.simd_level"));
  }
  rows.push_back({"SIMD", simd, simd_source});

  std::string cores = m.logical_cpus ? fmt::format("{} logical CPUs", *m.logical_cpus) : std::string("not recorded");
  std::vector<std::string> detail;
  if (m.packages) detail.push_back(fmt::format("{} package(s)", *m.packages));
  if (m.cores_per_package) detail.push_back(fmt::format("{} core(s) per package", *m.cores_per_package));
  if (m.cores_per_package && m.threads_per_package) {
    detail.push_back(*m.threads_per_package > *m.cores_per_package
                         ? fmt::format("{} threads per core (SMT)", *m.threads_per_package / *m.cores_per_package)
                         : std::string("no SMT"));
  }
  if (!detail.empty()) cores += fmt::format(" ({})", fmt::join(detail, ", "));
  if (m.online_cpus && m.logical_cpus && *m.online_cpus != *m.logical_cpus) {
    cores += fmt::format("; {} online", *m.online_cpus);
  }
  Text cores_source = snapshot_source(in, "cpu");
  const std::string gb_cpus = context_value(in.bench, "num_cpus");
  if (!gb_cpus.empty()) {
    cores += "; Google Benchmark counted " + gb_cpus;
    cores_source << "; benchmark context " << code("num_cpus");
  }
  rows.push_back({"Cores", Text(cores), cores_source});
  rows.push_back({"Virtualisation",
                  Text(!m.hypervisor ? "not recorded"
                       : *m.hypervisor
                           ? "the CPU reports the hypervisor flag: this is a virtual machine"
                           : "no hypervisor flag: bare metal, or a hypervisor that hides itself"),
                  snapshot_source(in, "cpu.hypervisor")});
}

void add_memory_and_os_rows(std::vector<Row>& rows, const LoadedInputs& in, const counters::MachineSnapshot& m) {
  rows.push_back({"RAM", Text(m.memory_bytes ? io::bytes(static_cast<double>(*m.memory_bytes)) : std::string("not recorded")),
                  snapshot_source(in, "memory.total_bytes")});
  rows.push_back({"OS", Text(m.os.value_or("not recorded")), snapshot_source(in, "os.pretty_name")});
  std::string kernel = m.kernel_release.value_or("not recorded");
  if (m.kernel_release && m.machine) kernel += " " + *m.machine;
  rows.push_back({"Kernel", Text(kernel), snapshot_source(in, "kernel")});
}

void add_build_rows(std::vector<Row>& rows, const LoadedInputs& in, const counters::MachineSnapshot& m) {
  // The build of the benchmark program that took the snapshot: the kernels
  // were compiled with the same compiler and flags.
  const std::string compiler = fmt::format("{} {}", m.compiler_id, m.compiler_version);
  rows.push_back({"Compiler", Text(m.compiler_id.empty() ? std::string("not recorded") : compiler),
                  snapshot_source(in, "build")});
  Text flags;
  flags << "build type " << code(m.build_type.empty() ? "(none)" : m.build_type) << ", flags "
        << code(m.compile_flags.empty() ? "(none)" : m.compile_flags);
  rows.push_back({"Compile flags", flags, snapshot_source(in, "build")});
  const std::string gb_build = context_value(in.bench, "library_build_type");
  if (!gb_build.empty()) {
    rows.push_back({"Google Benchmark library",
                    Text("built as " + gb_build + " (the library's own build, as it reports it; the timed kernels "
                         "are built with the flags above)"),
                    Text() << "benchmark context " << code("library_build_type")});
  }
}

void add_clock_rows(std::vector<Row>& rows, const LoadedInputs& in, const counters::MachineSnapshot& m) {
  std::vector<std::string> parts;
  Text source;
  if (in.ceilings && in.ceilings->clock_ghz) {
    parts.push_back(fmt::format("{:.2f} GHz measured (dependent integer adds)", *in.ceilings->clock_ghz));
    source << code(io::display_path(in.paths.ceilings)) << "; ";
  } else if (in.roofline && in.roofline->ceilings.clock_ghz > 0) {
    parts.push_back(fmt::format("{:.2f} GHz measured by the ceilings run", in.roofline->ceilings.clock_ghz));
    source << code(io::display_path(in.paths.roofline)) << "; ";
  }
  if (m.cpuinfo_mhz) parts.push_back(fmt::format("{:.0f} MHz reported by the kernel", *m.cpuinfo_mhz));
  if (m.cpufreq_max_mhz) parts.push_back(fmt::format("at most {:.0f} MHz (cpufreq)", *m.cpufreq_max_mhz));
  source << snapshot_source(in, "clock");
  rows.push_back({"Clock", Text(parts.empty() ? std::string("not measured") : fmt::format("{}", fmt::join(parts, "; "))),
                  source});

  Text governor;
  if (m.governors.empty()) {
    governor << "not readable (no cpufreq scaling governor: the kernel exposes no frequency scaling, as is usual "
                "in a VM)";
  } else {
    governor << fmt::format("{}", fmt::join(m.governors, ", "));
    if (m.cpufreq_driver) governor << ", driver " << code(*m.cpufreq_driver);
  }
  Text gsource = snapshot_source(in, "clock.governors");
  const std::string scaling = context_value(in.bench, "cpu_scaling_enabled");
  if (!scaling.empty()) {
    governor << "; Google Benchmark: CPU scaling " << (scaling == "true" ? "enabled" : "not detected");
    gsource << "; benchmark context " << code("cpu_scaling_enabled");
  }
  rows.push_back({"Frequency governor", governor, gsource});
}

void add_pmu_row(std::vector<Row>& rows, const LoadedInputs& in, const counters::MachineSnapshot& m) {
  Text value;
  Text source = snapshot_source(in, "pmu");
  if (!m.hardware_counters) {
    value << "unknown";
  } else if (*m.hardware_counters) {
    value << "hardware PMU available to perf";
  } else {
    value << strong("no hardware PMU");
    if (!m.hardware_counters_reason.empty()) value << " (" << m.hardware_counters_reason << ")";
  }
  if (m.perf_pmus) {
    value << fmt::format(": perf offers {}", m.perf_pmus->empty() ? std::string("nothing")
                                                                  : fmt::format("{}", fmt::join(*m.perf_pmus, ", ")));
  }
  if (m.perf_event_paranoid) value << fmt::format("; perf_event_paranoid {}", *m.perf_event_paranoid);
  if (m.hypervisor && *m.hypervisor) value << "; hypervisor flag set";
  if (!in.counter_statuses.counters.empty()) {
    std::map<std::string, std::vector<std::string>> by_status;
    for (const auto& c : in.counter_statuses.counters) {
      by_status[std::string(counters::to_string(c.status))].push_back(c.counter);
    }
    std::vector<std::string> parts;
    for (const auto& [status, names] : by_status) parts.push_back(fmt::format("{} {}", fmt::join(names, ", "), status));
    value << "; counters run: " << fmt::format("{}", fmt::join(parts, "; "));
    const auto& list = in.counter_statuses.counters;
    const auto unavailable = std::find_if(list.begin(), list.end(), [](const counters::CounterStatusEntry& c) {
      return c.status != counters::Status::counted;
    });
    if (unavailable != list.end() && !unavailable->reason.empty()) {
      value << " (" << unavailable->counter << ": " << unavailable->reason << ")";
    }
    source << "; " << code(io::display_path(in.paths.counters_bench)) << " context " << code("engram.counters");
  }
  const std::string& event = in.hotspots.context.event;
  if (!event.empty()) {
    value << "; the profile sampled " << code(event);
    if (event.find("cpu-clock") != std::string::npos) value << " (the software timer)";
    source << "; " << code(io::display_path(in.paths.hotspots));
  }
  rows.push_back({"PMU", value, source});
}

void add_run_rows(std::vector<Row>& rows, const LoadedInputs& in) {
  const std::string date = context_value(in.bench, "date");
  const std::string host = context_value(in.bench, "host_name");
  const std::string load = context_value(in.bench, "load_avg");
  Text value;
  value << (date.empty() ? "date not recorded" : date);
  if (!host.empty()) value << " on host " << code(host);
  if (!load.empty()) {
    // A JSON array of 1, 5 and 15 minute averages.
    const io::JsonValue averages = io::parse_json_text(load, in.bench.source + ": context \"load_avg\"");
    std::vector<std::string> shown;
    for (const auto& a : averages.elements()) shown.push_back(fmt::format("{:.2f}", a.non_negative()));
    value << fmt::format("; load average (1, 5, 15 min) when it started: {}", fmt::join(shown, ", "));
  }
  rows.push_back({"Benchmark run", value, Text() << code(io::display_path(in.paths.bench)) << " context"});
}

// What the ceilings run chose for one cache level ("L1", "L2", "L3") and
// whether it checked it against its bandwidth sweep; nullptr without one.
const ceilings::LevelSizeRecord* ceilings_cache(const LoadedInputs& in, const std::string& level) {
  if (!in.ceilings) return nullptr;
  for (const auto& l : in.ceilings->levels) {
    if (l.name == level) return &l.size;
  }
  return nullptr;
}

Table cache_table(const LoadedInputs& in, const counters::MachineSnapshot& m) {
  Table t;
  t.header = {"Level", "Size used", "Source", "CPUID", "sysfs", "sysconf", "Google Benchmark", "Against the bandwidth sweep"};
  t.align = {Align::left, Align::right, Align::left, Align::right, Align::right, Align::right, Align::right, Align::left};
  const auto gb = context_caches(in.bench);
  auto gb_size = [&](int level) -> std::optional<double> {
    for (const auto& c : gb) {
      if (c.level == level && c.type != "Instruction") return c.bytes;
    }
    return std::nullopt;
  };
  auto show = [](std::optional<double> v) { return v ? io::bytes(*v) : std::string("—"); };
  for (int level = 1; level <= 3; ++level) {
    const std::string name = fmt::format("L{}", level);
    const counters::CacheLevel* snap = nullptr;
    for (const auto& c : m.caches) {
      if (c.level == level && c.type != "instruction") snap = &c;
    }
    auto figure = [&](const char* source) -> std::optional<double> {
      if (snap == nullptr) return std::nullopt;
      for (const auto& f : snap->figures) {
        if (f.source == source) return static_cast<double>(f.bytes);
      }
      return std::nullopt;
    };
    std::optional<double> used;
    std::string source, check;
    const ceilings::LevelSizeRecord* ceiling = ceilings_cache(in, name);
    if (ceiling != nullptr && ceiling->bytes) {
      used = static_cast<double>(*ceiling->bytes);
      source = ceiling->source + " (as the ceilings run chose it)";
      check = ceiling->checked_against_sweep ? "consistent with the sweep" : "not checked";
      if (!ceiling->note.empty()) check += "; " + ceiling->note;
    } else if (snap != nullptr && snap->chosen) {
      const counters::CacheFigure& chosen = snap->figures[*snap->chosen];
      used = static_cast<double>(chosen.bytes);
      source = chosen.source + (snap->why.empty() ? std::string() : " (" + snap->why + ")");
      check = in.ceilings ? "the ceilings run has no size for it" : "not checked (no ceilings run)";
    } else if (gb_size(level)) {
      used = gb_size(level);
      source = "Google Benchmark context";
      check = "not checked (no ceilings run)";
    }
    if (!used && snap == nullptr && !gb_size(level)) continue;
    t.rows.push_back({Text(snap != nullptr ? snap->name : name), Text(show(used)), Text(source.empty() ? "—" : source),
                      Text(show(figure("cpuid"))), Text(show(figure("sysfs"))), Text(show(figure("sysconf"))),
                      Text(show(gb_size(level))), Text(check.empty() ? "—" : check)});
  }
  return t;
}

}  // namespace

void add_system_section(Document& doc, const LoadedInputs& in) {
  doc.add(Heading{2, "System configuration", "system-configuration"});
  if (!in.machine) {
    add_missing(doc,
                Text() << "The machine snapshot (" << code("--machine machine.json")
                       << "): the CPU, caches, clock, PMU, kernel, compiler and flags of the machine the benchmarks "
                          "ran on, recorded by the benchmark run itself (this report does not look at the machine "
                          "it is written on)",
                input_commands(io::display_path(in.paths.hotspots.parent_path())).machine);
    return;
  }
  const counters::MachineSnapshot& m = *in.machine;
  doc.add(Paragraph{Text() << "The machine the benchmarks ran on, as the benchmark run recorded it ("
                           << code(io::display_path(in.paths.machine)) << ", taken " << m.taken_at
                           << "); each figure names its source."});
  std::vector<Row> rows;
  add_cpu_rows(rows, in, m);
  add_memory_and_os_rows(rows, in, m);
  add_build_rows(rows, in, m);
  add_clock_rows(rows, in, m);
  add_pmu_row(rows, in, m);
  add_run_rows(rows, in);
  Table t;
  t.header = {"Item", "Value", "Source"};
  for (auto& r : rows) t.rows.push_back({Text(r.item), std::move(r.value), std::move(r.source)});
  doc.add(std::move(t));
  if (!m.problems.empty()) {
    doc.add(Paragraph{Text("What the snapshot could not read:")});
    BulletList problems;
    for (const auto& p : m.problems) problems.items.push_back(Text(p));
    doc.add(std::move(problems));
  }

  doc.add(Heading{3, "Caches", "caches"});
  Table caches = cache_table(in, m);
  if (caches.rows.empty()) {
    doc.add(Paragraph{Text("No cache size is recorded: not in the snapshot, not by Google Benchmark, no ceilings run.")});
  } else {
    Text intro;
    intro << "Size used: what the roofline's memory levels assume. CPUID, sysfs and sysconf: what each source told "
             "the snapshot. ";
    if (in.ceilings) {
      intro << "The ceilings run (" << code(io::display_path(in.paths.ceilings))
            << ") takes each size from CPUID or sysconf and checks it against the plateaus of its bandwidth sweep.";
      for (const auto& note : in.ceilings->notes) intro << " Note: " << note << ".";
    } else {
      intro << "Without a ceilings run (" << code("--ceilings")
            << ") the sizes are the snapshot's choice and are not checked against a bandwidth sweep.";
    }
    doc.add(Paragraph{intro});
    doc.add(std::move(caches));
  }
}

}  // namespace engram::report
