#include "engram/rerun_plan.hpp"

#include <algorithm>

namespace engram::bench {

std::string_view to_string(RerunStop stop) {
  switch (stop) {
    case RerunStop::none_needed: return "none needed";
    case RerunStop::count_spent: return "count budget spent";
    case RerunStop::time_spent: return "time budget spent";
  }
  return "?";
}

RerunPlanner::RerunPlanner(std::size_t wanted_repetitions, RerunBudget budget)
    : wanted_(wanted_repetitions), budget_(budget) {}

std::vector<RerunRequest> RerunPlanner::next_pass(const std::vector<RepetitionTally>& tallies,
                                                  double seconds_spent, double seconds_per_repetition) {
  std::vector<std::size_t> shortfall;
  std::size_t total_short = 0;
  for (const auto& t : tallies) {
    const std::size_t wanted = t.wanted != 0 ? t.wanted : wanted_;
    shortfall.push_back(t.undisturbed >= wanted ? 0 : wanted - t.undisturbed);
    total_short += shortfall.back();
  }
  if (total_short == 0) {
    stop_ = RerunStop::none_needed;
    return {};
  }
  if (granted_ >= budget_.max_repetitions) {
    stop_ = RerunStop::count_spent;
    return {};
  }
  if (seconds_spent >= budget_.max_seconds) {
    stop_ = RerunStop::time_spent;
    return {};
  }
  // Deal the remaining count one repetition per benchmark per round.
  std::vector<std::size_t> dealt(tallies.size(), 0);
  std::size_t left = std::min(budget_.max_repetitions - granted_, total_short);
  if (seconds_per_repetition > 0) {
    const double fits = (budget_.max_seconds - seconds_spent) / seconds_per_repetition;
    left = std::min(left, std::max<std::size_t>(1, static_cast<std::size_t>(fits)));
  }
  while (left > 0) {
    for (std::size_t i = 0; i < tallies.size() && left > 0; ++i) {
      if (dealt[i] < shortfall[i]) {
        ++dealt[i];
        --left;
      }
    }
  }
  std::vector<RerunRequest> pass;
  for (std::size_t i = 0; i < tallies.size(); ++i) {
    if (dealt[i] == 0) continue;
    pass.push_back({tallies[i].name, dealt[i]});
    granted_ += dealt[i];
  }
  ++passes_;
  return pass;
}

}  // namespace engram::bench
