// baseline: each engram kernel (reference, optimized) timed beside its peers
// under Google Benchmark, with counters per iteration. Counters the hardware
// cannot count are simulated by callgrind in child processes (--sim) or
// reported with the reason; a missing counter is never printed as 0.
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdlib>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engram/baseline_options.hpp"
#include "engram/bench_simulation.hpp"
#include "engram/bench_suite.hpp"
#include "engram/counters.hpp"
#include "engram/gbench_out_file.hpp"
#include "engram/io/cli.hpp"
#include "engram/machine_snapshot.hpp"
#include "engram/simd.hpp"
#include "engram/work_counters.hpp"
#include "engram/workload_manifest.hpp"
#include "engram/workload_models.hpp"
#include "engram/measurement_setup.hpp"
#include "engram/noise.hpp"
#include "engram/rerun_plan.hpp"
#include "src/multi_pass_reporter.hpp"

namespace {

using namespace engram;
using namespace engram::bench;
using Clock = std::chrono::steady_clock;

// stdout may carry Google Benchmark's JSON: everything of ours goes to stderr.
template <typename... Args>
void say(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, format, std::forward<Args>(args)...);
  std::fflush(stderr);
}

std::string self_executable(const char* argv0) {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(argv0) : path.string();
}

counters::SimulationMode to_counters_mode(SimulationMode mode) {
  switch (mode) {
    case SimulationMode::kNever: return counters::SimulationMode::never;
    case SimulationMode::kOnly: return counters::SimulationMode::only;
    default: return counters::SimulationMode::automatic;
  }
}

// Untimed calls of the body before the timed loop, for at least `ms`
// milliseconds: the repetition then starts with its own kernel's data in the
// caches and its branches learnt, whatever ran before it (with random
// interleaving, another benchmark's). A variant that must be reset every N
// calls is reset after, so the timed loop starts from its initial state.
void warm_up(const Variant& v, double ms) {
  if (ms <= 0) return;
  const auto until = Clock::now() + std::chrono::duration<double, std::milli>(ms);
  std::uint64_t calls = 0;
  do {
    v.run();
    if (v.reset_every != 0 && ++calls % v.reset_every == 0) v.reset();
  } while (Clock::now() < until);
  if (v.reset_every != 0) v.reset();
}

// The repetition's noise as user counters (plain values, not rates); a
// figure this machine cannot measure is left out, never written as 0.
void record_noise(benchmark::State& state, const noise::NoiseSample& sample, std::optional<double> memory_probe_ns,
                  const noise::Thresholds& thresholds, unsigned pass) {
  namespace field = noise::field;
  const auto put = [&](std::string_view name, std::optional<double> value) {
    if (value) state.counters[std::string(name)] = benchmark::Counter(*value);
  };
  put(field::kWallNs, sample.wall_ns);
  put(field::kCpuNs, sample.cpu_ns);
  put(field::kStealNs, sample.steal_ns);
  put(field::kRunDelayNs, sample.run_delay_ns);
  put(field::kInvoluntarySwitches, sample.involuntary_switches);
  put(field::kCpuMigrations, sample.cpu_migrations);
  put(field::kLoadavg, sample.loadavg);
  put(field::kMemoryProbeNs, memory_probe_ns);
  put(field::kMemorySlowdown, sample.memory_slowdown);
  put(field::kDisturbed, noise::disturbances(sample, thresholds).empty() ? 0.0 : 1.0);
  put(field::kRerun, static_cast<double>(pass));
}

// What one start() and stop() of the probe cost here (the median of 101):
// outside every timed loop, but part of each repetition's wall time.
double probe_cost_ns(noise::NoiseProbe& probe) {
  std::vector<double> costs;
  for (int i = 0; i < 101; ++i) {
    const auto begin = Clock::now();
    probe.start();
    probe.stop();
    costs.push_back(std::chrono::duration<double, std::nano>(Clock::now() - begin).count());
  }
  std::nth_element(costs.begin(), costs.begin() + 50, costs.end());
  return costs[50];
}

nlohmann::json thresholds_json(const noise::Thresholds& t) {
  return {{"max_steal_fraction", t.max_steal_fraction},
          {"max_run_delay_fraction", t.max_run_delay_fraction},
          {"max_involuntary_switches_per_second", t.max_involuntary_switches_per_second},
          {"max_cpu_migrations", t.max_cpu_migrations},
          {"max_wall_over_cpu", t.max_wall_over_cpu},
          {"max_loadavg", t.max_loadavg ? nlohmann::json(*t.max_loadavg) : nlohmann::json(nullptr)},
          {"max_memory_slowdown",
           t.max_memory_slowdown ? nlohmann::json(*t.max_memory_slowdown) : nlohmann::json(nullptr)}};
}

// --benchmark_repetitions among Google Benchmark's flags (1 without it).
std::size_t requested_repetitions(const std::vector<std::string>& benchmark_args) {
  std::size_t repetitions = 1;
  for (const auto& arg : benchmark_args) {
    if (arg.starts_with("--benchmark_repetitions=")) repetitions = std::stoul(arg.substr(24));
  }
  return repetitions;
}

void print_list() {
  std::cout << "Benchmarks (KERNEL/VARIANT):\n";
  for (const auto& name : benchmark_names()) std::cout << "  " << name << "\n";
  std::cout << "\nCounters on this machine (backend, status):\n";
  for (const auto& c : counters::list_counters()) {
    std::cout << fmt::format("  {:<44} {:<10} {:<13} {}\n", c.name, counters::to_string(c.backend),
                             counters::to_string(c.status), c.reason);
  }
  std::cout << "\nFor why a counter is missing and how to fix it: ecount doctor\n";
}

// Runs each selected benchmark's body under callgrind, two at a time, with a
// progress line per benchmark.
std::map<std::string, SimulatedCounts> simulate(const std::vector<std::string>& selected,
                                                const std::map<std::string, WorkModel>& work,
                                                const BaselineOptions& options, const std::string& self) {
  const unsigned workers = std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  say("baseline: simulating {} benchmarks under callgrind (cache + branch simulation, ~100x slower), "
      "{} at a time\n", selected.size(), workers);
  std::map<std::string, SimulatedCounts> results;
  std::mutex mutex;
  std::size_t next = 0, done = 0;
  std::exception_ptr failure;
  const auto worker = [&] {
    for (;;) {
      std::string name;
      {
        std::lock_guard lock(mutex);
        if (next == selected.size() || failure) return;
        name = selected[next++];
      }
      try {
        const auto start = Clock::now();
        const auto iterations = simulation_iterations(work.at(split_benchmark_name(name).first),
                                                      name == options.slow_variant ? options.slow_factor : 0);
        counters::CallgrindRunOptions run_options;
        // Build the inputs uninstrumented; the child starts instrumentation
        // just before its collected loop.
        run_options.extra_valgrind_arguments = {"--instr-atstart=no"};
        const auto run =
            counters::run_under_callgrind(simulation_child_argv(self, options, name, iterations), run_options);
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        std::lock_guard lock(mutex);
        results[name] = SimulatedCounts{iterations, run.profile.total()};
        say("  [{}/{}] {:<45} {:>3} iterations simulated in {:5.1f} s\n", ++done, selected.size(), name,
            iterations, seconds);
      } catch (...) {
        std::lock_guard lock(mutex);
        failure = std::current_exception();
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < workers; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  return results;
}

int run(int argc, char** argv) {
  const auto start = Clock::now();
  BaselineOptions options;
  try {
    options = parse_baseline_options(argc, argv);
  } catch (const OptionError& e) {
    throw engram::io::UsageError(e.what());
  }
  if (options.help) {
    std::cout << baseline_help(argv[0]);
    return engram::io::kExitOk;
  }
  // Peers run single-threaded, like our kernels.
  setenv("OPENBLAS_NUM_THREADS", "1", 1);
  openblas_set_num_threads(1);

  if (!options.simulate_child.empty()) return run_simulation_child(options);
  if (options.list) {
    print_list();
    return 0;
  }
  const std::string filter = benchmark_filter(options);
  std::vector<std::string> selected;
  for (const auto& name : benchmark_names()) {
    if (filter_matches(filter, name)) selected.push_back(name);
  }
  if (selected.empty()) {
    throw engram::io::UsageError("--benchmark_filter=" + filter + " matches no benchmark (see --list)");
  }
  if (!options.slow_variant.empty()) {
    const auto all = benchmark_names();
    if (std::find(all.begin(), all.end(), options.slow_variant) == all.end()) {
      throw engram::io::UsageError("--slow=" + options.slow_variant + " is not a benchmark (see --list)");
    }
  }
  if (options.pin_cpu != "none" && options.pin_cpu != "auto") {
    const auto allowed = noise::allowed_cpus();
    if (std::find(allowed.begin(), allowed.end(), std::stoi(options.pin_cpu)) == allowed.end()) {
      throw engram::io::UsageError(fmt::format("--pin-cpu={}: this process may run on CPUs {} only",
                                               options.pin_cpu, fmt::join(allowed, ",")));
    }
  }
  // --benchmark_out through the safe write; a path that cannot be written
  // fails here, before any work.
  engram::gbench::BenchmarkOutFile out_file(options.benchmark_args);

  // Open the counters first: an unknown name is a usage error, before any work.
  std::optional<counters::CounterSet> set;
  if (!options.counters.empty()) {
    counters::Options counter_options;
    counter_options.simulation = to_counters_mode(options.sim);
    // A hardware event that opens but never counts (an emulated or virtual
    // PMU) must not print as a measured 0.
    counter_options.validate_hardware = true;
    try {
      set.emplace(counters::CounterSet::open(options.counters, counter_options));
    } catch (const counters::CounterListError& e) {
      throw engram::io::UsageError(e.what());  // a bad --counters value
    }
    for (const auto& note : set->notes()) say("baseline: note: {}\n", note);
  }

  // Before any kernel array exists: its pages must be the ceilings run's.
  MeasurementSetup setup = prepare_process(options.warmup_ms);

  // Build each selected kernel's inputs once and check every variant
  // against the reference before anything is timed; then measure each
  // selected benchmark's work per iteration (one more untimed call) for
  // the workload manifest.
  const SuiteOptions suite{options.seed, options.slow_variant, options.slow_factor};
  std::vector<std::unique_ptr<KernelBenchmark>> kernels;
  std::set<std::string> needed;
  for (const auto& name : selected) needed.insert(split_benchmark_name(name).first);
  WorkloadManifest workload;
  const auto is_selected = [&](const std::string& name) {
    return std::find(selected.begin(), selected.end(), name) != selected.end();
  };
  for (const auto& kernel : kernel_names()) {
    if (!needed.count(kernel)) continue;
    kernels.push_back(std::make_unique<KernelBenchmark>(make_kernel_benchmark(kernel, suite)));
    verify_answers(*kernels.back());
    for (auto& entry : workload_entries(*kernels.back(), is_selected)) workload.benchmarks.push_back(std::move(entry));
  }
  say("baseline: every variant agrees with the reference on {} kernel(s); SIMD level {}\n", kernels.size(),
      simd_level_name(active_simd_level()));

  std::map<std::string, SimulatedCounts> simulated;
  if (set && set->needs_simulation()) {
    std::map<std::string, WorkModel> work;
    for (const auto& k : kernels) work[k->kernel] = k->work;
    simulated = simulate(selected, work, options, self_executable(argv[0]));
  }

  std::map<std::string, std::string> overhead_notes;  // the last run of each benchmark
  counters::Reading status_reading;
  if (set) {
    status_reading = set->read();
    if (!simulated.empty()) status_reading.merge_simulated(simulated.begin()->second.counts);
  }
  // Noise around every timed loop, measured on this thread: Google Benchmark
  // runs single-threaded benchmarks on the thread that calls it.
  noise::NoiseProbe probe;
  const double probe_ns = probe_cost_ns(probe);
  std::unique_ptr<noise::MemoryProbe> memory;
  if (options.memory_probe_mib > 0) memory = std::make_unique<noise::MemoryProbe>(options.memory_probe_mib << 20);
  unsigned pass = 0;  // 0: the first pass; k: the k-th re-run pass
  std::map<std::string, std::function<benchmark::internal::Benchmark*()>> registrars;
  for (const auto& kernel : kernels) {
    for (const auto& variant : kernel->variants) {
      const std::string name = kernel->kernel + "/" + variant.name;
      if (std::find(selected.begin(), selected.end(), name) == selected.end()) continue;
      const KernelBenchmark* k = kernel.get();
      const Variant* v = &variant;
      const SimulatedCounts* sim = simulated.count(name) ? &simulated.at(name) : nullptr;
      counters::CounterSet* counter_set = set ? &*set : nullptr;
      const double warmup_ms = options.warmup_ms;
      const noise::Thresholds thresholds = options.noise;
      noise::MemoryProbe* memory_probe = memory.get();
      auto body = [=, &overhead_notes, &probe, &pass](benchmark::State& state) {
        // The memory probe first: it fills the caches with its buffer, and
        // the warm-up then gives them back to the kernel.
        const double memory_before = memory_probe ? memory_probe->read_ns() : 0;
        warm_up(*v, warmup_ms);
        const WorkCounts work_before = work_counts();
        probe.start();
        if (counter_set) {
          counter_set->reset();
          counter_set->start();
        }
        const auto region_start = Clock::now();
        std::uint64_t n = 0;
        for (auto _ : state) {
          v->run();
          if (v->reset_every != 0 && ++n % v->reset_every == 0) {
            state.PauseTiming();
            v->reset();
            state.ResumeTiming();
          }
        }
        const double region_ns = std::chrono::duration<double, std::nano>(Clock::now() - region_start).count();
        if (counter_set) counter_set->stop();
        noise::NoiseSample sample = probe.stop();
        std::optional<double> memory_ns;
        if (memory_probe) {
          memory_ns = std::max(memory_before, memory_probe->read_ns());
          sample.memory_slowdown = *memory_ns / memory_probe->fastest_ns() - 1;
        }
        record_noise(state, sample, memory_ns, thresholds, pass);
        const auto iterations = static_cast<double>(state.iterations());
        state.SetItemsProcessed(static_cast<std::int64_t>(iterations * k->work.items));
        state.SetBytesProcessed(static_cast<std::int64_t>(iterations * k->work.bytes));
        state.counters["FLOP/s"] = benchmark::Counter(iterations * k->work.flops, benchmark::Counter::kIsRate);
        if (v->engram_kernel) {
          const WorkCounts sde = work_counts() - work_before;
          state.counters["sde_bytes/s"] = benchmark::Counter(
              static_cast<double>(sde.bytes_read + sde.bytes_written), benchmark::Counter::kIsRate);
        }
        if (!counter_set) return;
        counters::Reading reading = counter_set->read();
        if (sim) reading = merge_simulated_counts(std::move(reading), *sim, state.iterations());
        for (const auto& c : reading.counters) {
          if (c.value) state.counters[c.requested] = benchmark::Counter(*c.value, benchmark::Counter::kAvgIterations);
        }
        for (const auto& d : reading.derived) {
          if (d.value) state.counters[d.name] = *d.value;
        }
        if (region_ns < 100.0 * counter_set->overhead_ns()) {
          overhead_notes[name] = (fmt::format("{}: timed region {:.0f} ns is under 100x the counter overhead "
                                               "({:.0f} ns); its counts are dominated by it",
                                               name, region_ns, counter_set->overhead_ns()));
        } else {
          overhead_notes.erase(name);
        }
      };
      registrars[name] = [name, body] {
        return benchmark::RegisterBenchmark(name.c_str(), body)->Unit(benchmark::kMicrosecond);
      };
      registrars[name]();
    }
  }

  // Google Benchmark sees only its own flags.
  std::vector<char*> gb_argv;
  for (auto& a : options.benchmark_args) gb_argv.push_back(a.data());
  int gb_argc = static_cast<int>(gb_argv.size());
  gb_argv.push_back(nullptr);
  benchmark::Initialize(&gb_argc, gb_argv.data());
  if (benchmark::ReportUnrecognizedArguments(gb_argc, gb_argv.data())) return engram::io::kExitBadInput;

  benchmark::AddCustomContext("engram.simd_level", std::string(simd_level_name(active_simd_level())));
  if (!options.machine_out.empty()) {
    // The machine as the measurements find it, before they run.
    counters::MachineSnapshot machine = counters::take_machine_snapshot();
    machine.simd_level = std::string(simd_level_name(active_simd_level()));
    counters::write_machine_snapshot(options.machine_out, machine);
    say("baseline: machine snapshot written to {}\n", options.machine_out);
  }
  benchmark::AddCustomContext("engram.seed", std::to_string(options.seed));
  benchmark::AddCustomContext("engram.workload", to_json(workload).dump());
  if (set) {
    benchmark::AddCustomContext("engram.counters", counters::statuses_json(status_reading));
    benchmark::AddCustomContext("engram.counter_overhead_ns", fmt::format("{:.1f}", set->overhead_ns()));
    nlohmann::json iterations = nlohmann::json::object();
    for (const auto& [name, s] : simulated) iterations[name] = s.iterations;
    benchmark::AddCustomContext("engram.simulated_iterations", iterations.dump());
    // Once, why the hardware could not count each counter and what stands in.
    const counters::Reading opened = set->read();
    for (std::size_t i = 0; i < opened.counters.size(); ++i) {
      const auto& c = opened.counters[i];
      if (c.status == counters::Status::counted) continue;
      const auto& now = status_reading.counters[i];
      const std::string stand_in = now.status == counters::Status::simulated
                                       ? fmt::format(" It is {} instead ({}).", "simulated", now.reason)
                                       : " It is left out of the results, never printed as 0.";
      say("baseline: {}: {}.{}{}\n", c.requested, c.reason, stand_in,
          c.fix.empty() ? "" : " Fix: " + c.fix);
    }
  }
  // The measuring thread pinned last: the callgrind children above ran on
  // every CPU, and nothing but the timed loops runs after this.
  pin_measuring_thread(options.pin_cpu, setup);
  benchmark::AddCustomContext("engram.setup", setup.to_json().dump());
  for (const auto& missing : setup.not_set) say("baseline: could not set {}\n", missing);

  bool console = false;
  const auto display = make_display_reporter(options.benchmark_args, console);
  MultiPassReporter shown(display.get(), console);
  MultiPassReporter written(out_file.reporter(), false);
  // Google Benchmark refuses a file reporter without --benchmark_out.
  MultiPassReporter* file = out_file.reporter() ? &written : nullptr;
  // The file sees every repetition; a console told to show aggregates only
  // (--benchmark_display_aggregates_only) does not.
  const MultiPassReporter& tallied = file ? written : shown;
  const auto first_pass_start = Clock::now();
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks(&shown, file);
  // What a repetition costs in all (sizing its iteration count, warm-up,
  // probes): how many more fit in the time left.
  double seconds_per_repetition =
      tallied.repetitions() == 0 ? 0
                                 : std::chrono::duration<double>(Clock::now() - first_pass_start).count() /
                                       static_cast<double>(tallied.repetitions());

  // Disturbed repetitions measured again, within the budget.
  RerunPlanner planner(requested_repetitions(options.benchmark_args), options.rerun);
  const auto rerun_start = Clock::now();
  const auto rerun_seconds = [&] { return std::chrono::duration<double>(Clock::now() - rerun_start).count(); };
  for (;;) {
    const auto requests = planner.next_pass(tallied.tallies(), rerun_seconds(), seconds_per_repetition);
    if (requests.empty()) break;
    ++pass;
    std::size_t count = 0;
    for (const auto& r : requests) count += r.repetitions;
    say("baseline: re-run pass {}: {} repetition(s) of {} benchmark(s) replace disturbed ones\n", pass, count,
        requests.size());
    benchmark::ClearRegisteredBenchmarks();
    for (const auto& r : requests) registrars.at(r.name)()->Repetitions(static_cast<int>(r.repetitions));
    shown.begin_pass(pass);
    written.begin_pass(pass);
    // Only the requested benchmarks are registered; the user's filter
    // would see their names as ".../repeats:K" and could match none.
    benchmark::RunSpecifiedBenchmarks(&shown, file, ".");
    if (tallied.rerun_repetitions() > 0) {
      seconds_per_repetition = rerun_seconds() / static_cast<double>(tallied.rerun_repetitions());
    }
  }
  shown.finish();
  written.finish();
  benchmark::Shutdown();

  std::size_t still_short = 0;
  for (const auto& t : tallied.tallies()) {
    if (t.undisturbed < t.wanted) ++still_short;
  }
  const nlohmann::json noise_context = {
      {"thresholds", thresholds_json(options.noise)},
      {"unavailable", probe.unavailable()},
      {"probe_cost_ns", probe_ns},
      {"memory_probe_bytes", memory ? memory->bytes() : 0},
      {"reruns",
       {{"max_count", options.rerun.max_repetitions},
        {"max_seconds", options.rerun.max_seconds},
        {"asked", planner.repetitions_granted()},
        {"ran", tallied.rerun_repetitions()},
        {"passes", planner.passes()},
        {"seconds", rerun_seconds()},
        {"benchmarks_short_of_undisturbed", still_short},
        {"stopped_by", std::string(to_string(planner.stop()))}}}};
  out_file.add_context("engram.noise", noise_context.dump());
  out_file.commit();
  for (const auto& [figure, why] : probe.unavailable()) say("baseline: noise figure {} not measured: {}\n", figure, why);
  say("baseline: noise: {} of {} repetitions disturbed; {} re-run in {} pass(es), {:.1f} s ({}); "
      "{} benchmark(s) left short of undisturbed repetitions\n",
      tallied.disturbed(), tallied.repetitions(), tallied.rerun_repetitions(), planner.passes(), rerun_seconds(),
      to_string(planner.stop()), still_short);
  for (const auto& [name, note] : overhead_notes) say("baseline: note: {}\n", note);
  say("baseline: {} benchmarks in {:.1f} s\n", ran,
      std::chrono::duration<double>(Clock::now() - start).count());
  return ran == 0 ? engram::io::kExitFailure : engram::io::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  return engram::io::run_tool("baseline", [&] { return run(argc, argv); });
}
