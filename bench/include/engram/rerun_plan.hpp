#pragma once
// Which disturbed repetitions baseline measures again, within a budget.
//
// A repetition is disturbed when the noise measured around it (steal,
// run-queue delay, preemption, migration, wall time against CPU time) passed
// a threshold (engram/noise.hpp). Such a repetition is kept in the results,
// flagged; a benchmark with fewer undisturbed repetitions than asked for is
// given more, in passes, until every benchmark has its count or the budget
// (a number of repetitions and a time) is spent. A pass that has started runs
// to its end: the time budget decides whether the next one starts.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace engram::bench {

struct RerunBudget {
  std::size_t max_repetitions = 10;  // re-run repetitions in all, over every pass
  double max_seconds = 20;           // no pass starts once this much time went to re-runs
};

// What one benchmark has so far, over every pass.
struct RepetitionTally {
  std::string name;
  std::size_t undisturbed = 0;
  std::size_t disturbed = 0;
  std::size_t wanted = 0;  // the repetitions the first pass asked for; 0: the planner's default
};

struct RerunRequest {
  std::string name;
  std::size_t repetitions = 0;
  bool operator==(const RerunRequest&) const = default;
};

enum class RerunStop { none_needed, count_spent, time_spent };
std::string_view to_string(RerunStop stop);  // "none needed", "count budget spent", "time budget spent"

// Keeps the account of one baseline run's re-runs.
class RerunPlanner {
 public:
  RerunPlanner(std::size_t wanted_repetitions, RerunBudget budget);

  // The next pass: for each benchmark short of its wanted undisturbed
  // repetitions, that shortfall, in the tallies' order, with the count
  // budget dealt out one repetition at a time in turn so that no benchmark
  // takes it all. The pass is also cut to what fits in the time left at
  // `seconds_per_repetition` (what one repetition has cost so far; 0:
  // unknown), at least one. Empty when nothing is needed or the budget is
  // spent; stop() then says which. `seconds_spent` is the time re-runs took
  // so far.
  std::vector<RerunRequest> next_pass(const std::vector<RepetitionTally>& tallies, double seconds_spent,
                                      double seconds_per_repetition = 0);

  std::size_t repetitions_granted() const { return granted_; }
  std::size_t passes() const { return passes_; }
  RerunStop stop() const { return stop_; }

 private:
  std::size_t wanted_;
  RerunBudget budget_;
  std::size_t granted_ = 0;
  std::size_t passes_ = 0;
  RerunStop stop_ = RerunStop::none_needed;
};

}  // namespace engram::bench
