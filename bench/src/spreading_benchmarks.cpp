// spreading_activation_1000 (1,000 nodes, 5,000 edges) and _10k (10,000 /
// 50,000): one source, exactly 100 iterations (epsilon = 0, KERNELS.md), with
// an Eigen sparse mat-vec peer of the same contract.
#include "engram/kernels.hpp"
#include "suite_builders.hpp"

namespace engram::bench {
namespace {

struct SpreadingData {
  explicit SpreadingData(Workload w) : workload(std::move(w)) {}
  Workload workload;
  SpreadParams params;
  std::vector<MemoryId> sources;
  SpreadResult result;
  std::unique_ptr<peers::SpreadingPeer> eigen;
  std::vector<float> eigen_activation;
};

}  // namespace

KernelBenchmark build_spreading(const SuiteOptions& options, std::size_t nodes, std::size_t edges,
                                const std::string& kernel) {
  WorkloadConfig config;
  config.seed = options.seed;
  config.memories = nodes;
  config.dim = 1;  // spreading never reads embeddings
  config.edges = edges;
  config.spread_queries = 1;
  config.similarity_queries = 1;
  config.decay_rounds = 1;
  auto d = std::make_shared<SpreadingData>(generate_workload(config));
  d->params.epsilon = 0.0f;  // exactly max_iterations, so the cost per iteration compares
  d->sources = {d->workload.spread_sources.at(0)};
  const auto& csr = d->workload.graph.incoming();
  peers::SpreadingProblem problem;
  problem.nodes = nodes;
  problem.incoming_offsets = csr.offsets.data();
  problem.incoming_sources = csr.sources.data();
  problem.incoming_weights = csr.weights.data();
  problem.source = d->sources[0];
  problem.iterations = d->params.max_iterations;
  problem.decay = d->params.decay;
  problem.retain = d->params.retain;
  problem.threshold = d->params.threshold;
  problem.epsilon = d->params.epsilon;
  d->eigen = peer_factory().eigen_spreading(problem);
  d->eigen_activation.assign(nodes, 0.0f);

  KernelBenchmark b;
  b.kernel = kernel;
  b.description = std::to_string(nodes) + " nodes, " + std::to_string(edges) +
                  " edges, one source, 100 iterations";
  const double iterations = d->params.max_iterations;
  const double e = static_cast<double>(edges), n = static_cast<double>(nodes);
  b.work = {e * iterations, 2 * e * iterations, iterations * (8 * e + 8 * n)};
  b.tolerance = {1e-3, 0};
  SpreadingData* p = d.get();
  std::function<void()> reference = [p] {
    p->result = reference::spread_activation(p->workload.graph, p->sources, p->params);
  };
  std::function<void()> optimized = [p] {
    p->result = optimized::spread_activation(p->workload.graph, p->sources, p->params);
  };
  std::function<void()> eigen = [p] { p->eigen->run(); };
  const auto ours = [p](std::function<void()> run) {
    return [p, run] {
      run();
      return std::vector<double>(p->result.activation.begin(), p->result.activation.end());
    };
  };
  const auto eigen_answer = [p] {
    p->eigen->run();
    p->eigen->activation(p->eigen_activation.data());
    return std::vector<double>(p->eigen_activation.begin(), p->eigen_activation.end());
  };
  b.variants = {make_variant("reference", true, reference, ours(reference)),
                make_variant("optimized", true, optimized, ours(optimized)),
                make_variant("eigen", false, eigen, eigen_answer)};
  b.data = d;
  return b;
}

}  // namespace engram::bench
