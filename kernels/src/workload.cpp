#include "engram/workload.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace engram {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// A streaming 64-bit hash: each word is mixed (splitmix64 finalizer) into a
// running state, so every bit of every generated value reaches the result.
class Hasher {
 public:
  void word(std::uint64_t w) {
    std::uint64_t z = w + 0x9E3779B97F4A7C15ULL * ++count_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    state_ = rotl(state_ ^ z ^ (z >> 31), 23) * 0xD6E8FEB86659FD93ULL;
  }
  void f32(float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    word(bits);
  }
  std::uint64_t value() const { return state_ ^ (state_ >> 29); }

 private:
  std::uint64_t state_ = 0x6A09E667F3BCC908ULL;
  std::uint64_t count_ = 0;
};

std::size_t scaled_count(std::size_t full, double scale) {
  const double v = std::round(static_cast<double>(full) * scale);
  return v < 1.0 ? 1 : static_cast<std::size_t>(v);
}

constexpr std::uint64_t kThirtyDays = 30ULL * 86400ULL;

}  // namespace

Rng::Rng(std::uint64_t seed) {
  std::uint64_t state = seed;
  for (auto& word : s_) word = splitmix64(state);
}

std::uint64_t Rng::next_u64() {
  // xoshiro256**
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::below(std::uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("Rng::below: the bound must be at least 1");
  // Rejection of the short last cycle keeps every value equally likely.
  const std::uint64_t reject_below = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t r = next_u64();
    if (r >= reject_below) return r % bound;
  }
}

double Rng::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  // Box-Muller; u1 in (0, 1] so the log is finite.
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 6.283185307179586 * u2;
  spare_normal_ = radius * std::sin(angle);
  has_spare_normal_ = true;
  return radius * std::cos(angle);
}

WorkloadConfig WorkloadConfig::scaled(double scale, std::uint64_t seed) {
  if (!(scale > 0.0 && scale <= 1.0)) {
    throw std::invalid_argument("WorkloadConfig::scaled: scale must be in (0, 1] (got " +
                                std::to_string(scale) + ")");
  }
  const WorkloadConfig full;
  WorkloadConfig c;
  c.seed = seed;
  c.dim = full.dim;  // a dimension, not a count
  c.memories = scaled_count(full.memories, scale);
  c.edges = scaled_count(full.edges, scale);
  c.spread_queries = scaled_count(full.spread_queries, scale);
  c.similarity_queries = scaled_count(full.similarity_queries, scale);
  c.decay_rounds = scaled_count(full.decay_rounds, scale);
  return c;
}

Workload generate_workload(const WorkloadConfig& config) {
  if (config.memories == 0) throw std::invalid_argument("generate_workload: memories must be at least 1");
  if (config.dim == 0) throw std::invalid_argument("generate_workload: dim must be at least 1");

  Rng rng(config.seed);
  Workload w{config, MemoryGraph(config.dim), {}, EmbeddingMatrix(config.dim), {}, {}};
  MemoryGraph& graph = w.graph;
  graph.reserve(config.memories, 0);

  // Memories: a normal(0, 1) embedding, an age of 1 s to 30 days, a strength
  // in [0, 1) and 0-9 recalls (so the two-component curve sees both kinds).
  std::vector<float> embedding(config.dim);
  for (std::size_t m = 0; m < config.memories; ++m) {
    for (float& x : embedding) x = static_cast<float>(rng.normal());
    const auto strength = static_cast<float>(rng.uniform());
    const std::uint64_t age = 1 + rng.below(kThirtyDays);
    const auto recalls = static_cast<std::uint32_t>(rng.below(10));
    graph.add_memory(embedding, strength, age, recalls);
  }
  // Edges: uniform endpoints (self-loops and parallel edges included, as
  // they may be in real graphs), weights uniform in [0.05, 1).
  graph.reserve(config.memories, config.edges);
  for (std::size_t e = 0; e < config.edges; ++e) {
    const auto from = static_cast<MemoryId>(rng.below(config.memories));
    const auto to = static_cast<MemoryId>(rng.below(config.memories));
    float weight = static_cast<float>(0.05 + 0.95 * rng.uniform());
    if (weight >= 1.0f) weight = std::nextafter(1.0f, 0.0f);  // keep [0.05, 1) after rounding
    graph.add_edge(from, to, weight);
  }
  graph.freeze();
  w.initial_state = graph.state();

  w.spread_sources.reserve(config.spread_queries);
  for (std::size_t q = 0; q < config.spread_queries; ++q) {
    w.spread_sources.push_back(static_cast<MemoryId>(rng.below(config.memories)));
  }
  w.similarity_queries.reserve(config.similarity_queries);
  for (std::size_t q = 0; q < config.similarity_queries; ++q) {
    for (float& x : embedding) x = static_cast<float>(rng.normal());
    w.similarity_queries.push_back(embedding);
  }
  w.decay_elapsed_seconds.reserve(config.decay_rounds);
  for (std::size_t r = 0; r < config.decay_rounds; ++r) {
    w.decay_elapsed_seconds.push_back(1 + rng.below(kThirtyDays));
  }
  return w;
}

std::uint64_t Workload::fingerprint() const {
  Hasher h;
  for (std::uint64_t v : {static_cast<std::uint64_t>(config.seed), std::uint64_t{config.memories},
                          std::uint64_t{config.dim}, std::uint64_t{config.edges},
                          std::uint64_t{config.spread_queries},
                          std::uint64_t{config.similarity_queries},
                          std::uint64_t{config.decay_rounds}}) {
    h.word(v);
  }
  const EmbeddingMatrix& emb = graph.embeddings();
  for (std::size_t i = 0; i < emb.rows(); ++i) {
    for (float x : emb.row_span(i)) h.f32(x);
  }
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const auto edges = graph.out_edges(static_cast<MemoryId>(i));
    h.word(edges.size());
    for (const Edge& e : edges) {
      h.word(e.target);
      h.f32(e.weight);
    }
  }
  for (const MemoryState* state : {&graph.state(), &initial_state}) {
    h.word(state->size());
    for (float s : state->strength) h.f32(s);
    for (std::uint64_t a : state->age_seconds) h.word(a);
    for (std::uint32_t c : state->recall_count) h.word(c);
  }
  h.word(spread_sources.size());
  for (MemoryId s : spread_sources) h.word(s);
  h.word(similarity_queries.rows());
  for (std::size_t i = 0; i < similarity_queries.rows(); ++i) {
    for (float x : similarity_queries.row_span(i)) h.f32(x);
  }
  h.word(decay_elapsed_seconds.size());
  for (std::uint64_t e : decay_elapsed_seconds) h.word(e);
  return h.value();
}

}  // namespace engram
