// profiling_harness: the seeded reference workload (KERNELS.md section 4) as
// one plain program, for perf to record. Prints each phase's time and the
// checksum of all results.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <sys/resource.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "engram/counters.hpp"
#include "engram/harness.hpp"
#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"
#include "engram/simd.hpp"

namespace po = boost::program_options;
namespace counters = engram::counters;

namespace {

std::vector<std::string> counter_names(const po::variables_map& vm) {
  std::vector<std::string> names;
  if (!vm.count("counters")) return names;
  std::string item;
  std::istringstream in(vm["counters"].as<std::string>());
  while (std::getline(in, item, ',')) names.push_back(item);
  if (names.empty()) throw std::invalid_argument("--counters needs at least one name");
  return names;
}

// Peak resident set size of this process so far, in KiB (what /usr/bin/time -v reports).
long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

void write_json(const std::string& path, const engram::WorkloadConfig& config, bool reference,
                const engram::bench::HarnessResult& result,
                const std::map<std::string, counters::Reading>& readings, double total_seconds) {
  nlohmann::json j;
  // Read by build/analysis/harness_rows (read_harness), which checks both.
  j["schema"] = "engram-harness";
  j["version"] = 1;
  j["seed"] = config.seed;
  j["memories"] = config.memories;
  j["implementation"] = reference ? "reference" : "optimized";
  j["simd_level"] = reference ? "n/a" : std::string(engram::simd_level_name(engram::active_simd_level()));
  j["checksum"] = fmt::format("{:016x}", result.checksum);
  j["total_seconds"] = total_seconds;
  j["peak_rss_kib"] = peak_rss_kib();
  for (const auto& p : result.phases) {
    nlohmann::json phase = {{"name", p.name}, {"seconds", p.seconds}, {"operations", p.operations},
                            {"checksum", fmt::format("{:016x}", p.checksum)}};
    if (readings.count(p.name)) phase["counters"] = readings.at(p.name);
    j["phases"].push_back(phase);
  }
  engram::io::write_file_atomically(path, j.dump(2) + "\n");
}

int run(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  po::options_description desc("Options");
  desc.add_options()
      ("help,h", "print this help and exit")
      ("seed", engram::io::number_value<std::uint64_t>(engram::io::kAnyUint64)->default_value(42),
       "workload seed, 0 to 2^64-1")
      ("scale", engram::io::number_value<double>({.min = 0, .max = 1, .min_excluded = true})->default_value(1.0),
       "shrink every count by this factor in (0, 1]")
      ("reference", "run the reference kernels instead of the optimized ones")
      ("counters", po::value<std::string>()->value_name("LIST"),
       "comma-separated counters reported per phase (any name `ecount list` shows)")
      ("sim", po::value<std::string>()->value_name("auto|never|only")->default_value("auto"),
       "callgrind simulation of what the hardware cannot count (re-runs the workload under "
       "callgrind, ~100x slower: use --scale)")
      ("json", po::value<std::string>()->value_name("FILE"),
       "also write the phases, checksum, total time and peak RSS as JSON (temp file + rename)")
      ("simulate-child", "internal: the callgrind re-run of a simulated measurement");
  const po::variables_map vm = engram::io::parse_options(argc, argv, desc);
  if (vm.count("help")) {
    std::cout << "usage: profiling_harness [--seed N] [--scale S] [--reference] [--counters LIST [--sim MODE]]\n\n"
              << "Runs the seeded engram workload once: build the graph (10,000 memories, 768-d,\n"
              << "50,000 edges), 1,000 spreading queries, 1,000 find_similar queries, 1,000 decay\n"
              << "rounds. Prints each phase's time and a checksum that is identical for the same\n"
              << "seed, scale, kernels and SIMD level (ENGRAM_SIMD).\n\n"
              << desc << "\n"
              << engram::io::exit_codes_help();
    return engram::io::kExitOk;
  }
  // A bad --sim or counter name is a bad command line (exit 2), found before any work.
  counters::SimulationMode simulation = counters::SimulationMode::automatic;
  try {
    simulation = counters::parse_simulation_mode(vm["sim"].as<std::string>());
  } catch (const counters::CounterError& e) {
    throw engram::io::UsageError(e.what());
  }
  const auto seed = vm["seed"].as<std::uint64_t>();
  const auto config = engram::WorkloadConfig::scaled(vm["scale"].as<double>(), seed);
  const bool reference = vm.count("reference") > 0;
  const auto impl = reference ? engram::bench::Implementation::kReference
                              : engram::bench::Implementation::kOptimized;
  fmt::print("profiling_harness: seed {}, {} memories x {}-d, {} edges, {} spreading + {} similarity "
             "queries, {} decay rounds; {} kernels, SIMD {}\n",
             seed, config.memories, config.dim, config.edges, config.spread_queries,
             config.similarity_queries, config.decay_rounds, reference ? "reference" : "optimized",
             reference ? "n/a (scalar)" : engram::simd_level_name(engram::active_simd_level()));
  std::fflush(stdout);
  const auto names = counter_names(vm);
  counters::Options counter_options;
  counter_options.simulation = simulation;

  if (vm.count("simulate-child")) {
    // Under callgrind: one set per phase, each dumping its region by name.
    counter_options.overhead_pairs = 0;
    std::map<std::string, counters::CounterSet> sets;
    engram::bench::PhaseHooks child_hooks;
    child_hooks.before = [&](const std::string& phase) {
      counter_options.simulation_region = phase;
      sets.emplace(phase, counters::CounterSet::open(names.empty() ? std::vector<std::string>{"TOT_INS"} : names,
                                                     counter_options));
      sets.at(phase).start();
    };
    child_hooks.after = [&](const std::string& phase) { sets.at(phase).stop(); };
    engram::bench::run_harness(config, impl, child_hooks);
    return 0;
  }

  std::optional<counters::CounterSet> set;
  if (!names.empty()) {
    try {
      set.emplace(counters::CounterSet::open(names, counter_options));
    } catch (const counters::CounterListError& e) {
      throw engram::io::UsageError(e.what());  // a bad --counters value
    }
  }
  std::map<std::string, counters::Reading> readings;
  engram::bench::PhaseHooks hooks;
  hooks.before = [&](const std::string&) {
    if (set) {
      set->reset();
      set->start();
    }
  };
  hooks.after = [&](const std::string& phase) {
    if (set) {
      set->stop();
      readings[phase] = set->read();
    }
    fmt::print("  {:<10} done\n", phase);
    std::fflush(stdout);
  };
  const auto result = engram::bench::run_harness(config, impl, hooks);

  if (set && set->needs_simulation()) {
    fmt::print("simulating the counters the hardware cannot count: re-running the workload under callgrind "
               "(~100x slower)...\n");
    std::fflush(stdout);
    std::vector<std::string> child(argv, argv + argc);
    child[0] = std::filesystem::read_symlink("/proc/self/exe").string();
    child.push_back("--simulate-child");
    if (!reference && engram::active_simd_level() == engram::SimdLevel::kAvx512) {
      fmt::print("note: valgrind has no AVX-512, so the simulated counts come from the AVX2 kernels\n");
    }
    const auto run = counters::run_under_callgrind(child);
    const auto regions = run.profile.by_region();
    for (auto& [phase, reading] : readings) {
      const auto it = regions.find(phase);
      if (it != regions.end()) reading.merge_simulated(it->second);
    }
  }

  fmt::print("\n{:<12} {:>10} {:>10}  {:<16}", "phase", "seconds", "count", "checksum");
  if (set) {
    for (const auto& c : readings.begin()->second.counters) fmt::print(" {:>16}", c.requested);
  }
  fmt::print("\n");
  for (const auto& p : result.phases) {
    fmt::print("{:<12} {:>10.3f} {:>10} {:016x}", p.name, p.seconds, p.operations, p.checksum);
    if (set) {
      for (const auto& c : readings.at(p.name).counters) {
        fmt::print(" {:>16}", c.value ? fmt::format("{:.4g}", *c.value) : std::string("n/a"));
      }
    }
    fmt::print("\n");
  }
  fmt::print("checksum {:016x}\n", result.checksum);
  if (vm.count("json")) {
    write_json(vm["json"].as<std::string>(), config, reference, result, readings,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (set) {
    for (const auto& c : readings.begin()->second.counters) {
      fmt::print("  {}: {}{}{}\n", c.requested, counters::to_string(c.status),
                 c.reason.empty() ? "" : ": " + c.reason, c.fix.empty() ? "" : "; fix: " + c.fix);
    }
  }
  fmt::print("total {:.3f} s\n",
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return engram::io::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  return engram::io::run_tool("profiling_harness", [&] { return run(argc, argv); });
}
