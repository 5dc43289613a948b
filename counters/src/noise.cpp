// engram noise: the kernel files' parsers, the disturbed-region rule and the
// probe (engram/noise.hpp). The affinity helpers are in noise_affinity.cpp.
#include "engram/noise.hpp"

#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace engram::noise {

namespace {

// /proc/stat lists every CPU and every interrupt; with hundreds of CPUs it
// reaches a few hundred KB. Anything past this is not /proc/stat.
constexpr std::size_t kMaxProcStatBytes = std::size_t{4} << 20;
// schedstat and loadavg are one short line each.
constexpr std::size_t kMaxSmallFileBytes = 4096;
// The first read's size: all of /proc/stat on a small machine, so the buffer
// rarely grows, and after the constructor's read it never does.
constexpr std::size_t kInitialReadBytes = 16384;
// The steal column is the 8th number of a cpu line (user nice system idle
// iowait irq softirq steal ...).
constexpr std::size_t kStealField = 8;

// Field separators; a newline too, so that a file's last field ends there.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view next_token(std::string_view& rest) {
  std::size_t begin = 0;
  while (begin < rest.size() && is_blank(rest[begin])) ++begin;
  std::size_t end = begin;
  while (end < rest.size() && !is_blank(rest[end])) ++end;
  const std::string_view token = rest.substr(begin, end - begin);
  rest.remove_prefix(end);
  return token;
}

std::optional<std::uint64_t> whole_number(std::string_view token) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (token.empty() || error != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return value;
}

// What follows the label of the "cpuN" line of /proc/stat, or nullopt when
// there is no such line. "cpu1" must not match "cpu10", nor "cpu" (the sum
// over all CPUs) any of them.
std::optional<std::string_view> cpu_line_fields(std::string_view proc_stat, int cpu) {
  if (cpu < 0) return std::nullopt;
  while (!proc_stat.empty()) {
    const std::size_t newline = proc_stat.find('\n');
    const std::string_view line = proc_stat.substr(0, newline);
    proc_stat.remove_prefix(newline == std::string_view::npos ? proc_stat.size() : newline + 1);
    if (line.substr(0, 3) != "cpu") continue;
    const char* digits = line.data() + 3;
    const char* line_end = line.data() + line.size();
    int number = -1;
    const auto [end, error] = std::from_chars(digits, line_end, number);
    if (error != std::errc() || end == digits || number != cpu) continue;
    if (end != line_end && !is_blank(*end)) continue;  // "cpu0x": not a cpu line
    return line.substr(static_cast<std::size_t>(end - line.data()));
  }
  return std::nullopt;
}

// The numbers of a cpu line, checked; how many there are.
std::size_t count_cpu_fields(std::string_view fields, int cpu, std::uint64_t* steal) {
  std::size_t count = 0;
  for (std::string_view token = next_token(fields); !token.empty(); token = next_token(fields)) {
    ++count;
    const std::optional<std::uint64_t> value = whole_number(token);
    if (!value) {
      throw std::invalid_argument(fmt::format("the cpu{} line of /proc/stat: field {} is not a whole number: \"{}\"",
                                              cpu, count, token.substr(0, 32)));
    }
    if (count == kStealField && steal != nullptr) *steal = *value;
  }
  if (count == 0) throw std::invalid_argument(fmt::format("the cpu{} line of /proc/stat has no numbers", cpu));
  return count;
}

// Why the steal of `cpu` cannot be read from this /proc/stat text, or "".
std::string steal_missing_reason(std::string_view proc_stat, int cpu, const std::string& source) {
  const std::optional<std::string_view> fields = cpu_line_fields(proc_stat, cpu);
  if (!fields) return fmt::format("{} has no cpu{} line", source, cpu);
  const std::size_t count = count_cpu_fields(*fields, cpu, nullptr);
  if (count < kStealField) {
    return fmt::format("{} has {} numbers on its cpu{} line, no steal column (kernels before 2.6.11)", source, count,
                       cpu);
  }
  return "";
}

std::string errno_text(int error_number) { return std::strerror(error_number); }

// A kernel file kept open and read again from offset 0 each time: a /proc
// file makes its text anew for every read at offset 0, and opening it costs
// more than reading it (here /proc/loadavg: 4.7 us opened and read, 1.2 us
// read again). Reads are bounded (a /proc file has no size to check
// beforehand) and reuse the caller's buffer, so that once grown they
// allocate nothing.
class SourceFile {
 public:
  SourceFile() = default;
  ~SourceFile() { close(); }
  SourceFile(const SourceFile&) = delete;
  SourceFile& operator=(const SourceFile&) = delete;

  // "" on success, else the reason.
  std::string open(const std::filesystem::path& path, std::size_t max_bytes) {
    close();
    path_ = path;
    max_bytes_ = max_bytes;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return fmt::format("cannot open {}: {}", path.string(), errno_text(errno));
    return "";
  }
  bool is_open() const { return fd_ >= 0; }
  const std::filesystem::path& path() const { return path_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // The whole file into `buffer`; "" on success, else the reason.
  std::string read(std::string& buffer) const {
    if (fd_ < 0) return fmt::format("{} is not open", path_.string());
    buffer.resize(std::max(buffer.capacity(), std::min(kInitialReadBytes, max_bytes_ + 1)));
    std::size_t used = 0;
    for (;;) {
      if (used == buffer.size()) {
        if (used > max_bytes_) {
          buffer.clear();
          return fmt::format("{} is larger than {} bytes; not read", path_.string(), max_bytes_);
        }
        buffer.resize(std::min(buffer.size() * 2, max_bytes_ + 1));
      }
      const ssize_t got = ::pread(fd_, buffer.data() + used, buffer.size() - used, static_cast<off_t>(used));
      if (got < 0) {
        if (errno == EINTR) continue;
        const int error = errno;
        buffer.clear();
        return fmt::format("cannot read {}: {}", path_.string(), errno_text(error));
      }
      if (got == 0) break;
      used += static_cast<std::size_t>(got);
    }
    buffer.resize(used);
    return "";
  }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  std::size_t max_bytes_ = 0;
};

std::int64_t clock_ns(clockid_t clock) {
  timespec now{};
  ::clock_gettime(clock, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// A whole-looking number without trailing zeros: 1 -> "1", 1.02 -> "1.02".
std::string plain(double value) {
  std::string text = fmt::format("{:.6f}", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// `value` with at least `decimals` decimals and more where fewer would print
// it as the limit it exceeds ("1.0% (limit 1%)" for 1.04%).
std::string above(double value, double limit, int decimals) {
  std::string text;
  for (int shown = decimals; shown <= decimals + 4; ++shown) {
    text = fmt::format("{:.{}f}", value, shown);
    if (std::strtod(text.c_str(), nullptr) > limit) break;
  }
  return text;
}

std::string plural(double count, const char* one, const char* many) { return count == 1 ? one : many; }

}  // namespace

// ---- parsers

std::optional<std::uint64_t> parse_steal_ticks(std::string_view proc_stat, int cpu) {
  const std::optional<std::string_view> fields = cpu_line_fields(proc_stat, cpu);
  if (!fields) return std::nullopt;
  std::uint64_t steal = 0;
  if (count_cpu_fields(*fields, cpu, &steal) < kStealField) return std::nullopt;
  return steal;
}

SchedStat parse_schedstat(std::string_view text) {
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);  // for the messages
  const std::string_view shown = text.substr(0, 64);                    // a message, not a dump
  std::uint64_t values[3] = {};
  std::string_view rest = text;
  for (std::uint64_t& value : values) {
    const std::string_view token = next_token(rest);
    const std::optional<std::uint64_t> number = whole_number(token);
    if (!number) {
      throw std::invalid_argument(fmt::format("schedstat \"{}\": expected three whole numbers", shown));
    }
    value = *number;
  }
  if (!next_token(rest).empty()) {
    throw std::invalid_argument(fmt::format("schedstat \"{}\": more than three numbers", shown));
  }
  return SchedStat{values[0], values[1], values[2]};
}

double parse_loadavg(std::string_view text) {
  std::string_view rest = text;
  const std::string_view first = next_token(rest);
  double value = 0;
  const auto [end, error] = std::from_chars(first.data(), first.data() + first.size(), value);
  const bool whole_token = !first.empty() && error == std::errc() && end == first.data() + first.size();
  if (!whole_token || !std::isfinite(value) || value < 0) {
    throw std::invalid_argument(
        fmt::format("loadavg \"{}\": the first field is not a finite number >= 0", text.substr(0, 64)));
  }
  return value;
}

// ---- the rule

std::vector<Disturbance> disturbances(const NoiseSample& sample, const Thresholds& thresholds) {
  std::vector<Disturbance> out;
  // Fractions and rates need a wall time to divide by; a region without one
  // says nothing about them.
  const bool has_wall = sample.wall_ns > 0;
  if (sample.steal_ns && has_wall) {
    const double fraction = std::max(0.0, *sample.steal_ns - sample.steal_tick_ns) / sample.wall_ns;
    if (fraction > thresholds.max_steal_fraction) {
      out.push_back({"steal", fraction, thresholds.max_steal_fraction,
                     fmt::format("steal {} ms, {}% of wall time{} (limit {}%)", plain(std::round(*sample.steal_ns / 1e5) / 10),
                                 above(fraction * 100, thresholds.max_steal_fraction * 100, 1),
                                 sample.steal_tick_ns > 0 ? " beyond its one-tick resolution" : "",
                                 plain(thresholds.max_steal_fraction * 100))});
    }
  }
  if (sample.run_delay_ns && has_wall) {
    const double fraction = *sample.run_delay_ns / sample.wall_ns;
    if (fraction > thresholds.max_run_delay_fraction) {
      out.push_back({"run_delay", fraction, thresholds.max_run_delay_fraction,
                     fmt::format("run delay {}% of wall time (limit {}%)",
                                 above(fraction * 100, thresholds.max_run_delay_fraction * 100, 1),
                                 plain(thresholds.max_run_delay_fraction * 100))});
    }
  }
  if (sample.involuntary_switches && has_wall) {
    const double count = *sample.involuntary_switches;
    const double per_second = count * 1e9 / sample.wall_ns;
    if (per_second > thresholds.max_involuntary_switches_per_second) {
      out.push_back({"involuntary_switches", per_second, thresholds.max_involuntary_switches_per_second,
                     fmt::format("{} involuntary context {}, {}/s (limit {}/s)", plain(count),
                                 plural(count, "switch", "switches"),
                                 above(per_second, thresholds.max_involuntary_switches_per_second, 0),
                                 plain(thresholds.max_involuntary_switches_per_second))});
    }
  }
  if (sample.cpu_migrations && *sample.cpu_migrations > thresholds.max_cpu_migrations) {
    const double count = *sample.cpu_migrations;
    out.push_back({"cpu_migrations", count, thresholds.max_cpu_migrations,
                   fmt::format("{} CPU {} (limit {})", plain(count), plural(count, "migration", "migrations"),
                               plain(thresholds.max_cpu_migrations))});
  }
  // No task-clock (a region too short for the thread clock to move) is no
  // evidence either way.
  if (has_wall && sample.cpu_ns > 0) {
    const double ratio = sample.wall_ns / sample.cpu_ns;
    if (ratio > thresholds.max_wall_over_cpu) {
      out.push_back({"wall_over_cpu", ratio, thresholds.max_wall_over_cpu,
                     fmt::format("wall time {}x task-clock (limit {}x)", above(ratio, thresholds.max_wall_over_cpu, 2),
                                 plain(thresholds.max_wall_over_cpu))});
    }
  }
  if (sample.loadavg && thresholds.max_loadavg && *sample.loadavg > *thresholds.max_loadavg) {
    out.push_back({"loadavg", *sample.loadavg, *thresholds.max_loadavg,
                   fmt::format("load average {} (limit {})", above(*sample.loadavg, *thresholds.max_loadavg, 2),
                               plain(*thresholds.max_loadavg))});
  }
  if (sample.memory_slowdown && thresholds.max_memory_slowdown &&
      *sample.memory_slowdown > *thresholds.max_memory_slowdown) {
    out.push_back({"memory_slowdown", *sample.memory_slowdown, *thresholds.max_memory_slowdown,
                   fmt::format("memory probe {}% slower than its fastest read (limit {}%)",
                               above(*sample.memory_slowdown * 100, *thresholds.max_memory_slowdown * 100, 1),
                               plain(*thresholds.max_memory_slowdown * 100))});
  }
  return out;
}

// ---- the probe

namespace {

// The figures' names in NoiseProbe::unavailable().
constexpr const char* kSteal = "steal";
constexpr const char* kRunDelay = "run_delay";
constexpr const char* kSwitches = "involuntary_switches";
constexpr const char* kMigrations = "cpu_migrations";
constexpr const char* kLoadavg = "loadavg";

long perf_event_open(perf_event_attr& attr) {
  // pid 0, cpu -1: this thread, on whichever CPU it runs.
  return ::syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

std::string paranoid_setting() {
  SourceFile file;
  std::string text;
  if (!file.open("/proc/sys/kernel/perf_event_paranoid", kMaxSmallFileBytes).empty() || !file.read(text).empty()) {
    return "unreadable";
  }
  while (!text.empty() && is_blank(text.back())) text.pop_back();
  return text;
}

}  // namespace

struct NoiseProbe::State {
  pid_t thread_id = 0;
  long ticks_per_second = 0;  // USER_HZ, the unit of /proc/stat
  // The sources of the figures still measured; one that fails is closed.
  SourceFile proc_stat;
  SourceFile schedstat;
  SourceFile loadavg;
  bool switches = false;
  // /proc/stat at start() and at stop(), kept whole: which CPU's line matters
  // is known only at stop(). Reused, never reallocated once grown.
  std::string stat_at_start;
  std::string stat_at_stop;
  std::string small_file;  // schedstat, loadavg
  // The readings at start().
  bool started = false;
  int cpu = -1;
  std::int64_t wall_ns = 0;
  std::int64_t cpu_ns = 0;
  std::uint64_t run_delay_ns = 0;
  long involuntary_switches = 0;
  std::uint64_t migrations = 0;
  std::optional<double> loadavg_value;
};

namespace {

using Reasons = std::map<std::string, std::string>;

// Leaves a figure out from now on, saying why.
void drop(SourceFile& file, Reasons& unavailable, const char* figure, std::string why) {
  file.close();
  unavailable[figure] = std::move(why);
}

std::optional<SchedStat> read_schedstat(SourceFile& file, std::string& buffer, Reasons& unavailable) {
  std::string why = file.read(buffer);
  if (why.empty()) {
    try {
      return parse_schedstat(buffer);
    } catch (const std::invalid_argument& error) {
      why = file.path().string() + ": " + error.what();
    }
  }
  drop(file, unavailable, kRunDelay, std::move(why));
  return std::nullopt;
}

std::optional<double> read_loadavg(SourceFile& file, std::string& buffer, Reasons& unavailable) {
  std::string why = file.read(buffer);
  if (why.empty()) {
    try {
      return parse_loadavg(buffer);
    } catch (const std::invalid_argument& error) {
      why = file.path().string() + ": " + error.what();
    }
  }
  drop(file, unavailable, kLoadavg, std::move(why));
  return std::nullopt;
}

std::optional<std::uint64_t> read_migrations(int& fd, Reasons& unavailable) {
  std::uint64_t count = 0;
  if (::read(fd, &count, sizeof count) == static_cast<ssize_t>(sizeof count)) return count;
  unavailable[kMigrations] = "reading the cpu-migrations count failed: " + errno_text(errno);
  ::close(fd);
  fd = -1;
  return std::nullopt;
}

void require_thread(pid_t owner) {
  if (static_cast<pid_t>(::syscall(SYS_gettid)) != owner) {
    throw std::logic_error("NoiseProbe used on another thread than the one that constructed it");
  }
}

}  // namespace

NoiseProbe::NoiseProbe(ProbeSources sources) : sources_(std::move(sources)), state_(std::make_unique<State>()) {
  State& state = *state_;
  state.thread_id = static_cast<pid_t>(::syscall(SYS_gettid));
  state.stat_at_start.reserve(kInitialReadBytes);
  state.stat_at_stop.reserve(kInitialReadBytes);
  state.small_file.reserve(kMaxSmallFileBytes + 1);

  // Each source is opened and read once here, so that unavailable() tells at
  // once what this machine cannot measure. The files stay open: the probe
  // reads /proc/thread-self/schedstat of this thread, the constructor's.
  state.ticks_per_second = ::sysconf(_SC_CLK_TCK);
  const int cpu = ::sched_getcpu();
  if (state.ticks_per_second <= 0) {
    unavailable_[kSteal] = "sysconf(_SC_CLK_TCK) gives no tick rate for /proc/stat";
  } else if (cpu < 0) {
    unavailable_[kSteal] = "sched_getcpu failed (" + errno_text(errno) + "): which CPU's steal to read is unknown";
  } else if (std::string why = state.proc_stat.open(sources_.proc_stat, kMaxProcStatBytes); !why.empty()) {
    unavailable_[kSteal] = why;
  } else {
    why = state.proc_stat.read(state.stat_at_start);
    if (why.empty()) {
      try {
        why = steal_missing_reason(state.stat_at_start, cpu, sources_.proc_stat.string());
      } catch (const std::invalid_argument& error) {
        why = sources_.proc_stat.string() + ": " + error.what();
      }
    }
    if (!why.empty()) drop(state.proc_stat, unavailable_, kSteal, why);
  }

  if (std::string why = state.schedstat.open(sources_.schedstat, kMaxSmallFileBytes); !why.empty()) {
    unavailable_[kRunDelay] = why + " (the kernel keeps it with CONFIG_SCHED_INFO; /proc/thread-self needs Linux 3.17)";
  } else if (const auto first = read_schedstat(state.schedstat, state.small_file, unavailable_)) {
    // A thread that ran has time on the CPU; 0 is a kernel that keeps no
    // scheduler statistics and prints zeros.
    if (first->on_cpu_ns == 0) {
      drop(state.schedstat, unavailable_, kRunDelay,
           sources_.schedstat.string() + " reads zero time on the CPU: the kernel keeps no scheduler statistics "
                                         "(CONFIG_SCHED_INFO)");
    }
  }

  rusage usage{};
  if (::getrusage(RUSAGE_THREAD, &usage) != 0) {
    unavailable_[kSwitches] = "getrusage(RUSAGE_THREAD) failed: " + errno_text(errno);
  } else {
    state.switches = true;
  }

  if (!sources_.perf_software_events) {
    unavailable_[kMigrations] = "not asked for (ProbeSources::perf_software_events is false)";
  } else {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_MIGRATIONS;
    // Counting from the open on, read as deltas. Kernel mode stays counted:
    // a migration happens in the kernel, so exclude_kernel (what paranoid 2
    // would allow) counts none and would read as a false 0.
    attr.disabled = 0;
    const long fd = perf_event_open(attr);
    if (fd >= 0) {
      migrations_fd_ = static_cast<int>(fd);
    } else {
      const int error = errno;
      std::string why = "perf_event_open(cpu-migrations) failed: " + errno_text(error);
      if (error == EACCES || error == EPERM) {
        why += fmt::format(" at perf_event_paranoid = {}; fix: sudo sysctl kernel.perf_event_paranoid=1, or give "
                           "the program CAP_PERFMON (sudo setcap cap_perfmon+ep <program>)",
                           paranoid_setting());
      } else if (error == ENOSYS) {
        why += " (no perf events in this kernel or emulator)";
      }
      unavailable_[kMigrations] = why;
    }
  }

  if (std::string why = state.loadavg.open(sources_.loadavg, kMaxSmallFileBytes); !why.empty()) {
    unavailable_[kLoadavg] = why;
  } else {
    read_loadavg(state.loadavg, state.small_file, unavailable_);
  }
}

NoiseProbe::~NoiseProbe() {
  if (migrations_fd_ >= 0) ::close(migrations_fd_);
}

void NoiseProbe::start() {
  State& state = *state_;
  require_thread(state.thread_id);
  state.started = false;
  state.loadavg_value.reset();
  if (state.loadavg.is_open()) state.loadavg_value = read_loadavg(state.loadavg, state.small_file, unavailable_);
  if (state.proc_stat.is_open()) {
    if (std::string why = state.proc_stat.read(state.stat_at_start); !why.empty()) {
      drop(state.proc_stat, unavailable_, kSteal, why);
    }
  }
  if (state.schedstat.is_open()) {
    if (const auto now = read_schedstat(state.schedstat, state.small_file, unavailable_)) {
      state.run_delay_ns = now->run_delay_ns;
    }
  }
  if (state.switches) {
    rusage usage{};
    ::getrusage(RUSAGE_THREAD, &usage);
    state.involuntary_switches = usage.ru_nivcsw;
  }
  if (migrations_fd_ >= 0) state.migrations = read_migrations(migrations_fd_, unavailable_).value_or(0);
  state.cpu = ::sched_getcpu();
  state.started = true;
  // The clocks last: what the probe itself costs stays outside the region.
  state.cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  state.wall_ns = clock_ns(CLOCK_MONOTONIC);
}

NoiseSample NoiseProbe::stop() {
  // The clocks first, wall before CPU: the wall interval holds the CPU one.
  const std::int64_t wall_ns = clock_ns(CLOCK_MONOTONIC);
  const std::int64_t cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  State& state = *state_;
  require_thread(state.thread_id);
  if (!state.started) throw std::logic_error("NoiseProbe::stop() without a start()");
  state.started = false;

  NoiseSample sample;
  sample.wall_ns = static_cast<double>(wall_ns - state.wall_ns);
  sample.cpu_ns = static_cast<double>(cpu_ns - state.cpu_ns);
  sample.cpu_at_start = state.cpu;
  sample.cpu_at_end = ::sched_getcpu();
  sample.loadavg = state.loadavg_value;

  if (migrations_fd_ >= 0) {
    if (const auto count = read_migrations(migrations_fd_, unavailable_)) {
      sample.cpu_migrations = static_cast<double>(*count - state.migrations);
    }
  }
  if (state.switches) {
    rusage usage{};
    ::getrusage(RUSAGE_THREAD, &usage);
    sample.involuntary_switches = static_cast<double>(usage.ru_nivcsw - state.involuntary_switches);
  }
  if (state.schedstat.is_open()) {
    const auto now = read_schedstat(state.schedstat, state.small_file, unavailable_);
    if (now && now->run_delay_ns >= state.run_delay_ns) {
      sample.run_delay_ns = static_cast<double>(now->run_delay_ns - state.run_delay_ns);
    }
  }
  if (state.proc_stat.is_open()) {
    std::string why = state.proc_stat.read(state.stat_at_stop);
    if (why.empty() && (sample.cpu_at_start < 0 || sample.cpu_at_end < 0)) {
      why = "sched_getcpu failed: which CPU's steal to read is unknown";
    }
    if (why.empty()) {
      try {
        // The thread ran on the CPU it started on and, if it moved, on the
        // one it ended on, at times unknown: the steal of both CPUs over the
        // region bounds what it suffered (a CPU visited in between is missed).
        double ticks = 0;
        bool counts_went_back = false;
        const int cpus[2] = {sample.cpu_at_start, sample.cpu_at_end};
        for (int i = 0; i < (cpus[0] == cpus[1] ? 1 : 2) && why.empty(); ++i) {
          const std::optional<std::uint64_t> before = parse_steal_ticks(state.stat_at_start, cpus[i]);
          const std::optional<std::uint64_t> after = parse_steal_ticks(state.stat_at_stop, cpus[i]);
          if (!before || !after) {
            why = steal_missing_reason(before ? state.stat_at_stop : state.stat_at_start, cpus[i],
                                       sources_.proc_stat.string());
          } else if (*after < *before) {
            counts_went_back = true;  // a CPU taken offline and back: this region measures nothing
          } else {
            ticks += static_cast<double>(*after - *before);
          }
        }
        if (why.empty() && !counts_went_back) {
          sample.steal_ns = ticks * 1e9 / static_cast<double>(state.ticks_per_second);
          sample.steal_tick_ns = 1e9 / static_cast<double>(state.ticks_per_second);
        }
      } catch (const std::invalid_argument& error) {
        why = sources_.proc_stat.string() + ": " + error.what();
      }
    }
    if (!why.empty()) drop(state.proc_stat, unavailable_, kSteal, why);
  }
  return sample;
}

}  // namespace engram::noise
