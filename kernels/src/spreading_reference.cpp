// The spreading-activation ground truth: push style over the outgoing
// adjacency lists, edge by edge, sums in double. Written for clarity.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engram/spreading.hpp"
#include "spreading_common.hpp"
#include "similarity_common.hpp"
#include "work_counters_internal.hpp"

namespace engram {
namespace detail {

void check_spread_args(const MemoryGraph& graph, std::span<const MemoryId> sources,
                       const SpreadParams& params) {
  if (graph.size() == 0) throw std::invalid_argument("spread_activation: the graph is empty");
  if (sources.empty()) throw std::invalid_argument("spread_activation: no sources given");
  for (MemoryId s : sources) {
    if (s >= graph.size()) {
      throw std::invalid_argument("spread_activation: source " + std::to_string(s) +
                                  " does not exist (" + std::to_string(graph.size()) +
                                  " memories)");
    }
  }
  const struct {
    const char* name;
    float value;
  } checks[] = {{"decay", params.decay},
                {"retain", params.retain},
                {"threshold", params.threshold},
                {"epsilon", params.epsilon}};
  for (const auto& c : checks) {
    if (!(std::isfinite(c.value) && c.value >= 0.0f)) {
      throw std::invalid_argument(std::string("spread_activation: ") + c.name +
                                  " must be a finite number >= 0 (got " +
                                  std::to_string(c.value) + ")");
    }
  }
}

}  // namespace detail

namespace reference {

SpreadResult spread_activation(const MemoryGraph& graph, std::span<const MemoryId> sources,
                               const SpreadParams& params) {
  detail::check_spread_args(graph, sources, params);
  const std::size_t n = graph.size();
  std::vector<float> a(n, 0.0f), next(n, 0.0f);
  std::vector<bool> is_source(n, false);
  for (MemoryId s : sources) {
    a[s] = 1.0f;
    is_source[s] = true;
  }
  std::vector<double> incoming(n);

  SpreadResult result;
  for (std::uint32_t it = 1; it <= params.max_iterations; ++it) {
    // Push: every node sends w * a[s] along each of its outgoing edges.
    std::fill(incoming.begin(), incoming.end(), 0.0);
    for (std::size_t s = 0; s < n; ++s) {
      for (const Edge& e : graph.out_edges(static_cast<MemoryId>(s))) {
        incoming[e.target] += static_cast<double>(e.weight) * a[s];
      }
    }
    float max_change = 0.0f;
    for (std::size_t t = 0; t < n; ++t) {
      double v = std::min(1.0, static_cast<double>(params.retain) * a[t] +
                                   static_cast<double>(params.decay) * incoming[t]);
      if (v < params.threshold) v = 0.0;
      if (is_source[t]) v = 1.0;
      next[t] = static_cast<float>(v);
      max_change = std::max(max_change, std::fabs(next[t] - a[t]));
    }
    a.swap(next);
    result.iterations = it;
    if (max_change < params.epsilon) {
      result.converged = true;
      break;
    }
  }
  // Every iteration walks every edge (inactive sources too) and updates every node.
  detail::add_work(spreading_work(n * result.iterations, graph.edge_count() * result.iterations));
  result.activation = std::move(a);
  return result;
}

}  // namespace reference

std::vector<Match> top_activated(const SpreadResult& result, std::span<const MemoryId> sources,
                                 std::size_t k) {
  if (k == 0) throw std::invalid_argument("top_activated: k must be at least 1");
  const std::size_t n = result.activation.size();
  std::vector<bool> is_source(n, false);
  for (MemoryId s : sources) {
    if (s >= n) {
      throw std::invalid_argument("top_activated: source " + std::to_string(s) +
                                  " is not a node of the result (" + std::to_string(n) + " nodes)");
    }
    is_source[s] = true;
  }
  std::vector<Match> active;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_source[i] && result.activation[i] > 0.0f) {
      active.push_back(Match{static_cast<MemoryId>(i), result.activation[i]});
    }
  }
  const std::size_t keep = std::min(k, active.size());
  std::partial_sort(active.begin(), active.begin() + static_cast<std::ptrdiff_t>(keep), active.end(),
                    detail::ranks_before);
  active.resize(keep);
  return active;
}

}  // namespace engram
