#pragma once
// The profiling report (issue 6 item 5): docs/internal/profiling_results.md
// and tmp/report.html, written from one run's artifacts (hot spots and flame
// graph, benchmark JSON with repetitions, counters, roofline, ceilings,
// stability, the machine snapshot taken when the benchmarks ran), never by
// hand, and never from the machine the report happens to be written on. Both files carry the same content, built once
// and rendered twice; the HTML embeds every SVG and needs nothing else.
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "engram/io/errors.hpp"
#include "engram/benchstats/benchmark_json.hpp"
#include "engram/benchstats/estimator.hpp"

namespace engram::report {

// An input that is missing (when required), unreadable, empty or malformed.
// The message starts with the file name and says where: "FILE:LINE:COLUMN"
// for JSON syntax, "FILE: /json/pointer: ..." for content.
using ReportInputError = io::InputError;

// The run's artifacts. `hotspots` and `bench` are required; every other
// input is optional: its section then says what is missing and which
// command makes it.
struct ReportInputs {
  std::filesystem::path hotspots;        // hotspots.json of build/analysis/hotspots (required)
  std::filesystem::path flamegraph;      // flamegraph.svg of build/analysis/flamegraph
  // profile.folded of build/analysis/hotspots: the report draws its own
  // interactive flame graph from it. An SVG given as `flamegraph` is shown
  // only as a picture (an <img>, where no script runs): it is an input like
  // any other and may carry a hostile script.
  std::filesystem::path folded;
  std::filesystem::path bench;           // Google Benchmark JSON of build/bench/baseline, with repetitions (required)
  std::filesystem::path counters_bench;  // the same with --counters=...
  std::filesystem::path roofline;        // roofline.json of build/analysis/roofline
  std::filesystem::path roofline_plot;   // roofline.svg
  std::filesystem::path ceilings;        // JSON of build/bench/ceilings
  std::filesystem::path stability;       // stability.json of build/analysis/stability
  std::filesystem::path stability_plot;  // stability.svg
  std::filesystem::path machine;         // machine.json of build/bench/baseline --machine-out (the System section)
  // The run skipped the stability run on purpose (scripts/profile_hotspots.sh --quick).
  bool quick = false;

  // Fills every empty path with its usual name inside `dir` (hotspots.json,
  // flamegraph.svg, profile.folded, bench.json, bench-counters.json, roofline.json, roofline.svg,
  // ceilings.json, stability.json, stability.svg, machine.json). Optional files that do
  // not exist there stay empty, so their sections say they are missing;
  // the required ones are kept, so a missing one is reported by name. With
  // `quick` set the stability files are not taken (the run made none; any
  // there are an older run's).
  void fill_from_dir(const std::filesystem::path& dir);
};

struct ReportOptions {
  benchstats::TimeMeasure time = benchstats::TimeMeasure::cpu;  // which Google Benchmark time the tables use
  // The location of the benchmark times; unset: default_estimator of the
  // bench file (min when it ran on a virtualized machine, median otherwise).
  std::optional<benchstats::Estimator> estimator;
  std::string date;                     // shown as given; empty: the current UTC time
  // The inputs are read where given but named (and linked) as
  // published_dir/<file name>: a job that stages its files (the main job)
  // publishes them there together with the report.
  std::filesystem::path published_dir;
  // write_report writes the two files into stage_dir under their names, with
  // links made for their places at markdown_path and html_path.
  std::filesystem::path stage_dir;
};

struct ReportTexts {
  std::string markdown;
  std::string html;
};

// Reads every input and builds both texts. Links and image paths are made
// relative to the folder of the file that holds them. Throws
// ReportInputError naming the file (and the place) for a missing required
// input or any unreadable, empty or malformed one.
ReportTexts build_report(const ReportInputs& inputs, const ReportOptions& options,
                         const std::filesystem::path& markdown_path, const std::filesystem::path& html_path);

// build_report(), then writes both files, each through a temporary file and
// a rename; when building fails nothing is written (a previous report stays
// as it was).
void write_report(const ReportInputs& inputs, const ReportOptions& options,
                  const std::filesystem::path& markdown_path, const std::filesystem::path& html_path);

}  // namespace engram::report
