// System configuration: what the machine, the build and the benchmark run
// say about themselves, each figure with its source, and "not readable"
// where nothing says.
#include <sys/utsname.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "engram/io/format.hpp"
#include "sections.hpp"
#include "system_probe.hpp"

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

std::string path_text(const fs::path& p) { return p.generic_string(); }

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
    out.push_back({static_cast<int>(c.at("level").number()), c.at("type").string(), c.at("size").number()});
  }
  return out;
}

std::string cpu_flags_summary(const CpuInfo& cpu) {
  std::vector<std::string> simd;
  for (const char* flag : {"sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "neon",
                           "asimd", "sve"}) {
    if (cpu.flags.count(flag)) simd.emplace_back(flag);
  }
  return simd.empty() ? std::string("none of sse4_2, avx, avx2, fma, avx512*") : fmt::format("{}", fmt::join(simd, ", "));
}

void add_cpu_rows(std::vector<Row>& rows, const LoadedInputs& in, const std::optional<CpuInfo>& cpu,
                  const SystemSources& s) {
  const std::string cpuinfo = path_text(s.proc / "cpuinfo");
  if (cpu && !cpu->model.empty()) {
    rows.push_back({"CPU", Text(cpu->model + (cpu->vendor.empty() ? "" : " (" + cpu->vendor + ")")),
                    Text() << code(cpuinfo)});
  } else if (in.ceilings && !in.ceilings->cpu_model.empty()) {
    rows.push_back({"CPU", Text(in.ceilings->cpu_model), Text() << code(io::display_path(in.ceilings->file))});
  } else {
    rows.push_back({"CPU", Text("not readable"), Text() << code(cpuinfo) << " absent"});
  }

  if (cpu) {
    Text simd = Text(cpu_flags_summary(*cpu));
    Text source = Text() << code(cpuinfo) << " flags";
    const std::string level = context_value(in.bench, "engram.simd_level");
    if (!level.empty()) {
      simd << "; the benchmarks ran the kernels at SIMD level " << code(level);
      source << "; benchmark context " << code("engram.simd_level");
    }
    rows.push_back({"SIMD", simd, source});

    std::string cores = fmt::format("{} logical CPUs", cpu->logical_cpus);
    std::vector<std::string> detail;
    if (cpu->packages > 0) detail.push_back(fmt::format("{} package(s)", cpu->packages));
    if (cpu->cores_per_package) detail.push_back(fmt::format("{} core(s) per package", *cpu->cores_per_package));
    if (cpu->cores_per_package && cpu->siblings) {
      detail.push_back(*cpu->siblings > *cpu->cores_per_package
                           ? fmt::format("{} threads per core (SMT)", *cpu->siblings / *cpu->cores_per_package)
                           : std::string("no SMT"));
    }
    if (!detail.empty()) cores += fmt::format(" ({})", fmt::join(detail, ", "));
    const std::string gb_cpus = context_value(in.bench, "num_cpus");
    Text cores_source = Text() << code(cpuinfo);
    if (!gb_cpus.empty()) {
      cores += "; Google Benchmark counted " + gb_cpus;
      cores_source << "; benchmark context " << code("num_cpus");
    }
    rows.push_back({"Cores", Text(cores), cores_source});
    const bool hypervisor = cpu->flags.count("hypervisor") > 0;
    rows.push_back({"Virtualisation",
                    Text(hypervisor ? "the CPU reports the hypervisor flag: this is a virtual machine"
                                    : "no hypervisor flag: bare metal, or a hypervisor that hides itself"),
                    Text() << code(cpuinfo) << " flags"});
  }
}

void add_memory_and_os_rows(std::vector<Row>& rows, const SystemSources& s, const LoadedInputs& in) {
  const auto ram = read_mem_total_bytes(s.proc);
  rows.push_back({"RAM", Text(ram ? io::bytes(static_cast<double>(*ram)) : std::string("not readable")),
                  Text() << code(path_text(s.proc / "meminfo")) << " MemTotal"});
  const auto os = read_os_name(s.os_release);
  rows.push_back({"OS", Text(os.value_or("not readable")), Text() << code(path_text(s.os_release))});
  auto kernel = read_kernel_release(s.proc);
  Text source = Text() << code(path_text(s.proc / "sys/kernel/osrelease"));
  if (kernel && s.read_live_machine) {
    utsname names{};
    if (::uname(&names) == 0) *kernel += std::string(" ") + names.machine;
    source << " and uname";
  }
  if (!kernel && in.ceilings && !in.ceilings->kernel.empty()) {
    kernel = in.ceilings->kernel;
    source = Text() << code(io::display_path(in.ceilings->file));
  }
  rows.push_back({"Kernel", Text(kernel.value_or("not readable")), source});
}

void add_build_rows(std::vector<Row>& rows, const LoadedInputs& in, const SystemSources& s) {
  // Compiler: the ceilings program records the one it was built with; else
  // ask the compiler the CMake cache names.
  const auto& cache = in.cmake_cache;
  auto cached = [&](const std::string& key) {
    const auto it = cache.find(key);
    return it == cache.end() ? std::string() : it->second;
  };
  const std::string cache_file = io::display_path(in.paths.cmake_cache);
  if (in.ceilings && !in.ceilings->compiler.empty()) {
    rows.push_back({"Compiler", Text(in.ceilings->compiler), Text() << code(io::display_path(in.ceilings->file))});
  } else if (!cached("CMAKE_CXX_COMPILER").empty()) {
    const std::string compiler = cached("CMAKE_CXX_COMPILER");
    const auto version = s.read_live_machine ? compiler_version(compiler) : std::nullopt;
    rows.push_back({"Compiler", Text() << code(compiler) << (version ? ": " + *version : std::string()),
                    Text() << code(cache_file) << (version ? " and the compiler's --version" : "")});
  } else {
    rows.push_back({"Compiler", Text("not recorded: give --cmake-cache build/CMakeCache.txt or --ceilings"),
                    Text("none")});
  }

  if (!cache.empty()) {
    const std::string type = cached("CMAKE_BUILD_TYPE");
    std::string upper = type;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    Text flags;
    flags << "build type " << code(type.empty() ? "(none)" : type) << ", CMAKE_CXX_FLAGS "
          << code(cached("CMAKE_CXX_FLAGS").empty() ? "(empty)" : cached("CMAKE_CXX_FLAGS"));
    if (!upper.empty()) {
      const std::string per_type = cached("CMAKE_CXX_FLAGS_" + upper);
      flags << ", CMAKE_CXX_FLAGS_" + upper + " " << code(per_type.empty() ? "(empty)" : per_type);
    }
    rows.push_back({"Compile flags", flags, Text() << code(cache_file)});
  } else {
    rows.push_back({"Compile flags", Text("not recorded: give --cmake-cache build/CMakeCache.txt"), Text("none")});
  }
  if (in.ceilings && !in.ceilings->compile_flags.empty()) {
    rows.push_back({"Flags recorded by the ceilings build", Text() << code(in.ceilings->compile_flags),
                    Text() << code(io::display_path(in.ceilings->file))});
  }
  const std::string gb_build = context_value(in.bench, "library_build_type");
  if (!gb_build.empty()) {
    rows.push_back({"Google Benchmark library",
                    Text("built as " + gb_build + " (the library's own build, as it reports it; the timed kernels "
                         "are built with the flags above)"),
                    Text() << "benchmark context " << code("library_build_type")});
  }
}

void add_clock_rows(std::vector<Row>& rows, const LoadedInputs& in, const std::optional<CpuInfo>& cpu,
                    const SystemSources& s) {
  std::vector<std::string> parts;
  Text source;
  if (in.ceilings && in.ceilings->clock_ghz) {
    parts.push_back(fmt::format("{:.2f} GHz measured (dependent integer adds)", *in.ceilings->clock_ghz));
    source << code(io::display_path(in.ceilings->file)) << "; ";
  } else if (in.roofline && in.roofline->clock_ghz && *in.roofline->clock_ghz > 0) {
    parts.push_back(fmt::format("{:.2f} GHz measured by the ceilings run", *in.roofline->clock_ghz));
    source << code(io::display_path(in.roofline->file)) << "; ";
  }
  if (cpu && cpu->mhz) {
    parts.push_back(fmt::format("{:.0f} MHz reported by the kernel", *cpu->mhz));
    source << code(path_text(s.proc / "cpuinfo")) << " cpu MHz";
  }
  rows.push_back({"Clock", Text(parts.empty() ? std::string("not measured") : fmt::format("{}", fmt::join(parts, "; "))),
                  source.empty() ? Text("none") : source});

  const auto governors = read_governors(s.sys);
  const std::string governor_file = path_text(s.sys / "devices/system/cpu/cpu*/cpufreq/scaling_governor");
  Text governor;
  if (governors.per_cpu.empty()) {
    governor << "not readable (no " << code(governor_file)
             << ": the kernel exposes no frequency scaling here, as is usual in a VM)";
  } else {
    std::vector<std::string> distinct = governors.per_cpu;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    governor << fmt::format("{} (on {} CPU(s))", fmt::join(distinct, ", "), governors.per_cpu.size());
    if (!governors.driver.empty()) governor << ", driver " << code(governors.driver);
  }
  const std::string scaling = context_value(in.bench, "cpu_scaling_enabled");
  Text gsource = Text() << code(governor_file);
  if (!scaling.empty()) {
    governor << "; Google Benchmark: CPU scaling " << (scaling == "true" ? "enabled" : "not detected");
    gsource << "; benchmark context " << code("cpu_scaling_enabled");
  }
  rows.push_back({"Frequency governor", governor, gsource});
}

void add_pmu_row(std::vector<Row>& rows, const LoadedInputs& in, const std::optional<CpuInfo>& cpu,
                 const SystemSources& s) {
  Text value;
  Text source;
  const auto pmu = read_pmu_devices(s.sys);
  const std::string devices = path_text(s.sys / "bus/event_source/devices");
  if (!pmu.listed) {
    value << "unknown (" << code(devices) << " not readable)";
  } else if (pmu.has_cpu_pmu) {
    value << "hardware PMU available to perf";
  } else {
    value << strong("no hardware PMU") << fmt::format(": perf offers only {}", fmt::join(pmu.names, ", "));
  }
  source << code(devices);
  if (cpu && cpu->flags.count("hypervisor")) {
    value << "; hypervisor flag set";
    source << "; " << code(path_text(s.proc / "cpuinfo"));
  }
  if (!in.counter_statuses.empty()) {
    std::map<std::string, std::vector<std::string>> by_status;
    for (const auto& c : in.counter_statuses) by_status[c.status].push_back(c.counter);
    std::vector<std::string> parts;
    for (const auto& [status, names] : by_status) parts.push_back(fmt::format("{} {}", fmt::join(names, ", "), status));
    value << "; counters run: " << fmt::format("{}", fmt::join(parts, "; "));
    const auto unavailable = std::find_if(in.counter_statuses.begin(), in.counter_statuses.end(),
                                          [](const CounterStatus& c) { return c.status != "counted"; });
    if (unavailable != in.counter_statuses.end() && !unavailable->reason.empty()) {
      value << " (" << unavailable->counter << ": " << unavailable->reason << ")";
    }
    source << "; " << code(io::display_path(in.paths.counters_bench)) << " context " << code("engram.counters");
  }
  if (!in.hotspots.event.empty()) {
    value << "; the profile sampled " << code(in.hotspots.event);
    if (in.hotspots.event.find("cpu-clock") != std::string::npos) value << " (the software timer)";
    source << "; " << code(io::display_path(in.hotspots.file));
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
    for (const auto& a : averages.elements()) shown.push_back(fmt::format("{:.2f}", a.number()));
    value << fmt::format("; load average (1, 5, 15 min) when it started: {}", fmt::join(shown, ", "));
  }
  rows.push_back({"Benchmark run", value, Text() << code(io::display_path(in.paths.bench)) << " context"});
}

Table cache_table(const LoadedInputs& in, const SystemSources& s) {
  Table t;
  t.header = {"Level", "Size used", "Source", "sysfs", "sysconf", "Google Benchmark", "Against the bandwidth sweep"};
  t.align = {Align::left, Align::right, Align::left, Align::right, Align::right, Align::right, Align::left};
  const auto sysfs = read_sysfs_caches(s.sys);
  const auto gb = context_caches(in.bench);
  auto sysfs_size = [&](int level) -> std::optional<double> {
    for (const auto& c : sysfs) {
      if (c.level == level && c.type != "Instruction" && c.bytes) return static_cast<double>(*c.bytes);
    }
    return std::nullopt;
  };
  auto gb_size = [&](int level) -> std::optional<double> {
    for (const auto& c : gb) {
      if (c.level == level && c.type != "Instruction") return c.bytes;
    }
    return std::nullopt;
  };
  auto show = [](std::optional<double> v) { return v ? io::bytes(*v) : std::string("—"); };
  for (int level = 1; level <= 3; ++level) {
    const std::string name = fmt::format("L{}", level);
    const auto live = s.read_live_machine ? sysconf_cache_bytes(level) : std::nullopt;
    std::optional<double> sysconf_size = live ? std::optional<double>(static_cast<double>(*live)) : std::nullopt;
    std::optional<double> used;
    std::string source, check;
    const CeilingsCache* ceiling = nullptr;
    if (in.ceilings) {
      for (const auto& c : in.ceilings->caches) {
        if (c.level == name) ceiling = &c;
      }
    }
    if (ceiling != nullptr && ceiling->bytes) {
      used = ceiling->bytes;
      source = ceiling->source + " (as the ceilings run chose it)";
      if (ceiling->sysconf) sysconf_size = ceiling->sysconf;
      check = ceiling->checked_against_sweep ? "consistent with the sweep" : "not checked";
      if (!ceiling->note.empty()) check += "; " + ceiling->note;
    } else if (sysfs_size(level)) {
      used = sysfs_size(level);
      source = "sysfs";
      check = in.ceilings ? "the ceilings run has no size for it" : "not checked (no ceilings run)";
    } else if (sysconf_size) {
      used = sysconf_size;
      source = "sysconf";
      check = "not checked (no ceilings run)";
    } else if (gb_size(level)) {
      used = gb_size(level);
      source = "Google Benchmark context";
      check = "not checked (no ceilings run)";
    }
    if (!used && !sysfs_size(level) && !sysconf_size && !gb_size(level)) continue;
    t.rows.push_back({Text(name + (level == 1 ? " data" : "")), Text(show(used)), Text(source.empty() ? "—" : source),
                      Text(show(sysfs_size(level))), Text(show(sysconf_size)), Text(show(gb_size(level))),
                      Text(check.empty() ? "—" : check)});
  }
  return t;
}

}  // namespace

void add_system_section(Document& doc, const LoadedInputs& in, const SystemSources& s) {
  doc.add(Heading{2, "System configuration", "system-configuration"});
  doc.add(Paragraph{Text("Read when the report was written, on the machine that ran the profile and the "
                         "benchmarks; each figure names its source.")});
  const auto cpu = read_cpuinfo(s.proc);
  std::vector<Row> rows;
  add_cpu_rows(rows, in, cpu, s);
  add_memory_and_os_rows(rows, s, in);
  add_build_rows(rows, in, s);
  add_clock_rows(rows, in, cpu, s);
  add_pmu_row(rows, in, cpu, s);
  add_run_rows(rows, in);
  Table t;
  t.header = {"Item", "Value", "Source"};
  for (auto& r : rows) t.rows.push_back({Text(r.item), std::move(r.value), std::move(r.source)});
  doc.add(std::move(t));

  doc.add(Heading{3, "Caches", "caches"});
  Table caches = cache_table(in, s);
  if (caches.rows.empty()) {
    doc.add(Paragraph{Text("No cache size is readable: no sysfs cache folder, no sysconf value, no ceilings run.")});
  } else {
    Text intro;
    intro << "Size used: what the roofline's memory levels assume. ";
    if (in.ceilings) {
      intro << "The ceilings run (" << code(io::display_path(in.ceilings->file))
            << ") takes each size from CPUID or sysconf and checks it against the plateaus of its bandwidth sweep.";
      for (const auto& note : in.ceilings->notes) intro << " Note: " << note << ".";
    } else {
      intro << "Without a ceilings run (" << code("--ceilings")
            << ") the sizes come from sysfs or sysconf and are not checked against a bandwidth sweep.";
    }
    doc.add(Paragraph{intro});
    doc.add(std::move(caches));
  }
}

}  // namespace engram::report
