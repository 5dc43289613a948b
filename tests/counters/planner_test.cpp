// Greedy group planning: PMU capacity, ratio inputs kept together, software
// events in one group, events of different PMUs never mixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "group_planner.hpp"

namespace {

using engram::counters::detail::GroupPlan;
using engram::counters::detail::plan_groups;
using engram::counters::detail::PlannedEvent;

PlannedEvent hw(int id, int capacity, std::string pmu = "core", int width = 1) {
  PlannedEvent e;
  e.id = id;
  e.pmu = std::move(pmu);
  e.capacity = capacity;
  e.width = width;
  return e;
}

PlannedEvent sw(int id) {
  PlannedEvent e;
  e.id = id;
  e.pmu = "software";
  e.software = true;
  return e;
}

bool contains(const std::vector<int>& group, int id) { return std::find(group.begin(), group.end(), id) != group.end(); }

TEST(Planner, EverythingFitsInOneGroup) {
  const GroupPlan plan = plan_groups({hw(0, 6), hw(1, 6), hw(2, 6)}, {{0, 1}});
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_EQ(plan.groups[0].size(), 3u);
  EXPECT_EQ(plan.shared_group(0, 1), 0);
}

TEST(Planner, GroupsNeverExceedTheCapacity) {
  std::vector<PlannedEvent> events;
  for (int i = 0; i < 7; ++i) events.push_back(hw(i, 3));
  const GroupPlan plan = plan_groups(events, {});
  EXPECT_EQ(plan.groups.size(), 3u);
  std::set<int> seen;
  for (const auto& group : plan.groups) {
    EXPECT_LE(group.size(), 3u);
    seen.insert(group.begin(), group.end());
  }
  EXPECT_EQ(seen.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_GE(plan.primary_of(i).first, 0);
}

TEST(Planner, RatioInputsShareAGroupEvenWhenThatDuplicatesAnEvent) {
  // 0 = instructions, 1 = cycles, 2 = branch misses, 3 = branches.
  const GroupPlan plan = plan_groups({hw(0, 2), hw(1, 2), hw(2, 2), hw(3, 2)}, {{0, 1}, {2, 3}, {2, 0}});
  EXPECT_GE(plan.shared_group(0, 1), 0);
  EXPECT_GE(plan.shared_group(2, 3), 0);
  EXPECT_GE(plan.shared_group(2, 0), 0);
  for (const auto& group : plan.groups) EXPECT_LE(group.size(), 2u);
  // Primary placement: the first group holding the event.
  EXPECT_EQ(plan.primary_of(2).first, plan.shared_group(2, 3));
}

TEST(Planner, WideEventsCountTheirWidth) {
  // A preset made of two natives takes two counters.
  const GroupPlan plan = plan_groups({hw(0, 3, "core", 2), hw(1, 3), hw(2, 3)}, {{0, 1}});
  EXPECT_EQ(plan.shared_group(0, 1), 0);
  ASSERT_EQ(plan.groups.size(), 2u);
  EXPECT_FALSE(contains(plan.groups[0], 2));
}

TEST(Planner, SoftwareEventsShareOneUnboundedGroup) {
  const GroupPlan plan = plan_groups({sw(0), sw(1), sw(2), sw(3), sw(4), hw(5, 2)}, {});
  ASSERT_EQ(plan.groups.size(), 2u);
  EXPECT_EQ(plan.groups[0].size(), 5u);
  EXPECT_EQ(plan.groups[1], std::vector<int>{5});
}

TEST(Planner, DifferentPmusNeverShareAGroup) {
  const GroupPlan plan = plan_groups({hw(0, 4, "core"), hw(1, 4, "uncore_imc")}, {{0, 1}});
  EXPECT_EQ(plan.groups.size(), 2u);
  EXPECT_EQ(plan.shared_group(0, 1), -1);
}

TEST(Planner, UnknownCapacityIsTakenAsFour) {
  std::vector<PlannedEvent> events;
  for (int i = 0; i < 5; ++i) events.push_back(hw(i, 0));
  const GroupPlan plan = plan_groups(events, {});
  ASSERT_EQ(plan.groups.size(), 2u);
  EXPECT_EQ(plan.groups[0].size(), 4u);
}

}  // namespace
