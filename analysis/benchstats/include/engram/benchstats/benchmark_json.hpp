#pragma once
// Reading Google Benchmark JSON (--benchmark_out=FILE --benchmark_out_format=json)
// into per-benchmark samples: one value per repetition, times in nanoseconds.
//
// Only the per-repetition entries (run_type "iteration") are read; the
// aggregates Google Benchmark adds (mean, median, stddev, cv) are recomputed
// by our own statistics from the repetitions. Every entry's time_unit is
// honoured, so files (or entries) in different units compare correctly.
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engram/io/errors.hpp"

namespace engram::benchstats {

// A file that is not usable benchmark JSON. The message starts with the file
// name and the place: "FILE:LINE:COLUMN (byte N): ..." for malformed JSON,
// "FILE: /benchmarks/I (\"NAME\"): ..." for a bad entry and
// "FILE: /benchmarks/I/real_time: expected a number >= 0, found -1" for a bad value.
using BenchmarkJsonError = io::InputError;

// Which of Google Benchmark's two times to use. CPU time is the default of our
// tools: on a shared machine the wall clock also counts the time the process
// sat descheduled, and every benchmark of the suite is single-threaded, so
// without preemption the two agree.
enum class TimeMeasure { cpu, real };
std::string_view to_string(TimeMeasure measure);
TimeMeasure parse_time_measure(std::string_view text);  // "cpu" or "real"; throws std::invalid_argument

// Nanoseconds per unit for Google Benchmark's time_unit values ns, us, ms, s;
// throws std::invalid_argument for anything else.
double nanoseconds_per(std::string_view time_unit);

// What disturbed one repetition, as baseline measured it around the timed
// loop (the noise_* user counters, engram/noise.hpp). A figure the run did not
// measure is absent. Files without noise figures read as undisturbed.
struct RepetitionNoise {
  bool disturbed = false;
  unsigned rerun = 0;  // 0: the first pass; k: the k-th re-run pass
  std::optional<double> wall_ns, cpu_ns, steal_ns, run_delay_ns, involuntary_switches, cpu_migrations, loadavg;
  // A read of baseline's memory probe buffer around the timed loop (the
  // slower of the reads before and after it), and that read over the fastest
  // one so far in the process, minus 1. Another tenant's memory traffic
  // shows here and in no clock or scheduler figure. Absent: the probe was off.
  std::optional<double> memory_probe_ns, memory_slowdown;
};

struct BenchmarkSamples {
  std::string name;
  std::vector<double> real_ns;  // per repetition, in file order
  std::vector<double> cpu_ns;
  // One per repetition, aligned with real_ns and cpu_ns.
  std::vector<RepetitionNoise> noise;
  // Numeric user counters (e.g. TOT_INS, FLOP/s), per repetition, for the
  // repetitions that carry them; the noise_* figures are in `noise` instead.
  std::map<std::string, std::vector<double>> counters;
  // Set when Google Benchmark reported error_occurred for a repetition.
  std::string error_message;

  const std::vector<double>& times(TimeMeasure measure) const {
    return measure == TimeMeasure::cpu ? cpu_ns : real_ns;
  }
  std::size_t repetitions() const { return real_ns.size(); }
  std::size_t disturbed_count() const;
  // The times of the repetitions not marked disturbed, in file order.
  std::vector<double> undisturbed_times(TimeMeasure measure) const;
};

struct BenchmarkFile {
  std::string source;  // the file name, for messages
  // The "context" object; strings as they are, other values as JSON text.
  std::map<std::string, std::string> context;
  std::vector<BenchmarkSamples> benchmarks;  // in order of first appearance

  const BenchmarkSamples* find(std::string_view name) const;
  // From the context's engram.setup (written by baseline): whether the run
  // was measured on a virtualized machine; nullopt when the file does not say.
  std::optional<bool> virtualized() const;
};

// Parses the text of one file; `source` names it in error messages.
BenchmarkFile parse_benchmark_json(std::string_view text, const std::string& source);
// Reads and parses a file; a missing, unreadable or empty file is an error too.
BenchmarkFile read_benchmark_json(const std::filesystem::path& path);

}  // namespace engram::benchstats
