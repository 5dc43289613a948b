// The reason and fix given for each perf_event_open errno, and when kernel
// counting is allowed, from hand-made facts. Pure unit tests. The strerror
// texts are glibc's (Debian), written out by hand.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "system_facts.hpp"

namespace {

using namespace engram::counters::detail;

const std::string kNoPmuFixBareMetal =
    "check that the kernel was built with the CPU's PMU driver (CONFIG_PERF_EVENTS and the vendor PMU); "
    "meanwhile use software events, SDE counters and simulated counters";

SystemFacts bare_metal_without_pmu() {
  SystemFacts facts;
  facts.perf_event_paranoid = 2;
  facts.hardware_pmu = false;
  facts.hypervisor = false;
  return facts;
}

TEST(OpenFailure, RefusalNamesTheSettingsAndIsNoPermission) {
  SystemFacts facts;  // perf_event_paranoid unreadable, no capabilities
  OpenFailure failure = explain_open_failure(EACCES, true, "", facts);
  EXPECT_TRUE(failure.no_permission);
  EXPECT_EQ(failure.reason,
            "perf_event_open refused (Permission denied): perf_event_paranoid = unknown, no CAP_PERFMON, "
            "no CAP_SYS_ADMIN");
  EXPECT_EQ(failure.fix, permission_fix());

  facts.perf_event_paranoid = 2;
  facts.cap_perfmon = true;
  failure = explain_open_failure(EPERM, false, "", facts);
  EXPECT_TRUE(failure.no_permission);
  EXPECT_EQ(failure.reason,
            "perf_event_open refused (Operation not permitted): perf_event_paranoid = 2, CAP_PERFMON present, "
            "no CAP_SYS_ADMIN");
}

TEST(OpenFailure, HardwareEventWithoutAPmuOnBareMetal) {
  const SystemFacts facts = bare_metal_without_pmu();
  for (int error : {ENOENT, EOPNOTSUPP, ENODEV}) {
    const OpenFailure failure = explain_open_failure(error, true, "amd64_fam19h_zen4", facts);
    EXPECT_FALSE(failure.no_permission);
    EXPECT_EQ(failure.reason, "no hardware PMU (the kernel exposes none): perf_event_open says \"" +
                                  std::string(error == ENOENT       ? "No such file or directory"
                                              : error == EOPNOTSUPP ? "Operation not supported"
                                                                    : "No such device") +
                                  "\"");
    EXPECT_EQ(failure.fix, kNoPmuFixBareMetal);
  }
  EXPECT_EQ(no_pmu_summary(facts), "no hardware PMU (the kernel exposes none)");
  EXPECT_EQ(no_pmu_fix(facts), kNoPmuFixBareMetal);
}

TEST(OpenFailure, UnknownEventWhereThePmuExistsNamesThePmu) {
  SystemFacts facts = bare_metal_without_pmu();
  facts.hardware_pmu = true;
  OpenFailure failure = explain_open_failure(ENOENT, true, "amd64_fam19h_zen4", facts);
  EXPECT_EQ(failure.reason, "event unknown on this CPU (amd64_fam19h_zen4): perf_event_open says \"No such file or directory\"");
  EXPECT_EQ(failure.fix, "pick an event of this CPU's PMU (ecount list) or a generic name such as cycles");
  // A software event is never blamed on the missing PMU; no PMU name, no parentheses.
  failure = explain_open_failure(EOPNOTSUPP, false, "", bare_metal_without_pmu());
  EXPECT_EQ(failure.reason, "event unknown on this CPU: perf_event_open says \"Operation not supported\"");
}

TEST(OpenFailure, OutOfFileDescriptors) {
  for (int error : {EMFILE, ENFILE}) {
    const OpenFailure failure = explain_open_failure(error, true, "", bare_metal_without_pmu());
    EXPECT_FALSE(failure.no_permission);
    EXPECT_EQ(failure.reason, "out of file descriptors (" +
                                  std::string(error == EMFILE ? "Too many open files" : "Too many open files in system") +
                                  ")");
    EXPECT_EQ(failure.fix, "raise the open-file limit (ulimit -n) or request fewer counters");
  }
}

TEST(OpenFailure, NoFreeCounter) {
  for (int error : {ENOSPC, EBUSY}) {
    const OpenFailure failure = explain_open_failure(error, true, "", bare_metal_without_pmu());
    EXPECT_EQ(failure.reason, "the PMU has no free counter (" +
                                  std::string(error == ENOSPC ? "No space left on device" : "Device or resource busy") +
                                  "): another tool or the NMI watchdog holds it");
    EXPECT_EQ(failure.fix, "stop other profilers; on x86: sudo sysctl kernel.nmi_watchdog=0");
  }
}

TEST(OpenFailure, RejectedEncoding) {
  const OpenFailure failure = explain_open_failure(EINVAL, true, "", bare_metal_without_pmu());
  EXPECT_EQ(failure.reason, "the kernel rejected the event's encoding (Invalid argument)");
  EXPECT_EQ(failure.fix, "request the event by another name (ecount list shows what opens)");
}

TEST(OpenFailure, AnyOtherErrorIsNamedWithoutAFix) {
  const OpenFailure failure = explain_open_failure(E2BIG, true, "", bare_metal_without_pmu());
  EXPECT_FALSE(failure.no_permission);
  EXPECT_EQ(failure.reason, "perf_event_open failed (Argument list too long)");
  EXPECT_EQ(failure.fix, "");
}

TEST(SystemFactsRules, KernelCountingNeedsParanoidAtMostOneOrACapability) {
  SystemFacts facts;
  EXPECT_FALSE(facts.may_count_kernel()) << "paranoid unreadable, no capability";
  facts.perf_event_paranoid = 2;
  EXPECT_FALSE(facts.may_count_kernel());
  facts.perf_event_paranoid = 1;
  EXPECT_TRUE(facts.may_count_kernel());
  facts.perf_event_paranoid = 3;
  facts.cap_perfmon = true;
  EXPECT_TRUE(facts.may_count_kernel());
  facts.cap_perfmon = false;
  facts.cap_sys_admin = true;
  EXPECT_TRUE(facts.may_count_kernel());
}

}  // namespace
