#include "engram/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>

namespace engram::analysis {
namespace {

// The temporary file being written, for the signal handler (which may only
// use async-signal-safe calls: unlink, signal, raise).
char g_partial_path[4096];
volatile std::sig_atomic_t g_partial_active = 0;

void on_interrupt(int signal_number) {
  if (g_partial_active != 0) ::unlink(g_partial_path);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

std::runtime_error failure(const std::filesystem::path& path, const std::string& what) {
  return std::runtime_error("cannot write " + path.string() + ": " + what);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const std::filesystem::path temp =
      dir / (std::string(".").append(path.filename().string()).append(".tmp.").append(
                std::to_string(::getpid())));
  const std::string temp_name = temp.string();
  if (temp_name.size() >= sizeof g_partial_path) throw failure(path, "path too long");
  std::memcpy(g_partial_path, temp_name.c_str(), temp_name.size() + 1);
  g_partial_active = 1;
  auto give_up = [&](const std::string& what) {
    const int saved = errno;
    ::unlink(temp_name.c_str());
    g_partial_active = 0;
    return failure(path, what + ": " + std::strerror(saved));
  };
  const int fd = ::open(temp_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    g_partial_active = 0;
    throw failure(path, std::string("cannot create ") + temp_name + ": " + std::strerror(errno));
  }
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t wrote = ::write(fd, data, left);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      throw give_up("write failed");
    }
    data += wrote;
    left -= static_cast<std::size_t>(wrote);
  }
  if (::close(fd) != 0) throw give_up("close failed");
  if (std::rename(temp_name.c_str(), path.c_str()) != 0) throw give_up("rename failed");
  g_partial_active = 0;
}

void remove_partial_output_on_interrupt() {
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) std::signal(signal_number, on_interrupt);
}

}  // namespace engram::analysis
