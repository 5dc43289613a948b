#pragma once
// Greedy group planning for perf_event: software events share one group
// (they never compete for PMU counters); hardware events are packed per PMU
// into groups no larger than its counters, first each ratio's two inputs
// together (so every derived metric comes from one group, where the
// multiplexing scale cancels), then the rest. An event may be opened in
// several groups when two ratios need it; its own value comes from its
// first (primary) group.
#include <string>
#include <utility>
#include <vector>

namespace engram::counters::detail {

struct PlannedEvent {
  int id = 0;            // caller's index
  std::string pmu;       // events of different PMUs never share a group
  bool software = false;
  int width = 1;         // PMU counters it takes (a preset made of 2 natives: 2)
  int capacity = 0;      // counters of its PMU (0: unknown, taken as 4)
};

struct GroupPlan {
  // Each group lists event ids; the first is the leader.
  std::vector<std::vector<int>> groups;
  // Primary placement per event id present in the input: (group, slot).
  std::vector<std::pair<int, std::pair<int, int>>> primary;
  std::pair<int, int> primary_of(int id) const;  // (-1, -1) when absent
  // The group that holds both a and b, or -1.
  int shared_group(int a, int b) const;
};

// `ratio_pairs` in priority order (ids).
GroupPlan plan_groups(const std::vector<PlannedEvent>& events, const std::vector<std::pair<int, int>>& ratio_pairs);

}  // namespace engram::counters::detail
