// engram noise (engram/noise.hpp): the kernel files' parsers on fixture files
// (fixtures/noise), the disturbed-region rule at and around each threshold,
// a probe on fixture sources rewritten inside the region to known deltas, a
// probe on this machine, and pinning the thread.
#include <gtest/gtest.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engram/noise.hpp"
#include "noise_fixtures.hpp"
#include "temp_folder.hpp"

namespace {

using namespace engram::noise;
using engram::testing::TempFolder;

// A file of tests/counters/fixtures/noise, compiled in (noise_fixtures.hpp is
// generated from them by tests/counters/CMakeLists.txt).
std::string fixture(const std::string& name) {
  for (const auto& [file_name, text] : engram::testing::noise_fixtures::kFiles) {
    if (file_name == name) return std::string(text);
  }
  ADD_FAILURE() << "no fixture " << name << " in tests/counters/fixtures/noise";
  return "";
}

// ---- /proc/stat texts for the probe tests: the line of whichever CPU the
// test thread was pinned to, with chosen values.

// The numbers after the label of the "cpuN" line ("" when there is none).
std::string cpu_fields(const std::string& text, int cpu) {
  std::istringstream in(text);
  const std::string label = "cpu" + std::to_string(cpu);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(label + " ", 0) == 0) return line.substr(label.size() + 1);
  }
  return "";
}

// `text` with the cpuN line's numbers replaced by `fields`, or a cpuN line
// added after the last cpu line when there is none.
std::string set_cpu_line(const std::string& text, int cpu, const std::string& fields) {
  std::istringstream in(text);
  const std::string label = "cpu" + std::to_string(cpu);
  std::vector<std::string> lines;
  bool replaced = false;
  std::size_t after_last_cpu = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(label + " ", 0) == 0) {
      line = label + " " + fields;
      replaced = true;
    }
    lines.push_back(line);
    if (line.rfind("cpu", 0) == 0) after_last_cpu = lines.size();
  }
  if (!replaced) lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(after_last_cpu), label + " " + fields);
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

// A cpu line's numbers (user nice system idle iowait irq softirq steal guest
// guest_nice) with the given steal.
std::string fields_with_steal(std::uint64_t steal) {
  return "203001 300 22513 1927800 540 0 1401 " + std::to_string(steal) + " 0 0";
}

double nanoseconds_per_tick() { return 1e9 / static_cast<double>(::sysconf(_SC_CLK_TCK)); }

// Restores the thread's CPU set when a test that pinned it ends.
class KeepAffinity {
 public:
  KeepAffinity() : allowed_(allowed_cpus()) {}
  ~KeepAffinity() {
    if (allowed_.empty()) return;
    const int size = allowed_.back() + 1;
    cpu_set_t* set = CPU_ALLOC(size);
    const std::size_t bytes = CPU_ALLOC_SIZE(size);
    CPU_ZERO_S(bytes, set);
    for (int cpu : allowed_) CPU_SET_S(static_cast<std::size_t>(cpu), bytes, set);
    ::sched_setaffinity(0, bytes, set);
    CPU_FREE(set);
  }
  KeepAffinity(const KeepAffinity&) = delete;
  KeepAffinity& operator=(const KeepAffinity&) = delete;
  const std::vector<int>& allowed() const { return allowed_; }

 private:
  std::vector<int> allowed_;
};

double thread_cpu_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// Spins until this thread has used `duration` of CPU time.
void busy_cpu_for(std::chrono::milliseconds duration) {
  const double end = thread_cpu_ns() + static_cast<double>(duration.count()) * 1e6;
  volatile std::uint64_t sink = 0;
  while (thread_cpu_ns() < end)
    for (int i = 0; i < 1000; ++i) sink = sink + static_cast<std::uint64_t>(i);
}

const Disturbance* find(const std::vector<Disturbance>& found, const std::string& figure) {
  for (const Disturbance& d : found)
    if (d.figure == figure) return &d;
  return nullptr;
}

std::string figures(const std::vector<Disturbance>& found) {
  std::string out;
  for (const Disturbance& d : found) out += d.figure + ": " + d.text + "; ";
  return out;
}

// ---- parsers

TEST(NoiseParse, StealOfEachCpuOfATwoCpuMachine) {
  const std::string stat = fixture("proc_stat_2cpu");
  EXPECT_EQ(parse_steal_ticks(stat, 0), 3422u);
  EXPECT_EQ(parse_steal_ticks(stat, 1), 3411u);
  EXPECT_EQ(parse_steal_ticks(stat, 2), std::nullopt) << "no cpu2 line";
  EXPECT_EQ(parse_steal_ticks(stat, -1), std::nullopt) << "the all-CPU 'cpu' line is no CPU's";
}

TEST(NoiseParse, StealOfEachCpuOfAFourCpuMachine) {
  const std::string stat = fixture("proc_stat_4cpu");
  EXPECT_EQ(parse_steal_ticks(stat, 0), 250u);
  EXPECT_EQ(parse_steal_ticks(stat, 1), 312u);
  EXPECT_EQ(parse_steal_ticks(stat, 2), 298u);
  EXPECT_EQ(parse_steal_ticks(stat, 3), 315u);
  EXPECT_EQ(parse_steal_ticks(stat, 4), std::nullopt);
}

TEST(NoiseParse, CpuOneIsNotCpuTen) {
  const std::string only_ten = set_cpu_line(fixture("proc_stat_2cpu"), 10, fields_with_steal(77));
  EXPECT_EQ(parse_steal_ticks(only_ten, 10), 77u);
  EXPECT_EQ(parse_steal_ticks(only_ten, 1), 3411u);
  const std::string without_one = "cpu  1 2 3 4 5 6 7 8\ncpu10 1 2 3 4 5 6 7 9\n";
  EXPECT_EQ(parse_steal_ticks(without_one, 1), std::nullopt);
  EXPECT_EQ(parse_steal_ticks(without_one, 10), 9u);
  EXPECT_EQ(parse_steal_ticks("cpu1x 1 2 3 4 5 6 7 8\n", 1), std::nullopt) << "not a cpu line";
}

TEST(NoiseParse, OldKernelLineHasNoStealColumn) {
  const std::string stat = fixture("proc_stat_old_kernel");
  // The lines are there, with seven numbers: absent, not 0.
  ASSERT_FALSE(cpu_fields(stat, 0).empty());
  EXPECT_EQ(parse_steal_ticks(stat, 0), std::nullopt);
  EXPECT_EQ(parse_steal_ticks(stat, 1), std::nullopt);
}

TEST(NoiseParse, MalformedLineThrowsNamingTheField) {
  const std::string stat = fixture("proc_stat_malformed");
  EXPECT_EQ(parse_steal_ticks(stat, 0), 3422u) << "a well-formed line of the same file still reads";
  try {
    parse_steal_ticks(stat, 1);
    FAIL() << "the cpu1 line has \"34x1\" for its steal";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("cpu1"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("34x1"), std::string::npos) << error.what();
  }
}

TEST(NoiseParse, SignsOverflowAndEmptyLinesAreMalformed) {
  EXPECT_THROW(parse_steal_ticks("cpu0 1 2 3 4 5 6 7 -8 0 0\n", 0), std::invalid_argument);
  EXPECT_THROW(parse_steal_ticks("cpu0 1 2 3 4 5 6 7 +8 0 0\n", 0), std::invalid_argument);
  EXPECT_THROW(parse_steal_ticks("cpu0 1 2 3 4 5 6 7 18446744073709551616 0 0\n", 0), std::invalid_argument);
  EXPECT_THROW(parse_steal_ticks("cpu0\n", 0), std::invalid_argument);
  EXPECT_EQ(parse_steal_ticks("cpu0 1 2 3 4 5 6 7 18446744073709551615", 0), 18446744073709551615u)
      << "the largest count, and no newline at the end";
  EXPECT_EQ(parse_steal_ticks("", 0), std::nullopt);
}

TEST(NoiseParse, SchedStat) {
  const SchedStat good = parse_schedstat(fixture("schedstat_good"));
  EXPECT_EQ(good.on_cpu_ns, 3110885123456u);
  EXPECT_EQ(good.run_delay_ns, 2345678901u);
  EXPECT_EQ(good.timeslices, 48213u);
  EXPECT_THROW(parse_schedstat(fixture("schedstat_malformed")), std::invalid_argument) << "two numbers";
  EXPECT_THROW(parse_schedstat(""), std::invalid_argument);
  EXPECT_THROW(parse_schedstat("1 2 3 4\n"), std::invalid_argument);
  EXPECT_THROW(parse_schedstat("1 -2 3\n"), std::invalid_argument);
  EXPECT_THROW(parse_schedstat("1 2.5 3\n"), std::invalid_argument);
}

TEST(NoiseParse, Loadavg) {
  EXPECT_DOUBLE_EQ(parse_loadavg(fixture("loadavg_good")), 2.31);
  EXPECT_DOUBLE_EQ(parse_loadavg("0.00 0.01 0.05 1/91 1776\n"), 0.0);
  EXPECT_DOUBLE_EQ(parse_loadavg("7.5"), 7.5);
  EXPECT_THROW(parse_loadavg(fixture("loadavg_malformed")), std::invalid_argument) << "a decimal comma";
  EXPECT_THROW(parse_loadavg(""), std::invalid_argument);
  EXPECT_THROW(parse_loadavg("-1.00 0.5 0.5 1/91 1776\n"), std::invalid_argument);
  EXPECT_THROW(parse_loadavg("nan 0.5 0.5 1/91 1776\n"), std::invalid_argument);
  EXPECT_THROW(parse_loadavg("inf 0.5 0.5 1/91 1776\n"), std::invalid_argument);
}

// ---- the rule

// One second of wall and task-clock, nothing else measured.
NoiseSample second() {
  NoiseSample s;
  s.wall_ns = 1e9;
  s.cpu_ns = 1e9;
  return s;
}

TEST(NoiseRule, AQuietRegionIsNotDisturbed) {
  NoiseSample s = second();
  s.steal_ns = 0;
  s.run_delay_ns = 1e6;            // 0.1%
  s.involuntary_switches = 3;      // 3/s
  s.cpu_migrations = 0;
  s.loadavg = 0.5;
  s.cpu_ns = 0.995e9;              // wall 1.005x
  EXPECT_TRUE(disturbances(s, Thresholds{}).empty()) << figures(disturbances(s, Thresholds{}));
}

TEST(NoiseRule, StealAtAndAboveItsLimit) {
  const Thresholds limits;
  NoiseSample s = second();
  s.steal_ns = limits.max_steal_fraction * s.wall_ns;
  EXPECT_TRUE(disturbances(s, limits).empty()) << "exactly at the limit: " << figures(disturbances(s, limits));
  s.steal_ns = *s.steal_ns * 1.001;
  const auto found = disturbances(s, limits);
  ASSERT_EQ(found.size(), 1u) << figures(found);
  EXPECT_EQ(found[0].figure, "steal");
  EXPECT_DOUBLE_EQ(found[0].value, *s.steal_ns / s.wall_ns);
  EXPECT_DOUBLE_EQ(found[0].limit, limits.max_steal_fraction);
}

TEST(NoiseRule, OneTickOfStealIsWithinItsResolution) {
  const Thresholds limits;
  NoiseSample s;
  s.wall_ns = s.cpu_ns = 50e6;  // a 50 ms repetition
  s.steal_tick_ns = 10e6;       // USER_HZ 100
  s.steal_ns = 10e6;            // the counter moved by one tick: 20% of wall, but within the resolution
  EXPECT_TRUE(disturbances(s, limits).empty()) << figures(disturbances(s, limits));
  s.steal_ns = 20e6;  // two ticks: at least 10 ms were stolen
  const auto found = disturbances(s, limits);
  ASSERT_EQ(found.size(), 1u) << figures(found);
  EXPECT_DOUBLE_EQ(found[0].value, 0.2);
  EXPECT_EQ(found[0].text, "steal 20 ms, 20.0% of wall time beyond its one-tick resolution (limit 1%)");
}

TEST(NoiseRule, RunDelayAtAndAboveItsLimit) {
  const Thresholds limits;
  NoiseSample s = second();
  s.run_delay_ns = limits.max_run_delay_fraction * s.wall_ns;
  EXPECT_TRUE(disturbances(s, limits).empty()) << figures(disturbances(s, limits));
  s.run_delay_ns = *s.run_delay_ns * 1.001;
  const auto found = disturbances(s, limits);
  ASSERT_EQ(found.size(), 1u) << figures(found);
  EXPECT_EQ(found[0].figure, "run_delay");
  EXPECT_DOUBLE_EQ(found[0].limit, limits.max_run_delay_fraction);
}

TEST(NoiseRule, InvoluntarySwitchesAtAndAboveTheirRate) {
  const Thresholds limits;
  NoiseSample s = second();
  s.involuntary_switches = limits.max_involuntary_switches_per_second;  // over one second
  EXPECT_TRUE(disturbances(s, limits).empty()) << figures(disturbances(s, limits));
  s.involuntary_switches = *s.involuntary_switches + 1;
  auto found = disturbances(s, limits);
  ASSERT_EQ(found.size(), 1u) << figures(found);
  EXPECT_EQ(found[0].figure, "involuntary_switches");
  EXPECT_DOUBLE_EQ(found[0].value, limits.max_involuntary_switches_per_second + 1);
  // A rate: the same count over a shorter region is past the limit.
  s.involuntary_switches = limits.max_involuntary_switches_per_second;
  s.wall_ns = s.cpu_ns = 0.999e9;
  found = disturbances(s, limits);
  ASSERT_EQ(found.size(), 1u) << figures(found);
  EXPECT_EQ(found[0].figure, "involuntary_switches");
}

TEST(NoiseRule, CpuMigrationsAtAndAboveTheirLimit) {
  Thresholds limits;
  NoiseSample s = second();
  s.cpu_migrations = 0;
  EXPECT_TRUE(disturbances(s, limits).empty());
  s.cpu_migrations = 1;
  auto found = disturbances(s, limits);
  ASSERT_EQ(found.size(), 1u) << figures(found);
  EXPECT_EQ(found[0].figure, "cpu_migrations");
  limits.max_cpu_migrations = 1;  // tunable
  EXPECT_TRUE(disturbances(s, limits).empty());
  s.cpu_migrations = 2;
  EXPECT_EQ(disturbances(s, limits).size(), 1u);
}

TEST(NoiseRule, WallOverTaskClockAtAndAboveItsLimit) {
  const Thresholds limits;
  NoiseSample s = second();
  s.wall_ns = limits.max_wall_over_cpu * s.cpu_ns;
  EXPECT_TRUE(disturbances(s, limits).empty()) << figures(disturbances(s, limits));
  s.wall_ns = s.wall_ns * 1.001;
  const auto found = disturbances(s, limits);
  ASSERT_EQ(found.size(), 1u) << figures(found);
  EXPECT_EQ(found[0].figure, "wall_over_cpu");
  EXPECT_DOUBLE_EQ(found[0].value, s.wall_ns / s.cpu_ns);
}

TEST(NoiseRule, LoadAverageOnlyWhenAsked) {
  NoiseSample s = second();
  s.loadavg = 100;
  Thresholds limits;
  EXPECT_TRUE(disturbances(s, limits).empty()) << "max_loadavg is off by default";
  limits.max_loadavg = 2;
  s.loadavg = 2;
  EXPECT_TRUE(disturbances(s, limits).empty()) << "exactly at the limit";
  s.loadavg = 2.01;
  const auto found = disturbances(s, limits);
  ASSERT_EQ(found.size(), 1u) << figures(found);
  EXPECT_EQ(found[0].figure, "loadavg");
  EXPECT_EQ(found[0].text, "load average 2.01 (limit 2)");
}

TEST(NoiseRule, MemorySlowdownOnlyWhenAsked) {
  NoiseSample s = second();
  s.memory_slowdown = 5;
  Thresholds limits;
  EXPECT_TRUE(disturbances(s, limits).empty()) << "max_memory_slowdown is off by default";
  limits.max_memory_slowdown = 0.1;
  s.memory_slowdown = 0.1;
  EXPECT_TRUE(disturbances(s, limits).empty()) << "exactly at the limit";
  s.memory_slowdown = 0.25;
  const auto found = disturbances(s, limits);
  ASSERT_EQ(found.size(), 1u) << figures(found);
  EXPECT_EQ(found[0].figure, "memory_slowdown");
  EXPECT_EQ(found[0].text, "memory probe 25.0% slower than its fastest read (limit 10%)");
}

TEST(MemoryProbe, ReadsWholeLinesAndKeepsTheFastestRead) {
  MemoryProbe probe(1000);  // rounded up to 16 lines of 64 bytes
  EXPECT_EQ(probe.bytes(), 1024u);
  EXPECT_EQ(probe.fastest_ns(), 0);
  double fastest = 0;
  for (int i = 0; i < 5; ++i) {
    const double ns = probe.read_ns();
    EXPECT_GT(ns, 0);
    fastest = i == 0 ? ns : std::min(fastest, ns);
    EXPECT_EQ(probe.fastest_ns(), fastest);
  }
  EXPECT_THROW(MemoryProbe(0), std::invalid_argument);
}

TEST(NoiseRule, AbsentFiguresAndZeroTimesNeverDisturb) {
  const Thresholds limits;
  NoiseSample none;  // wall 0, task-clock 0, no figure
  EXPECT_TRUE(disturbances(none, limits).empty());
  // No wall time: no fraction or rate can be taken, whatever the counts.
  NoiseSample no_wall;
  no_wall.steal_ns = 1e9;
  no_wall.run_delay_ns = 1e9;
  no_wall.involuntary_switches = 1000;
  no_wall.cpu_ns = 1e6;
  EXPECT_TRUE(disturbances(no_wall, limits).empty()) << figures(disturbances(no_wall, limits));
  // No task-clock: no wall/task-clock ratio.
  NoiseSample no_cpu;
  no_cpu.wall_ns = 1e9;
  EXPECT_TRUE(disturbances(no_cpu, limits).empty()) << figures(disturbances(no_cpu, limits));
  // Absent figures in a region that is otherwise clearly disturbed: only the
  // measured one is a reason.
  NoiseSample only_wall = second();
  only_wall.wall_ns = 2e9;
  const auto found = disturbances(only_wall, limits);
  ASSERT_EQ(found.size(), 1u) << figures(found);
  EXPECT_EQ(found[0].figure, "wall_over_cpu");
}

TEST(NoiseRule, TextsSayWhatAndTheLimit) {
  const Thresholds limits;
  NoiseSample s;
  s.wall_ns = 50e6;
  s.cpu_ns = s.wall_ns / 1.09;
  s.steal_ns = 6e6;              // 12% of 50 ms
  s.run_delay_ns = 1.55e6;       // 3.1%
  s.involuntary_switches = 12;   // 240/s
  s.cpu_migrations = 1;
  const auto found = disturbances(s, limits);
  ASSERT_EQ(found.size(), 5u) << figures(found);
  const std::map<std::string, std::string> expected = {
      {"steal", "steal 6 ms, 12.0% of wall time (limit 1%)"},
      {"run_delay", "run delay 3.1% of wall time (limit 1%)"},
      {"involuntary_switches", "12 involuntary context switches, 240/s (limit 200/s)"},
      {"cpu_migrations", "1 CPU migration (limit 0)"},
      {"wall_over_cpu", "wall time 1.09x task-clock (limit 1.02x)"},
  };
  for (const auto& [figure, text] : expected) {
    const Disturbance* d = find(found, figure);
    ASSERT_NE(d, nullptr) << figure;
    EXPECT_EQ(d->text, text);
  }
  // Just past a limit, the value is shown with enough digits to differ from it.
  NoiseSample close = second();
  close.run_delay_ns = 0.0104 * close.wall_ns;
  const auto near = disturbances(close, limits);
  ASSERT_EQ(near.size(), 1u) << figures(near);
  EXPECT_EQ(near[0].text, "run delay 1.04% of wall time (limit 1%)");
  close.run_delay_ns.reset();
  close.involuntary_switches = 1;
  close.cpu_migrations = 2;
  Thresholds strict;
  strict.max_involuntary_switches_per_second = 0.5;
  const auto singular = disturbances(close, strict);
  ASSERT_EQ(singular.size(), 2u) << figures(singular);
  EXPECT_EQ(find(singular, "involuntary_switches")->text, "1 involuntary context switch, 1/s (limit 0.5/s)");
  EXPECT_EQ(find(singular, "cpu_migrations")->text, "2 CPU migrations (limit 0)");
}

// ---- a probe on fixture sources, the thread pinned so its CPU is known

class NoiseProbeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(affinity_.allowed().empty()) << "sched_getaffinity gave no CPU";
    cpu_ = affinity_.allowed().front();
    ASSERT_EQ(pin_current_thread(cpu_), "");
    ASSERT_EQ(::sched_getcpu(), cpu_);
    sources_.proc_stat = folder_.path() / "stat";
    sources_.schedstat = folder_.path() / "schedstat";
    sources_.loadavg = folder_.path() / "loadavg";
    sources_.perf_software_events = false;  // cpu-migrations: the live tests count them
  }
  void write_stat(const std::string& text) { folder_.file("stat", text); }

  KeepAffinity affinity_;
  TempFolder folder_{"engram_noise"};
  ProbeSources sources_;
  int cpu_ = -1;
};

TEST_F(NoiseProbeFixture, KnownDeltasBetweenStartAndStop) {
  // Another CPU's steal moves too: it must not count.
  const int other = cpu_ + 1;
  std::string stat = set_cpu_line(fixture("proc_stat_4cpu"), cpu_, fields_with_steal(1000));
  write_stat(set_cpu_line(stat, other, fields_with_steal(500)));
  folder_.file("schedstat", "3110885123456 2345678901 48213\n");
  folder_.file("loadavg", fixture("loadavg_good"));

  NoiseProbe probe(sources_);
  EXPECT_EQ(probe.unavailable().size(), 1u);
  ASSERT_EQ(probe.unavailable().count("cpu_migrations"), 1u);
  EXPECT_NE(probe.unavailable().at("cpu_migrations").find("perf_software_events"), std::string::npos);

  probe.start();
  stat = set_cpu_line(fixture("proc_stat_4cpu"), cpu_, fields_with_steal(1003));
  write_stat(set_cpu_line(stat, other, fields_with_steal(540)));
  folder_.file("schedstat", "3110890123456 2350678901 48215\n");  // +5 ms waiting
  folder_.file("loadavg", "9.99 1.87 1.02 3/412 98765\n");          // read at start() only
  const NoiseSample sample = probe.stop();

  EXPECT_EQ(sample.cpu_at_start, cpu_);
  EXPECT_EQ(sample.cpu_at_end, cpu_);
  ASSERT_TRUE(sample.steal_ns.has_value());
  EXPECT_DOUBLE_EQ(*sample.steal_ns, 3 * nanoseconds_per_tick());
  ASSERT_TRUE(sample.run_delay_ns.has_value());
  EXPECT_DOUBLE_EQ(*sample.run_delay_ns, 5e6);
  ASSERT_TRUE(sample.loadavg.has_value());
  EXPECT_DOUBLE_EQ(*sample.loadavg, 2.31);
  EXPECT_TRUE(sample.involuntary_switches.has_value()) << "getrusage is the real one";
  EXPECT_FALSE(sample.cpu_migrations.has_value());
  EXPECT_GT(sample.wall_ns, 0);
  EXPECT_EQ(probe.unavailable().size(), 1u);

  // A second region on the same probe measures from its own start.
  probe.start();
  const NoiseSample still = probe.stop();
  EXPECT_EQ(still.steal_ns, 0.0);
  EXPECT_EQ(still.run_delay_ns, 0.0);
}

TEST_F(NoiseProbeFixture, AThreadThatMovedCountsTheStealOfBothCpus) {
  if (affinity_.allowed().size() < 2) GTEST_SKIP() << "this thread may run on one CPU only";
  const int first = affinity_.allowed()[0];
  const int second_cpu = affinity_.allowed()[1];
  const int elsewhere = affinity_.allowed().back() + 1;  // a CPU it never ran on
  auto write = [&](std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    std::string stat = set_cpu_line(fixture("proc_stat_2cpu"), first, fields_with_steal(a));
    stat = set_cpu_line(stat, second_cpu, fields_with_steal(b));
    write_stat(set_cpu_line(stat, elsewhere, fields_with_steal(c)));
  };
  write(100, 200, 300);
  folder_.file("schedstat", fixture("schedstat_good"));
  folder_.file("loadavg", fixture("loadavg_good"));
  NoiseProbe probe(sources_);
  probe.start();
  ASSERT_EQ(pin_current_thread(second_cpu), "");
  write(102, 203, 350);
  const NoiseSample sample = probe.stop();
  EXPECT_EQ(sample.cpu_at_start, first);
  EXPECT_EQ(sample.cpu_at_end, second_cpu);
  ASSERT_TRUE(sample.steal_ns.has_value());
  EXPECT_DOUBLE_EQ(*sample.steal_ns, (2 + 3) * nanoseconds_per_tick());
}

TEST_F(NoiseProbeFixture, MissingSourcesAreUnavailableNotZero) {
  NoiseProbe probe(sources_);  // no file written
  for (const char* figure : {"steal", "run_delay", "loadavg"}) {
    ASSERT_EQ(probe.unavailable().count(figure), 1u) << figure;
    EXPECT_NE(probe.unavailable().at(figure).find(folder_.path().string()), std::string::npos)
        << figure << ": " << probe.unavailable().at(figure);
  }
  probe.start();
  busy_cpu_for(std::chrono::milliseconds(1));
  const NoiseSample sample = probe.stop();
  EXPECT_FALSE(sample.steal_ns.has_value());
  EXPECT_FALSE(sample.run_delay_ns.has_value());
  EXPECT_FALSE(sample.loadavg.has_value());
  EXPECT_GT(sample.wall_ns, 0);
  EXPECT_GT(sample.cpu_ns, 0);
}

TEST_F(NoiseProbeFixture, MalformedSourcesAreUnavailableWithTheReason) {
  // The pinned CPU's line is the malformed one (cpu1's, "34x1").
  write_stat(set_cpu_line(fixture("proc_stat_malformed"), cpu_, cpu_fields(fixture("proc_stat_malformed"), 1)));
  folder_.file("schedstat", fixture("schedstat_malformed"));
  folder_.file("loadavg", fixture("loadavg_malformed"));
  NoiseProbe probe(sources_);
  ASSERT_EQ(probe.unavailable().count("steal"), 1u);
  EXPECT_NE(probe.unavailable().at("steal").find("34x1"), std::string::npos) << probe.unavailable().at("steal");
  ASSERT_EQ(probe.unavailable().count("run_delay"), 1u);
  EXPECT_NE(probe.unavailable().at("run_delay").find("three whole numbers"), std::string::npos)
      << probe.unavailable().at("run_delay");
  ASSERT_EQ(probe.unavailable().count("loadavg"), 1u);
  EXPECT_NE(probe.unavailable().at("loadavg").find("2,31"), std::string::npos) << probe.unavailable().at("loadavg");
}

TEST_F(NoiseProbeFixture, OldKernelHasNoSteal) {
  write_stat(set_cpu_line(fixture("proc_stat_old_kernel"), cpu_, cpu_fields(fixture("proc_stat_old_kernel"), 0)));
  folder_.file("schedstat", fixture("schedstat_good"));
  folder_.file("loadavg", fixture("loadavg_good"));
  NoiseProbe probe(sources_);
  ASSERT_EQ(probe.unavailable().count("steal"), 1u);
  EXPECT_NE(probe.unavailable().at("steal").find("no steal column"), std::string::npos)
      << probe.unavailable().at("steal");
  EXPECT_EQ(probe.unavailable().count("run_delay"), 0u);
  probe.start();
  EXPECT_FALSE(probe.stop().steal_ns.has_value());
}

TEST_F(NoiseProbeFixture, ASourceThatFailsLaterIsLeftOutFromThenOn) {
  write_stat(set_cpu_line(fixture("proc_stat_4cpu"), cpu_, fields_with_steal(10)));
  folder_.file("schedstat", fixture("schedstat_good"));
  folder_.file("loadavg", fixture("loadavg_good"));
  NoiseProbe probe(sources_);
  ASSERT_EQ(probe.unavailable().count("run_delay"), 0u);
  probe.start();
  folder_.file("schedstat", fixture("schedstat_malformed"));  // the probe keeps the file open
  const NoiseSample gone = probe.stop();
  EXPECT_FALSE(gone.run_delay_ns.has_value());
  ASSERT_EQ(probe.unavailable().count("run_delay"), 1u);
  EXPECT_NE(probe.unavailable().at("run_delay").find("three whole numbers"), std::string::npos)
      << probe.unavailable().at("run_delay");
  folder_.file("schedstat", fixture("schedstat_good"));  // good again, but the figure stays out
  probe.start();
  EXPECT_FALSE(probe.stop().run_delay_ns.has_value());
  EXPECT_TRUE(gone.steal_ns.has_value()) << "the other figures go on";
}

TEST_F(NoiseProbeFixture, MisuseThrows) {
  NoiseProbe probe(sources_);
  EXPECT_THROW(probe.stop(), std::logic_error) << "stop() without start()";
  bool threw = false;
  std::thread other([&] {
    try {
      probe.start();
    } catch (const std::logic_error&) {
      threw = true;
    }
  });
  other.join();
  EXPECT_TRUE(threw) << "start() on another thread than the constructor's";
}

// ---- a probe on this machine

TEST(NoiseProbeLive, EveryFigureIsMeasuredOrExplained) {
  NoiseProbe probe;
  probe.start();
  busy_cpu_for(std::chrono::milliseconds(5));
  const NoiseSample sample = probe.stop();
  const std::map<std::string, std::optional<double>> figures_by_name = {
      {"steal", sample.steal_ns},
      {"run_delay", sample.run_delay_ns},
      {"involuntary_switches", sample.involuntary_switches},
      {"cpu_migrations", sample.cpu_migrations},
      {"loadavg", sample.loadavg},
  };
  for (const auto& [name, value] : figures_by_name) {
    const auto reason = probe.unavailable().find(name);
    if (value) {
      EXPECT_EQ(reason, probe.unavailable().end()) << name << " measured and unavailable: " << reason->second;
      EXPECT_GE(*value, 0) << name;
    } else {
      ASSERT_NE(reason, probe.unavailable().end()) << name << " absent without a reason";
      EXPECT_FALSE(reason->second.empty()) << name;
      std::cout << "[ noise    ] " << name << " unavailable here: " << reason->second << "\n";
    }
  }
  EXPECT_EQ(probe.unavailable().size(), figures_by_name.size() - static_cast<std::size_t>(std::count_if(
      figures_by_name.begin(), figures_by_name.end(), [](const auto& entry) { return entry.second.has_value(); })))
      << "unavailable() names only the five figures";
  EXPECT_GE(sample.cpu_ns, 5e6) << "the 5 ms spin";
  // The wall interval encloses the CPU-time interval; 1% for the two clocks'
  // rates (sched_clock against CLOCK_MONOTONIC).
  EXPECT_GE(sample.wall_ns, 0.99 * sample.cpu_ns);
  EXPECT_GE(sample.cpu_at_start, 0);
  EXPECT_GE(sample.cpu_at_end, 0);
}

TEST(NoiseProbeLive, ASleepInTheRegionIsDisturbed) {
  NoiseProbe probe;
  probe.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const NoiseSample sample = probe.stop();
  EXPECT_GE(sample.wall_ns, 20e6);
  const auto found = disturbances(sample, Thresholds{});
  const Disturbance* ratio = find(found, "wall_over_cpu");
  ASSERT_NE(ratio, nullptr) << "wall " << sample.wall_ns << " ns, task-clock " << sample.cpu_ns << " ns: "
                            << figures(found);
  EXPECT_GT(ratio->value, 2) << "a sleeping thread uses microseconds of CPU in 20 ms";
}

// ---- pinning

TEST(NoiseAffinity, AllowedCpusAreAscendingAndHoldTheCurrentOne) {
  const std::vector<int> cpus = allowed_cpus();
  ASSERT_FALSE(cpus.empty());
  EXPECT_TRUE(std::is_sorted(cpus.begin(), cpus.end()));
  EXPECT_TRUE(std::adjacent_find(cpus.begin(), cpus.end()) == cpus.end());
  EXPECT_NE(std::find(cpus.begin(), cpus.end(), ::sched_getcpu()), cpus.end());
}

TEST(NoiseAffinity, PinnedThreadRunsOnThatCpu) {
  KeepAffinity affinity;
  for (int cpu : {affinity.allowed().front(), affinity.allowed().back()}) {
    ASSERT_EQ(pin_current_thread(cpu), "") << cpu;
    EXPECT_EQ(::sched_getcpu(), cpu);
    EXPECT_EQ(allowed_cpus(), std::vector<int>{cpu});
  }
}

TEST(NoiseAffinity, AbsurdCpuIsRefusedWithTheReason) {
  KeepAffinity affinity;
  for (int cpu : {100000, -1}) {
    const std::string why = pin_current_thread(cpu);
    EXPECT_NE(why.find("CPU " + std::to_string(cpu)), std::string::npos) << why;
    EXPECT_NE(why.find("out of range"), std::string::npos) << why;
  }
  EXPECT_EQ(allowed_cpus(), affinity.allowed()) << "a refused pin changes nothing";
}

}  // namespace
