#pragma once
// Our stack collapser: `perf script` text (its default format, recorded with
// a call graph) to merged stacks.
//
// Each sample is a header line "comm pid[/tid] [cpu] time: [period] event:"
// followed by frame lines "\taddr symbol+0xoff (dso)", innermost first, and a
// blank line. A header recorded without -g carries its one frame on the same
// line after the event.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>

#include "engram/profile/stack_tree.hpp"

namespace engram::profile {

struct CollapseOptions {
  // The process name (comm) becomes the outermost frame, so that several
  // processes or threads stand side by side.
  bool include_process_name = true;
  // Keep C++ parameter lists ("f(int) const"); by default they are stripped
  // so overloads merge and names stay short (see strip_parameters()).
  bool keep_parameters = false;
  // Append "_[k]" to kernel frames so that folded files still tell them apart.
  bool annotate_kernel = true;
};

struct CollapseReport {
  std::string source;
  std::uint64_t lines = 0;
  std::uint64_t samples = 0;
  std::uint64_t samples_without_frames = 0;   // folded as "[unknown]"
  std::uint64_t skipped = 0;                  // malformed lines (header or frame)
  std::uint64_t first_bad_line = 0;
  std::string first_bad_reason;
  std::map<std::string, std::uint64_t> events;  // event name -> samples

  std::string warning() const;  // "" when nothing was skipped
  // The single event, or "a (N samples), b (M samples)" when several.
  std::string event_summary() const;
};

// Collapses `perf script` text into `tree` (sorted on return). Throws
// InputError for empty input or input without one sample.
void collapse_perf_script(std::istream& in, std::string_view source,
                          const CollapseOptions& options, StackTree& tree,
                          CollapseReport& report);
StackTree collapse_perf_script_file(const std::filesystem::path& path,
                                    const CollapseOptions& options, CollapseReport& report);

// The parts of one frame line, exposed for tests: "\tffffffff8102ab34
// native_write_msr+0x4 ([kernel.kallsyms])" -> the folded frame name.
struct PerfFrame {
  std::uint64_t address = 0;
  std::string symbol;  // without "+0x..." offset
  std::string dso;     // "" when absent
  bool kernel = false;
};
// False when the line is not a frame line.
bool parse_perf_frame_line(std::string_view line, PerfFrame& frame);
// The frame name written into the folded stack for `frame`.
std::string folded_frame_name(const PerfFrame& frame, const CollapseOptions& options);

// The event of a sample header ("cpu-clock:ppp:" -> "cpu-clock"), its process
// name and, for headers that carry the one frame of a sample recorded without
// -g, the rest of the line. False when `line` is not a sample header.
struct PerfSampleHeader {
  std::string comm;
  std::string event;
  std::string_view trailing_frame;
};
bool parse_perf_header_line(std::string_view line, PerfSampleHeader& header);

// True when the start of a file reads as `perf script` text (a sample header
// followed by frame lines) rather than folded stacks.
bool looks_like_perf_script(std::string_view head);

}  // namespace engram::profile
