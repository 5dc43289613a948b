// run_under_callgrind: re-executes a program under callgrind with explicit
// cache geometry, collects only its measured regions and parses every dump.
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "callgrind_regions.hpp"
#include "engram/io/scratch_folder.hpp"
#include "engram/counters.hpp"
#include "process.hpp"
#include "text.hpp"

namespace engram::counters {
namespace {

constexpr const char* kOutputName = "callgrind.out";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string failure_details(const std::string& valgrind_log, const std::string& program_stderr) {
  std::string out;
  if (!valgrind_log.empty()) out += "\n--- valgrind log (tail) ---\n" + detail::tail_lines(valgrind_log, 15);
  if (!program_stderr.empty()) out += "\n--- program stderr (tail) ---\n" + detail::tail_lines(program_stderr, 15);
  return out;
}

}  // namespace

std::string detail::locate_valgrind(const std::string& requested) {
  if (!requested.empty()) {
    if (auto path = find_executable(requested)) return *path;
    throw ValgrindMissingError("valgrind not found at '" + requested +
                               "': install the Debian package `valgrind` (sudo apt-get install valgrind) "
                               "or pass the path of a valgrind executable");
  }
  const char* path_variable = std::getenv("PATH");
  if (auto path = find_executable("valgrind")) return *path;
  throw ValgrindMissingError(std::string("valgrind not found on PATH (") + (path_variable ? path_variable : "unset") +
                             "): simulated counters need it; install the Debian package `valgrind` "
                             "(sudo apt-get install valgrind)");
}

CallgrindCounts CallgrindRun::region(std::string_view name) const {
  auto regions = profile.by_region();
  if (auto it = regions.find(std::string(name)); it != regions.end()) return it->second;
  std::vector<std::string> known;
  for (const auto& [region, counts] : regions) known.push_back(region.empty() ? "\"\" (final dump)" : region);
  throw CallgrindRunError("callgrind run has no region '" + std::string(name) + "'; it has: " +
                          detail::join(known, ", "));
}

CallgrindRun run_under_callgrind(const std::vector<std::string>& argv, const CallgrindRunOptions& options) {
  if (argv.empty() || argv.front().empty()) throw CallgrindRunError("run_under_callgrind: no program given");
  const std::string valgrind = detail::locate_valgrind(options.valgrind);
  if (!detail::find_executable(argv.front()))
    throw CallgrindRunError("cannot execute '" + argv.front() + "' under callgrind: " +
                            (argv.front().find('/') != std::string::npos ? "no such executable file"
                                                                          : "not found on PATH"));

  // The callgrind output files, removed with the folder on every way out.
  const auto directory = [] {
    try {
      return std::make_unique<io::ScratchFolder>("engram-callgrind-");
    } catch (const std::runtime_error& e) {
      throw CallgrindRunError(e.what());
    }
  }();
  CallgrindRun run;
  run.geometry = options.geometry ? *options.geometry : host_cache_geometry();
  run.command = {valgrind,
                 "--tool=callgrind",
                 "--cache-sim=yes",
                 "--branch-sim=yes",
                 options.collect_at_start ? "--collect-atstart=yes" : "--collect-atstart=no",
                 "--callgrind-out-file=" + (directory->path() / kOutputName).string(),
                 "--log-file=" + (directory->path() / "valgrind.log").string()};
  for (std::string& arg : run.geometry.valgrind_arguments()) run.command.push_back(std::move(arg));
  for (const std::string& arg : options.extra_valgrind_arguments) run.command.push_back(arg);
  for (const std::string& arg : argv) run.command.push_back(arg);

  detail::ChildOptions child_options;
  child_options.environment = options.environment;
  if (!options.collect_at_start) child_options.environment.emplace_back(detail::kRegionsEnvironment, "1");
  child_options.capture_output = true;
  child_options.disable_aslr = true;  // same addresses, same cache sets, same counts

  int status = 0;
  {
    detail::Child child(run.command, child_options);
    status = child.wait(options.timeout);
    run.program_stdout = child.out();
    run.program_stderr = child.err();
    if (child.timed_out())
      throw CallgrindRunError("callgrind run of '" + argv.front() + "' killed after " +
                              std::to_string(options.timeout.count()) + " s" +
                              failure_details(read_text(directory->path() / "valgrind.log"), run.program_stderr));
  }
  run.exit_code = status;
  const std::string log = read_text(directory->path() / "valgrind.log");
  if (status != 0 && !options.accept_nonzero_exit)
    throw CallgrindRunError("'" + argv.front() + "' under callgrind exited with status " + std::to_string(status) +
                            failure_details(log, run.program_stderr));

  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory->path()))
    if (entry.path().filename().string().rfind(kOutputName, 0) == 0) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw CallgrindRunError("callgrind wrote no profile for '" + argv.front() + "'" +
                            failure_details(log, run.program_stderr));
  run.profile = parse_callgrind_files(files);
  return run;
}

}  // namespace engram::counters
