#pragma once
// Child processes for `ecount stat` and the callgrind runner: locate an
// executable on PATH, start it held at a gate (so counters can be attached
// before it runs), and collect its output without deadlocks.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace engram::counters::detail {

// The path execvp would run, or nullopt.
std::optional<std::string> find_executable(const std::string& name, const std::string& path_variable);
std::optional<std::string> find_executable(const std::string& name);  // with $PATH

struct ChildOptions {
  std::vector<std::pair<std::string, std::string>> environment;  // added/overridden
  bool capture_output = true;    // else stdout/stderr are inherited
  bool disable_aslr = false;     // personality(ADDR_NO_RANDOMIZE) before exec
  bool gated = false;            // wait for release() before exec
};

class Child {
 public:
  // Forks and prepares argv[0] (a path or a PATH name). Throws CounterError
  // when argv is empty or the program cannot be found/executed (exec errors
  // are reported back through a close-on-exec pipe).
  Child(const std::vector<std::string>& argv, const ChildOptions& options);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Lets a gated child exec; throws CounterError when exec failed.
  void release();
  // Waits (killing it after `timeout` when non-zero), collecting output.
  // Returns the exit status as a shell would: code, or 128 + signal.
  int wait(std::chrono::seconds timeout = std::chrono::seconds{0});
  bool timed_out() const { return timed_out_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  void check_exec();
  pid_t pid_ = -1;
  int gate_fd_ = -1;
  int exec_status_fd_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool waited_ = false;
  bool released_ = false;
  bool timed_out_ = false;
  std::string program_;
  std::string out_;
  std::string err_;
};

std::string tail_lines(const std::string& text, std::size_t lines);

// The valgrind executable to use: `requested` (a path or PATH name) or
// "valgrind" on PATH. Throws ValgrindMissingError naming the Debian package.
std::string locate_valgrind(const std::string& requested);

}  // namespace engram::counters::detail
