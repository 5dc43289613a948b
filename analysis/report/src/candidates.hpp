#pragma once
// Optimization candidates: share of the profiled time x distance to the roof.
//
// For a kernel benchmark b of family f (similarity, spreading, decay):
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

#include "inputs.hpp"

namespace engram::report {

// The family of a benchmark's kernel name: vector_similarity_* and
// find_similar_* -> similarity, spreading_activation_* -> spreading, decay_* ->
// decay; nothing for others (e.g. counter_overhead).
std::optional<std::string> family_of_kernel(const std::string& kernel);

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

CandidateRanking rank_candidates(const HotspotsInput& hotspots, const RooflineInput& roofline);

}  // namespace engram::report
