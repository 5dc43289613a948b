// Executes the SVG's embedded viewer script in Node (js/viewer_check.js
// supplies a minimal DOM) and checks zoom, Reset Zoom, hover details, Ctrl-F
// search with "Matched: P%" and Reset Search. Skipped without Node.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engram/io/safe_write.hpp"
#include "engram/profile/flamegraph.hpp"
#include "required_tool.hpp"
#include "test_support.hpp"

namespace {

using namespace engram::profile;
using engram::profile::testing::tree_from_folded;

bool node_available() { return std::system("command -v node > /dev/null 2>&1") == 0; }

nlohmann::json run_viewer(const std::string& svg, const std::string& zoom_frame,
                          const std::string& search_term) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("engram_viewer_" + std::to_string(::getpid()) + ".svg");
  engram::io::write_file_atomically(path, svg);
  const std::string command = "node '" + std::string(ENGRAM_ANALYSIS_JS_DIR) +
                              "/viewer_check.js' '" + path.string() + "' '" + zoom_frame + "' '" +
                              search_term + "'";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe != nullptr) {
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
    ::pclose(pipe);
  }
  std::filesystem::remove(path);
  return nlohmann::json::parse(output);
}

const nlohmann::json& frame(const nlohmann::json& frames, const std::string& name) {
  for (const auto& f : frames) {
    if (f["name"] == name) return f;
  }
  throw std::runtime_error("no frame " + name);
}

TEST(ViewerScript, ZoomSearchAndDetailsWork) {
  if (!node_available()) {
    ENGRAM_SKIP_WITHOUT_TOOL("node is not installed (Debian package nodejs): the viewer script cannot be run here");
  }
  const StackTree tree = tree_from_folded(
      "main;engram::optimized::find_similar;engram::optimized::cosine_batch 60\n"
      "main;engram::optimized::spread_activation 25\n"
      "main;std::vector<int, std::allocator<int> >::push_back 10\n"
      "main;cmp<a&b>;\"quoted\" 5\n");
  const auto result = run_viewer(render_flamegraph(tree, {}), "engram::optimized::find_similar",
                                 "^engram::optimized::");
  EXPECT_EQ(result["frames"], 8);
  EXPECT_EQ(result["details"], "Function: engram::optimized::find_similar (60 samples, 60.00%)");

  // Zoomed: the frame and its child fill the width, ancestors fade, others hide.
  const auto& zoomed = result["zoomed"];
  EXPECT_EQ(frame(zoomed, "engram::optimized::find_similar")["x"], 10);
  EXPECT_EQ(frame(zoomed, "engram::optimized::find_similar")["width"], 1180);
  EXPECT_EQ(frame(zoomed, "engram::optimized::cosine_batch")["width"], 1180);
  EXPECT_EQ(frame(zoomed, "main")["parent"], true);
  EXPECT_EQ(frame(zoomed, "all")["parent"], true);
  EXPECT_EQ(frame(zoomed, "engram::optimized::spread_activation")["hidden"], true);
  EXPECT_EQ(frame(zoomed, "cmp<a&b>")["hidden"], true);
  EXPECT_EQ(result["unzoomHidden"], false);

  // Reset Zoom restores the original layout.
  const auto& before = result["before"];
  const auto& after = result["unzoomed"];
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_NEAR(before[i]["x"].get<double>(), after[i]["x"].get<double>(), 0.011);
    EXPECT_NEAR(before[i]["width"].get<double>(), after[i]["width"].get<double>(), 0.011);
    EXPECT_EQ(before[i]["text"], after[i]["text"]);  // same truncation rule as the renderer
    EXPECT_EQ(after[i]["hidden"], false);
  }
  EXPECT_EQ(result["unzoomHiddenAfter"], true);

  // Ctrl-F: prompt, highlight, and the matched share counted once per sample
  // (find_similar and cosine_batch overlap): 60 + 25 of 100.
  EXPECT_EQ(result["ctrlFPrevented"], true);
  EXPECT_EQ(result["prompts"], 1);
  EXPECT_EQ(result["matched"], "Matched: 85.0%");
  EXPECT_EQ(result["searchButton"], "Reset Search");
  EXPECT_THAT(result["highlighted"].get<std::vector<std::string>>(),
              ::testing::UnorderedElementsAre("engram::optimized::find_similar",
                                              "engram::optimized::cosine_batch",
                                              "engram::optimized::spread_activation"));
  EXPECT_EQ(result["matchedAfterReset"], " ");
  EXPECT_EQ(result["fillsRestored"], true);
  EXPECT_TRUE(result["invalidSearch"].is_null());
  EXPECT_EQ(result["alerts"], 1);
}

}  // namespace
