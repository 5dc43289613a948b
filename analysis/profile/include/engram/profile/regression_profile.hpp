#pragma once
// compare --profile: for each regressed benchmark, both builds recorded with
// perf (`perf record -g` on `BINARY --benchmark_filter=^NAME$`), their stacks
// folded, and a differential flame graph of NEW against OLD written beside
// the two folded files:
//   DIR/<stem>.diff.svg, DIR/<stem>.old.folded, DIR/<stem>.new.folded
// where <stem> is the benchmark name made safe for a file name
// (safe_file_stems()). The graph's widths are NEW's; each frame is coloured
// by the change of its share of the samples (render_differential_flamegraph
// scales OLD to NEW's sample total), so two recordings of different lengths
// compare fairly.
//
// The process name is left out of the stacks: the two builds' binaries may
// be named differently, and their frames must still meet on the same paths.
// A benchmark gets no graph, with the reason, when it did not regress, when
// perf is missing or may not sample here, or when a recording failed; none
// of these changes compare's verdict or exit code.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::profile {

struct RegressionProfileOptions {
  std::filesystem::path directory;               // created when missing
  std::filesystem::path old_binary, new_binary;  // Google Benchmark programs
  std::vector<std::string> extra_args;           // given to both programs, before the flags set here
  unsigned frequency = 1999;                     // Hz, as scripts/profile_hotspots.sh
  // Samples wanted per side: --benchmark_min_time = samples / frequency
  // seconds (the benchmark's own set-up adds a little more).
  std::uint64_t samples = 2000;
  std::string perf = "perf";  // a name looked up in PATH, or a path
  // One line per step (stderr in compare); may be empty.
  std::function<void(const std::string&)> progress;
};

enum class ProfileStatus {
  written,        // the three files are in place
  not_regressed,  // nothing to profile
  perf_missing,   // no perf program
  perf_refused,   // perf may not sample here
  failed,         // a recording or its parsing failed
};
std::string_view to_string(ProfileStatus status);

struct BenchmarkProfile {
  std::string name;
  ProfileStatus status = ProfileStatus::not_regressed;
  std::string reason;  // why there is no graph ("" when written)
  std::filesystem::path svg, old_folded, new_folded;  // set when written
  std::uint64_t old_samples = 0, new_samples = 0;
};

struct RegressionProfiles {
  std::filesystem::path directory;
  std::string event;  // "cycles" or "cpu-clock"; "" when perf could not be used
  std::string event_reason;
  std::vector<BenchmarkProfile> benchmarks;  // in the order asked

  std::size_t written() const;
};

// A benchmark and whether its verdict was a regression.
struct ProfileRequest {
  std::string name;
  bool regressed = false;
  std::string verdict;  // shown in the reason of one that is not profiled
};

// Records and writes as described above. Throws std::invalid_argument for a
// zero frequency or sample count; every other failure (perf's own, the
// directory cannot be made, a file cannot be written) is reported per
// benchmark as failed with the reason, so profiling never changes a verdict.
RegressionProfiles profile_regressions(const std::vector<ProfileRequest>& requests,
                                       const RegressionProfileOptions& options);

// File stems for benchmark names, in the same order: every byte but
// [A-Za-z0-9._-] becomes '_', a leading '.' becomes '_' (no hidden files, no
// ".."), a long name is cut at 120 bytes; where two names would then share a
// stem, or a name was cut, "-" and 8 hex digits of its FNV-1a hash are added,
// so that each benchmark has its own files.
std::vector<std::string> safe_file_stems(const std::vector<std::string>& names);

// "^NAME$" with the POSIX extended regular expression's special characters
// escaped, for --benchmark_filter (names hold '/', '<', '.', ...).
std::string exact_benchmark_filter(std::string_view name);

// The section printed under compare's verdict table.
std::string render_profiles_text(const RegressionProfiles& profiles);
// compare's JSON with a top-level "profiles" object added:
// {"directory", "event", "event_reason", "written",
//  "benchmarks": {NAME: {"status", "reason", "svg", "old_folded", "new_folded",
//                        "old_samples", "new_samples"}}}
// (paths null when there is no graph).
std::string add_profiles_to_json(std::string_view comparison_json, const RegressionProfiles& profiles);

}  // namespace engram::profile
