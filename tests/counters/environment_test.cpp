// diagnose_environment() judged on injected system facts: the verdict on
// perf_event_paranoid for each setting and capability, the PMU and VM
// findings, the NMI watchdog, kptr_restrict, and valgrind missing from PATH.
// PATH points at an empty folder throughout, so no valgrind (or any other
// program) is run: pure unit tests. With a PMU in the facts, the hardware
// event validation opens counters of this thread on the real kernel; only
// the shape of that finding is checked, since what counts depends on the host.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>

#include "counter_set_internal.hpp"
#include "engram/counters.hpp"
#include "fake_kernel.hpp"

namespace {

namespace fs = std::filesystem;
using namespace engram::counters;
using detail::SystemFacts;

// Bare metal with a PMU (the fake kernel's machine); each test changes what it is about.
SystemFacts with_pmu() { return fakes::machine_with_pmu(); }

SystemFacts vm_without_pmu() {
  SystemFacts facts = with_pmu();
  facts.hardware_pmu = false;
  facts.hardware_probe_errno = ENOENT;
  facts.core_pmu_in_sysfs = false;
  facts.hypervisor = true;
  return facts;
}

class EnvironmentReportOnFacts : public ::testing::Test {
 protected:
  // PATH: an empty folder, so valgrind is "not found on PATH" and never run.
  void SetUp() override {
    if (const char* path = std::getenv("PATH")) saved_path_ = path;
    std::string pattern = ::testing::TempDir() + "engram-env-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    empty_dir_ = pattern;
    ::setenv("PATH", empty_dir_.c_str(), 1);
  }
  void TearDown() override {
    if (saved_path_)
      ::setenv("PATH", saved_path_->c_str(), 1);
    else
      ::unsetenv("PATH");
    fs::remove_all(empty_dir_);
  }

  std::optional<std::string> saved_path_;
  fs::path empty_dir_;
};

// The one finding on `topic`; fails the test when there is none or several.
Finding topic(const EnvironmentReport& report, const std::string& name) {
  const Finding* found = nullptr;
  int count = 0;
  for (const Finding& f : report.findings) {
    if (f.topic != name) continue;
    found = &f;
    ++count;
  }
  EXPECT_EQ(count, 1) << "findings on '" << name << "'";
  return found ? *found : Finding{};
}

bool has_topic(const EnvironmentReport& report, const std::string& name) {
  for (const Finding& f : report.findings)
    if (f.topic == name) return true;
  return false;
}

void expect_finding(const Finding& f, Severity severity, const std::string& detail, const std::string& fix) {
  EXPECT_EQ(to_string(f.severity), to_string(severity)) << f.topic;
  EXPECT_EQ(f.detail, detail) << f.topic;
  EXPECT_EQ(f.fix, fix) << f.topic;
}

TEST_F(EnvironmentReportOnFacts, UnreadableParanoidIsAWarning) {
  SystemFacts facts = vm_without_pmu();
  facts.perf_event_paranoid.reset();
  expect_finding(topic(detail::diagnose_environment(facts), "perf_event_paranoid"), Severity::warning,
                 "/proc/sys/kernel/perf_event_paranoid is unreadable", "");
}

TEST_F(EnvironmentReportOnFacts, ParanoidThreeForbidsEverything) {
  SystemFacts facts = vm_without_pmu();
  facts.perf_event_paranoid = 3;
  expect_finding(topic(detail::diagnose_environment(facts), "perf_event_paranoid"), Severity::problem,
                 "perf_event_paranoid = 3: unprivileged programs may not use perf_event_open at all",
                 detail::permission_fix());
}

TEST_F(EnvironmentReportOnFacts, ParanoidTwoLimitsToUserSpace) {
  SystemFacts facts = vm_without_pmu();
  facts.perf_event_paranoid = 2;
  expect_finding(topic(detail::diagnose_environment(facts), "perf_event_paranoid"), Severity::warning,
                 "perf_event_paranoid = 2: only user-space work of one's own processes is counted",
                 detail::permission_fix());
}

TEST_F(EnvironmentReportOnFacts, ParanoidOneOrLessCountsTheKernelToo) {
  for (int value : {1, -1}) {
    SystemFacts facts = vm_without_pmu();
    facts.perf_event_paranoid = value;
    expect_finding(topic(detail::diagnose_environment(facts), "perf_event_paranoid"), Severity::ok,
                   "perf_event_paranoid = " + std::to_string(value) + ": kernel-mode work is counted too", "");
  }
}

TEST_F(EnvironmentReportOnFacts, ACapabilityLiftsTheParanoidLimit) {
  SystemFacts facts = vm_without_pmu();
  facts.perf_event_paranoid = 3;
  facts.cap_perfmon = true;
  EnvironmentReport report = detail::diagnose_environment(facts);
  expect_finding(topic(report, "perf_event_paranoid"), Severity::ok,
                 "perf_event_paranoid = 3 (does not apply: the process has CAP_PERFMON)", "");
  expect_finding(topic(report, "CAP_PERFMON"), Severity::ok, "present", "");

  facts.cap_perfmon = false;
  facts.cap_sys_admin = true;
  report = detail::diagnose_environment(facts);
  expect_finding(topic(report, "perf_event_paranoid"), Severity::ok,
                 "perf_event_paranoid = 3 (does not apply: the process has CAP_SYS_ADMIN)", "");
  expect_finding(topic(report, "CAP_PERFMON"), Severity::info, "absent; CAP_SYS_ADMIN present",
                 "sudo setcap cap_perfmon+ep <program> (lifts perf_event_paranoid limits for it)");
}

TEST_F(EnvironmentReportOnFacts, KptrRestrictHidesKernelSymbolsUnlessSysAdmin) {
  SystemFacts facts = vm_without_pmu();
  facts.kptr_restrict = 1;
  const std::string hidden = "kptr_restrict = 1: kernel addresses hidden from unprivileged profiles";
  const std::string fix = "sudo sysctl kernel.kptr_restrict=0 (to resolve kernel frames in profiles)";
  expect_finding(topic(detail::diagnose_environment(facts), "kptr_restrict"), Severity::info, hidden, fix);
  facts.cap_sys_admin = true;  // root reads them anyway
  expect_finding(topic(detail::diagnose_environment(facts), "kptr_restrict"), Severity::ok, hidden, fix);
  facts.kptr_restrict = 0;
  expect_finding(topic(detail::diagnose_environment(facts), "kptr_restrict"), Severity::ok,
                 "kptr_restrict = 0: kernel symbols visible", "");
  facts.kptr_restrict.reset();  // unreadable: nothing to say
  EXPECT_FALSE(has_topic(detail::diagnose_environment(facts), "kptr_restrict"));
}

TEST_F(EnvironmentReportOnFacts, NoPmuIsAProblemWithItsConsequences) {
  SystemFacts facts = vm_without_pmu();
  EnvironmentReport report = detail::diagnose_environment(facts);
  EXPECT_FALSE(report.hardware_pmu);
  EXPECT_TRUE(report.virtualized);
  EXPECT_EQ(report.summary, "no hardware PMU (virtualized)");
  const Finding pmu = topic(report, "hardware PMU");
  EXPECT_EQ(pmu.severity, Severity::problem);
  // strerror(ENOENT) is "No such file or directory".
  EXPECT_EQ(pmu.detail,
            "no hardware PMU (virtualized): perf_event_open(cycles) says \"No such file or directory\"; "
            "/sys/bus/event_source/devices has no core PMU (cpu)");
  EXPECT_EQ(pmu.fix, detail::no_pmu_fix(facts));
  ASSERT_FALSE(report.consequences.empty());
  EXPECT_NE(report.consequences.front().find("never as 0"), std::string::npos) << report.consequences.front();
  EXPECT_FALSE(has_topic(report, "hardware event validation"));

  facts.core_pmu_in_sysfs = true;
  EXPECT_NE(topic(detail::diagnose_environment(facts), "hardware PMU")
                .detail.find("; /sys/bus/event_source/devices has a core PMU"),
            std::string::npos);
}

TEST_F(EnvironmentReportOnFacts, AMissingValgrindIsAProblemOnlyWithoutAPmu) {
  const std::string detail_text = "not found on PATH: no simulated counters";
  const std::string fix = "sudo apt-get install valgrind (Debian package `valgrind`)";
  // Without a PMU the simulated counters are the only cache and branch counts.
  expect_finding(topic(detail::diagnose_environment(vm_without_pmu()), "valgrind"), Severity::problem, detail_text,
                 fix);
  expect_finding(topic(detail::diagnose_environment(with_pmu()), "valgrind"), Severity::info, detail_text, fix);
}

TEST_F(EnvironmentReportOnFacts, APmuIsReportedAndItsEventsValidated) {
  SystemFacts facts = with_pmu();
  facts.hypervisor = true;
  const EnvironmentReport report = detail::diagnose_environment(facts);
  EXPECT_TRUE(report.hardware_pmu);
  EXPECT_EQ(report.summary, "hardware PMU available (virtualized)");
  EXPECT_TRUE(report.consequences.empty());
  expect_finding(topic(report, "hardware PMU"), Severity::ok, "PERF_COUNT_HW_CPU_CYCLES opens", "");

  // Which events count depends on this host's PMU; every one of the twelve
  // must be named, in one of the lists, and a "count 0" list must warn.
  const Finding validation = topic(report, "hardware event validation");
  EXPECT_EQ(validation.detail.rfind("over a workload that must produce them (", 0), 0u) << validation.detail;
  for (const char* name : {"cycles", "instructions", "branches", "branch-misses", "PAPI_TOT_CYC", "PAPI_TOT_INS",
                           "PAPI_L1_DCM", "PAPI_L1_DCA", "PAPI_BR_INS", "PAPI_BR_MSP", "PAPI_LD_INS", "PAPI_SR_INS"})
    EXPECT_NE(validation.detail.find(name), std::string::npos) << name << " not in: " << validation.detail;
  const bool some_count_zero = validation.detail.find("open but count 0") != std::string::npos;
  EXPECT_EQ(validation.severity, some_count_zero ? Severity::warning : Severity::ok) << validation.detail;
  EXPECT_EQ(validation.fix.empty(), !some_count_zero) << validation.fix;
}

TEST_F(EnvironmentReportOnFacts, TheNmiWatchdogMattersOnlyWithAPmu) {
  SystemFacts facts = with_pmu();
  facts.nmi_watchdog = 1;
  expect_finding(topic(detail::diagnose_environment(facts), "nmi_watchdog"), Severity::warning,
                 "the NMI watchdog holds one PMU counter", "sudo sysctl kernel.nmi_watchdog=0");
  facts.nmi_watchdog = 0;
  EXPECT_FALSE(has_topic(detail::diagnose_environment(facts), "nmi_watchdog"));
  facts = vm_without_pmu();
  facts.nmi_watchdog = 1;  // no PMU counter for it to hold
  EXPECT_FALSE(has_topic(detail::diagnose_environment(facts), "nmi_watchdog"));
}

}  // namespace
