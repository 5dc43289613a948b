#pragma once
// Optimization candidates: share of the profiled time x distance to the roof.
//
// For a kernel benchmark b of family f (the family the workload manifest of
// the benchmark run gives it: vector similarity, activation spreading, memory
// decay):
//   share(f)    = the family's share of the profile's samples (hotspots.json),
//   fraction(b) = achieved GFLOP/s / attainable roof (roofline.json),
//   distance(b) = 1 - min(1, fraction(b)),
//   priority(b) = share(f) x distance(b).
// If the kernel ran at its roof its time would shrink by the factor
// fraction(b), so priority(b) is the share of the whole profiled run that
// reaching the roof would save (assuming the family's time in the profile
// scales like b's time). Highest first.
#include <optional>
#include <string>
#include <vector>

#include "engram/profile/hotspots.hpp"
#include "engram/workload_manifest.hpp"
#include "inputs.hpp"

namespace engram::report {

struct Candidate {
  std::string benchmark;  // KERNEL/VARIANT
  std::string family;
  double share = 0;       // fraction of profile samples
  double fraction_of_roof = 0;
  double distance = 0;
  double priority = 0;    // share x distance
  std::string bound, level;
  std::string note;       // e.g. above its roof
};

struct CandidateRanking {
  // Which variant the profiled program ran (from the kernel frames of the
  // hot-spot tables), and so which roofline points are ranked.
  std::vector<std::string> variants;
  std::string variant_rule;
  std::vector<Candidate> ranked;
  std::vector<std::string> left_out;  // roofline points not ranked, with why
};

// `workload`: the manifest of the benchmark run (nullptr when the run has
// none: then nothing can be ranked, and left_out says why).
CandidateRanking rank_candidates(const profile::HotspotReport& hotspots, const roofline::RooflineResult& roofline,
                                 const bench::WorkloadManifest* workload);

}  // namespace engram::report
