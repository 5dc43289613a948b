#pragma once
// Interleaved A/B of two builds (compare --run OLD_BINARY NEW_BINARY): both
// Google Benchmark binaries are run alternately, in a seeded random order,
// each run one process with K repetitions; each side's runs are merged into
// one benchmark file (repetition_index continued), which compare_runs then
// compares as it does two files.
//
// Why interleave: two sequential runs (all of OLD, then all of NEW) put any
// slow drift of the machine -- a neighbour starting, the CPU heating up, the
// page cache filling -- wholly on one side, where it reads as a change of the
// code. Interleaved, both builds meet the same noise. Each process is also a
// fresh sample of what varies between processes (memory layout under ASLR,
// page placement), which one process's repetitions never see.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engram/benchstats/benchmark_json.hpp"

namespace engram::benchstats {

enum class AbSide { old_build, new_build };
std::string_view to_string(AbSide side);  // "old" / "new"

// The order rule: R rounds, each running OLD and NEW once, in an order drawn
// per round from the seed (a fair coin from the project's portable
// generator, so a seed gives the same order with any standard library).
// Chosen over a free shuffle of R OLD and R NEW runs: a shuffle may put four
// OLD runs in a row into a quiet minute and four NEW runs into a busy one,
// which is the sequential run's bias again in a smaller dose. In rounds,
// every OLD run has a NEW run beside it in time, both sides run equally
// often at every stage of the job, and no side runs more than twice in a row
// (the end of one round and the start of the next). The coin per round keeps
// a systematic "second run of a pair is warmer" effect off either side.
inline constexpr std::size_t kAbMaxSameSideStreak = 2;
// 2 * rounds runs; rounds == 0 gives no run. The same (rounds, seed) gives the
// same order.
std::vector<AbSide> draw_ab_order(std::size_t rounds, std::uint64_t seed);

// Defaults: 6 rounds of 2 repetitions, 12 repetitions per side. 12 against 12
// lets the Mann-Whitney U test reach p < 0.001 for a clear shift (compare
// refuses a p below 4 per side), and 6 processes per side sample the
// between-process variation; more processes with fewer repetitions each
// would spend the job on process start-up and Google Benchmark's warm-up.
inline constexpr std::size_t kAbDefaultRounds = 6;
inline constexpr std::size_t kAbDefaultRepetitions = 2;
inline constexpr std::size_t kAbMaxRounds = 10'000;
inline constexpr std::size_t kAbMaxRepetitions = 10'000;

struct AbRunOptions {
  std::string old_binary, new_binary;  // a path, or a name looked up in PATH
  std::size_t rounds = kAbDefaultRounds;
  std::size_t repetitions = kAbDefaultRepetitions;  // --benchmark_repetitions of each run
  std::uint64_t seed = 0;
  // Passed to every run after the flags compare sets itself.
  std::vector<std::string> benchmark_flags;
  // Where to keep the merged OLD and NEW files (old.json, new.json), if anywhere.
  std::optional<std::filesystem::path> keep_runs;
};

// Throws io::UsageError for a flag compare sets itself (the output file, its
// format, the repetitions) or one that would leave the file without
// repetitions (--benchmark_report_aggregates_only).
void check_benchmark_flags(const std::vector<std::string>& flags);

// Throws io::UsageError (exit 2, before anything runs) for a binary given as
// a path that is not an executable file, for bad counts, bad flags, or a
// --keep-runs that names something other than a folder.
void check_ab_run_options(const AbRunOptions& options);

struct AbRunStep {
  AbSide side = AbSide::old_build;
  std::size_t round = 0;  // 1-based
  double seconds = 0;     // wall time of the process
};

struct AbRunResult {
  AbRunOptions options;
  std::vector<AbRunStep> steps;  // as run, in order
  // Each side's runs merged (Google Benchmark JSON text, and parsed).
  std::string old_json, new_json;
  BenchmarkFile old_run, new_run;
};

// Merges one side's runs (Google Benchmark JSON texts, named by `sources` in
// messages) into one file: every repetition entry in run order, each
// benchmark's repetition_index continued from the runs before and its
// "repetitions" the total; the per-run aggregates are left out (they describe
// one run; compare recomputes its statistics from the repetitions). The
// context is the first run's, plus "engram.ab_run" saying what was merged.
// Throws BenchmarkJsonError for a text that is not benchmark JSON.
std::string merge_benchmark_runs(const std::vector<std::string>& texts, const std::vector<std::string>& sources,
                                 std::string_view side_note);

// A run's failure: the binary exited non-zero, was killed, or wrote no
// usable output (exit 1). The message names the side, the run and the tail
// of the binary's standard error.
class AbRunFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The last `max_lines` lines of a program's output, for messages.
std::string output_tail(std::string_view text, std::size_t max_lines = 20);

// Runs the job: checks the options, runs the binaries in draw_ab_order's
// order (each into its own exclusively created temporary file, removed
// afterwards and on an interrupt), merges and parses each side, and writes
// the kept files when asked (both together, atomically). `progress` gets one
// line per run as it starts and one as it ends.
using AbProgress = std::function<void(std::string_view line)>;
AbRunResult run_ab(const AbRunOptions& options, const AbProgress& progress);

// The comparison's JSON with the top-level "run" object added: {"old_binary",
// "new_binary", "rounds", "repetitions_per_run", "seed", "order": ["old",
// "new", ...], "benchmark_flags": [...], "runs": [{"side", "round",
// "seconds"}], "kept": {"old", "new"} or null}.
std::string add_run_to_comparison_json(std::string_view comparison_json, const AbRunResult& result);
// Two lines for the table's head: the binaries, rounds, order and seed.
std::string render_ab_run_heading(const AbRunResult& result);

}  // namespace engram::benchstats
