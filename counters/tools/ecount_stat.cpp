// ecount stat: counts a command the way `perf stat` does, with a status for
// every counter and simulated cache/branch counts where the PMU is missing.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ecount.hpp"
#include "engram/counters.hpp"
#include "engram/io/safe_write.hpp"
#include "process.hpp"

namespace engram::ecount {
namespace {

void stat_usage(std::ostream& out) {
  out << "usage: ecount stat -e LIST [options] [--] COMMAND [ARGS...]\n"
         "\n"
         "Runs COMMAND and counts it (and the processes it starts) like `perf stat`.\n"
         "Every counter gets a status: counted, multiplexed (scaled, with its running\n"
         "fraction), simulated, unsupported or no_permission, with the reason and fix;\n"
         "a counter that cannot be counted is shown without a value, never as 0.\n"
         "Cache and branch counters the hardware cannot count are simulated by running\n"
         "COMMAND a second time under callgrind (unless --sim=never). Hardware events are\n"
         "first checked over a short workload that must produce them: one that opens but\n"
         "counts 0 there (a PMU that does not implement it) is unsupported, not 0.\n"
         "\n"
         "  -e, --events LIST   comma-separated counter names (repeatable), e.g.\n"
         "                      task-clock,page-faults,context-switches,L1_DCM,BR_MSP\n"
         "  --sim MODE          auto (default), never, only\n"
         "  --valgrind PATH     valgrind executable for simulation (default: from PATH)\n"
         "  --json              print JSON instead of a table\n"
         "  -o, --output FILE   write the report to FILE (atomically) instead of stderr\n"
         "  --help              this text\n"
         "\n"
         "Exit status: COMMAND's own status once it ran (as with `perf stat`), unless the\n"
         "report cannot be written (1); otherwise the codes below: 2 for an unknown or\n"
         "empty counter list or a command that cannot be executed, 1 when valgrind is\n"
         "needed and missing.\n\n"
      << io::exit_codes_help()
      << "\n"
         "example: ecount stat -e task-clock,page-faults -- true\n";
}

std::vector<std::string> split_events(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = list.find(',', start);
    out.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string pad_left(const std::string& text, std::size_t n) {
  return text.size() >= n ? text : std::string(n - text.size(), ' ') + text;
}
std::string pad_right(const std::string& text, std::size_t n) {
  return text.size() >= n ? text : text + std::string(n - text.size(), ' ');
}

std::string shell_words(const std::vector<std::string>& command) {
  std::string out;
  for (const std::string& word : command) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::string table(const counters::Reading& reading, const std::vector<std::string>& command, double seconds,
                  int status) {
  std::ostringstream out;
  out << "\n Performance counter stats for '" << shell_words(command) << "'";
  if (status != 0) out << " (exit status " << status << ")";
  out << ":\n\n";
  std::size_t name_width = 12;
  for (const auto& c : reading.counters) name_width = std::max(name_width, c.requested.size());
  for (const auto& c : reading.counters) {
    const std::string value = c.value ? group_digits(*c.value) + (c.unit.empty() ? "" : " " + c.unit)
                                      : std::string(1, '<').append(counters::to_string(c.status)).append(1, '>');
    out << pad_left(value, 22) << "   " << pad_right(c.requested, name_width) << "  "
        << pad_right(std::string(counters::to_string(c.status)), 13) << pad_right(std::string(counters::to_string(c.backend)), 11);
    if (c.status == counters::Status::multiplexed) {
      char fraction[32];
      std::snprintf(fraction, sizeof fraction, " (%.1f%% running)", c.running_fraction * 100);
      out << fraction;
    }
    out << "\n";
    if (!c.value || c.status != counters::Status::counted) {
      if (!c.reason.empty()) out << pad_left("", 25) << c.reason << "\n";
      if (!c.fix.empty()) out << pad_left("", 25) << "fix: " << c.fix << "\n";
    }
  }
  bool any_derived = false;
  for (const auto& d : reading.derived) {
    if (!d.value) continue;
    if (!any_derived) out << "\n";
    any_derived = true;
    char value[64];
    std::snprintf(value, sizeof value, "%.4f", *d.value);
    out << pad_left(value, 22) << "   " << pad_right(d.name, name_width) << "  " << d.formula << "\n";
  }
  for (const auto& note : reading.notes) out << "\n note: " << note;
  if (!reading.notes.empty()) out << "\n";
  char elapsed[64];
  std::snprintf(elapsed, sizeof elapsed, "%.9f", seconds);
  out << "\n" << pad_left(elapsed, 22) << " seconds time elapsed\n\n";
  return out.str();
}

}  // namespace

int run_stat(const std::vector<std::string>& args) {
  std::vector<std::string> names;
  bool saw_events = false;
  bool json = false;
  std::string output;
  std::string valgrind;
  counters::SimulationMode mode = counters::SimulationMode::automatic;
  std::vector<std::string> command;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (arg == "-h" || arg == "--help") {
      stat_usage(std::cout);
      return 0;
    }
    const bool short_events = arg.rfind("-e", 0) == 0;
    if (short_events || is_option(arg, "--events")) {
      std::string list;
      if (short_events && arg.size() > 2)
        list = arg.substr(arg[2] == '=' ? 3 : 2);  // -eLIST, -e=LIST
      else
        list = option_value(args, i, short_events ? "-e" : "--events");
      saw_events = true;
      if (list.empty()) throw UsageError("empty counter list after -e");
      for (std::string& name : split_events(list)) names.push_back(std::move(name));
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "-o" || is_option(arg, "--output")) {
      output = option_value(args, i, arg == "-o" ? "-o" : "--output");
    } else if (is_option(arg, "--sim")) {
      try {
        mode = counters::parse_simulation_mode(option_value(args, i, "--sim"));
      } catch (const counters::CounterError& e) {
        throw UsageError(e.what());
      }
    } else if (is_option(arg, "--valgrind")) {
      valgrind = option_value(args, i, "--valgrind");
    } else if (!arg.empty() && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "'");
    } else {
      command.assign(args.begin() + static_cast<long>(i), args.end());
      break;
    }
  }
  if (!saw_events) throw UsageError("no counters: give -e LIST (e.g. -e task-clock,page-faults)");
  if (command.empty()) throw UsageError("no command: ecount stat -e LIST -- COMMAND [ARGS...]");

  // The child waits at a gate until its counters are attached: nothing runs
  // before the input is known to be good.
  counters::detail::ChildOptions child_options;
  child_options.capture_output = false;
  child_options.gated = true;
  counters::detail::Child child(command, child_options);

  counters::Options options;
  options.simulation = mode;
  options.target_pid = child.pid();
  options.overhead_pairs = 0;
  options.validate_hardware = true;
  counters::CounterSet set = counters::CounterSet::open(names, options);
  if (set.needs_simulation()) counters::detail::locate_valgrind(valgrind);  // fail before running anything

  const auto begin = std::chrono::steady_clock::now();
  set.start();
  child.release();
  const int status = child.wait();
  set.stop();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  counters::Reading reading = set.read();

  if (set.needs_simulation()) {
    counters::CallgrindRunOptions run_options;
    run_options.valgrind = valgrind;
    run_options.collect_at_start = true;  // the command has no regions of its own
    run_options.accept_nonzero_exit = true;
    const counters::CallgrindRun run = counters::run_under_callgrind(command, run_options);
    reading.merge_simulated(run.profile.total());
    reading.notes.push_back("simulated counters come from a second run under callgrind (the command's own "
                            "process only, not the processes it starts); cache geometry from " +
                            run.geometry.source);
  }

  std::string report;
  if (json) {
    nlohmann::json out = reading;
    out["command"] = command;
    out["exit_status"] = status;
    out["elapsed_seconds"] = seconds;
    report = out.dump(2) + "\n";
  } else {
    report = table(reading, command, seconds, status);
  }
  if (output.empty())
    std::cerr << report;
  else
    io::write_file_atomically(output, report);
  return status;
}

}  // namespace engram::ecount
