#include "group_planner.hpp"

#include <algorithm>
#include <map>

namespace engram::counters::detail {
namespace {

constexpr int kUnknownCapacity = 4;

struct Group {
  std::string pmu;
  bool software = false;
  int capacity = 0;
  int used = 0;
  std::vector<int> members;
  bool has(int id) const { return std::find(members.begin(), members.end(), id) != members.end(); }
};

}  // namespace

std::pair<int, int> GroupPlan::primary_of(int id) const {
  for (const auto& [event, place] : primary)
    if (event == id) return place;
  return {-1, -1};
}

int GroupPlan::shared_group(int a, int b) const {
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& members = groups[g];
    if (std::find(members.begin(), members.end(), a) != members.end() &&
        std::find(members.begin(), members.end(), b) != members.end())
      return static_cast<int>(g);
  }
  return -1;
}

GroupPlan plan_groups(const std::vector<PlannedEvent>& events, const std::vector<std::pair<int, int>>& ratio_pairs) {
  std::map<int, const PlannedEvent*> by_id;
  for (const PlannedEvent& event : events) by_id[event.id] = &event;

  std::vector<Group> groups;
  auto capacity_of = [](const PlannedEvent& e) { return e.capacity > 0 ? e.capacity : kUnknownCapacity; };
  auto add_to = [](Group& group, const PlannedEvent& e) {
    if (group.has(e.id)) return;
    group.members.push_back(e.id);
    group.used += e.width;
  };
  auto fits = [](const Group& group, const PlannedEvent& e) {
    return group.software || group.has(e.id) || group.used + e.width <= group.capacity;
  };
  auto placed = [&](int id) {
    return std::any_of(groups.begin(), groups.end(), [&](const Group& g) { return g.has(id); });
  };

  // Software events: one group, no limit.
  for (const PlannedEvent& event : events) {
    if (!event.software) continue;
    auto it = std::find_if(groups.begin(), groups.end(), [](const Group& g) { return g.software; });
    if (it == groups.end()) {
      groups.push_back(Group{"", true, 0, 0, {}});
      it = groups.end() - 1;
    }
    add_to(*it, event);
  }

  // Ratio inputs together.
  for (const auto& [a_id, b_id] : ratio_pairs) {
    if (!by_id.count(a_id) || !by_id.count(b_id) || a_id == b_id) continue;
    const PlannedEvent& a = *by_id[a_id];
    const PlannedEvent& b = *by_id[b_id];
    if (a.software || b.software || a.pmu != b.pmu) continue;
    if (a.width + b.width > capacity_of(a)) continue;  // can never share a group
    bool done = false;
    for (Group& group : groups) {  // already together?
      if (group.has(a.id) && group.has(b.id)) { done = true; break; }
    }
    for (Group& group : groups) {  // join the group of one of them
      if (done) break;
      if (group.software || group.pmu != a.pmu) continue;
      if ((group.has(a.id) && fits(group, b)) || (group.has(b.id) && fits(group, a))) {
        add_to(group, a);
        add_to(group, b);
        done = true;
      }
    }
    for (Group& group : groups) {  // any group with room for both
      if (done) break;
      if (group.software || group.pmu != a.pmu) continue;
      if (group.used + (group.has(a.id) ? 0 : a.width) + (group.has(b.id) ? 0 : b.width) <= group.capacity) {
        add_to(group, a);
        add_to(group, b);
        done = true;
      }
    }
    if (!done) {
      groups.push_back(Group{a.pmu, false, capacity_of(a), 0, {}});
      add_to(groups.back(), a);
      add_to(groups.back(), b);
    }
  }

  // Everything else, first fit.
  for (const PlannedEvent& event : events) {
    if (event.software || placed(event.id)) continue;
    bool done = false;
    for (Group& group : groups) {
      if (group.software || group.pmu != event.pmu || !fits(group, event)) continue;
      add_to(group, event);
      done = true;
      break;
    }
    if (!done) {
      // An event wider than its PMU still gets a group of its own: the
      // kernel will then report it as never running, which we show.
      groups.push_back(Group{event.pmu, false, capacity_of(event), 0, {}});
      add_to(groups.back(), event);
    }
  }

  GroupPlan plan;
  for (const Group& group : groups) plan.groups.push_back(group.members);
  for (const PlannedEvent& event : events) {
    for (std::size_t g = 0; g < plan.groups.size(); ++g) {
      const auto& members = plan.groups[g];
      auto it = std::find(members.begin(), members.end(), event.id);
      if (it == members.end()) continue;
      plan.primary.push_back({event.id, {static_cast<int>(g), static_cast<int>(it - members.begin())}});
      break;
    }
  }
  return plan;
}

}  // namespace engram::counters::detail
