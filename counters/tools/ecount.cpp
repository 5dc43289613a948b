// ecount: counts hardware, software and simulated events the honest way.
#include "ecount.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "engram/counters.hpp"

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

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + temporary);
    out << text;
    out.flush();
    if (!out) {
      std::filesystem::remove(temporary);
      throw std::runtime_error("cannot write " + temporary);
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary);
    throw std::runtime_error("cannot rename " + temporary + " to " + path + ": " + error.message());
  }
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
         "`ecount <command> --help` describes a command. Exit status: 0 on success, 2 on bad\n"
         "input; stat returns the command's own status.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    usage(std::cerr);
    return 2;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  try {
    if (command == "-h" || command == "--help" || command == "help") {
      if (command == "help" && !args.empty()) {
        const std::string topic = args.front();
        if (topic == "doctor") return engram::ecount::run_doctor({"--help"});
        if (topic == "list") return engram::ecount::run_list({"--help"});
        if (topic == "stat") return engram::ecount::run_stat({"--help"});
        throw engram::ecount::UsageError("no command '" + topic + "'");
      }
      usage(std::cout);
      return 0;
    }
    if (command == "doctor") return engram::ecount::run_doctor(args);
    if (command == "list") return engram::ecount::run_list(args);
    if (command == "stat") return engram::ecount::run_stat(args);
    throw engram::ecount::UsageError("unknown command '" + command + "' (doctor, list, stat)");
  } catch (const engram::ecount::UsageError& e) {
    std::cerr << "ecount " << (command.rfind('-', 0) == 0 ? "" : command + ": ") << e.what() << "\n"
              << "(ecount " << (command == "doctor" || command == "list" || command == "stat" ? command + " " : "")
              << "--help for usage)\n";
    return 2;
  } catch (const engram::counters::CounterError& e) {
    std::cerr << "ecount " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ecount " << command << ": " << e.what() << "\n";
    return 1;
  }
}
