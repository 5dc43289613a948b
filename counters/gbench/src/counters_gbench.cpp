#include "engram/counters_gbench.hpp"
#include "engram/gbench_out_file.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"
#include "gbench_internal.hpp"

namespace engram::gbench {
namespace {

using Clock = std::chrono::steady_clock;
using Run = benchmark::BenchmarkReporter::Run;

struct Global {
  detail::Settings settings;
  std::optional<counters::CounterSet> set;
  std::unique_ptr<detail::LoopHooks> hooks;
  std::string program = "benchmark";
};

Global& global() {
  static Global g;
  return g;
}

// The user counter a counted loop's runs carry until our reporter sees them.
constexpr std::string_view kCountedMarker = "engram.counted_loop";

// Our messages go to stderr: stdout may carry Google Benchmark's JSON.
void say(const std::string& text) {
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

std::string fixed(double value, int decimals) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << value;
  return out.str();
}

std::string self_executable() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find this program's own path (/proc/self/exe): " + ec.message());
  return path.string();
}

bool valgrind_on_path() {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "";
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (!dir.empty() && ::access((dir + "/valgrind").c_str(), X_OK) == 0) return true;
  }
  return false;
}

// ------------------------------------------------------------- the loops

// A native run: the counter set around each loop, its values per iteration.
class NativeHooks : public detail::LoopHooks {
 public:
  explicit NativeHooks(counters::CounterSet& set) : set_(set) {}
  bool loop_begins(benchmark::State&) override {
    set_.reset();
    set_.start();
    return false;
  }
  bool next_iteration(benchmark::State&) override { return true; }
  void loop_ends(benchmark::State& state) override {
    set_.stop();
    detail::publish(state.counters, set_.read(), static_cast<double>(state.iterations()));
    // Says which runs came from a counted loop: Google Benchmark 1.7 gives a
    // loop no name, and with interleaved repetitions other benchmarks' loops
    // run between a benchmark's runs and their report. Taken out again
    // before any reporter sees the runs (take_counted_marker).
    state.counters[std::string(kCountedMarker)] = benchmark::Counter(1);
  }

 private:
  counters::CounterSet& set_;
};

// Takes the marker out of every run (repetitions and Google Benchmark's
// aggregates of it); true when one of them carried it.
bool take_counted_marker(std::vector<Run>& runs) {
  bool counted = false;
  for (Run& run : runs) counted = run.counters.erase(std::string(kCountedMarker)) > 0 || counted;
  return counted;
}

// A callgrind child: one uncollected warm-up iteration, then `limit`
// collected ones (callgrind's collection switched by the set's start and
// stop), across as many of Google Benchmark's runs as that takes; then the
// benchmark is ended with SkipWithError.
class ChildHooks : public detail::LoopHooks {
 public:
  ChildHooks(counters::CounterSet& set, std::uint64_t limit) : set_(set), limit_(limit) {}
  bool loop_begins(benchmark::State&) override { return true; }
  bool next_iteration(benchmark::State& state) override {
    if (collected_ >= limit_) {
      stop();
      state.SkipWithError("engram: the callgrind child collected its iterations");
      return false;
    }
    if (!warmed_) {
      warmed_ = true;
      return true;
    }
    if (!collecting_) {
      set_.start();
      collecting_ = true;
    }
    ++collected_;
    return true;
  }
  void loop_ends(benchmark::State&) override { stop(); }
  std::uint64_t collected() const { return collected_; }

 private:
  void stop() {
    if (collecting_) set_.stop();
    collecting_ = false;
  }
  counters::CounterSet& set_;
  std::uint64_t limit_;
  std::uint64_t collected_ = 0;
  bool warmed_ = false;
  bool collecting_ = false;
};

// ------------------------------------------------------------ simulation

struct ChildResult {
  bool ok = false;
  std::uint64_t iterations = 0;
  counters::CallgrindCounts counts;
  std::string error;
};

// The simulated counts of each benchmark that used counted(): one callgrind
// child per benchmark name, run when its first run is reported, kept for
// its later repetitions and for the other reporter.
class Simulation {
 public:
  Simulation(const detail::Settings& settings, counters::Reading statuses, std::vector<std::size_t> simulated)
      : settings_(settings), statuses_(std::move(statuses)), simulated_(std::move(simulated)), self_(self_executable()) {}

  // `counted`: the runs came from a counted loop (take_counted_marker).
  void complete(std::vector<Run>& runs, bool counted) {
    if (runs.empty()) return;
    const std::string name = runs.front().run_name.str();
    if (counted) counted_.insert(name);
    if (!counted_.count(name)) return;
    const ChildResult& result = result_for(name);
    if (!result.ok) return;
    const auto values = detail::simulated_per_iteration(statuses_, simulated_, result.counts, result.iterations);
    for (Run& run : runs) {
      if (!run.error_occurred) detail::add_to_run(run, values);
    }
  }

  bool failed() const { return failed_; }
  // {benchmark: iterations its child collected}
  nlohmann::json iterations_json() const {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, result] : results_) {
      if (result.ok) out[name] = result.iterations;
    }
    return out;
  }

 private:
  const ChildResult& result_for(const std::string& name) {
    if (const auto it = results_.find(name); it != results_.end()) return it->second;
    ChildResult result;
    const auto start = Clock::now();
    say(global().program + ": simulating " + name + " under callgrind (" +
        std::to_string(settings_.simulation_iterations) + " iterations after a warm-up, ~100x slower) ...\n");
    try {
      counters::CallgrindRunOptions options;
      options.timeout = std::chrono::seconds(900);
      const counters::CallgrindRun run =
          counters::run_under_callgrind(detail::child_argv(self_, settings_, name), options);
      const auto collected = detail::child_collected(run.program_stdout);
      if (!collected) {
        result.error = "the child did not report its iterations (did its main() call engram::gbench::initialize?)";
      } else if (*collected == 0) {
        result.error = "the child collected no iteration (the benchmark ran a single iteration, its warm-up)";
      } else {
        result.ok = true;
        result.iterations = *collected;
        result.counts = run.profile.total();
      }
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (result.ok) {
      say(global().program + ":   " + name + ": " + std::to_string(result.iterations) + " iterations simulated in " +
          fixed(seconds, 1) + " s\n");
    } else {
      failed_ = true;
      say(global().program + ": error: simulating " + name + " failed: " + result.error +
          "; its simulated counters are left out of the results\n");
    }
    return results_.emplace(name, std::move(result)).first->second;
  }

  const detail::Settings& settings_;
  counters::Reading statuses_;
  std::vector<std::size_t> simulated_;
  std::string self_;
  std::map<std::string, ChildResult> results_;
  std::set<std::string> counted_;
  bool failed_ = false;
};

// Hands each report to `inner` with the simulated counts added.
class SimulatingReporter : public benchmark::BenchmarkReporter {
 public:
  SimulatingReporter(benchmark::BenchmarkReporter* inner, Simulation* simulation)
      : inner_(inner), simulation_(simulation) {}
  bool ReportContext(const Context& context) override { return inner_->ReportContext(context); }
  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> completed = runs;
    const bool counted = take_counted_marker(completed);
    if (simulation_) simulation_->complete(completed, counted);
    inner_->ReportRuns(completed);
  }
  void Finalize() override { inner_->Finalize(); }

 private:
  benchmark::BenchmarkReporter* inner_;
  Simulation* simulation_;
};

// The statuses the context gives, before anything runs: what each counter
// was opened as, with simulation as it will be done (or why it cannot be).
counters::Reading context_statuses(const counters::CounterSet& set, const detail::Settings& settings,
                                   std::vector<std::size_t>& simulated, bool& will_simulate) {
  counters::Reading statuses = set.read();
  for (std::size_t i = 0; i < statuses.counters.size(); ++i) {
    if (statuses.counters[i].backend == counters::Backend::simulated) simulated.push_back(i);
  }
  will_simulate = !simulated.empty();
  if (will_simulate && !valgrind_on_path()) {
    will_simulate = false;
    for (const std::size_t i : simulated) {
      auto& c = statuses.counters[i];
      // The library's words say how a caller would simulate it; here it cannot be.
      if (const auto at = c.reason.find("simulated by callgrind ("); at != std::string::npos) {
        c.reason.erase(c.reason.rfind("; ", at) == std::string::npos ? at : c.reason.rfind("; ", at));
      }
      c.reason += std::string(c.reason.empty() ? "" : "; ") +
                  "callgrind could simulate it, but valgrind is not installed";
      c.fix = "sudo apt-get install valgrind (or --counters-sim=never to leave it out)";
    }
  }
  if (will_simulate) {
    // The statuses and formulas merge_simulated gives; the values are the
    // children's, per benchmark, added as the runs are reported.
    counters::CallgrindCounts any;
    for (const char* event : {"Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw", "Bc", "Bcm", "Bi", "Bim"})
      any.events[event] = 0;
    statuses.merge_simulated(any);
    for (const std::size_t i : simulated) {
      statuses.counters[i].reason += " in a child of this program per benchmark, " +
                                     std::to_string(settings.simulation_iterations) +
                                     " iterations after one warm-up";
    }
  }
  return statuses;
}

int run_child() {
  Global& g = global();
  benchmark::RunSpecifiedBenchmarks();
  const auto* hooks = dynamic_cast<const ChildHooks*>(g.hooks.get());
  std::cout << detail::kChildReport << (hooks ? hooks->collected() : 0) << std::endl;
  return io::kExitOk;
}

int run_parent() {
  Global& g = global();
  const detail::Settings& settings = g.settings;
  // A --benchmark_out that cannot be written fails now, before any work.
  BenchmarkOutFile out(settings.out_path, settings.out_format);

  std::optional<Simulation> simulation;
  if (g.set) {
    std::vector<std::size_t> simulated;
    bool will_simulate = false;
    counters::Reading statuses = context_statuses(*g.set, settings, simulated, will_simulate);
    benchmark::AddCustomContext("engram.counters", counters::statuses_json(statuses));
    benchmark::AddCustomContext("engram.counter_overhead_ns", fixed(g.set->overhead_ns(), 1));
    for (const auto& c : statuses.counters) {
      if (c.status == counters::Status::counted) continue;
      say(g.program + ": " + c.requested + ": " + std::string(counters::to_string(c.status)) + ": " + c.reason +
          (c.value || c.status == counters::Status::simulated ? "" : ". It is left out of the results, never printed as 0")
          + (c.fix.empty() ? "" : ". Fix: " + c.fix) + "\n");
    }
    if (will_simulate) simulation.emplace(settings, std::move(statuses), std::move(simulated));
  }
  Simulation* sim = simulation ? &*simulation : nullptr;
  // Google Benchmark's display reporter (--benchmark_format, --benchmark_color,
  // --benchmark_counters_tabular); it owns it.
  SimulatingReporter shown(benchmark::CreateDefaultDisplayReporter(), sim);
  std::optional<SimulatingReporter> written;
  if (out.reporter()) written.emplace(out.reporter(), sim);
  const std::size_t matched = benchmark::RunSpecifiedBenchmarks(&shown, written ? &*written : nullptr);
  if (sim) out.add_context("engram.simulated_iterations", sim->iterations_json().dump());
  out.commit();
  if (matched == 0) return io::kExitBadInput;  // Google Benchmark said which filter matched nothing
  if (sim && sim->failed()) return io::kExitFailure;
  return io::kExitOk;
}

}  // namespace

std::optional<int> initialize(int* argc, char** argv) {
  Global& g = global();
  if (argc && *argc > 0 && argv[0]) g.program = std::filesystem::path(argv[0]).filename().string();
  try {
    g.settings = detail::take_options(argc, argv);
    if (g.settings.help) {
      benchmark::PrintDefaultHelp();
      std::fputs(detail::help_text().c_str(), stdout);
      return io::kExitOk;
    }
    if (g.settings.child_iterations > 0) {
      // Only the collection switches matter here: the counts come from
      // callgrind, and empty overhead pairs would add their own instructions.
      counters::Options options;
      options.simulation = counters::SimulationMode::only;
      options.overhead_pairs = 0;
      g.set.emplace(counters::CounterSet::open({"TOT_INS"}, options));
      g.hooks = std::make_unique<ChildHooks>(*g.set, g.settings.child_iterations);
    } else if (!g.settings.counters.empty()) {
      counters::Options options;
      options.simulation = g.settings.simulation;
      // A hardware event that opens but never counts (an emulated or
      // virtual PMU) must not print as a measured 0.
      options.validate_hardware = true;
      try {
        g.set.emplace(counters::CounterSet::open(g.settings.counters, options));
      } catch (const counters::CounterListError& e) {
        std::string message = std::string("--counters: ") + e.what();
        if (message.find("ecount list") == std::string::npos) {
          message += " (`ecount list` shows every counter name and its status here)";
        }
        throw io::UsageError(message);
      }
      for (const auto& note : g.set->notes()) say(g.program + ": note: " + note + "\n");
      g.hooks = std::make_unique<NativeHooks>(*g.set);
    }
  } catch (...) {
    return io::report_current_exception(g.program);
  }
  return std::nullopt;
}

int run_specified_benchmarks() {
  Global& g = global();
  const int code =
      io::run_tool(g.program, [&] { return g.settings.child_iterations > 0 ? run_child() : run_parent(); });
  // The counter set is closed here, not by static destruction at exit: the
  // perf_event layer it calls on closing is a static of its own, and may be
  // gone by then (UBSan saw the call on a destroyed object).
  g.hooks.reset();
  g.set.reset();
  return code;
}

namespace detail {

LoopHooks* loop_hooks() { return global().hooks.get(); }

void install_loop_hooks(std::unique_ptr<LoopHooks> hooks) { global().hooks = std::move(hooks); }


}  // namespace detail
}  // namespace engram::gbench
