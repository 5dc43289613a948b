#pragma once
// Runs a program and captures its output, without a shell (internal header).
#include <string>
#include <vector>

namespace engram::io {

struct ProgramResult {
  bool started = false;  // false when the program could not be executed
  int exit_code = -1;    // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// argv[0] is looked up in PATH.
ProgramResult run_program(const std::vector<std::string>& argv);

}  // namespace engram::io
