#include <algorithm>
#include <stdexcept>

#include "engram/profile/hotspots.hpp"
#include "engram/workload_families.hpp"

namespace engram::profile {
namespace {

double percent_of(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0
                    : static_cast<double>(static_cast<long double>(part) * 100.0L /
                                          static_cast<long double>(whole));
}

std::vector<FunctionCost> top_of(const StackTree& tree, const std::vector<std::uint64_t>& by_name,
                                 std::size_t n, std::uint64_t total) {
  std::vector<std::uint32_t> names;
  for (std::uint32_t i = 0; i < by_name.size(); ++i) {
    if (by_name[i] > 0) names.push_back(i);
  }
  const auto better = [&](std::uint32_t a, std::uint32_t b) {
    if (by_name[a] != by_name[b]) return by_name[a] > by_name[b];
    return tree.name_of_index(a) < tree.name_of_index(b);
  };
  const std::size_t keep = std::min(n, names.size());
  std::partial_sort(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(keep), names.end(),
                    better);
  std::vector<FunctionCost> top;
  for (std::size_t i = 0; i < keep; ++i) {
    const std::uint32_t name = names[i];
    top.push_back({std::string(tree.name_of_index(name)), by_name[name],
                   percent_of(by_name[name], total)});
  }
  return top;
}

}  // namespace

Hotspots analyze_hotspots(const StackTree& tree, const HotspotOptions& options) {
  Hotspots result;
  result.total_samples = tree.total_samples();
  if (result.total_samples == 0) throw std::invalid_argument("no samples to analyse");

  std::vector<std::uint64_t> inclusive(tree.name_count(), 0);
  std::vector<std::uint64_t> self(tree.name_count(), 0);
  std::vector<std::uint32_t> open_on_path(tree.name_count(), 0);  // recursion guard
  // One count per workload family, in the workload's order, then "other".
  const auto families = bench::workload_families();
  std::vector<std::uint64_t> family_samples(families.size() + 1, 0);
  const auto family_index = [&](std::string_view name) {
    for (std::size_t i = 0; i < families.size(); ++i) {
      if (families[i].name == name) return i;
    }
    // A frame pattern naming a family the workload lacks is a programming
    // error here, not a fact about the profile.
    throw std::logic_error("kernel_families.cpp names family '" + std::string(name) +
                           "', which bench/src/workload_families.cpp does not have");
  };

  // Depth-first walk with explicit enter/leave steps (stacks may be 10,000
  // frames deep). A function's inclusive time is added at its outermost
  // occurrence on the path only, so recursion does not count a stack twice.
  struct Step {
    StackTree::NodeId id;
    bool leave;
    std::optional<std::size_t> family;  // index of the outermost kernel family on the path
  };
  std::vector<Step> todo;
  for (StackTree::NodeId child : tree.children(StackTree::kRoot)) {
    todo.push_back({child, false, std::nullopt});
  }
  while (!todo.empty()) {
    const Step step = todo.back();
    todo.pop_back();
    const auto& node = tree.node(step.id);
    const bool is_process = options.first_frame_is_process && node.depth == 1;
    if (step.leave) {
      if (!is_process) --open_on_path[node.name];
      continue;
    }
    std::optional<std::size_t> family = step.family;
    if (!is_process) {
      if (open_on_path[node.name]++ == 0) inclusive[node.name] += node.total;
      if (!family) {
        if (const auto name = kernel_family_of_frame(tree.name(step.id))) family = family_index(*name);
      }
    }
    // A process frame with self samples (a stack of the process name alone)
    // keeps them, so that self times still add up to the sample count.
    self[node.name] += node.self;
    family_samples[family.value_or(families.size())] += node.self;
    todo.push_back({step.id, true, std::nullopt});
    const auto kids = tree.children(step.id);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) todo.push_back({*it, false, family});
  }

  result.top_inclusive = top_of(tree, inclusive, options.top_n, result.total_samples);
  result.top_self = top_of(tree, self, options.top_n, result.total_samples);
  for (std::size_t i = 0; i < self.size(); ++i) {
    result.self_sum += self[i];
    if (self[i] > 0 || inclusive[i] > 0) ++result.function_count;
  }
  for (std::size_t i = 0; i <= families.size(); ++i) {
    FamilyShare share;
    share.family = std::string(i < families.size() ? families[i].name : kOtherFamily);
    share.samples = family_samples[i];
    share.percent = percent_of(share.samples, result.total_samples);
    share.band = expected_band(share.family);
    share.verdict = judge_share(share.percent, share.band);
    result.families.push_back(std::move(share));
  }
  return result;
}

}  // namespace engram::profile
