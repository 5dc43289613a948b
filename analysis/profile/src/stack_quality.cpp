#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <string>

#include "engram/io/format.hpp"
#include "engram/profile/flamegraph.hpp"
#include "engram/profile/frame_names.hpp"
#include "engram/profile/hotspots.hpp"

namespace engram::profile {
namespace {

constexpr std::string_view kKernelSuffix = "_[k]";

double percent_of(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0
                    : static_cast<double>(static_cast<long double>(part) * 100.0L /
                                          static_cast<long double>(whole));
}

std::optional<int> read_int_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  int value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  while (begin < end && *begin == ' ') ++begin;
  const auto result = std::from_chars(begin, end, value);
  if (result.ec != std::errc()) return std::nullopt;
  return value;
}

std::string setting_text(const std::optional<int>& value) {
  return value ? std::to_string(*value) : std::string("unreadable");
}

}  // namespace

bool is_kernel_frame_name(std::string_view frame) { return frame.ends_with(kKernelSuffix); }

bool is_unresolved_frame(std::string_view frame) {
  if (frame.ends_with(kKernelSuffix)) frame.remove_suffix(kKernelSuffix.size());
  return frame.size() > 2 && frame.front() == '[' && frame.back() == ']' &&
         frame.find('[', 1) == std::string_view::npos;
}

bool is_entry_frame(std::string_view frame) {
  if (is_kernel_frame_name(frame)) return false;
  static constexpr std::array<std::string_view, 11> kEntries = {
      "main",       "_start",  "__libc_start_main", "__libc_start_main_impl",
      "__libc_start_call_main", "start_thread", "clone", "clone3", "__clone", "__clone3",
      "thread_start"};
  const std::string name = strip_parameters(frame);
  return std::find(kEntries.begin(), kEntries.end(), name) != kEntries.end();
}

double StackQuality::unresolved_frame_percent() const { return percent_of(unresolved_frames, frames); }
double StackQuality::not_reaching_entry_percent() const {
  return percent_of(user_samples_not_reaching_entry, user_samples);
}

StackQuality assess_stack_quality(const StackTree& tree, bool first_frame_is_process) {
  StackQuality quality;
  quality.samples = tree.total_samples();
  struct PathFlags {
    bool unresolved = false;
    bool user = false;
    bool kernel = false;
    bool unresolved_kernel = false;
    bool entry = false;
  };
  struct Step {
    StackTree::NodeId id;
    PathFlags flags;
  };
  std::vector<Step> todo;
  for (StackTree::NodeId child : tree.children(StackTree::kRoot)) todo.push_back({child, {}});
  while (!todo.empty()) {
    const Step step = todo.back();
    todo.pop_back();
    const auto& node = tree.node(step.id);
    PathFlags flags = step.flags;
    if (!(first_frame_is_process && node.depth == 1)) {
      const std::string_view name = tree.name(step.id);
      const bool unresolved = is_unresolved_frame(name);
      const bool kernel = is_kernel_frame_name(name);
      quality.frames += node.total;
      if (unresolved) quality.unresolved_frames += node.total;
      flags.unresolved = flags.unresolved || unresolved;
      flags.kernel = flags.kernel || kernel;
      flags.unresolved_kernel = flags.unresolved_kernel || (kernel && unresolved);
      flags.user = flags.user || !kernel;
      flags.entry = flags.entry || is_entry_frame(name);
    }
    if (node.self > 0) {
      if (flags.unresolved) quality.samples_with_unresolved += node.self;
      if (flags.kernel) quality.samples_with_kernel += node.self;
      if (flags.unresolved_kernel) quality.samples_with_unresolved_kernel += node.self;
      if (flags.user) {
        quality.user_samples += node.self;
        if (!flags.entry) quality.user_samples_not_reaching_entry += node.self;
      } else if (flags.kernel) {
        quality.kernel_only_samples += node.self;
      }
    }
    for (StackTree::NodeId child : tree.children(step.id)) todo.push_back({child, flags});
  }
  return quality;
}

PerfSettings read_perf_settings(const std::filesystem::path& proc_sys_kernel) {
  PerfSettings settings;
  settings.perf_event_paranoid = read_int_file(proc_sys_kernel / "perf_event_paranoid");
  settings.kptr_restrict = read_int_file(proc_sys_kernel / "kptr_restrict");
  settings.root = ::geteuid() == 0;
  return settings;
}

KernelFrameCheck check_kernel_frames(const PerfSettings& settings, const StackQuality& quality,
                                     bool annotated) {
  // perf_event_paranoid >= 2 limits unprivileged users to user-space samples;
  // kptr_restrict hides kernel addresses (1: without CAP_SYSLOG, 2: from everyone).
  const bool paranoid_blocks =
      settings.perf_event_paranoid && *settings.perf_event_paranoid >= 2 && !settings.root;
  const bool addresses_hidden =
      settings.kptr_restrict &&
      (*settings.kptr_restrict >= 2 || (*settings.kptr_restrict == 1 && !settings.root));
  const std::string where = "perf_event_paranoid=" + setting_text(settings.perf_event_paranoid) +
                            ", kptr_restrict=" + setting_text(settings.kptr_restrict) +
                            (settings.root ? ", running as root" : ", not root") +
                            " (read now, not when the profile was recorded)";
  KernelFrameCheck check;
  if (!annotated) {
    check.status = "unknown";
    check.explanation = "the folded input marks no frame with _[k], so kernel frames cannot be "
                        "told apart; " + where;
    return check;
  }
  if (quality.samples_with_kernel > 0) {
    const bool mostly_unresolved =
        quality.samples_with_unresolved_kernel * 2 > quality.samples_with_kernel;
    if (mostly_unresolved) {
      check.status = "unresolved";
      check.explanation = "kernel frames are present but most have no symbol" +
                          std::string(addresses_hidden
                                          ? ": kptr_restrict hides kernel addresses; fix: sudo "
                                            "sysctl kernel.kptr_restrict=0"
                                          : "") +
                          "; " + where;
    } else {
      check.status = "present";
      check.explanation = "kernel frames in " + io::thousands(quality.samples_with_kernel) +
                          " samples; " + where;
    }
    return check;
  }
  check.status = "missing";
  if (paranoid_blocks) {
    check.explanation = "perf_event_paranoid=" + setting_text(settings.perf_event_paranoid) +
                        " keeps unprivileged users to user-space samples, so kernel frames are "
                        "missing; fix: run perf as root or sudo sysctl "
                        "kernel.perf_event_paranoid=1; " + where;
  } else if (addresses_hidden) {
    check.explanation = "kptr_restrict=" + setting_text(settings.kptr_restrict) +
                        " hides kernel addresses; fix: sudo sysctl kernel.kptr_restrict=0; " + where;
  } else {
    check.explanation = "the settings allow kernel samples, so the event was probably user-only "
                        "(e.g. :u) or no sample fell in the kernel; " + where;
  }
  return check;
}

}  // namespace engram::profile
