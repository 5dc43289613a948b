#pragma once
// engram counters: hardware, software and simulated event counts for a
// measured region, with an honest status for every counter.
//
// Typical use (one thread measuring its own work):
//
//   using namespace engram::counters;
//   CounterSet set = CounterSet::open({"task-clock", "L1_DCM", "BR_MSP"});
//   set.start();
//   work();
//   set.stop();
//   Reading r = set.read();
//   for (const CounterValue& c : r.counters)
//     if (c.value) use(c.requested, *c.value); else report(c.reason, c.fix);
//
// Where the PMU is missing, cache and branch counters wait for simulation:
// the caller re-runs the same work in a child under callgrind, where the
// child's own CounterSet (Options::simulation_region = "work") makes
// start()/stop() the collected region, then merges the child's counts:
//
//   if (set.needs_simulation()) {
//     CallgrindRun run = run_under_callgrind({self_exe, "--child", "work"});
//     r.merge_simulated(run.region("work"));  // statuses become `simulated`
//   }
//
// Names accepted by CounterSet::open (case-insensitive):
//   - PAPI presets, with or without the prefix: "L1_DCM", "PAPI_L1_DCM";
//   - PAPI native names, e.g. "perf::TASK-CLOCK";
//   - libpfm4 names: "perf::PERF_COUNT_SW_TASK_CLOCK", a CPU's native event
//     such as "amd64_fam19h_zen4::RETIRED_INSTRUCTIONS";
//   - perf-style generic names: "cycles", "instructions", "cache-misses",
//     "branch-misses", "task-clock", "page-faults", "context-switches", ...;
//   - PAPI Software Defined Events registered by a library in this process:
//     "sde:::LIB::COUNTER";
//   - "LL_MISSES" (last-level cache misses; the same counter as PAPI_L3_TCM).
//
// Backends, chosen per counter when the set is opened; what actually opens is
// the truth, not what a library claims:
//   - perf_event: everything libpfm4 can encode (software events, generic and
//     native PMU events, and PAPI presets that PAPI defines as a sum or
//     difference of native events). Read as groups with time_enabled and
//     time_running, so multiplexing is detected and scaled, never hidden.
//   - papi: what only PAPI can count: software defined events, events of
//     other PAPI components, presets PAPI defines by a formula.
//   - simulated: cache and branch counters re-counted by callgrind when the
//     hardware cannot count them (see run_under_callgrind and
//     Reading::merge_simulated). Deterministic, but a model of the machine.
//
// A counter that cannot be counted is never reported as 0 and never dropped:
// its value is empty and `reason`/`fix` say why and what to do.
//
// Thread model: a CounterSet counts the thread that opened it (or the process
// given in Options::target_pid, with its children). Use it from one thread.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engram/io/json.hpp"

namespace engram::counters {

// ---------------------------------------------------------------- errors

// Every error this library throws derives from CounterError; messages name
// the problem and, where one exists, the fix.
class CounterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The list of counters asked for cannot be opened as given: an empty list or
// name, a name longer than kMaxCounterNameLength or with a byte that is not
// printable ASCII, the same counter twice (under any spelling), or a name no
// backend knows (UnknownCounterError). Tools treat it as bad usage (exit 2).
class CounterListError : public CounterError {
 public:
  using CounterError::CounterError;
};

// The longest counter name accepted: PAPI copies names into fixed buffers of
// PAPI_HUGE_STR_LEN (1024) bytes, and an 8,192-byte name aborted the process
// inside PAPI_event_name_to_code ("buffer overflow detected"). No event name
// of PAPI, libpfm4 or perf comes near it.
inline constexpr std::size_t kMaxCounterNameLength = 1023;

// A name that no backend knows. The message lists the close matches.
class UnknownCounterError : public CounterListError {
 public:
  // `hint` (optional) is appended to the message, e.g. why a family of names is empty.
  UnknownCounterError(std::string name, std::vector<std::string> close_matches, std::string hint = {});
  const std::string& name() const { return name_; }
  const std::vector<std::string>& close_matches() const { return close_matches_; }

 private:
  std::string name_;
  std::vector<std::string> close_matches_;
};

// Simulation was needed but valgrind cannot be found (Debian package
// `valgrind`).
class ValgrindMissingError : public CounterError {
 public:
  using CounterError::CounterError;
};

// valgrind ran but the program failed, or its output could not be parsed.
// The message carries the tail of the program's and valgrind's stderr.
class CallgrindRunError : public CounterError {
 public:
  using CounterError::CounterError;
};

// ------------------------------------------------------------ vocabulary

enum class Backend {
  perf_event,  // perf_event_open with a libpfm4 encoding
  papi,        // a PAPI event set
  simulated,   // callgrind's cache and branch simulation
  none,        // nothing can count it here
};

enum class Status {
  counted,        // counted for the whole measured time
  multiplexed,    // counted for part of the time, scaled (see running_fraction)
  simulated,      // the value comes from callgrind's model of the machine
  unsupported,    // cannot be counted here; `reason` says why
  no_permission,  // the kernel refused; `reason` and `fix` say what to change
};

enum class SimulationMode {
  automatic,  // simulate the counters the hardware cannot count (default)
  never,      // never simulate: unavailable counters stay unsupported
  only,       // simulate every counter that has a simulated form, even when the
              // hardware could count it (deterministic regression gates);
              // software events and SDE counters are still counted normally
};

std::string_view to_string(Backend backend);
std::string_view to_string(Status status);
std::string_view to_string(SimulationMode mode);  // "auto", "never", "only"
// Parses "auto", "never" or "only" (case-insensitive); throws CounterError.
SimulationMode parse_simulation_mode(std::string_view text);

// ------------------------------------------------------------- callgrind

// One simulated cache level as valgrind's --I1/--D1/--LL take it.
struct CacheLevelGeometry {
  std::uint64_t size_bytes = 0;
  unsigned associativity = 0;
  unsigned line_bytes = 0;
};

// The cache geometry handed to callgrind. Set explicitly because a VM often
// reports odd sizes that valgrind would reject or silently change.
struct CacheGeometry {
  CacheLevelGeometry i1;
  CacheLevelGeometry d1;
  CacheLevelGeometry ll;  // last level: the host's L3 (or L2 when there is no L3)
  // Where the numbers came from, e.g. "host (CPUID leaf 0x8000001D)" or
  // "default (host L3 reported as 335544320 B, 0-way: not a valid cache)".
  std::string source;
  bool is_default = false;

  // {"--I1=32768,8,64", "--D1=...", "--LL=..."}
  std::vector<std::string> valgrind_arguments() const;
};

// The host's geometry when it is known and valid for valgrind (sets and line
// size powers of two), else default_cache_geometry() with the reason.
CacheGeometry host_cache_geometry();
// 32 KiB 8-way L1I and L1D, 8 MiB 16-way LL, 64 B lines.
CacheGeometry default_cache_geometry();

// Callgrind's event totals for one part (one dump) or a sum of parts.
// Event names as callgrind writes them: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr
// DLmw Bc Bcm Bi Bim.
struct CallgrindCounts {
  std::string region;  // the CALLGRIND_DUMP_STATS_AT name; "" for the final dump
  std::map<std::string, std::uint64_t, std::less<>> events;

  // 0 when the event was not collected in this part (callgrind omits
  // trailing zeros); nullopt when the event is absent from the profile.
  std::optional<std::uint64_t> event(std::string_view name) const;
  CallgrindCounts& operator+=(const CallgrindCounts& other);
};

// What callgrind's events mean in counter terms. Returns nullopt when the
// counter has no simulated form or an input event is missing.
//   L1_DCM = D1mr + D1mw     L1_ICM = I1mr      L1_DCA = Dr + Dw
//   L3_TCM (LL_MISSES, cache-misses) = ILmr + DLmr + DLmw
//   BR_MSP (branch-misses) = Bcm + Bim          BR_INS (branches) = Bc + Bi
//   TOT_INS (instructions) = Ir   LD_INS = Dr   SR_INS = Dw
//   TOT_CYC (cycles) = estimated_cycles
// `counter` is any accepted spelling of these (see the header comment).
std::optional<double> simulated_value(const CallgrindCounts& counts, std::string_view counter);
// The names simulated_value accepts in canonical form, e.g. "PAPI_L1_DCM".
std::vector<std::string> simulated_counter_names();

// Estimated cycles: RAM = ILmr + DLmr + DLmw; LL = I1mr + D1mr + D1mw - RAM;
// L1 = Ir + Dr + Dw - LL - RAM; cycles = L1 + 5 LL + 35 RAM. nullopt when an
// event is missing or the estimate exceeds 64 bits.
std::optional<std::uint64_t> estimated_cycles(const CallgrindCounts& counts);

// A parsed callgrind profile: one entry per part (dump), in part order.
struct CallgrindProfile {
  std::vector<std::string> event_names;  // the "events:" line
  std::vector<CallgrindCounts> parts;

  CallgrindCounts total() const;                            // every part summed
  std::map<std::string, CallgrindCounts> by_region() const;  // parts summed per region
};

// Parses callgrind output (format version 1): the "events:" line, "part:",
// "desc: Trigger: ..." and the "totals:" (or, failing that, "summary:") line
// of each part; several parts in one stream are accepted. Throws
// CallgrindRunError naming `source` on malformed input.
CallgrindProfile parse_callgrind_output(std::istream& in, std::string_view source = "callgrind output");
// Parses every file of a run (out, out.1, out.2, ...) into one profile.
CallgrindProfile parse_callgrind_files(const std::vector<std::filesystem::path>& files);

struct CallgrindRunOptions {
  // Path of the valgrind executable; empty: search PATH.
  std::string valgrind;
  // Extra environment for the program, added to (and overriding) ours.
  std::vector<std::pair<std::string, std::string>> environment;
  // false (default): collect only between CounterSet::start()/stop() (or
  // CALLGRIND_TOGGLE_COLLECT) in the program; true: collect everything.
  bool collect_at_start = false;
  // Explicit geometry; default: host_cache_geometry().
  std::optional<CacheGeometry> geometry;
  std::vector<std::string> extra_valgrind_arguments;
  // Kill the run after this long; zero: no limit.
  std::chrono::seconds timeout{0};
  // A non-zero exit status of the program is an error unless this is set.
  bool accept_nonzero_exit = false;
};

struct CallgrindRun {
  CallgrindProfile profile;
  CacheGeometry geometry;
  int exit_code = 0;
  std::string program_stdout;  // captured in full
  std::string program_stderr;  // captured in full
  std::vector<std::string> command;  // the full valgrind command line

  // Sum of the parts dumped under `region` ("" = the final dump); throws
  // CallgrindRunError when no part has that name.
  CallgrindCounts region(std::string_view name) const;
};

// Runs argv[0] with argv[1..] under
//   valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes
//            --collect-atstart=no --I1=.. --D1=.. --LL=.. --callgrind-out-file=<tmp>
// (ASLR disabled in the child, so addresses and counts repeat), waits for it
// and parses every part. Output files live in a private temporary directory
// that is removed afterwards. Throws ValgrindMissingError when valgrind cannot
// be found, CallgrindRunError (with the tail of stderr) on any failure.
CallgrindRun run_under_callgrind(const std::vector<std::string>& argv, const CallgrindRunOptions& options = {});

// True inside a program that valgrind runs (any tool).
bool running_under_valgrind();

// --------------------------------------------------------------- readings

struct CounterValue {
  std::string requested;  // as the caller wrote it
  std::string canonical;  // e.g. "PAPI_L1_DCM", "perf::PERF_COUNT_SW_TASK_CLOCK"
  Backend backend = Backend::none;
  Status status = Status::unsupported;
  // The count (scaled by enabled/running when multiplexed). Empty whenever
  // the counter was not counted: never a made-up 0.
  std::optional<double> value;
  // The count as read, before scaling (empty when value is empty or the
  // counter combines several events).
  std::optional<std::uint64_t> raw;
  // Share of the enabled time the counter was really counting: 1 when
  // counted, in (0, 1) when multiplexed, 0 when nothing was counted.
  double running_fraction = 0.0;
  std::string unit;    // "ns" for the clock events, else ""
  std::string reason;  // why it is not counted, or how it was obtained
  std::string fix;     // what to change so it can be counted ("" if nothing)
};

// IPC, CPI, L1 MPKI, L1 miss ratio, branch mispredict ratio, branch MPKI.
struct DerivedMetric {
  std::string name;              // "IPC", "CPI", "L1_MPKI", "L1_MISS_RATIO", "BR_MISP_RATIO", "BR_MPKI"
  std::optional<double> value;   // empty when an input is missing (see reason)
  std::string formula;           // with the counters actually used, e.g. "PAPI_L1_DCM / PAPI_L1_DCA"
  std::string reason;            // why value is empty, or a caveat
};

// One perf_event group as the kernel scheduled it. Its members were counted
// over exactly the same time, so ratios within a group are exact even when
// the group was multiplexed; running < enabled says it shared the PMU.
struct GroupTimes {
  std::vector<std::string> members;  // canonical names, leader first
  std::uint64_t time_enabled_ns = 0;
  std::uint64_t time_running_ns = 0;
  bool read_ok = false;              // false: the group's read failed (times are 0)
  // How its counts were read so far: "user space" (the counter registers,
  // no system call; see Options::user_space_reads), "read()", or both
  // ("user space and read()": a read the kernel did not allow in user space
  // at that moment, e.g. while the group was off the PMU, used read()).
  std::string read_path;
};

struct Reading {
  std::vector<CounterValue> counters;  // one per distinct requested counter, in request order
  std::vector<DerivedMetric> derived;  // always all six, each with value or reason
  std::vector<GroupTimes> groups;      // every opened perf_event group, in open order
  std::vector<std::string> notes;      // e.g. "kernel-mode work is not counted (...)"
  double overhead_ns = 0.0;            // CounterSet::overhead_ns() of the set

  // By requested or canonical name (case-insensitive, PAPI_ prefix optional).
  const CounterValue* find(std::string_view name) const;
  const DerivedMetric* find_derived(std::string_view name) const;

  // Fills every counter whose backend is `simulated` from callgrind counts
  // (status becomes `simulated`) and recomputes the derived metrics that use
  // them. Counts are taken as they are: divide by iterations yourself.
  void merge_simulated(const CallgrindCounts& counts);
};

// JSON (nlohmann) of a reading: {"counters": [...], "derived": [...],
// "notes": [...], "overhead_ns": ...}; a missing value is null, never 0.
void to_json(nlohmann::json& out, const CounterValue& counter);
void to_json(nlohmann::json& out, const DerivedMetric& metric);
void to_json(nlohmann::json& out, const GroupTimes& group);
void to_json(nlohmann::json& out, const Reading& reading);
// The counter statuses of one run: each counter's name, status, backend,
// running fraction, reason and fix. bench/baseline --counters writes them
// into its Google Benchmark JSON context as "engram.counters"; the report and
// build/analysis/compare read them back with counter_statuses_from_json.
//
// Format (schema "engram-counter-statuses", version 1), compact:
//   {"schema": "engram-counter-statuses", "version": 1, "counters": [
//     {"counter": "L1_DCM", "canonical": "PAPI_L1_DCM", "status": "simulated",
//      "backend": "simulated", "running_fraction": 0.0,
//      "reason": "...", "fix": "..."}]}     // reason and fix only when not empty
inline constexpr std::string_view kCounterStatusesSchema = "engram-counter-statuses";
inline constexpr int kCounterStatusesVersion = 1;

struct CounterStatusEntry {
  std::string counter;    // as requested: the field name in each benchmark
  std::string canonical;
  Status status = Status::unsupported;
  Backend backend = Backend::none;
  double running_fraction = 0.0;
  std::string reason, fix;
  friend bool operator==(const CounterStatusEntry&, const CounterStatusEntry&) = default;
};

struct CounterStatuses {
  std::vector<CounterStatusEntry> counters;  // in request order
  // By requested name (exact), or nullptr.
  const CounterStatusEntry* find(std::string_view counter) const;
  friend bool operator==(const CounterStatuses&, const CounterStatuses&) = default;
};

CounterStatuses counter_statuses(const Reading& reading);
// The compact JSON text above: small enough for benchmark::AddCustomContext.
std::string counter_statuses_json(const CounterStatuses& statuses);
std::string statuses_json(const Reading& reading);  // counter_statuses_json(counter_statuses(reading))
// The reverse, strict: throws io::InputError naming the JSON pointer of a
// missing or mistyped member, an unknown status or backend, another schema or
// another version. `source` names the text in messages, e.g.
// "bench.json: context \"engram.counters\"".
CounterStatuses counter_statuses_from_json(const io::JsonValue& root);
CounterStatuses counter_statuses_from_json(std::string_view text, const std::string& source);

// ------------------------------------------------------------ counter sets

struct Options {
  SimulationMode simulation = SimulationMode::automatic;
  // 0: count the calling thread. A pid: count that process and the children
  // it creates after open (perf_event inherit); used by `ecount stat`.
  // PAPI (and so SDE counters) can only count the calling thread.
  int target_pid = 0;
  // Under callgrind (a child of run_under_callgrind), stop() dumps the
  // region's counts under this name (CALLGRIND_DUMP_STATS_AT) when it is not
  // empty; otherwise everything collected lands in the final dump.
  std::string simulation_region;
  // Empty start/stop pairs timed at open (median); 0 skips the measurement.
  int overhead_pairs = 31;
  // Validate hardware events at open: each hardware cycle, instruction,
  // load, store, L1D access or miss, branch or branch-miss counter that opens
  // is also counted (in this thread) over a short workload that must produce
  // it. One that reads 0 there is not implemented by this PMU (an emulator or
  // a hypervisor that does not model caches or a predictor): it becomes
  // `unsupported` with that reason, and simulated where it can be, never a
  // real-looking 0. Costs about a millisecond per such counter on hardware.
  bool validate_hardware = false;
  // Read hardware counters of the calling thread from user space where the
  // kernel allows it (x86-64: rdpmc; arm64: the PMU registers, with
  // /proc/sys/kernel/perf_user_access = 1): start() and stop() then make no
  // system call, and such groups stay enabled between regions. Elsewhere, or
  // when false, each region's edges are an enable and a disable ioctl.
  // Reading::groups says which path each group took.
  bool user_space_reads = true;
};

namespace detail {
struct CounterSetAccess;  // the library's tests build sets on fake backends
}

class CounterSet {
 public:
  // Resolves, plans and opens the counters. Throws UnknownCounterError for a
  // name nothing knows (with close matches) and CounterListError for an
  // empty list, a bad name or the same counter twice under any spelling
  // (refused, not merged: a tool that forgot to print a note would drop a
  // requested column without a word). Counters that cannot be counted are
  // kept with their status.
  static CounterSet open(const std::vector<std::string>& names, const Options& options = {});

  CounterSet(CounterSet&&) noexcept;
  CounterSet& operator=(CounterSet&&) noexcept;
  ~CounterSet();

  // start()/stop() pairs accumulate until reset(). Under callgrind they also
  // switch callgrind's collection on and off (nesting-safe across sets).
  void start();
  void stop();
  // Zeroes the accumulated counts (a set starts zeroed).
  void reset();
  // Renames the callgrind region that later stop() calls dump (see
  // Options::simulation_region), e.g. one name per benchmark.
  void set_simulation_region(std::string name);
  // Safe at any time; while running it reads the counts so far.
  Reading read() const;

  // True when some counter waits for simulated counts: re-run the work under
  // run_under_callgrind() and Reading::merge_simulated() the result.
  bool needs_simulation() const;
  // Median cost of an empty start()+stop() pair in ns, measured at open
  // (0 when Options::overhead_pairs is 0). Warn when a region is < 100x this.
  double overhead_ns() const;
  const std::vector<std::string>& notes() const;
  std::size_t size() const;  // distinct counters

 private:
  struct Impl;
  explicit CounterSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend struct detail::CounterSetAccess;
};

// ----------------------------------------------- availability as data

enum class Severity { ok, info, warning, problem };
std::string_view to_string(Severity severity);

struct Finding {
  std::string topic;   // e.g. "hardware PMU", "perf_event_paranoid", "PAPI component sde"
  Severity severity = Severity::info;
  std::string detail;  // what was found
  std::string fix;     // what to do about it ("" when nothing needs doing)
};

struct EnvironmentReport {
  bool hardware_pmu = false;  // a hardware event really opens
  bool virtualized = false;   // /proc/cpuinfo has the "hypervisor" flag
  std::string summary;        // e.g. "no hardware PMU (virtualized)"
  std::vector<std::string> consequences;  // what that means for measurements
  std::vector<Finding> findings;
};

// Probes the machine: PMU, VM, perf_event_paranoid, kptr_restrict,
// CAP_PERFMON, PAPI components (with disabled reasons), libpfm4 PMUs,
// valgrind and the cache geometry callgrind would use.
EnvironmentReport diagnose_environment();

struct CounterListing {
  std::string name;     // the name to pass to CounterSet::open
  std::string source;   // "perf generic", "PAPI preset", "PAPI native", "libpfm4", "SDE"
  std::string description;
  Backend backend = Backend::none;
  Status status = Status::unsupported;
  std::string reason;
};

// Every name this library can resolve, each probed (opened alone) for its
// backend and status. `filter` keeps names containing it (case-insensitive).
std::vector<CounterListing> list_counters(std::string_view filter = {},
                                          SimulationMode simulation = SimulationMode::automatic);

}  // namespace engram::counters
