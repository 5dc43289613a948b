// counter_overhead/<kernel>: what counting costs a measured region. The
// "counted" variant starts and stops a set of software events (task-clock,
// page-faults, context-switches: what counts on any Linux, VM or not) around
// every call of the optimized kernel; "uncounted" is the same call alone.
#include <algorithm>

#include "engram/counters.hpp"
#include "suite_builders.hpp"

namespace engram::bench {
namespace {

struct OverheadData {
  KernelBenchmark inner;
  counters::CounterSet set;
};

}  // namespace

KernelBenchmark build_counter_overhead(const SuiteOptions& options, const std::string& inner,
                                       const std::string& kernel) {
  KernelBenchmark measured = make_kernel_benchmark(inner, options);
  const auto optimized = std::find_if(measured.variants.begin(), measured.variants.end(),
                                      [](const Variant& v) { return v.name == "optimized"; });
  if (optimized == measured.variants.end()) {
    throw std::invalid_argument("counter_overhead: '" + inner + "' has no optimized variant");
  }
  counters::Options counter_options;
  counter_options.simulation = counters::SimulationMode::never;
  counter_options.overhead_pairs = 0;
  auto d = std::make_shared<OverheadData>(OverheadData{
      measured, counters::CounterSet::open({"task-clock", "page-faults", "context-switches"}, counter_options)});

  KernelBenchmark b;
  b.kernel = kernel;
  b.description = inner + "/optimized without and with task-clock, page-faults and context-switches "
                  "counted around every call";
  b.work = measured.work;
  b.tolerance = measured.tolerance;
  const Variant& kernel_variant = *optimized;
  const auto run = kernel_variant.run;
  OverheadData* p = d.get();
  std::function<void()> counted = [p, run] {
    p->set.start();
    run();
    p->set.stop();
  };
  b.variants = {make_variant("uncounted", true, run, kernel_variant.answer),
                make_variant("counted", true, counted, [counted, answer = kernel_variant.answer] {
                  counted();
                  return answer();
                })};
  b.data = d;
  return b;
}

}  // namespace engram::bench
