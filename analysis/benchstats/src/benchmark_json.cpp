#include "engram/benchstats/benchmark_json.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "engram/io/json.hpp"
#include "engram/noise.hpp"

namespace engram::benchstats {
namespace {

using nlohmann::json;

// The context member baseline writes its set-up into (a JSON object as a string).
constexpr std::string_view kSetupContextKey = "engram.setup";

// Fields of a Google Benchmark entry that are not user counters.
const std::set<std::string, std::less<>> kStandardFields = {
    "name",        "family_index",   "per_family_instance_index",
    "run_name",    "run_type",       "repetitions",
    "repetition_index", "threads",   "iterations",
    "real_time",   "cpu_time",       "time_unit",
    "aggregate_name", "aggregate_unit", "error_occurred",
    "error_message", "label",          "skipped",
    "skip_message",  "cpu_coefficient", "real_coefficient",
    "big_o",         "rms"};


// One entry of "benchmarks": errors name the file, the entry's JSON pointer
// and its name; a bad value is refused at its own pointer by io's checked
// getters.
class EntryReader {
 public:
  explicit EntryReader(const io::JsonValue& entry) : entry_(entry) {
    if (!entry.is_object()) fail("is not an object");
    if (const auto name = entry.raw().find("name"); name != entry.raw().end() && name->is_string()) {
      name_ = name->get<std::string>();
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    const std::string who = name_.empty() ? "" : fmt::format(" (\"{}\")", name_);
    throw BenchmarkJsonError(fmt::format("{}: {}{}: {}", entry_.source(), entry_.pointer(), who, what));
  }

  io::JsonValue field(const char* key) const {
    if (!entry_.raw().contains(key)) fail(fmt::format("missing field \"{}\"", key));
    return entry_.at(key);
  }

  std::string string_field(const char* key) const {
    const io::JsonValue value = field(key);
    if (!value.is_string()) fail(fmt::format("field \"{}\" is not a string", key));
    return value.string();
  }

  // A time in nanoseconds: finite and >= 0 as written (NaN, read as null, is
  // not a number here), and still finite once converted from its unit.
  double time_ns(const char* key, double ns_per_unit) const {
    const io::JsonValue value = field(key);
    const double ns = value.non_negative() * ns_per_unit;
    if (!std::isfinite(ns)) value.fail("a time too large to hold in nanoseconds");
    return ns;
  }

  // The noise_* figures of this repetition. A figure that is absent (or
  // null: NaN as Google Benchmark writes it) was not measured, and stays
  // absent: "not measured" must never read as "no noise".
  RepetitionNoise noise() const {
    namespace field = engram::noise::field;
    RepetitionNoise noise;
    const auto figure = [&](std::string_view key) -> std::optional<double> {
      if (const auto value = entry_.find(key)) return value->non_negative();
      return std::nullopt;
    };
    noise.wall_ns = figure(field::kWallNs);
    noise.cpu_ns = figure(field::kCpuNs);
    noise.steal_ns = figure(field::kStealNs);
    noise.run_delay_ns = figure(field::kRunDelayNs);
    noise.involuntary_switches = figure(field::kInvoluntarySwitches);
    noise.cpu_migrations = figure(field::kCpuMigrations);
    noise.loadavg = figure(field::kLoadavg);
    noise.memory_probe_ns = figure(field::kMemoryProbeNs);
    noise.memory_slowdown = figure(field::kMemorySlowdown);
    if (const auto disturbed = entry_.find(field::kDisturbed)) noise.disturbed = disturbed->whole(0, 1) == 1;
    if (const auto rerun = entry_.find(field::kRerun)) {
      noise.rerun = static_cast<unsigned>(rerun->whole(0, std::numeric_limits<unsigned>::max()));
    }
    return noise;
  }

  const std::string& name() const { return name_; }
  const io::JsonValue& entry() const { return entry_; }

 private:
  io::JsonValue entry_;
  std::string name_;
};

}  // namespace

std::string_view to_string(TimeMeasure measure) { return measure == TimeMeasure::cpu ? "cpu" : "real"; }

TimeMeasure parse_time_measure(std::string_view text) {
  if (text == "cpu") return TimeMeasure::cpu;
  if (text == "real") return TimeMeasure::real;
  throw std::invalid_argument(fmt::format("unknown time measure '{}' (expected cpu or real)", text));
}

double nanoseconds_per(std::string_view time_unit) {
  if (time_unit == "ns") return 1;
  if (time_unit == "us") return 1e3;
  if (time_unit == "ms") return 1e6;
  if (time_unit == "s") return 1e9;
  throw std::invalid_argument(fmt::format("unknown time unit \"{}\" (expected ns, us, ms or s)", time_unit));
}

std::size_t BenchmarkSamples::disturbed_count() const {
  return static_cast<std::size_t>(
      std::count_if(noise.begin(), noise.end(), [](const RepetitionNoise& n) { return n.disturbed; }));
}

std::vector<double> BenchmarkSamples::undisturbed_times(TimeMeasure measure) const {
  const std::vector<double>& all = times(measure);
  std::vector<double> kept;
  for (std::size_t i = 0; i < all.size(); ++i) {
    // A repetition without noise figures (noise shorter than the times only
    // in hand-made samples) counts as undisturbed, as files without them do.
    if (i >= noise.size() || !noise[i].disturbed) kept.push_back(all[i]);
  }
  return kept;
}

std::optional<bool> BenchmarkFile::virtualized() const {
  const auto setup = context.find(std::string(kSetupContextKey));
  if (setup == context.end()) return std::nullopt;
  // JSON inside a string of the context: parsed with the one reader, so a
  // malformed object is refused naming the file and the place in it.
  const io::JsonValue parsed = io::parse_json_text(setup->second, fmt::format("{}: context/{}", source, kSetupContextKey));
  if (!parsed.is_object()) parsed.fail("expected a JSON object (the set-up baseline records)");
  const auto virtualized = parsed.find("virtualized");
  if (!virtualized) return std::nullopt;
  return virtualized->boolean();
}

const BenchmarkSamples* BenchmarkFile::find(std::string_view name) const {
  if (!benchmarks.empty() && index.size() == benchmarks.size()) {
    const auto it = index.find(std::string(name));
    if (it == index.end()) return nullptr;
    if (it->second < benchmarks.size() && benchmarks[it->second].name == name) return &benchmarks[it->second];
    // An index out of step with the vector (edited by hand): scan instead.
  }
  for (const auto& b : benchmarks) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

namespace {

// The statistics Google Benchmark adds after the repetitions, by the suffix
// it appends to the name ("BM_x_mean"); cv only from 1.6 on.
constexpr std::string_view kStatisticSuffixes[] = {"mean", "median", "stddev", "cv"};
// Complexity results (SetComplexityN): "BM_x_BigO" and "BM_x_RMS" carry
// coefficients, not times.
constexpr std::string_view kComplexitySuffixes[] = {"BigO", "RMS"};

// "name_mean" -> ("name", "mean"); nullopt when the name has no such suffix.
std::optional<std::pair<std::string, std::string>> split_suffix(const std::string& name,
                                                                std::span<const std::string_view> suffixes) {
  for (const std::string_view suffix : suffixes) {
    if (name.size() > suffix.size() + 1 && name.ends_with(suffix) && name[name.size() - suffix.size() - 1] == '_') {
      return std::pair{name.substr(0, name.size() - suffix.size() - 1), std::string(suffix)};
    }
  }
  return std::nullopt;
}

// What one entry of "benchmarks" is, from run_type or, before 1.5, its name.
struct EntryKind {
  enum { iteration, aggregate, complexity, unknown } kind = iteration;
  std::string benchmark;       // the benchmark it belongs to
  std::string aggregate_name;  // aggregate only
  std::string unknown_run_type;
};

// The file's names, to recognise an aggregate without run_type: "X_median"
// is one when X itself, or another statistic of X, is in the file too (the
// three of 1.4 always come together), so a benchmark that happens to be
// named "..._mean" alone stays a benchmark.
bool looks_like_statistic(const std::string& base, const std::string& statistic,
                          const std::set<std::string, std::less<>>& names) {
  if (names.count(base) != 0) return true;
  return std::any_of(std::begin(kStatisticSuffixes), std::end(kStatisticSuffixes), [&](std::string_view other) {
    return other != statistic && names.count(base + "_" + std::string(other)) != 0;
  });
}

EntryKind classify(const EntryReader& entry, const std::set<std::string, std::less<>>& names) {
  EntryKind k;
  k.benchmark = entry.name();
  const auto run_type = entry.entry().optional_string("run_type");
  if (!run_type) {
    // Google Benchmark before 1.5: no run_type, aggregates known by name.
    if (auto split = split_suffix(entry.name(), kComplexitySuffixes)) {
      k.kind = EntryKind::complexity;
      k.benchmark = split->first;
      k.aggregate_name = split->second;
    } else if (auto stat = split_suffix(entry.name(), kStatisticSuffixes);
               stat && looks_like_statistic(stat->first, stat->second, names)) {
      k.kind = EntryKind::aggregate;
      k.benchmark = stat->first;
      k.aggregate_name = stat->second;
    }
    return k;
  }
  if (*run_type == "iteration") return k;
  if (*run_type != "aggregate") {
    k.kind = EntryKind::unknown;
    k.unknown_run_type = *run_type;
    return k;
  }
  k.kind = EntryKind::aggregate;
  // run_name is the benchmark's own name (1.5+); the name is run_name + "_" +
  // aggregate_name. Without either, the suffix is the statistic.
  const auto aggregate_name = entry.entry().optional_string("aggregate_name");
  const auto run_name = entry.entry().optional_string("run_name");
  if (aggregate_name) {
    k.aggregate_name = *aggregate_name;
  } else if (auto stat = split_suffix(entry.name(), kStatisticSuffixes)) {
    k.aggregate_name = stat->second;
  } else {
    k.aggregate_name = "?";
  }
  if (k.aggregate_name == "BigO" || k.aggregate_name == "RMS") k.kind = EntryKind::complexity;
  if (run_name && !run_name->empty()) {
    k.benchmark = *run_name;
  } else if (entry.name().ends_with("_" + k.aggregate_name) && entry.name().size() > k.aggregate_name.size() + 1) {
    k.benchmark = entry.name().substr(0, entry.name().size() - k.aggregate_name.size() - 1);
  }
  return k;
}

std::vector<std::string> aggregate_names(const BenchmarkSamples& b) {
  std::vector<std::string> names;
  for (const auto& [name, aggregate] : b.aggregates) names.push_back(name);
  return names;
}

void add_once(std::vector<std::string>& list, std::string text) {
  if (std::find(list.begin(), list.end(), text) == list.end()) list.push_back(std::move(text));
}

}  // namespace

std::optional<double> BenchmarkSamples::aggregate_median_ns(TimeMeasure measure) const {
  const auto it = aggregates.find("median");
  if (it == aggregates.end() || it->second.percentage) return std::nullopt;
  return it->second.value(measure);
}

std::string BenchmarkSamples::unusable_reason() const {
  if (!error_message.empty()) return "reported an error: " + error_message;
  if (repetitions() > 0) return {};
  if (!skip_message.empty()) return "skipped: " + skip_message;
  if (!missing.empty()) return fmt::format("{}", fmt::join(missing, "; "));
  return "no repetition in the file";
}

BenchmarkFile parse_benchmark_json(std::string_view text, const std::string& source) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw BenchmarkJsonError(fmt::format(
        "{}: empty file: expected Google Benchmark JSON (--benchmark_out=FILE --benchmark_out_format=json)",
        source));
  }
  // A parse error keeps its place in the file; NaN and Infinity, which
  // Google Benchmark writes for some aggregates, read as missing values.
  const io::JsonValue parsed = io::parse_json_text(text, source, io::JsonOptions{.non_finite_as_null = true});
  const json& document = parsed.raw();
  if (!document.is_object()) {
    throw BenchmarkJsonError(fmt::format("{}: top level is not a JSON object (not Google Benchmark output)", source));
  }
  const auto list = document.find("benchmarks");
  if (list == document.end()) {
    throw BenchmarkJsonError(fmt::format("{}: no \"benchmarks\" array (not Google Benchmark output)", source));
  }
  if (!list->is_array()) throw BenchmarkJsonError(fmt::format("{}: \"benchmarks\" is not an array", source));

  BenchmarkFile file;
  file.source = source;
  if (const auto context = document.find("context"); context != document.end() && context->is_object()) {
    for (const auto& [key, value] : context->items()) {
      file.context[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }

  // Checked now, so a broken set-up is refused when the file is read, not
  // later by whichever analysis first asks.
  (void)file.virtualized();

  const std::vector<io::JsonValue> items = parsed.at("benchmarks").elements();
  std::set<std::string, std::less<>> names;
  for (const io::JsonValue& item : items) {
    if (!item.is_object()) continue;
    if (const auto name = item.raw().find("name"); name != item.raw().end() && name->is_string()) {
      names.insert(name->get<std::string>());
    }
  }

  // By name through the index, so a file naming many benchmarks reads in
  // linear time; a new name is appended (order of first appearance).
  const auto samples_of = [&file](const std::string& name) -> BenchmarkSamples& {
    const auto [it, added] = file.index.try_emplace(name, file.benchmarks.size());
    if (!added) return file.benchmarks[it->second];
    file.benchmarks.push_back({});
    file.benchmarks.back().name = name;
    return file.benchmarks.back();
  };

  // Per benchmark, each problem once with the entries it was found in, so
  // that eight repetitions lacking cpu_time make one sentence, not eight.
  std::map<std::string, std::vector<std::pair<std::string, std::vector<std::string>>>> problems;
  const auto problem = [&problems](const std::string& benchmark, const std::string& what, const std::string& where) {
    auto& list = problems[benchmark];
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.first == what; });
    if (it == list.end()) it = list.insert(list.end(), {what, {}});
    it->second.push_back(where);
  };

  bool inferred_run_type = false;
  std::size_t complexity = 0;
  for (const io::JsonValue& item : items) {
    if (!item.is_object()) {
      file.notes.push_back(fmt::format("{}: not an object: left out", item.pointer()));
      continue;
    }
    const EntryReader entry(item);
    if (entry.name().empty()) {
      file.notes.push_back(fmt::format("{}: no \"name\" (or not a non-empty string): left out", item.pointer()));
      continue;
    }
    const EntryKind kind = classify(entry, names);
    if (!item.raw().contains("run_type")) inferred_run_type = true;
    if (kind.kind == EntryKind::complexity) {
      ++complexity;
      continue;
    }
    BenchmarkSamples& samples = samples_of(kind.benchmark);
    const std::string where = fmt::format("{}", item.pointer());
    if (kind.kind == EntryKind::unknown) {
      problem(samples.name,
              fmt::format("unknown run_type \"{}\" (expected iteration or aggregate): entry left out",
                          kind.unknown_run_type),
              where);
      continue;
    }

    const json& raw = entry.entry().raw();
    const auto flag = [&raw](const char* key) {
      const auto it = raw.find(key);
      return it != raw.end() && it->is_boolean() && it->get<bool>();
    };
    const auto text_of = [&raw](const char* key) {
      const auto it = raw.find(key);
      return it != raw.end() && it->is_string() ? it->get<std::string>() : std::string("(no message)");
    };
    if (kind.kind == EntryKind::iteration && flag("error_occurred")) {
      samples.error_message = text_of("error_message");
      continue;
    }
    if (flag("skipped")) {
      if (kind.kind == EntryKind::iteration) samples.skip_message = text_of("skip_message");
      continue;
    }

    // The unit: every version from 1.4 writes it next to the times; where it
    // is absent, Google Benchmark's default unit (kNanosecond) is assumed.
    double scale = 1;
    if (const auto unit = entry.entry().optional_string("time_unit")) {
      try {
        scale = nanoseconds_per(*unit);
      } catch (const std::invalid_argument& e) {
        problem(samples.name,
                fmt::format("{}: {} left out", e.what(), kind.kind == EntryKind::aggregate ? "aggregate" : "repetition"),
                where);
        continue;
      }
    } else {
      add_once(samples.missing, "no \"time_unit\": times read as ns (Google Benchmark's default unit)");
    }

    if (kind.kind == EntryKind::aggregate) {
      GbenchAggregate aggregate;
      // "percentage" (cv, 1.6+): a fraction, not a time.
      aggregate.percentage = entry.entry().optional_string("aggregate_unit").value_or("time") == "percentage" ||
                             (!raw.contains("aggregate_unit") && kind.aggregate_name == "cv");
      const double per = aggregate.percentage ? 1 : scale;
      if (entry.entry().find("real_time")) aggregate.real = entry.time_ns("real_time", per);
      if (entry.entry().find("cpu_time")) aggregate.cpu = entry.time_ns("cpu_time", per);
      samples.aggregates[kind.aggregate_name] = aggregate;
      continue;
    }

    bool complete = true;
    for (const char* key : {"real_time", "cpu_time"}) {
      if (!raw.contains(key)) {
        problem(samples.name, fmt::format("no \"{}\": repetition left out", key), where);
        complete = false;
      }
    }
    if (!complete) continue;
    samples.real_ns.push_back(entry.time_ns("real_time", scale));
    samples.cpu_ns.push_back(entry.time_ns("cpu_time", scale));
    samples.noise.push_back(entry.noise());
    // User counters: counts, rates and ratios of counts, never negative. One
    // that is not a number (NaN or Infinity, read as null) is missing here.
    // The noise_* figures describe the machine, not the code: they are in
    // `noise` (a noise_* name this build does not know is left out too, so a
    // newer writer's figure never poses as a counter of the benchmark).
    for (const auto& [key, value] : entry.entry().members()) {
      if (kStandardFields.count(key) != 0 || !value.is_number()) continue;
      if (std::string_view(key).starts_with(engram::noise::field::kPrefix)) continue;
      samples.counters[key].push_back(value.non_negative());
    }
  }

  for (BenchmarkSamples& b : file.benchmarks) {
    for (const auto& [what, where] : problems[b.name]) {
      constexpr std::size_t kShown = 3;
      const std::vector<std::string> shown(where.begin(), where.begin() + std::min(where.size(), kShown));
      b.missing.push_back(fmt::format("{} ({}{}{})", what, where.size() == 1 ? "" : fmt::format("{} entries: ", where.size()),
                                      fmt::join(shown, ", "), where.size() > kShown ? ", ..." : ""));
    }
    if (b.repetitions() > 0 || !b.error_message.empty()) continue;
    if (!b.aggregates.empty()) {
      b.missing.insert(b.missing.begin(),
                       fmt::format("no repetitions, only Google Benchmark's aggregates ({}; written with "
                                   "--benchmark_report_aggregates_only): nothing to test or resample",
                                   fmt::join(aggregate_names(b), ", ")));
    } else if (b.skip_message.empty() && b.missing.empty()) {
      b.missing.push_back("no repetition in the file");
    }
  }
  if (inferred_run_type) {
    file.notes.push_back(
        "no \"run_type\" (Google Benchmark before 1.5): aggregates recognised by their name suffix (_mean, "
        "_median, _stddev, _cv)");
  }
  if (complexity > 0) {
    file.notes.push_back(fmt::format("{} complexity result{} (_BigO, _RMS: coefficients, not times) not read",
                                     complexity, complexity == 1 ? "" : "s"));
  }

  if (file.benchmarks.empty()) {
    throw BenchmarkJsonError(fmt::format(
        "{}: no benchmark results (\"benchmarks\" {}{})", source,
        items.empty() ? "is empty: did the filter match nothing?" : "names no benchmark",
        file.notes.empty() ? std::string() : fmt::format(": {}", fmt::join(file.notes, "; "))));
  }
  return file;
}

BenchmarkFile read_benchmark_json(const std::filesystem::path& path) {
  // The one reading layer: a missing file, a folder, an empty or too large
  // file (a FIFO included) are refused naming the file, like every input.
  const std::string text =
      io::read_input_file(path, "Google Benchmark JSON, from --benchmark_out=FILE --benchmark_out_format=json");
  return parse_benchmark_json(text, path.string());
}

}  // namespace engram::benchstats
