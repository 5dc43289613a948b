#pragma once
// A run's outputs published together. A job that writes many files with
// several tools (scripts/profile_hotspots.sh) makes them all in a scratch
// folder first; only when every step has succeeded are they published, as one
// OutputSet (every file complete and on disk before the first rename; the
// renames with the interrupt signals held off), with a manifest of what
// belongs together written in the same set. An interrupt or a failure
// before that leaves every previous output as it was.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace engram::io {

struct StagedFile {
  std::filesystem::path staged;       // a regular file in the scratch folder
  std::filesystem::path destination;  // where it is published
};

// The manifest's format: {"schema": "engram-outputs", "version": 1,
// "run": RUN, "files": [{"path": DESTINATION, "bytes": N, "fnv1a64": "16 hex digits"}]}.
inline constexpr std::string_view kOutputsSchema = "engram-outputs";
inline constexpr int kOutputsVersion = 1;

// FNV-1a, 64 bits: enough to tell one run's file from another's, not a
// defence against a forger (who could rewrite the manifest too).
std::uint64_t fnv1a64(std::string_view bytes);

// Publishes `files` (and `manifest`, when not empty) as one set. Throws
// io::InputError when a staged file is missing, not a regular file or too
// large; std::invalid_argument when two destinations are the same file;
// std::runtime_error when a write fails (nothing published then).
// `run` names the run in the manifest (any text; may be empty).
void publish_staged(const std::vector<StagedFile>& files, const std::filesystem::path& manifest,
                    const std::string& run = {});

// What differs between a manifest and the files in place: one line per file
// that is missing or is not the one the manifest lists. Empty: the files are
// the set the manifest describes. With `run` given, a manifest of another run
// is a difference too. Throws io::InputError for a bad manifest.
std::vector<std::string> verify_published(const std::filesystem::path& manifest, const std::string& run = {});

}  // namespace engram::io
