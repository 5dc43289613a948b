#pragma once
// The report's sections, each appended to the document from the loaded
// inputs. A section whose input is missing says so and gives the command
// that makes it.
#include <string>

#include "document.hpp"
#include "engram/benchstats/estimator.hpp"
#include "engram/report/report.hpp"
#include "inputs.hpp"

namespace engram::report {

// The commands that make each input, with paths in `dir` (the run's output
// folder, e.g. tmp).
struct InputCommands {
  std::string profile, bench, counters, ceilings, roofline, stability, machine;
};
InputCommands input_commands(const std::string& dir);

// A reason is a sentence; put in parentheses that end a sentence, its own
// final period would double up.
inline std::string without_final_period(const std::string& text) {
  return text.ends_with('.') ? text.substr(0, text.size() - 1) : text;
}

// Paragraph + code block: "<what> is missing: <why>. To make it:" + command.
void add_missing(Document& doc, const Text& what, const std::string& command);

void add_system_section(Document& doc, const LoadedInputs& in);
void add_flamegraph_section(Document& doc, const LoadedInputs& in);
// `estimator`: the location of the benchmark times, named with its reason.
void add_benchmarks_section(Document& doc, const LoadedInputs& in, benchstats::TimeMeasure measure,
                            const benchstats::EstimatorChoice& estimator);
void add_counters_section(Document& doc, const LoadedInputs& in);
void add_roofline_section(Document& doc, const LoadedInputs& in);
void add_stability_section(Document& doc, const LoadedInputs& in);
void add_candidates_section(Document& doc, const LoadedInputs& in);

}  // namespace engram::report
