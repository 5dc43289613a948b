#pragma once
// A private folder (mkdtemp: mode 0700, a name no one else can take) for a
// tool's intermediate files, removed with everything in it on every way out.
#include <filesystem>
#include <string_view>

namespace engram::io {

class ScratchFolder {
 public:
  // `parent`/`prefix`XXXXXX. Throws std::runtime_error naming the parent and
  // the reason when it cannot be made.
  ScratchFolder(const std::filesystem::path& parent, std::string_view prefix);
  // The same under $TMPDIR, or /tmp when it is unset or empty.
  explicit ScratchFolder(std::string_view prefix);
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace engram::io
