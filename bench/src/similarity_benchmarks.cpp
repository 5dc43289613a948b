// vector_similarity_1000 and find_similar_10k, with OpenBLAS and Eigen peers.
#include <cblas.h>

#include <algorithm>
#include <numeric>

#include "cosine_contract.hpp"
#include "engram/kernels.hpp"
#include "suite_builders.hpp"

namespace engram::bench {
namespace {

constexpr std::size_t kDim = 768;

EmbeddingMatrix random_matrix(Rng& rng, std::size_t rows, std::size_t dim) {
  EmbeddingMatrix m(dim);
  m.reserve(rows);
  std::vector<float> row(dim);
  for (std::size_t r = 0; r < rows; ++r) {
    for (auto& x : row) x = static_cast<float>(rng.normal());
    m.push_back(row);
  }
  return m;
}

// The OpenBLAS peer: one sgemv for all dot products, then the contract on the
// precomputed squared norms.
void openblas_cosine_batch(const EmbeddingMatrix& candidates, const std::vector<float>& sq_norms,
                           std::span<const float> query, float* out) {
  cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(candidates.rows()),
              static_cast<int>(candidates.dim()), 1.0f, candidates.data(),
              static_cast<int>(candidates.stride()), query.data(), 1, 0.0f, out, 1);
  const float query_sq = cblas_sdot(static_cast<int>(query.size()), query.data(), 1, query.data(), 1);
  for (std::size_t i = 0; i < candidates.rows(); ++i) {
    out[i] = cosine_from_parts(out[i], query_sq, sq_norms[i]);
  }
}

struct SimilarityData {
  EmbeddingMatrix candidates{kDim};
  std::vector<float> sq_norms;  // the stored squared norms, as float for the peers
  Embedding query{kDim};
  std::vector<float> out;
  std::unique_ptr<peers::SimilarityPeer> eigen;
};

std::vector<double> to_doubles(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace

KernelBenchmark build_vector_similarity(const SuiteOptions& options) {
  auto d = std::make_shared<SimilarityData>();
  Rng rng(options.seed);
  d->candidates = random_matrix(rng, 1'000, kDim);
  for (double n : d->candidates.squared_norms()) d->sq_norms.push_back(static_cast<float>(n));
  for (auto& x : d->query.values()) x = static_cast<float>(rng.normal());
  d->out.assign(d->candidates.rows(), 0.0f);
  d->eigen = peer_factory().eigen_similarity(d->candidates.data(), d->candidates.rows(), kDim,
                                             d->candidates.stride(), d->sq_norms.data());

  KernelBenchmark b;
  b.kernel = "vector_similarity_1000";
  b.description = "one 768-d query against 1,000 candidates (cosine_batch)";
  const double n = 1'000;
  b.work = {n, 2 * kDim * n, 4 * kDim * n};
  b.tolerance = {1e-5, 0};
  SimilarityData* p = d.get();
  const auto ours = [p](auto batch) {
    return [p, batch] { batch(p->query.values(), p->candidates, std::span<float>(p->out)); };
  };
  const auto answer_of = [p](std::function<void()> run) {
    return [p, run] { run(); return to_doubles(p->out); };
  };
  auto reference = ours([](auto q, const auto& c, auto o) { reference::cosine_batch(q, c, o); });
  auto optimized = ours([](auto q, const auto& c, auto o) { optimized::cosine_batch(q, c, o); });
  std::function<void()> openblas = [p] {
    openblas_cosine_batch(p->candidates, p->sq_norms, p->query.values(), p->out.data());
  };
  std::function<void()> eigen = [p] { p->eigen->run(p->query.data(), p->out.data()); };
  b.variants = {make_variant("reference", true, reference, answer_of(reference)),
                make_variant("optimized", true, optimized, answer_of(optimized)),
                make_variant("openblas", false, openblas, answer_of(openblas)),
                make_variant("eigen", false, eigen, answer_of(eigen))};
  b.data = d;
  return b;
}

namespace {

struct FindSimilarData {
  explicit FindSimilarData(Workload w) : workload(std::move(w)) {}
  Workload workload;
  std::vector<float> sq_norms;
  std::vector<float> scores;
  std::vector<Match> result;
};

// The peer: sgemv scores, the contract's clamp to [0, 1] and threshold, then
// std::nth_element for the top k and a sort of those k (score desc, id asc).
std::vector<Match> openblas_find_similar(FindSimilarData& d, std::span<const float> query, std::size_t k) {
  const auto& candidates = d.workload.graph.embeddings();
  openblas_cosine_batch(candidates, d.sq_norms, query, d.scores.data());
  std::vector<Match> all;
  all.reserve(d.scores.size());
  for (std::size_t i = 0; i < d.scores.size(); ++i) {
    const float s = std::clamp(d.scores[i], 0.0f, 1.0f);
    if (s >= 0.0f) all.push_back({static_cast<MemoryId>(i), s});
  }
  const auto better = [](const Match& a, const Match& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  };
  const std::size_t keep = std::min(k, all.size());
  std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(), better);
  all.resize(keep);
  std::sort(all.begin(), all.end(), better);
  return all;
}

std::vector<double> flatten(const std::vector<Match>& matches) {
  std::vector<double> out;
  for (const auto& m : matches) {
    out.push_back(m.id);
    out.push_back(m.score);
  }
  return out;
}

}  // namespace

KernelBenchmark build_find_similar(const SuiteOptions& options) {
  WorkloadConfig config;
  config.seed = options.seed;
  config.memories = 10'000;
  config.dim = kDim;
  config.edges = 0;
  config.spread_queries = 1;
  config.similarity_queries = 1;
  config.decay_rounds = 1;
  auto d = std::make_shared<FindSimilarData>(generate_workload(config));
  for (double n : d->workload.graph.embeddings().squared_norms()) d->sq_norms.push_back(static_cast<float>(n));
  d->scores.assign(d->workload.graph.size(), 0.0f);

  KernelBenchmark b;
  b.kernel = "find_similar_10k";
  b.description = "find_similar(query, k = 10) over 10,000 memories of 768-d";
  const double n = 10'000;
  b.work = {n, 2 * kDim * n, 4 * kDim * n};
  b.tolerance = {1e-5, 0};
  FindSimilarData* p = d.get();
  constexpr std::size_t k = 10;
  const auto query = [p] { return p->workload.similarity_queries.row_span(0); };
  std::function<void()> reference = [p, query] { p->result = reference::find_similar(p->workload.graph, query(), k); };
  std::function<void()> optimized = [p, query] { p->result = optimized::find_similar(p->workload.graph, query(), k); };
  std::function<void()> openblas = [p, query] { p->result = openblas_find_similar(*p, query(), k); };
  const auto answer_of = [p](std::function<void()> run) {
    return [p, run] { run(); return flatten(p->result); };
  };
  b.variants = {make_variant("reference", true, reference, answer_of(reference)),
                make_variant("optimized", true, optimized, answer_of(optimized)),
                make_variant("openblas", false, openblas, answer_of(openblas))};
  b.data = d;
  return b;
}

}  // namespace engram::bench
