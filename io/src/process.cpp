#include "engram/io/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace engram::io {

ProgramResult run_program(const std::vector<std::string>& argv) {
  ProgramResult result;
  if (argv.empty()) return result;
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return result;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return result;
  }
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // fork + exec with a close-on-exec pipe rather than posix_spawnp: whether
  // the exec happened is then known for certain. posix_spawnp learns of a
  // failed exec only through vfork's shared memory, which an emulator such
  // as qemu-user does not give it: there a missing program looked like one
  // that ran and exited 127.
  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    for (const int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    return result;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child: only async-signal-safe calls until the exec.
    ::close(exec_pipe[0]);
    // Each source first moves above 2 (close-on-exec copies), so that none
    // is clobbered by another's dup2 and none keeps close-on-exec on its
    // target: with the parent's stdin closed, /dev/null or a pipe end would
    // otherwise land on 0, 1 or 2 itself.
    int sources[3] = {::open("/dev/null", O_RDONLY | O_CLOEXEC), out_pipe[1], err_pipe[1]};
    bool ready = sources[0] >= 0;
    for (int& fd : sources) {
      if (ready) fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
      ready = ready && fd >= 0;
    }
    for (int target = 0; ready && target < 3; ++target) ready = ::dup2(sources[target], target) >= 0;
    if (ready) ::execvp(args[0], args.data());
    const int error = errno;
    [[maybe_unused]] const ssize_t told = ::write(exec_pipe[1], &error, sizeof error);
    ::_exit(127);
  }
  ::close(exec_pipe[1]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  int exec_error = 0;
  ssize_t told = 0;
  if (pid > 0) {
    while ((told = ::read(exec_pipe[0], &exec_error, sizeof exec_error)) < 0 && errno == EINTR) {
    }
  }
  ::close(exec_pipe[0]);
  if (pid < 0 || told == static_cast<ssize_t>(sizeof exec_error)) {
    if (pid > 0) {
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return result;
  }
  result.started = true;
  // Read both pipes until both close, so neither can fill up and block the child.
  std::array<pollfd, 2> fds = {{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
  std::array<std::string*, 2> sinks = {&result.out, &result.err};
  int open_count = 2;
  char buffer[65536];
  while (open_count > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) ::close(fd.fd);
  }
  int status = 0;
  pid_t waited = -1;
  do {
    waited = ::waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  // Without a status (SIGCHLD ignored, so the child was reaped for us) the
  // exit code stays unknown (-1): a zeroed status would read as success.
  if (waited != pid) return result;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  return result;
}

}  // namespace engram::io
