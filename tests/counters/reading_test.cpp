// The public vocabulary of a Reading: enum names and their parsing, lookups
// that find nothing, simulated counts that lack an input event (the counter
// stays without a value, never 0), and JSON where a missing value or an
// unread group's times are null. Pure unit tests on hand-made readings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "engram/counters.hpp"

namespace {

using namespace engram::counters;

CounterValue waiting_for_simulation(const std::string& requested, const std::string& canonical) {
  CounterValue c;
  c.requested = requested;
  c.canonical = canonical;
  c.backend = Backend::simulated;
  c.status = Status::unsupported;
  c.reason = "waits for simulated counts";
  return c;
}

TEST(ReadingVocabulary, EnumNames) {
  EXPECT_EQ(to_string(SimulationMode::automatic), "auto");
  EXPECT_EQ(to_string(SimulationMode::never), "never");
  EXPECT_EQ(to_string(SimulationMode::only), "only");
  for (SimulationMode mode : {SimulationMode::automatic, SimulationMode::never, SimulationMode::only})
    EXPECT_EQ(parse_simulation_mode(to_string(mode)), mode) << to_string(mode);
  EXPECT_EQ(parse_simulation_mode("AUTOMATIC"), SimulationMode::automatic);
  EXPECT_THROW(parse_simulation_mode("sometimes"), CounterError);
  EXPECT_THROW(parse_simulation_mode(""), CounterError);

  EXPECT_EQ(to_string(Backend::perf_event), "perf_event");
  EXPECT_EQ(to_string(Backend::papi), "papi");
  EXPECT_EQ(to_string(Backend::simulated), "simulated");
  EXPECT_EQ(to_string(Backend::none), "none");
  EXPECT_EQ(to_string(Status::no_permission), "no_permission");
  EXPECT_EQ(to_string(Status::multiplexed), "multiplexed");
  EXPECT_EQ(to_string(Severity::problem), "problem");
  EXPECT_EQ(to_string(Severity::warning), "warning");
}

TEST(ReadingVocabulary, LookupsOfAbsentNamesGiveNull) {
  Reading r;
  r.counters.push_back(waiting_for_simulation("L1_DCM", "PAPI_L1_DCM"));
  DerivedMetric ipc;
  ipc.name = "IPC";
  r.derived.push_back(ipc);
  EXPECT_EQ(r.find("papi_l1_dcm"), &r.counters[0]);  // canonical, any case
  EXPECT_EQ(r.find("PAPI_L1_DCM"), &r.counters[0]);
  EXPECT_EQ(r.find("L1_ICM"), nullptr);
  EXPECT_EQ(r.find(""), nullptr);
  EXPECT_EQ(r.find_derived("ipc"), &r.derived[0]);
  EXPECT_EQ(r.find_derived("CPI"), nullptr);  // not in this reading
}

TEST(ReadingVocabulary, SimulatedCountsLackingAnInputEventLeaveTheCounterEmpty) {
  Reading r;
  r.counters.push_back(waiting_for_simulation("L1_DCM", "PAPI_L1_DCM"));
  r.counters.push_back(waiting_for_simulation("instructions", "PAPI_TOT_INS"));
  CallgrindCounts counts;
  counts.region = "work";
  counts.events = {{"Ir", 1000}, {"D1mr", 40}};  // L1_DCM = D1mr + D1mw: D1mw absent
  r.merge_simulated(counts);

  const CounterValue& misses = r.counters[0];
  EXPECT_FALSE(misses.value.has_value()) << *misses.value;
  EXPECT_EQ(misses.status, Status::unsupported);
  EXPECT_EQ(misses.reason, "callgrind counts lack an event of D1mr + D1mw");

  const CounterValue& instructions = r.counters[1];
  ASSERT_TRUE(instructions.value.has_value());
  EXPECT_EQ(*instructions.value, 1000.0);
  EXPECT_EQ(instructions.status, Status::simulated);
  EXPECT_EQ(instructions.reason, "simulated by callgrind: Ir (region work)");

  // The reading had no derived metrics: all six are computed, and the one
  // that needs the empty counter stays empty.
  ASSERT_EQ(r.derived.size(), 6u);
  const DerivedMetric* mpki = r.find_derived("L1_MPKI");
  EXPECT_FALSE(mpki->value.has_value());
  EXPECT_EQ(mpki->reason,
            "PAPI_L1_DCM has no value (unsupported: callgrind counts lack an event of D1mr + D1mw)");
}

TEST(ReadingVocabulary, NothingToMergeChangesNothing) {
  Reading r;
  CounterValue clock;
  clock.requested = clock.canonical = "task-clock";
  clock.backend = Backend::perf_event;
  clock.status = Status::counted;
  clock.value = 5.0;
  r.counters.push_back(clock);
  CallgrindCounts counts;
  counts.events = {{"Ir", 1000}};
  r.merge_simulated(counts);
  EXPECT_EQ(*r.counters[0].value, 5.0);
  EXPECT_TRUE(r.derived.empty()) << "no simulated counter, so no recomputed metrics";
}

TEST(ReadingJson, MissingValuesAndUnreadGroupTimesAreNull) {
  const CounterValue empty = waiting_for_simulation("L1_DCM", "PAPI_L1_DCM");
  const nlohmann::json counter = empty;
  EXPECT_TRUE(counter.at("value").is_null());
  EXPECT_TRUE(counter.at("raw").is_null());
  EXPECT_EQ(counter.at("backend"), "simulated");
  EXPECT_EQ(counter.at("status"), "unsupported");

  GroupTimes unread;
  unread.members = {"cycles", "instructions"};
  unread.read_path = "read()";
  nlohmann::json group = unread;
  EXPECT_TRUE(group.at("time_enabled_ns").is_null());
  EXPECT_TRUE(group.at("time_running_ns").is_null());
  EXPECT_EQ(group.at("members"), nlohmann::json({"cycles", "instructions"}));

  GroupTimes read = unread;
  read.read_ok = true;
  read.time_enabled_ns = 2000;
  read.time_running_ns = 0;  // read, but never scheduled: a real 0
  group = read;
  EXPECT_EQ(group.at("time_enabled_ns"), 2000);
  EXPECT_EQ(group.at("time_running_ns"), 0);
}

TEST(ReadingJson, StatusesJsonCarriesReasonAndFixOnlyWhenSet) {
  Reading r;
  r.counters.push_back(waiting_for_simulation("L1_DCM", "PAPI_L1_DCM"));
  r.counters.back().fix = "run it under callgrind";
  CounterValue clock;
  clock.requested = "task-clock";
  clock.canonical = "perf::PERF_COUNT_SW_TASK_CLOCK";
  clock.backend = Backend::perf_event;
  clock.status = Status::counted;
  clock.value = 5.0;
  clock.running_fraction = 1.0;
  r.counters.push_back(clock);
  const nlohmann::json root = nlohmann::json::parse(statuses_json(r));
  EXPECT_EQ(root.at("schema"), "engram-counter-statuses");
  EXPECT_EQ(root.at("version"), 1);
  const nlohmann::json& statuses = root.at("counters");
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0], nlohmann::json({{"counter", "L1_DCM"},
                                         {"canonical", "PAPI_L1_DCM"},
                                         {"status", "unsupported"},
                                         {"backend", "simulated"},
                                         {"running_fraction", 0.0},
                                         {"reason", "waits for simulated counts"},
                                         {"fix", "run it under callgrind"}}));
  EXPECT_EQ(statuses[1], nlohmann::json({{"counter", "task-clock"},
                                         {"canonical", "perf::PERF_COUNT_SW_TASK_CLOCK"},
                                         {"status", "counted"},
                                         {"backend", "perf_event"},
                                         {"running_fraction", 1.0}}));
}

// ---- the counter statuses format: its one writer and its one reader ----------

Reading two_counter_reading() {
  Reading r;
  r.counters.push_back(waiting_for_simulation("L1_DCM", "PAPI_L1_DCM"));
  r.counters.back().fix = "run it under callgrind";
  CounterValue clock;
  clock.requested = "task-clock";
  clock.canonical = "perf::PERF_COUNT_SW_TASK_CLOCK";
  clock.backend = Backend::perf_event;
  clock.status = Status::multiplexed;
  clock.running_fraction = 0.25;
  r.counters.push_back(clock);
  return r;
}

std::string read_error(const std::string& text) {
  try {
    (void)counter_statuses_from_json(text, "run.json: context \"engram.counters\"");
  } catch (const engram::io::InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CounterStatusesJson, RoundTripsEveryField) {
  const Reading r = two_counter_reading();
  const CounterStatuses written = counter_statuses(r);
  const CounterStatuses read = counter_statuses_from_json(statuses_json(r), "statuses");
  EXPECT_EQ(read, written);
  ASSERT_EQ(read.counters.size(), 2u);
  EXPECT_EQ(read.counters[0].status, Status::unsupported);
  EXPECT_EQ(read.counters[0].backend, Backend::simulated);
  EXPECT_EQ(read.counters[0].fix, "run it under callgrind");
  EXPECT_EQ(read.counters[1].status, Status::multiplexed);
  EXPECT_DOUBLE_EQ(read.counters[1].running_fraction, 0.25);
  ASSERT_NE(read.find("task-clock"), nullptr);
  EXPECT_EQ(read.find("cycles"), nullptr);
  EXPECT_EQ(counter_statuses_json(read), statuses_json(r));
}

TEST(CounterStatusesJson, AnotherVersionOrSchemaIsAClearError) {
  nlohmann::json root = nlohmann::json::parse(statuses_json(two_counter_reading()));
  root["version"] = 2;
  EXPECT_NE(read_error(root.dump()).find("/version: engram-counter-statuses version 2; this build reads version 1"),
            std::string::npos)
      << read_error(root.dump());
  root["version"] = 1;
  root["schema"] = "engram-hotspots";
  EXPECT_NE(read_error(root.dump()).find("/schema: schema \"engram-hotspots\", expected \"engram-counter-statuses\""),
            std::string::npos)
      << read_error(root.dump());
  // The list without its envelope (the format before version 1) is refused, not guessed at.
  EXPECT_NE(read_error(root.at("counters").dump()).find("expected a JSON object"), std::string::npos);
}

TEST(CounterStatusesJson, UnknownStatusMissingMemberAndDuplicatesNameThePointer) {
  nlohmann::json root = nlohmann::json::parse(statuses_json(two_counter_reading()));
  nlohmann::json bad = root;
  bad["counters"][1]["status"] = "zero";
  EXPECT_NE(read_error(bad.dump()).find("run.json: context \"engram.counters\": /counters/1/status: unknown counter "
                                        "status \"zero\""),
            std::string::npos)
      << read_error(bad.dump());
  bad = root;
  bad["counters"][0].erase("backend");
  EXPECT_NE(read_error(bad.dump()).find("/counters/0/backend"), std::string::npos) << read_error(bad.dump());
  bad = root;
  bad["counters"][1]["counter"] = "L1_DCM";
  EXPECT_NE(read_error(bad.dump()).find("listed twice"), std::string::npos) << read_error(bad.dump());
  bad = root;
  bad["counters"][1]["running_fraction"] = 1.5;
  EXPECT_NE(read_error(bad.dump()).find("/counters/1/running_fraction"), std::string::npos) << read_error(bad.dump());
}

}  // namespace
