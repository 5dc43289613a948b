// flamegraph: folded stacks -> interactive SVG flame graph (or a differential
// one of two profiles).
#include <boost/program_options.hpp>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"
#include "engram/profile/flamegraph.hpp"
#include "engram/profile/folded.hpp"

namespace po = boost::program_options;
using namespace engram::profile;

namespace {

constexpr std::string_view kTool = "flamegraph";

std::string palette_list() {
  std::string list;
  for (auto name : palette_names()) list += (list.empty() ? "" : ", ") + std::string(name);
  return list;
}

StackTree read_profile(const std::string& path) {
  ParseReport report;
  StackTree tree = read_folded_file(path, report);
  if (const std::string warning = report.warning(); !warning.empty()) {
    engram::io::warn(kTool, warning);
  }
  return tree;
}

int run(int argc, char** argv) {
  FlameGraphOptions options;
  std::string output;
  std::string colors = "hot";
  std::vector<std::string> inputs;
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "show this help and exit")
      ("output,o", po::value(&output), "write the SVG to FILE (through a temporary file and a "
                                       "rename); default: standard output")
      ("diff", "differential mode: two inputs, OLD then NEW; widths from NEW, frames red where "
               "NEW grew and blue where it shrank (self samples, normalised by the totals)")
      ("title", po::value(&options.title), "title (default: Flame Graph, Icicle Graph when "
                                           "inverted, Differential Flame Graph with --diff)")
      ("subtitle", po::value(&options.subtitle), "subtitle (default: built from --event, the "
                                                 "sample count, --date and --command)")
      ("event", po::value(&options.event), "sampling event shown in the subtitle, e.g. cpu-clock")
      ("date", po::value(&options.date), "date shown in the subtitle, as given (nothing is read "
                                         "from the clock, so output is reproducible)")
      ("command", po::value(&options.command), "profiled command shown in the subtitle")
      ("width", engram::io::number_value(&options.width, {100, 1'000'000})->default_value(1200),
       "image width, px (100 to 1000000)")
      ("height", engram::io::number_value(&options.frame_height, {4, 1000})->default_value(16),
       "frame height, px (4 to 1000)")
      ("font-size", engram::io::number_value(&options.font_size, {1, 200})->default_value(12),
       "font size, px (1 to 200)")
      ("minwidth", engram::io::number_value(&options.min_width, {0, 1e6})->default_value(0.1, "0.1"),
       "leave out frames narrower than this, px (0 to 1000000)")
      ("inverted", "icicle graph: the root at the top")
      ("colors", po::value(&colors)->default_value("hot"),
       ("palette: " + palette_list()).c_str());
  const po::variables_map vm = engram::io::parse_options(argc, argv, visible, &inputs);
  if (vm.count("help")) {
    std::cout << "Usage: flamegraph [options] INPUT.folded\n"
                 "       flamegraph [options] --diff OLD.folded NEW.folded\n\n"
                 "Renders folded stacks (one line per stack: \"root;frame;leaf count\", root\n"
                 "first, the count last; '-' reads standard input) as an SVG flame graph:\n"
                 "hover for \"name (N samples, P%)\", click to zoom, Reset Zoom, Ctrl-F or\n"
                 "Search for a regular expression (shows \"Matched: P%\").\n\n"
              << visible << "\n"
              << engram::io::exit_codes_help();
    return engram::io::kExitOk;
  }
  const bool diff = vm.count("diff") > 0;
  options.inverted = vm.count("inverted") > 0;
  if (diff && inputs.size() != 2) {
    throw engram::io::UsageError("--diff needs two inputs: OLD.folded NEW.folded");
  }
  if (!diff && inputs.size() != 1) {
    throw engram::io::UsageError(inputs.empty() ? "no input file given" : "one input file expected (or --diff OLD NEW)");
  }
  const auto palette = parse_palette(colors);
  if (!palette) {
    throw engram::io::UsageError("unknown palette '" + colors + "' (choose from " + palette_list() + ")");
  }
  options.palette = *palette;

  std::string svg;
  if (diff) {
    const StackTree before = read_profile(inputs[0]);
    const StackTree after = read_profile(inputs[1]);
    svg = render_differential_flamegraph(before, after, options);
  } else {
    svg = render_flamegraph(read_profile(inputs[0]), options);
  }
  if (output.empty() || output == "-") {
    std::cout << svg;
    std::cout.flush();
    if (!std::cout) throw std::runtime_error("cannot write to standard output");
  } else {
    engram::io::write_file_atomically(output, svg);
  }
  return engram::io::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
