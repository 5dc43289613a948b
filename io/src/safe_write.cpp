#include "engram/io/safe_write.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
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

namespace fs = std::filesystem;

// The temporaries being written, for the signal handler (which may only use
// async-signal-safe calls: unlink, signal, raise). An output set holds a few
// at once (a plot has its script and its image beside the tables). A
// temporary that finds no free slot (or a path longer than a slot) is still
// removed on any error, only not on an interrupt.
struct PartialSlot {
  char path[4096];
  volatile std::sig_atomic_t active;
};
PartialSlot g_partial[16];
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

std::runtime_error failure(const fs::path& path, const std::string& what) {
  return std::runtime_error("cannot write " + path.string() + ": " + what);
}
std::runtime_error failure_errno(const fs::path& path, const std::string& what, int error) {
  return failure(path, what + ": " + std::strerror(error));
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

fs::path folder_of(const fs::path& target) { return target.has_parent_path() ? target.parent_path() : fs::path("."); }

// fsync of a stream that cannot be flushed (a pipe, a terminal) or of a
// read-only file system says so with EINVAL or EROFS: nothing is lost then.
bool sync_failed(int fd) { return ::fsync(fd) != 0 && errno != EINVAL && errno != EROFS; }

// After a rename, the folder's entry must reach the disk too, or a crash may
// bring back the old file. A file system that cannot sync a folder says
// EINVAL; that is not an error of ours.
void sync_folder(const fs::path& file) {
  const int fd = ::open(folder_of(file).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  const bool failed = sync_failed(fd);
  const int error = errno;
  ::close(fd);
  if (failed) throw failure_errno(file, "flushing its folder to disk failed", error);
}

void write_all(int fd, std::string_view text, const fs::path& shown) {
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t wrote = ::write(fd, data, left);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      throw failure_errno(shown, "write failed", errno);
    }
    data += wrote;
    left -= static_cast<std::size_t>(wrote);
  }
}

std::string read_whole(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw failure_errno(path, "cannot read it back", errno);
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw failure_errno(path, "cannot read it back", error);
    }
    text.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return text;
}

// How an output reaches its target (the rules are in safe_write.hpp).
struct Destination {
  fs::path file;  // replaced atomically, unless `through`
  bool through = false;
};

void refuse_untrusted_link(const fs::path& link, const struct stat& link_status) {
  const fs::path folder = folder_of(link);
  struct stat folder_status {};
  if (::stat(folder.c_str(), &folder_status) != 0) throw failure_errno(link, "cannot inspect its folder", errno);
  const bool shared = (folder_status.st_mode & S_IWOTH) != 0;
  if (shared && link_status.st_uid != ::geteuid() && link_status.st_uid != folder_status.st_uid) {
    throw failure(link, "it is a symbolic link owned by another user (uid " + std::to_string(link_status.st_uid) +
                            ") in the world-writable folder " + folder.string() +
                            ", where anyone could have planted it; it is not followed. Remove it, or write elsewhere");
  }
}

Destination resolve(const fs::path& target) {
  struct stat status {};
  if (::lstat(target.c_str(), &status) != 0) {
    if (errno == ENOENT) return {target, false};
    throw failure_errno(target, "cannot inspect it", errno);
  }
  if (S_ISREG(status.st_mode)) return {target, false};
  if (S_ISDIR(status.st_mode)) throw failure(target, "it is a folder, not a file");
  if (!S_ISLNK(status.st_mode)) return {target, true};  // FIFO, device, socket

  refuse_untrusted_link(target, status);
  struct stat followed {};
  if (::stat(target.c_str(), &followed) != 0) {
    if (errno == ENOENT) throw failure(target, "it is a symbolic link to nothing; it is not followed");
    throw failure_errno(target, "cannot follow its symbolic link", errno);
  }
  if (S_ISDIR(followed.st_mode)) throw failure(target, "it is a symbolic link to a folder, not to a file");
  if (!S_ISREG(followed.st_mode)) return {target, true};
  // A link to a regular file: that file is replaced, the link stays. A
  // descriptor's magic link (/dev/stdout to a deleted file) has no path to
  // replace: written through.
  char resolved[PATH_MAX];
  if (::realpath(target.c_str(), resolved) == nullptr) return {target, true};
  return {fs::path(resolved), false};
}

struct Created {
  std::string path;
  int fd = -1;
};

Created create_exclusive(const fs::path& target, std::string_view extension) {
  const fs::path dir = folder_of(target);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = ".";
    name.append(target.filename().string()).append(".tmp.").append(random_suffix()).append(extension);
    const std::string temp = (dir / name).string();
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) return {temp, fd};
    if (errno != EEXIST) throw failure_errno(target, "cannot create a temporary file in " + dir.string(), errno);
  }
  throw failure(target, "cannot create a temporary file in " + dir.string() + ": every name tried exists");
}

// SIGINT, SIGTERM, SIGHUP and SIGQUIT held off for a scope: a signal that
// comes meanwhile is delivered when the scope ends.
class SignalsHeld {
 public:
  SignalsHeld() {
    sigset_t held;
    sigemptyset(&held);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&held, s);
    ::pthread_sigmask(SIG_BLOCK, &held, &previous_);
  }
  ~SignalsHeld() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t previous_;
};

}  // namespace

TemporaryFile::TemporaryFile(const fs::path& target, std::string_view extension) {
  Created created = create_exclusive(target, extension);
  shown_ = target;
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
  if (fd_ < 0) throw failure_errno(shown_, "write failed", EBADF);
  write_all(fd_, text, shown_);
}

void TemporaryFile::close() {
  if (fd_ < 0) return;
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw failure_errno(shown_, "close failed", errno);
}

void TemporaryFile::sync_and_close() {
  if (fd_ < 0) {
    // Another program wrote it by its path: open it again to flush it.
    fd_ = ::open(path_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd_ < 0) throw failure_errno(shown_, "cannot open its temporary file to flush it", errno);
  }
  // A full disk can surface only here (delayed allocation, NFS).
  if (sync_failed(fd_)) throw failure_errno(shown_, "flushing to disk failed", errno);
  close();
}

void TemporaryFile::rename_over(const fs::path& target) {
  close();
  if (std::rename(path_.c_str(), target.c_str()) != 0) throw failure_errno(target, "rename failed", errno);
  path_.clear();
  unregister_partial(slot_);
  sync_folder(target);
}

AtomicOutput::AtomicOutput(fs::path target) : target_(std::move(target)) {
  if (target_.empty()) throw std::runtime_error("cannot write a file with an empty name");
  if (!target_.has_filename()) throw failure(target_, "it names a folder, not a file");
  const Destination destination = resolve(target_);
  destination_ = destination.file;
  through_ = destination.through;
  if (!through_) {
    temporary_ = std::make_unique<TemporaryFile>(destination_, "");
    return;
  }
  // No O_CREAT: the stream exists (a shell's `>` would create a file; that is
  // the other branch). O_NOFOLLOW unless it is the link we checked, so that a
  // link swapped in since cannot redirect us.
  struct stat status {};
  const bool is_link = ::lstat(target_.c_str(), &status) == 0 && S_ISLNK(status.st_mode);
  fd_ = ::open(target_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | (is_link ? 0 : O_NOFOLLOW));
  if (fd_ < 0) throw failure_errno(target_, "cannot open it to write through it", errno);
  if (::fstat(fd_, &status) != 0 || S_ISREG(status.st_mode) || S_ISDIR(status.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw failure(target_, "it changed while it was being opened");
  }
}

AtomicOutput::~AtomicOutput() {
  if (fd_ >= 0) ::close(fd_);
}

const fs::path& AtomicOutput::temporary() const {
  static const fs::path none;
  return temporary_ ? temporary_->path() : none;
}

void AtomicOutput::give_up(const std::runtime_error& error) {
  temporary_.reset();  // removes it
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  finished_ = true;
  throw error;
}

void AtomicOutput::write(std::string_view chunk) {
  if (finished_) throw failure(target_, "written after it was finished or abandoned");
  try {
    if (through_) {
      write_all(fd_, chunk, target_);
    } else {
      temporary_->write(chunk);
    }
  } catch (const std::runtime_error& e) {
    give_up(e);
  }
}

void AtomicOutput::finish() {
  if (finished_) throw failure(target_, "finished twice");
  try {
    if (through_) {
      if (sync_failed(fd_)) throw failure_errno(target_, "flushing to disk failed", errno);
      const int fd = fd_;
      fd_ = -1;
      if (::close(fd) != 0) throw failure_errno(target_, "close failed", errno);
    } else {
      temporary_->sync_and_close();
    }
  } catch (const std::runtime_error& e) {
    give_up(e);
  }
  finished_ = true;
}

void AtomicOutput::publish() {
  if (!finished_) throw failure(target_, "published before it was finished");
  if (!temporary_) return;
  temporary_->rename_over(destination_);
  temporary_.reset();
}

void AtomicOutput::commit() {
  finish();
  publish();
}

void AtomicOutput::take_content_from(std::unique_ptr<TemporaryFile> drawn) {
  if (finished_) throw failure(target_, "written after it was finished or abandoned");
  if (!through_ && folder_of(drawn->path()) == folder_of(temporary_->path())) {
    temporary_ = std::move(drawn);  // the empty temporary made for us is removed
    return;
  }
  write(read_whole(drawn->path()));
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  AtomicOutput output(path);
  output.write(content);
  output.commit();
}

AtomicOutput& OutputSet::add(const fs::path& target) {
  auto output = std::make_unique<AtomicOutput>(target);
  std::error_code ec;
  const fs::path key = fs::weakly_canonical(fs::absolute(output->destination()), ec);
  for (const auto& other : outputs_) {
    std::error_code other_ec;
    if (fs::weakly_canonical(fs::absolute(other->destination()), other_ec) == key) {
      throw std::invalid_argument(target.string() + " and " + other->target().string() +
                                  " are the same file: one of the two outputs would be lost");
    }
  }
  outputs_.push_back(std::move(output));
  return *outputs_.back();
}

void OutputSet::add(const fs::path& target, std::string_view content) { add(target).write(content); }

void OutputSet::add(const fs::path& target, std::unique_ptr<TemporaryFile> drawn) {
  add(target).take_content_from(std::move(drawn));
}

void OutputSet::commit() {
  for (auto& output : outputs_) output->finish();
  const SignalsHeld held;
  for (auto& output : outputs_) output->publish();
}

std::vector<fs::path> OutputSet::targets() const {
  std::vector<fs::path> out;
  for (const auto& output : outputs_) out.push_back(output->target());
  return out;
}

void remove_partial_output_on_interrupt() {
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) std::signal(signal_number, on_interrupt);
}

}  // namespace engram::io
