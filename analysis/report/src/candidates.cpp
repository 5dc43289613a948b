#include "candidates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "benchmark_summary.hpp"
#include "engram/io/format.hpp"
#include "engram/roofline/roofline.hpp"

namespace engram::report {

namespace {

// The kernel variants seen in the hot-spot tables: frames of namespace
// engram::reference or engram::optimized.
std::set<std::string> profiled_variants(const profile::HotspotReport& hotspots) {
  std::set<std::string> seen;
  for (const auto* table : {&hotspots.hotspots.top_inclusive, &hotspots.hotspots.top_self}) {
    for (const auto& row : *table) {
      if (row.name.find("engram::reference::") != std::string::npos) seen.insert("reference");
      if (row.name.find("engram::optimized::") != std::string::npos) seen.insert("optimized");
    }
  }
  return seen;
}

}  // namespace

CandidateRanking rank_candidates(const profile::HotspotReport& hotspots, const roofline::RooflineResult& roofline,
                                 const bench::WorkloadManifest* workload) {
  CandidateRanking ranking;
  const auto seen = profiled_variants(hotspots);
  if (seen.size() == 1) {
    ranking.variants = {*seen.begin()};
    ranking.variant_rule = fmt::format(
        "the profile's hot-spot tables show engram::{}:: kernel frames only, so the {} variants are ranked",
        *seen.begin(), *seen.begin());
  } else {
    ranking.variants = {"optimized", "reference"};
    ranking.variant_rule =
        seen.empty() ? "the profile's hot-spot tables show no engram::reference:: or engram::optimized:: frame, so "
                       "both variants are ranked"
                     : "the profile's hot-spot tables show both reference and optimized kernel frames, so both "
                       "variants are ranked";
  }

  const auto& families = hotspots.hotspots.families;
  for (const auto& p : roofline.points) {
    const bench::WorkloadEntry* entry = workload == nullptr ? nullptr : workload->find(p.name);
    if (entry == nullptr) {
      ranking.left_out.push_back(
          fmt::format("{}: {}", p.name,
                      workload == nullptr ? "the benchmark run has no workload manifest (context \"engram.workload\") "
                                            "to give its kernel family"
                                          : "not in the benchmark run's workload manifest"));
      continue;
    }
    if (entry->family.empty()) {
      ranking.left_out.push_back(fmt::format("{}: not a kernel of the profiled families", p.name));
      continue;
    }
    const std::string* family = &entry->family;
    if (std::find(ranking.variants.begin(), ranking.variants.end(), p.variant) == ranking.variants.end()) {
      continue;  // peers and the variant the profile did not run
    }
    const auto share = std::find_if(families.begin(), families.end(),
                                    [&](const profile::FamilyShare& f) { return f.family == *family; });
    if (share == families.end()) {
      ranking.left_out.push_back(fmt::format("{}: the hot-spot file has no share for the {} family", p.name, *family));
      continue;
    }
    Candidate c;
    c.benchmark = p.name;
    c.family = *family;
    c.share = share->percent / 100.0;
    c.fraction_of_roof = p.fraction_of_roof;
    c.distance = 1.0 - std::min(1.0, std::max(0.0, p.fraction_of_roof));
    c.priority = c.share * c.distance;
    c.bound = p.bound;
    c.level = p.level;
    if (p.fraction_of_roof > roofline::kAtRoofTolerance) {
      c.note = fmt::format("measured above its roof ({}): the roof model does not describe this kernel "
                           "(distance taken as 0)",
                           io::percent(p.fraction_of_roof));
    } else if (p.fraction_of_roof > 1.0) {
      c.note = fmt::format("at its roof ({}, within run-to-run variation): nothing left at this level; only "
                           "fewer bytes per FLOP or a faster level would help",
                           io::percent(p.fraction_of_roof));
    }
    ranking.ranked.push_back(std::move(c));
  }
  std::stable_sort(ranking.ranked.begin(), ranking.ranked.end(),
                   [](const Candidate& a, const Candidate& b) { return a.priority > b.priority; });
  return ranking;
}

}  // namespace engram::report
