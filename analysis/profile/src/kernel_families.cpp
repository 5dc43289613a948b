#include <array>

#include "engram/profile/frame_names.hpp"
#include "engram/profile/hotspots.hpp"

namespace engram::profile {
namespace {

struct KernelEntry {
  std::string_view function;
  KernelFamily family;
};

// The public entry points of the kernels library (kernels/include/engram).
constexpr std::array<KernelEntry, 6> kKernelEntries = {{
    {"cosine", KernelFamily::kSimilarity},
    {"cosine_batch", KernelFamily::kSimilarity},
    {"find_similar", KernelFamily::kSimilarity},
    {"find_similar_many", KernelFamily::kSimilarity},
    {"spread_activation", KernelFamily::kSpreading},
    {"apply_decay", KernelFamily::kDecay},
}};

}  // namespace

const std::string_view kFamilyRule =
    "a stack belongs to the family of its outermost kernel entry point: a function of "
    "engram::reference or engram::optimized (nested namespaces allowed) named cosine, "
    "cosine_batch, find_similar or find_similar_many (similarity), spread_activation (spreading) or apply_decay "
    "(decay); stacks without one are 'other'";

std::string_view family_name(KernelFamily family) {
  switch (family) {
    case KernelFamily::kSimilarity: return "similarity";
    case KernelFamily::kSpreading: return "spreading";
    case KernelFamily::kDecay: return "decay";
    case KernelFamily::kOther: return "other";
  }
  return "other";
}

std::optional<KernelFamily> kernel_family_of_frame(std::string_view frame) {
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

KernelFamily classify_stack(std::span<const std::string_view> frames_root_first) {
  for (std::string_view frame : frames_root_first) {
    if (const auto family = kernel_family_of_frame(frame)) return *family;
  }
  return KernelFamily::kOther;
}

std::optional<ShareBand> expected_band(KernelFamily family) {
  switch (family) {
    case KernelFamily::kSimilarity: return ShareBand{15.0, 25.0};
    case KernelFamily::kSpreading: return ShareBand{20.0, 30.0};
    case KernelFamily::kDecay: return ShareBand{10.0, 15.0};
    case KernelFamily::kOther: return std::nullopt;
  }
  return std::nullopt;
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
