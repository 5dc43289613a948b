#include "multi_pass_reporter.hpp"

#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "engram/io/cli.hpp"
#include "engram/noise.hpp"

namespace engram::bench {

MultiPassReporter::MultiPassReporter(benchmark::BenchmarkReporter* inner, bool hide_noise_counters)
    : inner_(inner), hide_noise_counters_(hide_noise_counters) {}

bool MultiPassReporter::ReportContext(const Context& context) {
  if (!context_reported_) {
    context_reported_ = true;
    if (inner_) context_result_ = inner_->ReportContext(context);
  }
  return context_result_;
}

void MultiPassReporter::ReportRuns(const std::vector<Run>& runs) {
  std::vector<Run> kept;
  for (const Run& run : runs) {
    if (run.run_type == Run::RT_Aggregate && pass_ > 0) continue;
    kept.push_back(run);
    Run& out = kept.back();
    // A re-run pass sets its repetitions per benchmark, and Google Benchmark
    // then names the runs ".../repeats:K": they keep the benchmark's name.
    out.run_name.repetitions.clear();
    const std::string name = out.benchmark_name();
    if (run.run_type != Run::RT_Iteration) continue;
    auto tally = std::find_if(tallies_.begin(), tallies_.end(), [&](const RepetitionTally& t) { return t.name == name; });
    if (tally == tallies_.end()) {
      tally = tallies_.insert(tallies_.end(), RepetitionTally{name, 0, 0, static_cast<std::size_t>(run.repetitions)});
      identities_[name] = {run.family_index, run.per_family_instance_index, run.repetitions, 0};
    }
    // A re-run continues its benchmark's numbering: the same family, the
    // first pass's count of repetitions asked for, the next index.
    Identity& id = identities_[name];
    if (pass_ > 0) {
      out.family_index = id.family_index;
      out.per_family_instance_index = id.per_family_instance_index;
      out.repetitions = id.repetitions;
      out.repetition_index = id.next_index;
      ++rerun_repetitions_;
    }
    ++id.next_index;
    if (run.error_occurred) continue;
    const auto flag = run.counters.find(std::string(noise::field::kDisturbed));
    const bool disturbed = flag != run.counters.end() && flag->second.value != 0;
    ++(disturbed ? tally->disturbed : tally->undisturbed);
    ++repetitions_;
    if (disturbed) ++disturbed_;
  }
  if (!inner_ || kept.empty()) return;
  // Aggregates of the noise figures say nothing the repetitions do not, and
  // the CV of a figure that stayed 0 is 0/0, which Google Benchmark writes
  // as NaN (not JSON): they are left out of aggregates, and out of the
  // console altogether.
  for (Run& run : kept) {
    if (hide_noise_counters_ || run.run_type == Run::RT_Aggregate) {
      std::erase_if(run.counters, [](const auto& c) { return c.first.starts_with(noise::field::kPrefix); });
    }
  }
  inner_->ReportRuns(kept);
}

void MultiPassReporter::finish() {
  if (finished_) return;
  finished_ = true;
  if (inner_ && context_reported_) inner_->Finalize();
}

namespace {

std::string flag_value(const std::vector<std::string>& args, std::string_view flag, std::string fallback) {
  const std::string prefix = std::string(flag) + "=";
  for (const auto& arg : args) {
    if (arg.starts_with(prefix)) fallback = arg.substr(prefix.size());
  }
  return fallback;
}

bool flag_true(const std::string& value) {
  return value == "true" || value == "yes" || value == "1" || value == "on";
}

}  // namespace

std::unique_ptr<benchmark::BenchmarkReporter> make_display_reporter(const std::vector<std::string>& benchmark_args,
                                                                    bool& is_console) {
  const std::string format = flag_value(benchmark_args, "--benchmark_format", "console");
  is_console = format == "console";
  if (format == "json") return std::make_unique<benchmark::JSONReporter>();
  if (format == "csv") {
    // Deprecated upstream, still what --benchmark_format=csv gives.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return std::make_unique<benchmark::CSVReporter>();
#pragma GCC diagnostic pop
  }
  if (format != "console") {
    throw io::UsageError("--benchmark_format must be console, json or csv, not '" + format + "'");
  }
  // As Google Benchmark decides: colour on a terminal unless told otherwise.
  const std::string color = flag_value(benchmark_args, "--benchmark_color", "auto");
  const bool colored = color == "auto" ? ::isatty(STDOUT_FILENO) != 0 : flag_true(color) || color == "always";
  int options = benchmark::ConsoleReporter::OO_None;
  if (colored) options |= benchmark::ConsoleReporter::OO_Color;
  if (flag_true(flag_value(benchmark_args, "--benchmark_counters_tabular", "false"))) {
    options |= benchmark::ConsoleReporter::OO_Tabular;
  }
  return std::make_unique<benchmark::ConsoleReporter>(static_cast<benchmark::ConsoleReporter::OutputOptions>(options));
}

}  // namespace engram::bench
