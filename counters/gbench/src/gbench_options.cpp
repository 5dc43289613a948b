// engram::gbench's command line, the callgrind child's command line and
// report, and the arithmetic of values per iteration.
#include <cstdlib>
#include <string>

#include "engram/io/cli.hpp"
#include "gbench_internal.hpp"

namespace engram::gbench::detail {
namespace {

constexpr std::string_view kCounters = "--counters";
constexpr std::string_view kSim = "--counters-sim";
constexpr std::string_view kSimIterations = "--counters-sim-iterations";
constexpr std::string_view kChild = "--engram-gbench-child";  // hidden: a callgrind child

// Google Benchmark flags a child sets itself (or must not see): the rest of
// the user's arguments reach the child as given.
constexpr std::string_view kChildSets[] = {
    "--benchmark_out", "--benchmark_out_format", "--benchmark_format", "--benchmark_filter",
    "--benchmark_repetitions", "--benchmark_list_tests", "--benchmark_display_aggregates_only",
    "--benchmark_report_aggregates_only", "--benchmark_enable_random_interleaving", "--benchmark_min_time",
    "--benchmark_min_warmup_time", "--benchmark_color", "--benchmark_counters_tabular",
    "--benchmark_perf_counters"};

// "--flag" or "--flag=...": not "--flag-other".
bool is_flag(std::string_view arg, std::string_view flag) {
  return arg.starts_with(flag) && (arg.size() == flag.size() || arg[flag.size()] == '=');
}

// The value of "--flag=VALUE"; a usage error for "--flag" alone.
std::string value_of(std::string_view arg, std::string_view flag) {
  if (arg.size() == flag.size()) throw io::UsageError(std::string(flag) + " needs a value: " + std::string(flag) + "=...");
  return std::string(arg.substr(flag.size() + 1));
}

bool truthy(std::string_view value) {
  return value.empty() || value == "true" || value == "yes" || value == "1" || value == "on" || value == "t" ||
         value == "y";
}

std::vector<std::string> split_counters(const std::string& list) {
  std::vector<std::string> names;
  std::size_t begin = 0;
  for (;;) {
    const auto comma = list.find(',', begin);
    std::string name = list.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
    if (name.empty()) throw io::UsageError("--counters=" + list + ": an empty counter name (expected NAME,NAME,...)");
    names.push_back(std::move(name));
    if (comma == std::string::npos) return names;
    begin = comma + 1;
  }
}

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : fallback;
}

}  // namespace

Settings take_options(int* argc, char** argv) {
  Settings s;
  // Google Benchmark's own defaults come from its environment variables.
  s.display_format = env_or("BENCHMARK_FORMAT", "console");
  s.out_format = env_or("BENCHMARK_OUT_FORMAT", "json");
  bool counters_given = false;
  bool out_given = false;
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    const std::string_view arg = argv[i];
    bool ours = true;
    if (is_flag(arg, kCounters)) {
      s.counters = split_counters(value_of(arg, kCounters));
      counters_given = true;
    } else if (is_flag(arg, kSim)) {
      const std::string mode = value_of(arg, kSim);
      try {
        s.simulation = counters::parse_simulation_mode(mode);
      } catch (const counters::CounterError&) {
        throw io::UsageError("--counters-sim must be auto, never or only, not '" + mode + "'");
      }
    } else if (is_flag(arg, kSimIterations)) {
      s.simulation_iterations = io::parse_number<std::uint64_t>(kSimIterations, value_of(arg, kSimIterations),
                                                                {1, 1'000'000});
    } else if (is_flag(arg, kChild)) {
      s.child_iterations = io::parse_number<std::uint64_t>(kChild, value_of(arg, kChild), {1, 1'000'000});
    } else if (arg == "--help" || arg == "-help" || arg == "-h") {
      s.help = true;
    } else {
      ours = false;
    }
    if (ours) continue;
    bool keep = true;
    if (is_flag(arg, "--benchmark_format")) {
      s.display_format = value_of(arg, "--benchmark_format");
    } else if (is_flag(arg, "--benchmark_out_format")) {
      s.out_format = value_of(arg, "--benchmark_out_format");
      keep = false;  // ours to honour: Google Benchmark writes no file
    } else if (is_flag(arg, "--benchmark_out")) {
      s.out_path = value_of(arg, "--benchmark_out");
      out_given = true;
      // Google Benchmark takes a file reporter only with --benchmark_out
      // given; it opens /dev/null, and the file is written by us at the end.
      if (!s.out_path.empty()) argv[i] = const_cast<char*>(kNullBenchmarkOut);
    } else if (is_flag(arg, "--benchmark_counters_tabular")) {
      s.counters_tabular = truthy(arg.size() > 28 ? arg.substr(29) : std::string_view());
    }
    bool child_sets = false;
    for (const std::string_view flag : kChildSets) child_sets = child_sets || is_flag(arg, flag);
    if (!child_sets) s.child_args.emplace_back(arg);
    if (keep) argv[kept++] = argv[i];
  }
  // Google Benchmark also takes the file from BENCHMARK_OUT, and would open
  // and truncate it itself; our callgrind children would inherit it and
  // write it too. It is ours, as the flag is: Google Benchmark is given
  // --benchmark_out=/dev/null in the slot after the last argument (argv has
  // argc + 1 entries; Google Benchmark reads only argc of them), and the
  // variable is removed from the environment the children get.
  if (const char* env = std::getenv("BENCHMARK_OUT"); !out_given && env != nullptr && *env != '\0') {
    s.out_path = env;
    argv[kept++] = const_cast<char*>(kNullBenchmarkOut);
  }
  ::unsetenv("BENCHMARK_OUT");
  for (int i = kept; i < *argc; ++i) argv[i] = nullptr;
  *argc = kept;
  if (counters_given && s.counters.empty()) throw io::UsageError("--counters needs at least one counter name");
  for (const auto& [flag, value] : {std::pair<std::string_view, const std::string&>{"--benchmark_format", s.display_format},
                                    {"--benchmark_out_format", s.out_format}}) {
    if (value != "console" && value != "json" && value != "csv") {
      throw io::UsageError(std::string(flag) + " must be console, json or csv, not '" + value + "'");
    }
  }
  return s;
}

std::string help_text() {
  return "\nengram counters (engram::counters_gbench):\n"
         "  [--counters=NAME,...]      count these per iteration of each benchmark's counted loop:\n"
         "                             PAPI presets (L1_DCM, BR_MSP, TOT_INS; PAPI_ prefix optional),\n"
         "                             perf names (cycles, task-clock, page-faults), native events;\n"
         "                             `ecount list` shows every name and its status on this machine\n"
         "  [--counters-sim=auto|never|only]\n"
         "                             callgrind simulation of cache and branch counters: auto (default)\n"
         "                             where the hardware cannot count them, never (they stay\n"
         "                             unsupported, with the reason), only (every counter that has a\n"
         "                             simulated form: deterministic)\n"
         "  [--counters-sim-iterations=N]\n"
         "                             iterations a callgrind child collects per benchmark (default 10)\n"
         "  Each counter's status, reason and fix is in the JSON context \"engram.counters\"; a counter\n"
         "  without a value is left out of a benchmark's counters, never printed as 0. A multiplexed\n"
         "  counter's value is scaled; NAME.running_fraction gives the share of time it counted.\n"
         "  Exit codes: 0 ok; 1 failure (a simulation or the --benchmark_out file failed); 2 bad usage\n"
         "  (an unknown counter, a bad option value, a filter that matches no benchmark).\n";
}

std::string exact_filter(std::string_view name) {
  std::string out = "^";
  for (const char c : name) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out + "$";
}

std::vector<std::string> child_argv(const std::string& self, const Settings& settings, std::string_view benchmark) {
  std::vector<std::string> argv = {self};
  argv.insert(argv.end(), settings.child_args.begin(), settings.child_args.end());
  argv.push_back("--benchmark_filter=" + exact_filter(benchmark));
  argv.push_back("--benchmark_repetitions=1");
  // The child ends the benchmark itself once it collected its iterations.
  argv.push_back("--benchmark_min_time=1000000");
  argv.push_back("--benchmark_format=console");
  argv.push_back("--benchmark_color=false");
  argv.push_back(std::string(kChild) + "=" + std::to_string(settings.simulation_iterations));
  return argv;
}

std::optional<std::uint64_t> child_collected(std::string_view out) {
  const auto at = out.rfind(kChildReport);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view digits = out.substr(at + kChildReport.size());
  digits = digits.substr(0, digits.find('\n'));
  std::string complaint;
  return io::read_number<std::uint64_t>(digits, io::kAnyUint64, complaint);
}

void publish(benchmark::UserCounters& out, const counters::Reading& reading, double iterations) {
  if (!(iterations > 0)) return;
  for (const auto& c : reading.counters) {
    if (!c.value) continue;
    // Divided here rather than with kAvgIterations: Google Benchmark would
    // divide by the iterations of every thread, and only thread 0 counts.
    out[c.requested] = benchmark::Counter(*c.value / iterations);
    if (c.status == counters::Status::multiplexed) {
      out[c.requested + ".running_fraction"] = benchmark::Counter(c.running_fraction);
    }
  }
}

std::vector<std::pair<std::string, double>> simulated_per_iteration(const counters::Reading& statuses,
                                                                    const std::vector<std::size_t>& simulated,
                                                                    const counters::CallgrindCounts& counts,
                                                                    std::uint64_t iterations) {
  std::vector<std::pair<std::string, double>> values;
  if (iterations == 0) return values;
  for (const std::size_t i : simulated) {
    const auto& c = statuses.counters.at(i);
    // Every simulated form is a sum of events (estimated cycles a weighted
    // one): the count per iteration is the total over the iterations.
    if (const auto total = counters::simulated_value(counts, c.canonical)) {
      values.emplace_back(c.requested, *total / static_cast<double>(iterations));
    }
  }
  return values;
}

void add_to_run(benchmark::BenchmarkReporter::Run& run, const std::vector<std::pair<std::string, double>>& values) {
  if (run.run_type == benchmark::BenchmarkReporter::Run::RT_Aggregate && run.aggregate_name != "mean" &&
      run.aggregate_name != "median") {
    return;
  }
  for (const auto& [name, value] : values) run.counters.emplace(name, benchmark::Counter(value));
}

}  // namespace engram::gbench::detail
