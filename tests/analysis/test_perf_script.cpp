#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engram/profile/folded.hpp"
#include "engram/profile/perf_script.hpp"
#include "test_support.hpp"

namespace {

using namespace engram::profile;
using engram::profile::testing::fixture_path;
using ::testing::HasSubstr;

TEST(PerfHeader, DefaultFormatWithAndWithoutCpu) {
  PerfSampleHeader header;
  ASSERT_TRUE(parse_perf_header_line("perf  5423   360.190727:    1001001 cpu-clock:ppp: ", header));
  EXPECT_EQ(header.comm, "perf");
  EXPECT_EQ(header.event, "cpu-clock");
  EXPECT_TRUE(header.trailing_frame.empty());
  ASSERT_TRUE(parse_perf_header_line("Web Content 99/101 [003] 12.000001: 250000 cycles:u:", header));
  EXPECT_EQ(header.comm, "Web Content");
  EXPECT_EQ(header.event, "cycles");
  ASSERT_TRUE(parse_perf_header_line("kworker/0:1 7 [000] 5.5: 1 sched:sched_switch:", header));
  EXPECT_EQ(header.comm, "kworker/0:1");
  EXPECT_EQ(header.event, "sched:sched_switch");
}

TEST(PerfHeader, RejectsOtherLines) {
  PerfSampleHeader header;
  EXPECT_FALSE(parse_perf_header_line("main;foo 12", header));
  EXPECT_FALSE(parse_perf_header_line("\tffffffff81000000 foo (bar)", header));
  EXPECT_FALSE(parse_perf_header_line("perf 12 notatime: 1 cpu-clock:", header));
  EXPECT_FALSE(parse_perf_header_line("perf 12 1.5: 1 cpu-clock", header));  // event lacks ':'
}

TEST(PerfFrameLine, SymbolOffsetAndDso) {
  PerfFrame frame;
  ASSERT_TRUE(parse_perf_frame_line(
      "\t    55d0c0a07990 std::_Function_handler<void (int), main::{lambda(int)#1}>::_M_invoke("
      "std::_Any_data const&, int&&)+0x10 (/tmp/my (odd) dir/bin)",
      frame));
  EXPECT_EQ(frame.address, 0x55d0c0a07990u);
  EXPECT_EQ(frame.symbol,
            "std::_Function_handler<void (int), main::{lambda(int)#1}>::_M_invoke(std::_Any_data "
            "const&, int&&)");
  EXPECT_EQ(frame.dso, "/tmp/my (odd) dir/bin");
  EXPECT_FALSE(frame.kernel);
  EXPECT_EQ(folded_frame_name(frame, {}),
            "std::_Function_handler<void (int), main::{lambda(int)#1}>::_M_invoke");
  CollapseOptions keep;
  keep.keep_parameters = true;
  EXPECT_EQ(folded_frame_name(frame, keep), frame.symbol);
}

TEST(PerfFrameLine, KernelAndUnknownFrames) {
  PerfFrame frame;
  ASSERT_TRUE(parse_perf_frame_line("\tffffffff81632333 __kmem_cache_alloc_bulk+0xc3 ([kernel.kallsyms])", frame));
  EXPECT_TRUE(frame.kernel);
  EXPECT_EQ(folded_frame_name(frame, {}), "__kmem_cache_alloc_bulk_[k]");
  CollapseOptions plain;
  plain.annotate_kernel = false;
  EXPECT_EQ(folded_frame_name(frame, plain), "__kmem_cache_alloc_bulk");

  ASSERT_TRUE(parse_perf_frame_line("\t    7f556149a8a8 [unknown] ([unknown])", frame));
  EXPECT_EQ(folded_frame_name(frame, {}), "[unknown]");
  ASSERT_TRUE(parse_perf_frame_line("\t    7f556149a8a8 [unknown] (/usr/lib/x86_64-linux-gnu/libc.so.6)", frame));
  EXPECT_EQ(folded_frame_name(frame, {}), "[libc.so.6]");
  ASSERT_TRUE(parse_perf_frame_line("\tffffffff8102ab34 [unknown] ([kernel.kallsyms])", frame));
  EXPECT_EQ(folded_frame_name(frame, {}), "[kernel.kallsyms]_[k]");
  ASSERT_TRUE(parse_perf_frame_line("\t     7d8 ipv4_conntrack_local+0x7f8f80b8 ([nf_conntrack_ipv4])", frame));
  EXPECT_TRUE(frame.kernel);  // a kernel module
  ASSERT_TRUE(parse_perf_frame_line("\t    7ffd1234 __vdso_clock_gettime+0x9 ([vdso])", frame));
  EXPECT_FALSE(frame.kernel);
  EXPECT_FALSE(parse_perf_frame_line("\tnot-an-address foo (bar)", frame));
}

TEST(CollapsePerfScript, SmallFixture) {
  CollapseReport report;
  const StackTree tree =
      collapse_perf_script_file(fixture_path("perf_script_small.txt"), {}, report);
  EXPECT_EQ(report.samples, 8u);
  EXPECT_EQ(report.skipped, 1u);  // the malformed header; its frame line is not counted again
  EXPECT_THAT(report.first_bad_reason, HasSubstr("not a perf script sample header"));
  EXPECT_EQ(report.events.size(), 1u);
  EXPECT_EQ(report.event_summary(), "cpu-clock");
  EXPECT_EQ(tree.total_samples(), 8u);
  const std::string start = "profiling_harn;_start;__libc_start_main_impl;__libc_start_call_main;main;";
  const std::string expected =
      "pool worker;clone3;start_thread;(anonymous namespace)::worker_loop 1\n"
      "profiling_harn;[unknown];engram::detail::dot<float> 1\n" +
      start + "engram::run_workload;engram::optimized::find_similar;engram::optimized::cosine_batch 1\n" +
      start + "engram::run_workload;engram::optimized::spread_activation;asm_exc_page_fault_[k];clear_page_erms_[k] 1\n" +
      start + "engram::run_workload;engram::reference::apply_decay;__expf_fma 1\n" +
      start + "std::_Function_handler<void (int), main::{lambda(int)#1}>::_M_invoke;main::{lambda(int)#1}::operator() 1\n" +
      start + "std::operator< <int, int>;[libc.so.6] 1\n"
      "profiling_harn;engram::optimized::cosine 1\n";
  EXPECT_EQ(to_folded(tree), expected);
}

TEST(CollapsePerfScript, WithoutProcessName) {
  CollapseOptions options;
  options.include_process_name = false;
  std::istringstream in("a.out 1 1.000001: 1 cpu-clock:\n\t1000 inner (a.out)\n\t2000 main (a.out)\n\n");
  StackTree tree;
  CollapseReport report;
  collapse_perf_script(in, "x", options, tree, report);
  EXPECT_EQ(to_folded(tree), "main;inner 1\n");
}

TEST(CollapsePerfScript, SampleWithoutFramesAndNoTrailingBlankLine) {
  std::istringstream in("a.out 1 1.000001: 1 cpu-clock:\n\na.out 1 1.000002: 1 cpu-clock:\n\t1000 f (a.out)");
  StackTree tree;
  CollapseReport report;
  collapse_perf_script(in, "x", {}, tree, report);
  EXPECT_EQ(report.samples, 2u);
  EXPECT_EQ(report.samples_without_frames, 1u);
  EXPECT_EQ(to_folded(tree), "a.out;[unknown] 1\na.out;f 1\n");
}

TEST(CollapsePerfScript, SeveralEvents) {
  std::istringstream in("p 1 1.000001: 1 cpu-clock:\n\t1 f (p)\n\np 1 1.000002: 1 page-faults:u:\n\t1 f (p)\n\n"
                        "p 1 1.000003: 1 page-faults:u:\n\t1 f (p)\n");
  StackTree tree;
  CollapseReport report;
  collapse_perf_script(in, "x", {}, tree, report);
  EXPECT_EQ(report.event_summary(), "cpu-clock (1 samples), page-faults (2 samples)");
}

TEST(CollapsePerfScript, EmptyAndGarbageInputAreErrors) {
  StackTree tree;
  CollapseReport report;
  std::istringstream empty("");
  EXPECT_THROW(collapse_perf_script(empty, "empty.txt", {}, tree, report), InputError);
  std::istringstream garbage("hello world\n\tnot a frame\n");
  try {
    collapse_perf_script(garbage, "garbage.txt", {}, tree, report);
    FAIL() << "garbage accepted";
  } catch (const InputError& error) {
    EXPECT_THAT(error.what(), HasSubstr("garbage.txt:1: no perf script sample"));
  }
}

TEST(CollapsePerfScript, DeepStack) {
  std::string text = "deep 1 1.000001: 1 cpu-clock:\n";
  for (int i = 0; i < 10'000; ++i) {
    text.append("\t").append(std::to_string(1000 + i)).append(" f").append(std::to_string(i)).append(" (deep)\n");
  }
  std::istringstream in(text);
  StackTree tree;
  CollapseReport report;
  collapse_perf_script(in, "deep.txt", {}, tree, report);
  EXPECT_EQ(tree.max_depth(), 10'001u);  // the process name plus 10,000 frames
}

TEST(DetectFormat, PerfScriptVersusFolded) {
  std::ifstream in(fixture_path("perf_script_small.txt"));
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(looks_like_perf_script(text.str()));
  EXPECT_FALSE(looks_like_perf_script("main;foo 12\nmain;bar 3\n"));
  EXPECT_FALSE(looks_like_perf_script(""));
}

}  // namespace
