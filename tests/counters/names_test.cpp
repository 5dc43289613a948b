// Name resolution: every accepted form, case-insensitivity, mixed lists,
// duplicates and hostile names refused, unknown names with close matches.
#include <gtest/gtest.h>

#include <algorithm>

#include "engram/counters.hpp"
#include "papi_catalog.hpp"
#include "pfm_catalog.hpp"
#include "resolver.hpp"
#include "text.hpp"

namespace {

using namespace engram::counters;
using detail::NameKind;
using detail::resolve_counter_name;
using detail::resolve_counter_names;

TEST(Names, PerfGenericNamesResolveToLibpfmEncodings) {
  const std::pair<const char*, const char*> expected[] = {
      {"cycles", "perf::PERF_COUNT_HW_CPU_CYCLES"},
      {"instructions", "perf::PERF_COUNT_HW_INSTRUCTIONS"},
      {"cache-misses", "perf::PERF_COUNT_HW_CACHE_MISSES"},
      {"branch-misses", "perf::PERF_COUNT_HW_BRANCH_MISSES"},
      {"task-clock", "perf::PERF_COUNT_SW_TASK_CLOCK"},
      {"page-faults", "perf::PERF_COUNT_SW_PAGE_FAULTS"},
      {"context-switches", "perf::PERF_COUNT_SW_CONTEXT_SWITCHES"},
      {"cs", "perf::PERF_COUNT_SW_CONTEXT_SWITCHES"},
      {"L1-dcache-load-misses", "perf::PERF_COUNT_HW_CACHE_L1D:READ:MISS"},
  };
  for (const auto& [name, canonical] : expected) {
    const auto counter = resolve_counter_name(name);
    EXPECT_EQ(counter.kind, NameKind::perf_generic) << name;
    EXPECT_EQ(counter.canonical, canonical) << name;
    ASSERT_TRUE(counter.pfm.has_value()) << name;
  }
  EXPECT_EQ(resolve_counter_name("task-clock").pfm->attr.type, PERF_TYPE_SOFTWARE);
  EXPECT_EQ(resolve_counter_name("task-clock").traits.unit, "ns");
}

TEST(Names, MatchingIsCaseInsensitive) {
  EXPECT_EQ(resolve_counter_name("TASK-CLOCK").canonical, "perf::PERF_COUNT_SW_TASK_CLOCK");
  EXPECT_EQ(resolve_counter_name("Page-Faults").canonical, "perf::PERF_COUNT_SW_PAGE_FAULTS");
  EXPECT_EQ(resolve_counter_name("perf::task-clock").canonical, "perf::PERF_COUNT_SW_TASK_CLOCK");
  EXPECT_EQ(resolve_counter_name("papi_l1_dcm").canonical, "PAPI_L1_DCM");
  EXPECT_EQ(resolve_counter_name("l1_dcm").canonical, "PAPI_L1_DCM");
}

TEST(Names, PapiPresetsResolveWithAndWithoutPrefix) {
  for (const char* name : {"L1_DCM", "PAPI_L1_DCM"}) {
    const auto counter = resolve_counter_name(name);
    EXPECT_EQ(counter.kind, NameKind::papi_preset) << name;
    EXPECT_EQ(counter.canonical, "PAPI_L1_DCM") << name;
    ASSERT_TRUE(counter.preset.has_value());
    EXPECT_EQ(counter.traits.role, detail::Role::l1d_misses);
  }
  EXPECT_EQ(resolve_counter_name("TOT_CYC").canonical, "PAPI_TOT_CYC");
  EXPECT_EQ(resolve_counter_name("BR_MSP").canonical, "PAPI_BR_MSP");
  EXPECT_EQ(resolve_counter_name("LL_MISSES").canonical, "PAPI_L3_TCM");
}

TEST(Names, LibpfmNamesResolveInEverySpelling) {
  for (const char* name : {"perf::PERF_COUNT_SW_TASK_CLOCK", "perf::TASK-CLOCK", "PERF_COUNT_SW_TASK_CLOCK"}) {
    const auto counter = resolve_counter_name(name);
    EXPECT_EQ(counter.kind, NameKind::pfm) << name;
    EXPECT_EQ(counter.canonical, "perf::PERF_COUNT_SW_TASK_CLOCK") << name;
  }
}

TEST(Names, ANativeEventOfThisCpuResolves) {
  // libpfm4 detects the CPU's PMU from CPUID even in a VM; its events encode.
  std::string native;
  for (const auto& pmu : detail::pfm_present_pmus()) {
    if (!pmu.core) continue;
    for (const std::string& name : detail::pfm_event_names())
      if (name.rfind(pmu.name + "::", 0) == 0) {
        native = name;
        break;
      }
    if (!native.empty()) break;
  }
  if (native.empty()) GTEST_SKIP() << "libpfm4 knows no core PMU on this CPU";
  const auto counter = resolve_counter_name(native);
  EXPECT_EQ(counter.kind, NameKind::pfm);
  EXPECT_EQ(counter.canonical.rfind(native, 0), 0u) << counter.canonical;
  // Same event in lower case.
  EXPECT_EQ(resolve_counter_name(detail::to_lower(native)).dedup_key, counter.dedup_key);
}

TEST(Names, PapiNativeNamesResolve) {
  const auto component = detail::papi_component("perf_event");
  if (!component || component->disabled) GTEST_SKIP() << "PAPI's perf_event component is not active";
  const std::vector<std::string> natives = detail::papi_native_names(component->index);
  ASSERT_FALSE(natives.empty());
  // PAPI's perf_event natives are libpfm4 names: each resolves, or (an event
  // that needs a unit mask) says which mask to add.
  std::size_t resolved = 0;
  for (const std::string& name : natives) {
    try {
      (void)resolve_counter_name(name);
      ++resolved;
    } catch (const UnknownCounterError& e) {
      ADD_FAILURE() << name << ": " << e.what();
    } catch (const CounterError& e) {
      EXPECT_NE(std::string(e.what()).find("add a unit mask, e.g. "), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(resolved, natives.size() / 2);
}

TEST(Names, MixedListKeepsOrderAndKinds) {
  const auto resolution = resolve_counter_names(
      {"task-clock", "L1_DCM", "perf::PAGE-FAULTS", "cycles", "PAPI_BR_MSP", "LL_MISSES"});
  ASSERT_EQ(resolution.counters.size(), 6u);
  EXPECT_TRUE(resolution.notes.empty());
  const NameKind kinds[] = {NameKind::perf_generic, NameKind::papi_preset, NameKind::pfm,
                            NameKind::perf_generic, NameKind::papi_preset, NameKind::papi_preset};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(resolution.counters[i].kind, kinds[i]) << i;
  EXPECT_EQ(resolution.counters[1].requested, "L1_DCM");
  EXPECT_EQ(resolution.counters[5].canonical, "PAPI_L3_TCM");
}

TEST(Names, PrivilegeLevelModifiersAreKeptInTheEncodingAndTheName) {
  const auto user = resolve_counter_name("instructions:u");
  EXPECT_EQ(user.kind, NameKind::perf_generic);
  EXPECT_EQ(user.canonical, "perf::PERF_COUNT_HW_INSTRUCTIONS:u");
  ASSERT_TRUE(user.pfm.has_value());
  EXPECT_EQ(user.pfm->attr.exclude_kernel, 1u);
  EXPECT_EQ(user.pfm->attr.exclude_user, 0u);
  EXPECT_EQ(user.traits.role, detail::Role::instructions);
  const auto kernel = resolve_counter_name("CYCLES:K");
  EXPECT_EQ(kernel.canonical, "perf::PERF_COUNT_HW_CPU_CYCLES:k");
  EXPECT_EQ(kernel.pfm->attr.exclude_user, 1u);
  EXPECT_EQ(kernel.pfm->attr.exclude_kernel, 0u);
  EXPECT_EQ(resolve_counter_name("instructions").pfm->attr.exclude_kernel, 0u);
  // Different counters, so not duplicates of each other.
  EXPECT_EQ(resolve_counter_names({"instructions", "instructions:u", "instructions:k"}).counters.size(), 3u);
  EXPECT_THROW(resolve_counter_name("instructions:x"), CounterError);  // libpfm4: invalid event attribute
}

// The same counter twice, under any spelling, is refused (not merged: a
// merged list loses the second spelling's column, and a tool that does not
// print notes would lose it without a word).
TEST(Names, TheSameCounterTwiceIsRefusedUnderAnySpelling) {
  const auto message = [](const std::vector<std::string>& names) -> std::string {
    try {
      (void)resolve_counter_names(names);
    } catch (const CounterListError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(message({"task-clock", "task-clock"}), "counter 'task-clock' is listed twice: give each counter once");
  EXPECT_EQ(message({"task-clock", "TASK-CLOCK"}),
            "counter 'TASK-CLOCK' is listed twice (the same counter as 'task-clock', "
            "perf::PERF_COUNT_SW_TASK_CLOCK): give each counter once");
  EXPECT_NE(message({"task-clock", "perf::PERF_COUNT_SW_TASK_CLOCK"}).find("is listed twice"), std::string::npos);
  EXPECT_EQ(message({"L1_DCM", "BR_MSP", "PAPI_L1_DCM"}),
            "counter 'PAPI_L1_DCM' is listed twice (the same counter as 'L1_DCM', PAPI_L1_DCM): give each counter once");
  // Different counters are not duplicates, and a list without one has no note.
  EXPECT_EQ(resolve_counter_names({"task-clock", "page-faults"}).counters.size(), 2u);

  // The same through the public API, whose every tool therefore refuses it.
  Options options;
  options.overhead_pairs = 0;
  EXPECT_THROW(CounterSet::open({"page-faults", "perf::PAGE-FAULTS"}, options), CounterListError);
}

// Names reach PAPI's fixed buffers (PAPI_HUGE_STR_LEN) and libpfm4: a name
// longer than the bound, or with a byte that is not printable ASCII, is
// refused first. An 8,192-character name used to abort the process inside
// PAPI_event_name_to_code ("buffer overflow detected").
TEST(Names, TooLongOrUnprintableNamesAreRefusedBeforePapiSeesThem) {
  const auto message = [](const std::vector<std::string>& names) -> std::string {
    try {
      (void)resolve_counter_names(names);
    } catch (const UnknownCounterError& e) {
      return std::string("(unknown) ") + e.what();
    } catch (const CounterListError& e) {
      return e.what();
    }
    return "(no error)";
  };
  for (const std::string prefix : {"", "PAPI_", "perf::", "sde:::", "x::"}) {
    const std::string huge = prefix + std::string(8192, 'A');
    EXPECT_EQ(message({huge}), "counter name of " + std::to_string(huge.size()) + " characters ('" +
                                   huge.substr(0, 32) + "...'): longer than the 1023 PAPI and libpfm4 accept")
        << prefix;
    // Before any name of the list is resolved, wherever the bad one stands.
    EXPECT_NE(message({"task-clok", huge}).find("longer than the 1023"), std::string::npos) << prefix;
  }
  EXPECT_EQ(kMaxCounterNameLength, 1023u);
  EXPECT_NE(message({std::string(kMaxCounterNameLength, 'A')}).find("(unknown) unknown counter"), std::string::npos);
  EXPECT_NE(message({std::string(kMaxCounterNameLength + 1, 'A')}).find("longer than the 1023"), std::string::npos);
  EXPECT_NE(message({"perf::" + std::string(kMaxCounterNameLength, 'A')}).find("longer than"), std::string::npos);
  using namespace std::string_literals;
  EXPECT_EQ(message({"task-clock\0page-faults"s}),
            "counter name has a byte that is not printable ASCII (0x00 at position 11): event names are printable ASCII");
  EXPECT_NE(message({"cyc\nles"}).find("(0x0a at position 4)"), std::string::npos);
  EXPECT_EQ(resolve_counter_names({" cycles\n"}).counters.at(0).requested, "cycles");  // trimmed first
  EXPECT_NE(message({"L1_DCM\xc3\xa9"}).find("(0xc3 at position 7)"), std::string::npos);
  EXPECT_THROW(resolve_counter_name(std::string(20000, 'x')), CounterListError);
}

TEST(Names, UnknownNamesListCloseMatches) {
  try {
    (void)resolve_counter_name("task-clok");
    FAIL() << "no exception";
  } catch (const UnknownCounterError& e) {
    EXPECT_EQ(e.name(), "task-clok");
    ASSERT_FALSE(e.close_matches().empty());
    EXPECT_EQ(e.close_matches().front(), "task-clock");
    EXPECT_NE(std::string(e.what()).find("close matches: task-clock"), std::string::npos) << e.what();
  }
  try {
    (void)resolve_counter_name("L1_DMC");
    FAIL() << "no exception";
  } catch (const UnknownCounterError& e) {
    const auto& m = e.close_matches();
    EXPECT_NE(std::find(m.begin(), m.end(), "L1_DCM"), m.end()) << e.what();
  }
  EXPECT_THROW((void)CounterSet::open({"task-clock", "no-such-counter-anywhere"}), UnknownCounterError);
}

TEST(Names, UnknownSdeCounterSaysWhy) {
  try {
    (void)resolve_counter_name("sde:::nolibrary::nothing");
    FAIL() << "no exception";
  } catch (const UnknownCounterError& e) {
    EXPECT_NE(std::string(e.what()).find("SDE"), std::string::npos) << e.what();
  }
}

TEST(Names, EmptyListAndEmptyNamesAreErrors) {
  EXPECT_THROW((void)CounterSet::open({}), CounterError);
  EXPECT_THROW((void)CounterSet::open({"task-clock", ""}), CounterError);
  EXPECT_THROW((void)CounterSet::open({"  "}), CounterError);
  try {
    (void)CounterSet::open({});
  } catch (const CounterError& e) {
    EXPECT_NE(std::string(e.what()).find("no counters requested"), std::string::npos);
  }
}

TEST(Names, EditDistanceAndCloseMatches) {
  EXPECT_EQ(detail::edit_distance("cycles", "cycles"), 0u);
  EXPECT_EQ(detail::edit_distance("cycels", "cycles"), 1u);  // transposition
  EXPECT_EQ(detail::edit_distance("CYCLES", "cycles"), 0u);
  EXPECT_EQ(detail::edit_distance("", "abc"), 3u);
  EXPECT_EQ(detail::edit_distance("kitten", "sitting"), 3u);
  const std::vector<std::string> vocabulary = {"cycles", "instructions", "PAPI_L1_DCM", "task-clock"};
  EXPECT_EQ(detail::close_matches("cycels", vocabulary), std::vector<std::string>{"cycles"});
  EXPECT_EQ(detail::close_matches("dcm", vocabulary), std::vector<std::string>{"PAPI_L1_DCM"});
  EXPECT_TRUE(detail::close_matches("zzzzzzzz", vocabulary).empty());
}

}  // namespace
