#pragma once
// engram counters in any Google Benchmark suite: a --counters flag, the
// values per iteration in state.counters, each counter's status in the JSON
// context, and callgrind simulation where the PMU is missing.
//
//   static void BM_sum(benchmark::State& state) {
//     std::vector<int> v = make_input();            // setup: not counted
//     for (auto _ : engram::gbench::counted(state))  // counted: the loop only
//       benchmark::DoNotOptimize(sum(v));
//   }
//   BENCHMARK(BM_sum);
//   ENGRAM_GBENCH_MAIN();
//
//   ./suite --counters=L1_DCM,BR_MSP,task-clock --benchmark_format=json
//
// What lands where:
//   - state.counters[NAME]: the counter's count per iteration (the value as
//     counted, divided here by the iterations of the counting thread; see
//     counted()). A counter without a value has no entry: never a 0.
//   - state.counters[NAME ".running_fraction"]: only for a counter that was
//     multiplexed in that run: the share of the loop's time it really
//     counted (its value is already scaled up by its inverse). Per run,
//     because the kernel shares the PMU differently from run to run.
//   - the context "engram.counters": every requested counter with its status
//     (counted, multiplexed, simulated, unsupported, no-permission), backend,
//     reason and fix, in the format bench/baseline writes
//     (counters::counter_statuses_json, schema "engram-counter-statuses").
//     It is written before the benchmarks run, so it gives the status each
//     counter was opened with; per-run multiplexing is in the suffix above.
//   - with --benchmark_out in JSON, also "engram.simulated_iterations":
//     {benchmark: iterations the callgrind child collected}.
//
// Simulation (--counters-sim=auto, the default, where a counter cannot be
// counted here and valgrind is installed; --counters-sim=only for every
// counter that has a simulated form): for each benchmark that used
// counted(), the first time one of its runs is reported, this same program
// is run once more under callgrind with --benchmark_filter=^NAME$, its loop
// collected for a fixed count of iterations (--counters-sim-iterations,
// default 10) after one uncollected warm-up iteration; the counts per
// iteration become that benchmark's values in every repetition, and in its
// mean and median aggregates (no stddev or cv: one simulated count per
// benchmark has no spread to measure). Timings always come from the native
// run. Progress goes to stderr. A child that fails leaves that benchmark's
// simulated counters out, says why on stderr, and makes the program exit 1.
//
// Google Benchmark's own --benchmark_out is taken over: the file is written
// at the end, complete or not at all (io::AtomicOutput), never truncated
// before the run as Google Benchmark does.
//
// Threads: a counter set counts the thread that opened it, the main thread,
// which Google Benchmark uses as thread 0 of a multi-threaded benchmark; the
// values are those of thread 0 alone, per iteration of thread 0. The other
// threads iterate uncounted.
//
// Exit codes (io/include/engram/io/cli.hpp): 0 ok, 1 failure (a simulation
// child or the --benchmark_out file failed), 2 bad usage (an unknown
// counter, a bad --counters-sim or --benchmark_format value, a filter that
// matches no benchmark).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>

namespace engram::gbench {

class CountedLoop;

// Takes our options out of argv before benchmark::Initialize sees them:
//   --counters=LIST       (e.g. L1_DCM,BR_MSP,task-clock: the names `ecount list` knows, PAPI_ prefix optional)
//   --counters-sim=auto|never|only  (callgrind simulation where the PMU is missing; default auto)
//   --counters-sim-iterations=N     (iterations a callgrind child collects; default 10)
// plus --help text of its own appended to Google Benchmark's.
// Returns std::nullopt to go on, or the exit code main should return now
// (0 after --help, 2 after a bad option, with the message on stderr).
std::optional<int> initialize(int* argc, char** argv);

// Iterate this in place of `state`: counting starts with the first
// iteration and stops after the last; the per-iteration values go into
// state.counters (one per counter that has a value; never a 0 for a counter
// without one).
//   for (auto _ : engram::gbench::counted(state)) { ... }
CountedLoop counted(benchmark::State& state);

// In place of benchmark::RunSpecifiedBenchmarks(): runs the benchmarks and
// adds the simulated counts; returns main's exit code.
int run_specified_benchmarks();

namespace detail {
// What a counted loop does at its edges; one per process (see counted()).
class LoopHooks {
 public:
  virtual ~LoopHooks() = default;
  // After Google Benchmark started the loop's timer, before the first
  // iteration. True asks for next_iteration() before every later iteration
  // (a callgrind child); false keeps the loop free of calls (a native run).
  virtual bool loop_begins(benchmark::State& state) = 0;
  // Before every iteration, when loop_begins() asked for it; false ends
  // the loop before that iteration (a callgrind child that collected its
  // iterations: it has called state.SkipWithError, which Google Benchmark
  // requires of a loop that ends early).
  virtual bool next_iteration(benchmark::State& state) = 0;
  // After the last iteration, once Google Benchmark stopped the timer.
  virtual void loop_ends(benchmark::State& state) = 0;
};
// The hooks of this process: null when no counter was asked for.
LoopHooks* loop_hooks();
}  // namespace detail

// The range counted() returns. Only thread 0 counts; an iteration costs one
// extra well-predicted branch and, in a callgrind child only, a call.
class CountedLoop {
 public:
  class iterator {
   public:
    using inner_type = benchmark::State::StateIterator;
    iterator(inner_type inner, CountedLoop* loop) : inner_(inner), loop_(loop) {}
    auto operator*() const { return *inner_; }
    iterator& operator++() {
      ++inner_;
      return *this;
    }
    bool operator!=(const iterator& end) {
      if (inner_ != end.inner_) [[likely]] {
        if (loop_->stepping_) [[unlikely]] return loop_->step();
        return true;
      }
      loop_->finish();
      return false;
    }

   private:
    inner_type inner_;
    CountedLoop* loop_;
  };

  explicit CountedLoop(benchmark::State& state)
      : state_(state), hooks_(state.thread_index() == 0 ? detail::loop_hooks() : nullptr) {}
  iterator begin() { return iterator(state_.begin(), this); }
  iterator end() {
    iterator e(state_.end(), this);  // state.end() starts Google Benchmark's timer
    if (hooks_) stepping_ = hooks_->loop_begins(state_);
    return e;
  }

 private:
  bool step() {
    if (hooks_->next_iteration(state_)) return true;
    stepping_ = false;
    finished_ = true;  // the hooks ended the loop themselves
    return false;
  }
  void finish() {
    if (hooks_ && !finished_) {
      finished_ = true;
      stepping_ = false;
      hooks_->loop_ends(state_);
    }
  }
  benchmark::State& state_;
  detail::LoopHooks* hooks_;
  bool stepping_ = false;
  bool finished_ = false;
};

inline CountedLoop counted(benchmark::State& state) { return CountedLoop(state); }

}  // namespace engram::gbench

// A main() that does the three steps above.
#define ENGRAM_GBENCH_MAIN()                                                           \
  int main(int argc, char** argv) {                                                    \
    if (const auto engram_exit = ::engram::gbench::initialize(&argc, argv))            \
      return *engram_exit;                                                             \
    ::benchmark::Initialize(&argc, argv);                                              \
    if (::benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;                \
    const int engram_code = ::engram::gbench::run_specified_benchmarks();              \
    ::benchmark::Shutdown();                                                           \
    return engram_code;                                                                \
  }                                                                                    \
  int main(int, char**)
