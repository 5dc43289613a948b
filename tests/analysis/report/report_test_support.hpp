#pragma once
// Shared by the report tests: fixture paths, a scratch folder per test, the
// full set of fixture inputs, and running the report tool.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engram/profile/flamegraph.hpp"
#include "engram/profile/folded.hpp"
#include "engram/report/report.hpp"
#include "program_run.hpp"

namespace engram::test {

namespace fs = std::filesystem;

inline fs::path report_fixture(const std::string& name) { return fs::path(ENGRAM_REPORT_FIXTURES) / name; }

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A fresh folder for one test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "." + info->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    path_ = fs::temp_directory_path() / ("engram-report-" + std::to_string(::getpid())) / name;
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
    fs::remove(path_.parent_path(), ec);  // the per-process folder, once empty
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// The fixture profile rendered with the project's flame graph renderer (so
// the tests see the current viewer script).
inline fs::path write_fixture_flamegraph(const fs::path& svg) {
  std::ifstream folded(report_fixture("profile.folded"));
  profile::StackTree tree;
  profile::ParseReport parse;
  profile::read_folded(folded, "profile.folded", tree, parse);
  tree.sort_children();
  profile::FlameGraphOptions options;
  options.event = "cpu-clock";
  options.date = "2026-01-02T03:04:05Z";
  options.command = "build/bench/profiling_harness";
  write_text(svg, profile::render_flamegraph(tree, options));
  return svg;
}

// Every input, from the fixtures (the flame graph rendered into `dir`).
inline report::ReportInputs fixture_inputs(const fs::path& dir) {
  report::ReportInputs in;
  in.hotspots = report_fixture("hotspots.json");
  in.bench = report_fixture("bench.json");
  in.flamegraph = write_fixture_flamegraph(dir / "flamegraph.svg");
  in.folded = report_fixture("profile.folded");
  in.counters_bench = report_fixture("counters.json");
  in.roofline = report_fixture("roofline.json");
  in.roofline_plot = report_fixture("roofline.svg");
  in.ceilings = report_fixture("ceilings.json");
  in.stability = report_fixture("stability.json");
  in.stability_plot = report_fixture("stability.svg");
  in.machine = report_fixture("machine.json");
  return in;
}

inline report::ReportOptions fixture_options() {
  report::ReportOptions options;
  options.date = "2026-01-02T03:04:05Z";
  return options;
}

using ToolRun = engram::testing::ProgramRun;

// Runs the report tool with `args` (no shell: arguments as given).
inline ToolRun run_report_tool(const std::vector<std::string>& args) {
  return engram::testing::run_program(ENGRAM_REPORT_TOOL, args);
}

// Files in `dir` whose names mark a temporary output (".NAME.tmp.RANDOM").
inline std::vector<std::string> temporary_files(const fs::path& dir) {
  std::vector<std::string> found;
  if (!fs::exists(dir)) return found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp.") != std::string::npos) found.push_back(entry.path().string());
  }
  return found;
}

}  // namespace engram::test
