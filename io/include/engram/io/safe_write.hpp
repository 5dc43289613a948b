#pragma once
// The one way the project writes an output file: never half-written, never
// through someone else's link, never over the old file on a failure.
//
// What stands at the target's name decides how it is written:
//  - nothing, or a regular file: the content goes to a new temporary file in
//    the target's folder, created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, an
//    unpredictable name), flushed to disk, and renamed over the target when
//    complete. Every write, the fsync and the close are checked: a full disk
//    (ENOSPC) or an I/O error (EIO) fails the output and keeps the old file.
//  - a FIFO, a device or a socket (`-o /dev/stdout` on a pipe or a terminal):
//    written through, as a shell's `>` would; it is never replaced by a
//    regular file. Such a stream cannot be taken back, so it is not atomic.
//  - a symbolic link: followed, and what it leads to is written as above (a
//    regular file at its end is replaced atomically, the link itself stays a
//    link). A link in a world-writable folder is followed only when it
//    belongs to the user writing or to the folder's owner, the rule of the
//    kernel's fs.protected_symlinks, checked here too because that setting
//    may be off: otherwise another user could plant a link in /tmp and have
//    a root-run tool overwrite any file. A link to nothing is refused (it
//    would create a file at a place the link's maker chose).
//  - a folder: refused.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace engram::io {

class TemporaryFile;

// An output being written. Throws std::runtime_error naming the target and
// the reason when the temporary cannot be made, a write fails (a full disk
// included) or the rename fails; the destructor removes an uncommitted
// temporary.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::filesystem::path target);
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput();

  void write(std::string_view chunk);
  // Flushes to disk and closes; the target is not touched yet.
  void finish();
  // Renames the finished temporary over the target (nothing to do for an
  // output written through).
  void publish();
  // finish() then publish().
  void commit();
  // Takes a file another program drew (gnuplot) as this output's content:
  // it is renamed into place on publish(), or copied through a stream target.
  void take_content_from(std::unique_ptr<TemporaryFile> drawn);

  const std::filesystem::path& target() const { return target_; }
  // The file that will be replaced: the target, or what its link leads to.
  const std::filesystem::path& destination() const { return destination_; }
  // Empty when the target is written through.
  const std::filesystem::path& temporary() const;
  bool writes_through() const { return through_; }

 private:
  // Removes the temporary, closes the stream and throws `error`.
  [[noreturn]] void give_up(const std::runtime_error& error);

  std::filesystem::path target_;
  std::filesystem::path destination_;
  std::unique_ptr<TemporaryFile> temporary_;
  int fd_ = -1;  // the stream written through
  bool through_ = false;
  bool finished_ = false;
};

// AtomicOutput for content that is all in memory.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Several outputs that belong together (a table and its JSON, a report in two
// formats): each is written and flushed to its own temporary first; only when
// every one is complete are they renamed into place, one after another with
// SIGINT, SIGTERM, SIGHUP and SIGQUIT held off, so that a failure or an
// interrupt leaves either all of the old files or all of the new ones.
class OutputSet {
 public:
  // Throws std::invalid_argument when `target` names a file already in the
  // set (the same path, or another name of the same file): one of the two
  // outputs would silently be lost.
  AtomicOutput& add(const std::filesystem::path& target);
  void add(const std::filesystem::path& target, std::string_view content);
  // A file another program drew (io::draw_gnuplot), published with the rest.
  void add(const std::filesystem::path& target, std::unique_ptr<TemporaryFile> drawn);
  void commit();
  std::vector<std::filesystem::path> targets() const;

 private:
  std::vector<std::unique_ptr<AtomicOutput>> outputs_;
};

// Installs SIGINT/SIGTERM/SIGHUP handlers that remove every temporary file
// still being written and then die of the same signal, so Ctrl-C leaves
// neither a half-written target nor a stray temporary file.
void remove_partial_output_on_interrupt();

// A new temporary file beside `target` (same folder, so a rename replaces the
// target atomically), created exclusively like AtomicOutput's, for outputs
// that another program writes (gnuplot opens the path and truncates it).
// Removed when the object goes, and by the interrupt handler, unless it was
// renamed over a target.
class TemporaryFile {
 public:
  TemporaryFile(const std::filesystem::path& target, std::string_view extension);
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile();

  const std::filesystem::path& path() const { return path_; }
  int descriptor() const { return fd_; }
  void write(std::string_view text);  // through the descriptor it was created with
  // Flushes what is in the file to disk (another program's writes included)
  // and closes it; checked, like every write.
  void sync_and_close();
  void close();  // before another program writes the path
  void rename_over(const std::filesystem::path& target);

 private:
  std::filesystem::path shown_;  // the target it stands for, in messages
  std::filesystem::path path_;
  int fd_ = -1;
  int slot_ = -1;
};

}  // namespace engram::io
