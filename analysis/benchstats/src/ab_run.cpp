#include "engram/benchstats/ab_run.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>

#include "engram/io/cli.hpp"
#include "engram/io/json.hpp"
#include "engram/io/process.hpp"
#include "engram/io/safe_write.hpp"
#include "random.hpp"

namespace engram::benchstats {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The flags compare sets on every run: a user's copy would either be
// overridden silently or, Google Benchmark taking the last one, break the
// merge (another output file, another format, another repetition count).
constexpr std::string_view kOwnedFlags[] = {"benchmark_out", "benchmark_out_format", "benchmark_format",
                                            "benchmark_repetitions", "benchmark_report_aggregates_only"};

// "--benchmark_out=x" or "-benchmark_out" -> "benchmark_out"; "" when not a flag.
std::string_view flag_name(std::string_view arg) {
  if (!arg.starts_with('-')) return {};
  arg.remove_prefix(arg.starts_with("--") ? 2 : 1);
  return arg.substr(0, arg.find('='));
}

std::string side_label(AbSide side) { return side == AbSide::old_build ? "OLD" : "NEW"; }

// A benchmark entry's repetition, as opposed to one of Google Benchmark's
// aggregates (run_type "aggregate"; before 1.5 only a statistic's name
// suffix says so, and such entries carry no repetition_index either).
bool is_aggregate(const json& entry) {
  const auto run_type = entry.find("run_type");
  if (run_type != entry.end() && run_type->is_string()) return run_type->get<std::string>() == "aggregate";
  const auto name = entry.find("name");
  if (name == entry.end() || !name->is_string()) return false;
  const std::string n = name->get<std::string>();
  for (const std::string_view suffix : {"_mean", "_median", "_stddev", "_cv"}) {
    if (n.ends_with(suffix)) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(AbSide side) { return side == AbSide::old_build ? "old" : "new"; }

std::vector<AbSide> draw_ab_order(std::size_t rounds, std::uint64_t seed) {
  detail::Xoshiro256 coin(seed);
  std::vector<AbSide> order;
  order.reserve(2 * rounds);
  for (std::size_t round = 0; round < rounds; ++round) {
    const bool old_first = coin.below(2) == 0;
    order.push_back(old_first ? AbSide::old_build : AbSide::new_build);
    order.push_back(old_first ? AbSide::new_build : AbSide::old_build);
  }
  return order;
}

void check_benchmark_flags(const std::vector<std::string>& flags) {
  for (const std::string& flag : flags) {
    const std::string_view name = flag_name(flag);
    if (std::find(std::begin(kOwnedFlags), std::end(kOwnedFlags), name) != std::end(kOwnedFlags)) {
      throw io::UsageError(fmt::format(
          "the benchmark flag {} is compare --run's own (it sets --benchmark_out, --benchmark_format and "
          "--benchmark_repetitions on every run, and needs every repetition in the file); use --repetitions and "
          "--keep-runs instead",
          flag));
    }
  }
}

void check_ab_run_options(const AbRunOptions& options) {
  for (const auto& [side, binary] : {std::pair{"OLD", &options.old_binary}, std::pair{"NEW", &options.new_binary}}) {
    if (binary->empty()) throw io::UsageError(fmt::format("the {} binary is an empty name", side));
    // A bare name is looked up in PATH when it runs; a path is checked now,
    // so that a typo fails at once instead of after the other side's run.
    if (binary->find('/') == std::string::npos) continue;
    std::error_code error;
    const fs::file_status status = fs::status(*binary, error);
    if (!fs::exists(status)) throw io::UsageError(fmt::format("the {} binary {} does not exist", side, *binary));
    if (!fs::is_regular_file(status) || ::access(binary->c_str(), X_OK) != 0) {
      throw io::UsageError(fmt::format("the {} binary {} is not an executable file", side, *binary));
    }
  }
  if (options.rounds < 1 || options.rounds > kAbMaxRounds) {
    throw io::UsageError(fmt::format("--rounds: expected a whole number in [1, {}], found {}", kAbMaxRounds,
                                     options.rounds));
  }
  if (options.repetitions < 1 || options.repetitions > kAbMaxRepetitions) {
    throw io::UsageError(fmt::format("--repetitions: expected a whole number in [1, {}], found {}",
                                     kAbMaxRepetitions, options.repetitions));
  }
  check_benchmark_flags(options.benchmark_flags);
  if (options.keep_runs) {
    std::error_code error;
    const fs::file_status status = fs::status(*options.keep_runs, error);
    if (fs::exists(status) && !fs::is_directory(status)) {
      throw io::UsageError(fmt::format("--keep-runs: {} exists and is not a folder", options.keep_runs->string()));
    }
    const fs::path parent = options.keep_runs->has_parent_path() ? options.keep_runs->parent_path() : fs::path(".");
    if (!fs::exists(status) && !fs::is_directory(parent, error)) {
      throw io::UsageError(
          fmt::format("--keep-runs: the folder {} does not exist", parent.string()));
    }
  }
}

std::string output_tail(std::string_view text, std::size_t max_lines) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  std::size_t start = text.size();
  for (std::size_t lines = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++lines == max_lines) break;
  }
  return std::string(text.substr(start));
}

std::string merge_benchmark_runs(const std::vector<std::string>& texts, const std::vector<std::string>& sources,
                                 std::string_view side_note) {
  if (texts.empty()) throw std::invalid_argument("merge_benchmark_runs: no run to merge");
  json merged;
  json entries = json::array();
  // Per benchmark name: the repetitions of the runs merged so far, and the
  // entries of the merged file that belong to it (to set "repetitions").
  std::map<std::string, std::size_t> repetitions_before;
  std::map<std::string, std::vector<std::size_t>> entries_of;
  for (std::size_t run = 0; run < texts.size(); ++run) {
    const std::string& source = run < sources.size() ? sources[run] : fmt::format("run {}", run + 1);
    // The benchmark reader first: its checks and its messages for a bad file.
    (void)parse_benchmark_json(texts[run], source);
    const io::JsonValue document =
        io::parse_json_text(texts[run], source, io::JsonOptions{.non_finite_as_null = true});
    if (run == 0) {
      merged = document.raw();
      merged.erase("benchmarks");
    }
    std::map<std::string, std::size_t> in_this_run;
    for (const io::JsonValue& item : document.at("benchmarks").elements()) {
      json entry = item.raw();
      if (!entry.is_object() || is_aggregate(entry)) continue;
      const auto name = entry.find("name");
      const std::string key = name != entry.end() && name->is_string() ? name->get<std::string>() : std::string();
      // Google Benchmark numbers a run's repetitions from 0; baseline's
      // re-runs of disturbed repetitions repeat an index, so the next run
      // continues after the largest index seen, not after a count.
      std::size_t index = in_this_run[key];
      if (const auto given = item.find("repetition_index"); given && given->is_number()) {
        index = static_cast<std::size_t>(given->whole(0, static_cast<std::int64_t>(io::kMaxExactCount)));
      }
      entry["repetition_index"] = repetitions_before[key] + index;
      in_this_run[key] = std::max(in_this_run[key], index + 1);
      entries_of[key].push_back(entries.size());
      entries.push_back(std::move(entry));
    }
    for (const auto& [key, count] : in_this_run) repetitions_before[key] += count;
  }
  for (const auto& [key, positions] : entries_of) {
    for (const std::size_t position : positions) {
      if (entries[position].contains("repetitions")) entries[position]["repetitions"] = repetitions_before[key];
    }
  }
  if (!merged.contains("context") || !merged["context"].is_object()) merged["context"] = json::object();
  merged["context"]["engram.ab_run"] = std::string(side_note);
  merged["benchmarks"] = std::move(entries);
  return merged.dump(2) + "\n";
}

AbRunResult run_ab(const AbRunOptions& options, const AbProgress& progress) {
  check_ab_run_options(options);
  AbRunResult result;
  result.options = options;
  const std::vector<AbSide> order = draw_ab_order(options.rounds, options.seed);
  std::vector<std::string> texts[2], sources[2];
  std::size_t rounds_started[2] = {0, 0};
  const auto report = [&progress](std::string_view line) {
    if (progress) progress(line);
  };
  for (std::size_t i = 0; i < order.size(); ++i) {
    const AbSide side = order[i];
    const int s = side == AbSide::old_build ? 0 : 1;
    const std::string& binary = side == AbSide::old_build ? options.old_binary : options.new_binary;
    const std::size_t round = i / 2 + 1;
    const std::size_t side_run = ++rounds_started[s];
    // Created exclusively (an unpredictable name, never through a link
    // planted in /tmp) and removed on every way out, an interrupt included;
    // the binary opens it by its path and rewrites it.
    io::TemporaryFile out(fs::temp_directory_path() / fmt::format("compare-run-{}-{}", to_string(side), side_run),
                          ".json");
    out.close();
    std::vector<std::string> argv = {binary, "--benchmark_format=json", "--benchmark_out_format=json",
                                     "--benchmark_out=" + out.path().string(),
                                     fmt::format("--benchmark_repetitions={}", options.repetitions)};
    argv.insert(argv.end(), options.benchmark_flags.begin(), options.benchmark_flags.end());
    report(fmt::format("run {}/{} (round {}): {} {} ...", i + 1, order.size(), round, side_label(side), binary));
    const auto start = std::chrono::steady_clock::now();
    const io::ProgramResult ran = io::run_program(argv);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string where = fmt::format("{} binary {} (run {} of {}, round {})", side_label(side), binary, i + 1,
                                          order.size(), round);
    if (!ran.started) {
      throw AbRunFailure(fmt::format("cannot execute the {}", where));
    }
    if (ran.exit_code != 0) {
      const std::string tail = output_tail(ran.err);
      throw AbRunFailure(fmt::format("the {} {}; its standard error {}", where,
                                     ran.exit_code > 128 ? fmt::format("was killed by signal {}", ran.exit_code - 128)
                                                         : fmt::format("exited with code {}", ran.exit_code),
                                     tail.empty() ? std::string("was empty") : "ended with:\n" + tail));
    }
    std::string text;
    try {
      text = io::read_input_file(out.path(), "Google Benchmark JSON");
      (void)parse_benchmark_json(text, where);
    } catch (const io::InputError& e) {
      // The binary ran but wrote nothing usable: the job failed (exit 1), the
      // command line was not at fault.
      throw AbRunFailure(fmt::format("the {} wrote no usable benchmark output: {}", where, e.what()));
    }
    texts[s].push_back(std::move(text));
    sources[s].push_back(where);
    result.steps.push_back({side, round, seconds});
    report(fmt::format("run {}/{} (round {}): {} done in {:.1f} s", i + 1, order.size(), round, side_label(side),
                       seconds));
  }
  for (const int s : {0, 1}) {
    const AbSide side = s == 0 ? AbSide::old_build : AbSide::new_build;
    const std::string& binary = s == 0 ? options.old_binary : options.new_binary;
    const json note = {{"side", std::string(to_string(side))},
                       {"binary", binary},
                       {"runs", texts[s].size()},
                       {"repetitions_per_run", options.repetitions},
                       {"seed", options.seed}};
    std::string merged = merge_benchmark_runs(texts[s], sources[s], note.dump());
    const std::string source = fmt::format("{} ({}, {} runs merged)", binary, side_label(side), texts[s].size());
    BenchmarkFile parsed = parse_benchmark_json(merged, source);
    (s == 0 ? result.old_json : result.new_json) = std::move(merged);
    (s == 0 ? result.old_run : result.new_run) = std::move(parsed);
  }
  if (options.keep_runs) {
    std::error_code error;
    fs::create_directory(*options.keep_runs, error);
    if (error) {
      throw std::runtime_error(
          fmt::format("--keep-runs: cannot create the folder {}: {}", options.keep_runs->string(), error.message()));
    }
    // Both or neither: a kept OLD beside the NEW of another job would compare
    // two builds that never met the same noise.
    io::OutputSet kept;
    kept.add(*options.keep_runs / "old.json", result.old_json);
    kept.add(*options.keep_runs / "new.json", result.new_json);
    kept.commit();
  }
  return result;
}

std::string add_run_to_comparison_json(std::string_view comparison_json, const AbRunResult& result) {
  json document = io::parse_json_text(comparison_json, "the comparison JSON").raw();
  const AbRunOptions& o = result.options;
  json order = json::array();
  json runs = json::array();
  for (const AbRunStep& step : result.steps) {
    order.push_back(std::string(to_string(step.side)));
    runs.push_back({{"side", std::string(to_string(step.side))}, {"round", step.round}, {"seconds", step.seconds}});
  }
  json kept = nullptr;
  if (o.keep_runs) kept = {{"old", (*o.keep_runs / "old.json").string()}, {"new", (*o.keep_runs / "new.json").string()}};
  document["run"] = {{"old_binary", o.old_binary},
                     {"new_binary", o.new_binary},
                     {"rounds", o.rounds},
                     {"repetitions_per_run", o.repetitions},
                     {"seed", o.seed},
                     {"order_rule", "rounds: each round runs OLD and NEW once, in an order drawn from the seed"},
                     {"order", std::move(order)},
                     {"benchmark_flags", o.benchmark_flags},
                     {"runs", std::move(runs)},
                     {"kept", std::move(kept)}};
  return document.dump(2) + "\n";
}

std::string render_ab_run_heading(const AbRunResult& result) {
  const AbRunOptions& o = result.options;
  std::string order;
  for (const AbRunStep& step : result.steps) order += step.side == AbSide::old_build ? 'O' : 'N';
  double seconds = 0;
  for (const AbRunStep& step : result.steps) seconds += step.seconds;
  return fmt::format(
      "interleaved A/B: OLD {} vs NEW {}: {} rounds x {} repetitions per run ({} per side), {:.0f} s\n"
      "order (seed {}): {}{}\n\n",
      o.old_binary, o.new_binary, o.rounds, o.repetitions, o.rounds * o.repetitions, seconds, o.seed, order,
      o.benchmark_flags.empty() ? std::string() : fmt::format("; flags: {}", fmt::join(o.benchmark_flags, " ")));
}

}  // namespace engram::benchstats
