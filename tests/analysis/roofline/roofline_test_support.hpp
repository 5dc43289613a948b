#pragma once
// Helpers of the roofline and ceilings tests: synthetic ceilings and
// benchmark files, temporary folders, running the command-line tools.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "program_run.hpp"

namespace engram::roofline_testing {

using nlohmann::json;

// A fresh folder under the system temp directory, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "engram-roofline-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Files whose name says they are a temporary of write-then-rename.
inline int leftover_temporaries(const std::filesystem::path& dir) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) ++count;
  }
  return count;
}

using CommandResult = engram::testing::ProgramRun;

// Runs a shell command line; stderr is merged into the captured output.
inline CommandResult run_command(const std::string& command) { return engram::testing::run_shell(command); }

inline std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char ch : text) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// Ceilings in the layout of build/bench/ceilings: peaks scalar 10, avx2 80,
// avx512 160 GFLOP/s; sizes 32 KiB, 1 MiB, 32 MiB. The load sweep, a point
// per doubling from 16 KiB to 256 MiB: 200 GB/s to 32 KiB (L1 plateau), 100
// from 64 KiB to 512 KiB (L2), 50 from 1 MiB to 8 MiB (L3), then 40 at 16
// MiB and 25 at 32 MiB (no plateau: the L3-DRAM transition), 20 from 64 MiB
// (DRAM). The gather sweep: 40, 20, 10, then 5 and 2, then 1 GB/s, on the
// same sizes. copy and triad: the load figures x 0.9 and x 0.95.
inline json synthetic_sweep(const std::string& kernel) {
  const double scale = kernel == "copy" ? 0.9 : kernel == "triad" ? 0.95 : 1.0;
  const double load[] = {200, 200, 100, 100, 100, 100, 50, 50, 50, 50, 40, 25, 20, 20, 20};
  const double gather[] = {40, 40, 20, 20, 20, 20, 10, 10, 10, 10, 5, 2, 1, 1, 1};
  json points = json::array();
  for (int i = 0; i < 15; ++i) {
    points.push_back({{"bytes", 16384.0 * (1 << i)}, {"gbps", (kernel == "gather" ? gather[i] : load[i]) * scale}});
  }
  return {{"kernel", kernel}, {"simd", kernel == "gather" ? "scalar" : "avx2"}, {"points", points}};
}

inline json synthetic_ceilings() {
  auto figure = [](double gbps, double from, double to) {
    return json{{"gbps", gbps}, {"max_gbps", gbps}, {"from_bytes", from}, {"to_bytes", to}, {"points", 3}};
  };
  auto level = [&](json size, double gbps, double gather, double from, double to) {
    return json{{"size", size},
                {"bandwidth",
                 {{"load", figure(gbps, from, to)},
                  {"copy", figure(gbps * 0.9, from, to)},
                  {"triad", figure(gbps * 0.95, from, to)},
                  {"gather", figure(gather, from, to)}}}};
  };
  json c;
  c["schema"] = "engram-ceilings";
  c["version"] = 1;
  c["machine"] = {{"cpu_model", "Synthetic CPU"}, {"date", "2026-01-01T00:00:00Z"}};
  c["clock"] = {{"ghz", 3.0}};
  c["peak_gflops"] = {{"scalar", 10.0}, {"avx2", 80.0}, {"avx512", 160.0}};
  c["levels"]["L1"] = level({{"bytes", 32768}, {"source", "cpuid"}}, 200, 40, 16384, 32768);
  c["levels"]["L2"] = level({{"bytes", 1048576}, {"source", "cpuid"}}, 100, 20, 65536, 524288);
  c["levels"]["L3"] = level({{"bytes", 33554432}, {"source", "cpuid"}}, 50, 10, 1048576, 8388608);
  c["levels"]["DRAM"] = level({{"bytes", nullptr}, {"source", "main memory"}}, 20, 1, 67108864, 268435456);
  c["sweeps"] = json::array();
  for (const char* kernel : {"load", "copy", "triad", "gather"}) c["sweeps"].push_back(synthetic_sweep(kernel));
  return c;
}

// What the workload manifest says of one benchmark.
struct Work {
  std::string name;  // "KERNEL/VARIANT"
  double flops = 0, bytes = 0;
  double working_set = 0;  // 0: the bytes
  std::string access = "stream";
  double passes = 1;
};

inline json manifest_json(const std::vector<Work>& work) {
  json benchmarks = json::array();
  for (const Work& w : work) {
    const auto slash = w.name.rfind('/');
    benchmarks.push_back({{"name", w.name},
                          {"kernel", w.name.substr(0, slash)},
                          {"variant", w.name.substr(slash + 1)},
                          {"family", ""},
                          {"flops_per_iteration", w.flops},
                          {"bytes_read_per_iteration", w.bytes},
                          {"bytes_written_per_iteration", 0},
                          {"work_measured_on", w.name.substr(slash + 1)},
                          {"working_set_bytes", w.working_set > 0 ? w.working_set : w.bytes},
                          {"passes", w.passes},
                          {"access", w.access},
                          {"expected_share_percent", nullptr}});
  }
  return {{"schema", "engram-workload"}, {"version", 1}, {"benchmarks", benchmarks}};
}

// One Google Benchmark entry (times only: the work is the manifest's).
inline json benchmark_entry(const std::string& name, double cpu_us, double real_us, int repetition = 0) {
  return {{"name", name},           {"run_name", name},         {"run_type", "iteration"},
          {"repetitions", 1},       {"repetition_index", repetition}, {"threads", 1},
          {"iterations", 100},      {"real_time", real_us},     {"cpu_time", cpu_us},
          {"time_unit", "us"}};
}

// A benchmark file whose context carries `manifest` (none when null).
inline json benchmark_file(const json& entries, const json& manifest, const std::string& simd_level = "avx512") {
  json context = {{"engram.simd_level", simd_level}, {"num_cpus", 2}};
  if (!manifest.is_null()) context["engram.workload"] = manifest.dump();
  return json{{"context", context}, {"benchmarks", entries}};
}

// One entry per work item, each run once at `cpu_us` (real time the same).
inline json work_file(const std::vector<Work>& work, const std::vector<double>& cpu_us,
                           const std::string& simd_level = "avx512") {
  json entries = json::array();
  for (std::size_t i = 0; i < work.size(); ++i) entries.push_back(benchmark_entry(work[i].name, cpu_us[i], cpu_us[i]));
  return benchmark_file(entries, manifest_json(work), simd_level);
}

}  // namespace engram::roofline_testing
