#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engram/profile/hotspots.hpp"
#include "engram/profile/perf_script.hpp"
#include "engram/workload_families.hpp"
#include "required_tool.hpp"
#include "test_support.hpp"

namespace {

using namespace engram::profile;
using engram::profile::testing::fixture_path;
using engram::profile::testing::tree_from_folded;
using ::testing::HasSubstr;

const FunctionCost* find_cost(const std::vector<FunctionCost>& rows, std::string_view name) {
  for (const auto& row : rows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

TEST(Hotspots, InclusiveCountsAStackOncePerFunctionEvenUnderRecursion) {
  const StackTree tree = tree_from_folded(
      "main;f;f;f;g 2\n"
      "main;f;h 3\n"
      "main;g;f 1\n"
      "main 4\n");
  const Hotspots hot = analyze_hotspots(tree, {});
  EXPECT_EQ(hot.total_samples, 10u);
  ASSERT_NE(find_cost(hot.top_inclusive, "f"), nullptr);
  EXPECT_EQ(find_cost(hot.top_inclusive, "f")->samples, 6u);  // 2 + 3 + 1, not 3*2 + 3 + 1
  EXPECT_EQ(find_cost(hot.top_inclusive, "g")->samples, 3u);
  EXPECT_EQ(find_cost(hot.top_inclusive, "main")->samples, 10u);
  EXPECT_DOUBLE_EQ(find_cost(hot.top_inclusive, "f")->percent, 60.0);
  EXPECT_EQ(find_cost(hot.top_self, "main")->samples, 4u);
  EXPECT_EQ(find_cost(hot.top_self, "h")->samples, 3u);
  EXPECT_EQ(find_cost(hot.top_self, "g")->samples, 2u);
  EXPECT_EQ(find_cost(hot.top_self, "f")->samples, 1u);
  EXPECT_EQ(hot.self_sum, hot.total_samples);
  EXPECT_EQ(hot.function_count, 4u);
}

TEST(Hotspots, TopTablesAreOrderedAndTruncated) {
  std::string folded;
  for (int i = 0; i < 15; ++i) folded += "main;fn" + std::to_string(i) + " " + std::to_string(100 + i) + "\n";
  folded += "main;fn_tie_b 50\nmain;fn_tie_a 50\n";
  HotspotOptions options;
  options.top_n = 10;
  const Hotspots hot = analyze_hotspots(tree_from_folded(folded), options);
  ASSERT_EQ(hot.top_self.size(), 10u);
  EXPECT_EQ(hot.top_self[0].name, "fn14");
  EXPECT_EQ(hot.top_self[9].name, "fn5");
  EXPECT_EQ(hot.top_inclusive[0].name, "main");
  options.top_n = 17;
  const Hotspots all = analyze_hotspots(tree_from_folded(folded), options);
  EXPECT_EQ(all.top_self[15].name, "fn_tie_a");  // ties broken by name
  EXPECT_EQ(all.top_self[16].name, "fn_tie_b");
  EXPECT_EQ(all.self_sum, all.total_samples);
}

TEST(Hotspots, ProcessRootIsNotAFunction) {
  const StackTree tree = tree_from_folded("harness;main;f 3\nharness;main;g 1\n");
  HotspotOptions options;
  options.first_frame_is_process = true;
  const Hotspots hot = analyze_hotspots(tree, options);
  EXPECT_EQ(find_cost(hot.top_inclusive, "harness"), nullptr);
  EXPECT_EQ(hot.top_inclusive[0].name, "main");
  EXPECT_EQ(hot.self_sum, 4u);
}

TEST(KernelFamilies, EntryPointsOfBothNamespaces) {
  EXPECT_EQ(kernel_family_of_frame("engram::optimized::cosine"), "vector similarity");
  EXPECT_EQ(kernel_family_of_frame("engram::reference::cosine_batch(std::span<float const, 18446744073709551615ul>, engram::EmbeddingMatrix const&, std::span<float, 18446744073709551615ul>)"),
            "vector similarity");
  EXPECT_EQ(kernel_family_of_frame("engram::optimized::find_similar"), "vector similarity");
  EXPECT_EQ(kernel_family_of_frame("engram::optimized::find_similar_many"), "vector similarity");
  EXPECT_EQ(kernel_family_of_frame("engram::reference::find_similar_many"), "vector similarity");
  EXPECT_EQ(kernel_family_of_frame("engram::reference::spread_activation"), "activation spreading");
  EXPECT_EQ(kernel_family_of_frame("engram::optimized::apply_decay"), "memory decay");
  EXPECT_EQ(kernel_family_of_frame("engram::optimized::N_AVX2::cosine_batch"), "vector similarity");
  EXPECT_EQ(kernel_family_of_frame("engram::optimized::apply_decay(engram::MemoryState&, unsigned long) [clone .cold]"),
            "memory decay");
}

TEST(KernelFamilies, OtherFunctionsAreNotKernels) {
  EXPECT_FALSE(kernel_family_of_frame("engram::top_activated"));                 // not in reference/optimized
  EXPECT_FALSE(kernel_family_of_frame("engram::optimized::cosine_helper"));
  EXPECT_FALSE(kernel_family_of_frame("other::optimized::cosine"));
  EXPECT_FALSE(kernel_family_of_frame("cosine"));
  EXPECT_FALSE(kernel_family_of_frame("engram::optimized"));
  EXPECT_FALSE(kernel_family_of_frame("std::vector<engram::optimized::cosine>::size"));
}

TEST(KernelFamilies, OutermostKernelFrameDecides) {
  const std::vector<std::string_view> nested = {"main", "engram::optimized::spread_activation",
                                                "engram::optimized::cosine", "dot"};
  EXPECT_EQ(classify_stack(nested), "activation spreading");  // not similarity
  const std::vector<std::string_view> similarity = {"main", "engram::optimized::find_similar",
                                                    "engram::optimized::cosine_batch"};
  EXPECT_EQ(classify_stack(similarity), "vector similarity");
  const std::vector<std::string_view> none = {"main", "engram::build_workload"};
  EXPECT_EQ(classify_stack(none), kOtherFamily);
  EXPECT_THAT(std::string(kFamilyRule), HasSubstr("outermost"));
}

TEST(KernelFamilies, SharesAndBandVerdicts) {
  const StackTree tree = tree_from_folded(
      "main;engram::optimized::find_similar;engram::optimized::cosine_batch 20\n"
      "main;engram::optimized::spread_activation;engram::optimized::cosine 35\n"
      "main;engram::reference::apply_decay;expf 5\n"
      "main;engram::reference::apply_decay 5\n"
      "main;setup 35\n");
  const Hotspots hot = analyze_hotspots(tree, {});
  ASSERT_EQ(hot.families.size(), 4u);
  EXPECT_EQ(hot.families[0].family, "vector similarity");
  EXPECT_EQ(hot.families[0].samples, 20u);
  EXPECT_EQ(hot.families[0].verdict, BandVerdict::kInside);  // 20% in 15-25
  EXPECT_EQ(hot.families[1].samples, 35u);
  EXPECT_EQ(hot.families[1].verdict, BandVerdict::kAbove);   // 35% > 30
  EXPECT_EQ(hot.families[2].samples, 10u);
  EXPECT_EQ(hot.families[2].verdict, BandVerdict::kInside);  // 10% at the lower bound
  EXPECT_EQ(hot.families[3].family, kOtherFamily);
  EXPECT_EQ(hot.families[3].samples, 35u);
  EXPECT_EQ(hot.families[3].verdict, BandVerdict::kNoBand);
  std::uint64_t sum = 0;
  for (const auto& share : hot.families) sum += share.samples;
  EXPECT_EQ(sum, hot.total_samples);
}

TEST(KernelFamilies, Bands) {
  EXPECT_EQ(judge_share(14.99, expected_band("vector similarity")), BandVerdict::kBelow);
  EXPECT_EQ(judge_share(15.0, expected_band("vector similarity")), BandVerdict::kInside);
  EXPECT_EQ(judge_share(25.0, expected_band("vector similarity")), BandVerdict::kInside);
  EXPECT_EQ(judge_share(25.01, expected_band("vector similarity")), BandVerdict::kAbove);
  EXPECT_EQ(judge_share(19.0, expected_band("activation spreading")), BandVerdict::kBelow);
  EXPECT_EQ(judge_share(15.5, expected_band("memory decay")), BandVerdict::kAbove);
  EXPECT_FALSE(expected_band(kOtherFamily).has_value());
  EXPECT_EQ(verdict_name(BandVerdict::kInside), "inside");
}

TEST(StackQualityCheck, FrameKinds) {
  EXPECT_TRUE(is_unresolved_frame("[unknown]"));
  EXPECT_TRUE(is_unresolved_frame("[libc.so.6]"));
  EXPECT_TRUE(is_unresolved_frame("[kernel.kallsyms]_[k]"));
  EXPECT_FALSE(is_unresolved_frame("do_syscall_64_[k]"));
  EXPECT_FALSE(is_unresolved_frame("std::array<int, 3ul>::operator[]"));
  EXPECT_TRUE(is_kernel_frame_name("do_syscall_64_[k]"));
  EXPECT_FALSE(is_kernel_frame_name("main"));
  EXPECT_TRUE(is_entry_frame("main"));
  EXPECT_TRUE(is_entry_frame("_start"));
  EXPECT_TRUE(is_entry_frame("start_thread"));
  EXPECT_TRUE(is_entry_frame("main(int, char**)"));
  EXPECT_FALSE(is_entry_frame("main::{lambda(int)#1}::operator()"));
  EXPECT_FALSE(is_entry_frame("domain"));
}

TEST(StackQualityCheck, UnknownShareAndStacksNotReachingMain) {
  const StackTree tree = tree_from_folded(
      "_start;main;f 6\n"                        // complete
      "[unknown];f 2\n"                          // truncated, one unresolved frame
      "g 1\n"                                    // truncated
      "clone3;start_thread;worker 3\n"           // a thread: complete
      "entry_SYSCALL_64_[k];do_syscall_64_[k] 4\n"  // kernel only
      "_start;main;write;[kernel.kallsyms]_[k] 2\n");
  const StackQuality q = assess_stack_quality(tree, false);
  EXPECT_EQ(q.samples, 18u);
  EXPECT_EQ(q.frames, 6u * 3 + 2u * 2 + 1u + 3u * 3 + 4u * 2 + 2u * 4);
  EXPECT_EQ(q.unresolved_frames, 2u + 2u);
  EXPECT_EQ(q.samples_with_unresolved, 4u);
  EXPECT_EQ(q.user_samples, 14u);
  EXPECT_EQ(q.user_samples_not_reaching_entry, 3u);
  EXPECT_DOUBLE_EQ(q.not_reaching_entry_percent(), 300.0 / 14.0);
  EXPECT_EQ(q.kernel_only_samples, 4u);
  EXPECT_EQ(q.samples_with_kernel, 6u);
  EXPECT_EQ(q.samples_with_unresolved_kernel, 2u);
}

TEST(StackQualityCheck, PerfScriptFixture) {
  CollapseReport parsed;
  const StackTree tree = collapse_perf_script_file(fixture_path("perf_script_small.txt"), {}, parsed);
  const StackQuality q = assess_stack_quality(tree, true);
  EXPECT_EQ(q.samples, 8u);
  EXPECT_EQ(q.frames, 40u);
  EXPECT_EQ(q.unresolved_frames, 2u);  // [unknown] and [libc.so.6]
  EXPECT_DOUBLE_EQ(q.unresolved_frame_percent(), 5.0);
  EXPECT_EQ(q.user_samples_not_reaching_entry, 2u);  // the [unknown] stack and the one without -g
  EXPECT_EQ(q.samples_with_kernel, 1u);
  const Hotspots hot = analyze_hotspots(tree, {10, true});
  EXPECT_EQ(hot.families[0].samples, 2u);  // find_similar, cosine
  EXPECT_EQ(hot.families[1].samples, 1u);
  EXPECT_EQ(hot.families[2].samples, 1u);
  EXPECT_EQ(hot.families[3].samples, 4u);
  EXPECT_EQ(hot.top_inclusive[0].name, "__libc_start_call_main");
  EXPECT_EQ(hot.top_inclusive[0].samples, 5u);
  EXPECT_EQ(hot.self_sum, 8u);
}

TEST(FramePointers, ProducerFlags) {
  EXPECT_EQ(producer_keeps_frame_pointers("GNU C++20 12.2.0 -mtune=generic -march=x86-64 -g -O3 -fno-omit-frame-pointer"), true);
  EXPECT_EQ(producer_keeps_frame_pointers("GNU C++20 12.2.0 -mtune=generic -march=x86-64 -g -O2"), false);
  EXPECT_EQ(producer_keeps_frame_pointers("GNU C17 12.2.0 -mtune=generic -march=x86-64 -g"), true);  // -O0
  EXPECT_EQ(producer_keeps_frame_pointers("GNU C17 12.2.0 -g -O0 -fomit-frame-pointer"), false);
  EXPECT_EQ(producer_keeps_frame_pointers("GNU C17 12.2.0 -O2 -fomit-frame-pointer -fno-omit-frame-pointer"), true);
  EXPECT_EQ(producer_keeps_frame_pointers("GNU AS 2.40"), std::nullopt);
  EXPECT_EQ(producer_keeps_frame_pointers("GNU C17 12.2.0"), std::nullopt);  // switches not recorded
  EXPECT_EQ(producer_keeps_frame_pointers("Debian clang version 14.0.6"), std::nullopt);
}

TEST(FramePointers, ReadelfOutputAndVerdicts) {
  const std::string readelf =
      "  Compilation Unit @ offset 0:\n"
      " <0><c>: Abbrev Number: 20 (DW_TAG_compile_unit)\n"
      "    <d>   DW_AT_producer    : (indirect string, offset: 0x0): GNU C++20 12.2.0 -g -O3 -fno-omit-frame-pointer\n"
      "    <11>   DW_AT_language    : 33\t(C++14)\n"
      " <0><2e>: Abbrev Number: 1 (DW_TAG_compile_unit)\n"
      "    <2f>   DW_AT_producer    : GNU AS 2.40\n"
      " <0><40>: Abbrev Number: 20 (DW_TAG_compile_unit)\n"
      "    <41>   DW_AT_producer    : (indirect line string, offset: 0x5): GNU C17 12.2.0 -g -O2\n";
  const auto producers = producers_from_readelf(readelf);
  ASSERT_EQ(producers.size(), 3u);
  EXPECT_EQ(producers[0], "GNU C++20 12.2.0 -g -O3 -fno-omit-frame-pointer");
  EXPECT_EQ(producers[1], "GNU AS 2.40");
  EXPECT_EQ(producers[2], "GNU C17 12.2.0 -g -O2");
  EXPECT_EQ(judge_frame_pointers(producers).verdict, FramePointers::kPartial);
  const std::vector<std::string> all_yes = {producers[0], producers[1]};
  EXPECT_EQ(judge_frame_pointers(all_yes).verdict, FramePointers::kYes);
  const std::vector<std::string> all_no = {producers[2]};
  EXPECT_EQ(judge_frame_pointers(all_no).verdict, FramePointers::kNo);
  EXPECT_EQ(judge_frame_pointers({}).verdict, FramePointers::kUnknown);
  EXPECT_THAT(judge_frame_pointers({}).detail, HasSubstr("cannot tell"));
}

TEST(FramePointers, ThisTestBinary) {
  // Every build preset compiles our code with -fno-omit-frame-pointer (or -O0).
  const FramePointerCheck self = check_frame_pointers(std::filesystem::read_symlink("/proc/self/exe"));
  // Only readelf missing is a missing tool; readelf failing is a failure.
  if (self.verdict == FramePointers::kUnknown && self.detail.find("readelf could not be run") != std::string::npos) {
    ENGRAM_SKIP_WITHOUT_TOOL(self.detail);
  }
  EXPECT_NE(self.verdict, FramePointers::kNo) << self.detail;
  EXPECT_NE(self.verdict, FramePointers::kUnknown) << self.detail;
  const FramePointerCheck missing = check_frame_pointers("/nonexistent/binary");
  EXPECT_EQ(missing.verdict, FramePointers::kUnknown);
  EXPECT_THAT(missing.detail, HasSubstr("not found"));
}

TEST(FramelessFunctions, ProloguesFromObjdump) {
  const std::string objdump =
      "\n/tmp/bin:     file format elf64-x86-64\n\nDisassembly of section .text:\n\n"
      "0000000000034ea0 <engram::N_AVX3::DotRows(float const*, float const*, unsigned long)>:\n"
      "   34ea0:\tpush   %rbp\n   34ea1:\tmov    %rsi,%rax\n   34eaa:\tmov    %rsp,%rbp\n"
      "   34ead:\tret\n\n"
      "00000000000308d0 <engram::detail::exact_cosine(float const*, float const*, unsigned long)>:\n"
      "   308d0:\ttest   %rdx,%rdx\n   308d3:\tje     30961 <engram::detail::exact_cosine(float const*, float const*, unsigned long)+0x91>\n"
      "   308d9:\tpxor   %xmm3,%xmm3\n   308dd:\tret\n\n"
      "0000000000031000 <bool std::operator< <int, int>(std::pair<int, int> const&, std::pair<int, int> const&)>:\n"
      "   31000:\tendbr64\n   31004:\tpush   %rbp\n   31005:\tmov    %rsp,%rbp\n\n"
      "0000000000032000 <helper(int) [clone .cold]>:\n   32000:\tud2\n\n"
      "0000000000033000 <memcpy@plt>:\n   33000:\tjmp    *0x1234(%rip)\n\n"
      // An overload without a frame makes the name frameless.
      "0000000000035000 <ns::f(int)>:\n   35000:\tpush   %rbp\n   35001:\tmov    %rsp,%rbp\n\n"
      "0000000000036000 <ns::f(double)>:\n   36000:\tret\n";
  EXPECT_THAT(frameless_functions_from_objdump(objdump),
              ::testing::ElementsAre("engram::detail::exact_cosine", "ns::f"));
}

TEST(FramelessFunctions, LeavesAndReport) {
  const StackTree tree = tree_from_folded(
      "_start;main;engram::reference::find_similar;engram::detail::dot 70\n"
      "_start;main;engram::detail::exact_cosine 20\n"
      "_start;main;engram::reference::spread_activation 10\n");
  const std::vector<std::string> frameless = {"engram::detail::exact_cosine", "unused"};
  const FramelessLeaves leaves = frameless_leaves(tree, frameless);
  EXPECT_EQ(leaves.samples, 20u);
  ASSERT_EQ(leaves.functions.size(), 1u);
  EXPECT_EQ(leaves.functions[0].name, "engram::detail::exact_cosine");

  ReportContext context;
  context.frameless = {true, "2 functions", frameless};
  const HotspotReport report = make_hotspot_report(tree, context);
  EXPECT_THAT(report.warnings,
              ::testing::Contains(HasSubstr("20.00% of samples land in functions that set up no frame pointer")));
  EXPECT_THAT(hotspots_markdown(report), HasSubstr("| 20.00% (20 samples): `engram::detail::exact_cosine` |"));
  const auto json = nlohmann::json::parse(hotspots_json(report));
  EXPECT_EQ(json["diagnostics"]["frameless_leaves"]["samples"], 20);
}

TEST(FramelessFunctions, ThisTestBinary) {
  const FramelessCheck check = check_frameless_functions(std::filesystem::read_symlink("/proc/self/exe"));
  // Only objdump missing is a missing tool; objdump failing is a failure.
  if (!check.checked && check.detail.find("objdump could not be run") != std::string::npos) {
    ENGRAM_SKIP_WITHOUT_TOOL(check.detail);
  }
  EXPECT_TRUE(check.checked) << check.detail;
  EXPECT_TRUE(std::is_sorted(check.frameless.begin(), check.frameless.end()));
  EXPECT_FALSE(check_frameless_functions("/nonexistent/binary").checked);
}

class PerfSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("engram_perf_settings_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::filesystem::path dir_;
};

TEST_F(PerfSettingsTest, ReadsBothSettings) {
  write("perf_event_paranoid", "2\n");
  write("kptr_restrict", "1\n");
  const PerfSettings settings = read_perf_settings(dir_);
  EXPECT_EQ(settings.perf_event_paranoid, 2);
  EXPECT_EQ(settings.kptr_restrict, 1);
}

TEST_F(PerfSettingsTest, MissingOrGarbageIsUnreadable) {
  write("perf_event_paranoid", "high\n");
  const PerfSettings settings = read_perf_settings(dir_);
  EXPECT_FALSE(settings.perf_event_paranoid.has_value());
  EXPECT_FALSE(settings.kptr_restrict.has_value());
}

TEST(KernelFrames, Verdicts) {
  StackQuality none;
  StackQuality some;
  some.samples_with_kernel = 10;
  StackQuality unresolved = some;
  unresolved.samples_with_unresolved_kernel = 8;

  const PerfSettings strict{2, 0, false};
  const auto missing = check_kernel_frames(strict, none, true);
  EXPECT_EQ(missing.status, "missing");
  EXPECT_THAT(missing.explanation, HasSubstr("perf_event_paranoid=2"));
  EXPECT_THAT(missing.explanation, HasSubstr("sysctl kernel.perf_event_paranoid=1"));

  const PerfSettings hidden{1, 2, true};
  EXPECT_EQ(check_kernel_frames(hidden, unresolved, true).status, "unresolved");
  EXPECT_THAT(check_kernel_frames(hidden, unresolved, true).explanation, HasSubstr("kptr_restrict=0"));
  EXPECT_EQ(check_kernel_frames(hidden, some, true).status, "present");

  const PerfSettings open{-1, 0, false};
  EXPECT_EQ(check_kernel_frames(open, none, true).status, "missing");
  EXPECT_THAT(check_kernel_frames(open, none, true).explanation, HasSubstr("user-only"));
  EXPECT_EQ(check_kernel_frames(strict, none, false).status, "unknown");
  // Root is not held back by perf_event_paranoid.
  EXPECT_THAT(check_kernel_frames(PerfSettings{2, 0, true}, none, true).explanation,
              ::testing::Not(HasSubstr("keeps unprivileged users")));
}

ReportContext fixture_context() {
  ReportContext context;
  context.input = "perf.txt";
  context.input_format = "perf script";
  context.event = "cpu-clock";
  context.binary = "build/bench/profiling_harness";
  context.options.first_frame_is_process = true;
  context.settings = PerfSettings{2, 0, true};
  context.frame_pointers = {FramePointers::kYes, "3 of 3 compile units"};
  return context;
}

TEST(HotspotReport, MarkdownAndJsonCarryTablesFamiliesAndDiagnostics) {
  CollapseReport parsed;
  const StackTree tree = collapse_perf_script_file(fixture_path("perf_script_small.txt"), {}, parsed);
  const HotspotReport report = make_hotspot_report(tree, fixture_context());
  const std::string md = hotspots_markdown(report);
  EXPECT_THAT(md, HasSubstr("## Top 10 functions by inclusive time"));
  EXPECT_THAT(md, HasSubstr("| 1 | `__libc_start_call_main` | 5 | 62.50% |"));
  EXPECT_THAT(md, HasSubstr("## Top 10 functions by self time"));
  EXPECT_THAT(md, HasSubstr("| vector similarity | 2 | 25.00% | 15-25% | inside |"));
  EXPECT_THAT(md, HasSubstr("| activation spreading | 1 | 12.50% | 20-30% | below |"));
  EXPECT_THAT(md, HasSubstr("| memory decay | 1 | 12.50% | 10-15% | inside |"));
  EXPECT_THAT(md, HasSubstr("adds up to 8 samples; the profile has 8 samples (equal)"));
  EXPECT_THAT(md, HasSubstr("fewer than 1,000"));
  EXPECT_THAT(md, HasSubstr("| `engram::detail::dot<float>` | 1 | 12.50% |"));

  const auto json = nlohmann::json::parse(hotspots_json(report));
  EXPECT_EQ(json["total_samples"], 8);
  EXPECT_EQ(json["self_samples_sum"], 8);
  EXPECT_EQ(json["self_sum_matches_total"], true);
  EXPECT_EQ(json["top_inclusive"][0]["function"], "__libc_start_call_main");
  EXPECT_EQ(json["top_self"].size(), 8u);
  EXPECT_EQ(json["families"]["shares"][0]["verdict"], "inside");
  EXPECT_EQ(json["families"]["shares"][3]["verdict"], nullptr);
  const auto& diagnostics = json["diagnostics"];
  EXPECT_EQ(diagnostics["event"], "cpu-clock");
  EXPECT_EQ(diagnostics["low_sample_count"], true);
  EXPECT_DOUBLE_EQ(diagnostics["unresolved_frames"]["percent"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(diagnostics["stacks_not_reaching_entry"]["percent"].get<double>(), 25.0);
  EXPECT_EQ(diagnostics["frame_pointers"]["verdict"], "yes");
  EXPECT_EQ(diagnostics["perf_event_paranoid"], 2);
  EXPECT_EQ(diagnostics["kptr_restrict"], 0);
  EXPECT_EQ(diagnostics["kernel_frames"]["status"], "present");
  // Warnings: few samples and truncated stacks (25% > 10%).
  ASSERT_GE(json["warnings"].size(), 2u);
  EXPECT_THAT(json["warnings"][0].get<std::string>(), HasSubstr("only 8 samples"));
  EXPECT_THAT(json["warnings"][1].get<std::string>(), HasSubstr("reach neither main"));
}

TEST(HotspotReport, NoLowSampleWarningFromOneThousandSamples) {
  const StackTree tree = tree_from_folded("_start;main;f 1000\n");
  ReportContext context = fixture_context();
  context.options.first_frame_is_process = false;
  const HotspotReport report = make_hotspot_report(tree, context);
  for (const auto& warning : report.warnings) EXPECT_THAT(warning, ::testing::Not(HasSubstr("samples (fewer")));
  const HotspotReport few = make_hotspot_report(tree_from_folded("_start;main;f 999\n"), context);
  ASSERT_FALSE(few.warnings.empty());
  EXPECT_THAT(few.warnings[0], HasSubstr("only 999 samples"));
}

TEST(HotspotReport, ConsoleTableAndOddNames) {
  const StackTree tree = tree_from_folded("main;a|b`c 3\nmain 1\n");
  ReportContext context = fixture_context();
  context.options.first_frame_is_process = false;
  const HotspotReport report = make_hotspot_report(tree, context);
  EXPECT_THAT(hotspots_markdown(report), HasSubstr("`` a\\|b`c ``"));
  EXPECT_THAT(hotspots_console_table(report), HasSubstr("75.00%             3  a|b`c"));
  // Bytes that are not UTF-8 must still give valid JSON.
  const StackTree odd = tree_from_folded("main;bad\xFFname 3\n");
  EXPECT_TRUE(nlohmann::json::accept(hotspots_json(make_hotspot_report(odd, context))));
}

// ---- hotspots.json: one writer, one reader -----------------------------------

HotspotReport fixture_report() {
  CollapseReport parsed;
  const StackTree tree = collapse_perf_script_file(fixture_path("perf_script_small.txt"), {}, parsed);
  ReportContext context = fixture_context();
  context.frameless = {true, "2 functions", {"engram::detail::dot<float>"}};
  context.options.top_n = 3;
  context.kernel_frames_annotated = false;
  return make_hotspot_report(tree, context);
}

HotspotReport read_back(const std::string& text) {
  return hotspots_from_json(engram::io::parse_json_text(text, "hotspots.json"));
}

std::string hotspots_read_error(const nlohmann::json& j) {
  try {
    (void)read_back(j.dump());
  } catch (const engram::io::InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(HotspotsJson, RoundTripsTheReport) {
  const HotspotReport report = fixture_report();
  const std::string text = hotspots_json(report);
  const auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["schema"], "engram-hotspots");
  EXPECT_EQ(json["version"], 1);
  const HotspotReport back = read_back(text);
  EXPECT_EQ(back.context.input, "perf.txt");
  EXPECT_EQ(back.context.event, "cpu-clock");
  EXPECT_EQ(back.context.options.top_n, 3u);
  EXPECT_TRUE(back.context.options.first_frame_is_process);
  EXPECT_FALSE(back.context.kernel_frames_annotated);
  EXPECT_EQ(back.context.settings.perf_event_paranoid, 2);
  EXPECT_EQ(back.context.frame_pointers.verdict, FramePointers::kYes);
  EXPECT_EQ(back.hotspots.total_samples, report.hotspots.total_samples);
  EXPECT_EQ(back.hotspots.function_count, report.hotspots.function_count);
  ASSERT_EQ(back.hotspots.top_self.size(), report.hotspots.top_self.size());
  EXPECT_EQ(back.hotspots.top_self[0].name, report.hotspots.top_self[0].name);
  ASSERT_EQ(back.hotspots.families.size(), report.hotspots.families.size());
  for (std::size_t i = 0; i < back.hotspots.families.size(); ++i) {
    EXPECT_EQ(back.hotspots.families[i].family, report.hotspots.families[i].family);
    EXPECT_EQ(back.hotspots.families[i].band, report.hotspots.families[i].band);
    EXPECT_EQ(back.hotspots.families[i].verdict, report.hotspots.families[i].verdict);
  }
  EXPECT_EQ(back.quality.frames, report.quality.frames);
  EXPECT_EQ(back.quality.user_samples_not_reaching_entry, report.quality.user_samples_not_reaching_entry);
  EXPECT_EQ(back.quality.samples_with_unresolved_kernel, report.quality.samples_with_unresolved_kernel);
  EXPECT_EQ(back.frameless_leaves.samples, report.frameless_leaves.samples);
  EXPECT_EQ(back.kernel_frames.status, report.kernel_frames.status);
  EXPECT_EQ(back.warnings, report.warnings);
  // Written again: the same bytes, so nothing the file holds is lost.
  EXPECT_EQ(hotspots_json(back), text);
  EXPECT_EQ(hotspots_markdown(back), hotspots_markdown(report));
}

TEST(HotspotsJson, AnotherVersionOrSchemaAndBadMembersAreClearErrors) {
  const auto good = nlohmann::json::parse(hotspots_json(fixture_report()));
  auto bad = good;
  bad["version"] = 2;
  EXPECT_THAT(hotspots_read_error(bad),
              HasSubstr("hotspots.json: /version: engram-hotspots version 2; this build reads version 1"));
  bad = good;
  bad["schema"] = "engram-perf.hotspots/1";  // the name before the schema had a version
  EXPECT_THAT(hotspots_read_error(bad), HasSubstr("/schema: schema \"engram-perf.hotspots/1\", expected \"engram-hotspots\""));
  bad = good;
  bad["families"]["shares"][0]["verdict"] = "maybe";
  EXPECT_THAT(hotspots_read_error(bad), HasSubstr("/families/shares/0/verdict: unknown verdict \"maybe\""));
  bad = good;
  bad["diagnostics"]["frame_pointers"].erase("verdict");
  EXPECT_THAT(hotspots_read_error(bad), HasSubstr("/diagnostics/frame_pointers/verdict"));
  bad = good;
  bad["top_self"][0]["samples"] = 1.5;
  EXPECT_THAT(hotspots_read_error(bad), HasSubstr("/top_self/0/samples: expected a whole number"));
}

// Hostile numbers are refused at their pointer before any cast.
TEST(HotspotsJson, HostileNumbersAreRefusedBeforeAnyCast) {
  const auto good = nlohmann::json::parse(hotspots_json(fixture_report()));
  auto bad = good;
  bad["top_self"][0]["samples"] = 1e300;
  EXPECT_THAT(hotspots_read_error(bad),
              HasSubstr("/top_self/0/samples: expected a whole number in [0, 9007199254740992], found 1e+300"));
  bad = good;
  bad["total_samples"] = -1;
  EXPECT_THAT(hotspots_read_error(bad), HasSubstr("/total_samples: expected a whole number in [0, 9007199254740992], found -1"));
  bad = good;
  bad["diagnostics"]["perf_event_paranoid"] = 1e300;
  EXPECT_THAT(hotspots_read_error(bad),
              HasSubstr("/diagnostics/perf_event_paranoid: expected a whole number in [-1000, 1000], found 1e+300"));
}

TEST(KernelFamilies, NamesAndBandsAreTheWorkloads) {
  // Every family a frame pattern names is one of the workload's, and the
  // bands are the workload's own numbers (not a copy of them).
  const auto families = engram::bench::workload_families();
  ASSERT_FALSE(families.empty());
  for (const char* frame : {"engram::optimized::cosine", "engram::optimized::spread_activation",
                            "engram::reference::apply_decay"}) {
    const auto family = kernel_family_of_frame(frame);
    ASSERT_TRUE(family.has_value()) << frame;
    EXPECT_NE(engram::bench::find_workload_family(*family), nullptr) << *family;
  }
  const Hotspots hot = analyze_hotspots(tree_from_folded("main;engram::optimized::cosine 1\n"), {});
  ASSERT_EQ(hot.families.size(), families.size() + 1);
  for (std::size_t i = 0; i < families.size(); ++i) {
    EXPECT_EQ(hot.families[i].family, families[i].name);
    ASSERT_TRUE(hot.families[i].band.has_value());
    EXPECT_EQ(hot.families[i].band->low_percent, families[i].expected_share_percent[0]);
    EXPECT_EQ(hot.families[i].band->high_percent, families[i].expected_share_percent[1]);
  }
  EXPECT_EQ(hot.families.back().family, kOtherFamily);
}

}  // namespace
