// Software events on the real kernel: they count in a VM too.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <thread>

#include "engram/counters.hpp"
#include "perf_event_access.hpp"

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

// Spins until this thread has used `duration` of CPU time, however loaded
// the machine is.
void busy_cpu_for(std::chrono::milliseconds duration) {
  const double end = thread_cpu_ns() + static_cast<double>(duration.count()) * 1e6;
  volatile std::uint64_t sink = 0;
  while (thread_cpu_ns() < end)
    for (int i = 0; i < 1000; ++i) sink = sink + static_cast<std::uint64_t>(i);
}

// Every test here counts on the real kernel.
class SoftwareEvents : public NeedsPerfEvents {};

TEST_F(SoftwareEvents, TaskClockIsTheThreadsCpuTimeInTheRegion) {
  // task-clock counts the time this thread is on a CPU, which is what
  // CLOCK_THREAD_CPUTIME_ID measures too. Both stand still while the thread
  // sleeps or waits for a CPU, so the comparison holds however loaded the
  // machine is (unlike one with the wall clock). The sleep in the region
  // tells CPU time from elapsed time; the CPU time spent outside the region
  // (before start, after stop) must not be counted.
  CounterSet set = CounterSet::open({"task-clock"}, plain());
  busy_cpu_for(std::chrono::milliseconds(30));  // before the region
  const double cpu_begin = thread_cpu_ns();
  set.start();
  busy_cpu_for(std::chrono::milliseconds(60));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  set.stop();
  const double cpu_ns = thread_cpu_ns() - cpu_begin;
  busy_cpu_for(std::chrono::milliseconds(30));  // after the region
  const Reading r = set.read();
  EXPECT_EQ(r.counters[0].status, Status::counted);
  EXPECT_EQ(r.counters[0].backend, Backend::perf_event);
  EXPECT_EQ(r.counters[0].unit, "ns");
  const double task_ns = value_of(r, "task-clock");
  // cpu_ns is at least the 60 ms spin, plus start(), stop() and the sleep's
  // system calls (microseconds); here the two clocks agree to about 0.2 ms.
  // The tolerance, 10% (6 ms for 60 ms), leaves room for time a VM's host
  // steals or interrupts take, which task-clock includes and the thread's
  // CPU clock may not. Counting the 100 ms sleep would give >= 160 ms,
  // counting the 30 ms before or after the region >= 90 ms: both far outside.
  EXPECT_NEAR(task_ns, cpu_ns, 0.10 * cpu_ns) << "task-clock " << task_ns << " ns, thread CPU time " << cpu_ns << " ns";
  RecordProperty("task_clock_minus_thread_cpu_ns", std::to_string(task_ns - cpu_ns));
}

TEST_F(SoftwareEvents, PageFaultsCountEveryFreshPage) {
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

TEST_F(SoftwareEvents, ContextSwitchesRiseWithSleeps) {
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

TEST_F(SoftwareEvents, StartStopPairsAccumulateUntilReset) {
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

TEST_F(SoftwareEvents, OverheadOfAnEmptyRegionIsMeasured) {
  CounterSet set = CounterSet::open({"task-clock", "page-faults", "context-switches"}, plain());
  EXPECT_GT(set.overhead_ns(), 0.0);
  EXPECT_LT(set.overhead_ns(), 1e6) << "an empty start/stop pair should take microseconds, not a millisecond";
  RecordProperty("overhead_ns", std::to_string(set.overhead_ns()));
  EXPECT_EQ(set.read().overhead_ns, set.overhead_ns());
}

// Writes one fresh anonymous page after another: with transparent huge
// pages off, the first write to each page is exactly one minor fault. Used in
// forked children, so only system calls, no allocation.
bool touch_fresh_pages(std::size_t pages) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* memory = mmap(nullptr, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return false;
  madvise(memory, pages * page, MADV_NOHUGEPAGE);
  auto* bytes = static_cast<volatile char*>(memory);
  for (std::size_t i = 0; i < pages; ++i) bytes[i * page] = 1;
  return true;  // left mapped: the process exits soon
}

// A pipe whose ends close with it; closing the write end wakes a reader.
struct Pipe {
  int ends[2] = {-1, -1};
  Pipe() {
    if (pipe(ends) != 0) ends[0] = ends[1] = -1;
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  bool ok() const { return ends[0] >= 0; }
  void close_read() {
    if (ends[0] >= 0) close(ends[0]);
    ends[0] = -1;
  }
  void close_write() {
    if (ends[1] >= 0) close(ends[1]);
    ends[1] = -1;
  }
  bool send() const {
    const char byte = 1;
    return write(ends[1], &byte, 1) == 1;
  }
  // False when the writer closed its end without sending.
  bool receive() const {
    char byte = 0;
    return read(ends[0], &byte, 1) == 1;
  }
};

// Kills and reaps a child the test did not get to wait for (a failed
// assertion), so no process outlives the test.
struct ChildGuard {
  pid_t pid = -1;
  ~ChildGuard() {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
};

// The work of the target process and of the child it starts, and what the
// target did before the counters were opened (which must not count).
constexpr std::size_t kPagesBeforeOpen = 6000;
constexpr auto kCpuBeforeOpen = std::chrono::milliseconds(200);
constexpr std::size_t kTargetPages = 1000;
constexpr auto kTargetCpu = std::chrono::milliseconds(20);
constexpr std::size_t kGrandchildPages = 4000;
constexpr auto kGrandchildCpu = std::chrono::milliseconds(200);

// The target process: works before it says it is ready, waits for the go
// (sent once its counters are open and started), works again, then forks a
// grandchild that does most of the work, and waits for it. Never returns.
[[noreturn]] void run_target(const Pipe& ready, const Pipe& go) {
  if (!touch_fresh_pages(kPagesBeforeOpen)) _exit(10);
  busy_cpu_for(kCpuBeforeOpen);
  if (!ready.send()) _exit(11);
  if (!go.receive()) _exit(12);  // the test gave up before starting the counters
  if (!touch_fresh_pages(kTargetPages)) _exit(13);
  busy_cpu_for(kTargetCpu);
  const pid_t grandchild = fork();
  if (grandchild < 0) _exit(14);
  if (grandchild == 0) {
    if (!touch_fresh_pages(kGrandchildPages)) _exit(15);
    busy_cpu_for(kGrandchildCpu);  // this thread's own CPU clock starts at 0
    _exit(0);
  }
  int status = 0;
  if (waitpid(grandchild, &status, 0) != grandchild) _exit(16);
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 17);
}

TEST_F(SoftwareEvents, CountsATargetProcessAndTheChildrenItStartsButNotWhatCameBeforeOpen) {
  // target_pid mode (ecount stat): the target and every process it starts
  // after open are counted (perf_event inherit). The pipes order the work:
  // the target's first work is done before the counters open, the rest, and
  // all of the grandchild's, after they started.
  Pipe ready, go;
  ASSERT_TRUE(ready.ok() && go.ok());
  const pid_t target = fork();
  ASSERT_GE(target, 0);
  if (target == 0) {
    ready.close_read();
    go.close_write();
    run_target(ready, go);
  }
  ChildGuard guard{target};
  ready.close_write();
  go.close_read();
  ASSERT_TRUE(ready.receive()) << "the target died before it was ready";

  Options options = plain();
  options.target_pid = target;
  options.overhead_pairs = 0;
  CounterSet set = CounterSet::open({"task-clock", "page-faults"}, options);
  set.start();
  ASSERT_TRUE(go.send());
  int status = 0;
  ASSERT_EQ(waitpid(target, &status, 0), target);
  guard.pid = -1;
  set.stop();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "target status " << status;

  const Reading r = set.read();
  for (const CounterValue& c : r.counters) EXPECT_EQ(c.status, Status::counted) << c.requested << ": " << c.reason;
  const double faults = value_of(r, "page-faults");
  const double task_ns = value_of(r, "task-clock");
  // Page faults after the go: 1000 (target) + 4000 (grandchild) = 5000, plus
  // a few copy-on-write faults of each process after fork (tens). Without
  // the grandchild the count is about 1000; with the 6000 pages touched
  // before open it is at least 1000 + 4000 + 6000 = 11000.
  EXPECT_GE(faults, 5000.0) << "the grandchild's 4000 page faults are missing";
  EXPECT_LT(faults, 11000.0) << "page faults from before the counters opened were counted";
  // CPU time after the go: 20 ms (target) + 200 ms (grandchild) = 220 ms, by
  // each process's own CPU clock; plus the faults, fork and exit (a few ms,
  // well under 50 ms). Without the grandchild it is about 20 ms; with the
  // 200 ms spun before open at least 420 ms.
  EXPECT_GE(task_ns, 220e6) << "the grandchild's 200 ms of CPU time are missing";
  EXPECT_LT(task_ns, 420e6) << "CPU time from before the counters opened was counted";
  RecordProperty("target_and_children", std::to_string(faults) + " page faults, " + std::to_string(task_ns) + " ns");
}

}  // namespace
