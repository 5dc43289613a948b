// The machine snapshot (engram/machine_snapshot.hpp): CPUID's cache leaves
// decoded from hand-made registers; every fact read from a fixture /proc,
// /sys and os-release made in a temporary folder, with live calls off and
// CPUID's leaves injected; the choice between disagreeing cache sources; a
// missing file giving a problem and an empty value, never 0; the JSON round
// trip and its refusals; and, as a program, baseline --machine-out.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "engram/io/errors.hpp"
#include "engram/io/json.hpp"
#include "engram/machine_snapshot.hpp"
#include "machine_snapshot_internal.hpp"
#include "program_run.hpp"

namespace {

namespace fs = std::filesystem;
using namespace engram::counters;

constexpr std::uint64_t KiB = 1024, MiB = 1024 * 1024;

// ---- CPUID's deterministic cache leaves

// A subleaf from its fields (the registers hold each count minus one).
CpuidCacheLeaf leaf(unsigned type, unsigned level, std::uint32_t ways, std::uint32_t partitions, std::uint32_t line,
                    std::uint32_t sets) {
  return {type | (level << 5), ((ways - 1) << 22) | ((partitions - 1) << 12) | (line - 1), sets - 1};
}
constexpr unsigned kData = 1, kInstruction = 2, kUnified = 3;

// The VM's leaf 0x8000001D as the kernel lists it in sysfs:
//   L1d 8 ways x 64 B x 64 sets = 32 KiB; L1i 16 ways x 64 B x 64 sets = 64 KiB
//   (made to differ from L1d); L2 8 x 64 B x 2048 = 1 MiB; L3 16 x 64 B x 32768 = 32 MiB.
std::vector<CpuidCacheLeaf> vm_subleaves() {
  return {leaf(kData, 1, 8, 1, 64, 64), leaf(kInstruction, 1, 16, 1, 64, 64), leaf(kUnified, 2, 8, 1, 64, 2048),
          leaf(kUnified, 3, 16, 1, 64, 32768), CpuidCacheLeaf{}};
}

TEST(CpuidCacheLeaves, DecodesThisProjectsVm) {
  const std::vector<CpuidCacheLeaf> subleaves = vm_subleaves();
  // The raw registers of the L1d subleaf, spelled out once: EAX 0x21 (type 1,
  // level 1), EBX 0x01C0003F (7 << 22 | 63), ECX 63.
  EXPECT_EQ(subleaves[0].eax, 0x21u);
  EXPECT_EQ(subleaves[0].ebx, 0x01C0003Fu);
  EXPECT_EQ(subleaves[0].ecx, 63u);
  const std::vector<CpuidCache> caches = decode_cpuid_cache_leaves(subleaves);
  ASSERT_EQ(caches.size(), 4u);
  EXPECT_EQ(caches[0].type, "data");
  EXPECT_EQ(caches[0].bytes, 32 * KiB);
  EXPECT_EQ(caches[0].ways, 8u);
  EXPECT_EQ(caches[0].line_bytes, 64u);
  EXPECT_EQ(caches[1].type, "instruction");
  EXPECT_EQ(caches[1].bytes, 64 * KiB);
  EXPECT_EQ(caches[2].level, 2);
  EXPECT_EQ(caches[2].bytes, 1 * MiB);
  EXPECT_EQ(caches[3].level, 3);
  EXPECT_EQ(caches[3].type, "unified");
  EXPECT_EQ(caches[3].bytes, 32 * MiB);
}

TEST(CpuidCacheLeaves, EveryFieldCounts) {
  // L2: 20 ways x 2 partitions x 64 B x 1024 sets = 2,621,440 B (2.5 MiB).
  // L3: 12 ways x 1 x 128 B lines x 8192 sets = 12,582,912 B (12 MiB).
  const std::vector<CpuidCache> caches =
      decode_cpuid_cache_leaves(std::vector{leaf(kUnified, 2, 20, 2, 64, 1024), leaf(kUnified, 3, 12, 1, 128, 8192)});
  ASSERT_EQ(caches.size(), 2u);
  EXPECT_EQ(caches[0].bytes, 2621440u);
  EXPECT_EQ(caches[0].ways, 20u);
  EXPECT_EQ(caches[1].bytes, 12582912u);
  EXPECT_EQ(caches[1].line_bytes, 128u);
}

TEST(CpuidCacheLeaves, StopsAtTheFirstEmptySubleaf) {
  const std::vector<CpuidCache> caches = decode_cpuid_cache_leaves(
      std::vector{leaf(kData, 1, 8, 1, 64, 64), CpuidCacheLeaf{}, leaf(kUnified, 2, 8, 1, 64, 2048)});
  ASSERT_EQ(caches.size(), 1u);
  EXPECT_EQ(caches[0].bytes, 32 * KiB);
  EXPECT_TRUE(decode_cpuid_cache_leaves({}).empty());
}

// ---- the choice between sources

CacheFigure figure(const char* source, std::uint64_t bytes) { return {source, bytes, std::nullopt, std::nullopt, {}}; }

TEST(CacheChoice, AgreeingSourcesSayThatTheyAgree) {
  CacheLevel level{"L2", 2, "unified", {figure("cpuid", MiB), figure("sysfs", MiB), figure("sysconf", MiB)}, {}, {}};
  detail::choose_cache_figure(level);
  ASSERT_TRUE(level.chosen);
  EXPECT_EQ(*level.chosen, 0u);
  EXPECT_EQ(level.why, "cpuid, sysfs and sysconf agree");
}

TEST(CacheChoice, TheMajorityWinsOverAnOddSource) {
  // This VM: glibc's sysconf reads AMD's legacy leaf, which says 320 MiB of L3.
  CacheLevel level{
      "L3", 3, "unified", {figure("cpuid", 32 * MiB), figure("sysfs", 32 * MiB), figure("sysconf", 320 * MiB)}, {}, {}};
  detail::choose_cache_figure(level);
  ASSERT_TRUE(level.chosen);
  EXPECT_EQ(level.figures[*level.chosen].source, "cpuid");
  EXPECT_EQ(level.why, "cpuid and sysfs agree on 32 MiB (the majority); sysconf says 320 MiB");

  // The majority wins even against the first source in the order.
  CacheLevel odd_cpuid{
      "L3", 3, "unified", {figure("cpuid", 64 * MiB), figure("sysfs", 32 * MiB), figure("sysconf", 32 * MiB)}, {}, {}};
  detail::choose_cache_figure(odd_cpuid);
  ASSERT_TRUE(odd_cpuid.chosen);
  EXPECT_EQ(odd_cpuid.figures[*odd_cpuid.chosen].source, "sysfs");
  EXPECT_EQ(odd_cpuid.why, "sysfs and sysconf agree on 32 MiB (the majority); cpuid says 64 MiB");
}

TEST(CacheChoice, WithoutAMajorityTheFirstSourceInOrderWins) {
  CacheLevel level{"L3", 3, "unified", {figure("sysfs", 32 * MiB), figure("sysconf", 320 * MiB)}, {}, {}};
  detail::choose_cache_figure(level);
  ASSERT_TRUE(level.chosen);
  EXPECT_EQ(level.figures[*level.chosen].source, "sysfs");
  EXPECT_EQ(level.why,
            "the sources disagree; sysfs (32 MiB) comes first of cpuid, sysfs, sysconf; sysconf says 320 MiB");

  CacheLevel one{"L1d", 1, "data", {figure("sysfs", 48 * KiB)}, {}, {}};
  detail::choose_cache_figure(one);
  EXPECT_EQ(one.why, "only sysfs gives it");
  CacheLevel none{"L3", 3, "unified", {}, {}, {}};
  detail::choose_cache_figure(none);
  EXPECT_FALSE(none.chosen);
}

// ---- the snapshot on a fixture tree

class MachineSnapshotFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "engram-machine-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    write("proc/cpuinfo",
          "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14\nphysical id\t: 0\n"
          "siblings\t: 2\ncpu cores\t: 1\ncpu MHz\t\t: 2596.138\n"
          "flags\t\t: fpu sse2 ssse3 sse4_2 avx avx2 fma avx512f hypervisor\n\n"
          "processor\t: 1\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14\nphysical id\t: 0\n"
          "siblings\t: 2\ncpu cores\t: 1\ncpu MHz\t\t: 2600.000\n"
          "flags\t\t: fpu sse2 ssse3 sse4_2 avx avx2 fma avx512f hypervisor\n");
    write("proc/meminfo", "MemTotal:       24683784 kB\nMemFree:        1000 kB\n");
    write("proc/sys/kernel/perf_event_paranoid", "2\n");
    write("proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
    write("proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1\n");
    write("sys/devices/system/cpu/online", "0-1\n");
    add_cache(0, "1", "Data", "32K", "8", "0");
    add_cache(1, "1", "Instruction", "32K", "8", "0");
    add_cache(2, "2", "Unified", "1024K", "8", "0");
    add_cache(3, "3", "Unified", "32768K", "16", "0-1");
    fs::create_directories(root_ / "sys/devices/system/cpu/cpu1");
    write("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "3700000\n");
    write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
    write("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave\n");
    write("sys/devices/system/cpu/cpu0/cpufreq/scaling_driver", "acpi-cpufreq\n");
    fs::create_directories(root_ / "sys/bus/event_source/devices/software");
    fs::create_directories(root_ / "sys/bus/event_source/devices/cpu");
    write("etc/os-release", "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
    sources_.proc = root_ / "proc";
    sources_.sys = root_ / "sys";
    sources_.os_release = root_ / "etc/os-release";
    sources_.live = false;
    sources_.cpuid = CpuidCacheLeaves{0x8000001D, vm_subleaves()};
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& relative, const std::string& text) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  void add_cache(int index, const char* level, const char* type, const char* size, const char* ways,
                 const char* shared) {
    const std::string dir = "sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    write(dir + "level", level);
    write(dir + "type", type);
    write(dir + "size", size);
    write(dir + "ways_of_associativity", ways);
    write(dir + "coherency_line_size", "64");
    write(dir + "shared_cpu_list", shared);
  }
  bool has_problem(const MachineSnapshot& s, const std::string& part) {
    for (const auto& p : s.problems)
      if (p.find(part) != std::string::npos) return true;
    return false;
  }

  fs::path root_;
  MachineSources sources_;
};

TEST_F(MachineSnapshotFixture, EveryFactComesFromItsSource) {
  const MachineSnapshot s = take_machine_snapshot(sources_);
  EXPECT_EQ(s.cpu_model, "AMD EPYC 9R14");
  EXPECT_EQ(s.cpu_vendor, "AuthenticAMD");
  EXPECT_EQ(s.logical_cpus, 2);
  EXPECT_EQ(s.online_cpus, 2);
  EXPECT_EQ(s.packages, 1);
  EXPECT_EQ(s.cores_per_package, 1);
  EXPECT_EQ(s.threads_per_package, 2);
  EXPECT_EQ(s.hypervisor, true);
  EXPECT_EQ(s.simd_features, (std::vector<std::string>{"sse2", "ssse3", "sse4_2", "avx", "avx2", "fma", "avx512f"}));
  EXPECT_FALSE(s.simd_level) << "the caller fills it";
  ASSERT_TRUE(s.cpuinfo_mhz);
  EXPECT_DOUBLE_EQ(*s.cpuinfo_mhz, 2596.138);  // the first CPU's
  ASSERT_TRUE(s.cpufreq_max_mhz);
  EXPECT_DOUBLE_EQ(*s.cpufreq_max_mhz, 3700.0);
  EXPECT_EQ(s.governors, (std::vector<std::string>{"performance", "powersave"}));
  EXPECT_EQ(s.cpufreq_driver, "acpi-cpufreq");
  EXPECT_EQ(s.memory_bytes, 24683784ULL * 1024);
  EXPECT_EQ(s.perf_event_paranoid, 2);
  EXPECT_EQ(s.perf_pmus, (std::vector<std::string>{"cpu", "software"}));
  EXPECT_FALSE(s.hardware_counters) << "not probed without live calls";
  EXPECT_EQ(s.kernel_release, "6.1.0-13-amd64");
  EXPECT_EQ(s.kernel_version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1");
  EXPECT_FALSE(s.machine);
  EXPECT_EQ(s.os, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_FALSE(s.compiler_id.empty());
  EXPECT_FALSE(s.taken_at.empty());
  EXPECT_EQ(s.taken_at.back(), 'Z');

  // Caches: cpuid (injected) and sysfs (the fixture); sysconf is a live call.
  ASSERT_EQ(s.caches.size(), 4u);
  const CacheLevel& l3 = s.caches[3];
  EXPECT_EQ(l3.name, "L3");
  ASSERT_EQ(l3.figures.size(), 2u);
  EXPECT_EQ(l3.figures[0].source, "cpuid");
  EXPECT_EQ(l3.figures[0].ways, 16u);
  EXPECT_EQ(l3.figures[1].source, "sysfs");
  EXPECT_EQ(l3.figures[1].bytes, 32 * MiB);
  EXPECT_EQ(l3.figures[1].shared_by_cpus, 2);
  EXPECT_EQ(l3.why, "cpuid and sysfs agree");
  // L1i differs on purpose (the injected leaf says 64 KiB, sysfs 32 KiB): no
  // majority, so CPUID's figure, and both are kept.
  ASSERT_NE(s.chosen_cache("L1i"), nullptr);
  EXPECT_EQ(s.chosen_cache("L1i")->bytes, 64 * KiB);
  EXPECT_EQ(s.caches[1].why,
            "the sources disagree; cpuid (64 KiB) comes first of cpuid, sysfs, sysconf; sysfs says 32 KiB");
  EXPECT_EQ(s.chosen_cache("L2")->bytes, 1 * MiB);
  EXPECT_TRUE(has_problem(s, "live calls (cpuid, uname, sysconf, the PMU probe) skipped"));
}

TEST_F(MachineSnapshotFixture, AMissingFileIsAProblemAndNoValueNeverZero) {
  fs::remove(root_ / "proc/meminfo");
  fs::remove(root_ / "proc/sys/kernel/perf_event_paranoid");
  fs::remove(root_ / "sys/devices/system/cpu/cpu0/cache/index2/size");
  fs::remove(root_ / "etc/os-release");
  fs::remove(root_ / "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
  write("proc/cpuinfo", "processor\t: 0\n");  // no model, MHz or flags (as on some arm kernels)
  const MachineSnapshot s = take_machine_snapshot(sources_);
  EXPECT_FALSE(s.memory_bytes);
  EXPECT_TRUE(has_problem(s, "memory: no MemTotal in " + (root_ / "proc/meminfo").string()));
  EXPECT_FALSE(s.perf_event_paranoid);
  EXPECT_TRUE(has_problem(s, "perf_event_paranoid: " + (root_ / "proc/sys/kernel/perf_event_paranoid").string()));
  EXPECT_FALSE(s.os);
  EXPECT_TRUE(has_problem(s, "OS: no PRETTY_NAME"));
  EXPECT_FALSE(s.cpufreq_max_mhz);
  EXPECT_FALSE(s.cpu_model);
  EXPECT_FALSE(s.cpuinfo_mhz);
  EXPECT_FALSE(s.hypervisor);
  EXPECT_TRUE(has_problem(s, "CPU model:"));
  EXPECT_TRUE(has_problem(s, "cpu MHz:"));
  EXPECT_TRUE(has_problem(s, "CPU flags:"));
  // The sysfs L2 without its size is a problem, not a 0-byte figure.
  EXPECT_TRUE(
      has_problem(s, "caches from sysfs: L2: " + (root_ / "sys/devices/system/cpu/cpu0/cache/index2/size").string()));
  ASSERT_NE(s.chosen_cache("L2"), nullptr);
  for (const CacheLevel& level : s.caches)
    for (const CacheFigure& f : level.figures) EXPECT_GT(f.bytes, 0u) << level.name << " from " << f.source;
  EXPECT_EQ(s.caches[2].figures.size(), 1u);
  EXPECT_EQ(s.caches[2].why, "only cpuid gives it");

  // In the file the unknown facts are null, not 0.
  const nlohmann::json j = to_json(s);
  EXPECT_TRUE(j["memory"]["total_bytes"].is_null());
  EXPECT_TRUE(j["pmu"]["perf_event_paranoid"].is_null());
  EXPECT_TRUE(j["clock"]["cpuinfo_mhz"].is_null());
  EXPECT_TRUE(j["os"]["pretty_name"].is_null());
}

TEST_F(MachineSnapshotFixture, NoCacheSourceAtAllLeavesTheLevelsOutWithAProblem) {
  fs::remove_all(root_ / "sys/devices/system/cpu/cpu0/cache");
  sources_.cpuid = CpuidCacheLeaves{};  // a CPU without the deterministic leaf
  const MachineSnapshot s = take_machine_snapshot(sources_);
  EXPECT_TRUE(s.caches.empty());
  EXPECT_TRUE(has_problem(s, "caches from cpuid: no deterministic cache leaf"));
  EXPECT_TRUE(has_problem(s, "caches from sysfs: "));
  EXPECT_TRUE(has_problem(s, "L1d: no source gives its size"));
  EXPECT_TRUE(has_problem(s, "L3: no source gives its size (the CPU may have no L3)"));
}

TEST_F(MachineSnapshotFixture, ArmCpuinfoGivesFeaturesAndImplementer) {
  write("proc/cpuinfo",
        "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes sve sve2\nCPU implementer\t: 0x41\n");
  const MachineSnapshot s = take_machine_snapshot(sources_);
  EXPECT_EQ(s.simd_features, (std::vector<std::string>{"asimd", "sve", "sve2"}));
  EXPECT_EQ(s.cpu_vendor, "CPU implementer 0x41");
  EXPECT_EQ(s.hypervisor, false);
  EXPECT_EQ(s.logical_cpus, 1);
}

// ---- JSON

engram::io::JsonValue parse(const nlohmann::json& j) { return engram::io::parse_json_text(j.dump(), "machine.json"); }

TEST_F(MachineSnapshotFixture, JsonRoundTrip) {
  MachineSnapshot s = take_machine_snapshot(sources_);
  s.simd_level = "avx2";
  const nlohmann::json j = to_json(s);
  EXPECT_EQ(j["schema"], "engram-machine");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["simd"]["level"], "avx2");
  EXPECT_EQ(j["caches"][3]["chosen"], "cpuid");
  const MachineSnapshot back = machine_snapshot_from_json(parse(j));
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(back.simd_level, "avx2");
  EXPECT_EQ(back.memory_bytes, s.memory_bytes);
  EXPECT_EQ(back.chosen_cache("L3")->bytes, 32 * MiB);
  EXPECT_EQ(back.problems, s.problems);
}

TEST_F(MachineSnapshotFixture, FileRoundTripThroughTheSafeWrite) {
  const MachineSnapshot s = take_machine_snapshot(sources_);
  const fs::path file = root_ / "machine.json";
  write_machine_snapshot(file, s);
  EXPECT_EQ(to_json(read_machine_snapshot(file)), to_json(s));
  EXPECT_THROW(write_machine_snapshot(root_ / "no/such/folder/machine.json", s), std::runtime_error);
}

void expect_refused(const nlohmann::json& j, const std::string& expected) {
  try {
    machine_snapshot_from_json(parse(j));
    ADD_FAILURE() << "accepted; expected an error with: " << expected;
  } catch (const engram::io::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

TEST_F(MachineSnapshotFixture, AnotherVersionOrSchemaOrAMissingFieldIsRefused) {
  const nlohmann::json good = to_json(take_machine_snapshot(sources_));
  nlohmann::json j = good;
  j["version"] = 2;
  expect_refused(j, "engram-machine version 2; this build reads version 1");
  j = good;
  j["schema"] = "engram-ceilings";
  expect_refused(j, "schema \"engram-ceilings\", expected \"engram-machine\"");
  j = good;
  j["cpu"].erase("model");
  expect_refused(j, "/cpu/model: missing");
  j = good;
  j["memory"]["total_bytes"] = "lots";
  expect_refused(j, "/memory/total_bytes");
  j = good;
  j["caches"][0]["chosen"] = "guess";
  expect_refused(j, "/caches/0/chosen");
  j = good;
  j["caches"][0]["figures"][0]["bytes"] = 0;  // a zero size is not a size
  expect_refused(j, "/caches/0/figures/0/bytes");
}

// Hostile numbers are refused at their pointer before any cast (1e300 used to
// reach a long long cast: undefined behaviour).
TEST_F(MachineSnapshotFixture, HostileNumbersAreRefusedBeforeAnyCast) {
  const nlohmann::json good = to_json(take_machine_snapshot(sources_));
  nlohmann::json j = good;
  j["memory"]["total_bytes"] = 1e300;
  expect_refused(j, "/memory/total_bytes: expected a whole number in [1, 1152921504606846976], found 1e+300");
  j = good;
  j["cpu"]["logical_cpus"] = -1;
  expect_refused(j, "/cpu/logical_cpus: expected a whole number in [1, 1073741824], found -1");
  j = good;
  j["caches"][0]["level"] = 1.5;
  expect_refused(j, "/caches/0/level: expected a whole number in [1, 4], found 1.5");
}

// ---- the live machine

TEST(MachineSnapshotLive, ThisMachineHasCpusAndAnL1) {
  const MachineSnapshot s = take_machine_snapshot();
  ASSERT_TRUE(s.logical_cpus) << testing::PrintToString(s.problems);
  EXPECT_GE(*s.logical_cpus, 1);
  ASSERT_TRUE(s.online_cpus);
  EXPECT_LE(*s.online_cpus, *s.logical_cpus);
  // An L1 where some source gives one; where none does (QEMU's virt Arm
  // machine has no cache description in sysfs, no CPUID and no sysconf
  // figure), the snapshot must say so rather than invent a size.
  if (const auto* l1 = s.chosen_cache("L1d")) {
    EXPECT_GE(l1->bytes, 4 * KiB);
  } else {
    EXPECT_THAT(s.problems, testing::Contains("L1d: no source gives its size")) << testing::PrintToString(s.problems);
  }
  EXPECT_TRUE(s.kernel_release);
  EXPECT_TRUE(s.machine);
  EXPECT_TRUE(s.hardware_counters.has_value()) << "the PMU probe runs live";
  EXPECT_FALSE(s.hardware_counters_reason.empty());
}

// ---- baseline --machine-out

class MachineSnapshotProgram : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "engram-machine-program-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(MachineSnapshotProgram, BaselineWritesTheSnapshotWithItsSimdLevel) {
  const fs::path machine = dir_ / "machine.json", bench = dir_ / "bench.json";
  const auto run = engram::testing::run_program(
      ENGRAM_BASELINE,
      {"--machine-out=" + machine.string(), "--benchmark_filter=decay_10k_memories/exponential/reference",
       "--benchmark_min_time=0.001", "--benchmark_out=" + bench.string(), "--benchmark_out_format=json"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const MachineSnapshot s = read_machine_snapshot(machine);
  ASSERT_TRUE(s.simd_level);
  // The same level the benchmark context records.
  const nlohmann::json context = nlohmann::json::parse(std::ifstream(bench))["context"];
  EXPECT_EQ(*s.simd_level, context["engram.simd_level"].get<std::string>());
  EXPECT_TRUE(s.logical_cpus);
  // Caches as this machine describes them, or the reason there are none.
  if (s.caches.empty()) {
    EXPECT_THAT(s.problems, testing::Contains("L1d: no source gives its size")) << testing::PrintToString(s.problems);
  }
  EXPECT_NE(run.output.find("machine snapshot written to " + machine.string()), std::string::npos) << run.output;
  // Nothing but the file is left in the folder (the temporary was renamed).
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 2);
}

TEST_F(MachineSnapshotProgram, AnUnwritableFileFailsNamingIt) {
  const fs::path machine = dir_ / "missing-folder" / "machine.json";
  const auto run = engram::testing::run_program(
      ENGRAM_BASELINE, {"--machine-out=" + machine.string(),
                        "--benchmark_filter=decay_10k_memories/exponential/reference", "--benchmark_min_time=0.001"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find(machine.string()), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(machine));
}

TEST_F(MachineSnapshotProgram, AnEmptyFileNameIsBadUsage) {
  const auto run = engram::testing::run_program(ENGRAM_BASELINE, {"--machine-out", ""});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("--machine-out needs a file name"), std::string::npos) << run.output;
}

TEST_F(MachineSnapshotProgram, EcountDoctorPrintsIt) {
  const auto run = engram::testing::run_program(ENGRAM_ECOUNT, {"doctor", "--machine"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const MachineSnapshot s =
      machine_snapshot_from_json(engram::io::parse_json_text(run.output, "ecount doctor --machine"));
  EXPECT_FALSE(s.simd_level) << "counters/ knows nothing of the kernels' level";
  EXPECT_TRUE(s.logical_cpus);
  EXPECT_EQ(engram::testing::run_program(ENGRAM_ECOUNT, {"doctor", "--machine", "--json"}).exit_code, 2);
}

}  // namespace
