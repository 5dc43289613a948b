// Flame graph analysis: the SVG, the top-10 tables, the kernel families
// against the seed's expected bands, and the profile's stack quality.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engram/io/format.hpp"
#include "sections.hpp"

namespace engram::report {

namespace {

Table function_table(const std::vector<HotspotRow>& rows) {
  Table t;
  t.header = {"#", "Function", "Samples", "Share"};
  t.align = {Align::right, Align::left, Align::right, Align::right};
  std::size_t rank = 0;
  for (const auto& r : rows) {
    t.rows.push_back({Text(std::to_string(++rank)), Text() << code(r.function), Text(io::thousands(r.samples)),
                      Text(io::percent_value(r.percent))});
  }
  return t;
}

std::string band_text(const FamilyRow& f) {
  if (!f.expected_low || !f.expected_high) return "—";
  return fmt::format("{}–{}%", io::significant(*f.expected_low), io::significant(*f.expected_high));
}

}  // namespace

void add_flamegraph_section(Document& doc, const LoadedInputs& in) {
  const HotspotsInput& h = in.hotspots;
  doc.add(Heading{2, "Flame graph analysis", "flame-graph-analysis"});
  Text intro;
  intro << "Profile of ";
  if (h.binary.empty()) {
    intro << "the profiled command";
  } else {
    intro << code(h.binary);
  }
  intro << ": " << io::thousands(h.total_samples) << " samples of ";
  if (h.event.empty()) {
    intro << "an unrecorded event";
  } else {
    intro << code(h.event);
  }
  intro << ", " << io::thousands(h.functions) << " distinct functions (from " << code(io::display_path(h.file)) << ").";
  doc.add(Paragraph{intro});

  if (in.flamegraph_svg) {
    doc.add(Paragraph{Text() << "The flame graph: " << link(in.paths.flamegraph.filename().string(), in.paths.flamegraph.string())
                             << " (open it in a browser: click a frame to zoom, Search or Ctrl-F to highlight "
                                "functions by regular expression, which reports the matched share)."});
    doc.add(Image{"Flame graph of the profiled run", in.paths.flamegraph, *in.flamegraph_svg, true, 0});
  } else {
    add_missing(doc, Text("The flame graph SVG (--flamegraph)"), input_commands(io::display_path(h.file.parent_path())).profile);
  }

  doc.add(Heading{3, "Top 10 functions by inclusive time", "top-inclusive"});
  doc.add(Paragraph{Text("Samples of the stacks that contain the function (once per stack, even under recursion).")});
  doc.add(function_table(h.top_inclusive));
  doc.add(Heading{3, "Top 10 functions by self time", "top-self"});
  doc.add(Paragraph{Text("Samples whose innermost frame is the function.")});
  doc.add(function_table(h.top_self));

  doc.add(Heading{3, "Kernel families against the expected bands", "kernel-families"});
  if (!h.family_rule.empty()) doc.add(Paragraph{Text("Rule: " + h.family_rule + ".")});
  Table t;
  t.header = {"Family", "Samples", "Share", "Expected", "benchstats::Verdict"};
  t.align = {Align::left, Align::right, Align::right, Align::right, Align::left};
  std::vector<std::string> hold, fail;
  for (const auto& f : h.families) {
    std::string verdict = f.verdict.empty() ? "—" : f.verdict;
    if (f.verdict == "inside") {
      verdict = "holds (inside)";
      hold.push_back(fmt::format("{} ({} in {})", f.family, io::percent_value(f.percent), band_text(f)));
    } else if (!f.verdict.empty()) {
      verdict = "does not hold (" + f.verdict + ")";
      fail.push_back(fmt::format("{} ({}, {} the {} band)", f.family, io::percent_value(f.percent), f.verdict, band_text(f)));
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
  if (h.unresolved_frame_percent) {
    quality.items.push_back(Text("Unresolved frames ([unknown] or a bare DSO): " + io::percent_value(*h.unresolved_frame_percent) + " of all frames."));
  }
  if (h.not_reaching_entry_percent) {
    quality.items.push_back(Text("User stacks not reaching main, _start or a thread entry: " +
                                 io::percent_value(*h.not_reaching_entry_percent) + "."));
  }
  if (!h.frame_pointers.empty()) quality.items.push_back(Text("Frame pointers in the binary: " + h.frame_pointers + "."));
  if (!h.kernel_frames.empty()) quality.items.push_back(Text("Kernel frames: " + h.kernel_frames + "."));
  for (const auto& w : h.warnings) quality.items.push_back(Text("Warning: " + w));
  if (quality.items.empty()) quality.items.push_back(Text("The hot-spot file has no stack-quality diagnostics."));
  doc.add(std::move(quality));
}

}  // namespace engram::report
