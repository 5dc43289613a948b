// ecount stat: counts a command the way `perf stat` does, with a status for
// every counter and simulated cache/branch counts where the PMU is missing.
// perf's habits are kept where scripts depend on them: -r N (mean and
// relative standard error), -x SEP (perf's CSV fields, in perf's order), -p
// PID (attach for a duration or until Ctrl-C), `--` and the exit status.
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "ecount.hpp"
#include "engram/counters.hpp"
#include "engram/io/safe_write.hpp"
#include "process.hpp"

namespace engram::ecount {
namespace {

void stat_usage(std::ostream& out) {
  out << "usage: ecount stat -e LIST [options] [--] COMMAND [ARGS...]\n"
         "       ecount stat -e LIST -p PID [--duration S | -- COMMAND [ARGS...]]\n"
         "\n"
         "Runs COMMAND and counts it (and the processes it starts) like `perf stat`.\n"
         "Every counter gets a status: counted, multiplexed (scaled, with its running\n"
         "fraction), simulated, unsupported or no_permission, with the reason and fix;\n"
         "a counter that cannot be counted is shown without a value, never as 0.\n"
         "Cache and branch counters the hardware cannot count are simulated by running\n"
         "COMMAND a second time under callgrind (unless --sim=never). Hardware events are\n"
         "first checked over a short workload that must produce them: one that opens but\n"
         "counts 0 there (a PMU that does not implement it) is unsupported, not 0.\n"
         "\n"
         "  -e, --events LIST   comma-separated counter names (repeatable), e.g.\n"
         "                      task-clock,page-faults,context-switches,L1_DCM,BR_MSP\n"
         "  -r, --repeat N      run COMMAND N times (1..10000); print each counter's mean\n"
         "                      and, as perf does, its relative standard error over the\n"
         "                      runs, 100 * stddev / sqrt(N) / mean: ( +- x.xx% ).\n"
         "                      Simulated counters come from one callgrind run (the model\n"
         "                      is deterministic): 0.00%. Ctrl-C ends after the current run\n"
         "                      and reports the runs done.\n"
         "  -x, --field-separator SEP\n"
         "                      perf stat's CSV layout, one line per counter, fields in\n"
         "                      perf's order (see below); no other text\n"
         "  -p, --pid PID       attach to a running process (all its threads, and what\n"
         "                      they start from now on) until Ctrl-C, until --duration\n"
         "                      ends, until COMMAND (e.g. `-- sleep 5`) ends, or until the\n"
         "                      process exits; nothing is simulated (it cannot be re-run)\n"
         "  --duration S        with -p: count for S seconds (0 < S <= 1000000)\n"
         "  --sim MODE          auto (default), never, only\n"
         "  --valgrind PATH     valgrind executable for simulation (default: from PATH)\n"
         "  --json              print JSON instead of a table\n"
         "  -o, --output FILE   write the report to FILE (atomically) instead of stderr\n"
         "  --help              this text\n"
         "\n"
         "CSV (-x SEP), as `perf stat -x SEP` writes it, one line per counter:\n"
         "  value, unit, event, [variance, with -r only: \"x.xx%\"], run time (ns the\n"
         "  counter was on the PMU, summed over threads; mean over runs), percentage of\n"
         "  the enabled time it ran (100.00 unless multiplexed), metric value, metric unit\n"
         "  (task-clock: CPUs utilized; other software events: a rate per task-clock second).\n"
         "  unit: msec for task-clock and cpu-clock (value in ms, 2 decimals, as perf), else\n"
         "  empty. A counter without a value: <not supported> (unsupported, no_permission)\n"
         "  or <not counted> (multiplexed but never on the PMU) in the value field, run time\n"
         "  0, and its status in the metric unit field; never 0. A simulated counter: the\n"
         "  callgrind count as value, run time 0 (never on a PMU), 100.00 (it covers the\n"
         "  whole run, nothing scaled) and \"simulated\" in the metric unit field.\n"
         "  Reasons and fixes are not in the CSV: see the table or --json.\n"
         "\n"
         "Exit status: COMMAND's own status once it ran (as with `perf stat`; with -r the\n"
         "last run's), 128 + N when it was killed by signal N (perf returns 0 there), unless\n"
         "the report cannot be written (1). With -p and no COMMAND: 0 when --duration ends\n"
         "or the process exits; on Ctrl-C (SIGINT) the counts are printed and ecount ends\n"
         "by SIGINT, as perf does (a shell shows 130). Otherwise the codes below: 2 for bad\n"
         "usage (an unknown option, a bad -r/-x/-p/--duration value, an unknown or empty\n"
         "counter list, a PID with no process) or a command that cannot be executed\n"
         "(\"Workload failed: ...\"; perf exits 255 there), 1 when valgrind is needed and\n"
         "missing.\n\n"
      << io::exit_codes_help()
      << "\n"
         "examples: ecount stat -e task-clock,page-faults -- true\n"
         "          ecount stat -r 5 -x, -e task-clock,page-faults -- make -s\n"
         "          ecount stat -e task-clock,context-switches -p 1234 --duration 2\n";
}

std::vector<std::string> split_events(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = list.find(',', start);
    out.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string pad_left(const std::string& text, std::size_t n) {
  return text.size() >= n ? text : std::string(n - text.size(), ' ') + text;
}
std::string pad_right(const std::string& text, std::size_t n) {
  return text.size() >= n ? text : text + std::string(n - text.size(), ' ');
}

std::string shell_words(const std::vector<std::string>& command) {
  std::string out;
  for (const std::string& word : command) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

// ------------------------------------------------------------ the command line

struct StatArguments {
  std::vector<std::string> names;
  bool saw_events = false;
  bool json = false;
  std::string output;
  std::string valgrind;
  bool sim_given = false;
  counters::SimulationMode mode = counters::SimulationMode::automatic;
  int repeat = 1;
  std::optional<std::string> separator;
  std::optional<int> pid;
  std::optional<double> duration;
  std::vector<std::string> command;
};

// A short option that takes a value: "-x,", "-x ,", "-x=,"... perf's own
// parser takes "-xSEP" and "-x SEP"; "=" is kept for -e's sake only.
bool short_with_value(const std::string& arg, const char* flag) { return arg.rfind(flag, 0) == 0; }
std::string short_value(const std::vector<std::string>& args, std::size_t& i, const std::string& flag, bool allow_equals) {
  const std::string& arg = args[i];
  if (arg.size() > flag.size()) return arg.substr(allow_equals && arg[flag.size()] == '=' ? flag.size() + 1 : flag.size());
  return option_value(args, i, flag);
}

StatArguments parse_stat_arguments(const std::vector<std::string>& args, bool& help) {
  StatArguments a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      a.command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (arg == "-h" || arg == "--help") {
      help = true;
      return a;
    }
    if (short_with_value(arg, "-e") || is_option(arg, "--events")) {
      const bool is_short = arg.rfind("-e", 0) == 0;
      const std::string list = is_short ? short_value(args, i, "-e", true) : option_value(args, i, "--events");
      a.saw_events = true;
      if (list.empty()) throw UsageError("empty counter list after -e");
      for (std::string& name : split_events(list)) a.names.push_back(std::move(name));
    } else if (short_with_value(arg, "-r") || is_option(arg, "--repeat")) {
      const bool is_short = arg.rfind("-r", 0) == 0;
      const std::string text = is_short ? short_value(args, i, "-r", false) : option_value(args, i, "--repeat");
      a.repeat = io::parse_number<int>(is_short ? "-r" : "--repeat", text, {1, 10000});
    } else if (short_with_value(arg, "-x") || is_option(arg, "--field-separator")) {
      const bool is_short = arg.rfind("-x", 0) == 0;
      std::string sep = is_short ? short_value(args, i, "-x", false) : option_value(args, i, "--field-separator");
      if (sep.empty()) throw UsageError("-x: the field separator is empty (e.g. -x, or -x';')");
      if (sep.find_first_of("\n\r") != std::string::npos) throw UsageError("-x: the field separator holds a line break");
      if (sep.size() > 16) throw UsageError("-x: the field separator is longer than 16 bytes");
      a.separator = std::move(sep);
    } else if (short_with_value(arg, "-p") || is_option(arg, "--pid")) {
      const bool is_short = arg.rfind("-p", 0) == 0;
      const std::string text = is_short ? short_value(args, i, "-p", false) : option_value(args, i, "--pid");
      a.pid = io::parse_number<int>(is_short ? "-p" : "--pid", text, {1, std::numeric_limits<int>::max()});
    } else if (is_option(arg, "--duration")) {
      a.duration = io::parse_number<double>("--duration", option_value(args, i, "--duration"), {0, 1e6, true, false});
    } else if (arg == "--json") {
      a.json = true;
    } else if (arg == "-o" || is_option(arg, "--output")) {
      a.output = option_value(args, i, arg == "-o" ? "-o" : "--output");
    } else if (is_option(arg, "--sim")) {
      try {
        a.mode = counters::parse_simulation_mode(option_value(args, i, "--sim"));
        a.sim_given = true;
      } catch (const counters::CounterError& e) {
        throw UsageError(e.what());
      }
    } else if (is_option(arg, "--valgrind")) {
      a.valgrind = option_value(args, i, "--valgrind");
    } else if (!arg.empty() && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "'");
    } else {
      a.command.assign(args.begin() + static_cast<long>(i), args.end());
      break;
    }
  }
  if (!a.saw_events) throw UsageError("no counters: give -e LIST (e.g. -e task-clock,page-faults)");
  if (a.json && a.separator) throw UsageError("--json and -x: choose one output format");
  if (a.duration && !a.pid) throw UsageError("--duration counts an attached process: give -p PID (for a command, "
                                             "use -- sleep S as the command's end, or the command itself)");
  if (a.pid) {
    if (a.repeat != 1) throw UsageError("-r and -p: an attached process cannot be run again");
    if (a.duration && !a.command.empty()) throw UsageError("-p with both --duration and a COMMAND: choose one end");
    if (a.sim_given && a.mode == counters::SimulationMode::only)
      throw UsageError("--sim=only and -p: simulation re-runs the command under callgrind; an attached process "
                       "cannot be re-run");
  } else if (a.command.empty()) {
    throw UsageError("no command: ecount stat -e LIST -- COMMAND [ARGS...] (or -p PID)");
  }
  return a;
}

// ---------------------------------------------------------- SIGINT, as perf

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

// While ecount counts, Ctrl-C must not kill it before it reports. A handler,
// not SIG_IGN: a handler is reset to the default by exec, so the command
// still dies of Ctrl-C as it would under perf. No SA_RESTART: the waits see
// EINTR and look at the flag.
class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &previous_);
  }
  ~InterruptGuard() { ::sigaction(SIGINT, &previous_, nullptr); }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction previous_ {};
};

// ------------------------------------------------------------- measurement

struct Run {
  counters::Reading reading;
  int status = 0;
  double seconds = 0;
};

// A gated child is counted from its release, but right after fork it is
// still on its way to the gate, taking a copy-on-write fault for each page it
// writes: counted, that would add some 25 page faults that perf (which counts
// from exec) does not see, whenever opening the counters took less time than
// the child's way to the gate (every run of -r after the first). So wait
// until it blocks in the gate's read(2). /proc/PID/syscall (its parent may
// read it) names the system call it is blocked in; where it is missing, go on.
void wait_until_at_gate(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/syscall";
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < give_up) {
    std::ifstream in(path);
    std::string first;
    if (!(in >> first)) return;
    std::string complaint;
    const auto number = io::read_number<long>(first, {0, 1L << 20}, complaint);
    if (number && *number == SYS_read) return;
    if (!number && first != "running") return;  // a format we do not know: do not wait on it
    timespec pause{0, 200000};
    ::nanosleep(&pause, nullptr);
  }
}

// The child's last step before exec is the call to execve(2). Its lazy
// binding, resolved in the child, walks the dynamic linker's symbol tables,
// whose pages a forked child faults in anew (fork copies no page tables of
// file mappings): some 25 page faults after the gate that perf, counting
// from exec, does not see; in the first run they happened to come before the
// gate (another symbol's resolution touched the same pages), in later runs
// of -r after it. Resolved once here, in the parent, the binding is inherited.
void bind_execve_now() {
  static const bool bound = [] {
    const int saved = errno;
    char* const nothing[] = {nullptr};
    ::execve("", nothing, nothing);  // fails at once (ENOENT): only the binding matters
    errno = saved;
    return true;
  }();
  (void)bound;
}

// One run of the command, counted from its exec on. A command that cannot
// run is bad input (2), with perf's words in front.
Run run_once(const StatArguments& a, const counters::Options& base) {
  counters::detail::ChildOptions child_options;
  child_options.capture_output = false;
  child_options.gated = true;  // nothing runs before the counters are attached
  std::optional<counters::detail::Child> child;
  bind_execve_now();
  try {
    child.emplace(a.command, child_options);
  } catch (const counters::CounterError& e) {
    throw io::InputError(std::string("Workload failed: ") + e.what());
  }
  counters::Options options = base;
  options.target_pid = child->pid();
  counters::CounterSet set = counters::CounterSet::open(a.names, options);
  if (set.needs_simulation()) counters::detail::locate_valgrind(a.valgrind);  // fail before running anything
  Run run;
  wait_until_at_gate(child->pid());
  const auto begin = std::chrono::steady_clock::now();
  set.start();
  try {
    child->release();
  } catch (const counters::CounterError& e) {
    throw io::InputError(std::string("Workload failed: ") + e.what());
  }
  run.status = child->wait();
  set.stop();
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  run.reading = set.read();
  return run;
}

bool needs_simulation(const counters::Reading& reading) {
  return std::any_of(reading.counters.begin(), reading.counters.end(),
                     [](const counters::CounterValue& c) { return c.backend == counters::Backend::simulated && !c.value; });
}

void simulate(counters::Reading& reading, const StatArguments& a) {
  counters::CallgrindRunOptions run_options;
  run_options.valgrind = a.valgrind;
  run_options.collect_at_start = true;  // the command has no regions of its own
  run_options.accept_nonzero_exit = true;
  const counters::CallgrindRun run = counters::run_under_callgrind(a.command, run_options);
  reading.merge_simulated(run.profile.total());
  reading.notes.push_back("simulated counters come from a second run under callgrind (the command's own "
                          "process only, not the processes it starts); cache geometry from " +
                          run.geometry.source);
}

// How bad a status is, to combine readings: the worst one wins.
int badness(counters::Status status) {
  switch (status) {
    case counters::Status::counted: return 0;
    case counters::Status::simulated: return 1;
    case counters::Status::multiplexed: return 2;
    case counters::Status::unsupported: return 3;
    case counters::Status::no_permission: return 4;
  }
  return 4;
}

// The time a counter was enabled and running, summed over the groups that
// hold it (one per thread when attached to a process): perf's run time and
// enabled percentage.
struct CounterTimes {
  double running_ns = 0;
  double enabled_ns = 0;
};
CounterTimes times_of(const counters::Reading& reading, const std::string& canonical) {
  CounterTimes out;
  for (const counters::GroupTimes& g : reading.groups) {
    if (!g.read_ok) continue;
    if (std::find(g.members.begin(), g.members.end(), canonical) == g.members.end()) continue;
    out.running_ns += static_cast<double>(g.time_running_ns);
    out.enabled_ns += static_cast<double>(g.time_enabled_ns);
  }
  return out;
}

// One line of the report: the counter (a mean over runs or a sum over
// threads), its relative standard error (with -r) and its times.
struct Row {
  counters::CounterValue counter;
  std::optional<double> rel_stddev_percent;
  CounterTimes times;
};

// perf's statistics (tools/perf/util/stat.c): the standard error of the
// mean, relative to the mean, in percent; 0 for fewer than two runs.
double relative_standard_error(const std::vector<double>& values) {
  const double n = static_cast<double>(values.size());
  if (values.size() < 2) return 0;
  double mean = 0;
  for (double v : values) mean += v;
  mean /= n;
  if (mean == 0) return 0;
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return 100.0 * std::sqrt(squares / (n - 1) / n) / mean;
}

// Several readings of the same counter list (runs of -r, or threads of -p)
// as one row per counter: the mean over runs or the sum over threads. A
// counter is only as good as its worst reading: one run or thread without a
// value leaves the row without a value, with that reading's reason.
std::vector<Row> combine(const std::vector<counters::Reading>& readings, bool mean, bool with_variance) {
  std::vector<Row> rows;
  if (readings.empty()) return rows;
  const std::size_t count = readings.front().counters.size();
  for (std::size_t i = 0; i < count; ++i) {
    Row row;
    row.counter = readings.front().counters[i];
    std::vector<double> values;
    double fraction = 0;
    bool all_valued = true;
    std::optional<std::uint64_t> raw_sum = 0;
    for (const counters::Reading& r : readings) {
      const counters::CounterValue& c = r.counters[i];
      if (badness(c.status) > badness(row.counter.status) || (!c.value && row.counter.value)) {
        row.counter.status = c.status;
        row.counter.reason = c.reason;
        row.counter.fix = c.fix;
      }
      if (!c.value) {
        all_valued = false;
        continue;
      }
      values.push_back(*c.value);
      fraction += c.running_fraction;
      if (raw_sum && c.raw) *raw_sum += *c.raw; else raw_sum.reset();
      const CounterTimes t = times_of(r, c.canonical);
      row.times.running_ns += t.running_ns;
      row.times.enabled_ns += t.enabled_ns;
    }
    const double n = static_cast<double>(readings.size());
    if (!all_valued) {
      row.counter.value.reset();
      row.counter.raw.reset();
      row.counter.running_fraction = 0;
      row.times = {};
    } else {
      double sum = 0;
      for (double v : values) sum += v;
      row.counter.value = mean ? sum / n : sum;
      row.counter.raw = mean ? std::nullopt : raw_sum;
      row.counter.running_fraction = fraction / n;
      if (mean) row.times = {row.times.running_ns / n, row.times.enabled_ns / n};
    }
    if (with_variance) row.rel_stddev_percent = relative_standard_error(values);
    rows.push_back(std::move(row));
  }
  return rows;
}

// ------------------------------------------------------------ attaching (-p)

// /proc/PID/stat says running, sleeping...: alive; a zombie has exited.
bool process_alive(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return false;
  char buffer[1024] = {};
  in.read(buffer, sizeof buffer - 1);  // the state follows the last ')' (the name may hold one)
  const std::string text(buffer, static_cast<std::size_t>(in.gcount()));
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return true;
  const char state = text[close + 2];
  return state != 'Z' && state != 'X';
}

// Threads counted with -p at most: one counter set (file descriptors) each.
constexpr std::size_t kMaxAttachedThreads = 4096;

// The process' threads now (perf's default with -p); the threads and
// processes they start later are counted through inheritance.
std::vector<int> threads_of(int pid) {
  std::vector<int> tids;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
    const std::string name = entry.path().filename().string();
    std::string complaint;
    if (const auto tid = io::read_number<int>(name, {1, std::numeric_limits<int>::max()}, complaint)) tids.push_back(*tid);
    if (tids.size() >= kMaxAttachedThreads) break;  // one counter set per thread: bounded
  }
  if (tids.empty()) tids.push_back(pid);
  std::sort(tids.begin(), tids.end());
  return tids;
}

// Sleeps up to `seconds`; true when SIGINT came.
bool nap(double seconds) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(seconds);
  ts.tv_nsec = static_cast<long>((seconds - static_cast<double>(ts.tv_sec)) * 1e9);
  ::nanosleep(&ts, nullptr);  // EINTR on SIGINT: the caller looks at the flag
  return g_interrupted != 0;
}

// A permission refusal on attach is ptrace's access check (read mode) as
// much as perf_event_paranoid's: say both.
void explain_attach_refusal(counters::CounterValue& c, int pid) {
  if (c.status != counters::Status::no_permission) return;
  c.reason += "; attaching to process " + std::to_string(pid) +
              " needs ptrace read access to it (the same user, or CAP_SYS_PTRACE)";
  c.fix = "run ecount as the process's owner or as root" + (c.fix.empty() ? std::string() : "; " + c.fix);
}

// --------------------------------------------------------------- reports

bool is_clock(const counters::CounterValue& c) { return c.unit == "ns"; }
bool is_software(const counters::CounterValue& c) { return c.canonical.find("PERF_COUNT_SW_") != std::string::npos; }

struct Metric {
  std::string value, unit;
};

// perf's shadow metrics for software events: CPUs utilized for the clocks,
// events per task-clock second for the others.
Metric perf_metric(const Row& row, const std::vector<Row>& rows, double elapsed_seconds) {
  const counters::CounterValue& c = row.counter;
  if (c.status == counters::Status::simulated) return {"", "simulated"};
  if (!c.value) return {"", std::string(counters::to_string(c.status))};
  if (!is_software(c)) return {};
  if (is_clock(c)) {
    if (elapsed_seconds <= 0) return {};
    return {format("%.3f", *c.value / (elapsed_seconds * 1e9)), "CPUs utilized"};
  }
  for (const Row& other : rows) {
    if (other.counter.canonical.find("PERF_COUNT_SW_TASK_CLOCK") == std::string::npos || !other.counter.value) continue;
    if (*other.counter.value <= 0) return {};
    double rate = *c.value / (*other.counter.value / 1e9);
    std::string unit = "/sec";
    if (rate > 1e9) rate /= 1e9, unit = "G/sec";
    else if (rate > 1e6) rate /= 1e6, unit = "M/sec";
    else if (rate > 1e3) rate /= 1e3, unit = "K/sec";
    return {format("%.3f", rate), unit};
  }
  return {};
}

std::string csv(const std::vector<Row>& rows, const std::string& sep, bool repeated, double elapsed_seconds) {
  std::string out;
  for (const Row& row : rows) {
    const counters::CounterValue& c = row.counter;
    const std::string unit = is_clock(c) ? "msec" : c.unit;
    std::string value;
    if (!c.value)
      value = c.status == counters::Status::multiplexed ? "<not counted>" : "<not supported>";
    else if (is_clock(c))
      value = format("%.2f", *c.value / 1e6);
    else
      value = format("%.0f", *c.value);
    out += value + sep + unit + sep + c.requested;
    if (repeated) out += sep + format("%.2f", row.rel_stddev_percent.value_or(0)) + "%";
    // perf: 100 * running / enabled, 100.00 when they are equal (an
    // unsupported counter: both 0); never on the PMU: 0.00.
    double enabled_percent = 100.0;
    if (!c.value && c.status == counters::Status::multiplexed)
      enabled_percent = 0.0;
    else if (row.times.enabled_ns > 0 && row.times.running_ns < row.times.enabled_ns)
      enabled_percent = 100.0 * row.times.running_ns / row.times.enabled_ns;
    out += sep + format("%.0f", std::floor(row.times.running_ns)) + sep + format("%.2f", enabled_percent);
    const Metric metric = perf_metric(row, rows, elapsed_seconds);
    out += sep + metric.value + sep + metric.unit + "\n";
  }
  return out;
}

std::string table(const std::vector<Row>& rows, const counters::Reading& reading, const std::string& title,
                  int runs, const std::vector<double>& seconds, int status) {
  std::ostringstream out;
  out << "\n Performance counter stats for " << title;
  if (runs > 1) out << " (" << runs << " runs)";
  if (status != 0) out << " (exit status " << status << ")";
  out << ":\n\n";
  std::size_t name_width = 12;
  for (const Row& row : rows) name_width = std::max(name_width, row.counter.requested.size());
  for (const Row& row : rows) {
    const counters::CounterValue& c = row.counter;
    const std::string value = c.value ? group_digits(*c.value) + (c.unit.empty() ? "" : " " + c.unit)
                                      : std::string(1, '<').append(counters::to_string(c.status)).append(1, '>');
    out << pad_left(value, 22) << "   " << pad_right(c.requested, name_width) << "  "
        << pad_right(std::string(counters::to_string(c.status)), 14) << pad_right(std::string(counters::to_string(c.backend)), 11);
    if (c.status == counters::Status::multiplexed) out << format(" (%.1f%% running)", c.running_fraction * 100);
    if (row.rel_stddev_percent && c.value) out << format("  ( +- %5.2f%% )", *row.rel_stddev_percent);
    out << "\n";
    if (!c.value || c.status != counters::Status::counted) {
      if (!c.reason.empty()) out << pad_left("", 25) << c.reason << "\n";
      if (!c.fix.empty()) out << pad_left("", 25) << "fix: " << c.fix << "\n";
    }
  }
  bool any_derived = false;
  for (const auto& d : reading.derived) {
    if (!d.value) continue;
    if (!any_derived) out << "\n";
    any_derived = true;
    out << pad_left(format("%.4f", *d.value), 22) << "   " << pad_right(d.name, name_width) << "  " << d.formula << "\n";
  }
  for (const auto& note : reading.notes) out << "\n note: " << note;
  if (!reading.notes.empty()) out << "\n";
  double mean = 0;
  for (double s : seconds) mean += s;
  mean /= static_cast<double>(std::max<std::size_t>(seconds.size(), 1));
  if (seconds.size() > 1) {
    const double rel = relative_standard_error(seconds);
    out << "\n" << pad_left(format("%.9f", mean), 22) << " +- " << format("%.9f", mean * rel / 100)
        << " seconds time elapsed  ( +- " << format("%5.2f", rel) << "% )\n\n";
  } else {
    out << "\n" << pad_left(format("%.9f", mean), 22) << " seconds time elapsed\n\n";
  }
  return out.str();
}

nlohmann::json rows_json(const std::vector<Row>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const Row& row : rows) {
    nlohmann::json entry = row.counter;
    if (row.rel_stddev_percent) entry["rel_stddev_percent"] = *row.rel_stddev_percent;
    entry["time_running_ns"] = row.times.running_ns;
    entry["time_enabled_ns"] = row.times.enabled_ns;
    out.push_back(std::move(entry));
  }
  return out;
}

// The reading to print: the rows' counters with the first reading's notes,
// groups and (when one reading) derived metrics.
counters::Reading reading_of(const std::vector<Row>& rows, const counters::Reading& first, bool derived_valid) {
  counters::Reading out = first;
  out.counters.clear();
  for (const Row& row : rows) out.counters.push_back(row.counter);
  if (!derived_valid) {
    for (auto& d : out.derived) {
      if (!d.value) continue;
      d.value.reset();
      d.reason = "not computed from means over runs or sums over threads; see a single run";
    }
  }
  return out;
}

void publish(const StatArguments& a, const std::string& report) {
  if (a.output.empty())
    std::cerr << report << std::flush;
  else
    io::write_file_atomically(a.output, report);
}

std::string render(const StatArguments& a, const std::vector<Row>& rows, const counters::Reading& reading,
                   const std::string& title, const std::vector<double>& seconds, int status, nlohmann::json extra) {
  double mean_seconds = 0;
  for (double s : seconds) mean_seconds += s;
  mean_seconds /= static_cast<double>(std::max<std::size_t>(seconds.size(), 1));
  if (a.separator) return csv(rows, *a.separator, a.repeat > 1, mean_seconds);
  if (a.json) {
    nlohmann::json out = reading;
    out["counters"] = rows_json(rows);
    for (auto& [key, value] : extra.items()) out[key] = value;
    out["exit_status"] = status;
    out["elapsed_seconds"] = mean_seconds;
    if (a.repeat > 1) out["runs"] = seconds.size();
    return out.dump(2) + "\n";
  }
  return table(rows, reading, title, static_cast<int>(seconds.size()), seconds, status);
}

int stat_command(const StatArguments& a) {
  counters::Options options;
  options.simulation = a.mode;
  options.overhead_pairs = 0;
  options.validate_hardware = true;
  InterruptGuard guard;
  std::vector<counters::Reading> readings;
  std::vector<double> seconds;
  int status = 0;
  for (int r = 0; r < a.repeat; ++r) {
    Run run = run_once(a, options);
    readings.push_back(std::move(run.reading));
    seconds.push_back(run.seconds);
    status = run.status;
    if (g_interrupted) break;  // Ctrl-C: report the runs done
  }
  std::vector<Row> rows = combine(readings, true, a.repeat > 1);
  counters::Reading reading = reading_of(rows, readings.front(), readings.size() == 1);
  if (needs_simulation(reading) && g_interrupted) {
    // Ctrl-C: no callgrind re-run (~100x slower) after it; the simulated
    // counters stay without a value, saying why.
    reading.notes.push_back("interrupted: the simulated counters were not simulated (no callgrind run after Ctrl-C)");
  } else if (needs_simulation(reading)) {
    simulate(reading, a);
    if (g_interrupted) {
      // A callgrind run cut short by Ctrl-C has partial totals: not a count.
      for (auto& c : reading.counters) {
        if (c.backend == counters::Backend::simulated) c.value.reset();
      }
      reading.notes.push_back("interrupted: the callgrind run was cut short, so the simulated counters have no value");
    }
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i].counter = reading.counters[i];
  }
  nlohmann::json extra;
  extra["command"] = a.command;
  if (a.repeat > 1 && g_interrupted) reading.notes.push_back("interrupted: " + std::to_string(readings.size()) + " of " + std::to_string(a.repeat) + " runs");
  publish(a, render(a, rows, reading, "'" + shell_words(a.command) + "'", seconds, status, extra));
  return status;
}

int stat_attached(const StatArguments& a) {
  const int pid = *a.pid;
  if (!process_alive(pid)) throw UsageError("-p " + std::to_string(pid) + ": no such process");
  counters::Options options;
  // An attached process cannot be re-run under callgrind: what the hardware
  // cannot count stays unsupported, with the reason.
  options.simulation = counters::SimulationMode::never;
  options.overhead_pairs = 0;
  options.validate_hardware = true;
  InterruptGuard guard;
  std::vector<counters::CounterSet> sets;
  const std::vector<int> threads = threads_of(pid);
  for (int tid : threads) {
    options.target_pid = tid;
    sets.push_back(counters::CounterSet::open(a.names, options));
  }
  std::optional<counters::detail::Child> workload;
  if (!a.command.empty()) {
    counters::detail::ChildOptions child_options;
    child_options.capture_output = false;
    child_options.gated = true;
    try {
      workload.emplace(a.command, child_options);
    } catch (const counters::CounterError& e) {
      throw io::InputError(std::string("Workload failed: ") + e.what());
    }
  }
  const auto begin = std::chrono::steady_clock::now();
  for (auto& set : sets) set.start();
  int status = 0;
  bool workload_done = false;
  if (workload) {
    try {
      workload->release();
    } catch (const counters::CounterError& e) {
      throw io::InputError(std::string("Workload failed: ") + e.what());
    }
  }
  while (!g_interrupted) {
    if (a.duration && std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count() >= *a.duration) break;
    if (!process_alive(pid)) break;
    if (workload) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(workload->pid()), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0) {
        status = workload->wait();
        workload_done = true;
        break;
      }
    }
    double step = 0.02;
    if (a.duration) {
      const double left = *a.duration - std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      step = std::clamp(left, 0.0, step);
    }
    nap(step);
  }
  for (auto& set : sets) set.stop();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  if (workload && !workload_done) {  // Ctrl-C or the process ended first: the workload goes, as under perf
    ::kill(workload->pid(), SIGTERM);
    status = workload->wait();
  }
  std::vector<counters::Reading> readings;
  for (const auto& set : sets) readings.push_back(set.read());
  std::vector<Row> rows = combine(readings, false, false);
  bool any_unsupported = false;
  for (Row& row : rows) {
    explain_attach_refusal(row.counter, pid);
    // A software event is "never scheduled" only when the process never ran
    // (perf: <not counted>); no PMU was busy.
    if (is_software(row.counter) && row.counter.status == counters::Status::multiplexed && !row.counter.value) {
      row.counter.reason = "process " + std::to_string(pid) + " never ran during the count (it slept throughout)";
      row.counter.fix = "count for longer, or while it works";
    }
    any_unsupported = any_unsupported || row.counter.status == counters::Status::unsupported;
  }
  counters::Reading reading = reading_of(rows, readings.front(), readings.size() == 1);
  if (any_unsupported)
    reading.notes.push_back("nothing is simulated with -p: simulation re-runs a command under callgrind, and an "
                            "attached process cannot be re-run");
  if (threads.size() > 1) reading.notes.push_back("counted " + std::to_string(threads.size()) + " threads, summed");
  if (threads.size() >= kMaxAttachedThreads) {
    reading.notes.push_back("the process had more threads than the " + std::to_string(kMaxAttachedThreads) +
                            " counted: the totals leave the others out");
  }
  nlohmann::json extra;
  extra["pid"] = pid;
  extra["threads"] = threads.size();
  if (!a.command.empty()) extra["command"] = a.command;
  extra["interrupted"] = g_interrupted != 0;
  publish(a, render(a, rows, reading, "process id '" + std::to_string(pid) + "'", {elapsed}, status, extra));
  if (g_interrupted) {
    // perf's way: the counts are out, then the interrupt ends the tool as
    // it would have, so a calling shell or script sees SIGINT.
    ::signal(SIGINT, SIG_DFL);
    ::raise(SIGINT);
  }
  return status;
}

}  // namespace

int run_stat(const std::vector<std::string>& args) {
  bool help = false;
  const StatArguments a = parse_stat_arguments(args, help);
  if (help) {
    stat_usage(std::cout);
    return 0;
  }
  return a.pid ? stat_attached(a) : stat_command(a);
}

}  // namespace engram::ecount
