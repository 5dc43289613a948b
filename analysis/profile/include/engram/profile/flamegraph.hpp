#pragma once
// Flame graph SVG rendering: frames merged along the path and sorted by name,
// a stable colour per name, tooltips "name (N samples, P%)", click to zoom,
// Reset Zoom, Ctrl-F / Search with a regular expression reporting
// "Matched: P%", and a title and subtitle. Output is a pure function of the
// input and the options (no clock, no randomness), so it is byte-identical
// from run to run.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/profile/stack_tree.hpp"

namespace engram::profile {

enum class Palette { kHot, kMem, kIo, kRed, kGreen, kBlue, kAqua, kYellow, kPurple, kOrange };

std::optional<Palette> parse_palette(std::string_view name);  // "hot", "mem", ...
std::string_view palette_name(Palette palette);
std::vector<std::string_view> palette_names();

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

// The colour of a frame: a function of its name only (FNV-1a hash), so the
// same function has the same colour in every graph. With the hot palette,
// kernel frames (suffix "_[k]") are drawn orange.
Rgb frame_color(std::string_view name, Palette palette);
// Differential colour: red when the frame grew (delta > 0), blue when it
// shrank, white when unchanged; the more saturated, the larger |delta|
// relative to max_abs_delta.
Rgb differential_color(double delta, double max_abs_delta);

struct FlameGraphOptions {
  std::string title;     // "" -> "Flame Graph" ("Icicle Graph" when inverted)
  std::string subtitle;  // "" -> built from event, sample count, date and command
  std::string event;     // e.g. "cpu-clock"
  std::string date;      // shown as given; nothing is read from the clock
  std::string command;   // the profiled command line
  unsigned width = 1200;        // image width, px
  unsigned frame_height = 16;   // px
  unsigned font_size = 12;      // px
  double min_width = 0.1;       // frames narrower than this (px) are left out
  bool inverted = false;        // icicle graph: root at the top
  Palette palette = Palette::kHot;
};

// Throws std::invalid_argument for options out of range or a tree without
// samples. The tree must be sorted (StackTree::sort_children()).
std::string render_flamegraph(const StackTree& tree, const FlameGraphOptions& options);

// Differential flame graph: the layout (widths) of `after`; each frame
// coloured by the change of its self samples, with `before` scaled to the
// same total: delta = self_after - self_before * total_after / total_before.
std::string render_differential_flamegraph(const StackTree& before, const StackTree& after,
                                           const FlameGraphOptions& options);

// The normalised delta of every node of `after` (indexed by node id), in
// samples of `after`. Frames missing in `before` count as 0 there.
std::vector<double> differential_deltas(const StackTree& before, const StackTree& after);

// Text made safe for XML: & < > " ' escaped, control characters other than
// tab/newline replaced with '?', invalid UTF-8 replaced with U+FFFD.
std::string xml_escape(std::string_view text);


}  // namespace engram::profile
