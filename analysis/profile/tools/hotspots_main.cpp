// hotspots: a profile (perf script text or folded stacks) -> folded stacks,
// hotspots.md and hotspots.json with the top functions, the kernel-family
// shares and stack-quality diagnostics.
#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"
#include "engram/profile/folded.hpp"
#include "engram/profile/hotspots.hpp"
#include "engram/profile/perf_script.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace engram::profile;

namespace {

constexpr std::string_view kTool = "hotspots";

bool has_kernel_annotation(const StackTree& tree) {
  for (std::uint32_t i = 0; i < tree.name_count(); ++i) {
    if (is_kernel_frame_name(tree.name_of_index(i))) return true;
  }
  return false;
}

// The whole input, so that its format can be told from its first lines
// (standard input cannot be reopened).
std::string read_input(const std::string& path) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open for reading");
  text << in.rdbuf();
  if (in.bad()) throw InputError(path, 0, "read error");
  return text.str();
}

int run(int argc, char** argv) {
  std::vector<std::string> inputs;
  std::string out_dir = ".";
  std::string folded_path;
  std::string format = "auto";
  std::string binary;
  std::string event;
  std::size_t top = 10;
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "show this help and exit")
      ("out-dir,d", po::value(&out_dir)->default_value("."), "folder for the files written (created if missing)")
      ("folded", po::value(&folded_path), "path of the folded stacks written (default: OUT-DIR/profile.folded)")
      ("format", po::value(&format)->default_value("auto"), "input format: auto, perf (perf script text) or folded")
      ("binary", po::value(&binary), "the profiled binary, to tell whether it was built with frame pointers")
      ("event", po::value(&event), "sampling event (default: read from the perf script sample headers)")
      ("top", engram::io::number_value(&top, {1, 1000})->default_value(10), "rows in each top table (1 to 1000)")
      ("process-root", "folded input: the first frame of each stack is a process name, not a "
                       "function (the collapser writes it so; implied for perf script input)")
      ("no-process-name", "perf script input: do not put the process name at the root of each stack")
      ("keep-parameters", "perf script input: keep C++ parameter lists in frame names")
      ("quiet,q", "do not print the tables");
  const po::variables_map vm = engram::io::parse_options(argc, argv, visible, &inputs);
  if (vm.count("help")) {
    std::cout << "Usage: hotspots [options] INPUT\n\n"
                 "Reads a profile - `perf script` text (recorded with -g) or folded stacks;\n"
                 "'-' reads standard input - and writes:\n"
                 "  OUT-DIR/profile.folded  the merged stacks, one line per stack (input of flamegraph)\n"
                 "  OUT-DIR/hotspots.md     top functions by inclusive and self time, kernel-family\n"
                 "                          shares against the expected bands, stack-quality checks\n"
                 "  OUT-DIR/hotspots.json   the same, for programs\n"
                 "then prints the top tables and the path of every file written.\n\n"
              << visible << "\n"
              << engram::io::exit_codes_help();
    return engram::io::kExitOk;
  }
  if (inputs.empty()) throw engram::io::UsageError("no input file given");
  if (inputs.size() > 1) throw engram::io::UsageError("one input file expected, got " + std::to_string(inputs.size()));
  const std::string& input = inputs.front();
  if (format != "auto" && format != "perf" && format != "folded") {
    throw engram::io::UsageError("--format must be auto, perf or folded");
  }

  const std::string text = read_input(input);
  const std::string source = input == "-" ? "<stdin>" : input;
  const bool perf = format == "perf" ||
                    (format == "auto" && looks_like_perf_script(std::string_view(text).substr(0, 1 << 16)));
  std::istringstream in(text);
  StackTree tree;
  ReportContext context;
  context.input = source;
  context.options.top_n = top;
  if (perf) {
    CollapseOptions collapse;
    collapse.include_process_name = vm.count("no-process-name") == 0;
    collapse.keep_parameters = vm.count("keep-parameters") > 0;
    CollapseReport parsed;
    collapse_perf_script(in, source, collapse, tree, parsed);
    context.input_format = "perf script";
    context.event = event.empty() ? parsed.event_summary() : event;
    context.options.first_frame_is_process = collapse.include_process_name;
    context.kernel_frames_annotated = true;
    if (!parsed.warning().empty()) context.input_warnings.push_back(parsed.warning());
    if (parsed.samples_without_frames > 0) {
      context.input_warnings.push_back(std::to_string(parsed.samples_without_frames) +
                                       " samples had no call chain (recorded without -g?)");
    }
  } else {
    ParseReport parsed;
    read_folded(in, source, tree, parsed);
    context.input_format = "folded";
    context.event = event;
    context.options.first_frame_is_process = vm.count("process-root") > 0;
    context.kernel_frames_annotated = has_kernel_annotation(tree);
    if (!parsed.warning().empty()) context.input_warnings.push_back(parsed.warning());
  }
  context.binary = binary;
  if (binary.empty()) {
    context.frame_pointers.detail = "no binary given (--binary)";
    context.frameless.detail = "no binary given (--binary)";
  } else {
    context.frame_pointers = check_frame_pointers(binary);
    context.frameless = check_frameless_functions(binary);
  }
  context.settings = read_perf_settings();

  const HotspotReport report = make_hotspot_report(tree, std::move(context));
  fs::create_directories(out_dir);
  const fs::path folded = folded_path.empty() ? fs::path(out_dir) / "profile.folded" : fs::path(folded_path);
  const fs::path markdown = fs::path(out_dir) / "hotspots.md";
  const fs::path json = fs::path(out_dir) / "hotspots.json";
  // One set: a reader never sees this run's table beside the last run's stacks.
  engram::io::OutputSet outputs;
  outputs.add(folded, to_folded(tree));
  outputs.add(markdown, hotspots_markdown(report));
  outputs.add(json, hotspots_json(report));
  outputs.commit();
  for (const auto& warning : report.warnings) engram::io::warn(kTool, warning);
  if (vm.count("quiet") == 0) {
    std::cout << hotspots_console_table(report);
    std::cout << "\nWrote " << folded.string() << "\nWrote " << markdown.string() << "\nWrote "
              << json.string() << "\n";
  }
  return engram::io::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
