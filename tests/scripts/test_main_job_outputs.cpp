// The main job's outputs are published as one set: an interrupt at any step
// leaves the previous run's files exactly as they were and says so; an
// interrupt during the publish leaves the whole new set and says that; a run
// that completes publishes every file with its manifest. The job's steps run
// here as fake tools (ENGRAM_BUILD_DIR) that write their files at once, and
// perf is a fake in PATH; the publish step is the real build/io/outputs. The
// script runs in its own session (setsid), so "Ctrl-C" is a SIGINT to its
// whole process group, sent by the fake tool of the step being interrupted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../common/program_run.hpp"
#include "../common/temp_folder.hpp"

namespace {

namespace fs = std::filesystem;
using engram::testing::TempFolder;
using engram::testing::read_file;
using ::testing::HasSubstr;

// Every file the job publishes (the report's Markdown goes to the repo's docs).
const std::vector<std::string> kPublished = {
    "profile.folded", "hotspots.md",   "hotspots.json",  "flamegraph.svg", "bench.json",    "machine.json",
    "bench-counters.json", "ceilings.json", "roofline.md", "roofline.json", "roofline.svg", "roofline.png",
    "stability.md", "stability.json", "stability.svg", "stability.png", "report.html"};

// One fake for every tool: it writes "new NAME" into each file its options
// name, after sending SIGINT to its process group when its step is the one
// to interrupt ($INTERRUPT_AT).
constexpr const char* kFakeTool = R"SH(#!/bin/sh
tool=$(basename "$0")
step=$tool
for a in "$@"; do case "$a" in --counters=*) step=counters ;; esac; done
if [ "$tool" = perf ]; then
  case "$1" in
    stat) echo "<not supported>,,cycles"; exit 0 ;;
    script) echo "fake stacks"; exit 0 ;;
    evlist) echo cpu-clock; exit 0 ;;
    record) step=record ;;
  esac
fi
if [ "$INTERRUPT_AT" = "$step" ]; then kill -INT 0; sleep 5; fi
put() { echo "new $(basename "$1")" > "$1"; }
stage=""; md=""; html=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--out|--json) put "$2"; shift ;;
    --markdown) md=$2; [ "$tool" = report ] || put "$2"; shift ;;
    --machine-out) put "$2"; shift ;;
    --benchmark_out=*) put "${1#--benchmark_out=}" ;;
    --html) html=$2; shift ;;
    --stage-dir) stage=$2; shift ;;
    --plot) put "$2.svg"; put "$2.png"; shift ;;
    --out-dir)
      case "$tool" in
        hotspots) for f in profile.folded hotspots.md hotspots.json; do put "$2/$f"; done ;;
        roofline) for f in roofline.md roofline.json roofline.svg roofline.png; do put "$2/$f"; done ;;
      esac
      shift ;;
  esac
  shift
done
if [ "$tool" = report ]; then put "$stage/$(basename "$md")"; put "$stage/$(basename "$html")"; fi
exit 0
)SH";

// The real publisher, interrupted as it starts when asked: it holds off
// SIGINT itself, so it finishes; the wrapper ignores it to reach the exec.
std::string outputs_wrapper() {
  return std::string("#!/bin/sh\n"
                     "if [ \"$1\" = publish ] && [ \"$INTERRUPT_AT\" = publish ]; then trap '' INT; kill -INT 0; fi\n"
                     "exec '") +
         ENGRAM_OUTPUTS_TOOL + "' \"$@\"\n";
}


class MainJobOutputs : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path root = dir_.path();
    fs::create_directories(root / "repo" / "scripts");
    fs::copy_file(fs::path(ENGRAM_SOURCE_DIR) / "scripts" / "profile_hotspots.sh",
                  root / "repo" / "scripts" / "profile_hotspots.sh");
    const fs::path fake = dir_.file("fake", kFakeTool, true);
    for (const char* sub : {"bin", "build/bench", "build/analysis", "build/io"}) fs::create_directories(root / sub);
    fs::create_symlink(fake, root / "bin" / "perf");
    for (const char* tool : {"bench/profiling_harness", "bench/baseline", "bench/ceilings", "analysis/hotspots",
                             "analysis/flamegraph", "analysis/roofline", "analysis/stability", "analysis/report"}) {
      fs::create_symlink(fake, root / "build" / tool);
    }
    const fs::path wrapper = dir_.file("outputs", outputs_wrapper(), true);
    fs::rename(wrapper, root / "build" / "io" / "outputs");
    // The previous run's files.
    out_ = root / "out";
    fs::create_directories(out_);
    for (const std::string& name : kPublished) std::ofstream(out_ / name) << "old " << name << "\n";
    docs_ = root / "repo" / "docs" / "internal" / "profiling_results.md";
    fs::create_directories(docs_.parent_path());
    std::ofstream(docs_) << "old report\n";
  }

  engram::testing::ProgramRun run_job(const std::string& interrupt_at) {
    const fs::path root = dir_.path();
    const std::string path = (root / "bin").string() + ":" + (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
    return engram::testing::run_program(
        "/usr/bin/setsid", {"/usr/bin/env", "PATH=" + path, "ENGRAM_BUILD_DIR=" + (root / "build").string(),
                   "INTERRUPT_AT=" + interrupt_at, "bash", (root / "repo" / "scripts" / "profile_hotspots.sh").string(),
                   "--out", out_.string()});
  }

  // Every published file holds `word` ("old" or "new").
  void expect_every_file(const std::string& word) {
    for (const std::string& name : kPublished) EXPECT_EQ(read_file(out_ / name), word + " " + name + "\n") << name;
    EXPECT_EQ(read_file(docs_), word == "old" ? "old report\n" : "new profiling_results.md\n");
  }
  // Nothing but the published names (and the manifest) in the output folder.
  void expect_no_scratch_left() {
    for (const auto& entry : fs::directory_iterator(out_)) {
      const std::string name = entry.path().filename().string();
      EXPECT_TRUE(name == "outputs.json" || std::find(kPublished.begin(), kPublished.end(), name) != kPublished.end())
          << "left behind: " << name;
    }
  }

  TempFolder dir_{"engram_main_job"};
  fs::path out_, docs_;
};

TEST_F(MainJobOutputs, ACompleteRunPublishesEveryFileWithItsManifest) {
  const auto run = run_job("");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_every_file("new");
  expect_no_scratch_left();
  const auto verify = engram::testing::run_program(ENGRAM_OUTPUTS_TOOL, {"verify", (out_ / "outputs.json").string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(run.output, HasSubstr("published, with the list"));
}

class MainJobInterrupted : public MainJobOutputs, public ::testing::WithParamInterface<std::string> {};

TEST_P(MainJobInterrupted, AtThisStepLeavesThePreviousFilesAndSaysSo) {
  const auto run = run_job(GetParam());
  EXPECT_EQ(run.exit_code, 130) << run.output;
  EXPECT_THAT(run.output, HasSubstr("interrupted; nothing of this run was published"));
  expect_every_file("old");
  expect_no_scratch_left();
  EXPECT_FALSE(fs::exists(out_ / "outputs.json"));
}

INSTANTIATE_TEST_SUITE_P(EveryStep, MainJobInterrupted,
                         ::testing::Values("record", "hotspots", "flamegraph", "baseline", "counters", "ceilings",
                                           "roofline", "stability", "report"));

TEST_F(MainJobOutputs, AnInterruptDuringThePublishLeavesTheWholeNewSetAndSaysSo) {
  const auto run = run_job("publish");
  EXPECT_EQ(run.exit_code, 130) << run.output;
  EXPECT_THAT(run.output, HasSubstr("interrupted after this run's files were published"));
  expect_every_file("new");
  expect_no_scratch_left();
}

}  // namespace
