// decay_10k_memories/<curve>: 10,000 memories with ages from 1 s to 30 days,
// one day elapsed per call, strengths floored at engram's 0.1. Exponential
// also has Eigen and SLEEF peers.
//
// Each call ages every memory by a day, so the inputs drift; every 64 calls
// they are restored (untimed) to keep ages realistic. The floor keeps
// strengths away from subnormals, which would time the FPU's slow path.
#include "engram/kernels.hpp"
#include "suite_builders.hpp"

namespace engram::bench {
namespace {

constexpr std::uint64_t kElapsed = 86'400;
constexpr std::uint64_t kResetEvery = 64;

struct DecayData {
  MemoryState initial;
  MemoryState state;
  DecayCurve curve;
  DecayParams params;
};

}  // namespace

KernelBenchmark build_decay(const SuiteOptions& options, const std::string& curve_name,
                            const std::string& kernel) {
  const auto curve = parse_decay_curve(curve_name);
  if (!curve) throw std::invalid_argument("unknown decay curve '" + curve_name + "'");
  WorkloadConfig config;
  config.seed = options.seed;
  config.memories = 10'000;
  config.dim = 1;
  config.edges = 0;
  config.spread_queries = 1;
  config.similarity_queries = 1;
  config.decay_rounds = 1;
  auto d = std::make_shared<DecayData>();
  d->initial = generate_workload(config).initial_state;
  d->state = d->initial;
  d->curve = *curve;
  d->params.min_strength = 0.1f;

  KernelBenchmark b;
  b.kernel = kernel;
  b.description = "10,000 memories, one day elapsed, " + curve_name + " curve, floor 0.1";
  const double n = static_cast<double>(d->initial.size());
  b.work = {n, 4 * n, 20 * n};
  b.tolerance = {1e-7, 1e-4};
  DecayData* p = d.get();
  const auto reset = [p] { p->state = p->initial; };
  const auto answer_of = [p, reset](std::function<void()> run) {
    return [p, reset, run] {
      reset();
      run();
      std::vector<double> out(p->state.strength.begin(), p->state.strength.end());
      reset();
      return out;
    };
  };
  const auto arrays = [p] {
    return peers::DecayArrays{p->state.strength.data(), p->state.age_seconds.data(), p->state.size()};
  };
  const peers::PeerFactory* peer = &peer_factory();
  std::function<void()> reference = [p] { reference::apply_decay(p->state, kElapsed, p->curve, p->params); };
  std::function<void()> optimized = [p] { optimized::apply_decay(p->state, kElapsed, p->curve, p->params); };
  b.variants = {{"reference", true, reference, answer_of(reference), reset, kResetEvery},
                {"optimized", true, optimized, answer_of(optimized), reset, kResetEvery}};
  if (*curve == DecayCurve::kExponential) {
    std::function<void()> eigen = [p, arrays, peer] {
      peer->eigen_decay_exponential(arrays(), kElapsed, p->params.tau_seconds, p->params.min_strength);
    };
    std::function<void()> sleef = [p, arrays, peer] {
      peer->sleef_decay_exponential(arrays(), kElapsed, p->params.tau_seconds, p->params.min_strength);
    };
    b.variants.push_back({"eigen", false, eigen, answer_of(eigen), reset, kResetEvery});
    b.variants.push_back({"sleef", false, sleef, answer_of(sleef), reset, kResetEvery});
  }
  b.data = d;
  return b;
}

}  // namespace engram::bench
