#pragma once
// Helpers for the statistics tests: fixture paths, running the tools.

#include <filesystem>
#include <string>
#include <unistd.h>

#include "program_run.hpp"

namespace stats_test {

inline std::string fixture(const std::string& name) { return std::string(ENGRAM_STATS_FIXTURES) + "/" + name; }

using ToolRun = engram::testing::ProgramRun;

// Runs a shell command line, capturing its output and exit code.
inline ToolRun run(const std::string& command) { return engram::testing::run_shell(command); }

// A fresh empty folder under the system temporary folder, removed on scope exit.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() /
            ("engram-stats-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace stats_test
