#include "engram/baseline_options.hpp"

#include <boost/program_options.hpp>
#include <regex>
#include <sstream>

#include "engram/io/cli.hpp"

namespace engram::bench {
namespace po = boost::program_options;
namespace {

po::options_description visible_options() {
  po::options_description desc("Options");
  desc.add_options()
      ("help,h", "print this help and exit")
      ("list", "list the benchmarks and the counters this machine can give, then exit")
      ("counters", po::value<std::string>()->value_name("LIST"),
       "comma-separated counters to report per iteration: PAPI presets (L1_DCM, PAPI_BR_MSP), "
       "PAPI or libpfm4 native names, perf-style names (cycles, task-clock, page-faults), "
       "sde:::LIB::COUNTER; see `ecount list`")
      ("sim", po::value<std::string>()->value_name("auto|never|only")->default_value("auto"),
       "callgrind simulation of cache/branch counters: auto = only what the hardware cannot "
       "count, never = report those as unsupported, only = simulate everything simulable")
      ("seed", io::number_value<std::uint64_t>(io::kAnyUint64)->default_value(42),
       "seed of the generated inputs, 0 to 2^64-1")
      ("slow", po::value<std::string>()->value_name("KERNEL/VARIANT"),
       "add work to one benchmark variant (to test regression detection)")
      ("slow-factor", io::number_value<double>({.min = 0, .max = 100, .min_excluded = true})->default_value(0.25),
       "extra work added by --slow, as a fraction of the variant's own, in (0, 100]")
      ("machine-out", po::value<std::string>()->value_name("FILE"),
       "write the machine snapshot (CPU, SIMD level, caches from every source, clock, PMU and "
       "perf_event_paranoid, kernel, OS, compiler and flags) as engram-machine JSON, taken "
       "before the benchmarks run");
  po::options_description setup("Measurement set-up");
  setup.add_options()
      ("pin-cpu", po::value<std::string>()->value_name("none|auto|N")->default_value("none"),
       "pin the measuring thread to one CPU: auto = the last CPU this process may run on (the first "
       "takes more of the machine's interrupts), N = that CPU; what could not be set is said in the "
       "JSON context (engram.setup)")
      ("warmup-ms", io::number_value<double>({0, 60'000})->default_value(5),
       "untimed calls of the benchmark's body before each timed loop, for at least this many "
       "milliseconds (at least one call when > 0), so that every repetition starts from the caches "
       "and branch history of its own kernel, not of the one before it; 0 to 60000")
      ("memory-probe-mib", io::number_value<std::size_t>({0, 4096})->default_value(64),
       "read a buffer of this many MiB just before and after each timed loop, recording the slower read "
       "(noise_memory_probe_ns) and how much slower it was than the fastest so far (noise_memory_slowdown): "
       "the memory bandwidth other tenants left, which no clock sees; larger than the last-level cache; "
       "0 turns it off")
      ("rerun-max", io::number_value<std::size_t>({0, 100'000})->default_value(10),
       "repetitions re-run in all, over every benchmark, to replace disturbed ones; 0 turns re-runs off")
      ("rerun-seconds", io::number_value<double>({0, 86'400})->default_value(20),
       "no re-run pass starts once re-runs have taken this many seconds; 0 to 86400");
  // The defaults are the noise library's own (documented there and in docs/stability.md).
  const noise::Thresholds limits;
  po::options_description noise("Noise thresholds (a repetition past any of them is disturbed)");
  noise.add_options()
      ("noise-max-steal", io::number_value<double>({0, 1})->default_value(limits.max_steal_fraction),
       "steal time of the CPU that ran it, as a fraction of the repetition's wall time")
      ("noise-max-run-delay", io::number_value<double>({0, 1})->default_value(limits.max_run_delay_fraction),
       "time the thread waited on a run queue (schedstat), as a fraction of wall time")
      ("noise-max-switches", io::number_value<double>({0, 1e9})->default_value(limits.max_involuntary_switches_per_second),
       "involuntary context switches per second of wall time")
      ("noise-max-migrations", io::number_value<double>({0, 1e9})->default_value(limits.max_cpu_migrations),
       "moves to another CPU (perf software event cpu-migrations)")
      ("noise-max-wall-over-cpu", io::number_value<double>({1, 1e6})->default_value(limits.max_wall_over_cpu),
       "wall time over the thread's CPU time (task-clock), >= 1")
      ("noise-max-loadavg", io::number_value<double>({0, 1e6}),
       "1-minute load average at the repetition's start (off by default: it lags a short "
       "repetition by a minute; the other figures are the repetition's own)")
      ("noise-max-memory-slowdown", io::number_value<double>({0, 1e6}),
       "the memory probe's read over its fastest so far, minus 1 (off by default: on a quiet VM a read "
       "varies by several percent; the analysis compares runs' probes instead)");
  desc.add(setup).add(noise);
  return desc;
}

po::options_description hidden_options() {
  po::options_description desc;
  desc.add_options()
      ("simulate-child", po::value<std::string>())
      ("simulate-iterations", io::number_value<std::uint64_t>(io::kAnyUint64)->default_value(0));
  return desc;
}

SimulationMode parse_sim(const std::string& value) {
  if (value == "auto") return SimulationMode::kAuto;
  if (value == "never") return SimulationMode::kNever;
  if (value == "only") return SimulationMode::kOnly;
  throw OptionError("--sim must be auto, never or only, not '" + value + "'");
}

// The Google Benchmark flags that take a number, checked here before Google
// Benchmark sees them: it takes --benchmark_repetitions=-1 for a vector size
// and --benchmark_min_time=nan for a time it never reaches. The limits are
// ours: a day of benchmarks is not a mistake, a week is.
constexpr io::NumberRange<int> kRepetitions{1, 10'000};
constexpr io::NumberRange<double> kMinTimeSeconds{.min = 0, .max = 3600, .min_excluded = true};
constexpr io::NumberRange<double> kWarmupSeconds{0, 3600};

// Seconds as Google Benchmark 1.8 writes them, N or Ns; the one installed
// (Debian 12: 1.7.1) takes only N, so Ns becomes N. Its iteration form Nx
// has no 1.7 equivalent and is refused, not ignored.
std::string checked_seconds(const std::string& flag, const std::string& value, const io::NumberRange<double>& range) {
  if (value.ends_with('x')) {
    throw OptionError(flag + "=" + value + ": the Google Benchmark this was built with (1.7) takes a time in "
                      "seconds (N or Ns), not an iteration count");
  }
  const std::string seconds = value.ends_with('s') ? value.substr(0, value.size() - 1) : value;
  io::parse_number<double>(flag, seconds, range);
  return seconds;
}

// One --benchmark_* argument, checked; what Google Benchmark is to get.
std::string checked_benchmark_flag(const std::string& arg) {
  const auto equals = arg.find('=');
  const std::string flag = arg.substr(0, equals);
  const std::string value = equals == std::string::npos ? std::string() : arg.substr(equals + 1);
  if (flag == "--benchmark_repetitions") {
    io::parse_number<int>(flag, value, kRepetitions);
  } else if (flag == "--benchmark_min_time") {
    return flag + "=" + checked_seconds(flag, value, kMinTimeSeconds);
  } else if (flag == "--benchmark_min_warmup_time") {
    return flag + "=" + checked_seconds(flag, value, kWarmupSeconds);
  }
  return arg;
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(list);
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first == std::string::npos) throw OptionError("--counters has an empty name in '" + list + "'");
    out.push_back(item.substr(first, last - first + 1));
  }
  if (out.empty()) throw OptionError("--counters needs at least one counter name");
  return out;
}

}  // namespace

BaselineOptions parse_baseline_options(int argc, const char* const* argv) {
  BaselineOptions o;
  o.benchmark_args.emplace_back(argc > 0 ? argv[0] : "baseline");
  std::vector<std::string> ours;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("--benchmark_")) {
      try {
        o.benchmark_args.push_back(checked_benchmark_flag(arg));
      } catch (const io::UsageError& e) {
        throw OptionError(e.what());
      }
    } else {
      ours.push_back(arg);
    }
  }
  po::options_description all;
  all.add(visible_options()).add(hidden_options());
  po::variables_map vm;
  try {
    // No positional arguments: a stray word is an error, not silently ignored.
    const po::positional_options_description none;
    po::store(po::command_line_parser(ours).options(all).positional(none).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw OptionError(e.what());
  }
  o.help = vm.count("help") > 0;
  o.list = vm.count("list") > 0;
  if (vm.count("counters")) o.counters = split_list(vm["counters"].as<std::string>());
  o.sim = parse_sim(vm["sim"].as<std::string>());
  o.seed = vm["seed"].as<std::uint64_t>();
  if (vm.count("slow")) o.slow_variant = vm["slow"].as<std::string>();
  o.slow_factor = vm["slow-factor"].as<double>();
  if (vm.count("machine-out")) {
    o.machine_out = vm["machine-out"].as<std::string>();
    if (o.machine_out.empty()) throw OptionError("--machine-out needs a file name");
  }
  o.pin_cpu = vm["pin-cpu"].as<std::string>();
  if (o.pin_cpu != "none" && o.pin_cpu != "auto") {
    try {
      o.pin_cpu = std::to_string(io::parse_number<int>("--pin-cpu", o.pin_cpu, {0, 1 << 20}));
    } catch (const io::UsageError& e) {
      throw OptionError(std::string(e.what()) + " (or none, auto)");
    }
  }
  o.warmup_ms = vm["warmup-ms"].as<double>();
  o.rerun.max_repetitions = vm["rerun-max"].as<std::size_t>();
  o.rerun.max_seconds = vm["rerun-seconds"].as<double>();
  o.noise.max_steal_fraction = vm["noise-max-steal"].as<double>();
  o.noise.max_run_delay_fraction = vm["noise-max-run-delay"].as<double>();
  o.noise.max_involuntary_switches_per_second = vm["noise-max-switches"].as<double>();
  o.noise.max_cpu_migrations = vm["noise-max-migrations"].as<double>();
  o.noise.max_wall_over_cpu = vm["noise-max-wall-over-cpu"].as<double>();
  if (vm.count("noise-max-loadavg")) o.noise.max_loadavg = vm["noise-max-loadavg"].as<double>();
  if (vm.count("noise-max-memory-slowdown")) {
    o.noise.max_memory_slowdown = vm["noise-max-memory-slowdown"].as<double>();
  }
  o.memory_probe_mib = vm["memory-probe-mib"].as<std::size_t>();
  if (vm.count("simulate-child")) o.simulate_child = vm["simulate-child"].as<std::string>();
  o.simulate_iterations = vm["simulate-iterations"].as<std::uint64_t>();
  return o;
}

std::string baseline_help(const std::string& program) {
  std::ostringstream out;
  out << "usage: " << program << " [--counters=LIST] [--sim=auto|never|only] [--list] [--machine-out=FILE]\n"
      << "       [--pin-cpu=none|auto|N] [--warmup-ms=MS] [--rerun-max=N] [--rerun-seconds=S]\n"
      << "       [--noise-max-*=LIMIT...] [--benchmark_*...]\n\n"
      << "Times each engram kernel (reference, optimized) beside its peers (OpenBLAS, Eigen,\n"
      << "SLEEF) on the same data, with hardware, software or simulated counters per iteration.\n\n"
      << visible_options() << "\n"
      << "Every --benchmark_* flag goes to Google Benchmark, e.g.\n"
      << "  --benchmark_filter=REGEX  --benchmark_repetitions=N  --benchmark_enable_random_interleaving=true\n"
      << "  --benchmark_format=console|json|csv  --benchmark_out=FILE  --benchmark_out_format=json\n"
      << "The numeric ones are checked first: --benchmark_repetitions=N takes 1 to 10000,\n"
      << "--benchmark_min_time=N or Ns seconds in (0, 3600] (the installed Google Benchmark 1.7\n"
      << "has no iteration form Nx), --benchmark_min_warmup_time=N or Ns seconds in [0, 3600];\n"
      << "a time written Ns is passed on as N.\n\n"
      << "Noise: around every repetition's timed loop baseline measures what else took the CPU\n"
      << "(steal, run-queue delay, involuntary switches, migrations, wall time against CPU time)\n"
      << "and writes it into the JSON as the repetition's noise_* counters, with noise_disturbed = 1\n"
      << "when a figure passed its threshold. A benchmark left with fewer undisturbed repetitions\n"
      << "than asked for gets more (noise_rerun = the pass), within --rerun-max and --rerun-seconds.\n"
      << "Nothing is dropped: the analysis tools set disturbed repetitions aside and say how many.\n"
      << "A figure this machine cannot measure is left out, with the reason in engram.noise.\n\n"
      << "Examples:\n"
      << "  " << program << " --counters=L1_DCM,BR_MSP\n"
      << "  " << program << " --counters=task-clock,page-faults --benchmark_filter=decay\n"
      << "  " << program << " --machine-out=machine.json --benchmark_out=bench.json --benchmark_out_format=json\n"
      << io::exit_codes_help();
  return out.str();
}

std::string benchmark_filter(const BaselineOptions& options) {
  std::string filter;
  for (const auto& arg : options.benchmark_args) {
    if (arg.starts_with("--benchmark_filter=")) filter = arg.substr(std::string("--benchmark_filter=").size());
  }
  return filter;
}

bool filter_matches(const std::string& filter, const std::string& name) {
  if (filter.empty() || filter == "all" || filter == ".") return true;
  const bool negate = filter.front() == '-';
  const std::regex re(negate ? filter.substr(1) : filter, std::regex::extended);
  return std::regex_search(name, re) != negate;
}

}  // namespace engram::bench
