// profiling_harness: the seeded reference workload (KERNELS.md section 4) as
// one plain program, for perf to record. Prints each phase's time and the
// checksum of all results.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "engram/harness.hpp"
#include "engram/simd.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  po::options_description desc("Options");
  desc.add_options()
      ("help,h", "print this help and exit")
      ("seed", po::value<std::uint64_t>()->default_value(42), "workload seed")
      ("scale", po::value<double>()->default_value(1.0), "shrink every count by this factor in (0, 1]")
      ("reference", "run the reference kernels instead of the optimized ones");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "profiling_harness: " << e.what() << "\n(see --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << "usage: profiling_harness [--seed N] [--scale S] [--reference]\n\n"
              << "Runs the seeded engram workload once: build the graph (10,000 memories, 768-d,\n"
              << "50,000 edges), 1,000 spreading queries, 1,000 find_similar queries, 1,000 decay\n"
              << "rounds. Prints each phase's time and a checksum that is identical for the same\n"
              << "seed, scale, kernels and SIMD level (ENGRAM_SIMD).\n\n"
              << desc << "\nExit codes: 0 ok, 1 a run failed, 2 bad command line.\n";
    return 0;
  }
  try {
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
    engram::bench::PhaseHooks hooks;
    hooks.after = [](const std::string& phase) {
      fmt::print("  {:<10} done\n", phase);
      std::fflush(stdout);
    };
    const auto result = engram::bench::run_harness(config, impl, hooks);
    fmt::print("\n{:<12} {:>10} {:>10}  {}\n", "phase", "seconds", "count", "checksum");
    for (const auto& p : result.phases) {
      fmt::print("{:<12} {:>10.3f} {:>10} {:016x}\n", p.name, p.seconds, p.operations, p.checksum);
    }
    fmt::print("checksum {:016x}\n", result.checksum);
  } catch (const std::invalid_argument& e) {
    std::cerr << "profiling_harness: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "profiling_harness: " << e.what() << "\n";
    return 1;
  }
  fmt::print("total {:.3f} s\n",
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}
