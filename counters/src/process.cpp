#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "engram/counters.hpp"

namespace engram::counters::detail {
namespace {

bool is_executable_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

void write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

std::optional<std::string> find_executable(const std::string& name, const std::string& path_variable) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) return is_executable_file(name) ? std::optional(name) : std::nullopt;
  std::size_t start = 0;
  while (start <= path_variable.size()) {
    const auto end = path_variable.find(':', start);
    std::string dir = path_variable.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (dir.empty()) dir.assign(1, '.');  // an empty PATH entry means the current directory
    const std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> find_executable(const std::string& name) {
  const char* path = std::getenv("PATH");
  return find_executable(name, path ? path : "/usr/local/bin:/usr/bin:/bin");
}

Child::Child(const std::vector<std::string>& argv, const ChildOptions& options) {
  if (argv.empty() || argv.front().empty()) throw CounterError("no command given");
  program_ = argv.front();
  const auto resolved = find_executable(program_);
  if (!resolved) {
    throw CounterError("cannot execute '" + program_ + "': " +
                       (program_.find('/') != std::string::npos ? "no such executable file"
                                                                : "not found on PATH"));
  }

  int gate[2] = {-1, -1}, status[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  auto close_pair = [](int p[2]) {
    for (int i = 0; i < 2; ++i)
      if (p[i] >= 0) ::close(p[i]);
  };
  bool ok = ::pipe2(status, O_CLOEXEC) == 0;
  if (ok && options.gated) ok = ::pipe2(gate, O_CLOEXEC) == 0;
  if (ok && options.capture_output) ok = ::pipe2(out, O_CLOEXEC) == 0 && ::pipe2(err, O_CLOEXEC) == 0;
  if (!ok) {
    const int error = errno;
    close_pair(gate), close_pair(status), close_pair(out), close_pair(err);
    throw CounterError(std::string("cannot create pipes for the child: ") + std::strerror(error));
  }

  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const std::string path = *resolved;
  // The environment is built here: after fork only async-signal-safe calls.
  std::vector<std::string> environment_text;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string text(*entry);
    const std::string key = text.substr(0, text.find('='));
    bool overridden = false;
    for (const auto& [name, value] : options.environment) overridden = overridden || name == key;
    if (!overridden) environment_text.push_back(text);
  }
  for (const auto& [name, value] : options.environment) environment_text.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& text : environment_text) envp.push_back(text.data());
  envp.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ < 0) {
    const int error = errno;
    close_pair(gate), close_pair(status), close_pair(out), close_pair(err);
    throw CounterError(std::string("fork failed: ") + std::strerror(error));
  }
  if (pid_ == 0) {
    // Child: only async-signal-safe calls until exec. Close the parent's
    // ends first: a gate whose write end stays open here would never reach EOF.
    ::close(status[0]);
    if (options.gated) ::close(gate[1]);
    if (options.capture_output) {
      ::close(out[0]);
      ::close(err[0]);
    }
    if (options.capture_output) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
    }
    if (options.gated) {
      char go = 0;
      while (::read(gate[0], &go, 1) < 0 && errno == EINTR) {
      }
      if (go != 'g') ::_exit(127);  // the parent gave up
    }
    if (options.disable_aslr) ::personality(ADDR_NO_RANDOMIZE);
    ::execve(path.c_str(), args.data(), envp.data());
    const int error = errno;
    write_all(status[1], &error, sizeof error);
    ::_exit(127);
  }
  ::close(status[1]);
  exec_status_fd_ = status[0];
  if (options.gated) {
    ::close(gate[0]);
    gate_fd_ = gate[1];
  }
  if (options.capture_output) {
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }
  if (!options.gated) check_exec();
}

void Child::check_exec() {
  if (exec_status_fd_ < 0) return;
  int error = 0;
  ssize_t n;
  do {
    n = ::read(exec_status_fd_, &error, sizeof error);
  } while (n < 0 && errno == EINTR);
  ::close(exec_status_fd_);
  exec_status_fd_ = -1;
  if (n == static_cast<ssize_t>(sizeof error)) {
    wait();
    throw CounterError("cannot execute '" + program_ + "': " + std::strerror(error));
  }
}

void Child::release() {
  if (released_) return;
  released_ = true;
  if (gate_fd_ >= 0) {
    const char go = 'g';
    write_all(gate_fd_, &go, 1);
    ::close(gate_fd_);
    gate_fd_ = -1;
  }
  check_exec();
}

int Child::wait(std::chrono::seconds timeout) {
  if (gate_fd_ >= 0) {  // never released: let it exit without running
    ::close(gate_fd_);
    gate_fd_ = -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[65536];
  while (out_fd_ >= 0 || err_fd_ >= 0) {
    pollfd fds[2];
    int count = 0;
    if (out_fd_ >= 0) fds[count++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[count++] = {err_fd_, POLLIN, 0};
    int wait_ms = -1;
    if (timeout.count() > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(pid_, SIGKILL);
        timed_out_ = true;
        wait_ms = 100;
      } else {
        wait_ms = static_cast<int>(std::min<long long>(left.count(), 1000));
      }
    }
    const int ready = ::poll(fds, static_cast<nfds_t>(count), wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      if (timed_out_) break;
      continue;
    }
    for (int i = 0; i < count; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      int& fd = fds[i].fd == out_fd_ ? out_fd_ : err_fd_;
      std::string& sink = fds[i].fd == out_fd_ ? out_ : err_;
      if (n <= 0) {
        ::close(fd);
        fd = -1;
      } else {
        sink.append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  int status = 0;
  if (!waited_) {
    // Output closed (or never captured): wait for the exit, still bounded by the timeout.
    while (timeout.count() > 0 && !timed_out_) {
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        waited_ = true;
        break;
      }
      if (done < 0 && errno != EINTR) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        timed_out_ = true;
        break;
      }
      ::usleep(5000);
    }
    while (!waited_ && ::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    waited_ = true;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

Child::~Child() {
  if (!waited_ && pid_ > 0) {
    if (!released_) {
      if (gate_fd_ >= 0) ::close(gate_fd_);
      gate_fd_ = -1;
    } else {
      ::kill(pid_, SIGKILL);
    }
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  for (int fd : {gate_fd_, exec_status_fd_, out_fd_, err_fd_})
    if (fd >= 0) ::close(fd);
}

std::string tail_lines(const std::string& text, std::size_t lines) {
  std::size_t position = text.size();
  if (position > 0 && text[position - 1] == '\n') --position;
  for (std::size_t count = 0; position > 0; --position) {
    if (text[position - 1] == '\n' && ++count == lines) break;
  }
  return text.substr(position);
}

}  // namespace engram::counters::detail
