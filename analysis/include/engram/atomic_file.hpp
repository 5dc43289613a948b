#pragma once
// Output files that are never left half-written: content goes to a temporary
// file in the same folder, which is renamed over the target when complete.
#include <filesystem>
#include <string_view>

namespace engram::analysis {

// Writes `content` to `path` via "<dir>/.<name>.tmp.<pid>" and rename().
// Throws std::runtime_error naming the file on failure (the temporary file is
// removed).
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Installs SIGINT/SIGTERM/SIGHUP handlers that remove the temporary file
// being written (if any) and then die of the same signal, so Ctrl-C leaves
// neither a half-written target nor a stray temporary file.
void remove_partial_output_on_interrupt();

}  // namespace engram::analysis
