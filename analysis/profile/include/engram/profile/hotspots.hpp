#pragma once
// Hotspot analysis of merged stacks: top functions by inclusive and self
// time, the share of each kernel family against the seed's expected bands,
// and stack-quality diagnostics; rendered as Markdown and JSON.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/io/json.hpp"
#include "engram/profile/stack_tree.hpp"

namespace engram::profile {

// ---------------------------------------------------------------------------
// Kernel families
// ---------------------------------------------------------------------------
// The families, their names and their expected bands are the workload's
// (engram/workload_families.hpp, one table in bench/src/workload_families.cpp);
// only which function names mark a family's entry point is known here.
inline constexpr std::string_view kOtherFamily = "other";  // stacks without a kernel frame

// The family of one frame when it is a kernel entry point: a function of
// namespace engram::reference or engram::optimized (nested namespaces such
// as engram::optimized::N_AVX2 allowed) named cosine, cosine_batch,
// find_similar or find_similar_many (vector similarity), spread_activation
// (activation spreading) or apply_decay (memory decay). Parameters, template
// arguments and "_[k]" suffixes are ignored. The name is a workload family's.
std::optional<std::string_view> kernel_family_of_frame(std::string_view frame);

// The family of a stack (frames root first): that of its OUTERMOST kernel
// frame, so that a kernel called from another kernel (find_similar ->
// cosine_batch, or a spreading step that calls cosine) is charged to the
// entry point the workload called. kOtherFamily when no frame is a kernel.
std::string_view classify_stack(std::span<const std::string_view> frames_root_first);
extern const std::string_view kFamilyRule;  // the rule above, in one sentence

struct ShareBand {
  double low_percent;
  double high_percent;
  friend bool operator==(const ShareBand&, const ShareBand&) = default;
};
// The workload's expected share of compute time for the family; none for
// kOtherFamily or a name the workload does not know.
std::optional<ShareBand> expected_band(std::string_view family);

enum class BandVerdict { kBelow, kInside, kAbove, kNoBand };
// Inside when low <= percent <= high (bounds included).
BandVerdict judge_share(double percent, std::optional<ShareBand> band);
std::string_view verdict_name(BandVerdict verdict);  // "below", "inside", "above", "no band"

// ---------------------------------------------------------------------------
// Top functions
// ---------------------------------------------------------------------------
struct FunctionCost {
  std::string name;
  std::uint64_t samples = 0;
  double percent = 0.0;  // of all samples
};

struct FamilyShare {
  std::string family;  // a workload family's name, or kOtherFamily
  std::uint64_t samples = 0;
  double percent = 0.0;
  std::optional<ShareBand> band;
  BandVerdict verdict = BandVerdict::kNoBand;
};

struct HotspotOptions {
  std::size_t top_n = 10;
  // The outermost frame of every stack is a process name (our collapser's
  // default), not a function: left out of the function tables.
  bool first_frame_is_process = false;
};

struct Hotspots {
  std::uint64_t total_samples = 0;
  // Inclusive: samples of the stacks that contain the function, each stack
  // counted once even when the function recurses. Self: samples of the
  // stacks whose leaf is the function. Ties broken by name.
  std::vector<FunctionCost> top_inclusive;
  std::vector<FunctionCost> top_self;
  std::size_t function_count = 0;
  std::uint64_t self_sum = 0;  // over every function: equals total_samples
  std::vector<FamilyShare> families;  // the workload's families in its order, then other
};

// The tree must be sorted. Throws std::invalid_argument for a tree without samples.
Hotspots analyze_hotspots(const StackTree& tree, const HotspotOptions& options);

// ---------------------------------------------------------------------------
// Stack quality
// ---------------------------------------------------------------------------
// "[unknown]" or a whole name in brackets naming only a DSO ("[libc.so.6]",
// "[kernel.kallsyms]"), with or without an "_[k]" suffix.
bool is_unresolved_frame(std::string_view frame);
bool is_kernel_frame_name(std::string_view frame);  // ends with "_[k]"
// Where a complete user stack starts: main, _start, the libc start-up
// functions, or a thread entry (start_thread, clone, clone3).
bool is_entry_frame(std::string_view frame);

struct StackQuality {
  std::uint64_t samples = 0;
  std::uint64_t frames = 0;                 // frame occurrences over all samples
  std::uint64_t unresolved_frames = 0;
  std::uint64_t samples_with_unresolved = 0;
  std::uint64_t user_samples = 0;           // samples with at least one non-kernel frame
  std::uint64_t user_samples_not_reaching_entry = 0;  // of user_samples
  std::uint64_t kernel_only_samples = 0;    // every frame a kernel frame
  std::uint64_t samples_with_kernel = 0;    // at least one kernel frame
  std::uint64_t samples_with_unresolved_kernel = 0;

  double unresolved_frame_percent() const;
  double not_reaching_entry_percent() const;  // of user samples
};
StackQuality assess_stack_quality(const StackTree& tree, bool first_frame_is_process);

enum class FramePointers { kYes, kNo, kPartial, kUnknown };
std::string_view frame_pointers_name(FramePointers verdict);  // "yes", "no", "partial", "unknown"

struct FramePointerCheck {
  FramePointers verdict = FramePointers::kUnknown;
  std::string detail;  // how it was decided, or why it could not be
};

// One compile unit's DW_AT_producer, e.g. "GNU C++20 12.2.0 -mtune=generic
// -g -O3 -fno-omit-frame-pointer": frame pointers when the last of
// -f[no-]omit-frame-pointer says so, or, without either, when the optimisation
// level is -O0 (GCC omits them from -O1 on). Producers that record no
// switches (assembler, clang by default) are not counted.
std::optional<bool> producer_keeps_frame_pointers(std::string_view producer);
// The DW_AT_producer values of `readelf --debug-dump=info` output.
std::vector<std::string> producers_from_readelf(std::string_view readelf_output);
FramePointerCheck judge_frame_pointers(std::span<const std::string> producers);
// Runs `readelf --debug-dump=info --dwarf-depth=1 BINARY` and judges its
// compile units; kUnknown (with the reason) without readelf, binary or DWARF.
FramePointerCheck check_frame_pointers(const std::filesystem::path& binary);

// Functions that set up no frame pointer although the build asked for one:
// GCC (12 on x86-64, even with -mno-omit-leaf-frame-pointer) gives none to
// leaf functions that need no stack frame. A sample in such a function loses
// its CALLER from a frame-pointer call graph, so the caller's inclusive time
// and kernel family go missing.
struct FramelessCheck {
  bool checked = false;
  std::string detail;                       // how it was decided, or why not
  std::vector<std::string> frameless;       // names with parameters stripped, sorted
};
// `objdump -d -C --no-show-raw-insn` output -> the functions (parameters
// stripped) whose first 8 instructions lack "push %rbp" + "mov %rsp,%rbp".
// PLT stubs and ".cold" fragments are ignored.
std::vector<std::string> frameless_functions_from_objdump(std::string_view objdump_output);
FramelessCheck check_frameless_functions(const std::filesystem::path& binary);

struct FramelessLeaves {
  std::uint64_t samples = 0;                // samples whose leaf is a frameless function
  std::vector<FunctionCost> functions;      // those leaves, by self samples (at most 5)
};
FramelessLeaves frameless_leaves(const StackTree& tree, std::span<const std::string> frameless);

struct PerfSettings {
  std::optional<int> perf_event_paranoid;
  std::optional<int> kptr_restrict;
  bool root = false;
};
// Reads perf_event_paranoid and kptr_restrict under `proc_sys_kernel`.
PerfSettings read_perf_settings(const std::filesystem::path& proc_sys_kernel = "/proc/sys/kernel");

struct KernelFrameCheck {
  std::string status;       // "present", "unresolved", "missing" or "unknown"
  std::string explanation;  // why, and the fix when there is one
};
// `annotated` is false when kernel frames cannot be recognised (folded input
// without any "_[k]" suffix).
KernelFrameCheck check_kernel_frames(const PerfSettings& settings, const StackQuality& quality,
                                     bool annotated);

// ---------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------
struct ReportContext {
  std::string input;         // the profile's path
  std::string input_format;  // "perf script" or "folded"
  std::string event;         // "" when unknown
  std::string binary;        // "" when not given
  bool kernel_frames_annotated = true;
  HotspotOptions options;
  PerfSettings settings;
  FramePointerCheck frame_pointers;
  FramelessCheck frameless;                 // unchecked when no binary is given
  std::vector<std::string> input_warnings;  // from parsing
};

inline constexpr std::uint64_t kLowSampleThreshold = 1000;

struct HotspotReport {
  ReportContext context;
  Hotspots hotspots;
  StackQuality quality;
  FramelessLeaves frameless_leaves;
  KernelFrameCheck kernel_frames;
  std::vector<std::string> warnings;
};

HotspotReport make_hotspot_report(const StackTree& tree, ReportContext context);
std::string hotspots_markdown(const HotspotReport& report);

// hotspots.json (schema "engram-hotspots", version 1): the whole report, so
// that hotspots_from_json gives back what hotspots_json was given, except
// what the file does not hold: context.input_warnings (merged into
// `warnings`) and context.frameless.frameless (only the sampled leaves among
// them are kept, in frameless_leaves). Percentages are rounded to 4 decimals.
inline constexpr std::string_view kHotspotsSchema = "engram-hotspots";
inline constexpr int kHotspotsVersion = 1;
std::string hotspots_json(const HotspotReport& report);
// Throws io::InputError naming the JSON pointer of a missing or mistyped
// member, an unknown verdict, another schema or another version.
HotspotReport hotspots_from_json(const io::JsonValue& root);
// The two top-N tables as aligned plain text, for a terminal.
std::string hotspots_console_table(const HotspotReport& report);

}  // namespace engram::profile
