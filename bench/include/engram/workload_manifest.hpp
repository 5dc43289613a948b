#pragma once
// The workload manifest: what each benchmark of one baseline run does per
// iteration, written by bench once per run into the Google Benchmark JSON
// context ("engram.workload") and read by roofline, hot spots and the report,
// so that nothing downstream guesses a kernel's work from its name.
//
// Format (schema "engram-workload", version 1):
//   {"schema": "engram-workload", "version": 1, "benchmarks": [
//     {"name": "spreading_activation_10k/optimized",   // the run_name in the benchmark JSON
//      "kernel": "spreading_activation_10k", "variant": "optimized",
//      "family": "activation spreading",                // or "vector similarity", "memory decay", ""
//      "flops_per_iteration": ..., "bytes_read_per_iteration": ...,
//      "bytes_written_per_iteration": ...,             // measured: the work counters around one call
//      "work_measured_on": "optimized",                 // the variant whose counters gave them
//      "working_set_bytes": ..., "passes": 100,         // kernel calls or iterations per iteration
//      "access": "gather",                              // or "stream"
//      "expected_share_percent": [20, 30]}]}            // the seed's band, or null
// The format lives in its own small library (engram_workload) so readers need
// not link the benchmarks.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engram/io/json.hpp"

namespace engram::bench {

inline constexpr std::string_view kWorkloadSchema = "engram-workload";
inline constexpr int kWorkloadVersion = 1;

struct WorkloadEntry {
  std::string name;     // "KERNEL/VARIANT", as Google Benchmark's run_name
  std::string kernel;   // "find_similar_10k", "decay_10k_memories/exponential", ...
  std::string variant;  // "reference", "optimized", "openblas", ...
  std::string family;   // "vector similarity", "activation spreading", "memory decay", or "" (none)
  double flops_per_iteration = 0;
  double bytes_read_per_iteration = 0;
  double bytes_written_per_iteration = 0;
  // The variant whose work counters gave the three figures above: the
  // benchmark's own for an engram kernel; for a peer (a library we cannot
  // count) the engram variant that does the same work (workload_models.cpp).
  std::string work_measured_on;
  double working_set_bytes = 0;  // the bytes one pass of the kernel's reference touches
  double passes = 1;             // kernel calls or kernel iterations per benchmark iteration
  std::string access;            // "stream" or "gather"
  std::optional<std::array<double, 2>> expected_share_percent;  // [low, high] of the family

  friend bool operator==(const WorkloadEntry&, const WorkloadEntry&) = default;
};

struct WorkloadManifest {
  std::vector<WorkloadEntry> benchmarks;
  // The entry of a benchmark by its run_name, or nullptr.
  const WorkloadEntry* find(std::string_view name) const;
  friend bool operator==(const WorkloadManifest&, const WorkloadManifest&) = default;
};

nlohmann::json to_json(const WorkloadManifest& manifest);
// Throws io::InputError naming the JSON pointer of a missing or mistyped
// member, an unknown schema, another version, an unknown access pattern or a
// duplicate name.
WorkloadManifest workload_manifest_from_json(const io::JsonValue& root);
// `source` names the text in messages ("FILE: context/engram.workload").
WorkloadManifest workload_manifest_from_json(std::string_view text, const std::string& source);

}  // namespace engram::bench
