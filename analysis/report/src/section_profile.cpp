// Flame graph analysis: the SVG, the top-10 tables, the kernel families
// against the seed's expected bands, and the profile's stack quality.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engram/io/format.hpp"
#include "sections.hpp"

namespace engram::report {

namespace {

Table function_table(const std::vector<profile::FunctionCost>& rows) {
  Table t;
  t.header = {"#", "Function", "Samples", "Share"};
  t.align = {Align::right, Align::left, Align::right, Align::right};
  std::size_t rank = 0;
  for (const auto& r : rows) {
    t.rows.push_back({Text(std::to_string(++rank)), Text() << code(r.name), Text(io::thousands(r.samples)),
                      Text(io::percent_value(r.percent))});
  }
  return t;
}

std::string band_text(const profile::FamilyShare& f) {
  if (!f.band) return "—";
  return fmt::format("{}–{}%", io::significant(f.band->low_percent), io::significant(f.band->high_percent));
}

// "below", "inside", "above", or "" without a band.
std::string verdict_of(const profile::FamilyShare& f) {
  return f.band ? std::string(profile::verdict_name(f.verdict)) : std::string();
}

}  // namespace

void add_flamegraph_section(Document& doc, const LoadedInputs& in) {
  const profile::HotspotReport& report = in.hotspots;
  const profile::ReportContext& h = report.context;
  const profile::Hotspots& hot = report.hotspots;
  const profile::StackQuality& q = report.quality;
  doc.add(Heading{2, "Flame graph analysis", "flame-graph-analysis"});
  Text intro;
  intro << "Profile of ";
  if (h.binary.empty()) {
    intro << "the profiled command";
  } else {
    intro << code(h.binary);
  }
  intro << ": " << io::thousands(hot.total_samples) << " samples of ";
  if (h.event.empty()) {
    intro << "an unrecorded event";
  } else {
    intro << code(h.event);
  }
  intro << ", " << io::thousands(hot.function_count) << " distinct functions (from "
        << code(io::display_path(in.paths.hotspots)) << ").";
  doc.add(Paragraph{intro});

  if (in.viewer_svg) {
    // Drawn by the report from the folded stacks: its own viewer, the only
    // script the report carries (in a sandboxed frame).
    Text text;
    text << "The flame graph, drawn from " << code(io::display_path(in.paths.folded));
    if (in.flamegraph_svg) {
      text << " (also as " << link(in.paths.flamegraph.filename().string(), in.paths.flamegraph.string()) << ")";
    }
    text << ": click a frame to zoom, Search or Ctrl-F to highlight functions by regular expression, which "
            "reports the matched share.";
    doc.add(Paragraph{text});
    doc.add(Image{"Flame graph of the profiled run", in.paths.flamegraph, *in.viewer_svg, true, 0});
  } else if (in.flamegraph_svg) {
    // An SVG from outside is shown as a picture: no script of it runs here.
    doc.add(Paragraph{Text() << "The flame graph: " << link(in.paths.flamegraph.filename().string(), in.paths.flamegraph.string())
                             << " (shown here as a picture; open the file in a browser to zoom and search, or give "
                                "the report the folded stacks, --folded, for an interactive one)."});
    doc.add(Image{"Flame graph of the profiled run", in.paths.flamegraph, *in.flamegraph_svg, false, 0});
  } else {
    add_missing(doc, Text("The flame graph (--folded or --flamegraph)"),
                input_commands(io::display_path(in.paths.hotspots.parent_path())).profile);
  }

  doc.add(Heading{3, "Top 10 functions by inclusive time", "top-inclusive"});
  doc.add(Paragraph{Text("Samples of the stacks that contain the function (once per stack, even under recursion).")});
  doc.add(function_table(hot.top_inclusive));
  doc.add(Heading{3, "Top 10 functions by self time", "top-self"});
  doc.add(Paragraph{Text("Samples whose innermost frame is the function.")});
  doc.add(function_table(hot.top_self));

  doc.add(Heading{3, "Kernel families against the expected bands", "kernel-families"});
  doc.add(Paragraph{Text("Rule: " + std::string(profile::kFamilyRule) + ".")});
  Table t;
  t.header = {"Family", "Samples", "Share", "Expected", "Verdict"};
  t.align = {Align::left, Align::right, Align::right, Align::right, Align::left};
  std::vector<std::string> hold, fail;
  for (const auto& f : hot.families) {
    const std::string name = verdict_of(f);
    std::string verdict = name.empty() ? "—" : name;
    if (name == "inside") {
      verdict = "holds (inside)";
      hold.push_back(fmt::format("{} ({} in {})", f.family, io::percent_value(f.percent), band_text(f)));
    } else if (!name.empty()) {
      verdict = "does not hold (" + name + ")";
      fail.push_back(fmt::format("{} ({}, {} the {} band)", f.family, io::percent_value(f.percent), name, band_text(f)));
    }
    t.rows.push_back({Text(f.family), Text(io::thousands(f.samples)), Text(io::percent_value(f.percent)), Text(band_text(f)),
                      Text(verdict)});
  }
  doc.add(std::move(t));
  Text verdict;
  if (hold.empty() && fail.empty()) {
    verdict << "The hot-spot file gives no expected bands.";
  } else {
    verdict << strong("Bands that hold:") << " "
            << (hold.empty() ? std::string("none") : fmt::format("{}", fmt::join(hold, "; "))) << ". "
            << strong("Bands that do not hold:") << " "
            << (fail.empty() ? std::string("none") : fmt::format("{}", fmt::join(fail, "; "))) << ".";
    verdict << " The bands are the seed's shares of compute time in the original system: expectations to check "
               "against this workload, not figures to reproduce.";
  }
  doc.add(Paragraph{verdict});

  doc.add(Heading{3, "Stack quality", "stack-quality"});
  BulletList quality;
  quality.items.push_back(Text("Unresolved frames ([unknown] or a bare DSO): " +
                               io::percent_value(q.unresolved_frame_percent()) + " of all frames."));
  quality.items.push_back(Text("User stacks not reaching main, _start or a thread entry: " +
                               io::percent_value(q.not_reaching_entry_percent()) + "."));
  const std::string fp_verdict(profile::frame_pointers_name(h.frame_pointers.verdict));
  quality.items.push_back(Text("Frame pointers in the binary: " +
                               (h.frame_pointers.detail.empty() ? fp_verdict
                                                                : fp_verdict + " (" + h.frame_pointers.detail + ")") +
                               "."));
  const auto& kernel = report.kernel_frames;
  quality.items.push_back(
      Text("Kernel frames: " + (kernel.explanation.empty() ? kernel.status : kernel.status + ": " + kernel.explanation) + "."));
  for (const auto& w : report.warnings) quality.items.push_back(Text("Warning: " + w));
  doc.add(std::move(quality));
}

}  // namespace engram::report
