#pragma once
// The performance-ratio table of issue 7 ("optimized kernels at the machine's
// limit"): each target compares two benchmarks of the same run, as a ratio of
// their estimates (estimator.hpp: the median, or the minimum on a virtualized
// machine) over the repetitions not marked disturbed (all of them when every
// one was), and
// docs/performance.md shows the ratio per run and its spread (min, median,
// max) over separate runs, with pass/fail.
//
// Ratios are taken within one run (both sides interleaved in the same
// process), never across runs: the machine is noisy, only same-run ratios
// count.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"
#include "engram/benchstats/estimator.hpp"

namespace engram::benchstats {

enum class RatioBound { at_most, at_least };

// ratio = estimate(numerator) / estimate(denominator), in one run.
struct RatioTarget {
  std::string label;        // what is compared, e.g. "vector_similarity_1000: optimized / OpenBLAS sgemv + norms"
  std::string numerator;    // benchmark names as the baseline writes them
  std::string denominator;
  RatioBound bound = RatioBound::at_most;
  double limit = 1.0;
  std::string target_text;  // as the issue states it, e.g. "≤ 1.0×", "≥ 10× faster"
};

// The table of issue 7, as data, including the counter-overhead row (the
// baseline's counter_overhead/<kernel>/counted vs uncounted). The
// profiling-harness row is measured by another program (its own --reference
// run and /usr/bin/time -v); it enters as an extra row (below).
std::vector<RatioTarget> issue7_targets();

enum class RatioStatus { pass, fail, not_measured };
std::string_view to_string(RatioStatus status);

struct RatioRow {
  std::string label;
  std::string target_text;
  RatioBound bound = RatioBound::at_most;
  double limit = 1.0;
  std::vector<std::optional<double>> per_run;  // absent: a side missing from that run
  std::optional<double> min, median, max;      // over the runs that measured it
  std::size_t runs_meeting = 0;                // runs whose own ratio meets the target
  std::size_t runs_measured = 0;
  RatioStatus status = RatioStatus::not_measured;  // from the median over runs
  std::string source;  // where the values come from ("" for our own runs)
  std::string unit = "×";  // printed after each value: "×" for ratios, " MiB" for a size
  // Why a run has no value, one sentence each: "run 2: B is not in the file",
  // "run 1: A: skipped: ...", "run 1: A: no repetitions, only Google
  // Benchmark's aggregates ...".
  std::vector<std::string> missing;
};

// Fills min/median/max, runs_meeting and status from per_run.
void settle_ratio_row(RatioRow& row);

struct RatioReport {
  std::vector<std::string> sources;  // one per run
  // Per run: the fewest repetitions any benchmark's estimate used; the
  // disturbed repetitions set aside; the benchmarks whose every repetition was
  // disturbed (those are estimated from all of them rather than not at all).
  std::vector<std::size_t> repetitions;
  std::vector<std::size_t> set_aside;
  std::vector<std::size_t> all_disturbed;
  TimeMeasure measure = TimeMeasure::cpu;
  EstimatorChoice estimator;
  std::vector<RatioRow> rows;
  std::size_t count(RatioStatus status) const;
};

// `estimator` unset: default_estimator(runs).
RatioReport compute_ratios(std::span<const BenchmarkFile> runs, std::span<const RatioTarget> targets,
                           TimeMeasure measure = TimeMeasure::cpu, std::optional<Estimator> estimator = {});

// The counters' own cost per region, one value per run: a baseline run with
// --counters records the median time of empty start/stop pairs of its counter
// set (context "engram.counter_overhead_ns"). As a percentage of a 100 us
// region it is the overhead issue 7 bounds (< 1%), measured without the
// run-to-run noise of timing a kernel twice (the counted/uncounted rows).
// "not measured" for runs without that context.
RatioRow counter_cost_row(std::span<const BenchmarkFile> runs);

// Rows measured elsewhere (profiling harness, counter overhead), as JSON:
//   {"rows": [{"label": "...", "target": "≥ 8× faster", "bound": "at_least" | "at_most",
//              "limit": 8, "values": [9.1, 8.7, 9.4], "source": "how it was measured",
//              "unit": " MiB"}]}   (unit optional: "×" by default)
// one value per run (null where a run did not measure it). Throws
// BenchmarkJsonError naming `source_name` and the row on bad input.
std::vector<RatioRow> parse_extra_ratio_rows(std::string_view text, const std::string& source_name);

// The table as markdown: target, ratio per run, min / median / max, result.
// `commands` (may be empty) are shown as the way to reproduce the table; a
// non-empty `title` becomes the document's heading.
std::string ratios_markdown(const RatioReport& report, const std::vector<std::string>& commands = {},
                            const std::string& title = {});
// Schema "engram-ratios" version 2: version 1 plus "estimator": {"name",
// "reason"}, "set_aside" and "all_disturbed" (per run); the ratios are of
// that estimator.
inline constexpr int kRatiosJsonVersion = 2;
std::string ratios_json(const RatioReport& report);

}  // namespace engram::benchstats
