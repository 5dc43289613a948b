#pragma once
// The one way the project writes an output file: never half-written, never
// through someone else's link. The content goes to a new temporary file in the
// target's folder, created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, an
// unpredictable name), flushed to disk, and renamed over the target when
// complete. On any failure the temporary file is removed and the old target
// is left as it was; whatever stood at the target's name (a link, a FIFO) is
// replaced, never written through.
#include <filesystem>
#include <string>
#include <string_view>

namespace engram::io {

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
  // Flushes to disk, closes and renames over the target.
  void commit();

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temporary() const { return temporary_; }

 private:
  [[noreturn]] void give_up(const std::string& what);

  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  int slot_ = -1;  // its place in the interrupt handler's list, or -1
};

// AtomicOutput for content that is all in memory.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Installs SIGINT/SIGTERM/SIGHUP handlers that remove the temporary file
// being written (if any) and then die of the same signal, so Ctrl-C leaves
// neither a half-written target nor a stray temporary file. One output at a
// time is tracked: the tools write their files one after another.
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
  void write(std::string_view text);  // through the descriptor it was created with
  void close();                       // before another program writes the path
  void rename_over(const std::filesystem::path& target);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  int slot_ = -1;
};

}  // namespace engram::io
