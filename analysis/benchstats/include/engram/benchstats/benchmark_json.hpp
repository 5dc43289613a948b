#pragma once
// Reading Google Benchmark JSON (--benchmark_out=FILE --benchmark_out_format=json)
// into per-benchmark samples: one value per repetition, times in nanoseconds.
//
// Every shape Google Benchmark 1.4 to 1.9 writes is read
// (docs/gbench_json_versions.md): the per-repetition entries become samples;
// the aggregates it adds (mean, median, stddev, cv) are kept aside in
// `aggregates`, since our statistics recompute them from the repetitions, and
// are the only figures of a file written with --benchmark_report_aggregates_only.
// Fields an older version did not write are inferred as Google Benchmark
// itself did: no run_type (before 1.5): an aggregate is recognised by its name
// suffix (_mean, _median, _stddev, _cv); no time_unit: nanoseconds, the
// library's default unit. Every entry's time_unit is honoured, so files (or
// entries) in different units compare correctly.
//
// One bad benchmark never rejects the file: an entry that lacks what a
// repetition needs (a time, a known time unit, a known run_type) is left out
// and the benchmark's `missing` says exactly what and where; errors and skips
// are kept with their message. Only what cannot be live is refused at its
// pointer (a negative time or counter, a string where a number belongs), as is
// malformed JSON, a file without a "benchmarks" array, and a file in which no
// entry names a benchmark.
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
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

// One statistic Google Benchmark computed over a benchmark's repetitions.
// Time statistics are in ns; a "percentage" one (cv, from 1.6) is the
// fraction as written. Absent: not written, or not a number (NaN).
struct GbenchAggregate {
  std::optional<double> real, cpu;
  bool percentage = false;
  std::optional<double> value(TimeMeasure measure) const { return measure == TimeMeasure::cpu ? cpu : real; }
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
  // Set when a repetition was skipped (SkipWithMessage, "skipped": true, from
  // Google Benchmark 1.8): not a failure, but it has no time either.
  std::string skip_message;
  // Google Benchmark's own statistics of the repetitions, by aggregate_name
  // (mean, median, stddev, cv, or a user-defined statistic), as written.
  std::map<std::string, GbenchAggregate> aggregates;
  // What the file lacks for this benchmark, one sentence each naming the
  // entry ("/benchmarks/3: no \"cpu_time\": repetition left out"), and what was
  // assumed in its place ("no time_unit: read as ns, ..."). Empty when the
  // benchmark is complete.
  std::vector<std::string> missing;

  const std::vector<double>& times(TimeMeasure measure) const {
    return measure == TimeMeasure::cpu ? cpu_ns : real_ns;
  }
  std::size_t repetitions() const { return real_ns.size(); }
  // Only Google Benchmark's aggregates, no repetition (a file written with
  // --benchmark_report_aggregates_only, or whose repetitions were unusable).
  bool aggregates_only() const { return real_ns.empty() && !aggregates.empty(); }
  // Google Benchmark's "median" aggregate, in ns; nullopt when the file has none.
  std::optional<double> aggregate_median_ns(TimeMeasure measure) const;
  // Why this benchmark has no repetition to analyse, in words ("reported an
  // error: ...", "skipped: ...", "only Google Benchmark's aggregates ...", or
  // what is missing); empty when it has repetitions and no error.
  std::string unusable_reason() const;
  std::size_t disturbed_count() const;
  // The times of the repetitions not marked disturbed, in file order.
  std::vector<double> undisturbed_times(TimeMeasure measure) const;
};

struct BenchmarkFile {
  std::string source;  // the file name, for messages
  // The "context" object; strings as they are, other values as JSON text.
  std::map<std::string, std::string> context;
  std::vector<BenchmarkSamples> benchmarks;  // in order of first appearance
  // Name -> position in `benchmarks`, filled by the reader so that find() is
  // not a scan per name (a file may name millions of benchmarks). A file
  // built by hand may leave it empty: find() then scans, as it does whenever
  // the index does not cover every benchmark.
  std::unordered_map<std::string, std::size_t> index;
  // What was inferred for the whole file, and entries left out that name no
  // benchmark ("/benchmarks/4: not an object: left out").
  std::vector<std::string> notes;

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
