// outputs: publishes a run's staged files as one set, and checks a published
// set against its manifest. The main job (scripts/profile_hotspots.sh) makes
// every file in a scratch folder and calls `outputs publish` last.
#include <signal.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "engram/io/cli.hpp"
#include "engram/io/publish.hpp"

namespace po = boost::program_options;

namespace {

constexpr const char* kTool = "outputs";
constexpr int kExitDifferent = engram::io::kExitFirstVerdict;

void print_help(const po::options_description& options) {
  std::cout << "usage: outputs publish [--run ID] [--manifest FILE] STAGED DESTINATION [STAGED DESTINATION ...]\n"
               "       outputs verify [--run ID] MANIFEST\n\n"
               "publish: every STAGED file (a regular file) is copied to a new temporary beside its\n"
               "DESTINATION and flushed to disk; only when all are complete are they renamed into\n"
               "place, with Ctrl-C held off, so the old files stay if anything fails. --manifest\n"
               "writes the list of the set's files with their sizes and checksums, in the same set.\n"
               "verify: says which files in place are not the ones MANIFEST lists.\n\n"
            << options << "\n"
            << engram::io::exit_codes_help({{kExitDifferent, "verify: a file is missing or not of this set"}});
}

int run(int argc, char** argv) {
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "print this help and exit")
      ("manifest", po::value<std::string>()->value_name("FILE"), "publish: also write the manifest to FILE")
      ("run", po::value<std::string>()->value_name("ID"),
       "publish: name the run in the manifest; verify: the manifest must be of that run");
  std::vector<std::string> arguments;
  const po::variables_map vm = engram::io::parse_options(argc, argv, visible, &arguments);
  if (vm.count("help")) {
    print_help(visible);
    return engram::io::kExitOk;
  }
  if (arguments.empty()) throw engram::io::UsageError("a command is needed: publish or verify");
  const std::string command = arguments.front();
  const std::string run_id = vm.count("run") ? vm["run"].as<std::string>() : std::string();
  arguments.erase(arguments.begin());
  if (command == "verify") {
    if (arguments.size() != 1 || vm.count("manifest")) throw engram::io::UsageError("verify takes one MANIFEST");
    const std::vector<std::string> differences = engram::io::verify_published(arguments.front(), run_id);
    for (const std::string& d : differences) std::cout << d << "\n";
    if (differences.empty()) std::cout << "every file is the one " << arguments.front() << " lists\n";
    return differences.empty() ? engram::io::kExitOk : kExitDifferent;
  }
  if (command != "publish") throw engram::io::UsageError("unknown command '" + command + "' (publish or verify)");
  if (arguments.empty() || arguments.size() % 2 != 0) {
    throw engram::io::UsageError("publish takes pairs: STAGED DESTINATION [STAGED DESTINATION ...]");
  }
  std::vector<engram::io::StagedFile> files;
  for (std::size_t i = 0; i < arguments.size(); i += 2) files.push_back({arguments[i], arguments[i + 1]});
  // Once started, a publish finishes: an interrupt now would leave the
  // caller unable to say what was published. It is short (a copy and
  // renames), and SIGKILL still ends it.
  sigset_t held;
  sigemptyset(&held);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&held, s);
  ::sigprocmask(SIG_BLOCK, &held, nullptr);
  engram::io::publish_staged(files, vm.count("manifest") ? vm["manifest"].as<std::string>() : std::string(), run_id);
  return engram::io::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
