// ecount list: every counter name ecount resolves, probed for backend and status.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ecount.hpp"
#include "engram/counters.hpp"

namespace engram::ecount {
namespace {

void list_usage(std::ostream& out) {
  out << "usage: ecount list [FILTER] [--sim=auto|never|only] [--available] [--json]\n"
         "\n"
         "Lists every name ecount resolves (perf generic names, PAPI presets, libpfm4\n"
         "events of the PMUs present, SDE counters of this process, other PAPI natives),\n"
         "each opened alone to show its backend and status. Names are case-insensitive;\n"
         "PAPI presets also work without the PAPI_ prefix.\n"
         "\n"
         "  FILTER          keep names (or sources) containing this text\n"
         "  --sim=MODE      simulation of cache/branch counters: auto (default), never, only\n"
         "  --available     only counters that count or can be simulated here\n"
         "  --json          print JSON\n"
         "  --help          this text\n"
         "\n"
      << io::exit_codes_help();
}

}  // namespace

int run_list(const std::vector<std::string>& args) {
  std::string filter;
  bool json = false;
  bool available_only = false;
  counters::SimulationMode mode = counters::SimulationMode::automatic;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      list_usage(std::cout);
      return 0;
    }
    if (arg == "--json") {
      json = true;
    } else if (arg == "--available") {
      available_only = true;
    } else if (is_option(arg, "--sim")) {
      try {
        mode = counters::parse_simulation_mode(option_value(args, i, "--sim"));
      } catch (const counters::CounterError& e) {
        throw UsageError(e.what());
      }
    } else if (!arg.empty() && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "'");
    } else if (filter.empty()) {
      filter = arg;
    } else {
      throw UsageError("one filter at most (got '" + filter + "' and '" + arg + "')");
    }
  }
  std::vector<counters::CounterListing> listings = counters::list_counters(filter, mode);
  if (available_only) {
    std::erase_if(listings, [](const counters::CounterListing& l) {
      return l.status == counters::Status::unsupported || l.status == counters::Status::no_permission;
    });
  }
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& l : listings)
      out.push_back({{"name", l.name},
                     {"source", l.source},
                     {"description", l.description},
                     {"backend", counters::to_string(l.backend)},
                     {"status", counters::to_string(l.status)},
                     {"reason", l.reason}});
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::size_t width = 4;
  for (const auto& l : listings) width = std::max(width, l.name.size());
  width = std::min<std::size_t>(width, 48);
  auto pad = [](std::string text, std::size_t n) {
    if (text.size() < n) text.append(n - text.size(), ' ');
    return text;
  };
  std::cout << pad("name", width) << "  " << pad("source", 20) << pad("backend", 12) << pad("status", 14) << "reason\n";
  for (const auto& l : listings)
    std::cout << pad(l.name, width) << "  " << pad(l.source, 20) << pad(std::string(counters::to_string(l.backend)), 12)
              << pad(std::string(counters::to_string(l.status)), 14) << l.reason << "\n";
  std::cout << listings.size() << " names" << (filter.empty() ? "" : " matching '" + filter + "'") << "\n";
  return 0;
}

}  // namespace engram::ecount
