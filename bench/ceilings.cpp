// ceilings: measures this machine's roofline ceilings on one core and writes
// them as JSON (schema in src/ceilings/report_json.cpp). Progress goes to
// stderr; the JSON to --out (through a temporary file and a rename) or stdout.
#include <boost/program_options.hpp>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "engram/ceilings.hpp"
#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"

namespace po = boost::program_options;
using namespace engram::ceilings;

namespace {

constexpr const char* kTool = "ceilings";

// Upper bounds that keep a run finite (--peak-seconds 1e308 used to run
// without end): with every option at its limit, each peak (up to three and
// the clock) takes 10 runs x 10 s, and each octave of the sweep 16 points x 4
// kernels (load, copy, triad, gather) x 10 runs x 1 s, about 11 minutes.
// The lower bounds refuse runs too short to time.
constexpr engram::io::NumberRange<double> kPeakSeconds{0.001, 10};
constexpr engram::io::NumberRange<double> kPointSeconds{0.0001, 1};
constexpr engram::io::NumberRange<int> kRepeats{1, 10};
constexpr engram::io::NumberRange<int> kPointsPerOctave{1, 16};

int run(int argc, char** argv) {
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "print this help and exit")
      ("out,o", po::value<std::string>()->value_name("FILE"), "write the JSON to FILE (default: standard output)")
      ("quick", "a run of a few seconds for tests: 0.05 s peaks (best of 2) and 3 ms per sweep point "
                "(best of 5); explicit options below still win")
      ("peak-seconds", engram::io::number_value<double>(kPeakSeconds)->value_name("S"),
       "length of each peak and clock run, 0.001 to 10 (default 0.5)")
      ("repeats", engram::io::number_value<int>(kRepeats)->value_name("N"),
       "peak and clock runs, the best is kept, 1 to 10 (default 3)")
      ("point-seconds", engram::io::number_value<double>(kPointSeconds)->value_name("S"),
       "length of each run at one sweep size, 0.0001 to 1 (default 0.04)")
      ("point-repeats", engram::io::number_value<int>(kRepeats)->value_name("N"),
       "runs per sweep size, the best is kept, 1 to 10 (default 3)")
      ("min-size", po::value<std::string>()->value_name("SIZE"), "smallest working set (default 16KiB)")
      ("max-size", po::value<std::string>()->value_name("SIZE"),
       "largest working set (default 8 x the last-level cache CPUID reports, 64MiB to 1GiB)")
      ("points-per-octave", engram::io::number_value<int>(kPointsPerOctave)->value_name("N"),
       "sweep sizes per doubling, 1 to 16 (default 2)")
      ("stream-simd", po::value<std::string>()->value_name("auto|avx512|avx2|sse2"),
       "instruction set of the bandwidth kernels (default auto: the fastest L1 load)")
      ("huge-pages", "put the sweep's arrays on transparent huge pages: the memory's own limit, above what "
                     "arrays on ordinary 4 KiB pages (the default, as the kernels' data) reach from DRAM")
      ("quiet,q", "no progress lines on standard error");
  const po::variables_map vm = engram::io::parse_options(argc, argv, visible);
  if (vm.count("help")) {
    std::cout << "usage: " << kTool << " [--out FILE] [--quick] [options]\n\n"
              << "Measures the roofline ceilings of one core of this machine and writes them as JSON:\n"
                 "  - peak single-precision FLOP/s with FMA for scalar, AVX2 and AVX-512 (whichever\n"
                 "    the CPU has, chosen at run time): 12 independent chains in registers;\n"
                 "  - load, copy and triad bandwidth over working sets from 16 KiB to 8x the\n"
                 "    last-level cache (at least 64 MiB), with the plateaus named L1, L2, L3 and DRAM;\n"
                 "  - gather bandwidth over the same sizes: values[indices[i]] at random indices (the\n"
                 "    ceiling of a gather-bound kernel; bytes: the 4-byte value and its 4-byte index);\n"
                 "  - the clock (a chain of dependent integer adds);\n"
                 "  - the cache sizes from CPUID and sysconf, checked against the sweep.\n"
                 "Runs are timed with the thread's CPU time (time spent descheduled does not count)\n"
                 "and keep the best of several; the default run takes about 20 s of CPU time (more\n"
                 "wall time on a loaded machine), --quick about 4 s. Progress goes to standard error.\n\n"
              << visible << "\nSizes take binary units: 16K, 16KiB, 1.5M, 128MiB, 1G.\n"
              << engram::io::exit_codes_help();
    return engram::io::kExitOk;
  }

  MeasureOptions options;
  if (vm.count("quick")) {
    options.peak_seconds = 0.05;
    options.peak_repeats = 2;
    options.point_seconds = 0.003;
    options.point_repeats = 5;  // best of 5: a 3 ms point hit by a stolen time slice must not lose its level
  }
  if (vm.count("peak-seconds")) options.peak_seconds = vm["peak-seconds"].as<double>();
  if (vm.count("repeats")) options.peak_repeats = vm["repeats"].as<int>();
  if (vm.count("point-seconds")) options.point_seconds = vm["point-seconds"].as<double>();
  if (vm.count("point-repeats")) options.point_repeats = vm["point-repeats"].as<int>();
  if (vm.count("points-per-octave")) options.points_per_octave = vm["points-per-octave"].as<int>();
  if (vm.count("min-size")) options.sweep_min_bytes = parse_size(vm["min-size"].as<std::string>());
  if (vm.count("max-size")) options.sweep_max_bytes = parse_size(vm["max-size"].as<std::string>());
  options.huge_pages = vm.count("huge-pages") != 0;
  if (vm.count("stream-simd")) {
    options.stream_simd = vm["stream-simd"].as<std::string>();
    const std::string& s = options.stream_simd;
    if (s != "auto" && s != "avx512" && s != "avx2" && s != "sse2") {
      throw engram::io::UsageError(fmt::format("--stream-simd must be auto, avx512, avx2 or sse2, not '{}'", s));
    }
  }
  if (!vm.count("quiet")) {
    options.progress = [](const std::string& line) { std::cerr << kTool << ": " << line << std::endl; };
  }

  MachineInfo machine = describe_machine();
  machine.load_average_before = load_average();
  if (options.progress) {
    std::string load;
    for (double v : machine.load_average_before) load += fmt::format(" {:.2f}", v);
    options.progress(fmt::format("{} ({}), load average{}", machine.cpu_model, machine.vendor, load));
  }
  // measure_ceilings checks the options first: a bad one is std::invalid_argument (exit 2).
  const Ceilings ceilings = measure_ceilings(options);
  machine.load_average_after = load_average();
  const std::string json = to_json(ceilings, machine);
  if (vm.count("out")) {
    engram::io::write_file_atomically(vm["out"].as<std::string>(), json);
    if (options.progress) {
      options.progress(fmt::format("wrote {} ({:.1f} s)", vm["out"].as<std::string>(), ceilings.seconds));
    }
  } else {
    std::cout << json << std::flush;
  }
  return engram::io::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  engram::io::remove_partial_output_on_interrupt();
  return engram::io::run_tool(kTool, [&] { return run(argc, argv); });
}
