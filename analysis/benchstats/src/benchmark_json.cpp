#include "engram/benchstats/benchmark_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
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
    "error_message", "label"};


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
  for (const auto& b : benchmarks) {
    if (b.name == name) return &b;
  }
  return nullptr;
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

  std::size_t aggregates = 0;
  for (const io::JsonValue& item : parsed.at("benchmarks").elements()) {
    const EntryReader entry(item);
    if (entry.name().empty()) entry.fail("missing field \"name\" (or not a non-empty string)");
    const std::string run_type = entry.string_field("run_type");
    if (run_type == "aggregate") {
      ++aggregates;
      continue;
    }
    if (run_type != "iteration") entry.fail(fmt::format("unknown run_type \"{}\"", run_type));

    BenchmarkSamples* samples = nullptr;
    for (auto& b : file.benchmarks) {
      if (b.name == entry.name()) samples = &b;
    }
    if (samples == nullptr) {
      file.benchmarks.push_back({});
      samples = &file.benchmarks.back();
      samples->name = entry.name();
    }

    const json& raw = entry.entry().raw();
    const auto error = raw.find("error_occurred");
    if (error != raw.end() && error->is_boolean() && error->get<bool>()) {
      const auto message = raw.find("error_message");
      samples->error_message = message != raw.end() && message->is_string() ? message->get<std::string>() : "(no message)";
      continue;
    }

    double scale = 0;
    try {
      scale = nanoseconds_per(entry.string_field("time_unit"));
    } catch (const std::invalid_argument& e) {
      entry.fail(e.what());
    }
    samples->real_ns.push_back(entry.time_ns("real_time", scale));
    samples->cpu_ns.push_back(entry.time_ns("cpu_time", scale));
    samples->noise.push_back(entry.noise());
    // User counters: counts, rates and ratios of counts, never negative. One
    // that is not a number (NaN or Infinity, read as null) is missing here.
    // The noise_* figures describe the machine, not the code: they are in
    // `noise` (a noise_* name this build does not know is left out too, so a
    // newer writer's figure never poses as a counter of the benchmark).
    for (const auto& [key, value] : entry.entry().members()) {
      if (kStandardFields.count(key) != 0 || !value.is_number()) continue;
      if (std::string_view(key).starts_with(engram::noise::field::kPrefix)) continue;
      samples->counters[key].push_back(value.non_negative());
    }
  }

  const bool any_samples = std::any_of(file.benchmarks.begin(), file.benchmarks.end(),
                                       [](const BenchmarkSamples& b) { return !b.error_message.empty() || b.repetitions() > 0; });
  if (!any_samples) {
    if (aggregates > 0) {
      throw BenchmarkJsonError(fmt::format(
          "{}: only aggregates (mean/median/...) and no repetitions: rerun without "
          "--benchmark_report_aggregates_only / --benchmark_display_aggregates_only",
          source));
    }
    throw BenchmarkJsonError(fmt::format("{}: no benchmark results (\"benchmarks\" is empty: did the filter match nothing?)",
                                         source));
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
