#pragma once
// One report from several Google Benchmark passes.
//
// baseline re-runs disturbed repetitions in further passes of
// RunSpecifiedBenchmarks (engram/rerun_plan.hpp). Each pass would open its
// own report: a second context header, a second JSON document. This wrapper
// gives the inner reporter one: the context once, the repetitions of every
// pass, the aggregates of the first pass only (those of a re-run pass would
// describe the re-runs alone; those of the first pass describe it alone) and
// one Finalize, from finish(). A re-run repetition keeps its benchmark's
// name, family and count of repetitions asked for, and continues its
// repetition_index, so that tools grouping by them see one benchmark. The noise_*
// figures are the repetitions' own: aggregates leave them out, and so does a
// console (baseline prints their summary); JSON and CSV repetitions keep them.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engram/rerun_plan.hpp"

namespace engram::bench {

class MultiPassReporter : public benchmark::BenchmarkReporter {
 public:
  // `inner` may be null (no file asked for): then the wrapper only tallies.
  MultiPassReporter(benchmark::BenchmarkReporter* inner, bool hide_noise_counters);

  void begin_pass(unsigned pass) { pass_ = pass; }
  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override {}
  void finish();

  // Every benchmark's repetitions so far, by their noise_disturbed counter,
  // in the order they were first reported.
  const std::vector<RepetitionTally>& tallies() const { return tallies_; }
  std::size_t repetitions() const { return repetitions_; }
  std::size_t disturbed() const { return disturbed_; }
  // Repetitions the re-run passes really reported (a pass may run fewer
  // than it asked for, e.g. when a benchmark fails).
  std::size_t rerun_repetitions() const { return rerun_repetitions_; }

 private:
  benchmark::BenchmarkReporter* inner_;
  bool hide_noise_counters_;
  unsigned pass_ = 0;
  bool context_reported_ = false;
  bool context_result_ = true;
  bool finished_ = false;
  std::vector<RepetitionTally> tallies_;
  struct Identity {
    std::int64_t family_index, per_family_instance_index, repetitions, next_index;
  };
  std::map<std::string, Identity> identities_;
  std::size_t repetitions_ = 0, disturbed_ = 0, rerun_repetitions_ = 0;
};

// The display reporter Google Benchmark would make from --benchmark_format,
// --benchmark_color and --benchmark_counters_tabular among `benchmark_args`
// (console, json or csv); throws io::UsageError for another format.
std::unique_ptr<benchmark::BenchmarkReporter> make_display_reporter(const std::vector<std::string>& benchmark_args,
                                                                    bool& is_console);

}  // namespace engram::bench
