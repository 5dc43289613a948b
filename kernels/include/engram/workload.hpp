#pragma once
// The seeded profiling workload (KERNELS.md section 4). One seed gives a
// bit-identical graph, the same queries and the same fingerprint on every run
// and every machine: the generator uses its own PRNG and normal sampler, not
// the standard library's implementation-defined distributions.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engram/embedding.hpp"
#include "engram/memory_graph.hpp"

namespace engram {

struct WorkloadConfig {
  std::uint64_t seed = 42;
  std::size_t memories = 10'000;
  std::size_t dim = 768;
  std::size_t edges = 50'000;
  std::size_t spread_queries = 1'000;
  std::size_t similarity_queries = 1'000;
  std::size_t decay_rounds = 1'000;

  // The full workload with every count multiplied by scale in (0, 1]
  // (at least one of each); throws std::invalid_argument otherwise.
  static WorkloadConfig scaled(double scale, std::uint64_t seed = 42);
};

struct Workload {
  WorkloadConfig config;
  MemoryGraph graph;                                // frozen; embeddings normal(0, 1)
  std::vector<MemoryId> spread_sources;             // one source per spreading query
  EmbeddingMatrix similarity_queries;               // one row per find_similar query
  std::vector<std::uint64_t> decay_elapsed_seconds;  // one per decay round, 1 s to 30 days
  MemoryState initial_state;                        // the graph's state before any decay

  // A 64-bit hash of every generated bit (embeddings, edges, queries, state).
  std::uint64_t fingerprint() const;
};

// Throws std::invalid_argument for zero memories or dim, or edges without memories.
Workload generate_workload(const WorkloadConfig& config);

// A small deterministic PRNG (splitmix64 seeding a xoshiro256**), exposed so
// tests and benchmarks build their random inputs the same way everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next_u64();
  double uniform();                          // [0, 1)
  std::uint64_t below(std::uint64_t bound);  // [0, bound), unbiased
  double normal();                           // standard normal

 private:
  std::uint64_t s_[4];
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

}  // namespace engram
