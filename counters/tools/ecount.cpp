// ecount: counts hardware, software and simulated events the honest way.
#include "ecount.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "engram/counters.hpp"
#include "engram/io/errors.hpp"

namespace engram::ecount {

std::string group_digits(double value) {
  if (!std::isfinite(value)) return std::to_string(value);
  const bool negative = value < 0;
  const double magnitude = std::fabs(value);
  const double whole = std::floor(magnitude);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.0f", whole);
  std::string digits = buffer;
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  if (magnitude != whole) {
    std::snprintf(buffer, sizeof buffer, "%.2f", magnitude - whole);
    out += std::string(buffer).substr(1);
  }
  return negative ? "-" + out : out;
}

bool is_option(const std::string& arg, const std::string& name) {
  return arg == name || arg.rfind(name + "=", 0) == 0;
}

std::string option_value(const std::vector<std::string>& args, std::size_t& i, const std::string& name) {
  const std::string& arg = args[i];
  if (arg.size() > name.size() && arg.compare(0, name.size(), name) == 0 && arg[name.size()] == '=')
    return arg.substr(name.size() + 1);
  if (i + 1 >= args.size()) throw UsageError(name + " needs a value");
  return args[++i];
}

}  // namespace engram::ecount

namespace {

void usage(std::ostream& out) {
  out << "usage: ecount <command> [options]\n"
         "\n"
         "Counts hardware, software and simulated events, and says why when it cannot.\n"
         "\n"
         "commands:\n"
         "  doctor   what this machine can count (PMU, VM, permissions, PAPI, libpfm4, valgrind)\n"
         "  list     every counter name ecount resolves, with its backend and status\n"
         "  stat     count a command: ecount stat -e task-clock,page-faults -- COMMAND ARGS\n"
         "\n"
         "`ecount <command> --help` describes a command.\n"
         "\n"
      << engram::io::exit_codes_help()
      << "ecount stat returns the command's own status once the command ran.\n";
}

// The subcommand's body. A CounterError is about what was asked (an unknown
// counter, a mode, a command that cannot run): bad input, exit 2; but a
// valgrind that is missing or fails is a failure, exit 1.
int run_command(const std::string& command, const std::vector<std::string>& args) {
  try {
    if (command == "doctor") return engram::ecount::run_doctor(args);
    if (command == "list") return engram::ecount::run_list(args);
    return engram::ecount::run_stat(args);
  } catch (const engram::counters::ValgrindMissingError&) {
    throw;
  } catch (const engram::counters::CallgrindRunError&) {
    throw;
  } catch (const engram::counters::CounterError& e) {
    throw engram::io::InputError(e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    usage(std::cerr);
    return engram::io::kExitBadInput;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "doctor" || command == "list" || command == "stat") {
    // Errors name the subcommand, and point to its own --help.
    return engram::io::run_tool("ecount " + command, [&] { return run_command(command, args); });
  }
  return engram::io::run_tool("ecount", [&] {
    if (command == "-h" || command == "--help" || command == "help") {
      if (command == "help" && !args.empty()) {
        const std::string topic = args.front();
        if (topic == "doctor" || topic == "list" || topic == "stat") return run_command(topic, {"--help"});
        throw engram::ecount::UsageError("no command '" + topic + "'");
      }
      usage(std::cout);
      return engram::io::kExitOk;
    }
    throw engram::ecount::UsageError("unknown command '" + command + "' (doctor, list, stat)");
  });
}
