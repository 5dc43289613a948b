// Software events on the real kernel: they count in a VM too.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <thread>

#include "engram/counters.hpp"

namespace {

using namespace engram::counters;
using Clock = std::chrono::steady_clock;

Options plain() {
  Options options;
  options.simulation = SimulationMode::never;
  return options;
}

double value_of(const Reading& r, const char* name) {
  const CounterValue* c = r.find(name);
  if (c == nullptr || !c->value) {
    ADD_FAILURE() << name << " has no value: " << (c ? c->reason : "not in the reading");
    return -1;
  }
  return *c->value;
}

void busy_for(std::chrono::milliseconds duration) {
  const auto end = Clock::now() + duration;
  volatile std::uint64_t sink = 0;
  while (Clock::now() < end)
    for (int i = 0; i < 1000; ++i) sink = sink + static_cast<std::uint64_t>(i);
}

double thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + static_cast<double>(t.tv_nsec);
}

TEST(SoftwareEvents, TaskClockMatchesTheWallTimeOfABusyLoop) {
  CounterSet set = CounterSet::open({"task-clock"}, plain());
  // On a loaded machine other processes take the CPU from the busy loop, and
  // then task-clock rightly falls behind the wall clock: retry a few times.
  // If the thread never had the CPU to itself, the wall-time comparison says
  // nothing about task-clock, so it is held to the thread's CPU time instead.
  double best_wall_error = 1.0, best_cpu_error = 1.0, best_share = 0.0;
  double task_ns = 0, wall_ns = 0;
  for (int attempt = 0; attempt < 8 && best_wall_error > 0.10; ++attempt) {
    set.reset();
    const double cpu_begin = thread_cpu_ns();
    const auto begin = Clock::now();
    set.start();
    busy_for(std::chrono::milliseconds(200));
    set.stop();
    wall_ns = std::chrono::duration<double, std::nano>(Clock::now() - begin).count();
    const double cpu_ns = thread_cpu_ns() - cpu_begin;
    const Reading r = set.read();
    EXPECT_EQ(r.counters[0].status, Status::counted);
    EXPECT_EQ(r.counters[0].backend, Backend::perf_event);
    EXPECT_EQ(r.counters[0].unit, "ns");
    task_ns = value_of(r, "task-clock");
    best_wall_error = std::min(best_wall_error, std::fabs(task_ns - wall_ns) / wall_ns);
    best_cpu_error = std::min(best_cpu_error, std::fabs(task_ns - cpu_ns) / cpu_ns);
    best_share = std::max(best_share, cpu_ns / wall_ns);
  }
  RecordProperty("task_clock_vs_wall_error", std::to_string(best_wall_error));
  if (best_share >= 0.9) {
    EXPECT_LT(best_wall_error, 0.10) << "task-clock " << task_ns << " ns vs wall " << wall_ns << " ns";
  } else {
    std::cout << "[ NOTE     ] the busy thread got at most " << best_share * 100
              << "% of a CPU (loaded machine): task-clock checked against the thread's CPU time\n";
    EXPECT_LT(best_cpu_error, 0.10) << "task-clock " << task_ns << " ns";
  }
}

TEST(SoftwareEvents, PageFaultsCountEveryFreshPage) {
  const long page = sysconf(_SC_PAGESIZE);
  constexpr std::size_t kPages = 2000;
  const std::size_t bytes = kPages * static_cast<std::size_t>(page);
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  madvise(memory, bytes, MADV_NOHUGEPAGE);  // one fault per 4 KiB page, not per 2 MiB
  CounterSet set = CounterSet::open({"page-faults", "minor-faults"}, plain());
  set.start();
  auto* bytes_ptr = static_cast<volatile char*>(memory);
  for (std::size_t i = 0; i < kPages; ++i) bytes_ptr[i * static_cast<std::size_t>(page)] = 1;
  set.stop();
  const Reading r = set.read();
  munmap(memory, bytes);
  EXPECT_GE(value_of(r, "page-faults"), static_cast<double>(kPages));
  EXPECT_GE(value_of(r, "minor-faults"), static_cast<double>(kPages));
  EXPECT_LT(value_of(r, "page-faults"), 2.0 * kPages) << "far more faults than pages touched";
  RecordProperty("page_faults_for_2000_pages", std::to_string(value_of(r, "page-faults")));
}

TEST(SoftwareEvents, ContextSwitchesRiseWithSleeps) {
  CounterSet set = CounterSet::open({"context-switches"}, plain());
  set.start();
  busy_for(std::chrono::milliseconds(5));
  set.stop();
  const double without_sleeps = value_of(set.read(), "context-switches");
  set.reset();
  constexpr int kSleeps = 50;
  set.start();
  for (int i = 0; i < kSleeps; ++i) std::this_thread::sleep_for(std::chrono::microseconds(200));
  set.stop();
  const double with_sleeps = value_of(set.read(), "context-switches");
  EXPECT_GE(with_sleeps, kSleeps) << "each sleep gives up the CPU once";
  EXPECT_GT(with_sleeps, without_sleeps);
  RecordProperty("context_switches", std::to_string(without_sleeps) + " without, " + std::to_string(with_sleeps) +
                                         " with 50 sleeps");
}

// Spins until this thread has used `duration` of CPU time, however loaded
// the machine is.
void busy_cpu_for(std::chrono::milliseconds duration) {
  const double end = thread_cpu_ns() + static_cast<double>(duration.count()) * 1e6;
  volatile std::uint64_t sink = 0;
  while (thread_cpu_ns() < end)
    for (int i = 0; i < 1000; ++i) sink = sink + static_cast<std::uint64_t>(i);
}

TEST(SoftwareEvents, StartStopPairsAccumulateUntilReset) {
  CounterSet set = CounterSet::open({"task-clock"}, plain());
  set.start();
  busy_cpu_for(std::chrono::milliseconds(20));
  set.stop();
  const double one = value_of(set.read(), "task-clock");
  busy_cpu_for(std::chrono::milliseconds(20));  // not measured
  set.start();
  busy_cpu_for(std::chrono::milliseconds(20));
  set.stop();
  const double two = value_of(set.read(), "task-clock");
  EXPECT_NEAR(one, 20e6, 2e6);
  EXPECT_NEAR(two, 40e6, 4e6) << "two regions of 20 ms CPU each; the 20 ms between them must not count";
  set.reset();
  EXPECT_LT(value_of(set.read(), "task-clock"), 1e6);
}

TEST(SoftwareEvents, OverheadOfAnEmptyRegionIsMeasured) {
  CounterSet set = CounterSet::open({"task-clock", "page-faults", "context-switches"}, plain());
  EXPECT_GT(set.overhead_ns(), 0.0);
  EXPECT_LT(set.overhead_ns(), 1e6) << "an empty start/stop pair should take microseconds, not a millisecond";
  RecordProperty("overhead_ns", std::to_string(set.overhead_ns()));
  EXPECT_EQ(set.read().overhead_ns, set.overhead_ns());
}

TEST(SoftwareEvents, CountsAChildProcessWithItsChildren) {
  // target_pid mode (ecount stat): a busy child, counted from the moment the set opens.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    busy_for(std::chrono::milliseconds(100));
    _exit(0);
  }
  Options options = plain();
  options.target_pid = child;
  options.overhead_pairs = 0;
  CounterSet set = CounterSet::open({"task-clock"}, options);
  set.start();
  int status = 0;
  waitpid(child, &status, 0);
  set.stop();
  const Reading r = set.read();
  EXPECT_EQ(r.counters[0].status, Status::counted) << r.counters[0].reason;
  EXPECT_GT(value_of(r, "task-clock"), 1e6);
}

}  // namespace
