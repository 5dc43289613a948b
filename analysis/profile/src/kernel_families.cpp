#include <array>

#include "engram/profile/frame_names.hpp"
#include "engram/profile/hotspots.hpp"
#include "engram/workload_families.hpp"

namespace engram::profile {
namespace {

struct KernelEntry {
  std::string_view function;
  std::string_view family;  // a family of the workload's table (checked by the tests)
};

// The public entry points of the kernels library (kernels/include/engram).
constexpr std::array<KernelEntry, 6> kKernelEntries = {{
    {"cosine", "vector similarity"},
    {"cosine_batch", "vector similarity"},
    {"find_similar", "vector similarity"},
    {"find_similar_many", "vector similarity"},
    {"spread_activation", "activation spreading"},
    {"apply_decay", "memory decay"},
}};

}  // namespace

const std::string_view kFamilyRule =
    "a stack belongs to the family of its outermost kernel entry point: a function of "
    "engram::reference or engram::optimized (nested namespaces allowed) named cosine, "
    "cosine_batch, find_similar or find_similar_many (vector similarity), spread_activation (activation "
    "spreading) or apply_decay (memory decay); stacks without one are 'other'";

std::optional<std::string_view> kernel_family_of_frame(std::string_view frame) {
  // Cheap rejection first: almost no frame of a profile is a kernel.
  if (frame.find("engram::") == std::string_view::npos) return std::nullopt;
  const std::vector<std::string> components = qualified_name_components(frame);
  if (components.size() < 3 || components[0] != "engram") return std::nullopt;
  if (components[1] != "reference" && components[1] != "optimized") return std::nullopt;
  for (const auto& entry : kKernelEntries) {
    if (components.back() == entry.function) return entry.family;
  }
  return std::nullopt;
}

std::string_view classify_stack(std::span<const std::string_view> frames_root_first) {
  for (std::string_view frame : frames_root_first) {
    if (const auto family = kernel_family_of_frame(frame)) return *family;
  }
  return kOtherFamily;
}

std::optional<ShareBand> expected_band(std::string_view family) {
  const bench::WorkloadFamily* f = bench::find_workload_family(family);
  if (f == nullptr) return std::nullopt;
  return ShareBand{f->expected_share_percent[0], f->expected_share_percent[1]};
}

BandVerdict judge_share(double percent, std::optional<ShareBand> band) {
  if (!band) return BandVerdict::kNoBand;
  if (percent < band->low_percent) return BandVerdict::kBelow;
  if (percent > band->high_percent) return BandVerdict::kAbove;
  return BandVerdict::kInside;
}

std::string_view verdict_name(BandVerdict verdict) {
  switch (verdict) {
    case BandVerdict::kBelow: return "below";
    case BandVerdict::kInside: return "inside";
    case BandVerdict::kAbove: return "above";
    case BandVerdict::kNoBand: return "no band";
  }
  return "no band";
}

}  // namespace engram::profile
