#include "engram/io/safe_write.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iterator>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace engram::io {
namespace {

// The temporaries being written, for the signal handler (which may only use
// async-signal-safe calls: unlink, signal, raise). A few slots: a plot has
// two temporaries at once (script and image). An output that finds no free
// slot (or a path longer than a slot) is still removed on any error, only
// not on an interrupt.
struct PartialSlot {
  char path[4096];
  volatile std::sig_atomic_t active;
};
PartialSlot g_partial[8];
std::mutex g_partial_mutex;  // between threads registering; never taken by the handler

void on_interrupt(int signal_number) {
  for (const PartialSlot& slot : g_partial) {
    if (slot.active != 0) ::unlink(slot.path);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

int register_partial(const std::string& path) {
  if (path.size() >= sizeof g_partial[0].path) return -1;
  std::lock_guard lock(g_partial_mutex);
  for (int i = 0; i < static_cast<int>(std::size(g_partial)); ++i) {
    if (g_partial[i].active != 0) continue;
    std::memcpy(g_partial[i].path, path.c_str(), path.size() + 1);
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the path is whole before the handler may see it
    g_partial[i].active = 1;
    return i;
  }
  return -1;
}

void unregister_partial(int& slot) {
  if (slot < 0) return;
  g_partial[slot].active = 0;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  slot = -1;
}

std::runtime_error failure(const std::filesystem::path& path, const std::string& what) {
  return std::runtime_error("cannot write " + path.string() + ": " + what);
}

// A name another user cannot guess ahead of us: a link planted at a
// predictable temporary name in a shared folder would otherwise redirect a
// root-run tool's output. O_EXCL|O_NOFOLLOW refuses such a link anyway; the
// randomness keeps the refusal from becoming a denial of service.
std::string random_suffix() {
  static std::atomic<unsigned> sequence{0};
  thread_local std::mt19937_64 engine(std::random_device{}() ^ (static_cast<std::uint64_t>(::getpid()) << 32));
  const std::uint64_t bits = engine() ^ sequence.fetch_add(1);
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  for (int i = 0; i < 10; ++i) out += kDigits[(bits >> (6 * i)) % 36];
  return out;
}

struct Created {
  std::string path;
  int fd = -1;
};

Created create_exclusive(const std::filesystem::path& target, std::string_view extension) {
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = ".";
    name.append(target.filename().string()).append(".tmp.").append(random_suffix()).append(extension);
    const std::string temp = (dir / name).string();
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) return {temp, fd};
    if (errno != EEXIST) {
      throw failure(target, "cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno));
    }
  }
  throw failure(target, "cannot create a temporary file in " + dir.string() + ": every name tried exists");
}

}  // namespace

TemporaryFile::TemporaryFile(const std::filesystem::path& target, std::string_view extension) {
  Created created = create_exclusive(target, extension);
  path_ = created.path;
  fd_ = created.fd;
  slot_ = register_partial(created.path);
}

TemporaryFile::~TemporaryFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!path_.empty()) ::unlink(path_.c_str());
  unregister_partial(slot_);
}

void TemporaryFile::write(std::string_view text) {
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t wrote = fd_ >= 0 ? ::write(fd_, data, left) : -1;
    if (wrote < 0) {
      if (fd_ >= 0 && errno == EINTR) continue;
      throw failure(path_, std::string("write failed: ") + std::strerror(fd_ >= 0 ? errno : EBADF));
    }
    data += wrote;
    left -= static_cast<std::size_t>(wrote);
  }
}

void TemporaryFile::close() {
  if (fd_ < 0) return;
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw failure(path_, std::string("close failed: ") + std::strerror(errno));
}

void TemporaryFile::rename_over(const std::filesystem::path& target) {
  close();
  if (std::rename(path_.c_str(), target.c_str()) != 0) throw failure(target, std::string("rename failed: ") + std::strerror(errno));
  path_.clear();
  unregister_partial(slot_);
}

AtomicOutput::AtomicOutput(std::filesystem::path target) : target_(std::move(target)) {
  if (target_.empty()) throw std::runtime_error("cannot write a file with an empty name");
  if (!target_.has_filename()) throw failure(target_, "names a folder, not a file");
  Created created = create_exclusive(target_, "");
  temporary_ = created.path;
  fd_ = created.fd;
  slot_ = register_partial(created.path);
}

AtomicOutput::~AtomicOutput() {
  if (fd_ >= 0) ::close(fd_);
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
  unregister_partial(slot_);
}

void AtomicOutput::give_up(const std::string& what) {
  const int saved = errno;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temporary_.c_str());
  temporary_.clear();
  unregister_partial(slot_);
  throw failure(target_, what + ": " + std::strerror(saved));
}

void AtomicOutput::write(std::string_view chunk) {
  if (fd_ < 0) throw failure(target_, "written after it was committed or abandoned");
  const char* data = chunk.data();
  std::size_t left = chunk.size();
  while (left > 0) {
    const ssize_t wrote = ::write(fd_, data, left);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      give_up("write failed");
    }
    data += wrote;
    left -= static_cast<std::size_t>(wrote);
  }
}

void AtomicOutput::commit() {
  if (fd_ < 0) throw failure(target_, "committed twice");
  // A full disk can surface only at fsync or close (delayed allocation, NFS).
  if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) give_up("flushing to disk failed");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) give_up("close failed");
  if (std::rename(temporary_.c_str(), target_.c_str()) != 0) give_up("rename failed");
  temporary_.clear();
  unregister_partial(slot_);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  AtomicOutput output(path);
  output.write(content);
  output.commit();
}

void remove_partial_output_on_interrupt() {
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) std::signal(signal_number, on_interrupt);
}

}  // namespace engram::io
