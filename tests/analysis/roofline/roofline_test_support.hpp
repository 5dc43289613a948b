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
// avx512 160 GFLOP/s; load bandwidth L1 200 GB/s (plateau to 32 KiB), L2 100
// (to 512 KiB), L3 50 (to 8 MiB), DRAM 20; sizes 32 KiB, 1 MiB, 32 MiB.
inline json synthetic_ceilings() {
  auto figure = [](double gbps, double from, double to) {
    return json{{"gbps", gbps}, {"max_gbps", gbps}, {"from_bytes", from}, {"to_bytes", to}, {"points", 3}};
  };
  auto level = [&](json size, double gbps, double from, double to) {
    json f = figure(gbps, from, to);
    json copy = figure(gbps * 0.9, from, to);
    json triad = figure(gbps * 0.95, from, to);
    return json{{"size", size}, {"bandwidth", {{"load", f}, {"copy", copy}, {"triad", triad}}}};
  };
  json c;
  c["schema"] = "engram-ceilings/1";
  c["machine"] = {{"cpu_model", "Synthetic CPU"}, {"date", "2026-01-01T00:00:00Z"}};
  c["clock"] = {{"ghz", 3.0}};
  c["peak_gflops"] = {{"scalar", 10.0}, {"avx2", 80.0}, {"avx512", 160.0}};
  c["levels"]["L1"] = level({{"bytes", 32768}, {"source", "cpuid"}}, 200, 16384, 32768);
  c["levels"]["L2"] = level({{"bytes", 1048576}, {"source", "cpuid"}}, 100, 49152, 524288);
  c["levels"]["L3"] = level({{"bytes", 33554432}, {"source", "cpuid"}}, 50, 1048576, 8388608);
  c["levels"]["DRAM"] = level({{"bytes", nullptr}, {"source", "main memory"}}, 20, 67108864, 268435456);
  return c;
}

// One Google Benchmark entry with the baseline's counters. Rates are per
// CPU second, as Google Benchmark computes them.
inline json benchmark_entry(const std::string& name, double flops_per_iteration, double bytes_per_iteration,
                            double cpu_us, double real_us, double sde_bytes_per_iteration = 0, int repetition = 0) {
  const double cpu_s = cpu_us * 1e-6;
  json e = {{"name", name},
            {"run_name", name},
            {"run_type", "iteration"},
            {"repetitions", 1},
            {"repetition_index", repetition},
            {"threads", 1},
            {"iterations", 100},
            {"real_time", real_us},
            {"cpu_time", cpu_us},
            {"time_unit", "us"},
            {"FLOP/s", flops_per_iteration / cpu_s},
            {"bytes_per_second", bytes_per_iteration / cpu_s},
            {"items_per_second", 1000 / cpu_s}};
  if (sde_bytes_per_iteration > 0) e["sde_bytes/s"] = sde_bytes_per_iteration / cpu_s;
  return e;
}

inline json benchmark_file(const json& entries, const std::string& simd_level = "avx512") {
  return json{{"context", {{"engram.simd_level", simd_level}, {"num_cpus", 2}}}, {"benchmarks", entries}};
}

}  // namespace engram::roofline_testing
