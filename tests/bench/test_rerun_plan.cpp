// The re-run budget: which disturbed repetitions baseline measures again.
#include <gtest/gtest.h>

#include "engram/rerun_plan.hpp"

namespace engram::bench {
namespace {

std::vector<RepetitionTally> tallies(std::initializer_list<RepetitionTally> list) { return list; }

TEST(RerunPlan, NothingWhenEveryBenchmarkHasItsUndisturbedRepetitions) {
  RerunPlanner planner(5, {.max_repetitions = 10, .max_seconds = 20});
  EXPECT_TRUE(planner.next_pass(tallies({{"a", 5, 0}, {"b", 6, 2}}), 0).empty());
  EXPECT_EQ(planner.stop(), RerunStop::none_needed);
  EXPECT_EQ(planner.repetitions_granted(), 0u);
  EXPECT_EQ(planner.passes(), 0u);
}

TEST(RerunPlan, EachBenchmarkGetsItsShortfall) {
  RerunPlanner planner(5, {.max_repetitions = 10, .max_seconds = 20});
  const auto pass = planner.next_pass(tallies({{"a", 3, 2}, {"b", 5, 0}, {"c", 4, 1}}), 0);
  EXPECT_EQ(pass, (std::vector<RerunRequest>{{"a", 2}, {"c", 1}}));
  EXPECT_EQ(planner.repetitions_granted(), 3u);
  EXPECT_EQ(planner.passes(), 1u);
}

TEST(RerunPlan, TheCountBudgetIsDealtInTurnsNotToTheFirst) {
  RerunPlanner planner(5, {.max_repetitions = 4, .max_seconds = 20});
  // 5 + 5 + 1 short, 4 to give: a round gives a, b and c one each, then a one more.
  const auto pass = planner.next_pass(tallies({{"a", 0, 5}, {"b", 0, 5}, {"c", 4, 1}}), 0);
  EXPECT_EQ(pass, (std::vector<RerunRequest>{{"a", 2}, {"b", 1}, {"c", 1}}));
  EXPECT_EQ(planner.repetitions_granted(), 4u);
  // Still short, but the count is spent.
  EXPECT_TRUE(planner.next_pass(tallies({{"a", 1, 6}, {"b", 1, 5}, {"c", 5, 1}}), 1).empty());
  EXPECT_EQ(planner.stop(), RerunStop::count_spent);
}

TEST(RerunPlan, NoPassStartsOnceTheTimeIsSpent) {
  RerunPlanner planner(5, {.max_repetitions = 100, .max_seconds = 2.5});
  EXPECT_FALSE(planner.next_pass(tallies({{"a", 4, 1}}), 0).empty());
  EXPECT_FALSE(planner.next_pass(tallies({{"a", 4, 2}}), 2.4).empty());
  EXPECT_TRUE(planner.next_pass(tallies({{"a", 4, 3}}), 2.5).empty());
  EXPECT_EQ(planner.stop(), RerunStop::time_spent);
  EXPECT_EQ(planner.passes(), 2u);
  EXPECT_EQ(planner.repetitions_granted(), 2u);
}

TEST(RerunPlan, RepeatedPassesNeverExceedTheCount) {
  RerunPlanner planner(3, {.max_repetitions = 7, .max_seconds = 1e9});
  // Every re-run is disturbed again: the passes go on until 7 were given.
  std::size_t disturbed = 3;
  std::size_t given = 0;
  for (int i = 0; i < 100; ++i) {
    const auto pass = planner.next_pass(tallies({{"a", 0, disturbed}}), 0);
    if (pass.empty()) break;
    ASSERT_EQ(pass.size(), 1u);
    given += pass[0].repetitions;
    disturbed += pass[0].repetitions;
  }
  EXPECT_EQ(given, 7u);
  EXPECT_EQ(planner.repetitions_granted(), 7u);
  EXPECT_EQ(planner.stop(), RerunStop::count_spent);
}

TEST(RerunPlan, APassIsCutToWhatFitsInTheTimeLeft) {
  RerunPlanner planner(5, {.max_repetitions = 40, .max_seconds = 10});
  // 20 short, 0.8 s a repetition, 7.6 s spent: 2.4 s left, 3 fit.
  const auto pass = planner.next_pass(tallies({{"a", 0, 5}, {"b", 0, 5}, {"c", 0, 5}, {"d", 0, 5}}), 7.6, 0.8);
  std::size_t count = 0;
  for (const auto& r : pass) count += r.repetitions;
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(pass, (std::vector<RerunRequest>{{"a", 1}, {"b", 1}, {"c", 1}}));
  // Less than one fits: one still runs, since the time is not spent yet.
  EXPECT_EQ(planner.next_pass(tallies({{"a", 0, 6}}), 9.9, 5).size(), 1u);
}

TEST(RerunPlan, EachBenchmarkWantsWhatItsFirstPassAskedFor) {
  RerunPlanner planner(5, {.max_repetitions = 40, .max_seconds = 10});
  RepetitionTally a{"a", 2, 1, 3};  // asked for 3, 2 undisturbed
  RepetitionTally b{"b", 3, 0, 3};  // asked for 3, has them
  EXPECT_EQ(planner.next_pass({a, b}, 0), (std::vector<RerunRequest>{{"a", 1}}));
}

TEST(RerunPlan, ZeroCountTurnsRerunsOff) {
  RerunPlanner planner(5, {.max_repetitions = 0, .max_seconds = 20});
  EXPECT_TRUE(planner.next_pass(tallies({{"a", 0, 5}}), 0).empty());
  EXPECT_EQ(planner.stop(), RerunStop::count_spent);
}

TEST(RerunPlan, StopsAreNamed) {
  EXPECT_EQ(to_string(RerunStop::none_needed), "none needed");
  EXPECT_EQ(to_string(RerunStop::count_spent), "count budget spent");
  EXPECT_EQ(to_string(RerunStop::time_spent), "time budget spent");
}

}  // namespace
}  // namespace engram::bench
