#pragma once
// Runs the bench programs as users run them (through /bin/sh, output captured
// to files), each test in a temporary folder of its own.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace engram::bench_test {

namespace fs = std::filesystem;

struct ProgramRun {
  int exit_code = -1;
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

class ProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("engram-bench-test-" + std::to_string(::getpid()) + "-" +
                                        info->test_suite_name() + "-" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ProgramRun run_program(const std::string& command_line) {
    const auto out = dir_ / "stdout", err = dir_ / "stderr";
    const std::string cmd = command_line + " >" + out.string() + " 2>" + err.string();
    const int status = std::system(cmd.c_str());
    ProgramRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  // valgrind as run_under_callgrind finds it: on PATH.
  bool valgrind_on_path() { return run_program("command -v valgrind").exit_code == 0; }

  fs::path dir_;
};

}  // namespace engram::bench_test
