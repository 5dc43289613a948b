#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "engram/io/format.hpp"
#include "engram/profile/flamegraph.hpp"
#include "flamegraph_viewer_js.hpp"  // generated from flamegraph_viewer.js
#include "xml_text.hpp"

namespace engram::profile {
namespace {

constexpr double kXPad = 10.0;         // left and right margin, px
constexpr double kFontWidth = 0.59;    // average glyph width / font size (Verdana)
constexpr double kFramePad = 1.0;      // vertical gap between frames, px
constexpr std::string_view kMatchColor = "rgb(230,0,230)";

void validate(const FlameGraphOptions& options) {
  if (options.width < 100 || options.width > 1'000'000) {
    throw std::invalid_argument("flame graph width must be between 100 and 1000000 px");
  }
  if (options.frame_height < 4 || options.frame_height > 1000) {
    throw std::invalid_argument("frame height must be between 4 and 1000 px");
  }
  if (options.font_size < 1 || options.font_size > 200) {
    throw std::invalid_argument("font size must be between 1 and 200 px");
  }
  if (!(options.min_width >= 0.0) || !std::isfinite(options.min_width)) {
    throw std::invalid_argument("minimum frame width must be a finite number >= 0");
  }
}

struct DrawnFrame {
  StackTree::NodeId id;
  std::uint64_t offset;  // samples left of this frame
  std::uint32_t depth;
};

// Depth-first, children in name order; frames narrower than min_width are
// left out with everything above them (it is narrower still).
std::vector<DrawnFrame> lay_out(const StackTree& tree, double px_per_sample, double min_width) {
  std::vector<DrawnFrame> drawn;
  std::vector<DrawnFrame> todo{{StackTree::kRoot, 0, 0}};
  std::vector<DrawnFrame> kids;
  while (!todo.empty()) {
    const DrawnFrame frame = todo.back();
    todo.pop_back();
    drawn.push_back(frame);
    kids.clear();
    std::uint64_t offset = frame.offset;
    for (StackTree::NodeId child : tree.children(frame.id)) {
      const std::uint64_t samples = tree.node(child).total;
      if (static_cast<double>(samples) * px_per_sample >= min_width && samples > 0) {
        kids.push_back({child, offset, frame.depth + 1});
      }
      offset += samples;
    }
    todo.insert(todo.end(), kids.rbegin(), kids.rend());
  }
  return drawn;
}

std::string percent_text(std::uint64_t part, std::uint64_t whole) {
  const long double percent = static_cast<long double>(part) * 100.0L / static_cast<long double>(whole);
  return fmt::format("{:.2f}", static_cast<double>(percent));
}

std::string default_subtitle(const FlameGraphOptions& options, std::uint64_t total) {
  std::string subtitle;
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!subtitle.empty()) subtitle += " | ";
    subtitle += part;
  };
  add(options.event.empty() ? "" : "event: " + options.event);
  add(io::thousands(total) + " samples");
  add(options.date);
  add(options.command.empty() ? "" : "command: " + options.command);
  return subtitle;
}

// The name shown inside a frame of `width` px: whole, or cut with "..", or
// nothing when fewer than 3 characters fit. Same rule as the viewer script.
std::string fitted_name(const std::string& sanitized, double width, double char_width) {
  const double fit = std::floor((width - 3.0) / char_width);
  if (fit < 3.0) return {};
  const auto chars = static_cast<std::size_t>(fit);
  if (detail::count_code_points(sanitized) <= chars) return sanitized;
  return sanitized.substr(0, detail::prefix_bytes(sanitized, chars - 2)) + "..";
}

std::string render(const StackTree& tree, const FlameGraphOptions& options,
                   const std::vector<double>* deltas) {
  validate(options);
  const std::uint64_t total = tree.total_samples();
  if (total == 0) throw std::invalid_argument("cannot render a flame graph without samples");

  const double width = options.width;
  const double frame_height = options.frame_height;
  const double font_size = options.font_size;
  const double char_width = font_size * kFontWidth;
  const double usable = width - 2.0 * kXPad;
  const double px_per_sample = usable / static_cast<double>(total);
  const std::vector<DrawnFrame> drawn = lay_out(tree, px_per_sample, options.min_width);
  std::uint32_t max_depth = 0;
  for (const auto& frame : drawn) max_depth = std::max(max_depth, frame.depth);

  const std::string title = !options.title.empty() ? options.title
                            : deltas != nullptr    ? "Differential Flame Graph"
                            : options.inverted     ? "Icicle Graph"
                                                   : "Flame Graph";
  const std::string subtitle =
      !options.subtitle.empty() ? options.subtitle : default_subtitle(options, total);
  const double title_y = font_size * 2.0;
  const double subtitle_y = title_y + font_size * 1.5;
  const double pad_top = font_size * 4.5;
  const double pad_bottom = font_size * 2.0 + 10.0;
  const double height = pad_top + pad_bottom + (max_depth + 1.0) * frame_height;

  double max_abs_delta = 0.0;
  if (deltas != nullptr) {
    for (double d : *deltas) max_abs_delta = std::max(max_abs_delta, std::fabs(d));
  }

  std::string out;
  out.reserve(512 + drawn.size() * 256);
  auto put = [&out](fmt::string_view format, auto&&... args) {
    fmt::format_to(std::back_inserter(out), fmt::runtime(format), args...);
  };
  auto put_text = [&out](std::string_view raw) {
    detail::append_escaped(out, detail::sanitize_for_xml(raw));
  };

  put("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
  put("<svg version=\"1.1\" width=\"{0}\" height=\"{1:.0f}\" viewBox=\"0 0 {0} {1:.0f}\" "
      "xmlns=\"http://www.w3.org/2000/svg\">\n",
      options.width, height);
  put("<!-- engram-perf flame graph. Click a frame to zoom in, Reset Zoom or Escape to zoom out, "
      "Ctrl-F or Search to highlight frames by regular expression. -->\n");
  put("<defs>\n<linearGradient id=\"background\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">\n"
      "<stop stop-color=\"{}\" offset=\"5%\"/>\n<stop stop-color=\"{}\" offset=\"95%\"/>\n"
      "</linearGradient>\n</defs>\n",
      "#eeeeee", deltas != nullptr ? "#e0e0ff" : "#eeeeb0");
  put("<style type=\"text/css\">\n"
      "text {{ font-family: Verdana, sans-serif; font-size: {0}px; fill: rgb(0,0,0); }}\n"
      "#title {{ text-anchor: middle; font-size: {1}px; }}\n"
      "#subtitle {{ text-anchor: middle; fill: rgb(110,110,110); }}\n"
      "#unzoom, #search {{ cursor: pointer; }}\n"
      "#search {{ opacity: 0.6; }}\n"
      "#search:hover, #search.active {{ opacity: 1; }}\n"
      "#frames > g {{ cursor: pointer; }}\n"
      "#frames > g:hover > rect {{ stroke: rgb(0,0,0); stroke-width: 0.5; }}\n"
      "#frames text {{ pointer-events: none; }}\n"
      ".hide {{ display: none; }}\n"
      ".parent {{ opacity: 0.5; }}\n"
      "</style>\n",
      options.font_size, options.font_size + 5);
  put("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{:.0f}\" fill=\"url(#background)\"/>\n",
      options.width, height);
  put("<text id=\"title\" x=\"{:.1f}\" y=\"{:.1f}\">", width / 2.0, title_y);
  put_text(title);
  put("</text>\n<text id=\"subtitle\" x=\"{:.1f}\" y=\"{:.1f}\">", width / 2.0, subtitle_y);
  put_text(subtitle);
  put("</text>\n");
  put("<text id=\"details\" x=\"{:.1f}\" y=\"{:.1f}\"> </text>\n", kXPad, height - pad_bottom / 2.0);
  put("<text id=\"unzoom\" class=\"hide\" x=\"{:.1f}\" y=\"{:.1f}\">Reset Zoom</text>\n", kXPad,
      title_y);
  put("<text id=\"search\" x=\"{:.1f}\" y=\"{:.1f}\">Search</text>\n", width - kXPad - 100.0,
      title_y);
  put("<text id=\"matched\" x=\"{:.1f}\" y=\"{:.1f}\"> </text>\n", width - kXPad - 100.0,
      height - pad_bottom / 2.0);

  put("<g id=\"frames\">\n");
  const double rect_height = frame_height - kFramePad;
  for (const DrawnFrame& frame : drawn) {
    const auto& node = tree.node(frame.id);
    const std::string name = detail::sanitize_for_xml(tree.name(frame.id));
    const double x = kXPad + static_cast<double>(frame.offset) * px_per_sample;
    const double w = static_cast<double>(node.total) * px_per_sample;
    const double y = options.inverted
                         ? pad_top + frame.depth * frame_height
                         : height - pad_bottom - (frame.depth + 1.0) * frame_height + kFramePad;
    Rgb color;
    std::string delta_note;
    if (deltas != nullptr) {
      const double delta = (*deltas)[frame.id];
      color = differential_color(delta, max_abs_delta);
      delta_note = fmt::format("; {:+.2f}%", delta * 100.0 / static_cast<double>(total));
    } else {
      color = frame_color(tree.name(frame.id), options.palette);
    }
    put("<g data-o=\"{}\" data-n=\"{}\" data-d=\"{}\"><title>", frame.offset, node.total, frame.depth);
    detail::append_escaped(out, name);
    put(" ({} samples, {}%{})</title>", io::thousands(node.total), percent_text(node.total, total),
        delta_note);
    put("<rect x=\"{:.2f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.1f}\" fill=\"rgb({},{},{})\" "
        "rx=\"2\" ry=\"2\"/>",
        x, y, w, rect_height, color.r, color.g, color.b);
    put("<text x=\"{:.2f}\" y=\"{:.1f}\">", x + 3.0, y + rect_height / 2.0 + font_size / 3.0);
    detail::append_escaped(out, fitted_name(name, w, char_width));
    put("</text></g>\n");
  }
  put("</g>\n");

  // The viewer runs at the end of the document, when every frame exists.
  put("<script type=\"text/ecmascript\"><![CDATA[\n");
  put("var cfg = {{ total: {}, width: {}, xpad: {}, fontSize: {}, fontWidth: {}, matchColor: \"{}\", "
      "detailsPrefix: \"{}\" }};\n",
      total, options.width, kXPad, options.font_size, kFontWidth, kMatchColor, "Function: ");
  out.append(detail::kFlameGraphViewerJs);
  put("]]></script>\n</svg>\n");
  return out;
}

}  // namespace

std::string render_flamegraph(const StackTree& tree, const FlameGraphOptions& options) {
  return render(tree, options, nullptr);
}

std::vector<double> differential_deltas(const StackTree& before, const StackTree& after) {
  constexpr StackTree::NodeId kMissing = std::numeric_limits<StackTree::NodeId>::max();
  std::vector<double> deltas(after.node_count(), 0.0);
  const double scale = before.total_samples() > 0
                           ? static_cast<double>(after.total_samples()) /
                                 static_cast<double>(before.total_samples())
                           : 0.0;
  // Walk `after`, following the same path in `before`.
  struct Pair {
    StackTree::NodeId after_id;
    StackTree::NodeId before_id;
  };
  std::vector<Pair> todo{{StackTree::kRoot, StackTree::kRoot}};
  while (!todo.empty()) {
    const Pair pair = todo.back();
    todo.pop_back();
    const double before_self =
        pair.before_id == kMissing ? 0.0 : static_cast<double>(before.node(pair.before_id).self);
    deltas[pair.after_id] = static_cast<double>(after.node(pair.after_id).self) - before_self * scale;
    for (StackTree::NodeId child : after.children(pair.after_id)) {
      StackTree::NodeId match = kMissing;
      if (pair.before_id != kMissing) {
        match = before.find_child(pair.before_id, after.name(child));
        if (match == StackTree::kRoot) match = kMissing;
      }
      todo.push_back({child, match});
    }
  }
  return deltas;
}

std::string render_differential_flamegraph(const StackTree& before, const StackTree& after,
                                           const FlameGraphOptions& options) {
  if (before.total_samples() == 0) {
    throw std::invalid_argument("the profile to compare against has no samples");
  }
  const std::vector<double> deltas = differential_deltas(before, after);
  return render(after, options, &deltas);
}

}  // namespace engram::profile
