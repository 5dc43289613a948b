#include "engram/io/scratch_folder.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace engram::io {
namespace {

std::filesystem::path temporary_parent() {
  const char* base = std::getenv("TMPDIR");
  return base != nullptr && *base != '\0' ? std::filesystem::path(base) : std::filesystem::path("/tmp");
}

}  // namespace

ScratchFolder::ScratchFolder(const std::filesystem::path& parent, std::string_view prefix) {
  std::string pattern = (parent / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot make a scratch folder in " + parent.string() + ": " + std::strerror(errno));
  }
  path_ = pattern;
}

ScratchFolder::ScratchFolder(std::string_view prefix) : ScratchFolder(temporary_parent(), prefix) {}

ScratchFolder::~ScratchFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace engram::io
