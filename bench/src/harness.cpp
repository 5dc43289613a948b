#include "engram/harness.hpp"

#include <bit>
#include <chrono>
#include <optional>

#include "engram/kernels.hpp"

namespace engram::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t mix_matches(std::uint64_t h, const std::vector<Match>& matches) {
  h = mix_checksum(h, matches.size());
  for (const auto& m : matches) {
    h = mix_checksum(h, m.id);
    h = mix_checksum(h, std::bit_cast<std::uint32_t>(m.score));
  }
  return h;
}

// Runs one phase between the hooks and times it.
template <typename Body>
PhaseResult timed_phase(const std::string& name, const PhaseHooks& hooks, Body&& body) {
  if (hooks.before) hooks.before(name);
  const auto start = Clock::now();
  PhaseResult r = body();
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (hooks.after) hooks.after(name);
  r.name = name;
  return r;
}

constexpr DecayCurve kCurves[] = {DecayCurve::kExponential, DecayCurve::kPowerLaw,
                                  DecayCurve::kTwoComponent};

}  // namespace

std::uint64_t mix_checksum(std::uint64_t hash, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    hash ^= (value >> (8 * i)) & 0xffu;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

HarnessResult run_harness(const WorkloadConfig& config, Implementation impl, const PhaseHooks& hooks) {
  constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
  constexpr std::size_t kTopK = 10;
  const bool ref = impl == Implementation::kReference;
  HarnessResult result;
  std::optional<Workload> w;

  result.phases.push_back(timed_phase("build", hooks, [&] {
    w.emplace(generate_workload(config));
    return PhaseResult{{}, 0, w->fingerprint(), 1};
  }));

  result.phases.push_back(timed_phase("spreading", hooks, [&] {
    PhaseResult r{{}, 0, kFnvOffset, 0};
    for (const MemoryId source : w->spread_sources) {
      const std::span<const MemoryId> sources(&source, 1);
      const SpreadResult spread = ref ? reference::spread_activation(w->graph, sources)
                                      : optimized::spread_activation(w->graph, sources);
      r.checksum = mix_checksum(r.checksum, spread.iterations);
      r.checksum = mix_matches(r.checksum, top_activated(spread, sources, kTopK));
      ++r.operations;
    }
    return r;
  }));

  result.phases.push_back(timed_phase("similarity", hooks, [&] {
    // The queries are independent, so all of them are answered in one call:
    // the optimized kernel then streams the memories once for all queries.
    PhaseResult r{{}, 0, kFnvOffset, 0};
    const auto answers = ref ? reference::find_similar_many(w->graph, w->similarity_queries, kTopK)
                             : optimized::find_similar_many(w->graph, w->similarity_queries, kTopK);
    for (const auto& matches : answers) {
      r.checksum = mix_matches(r.checksum, matches);
      ++r.operations;
    }
    return r;
  }));

  // The rounds decay one state in turn, as time passes for a real memory
  // store; the checksum samples every 97th strength so that summing does not
  // become a visible part of the phase.
  result.phases.push_back(timed_phase("decay", hooks, [&] {
    PhaseResult r{{}, 0, kFnvOffset, 0};
    MemoryState state = w->initial_state;
    for (std::size_t round = 0; round < w->decay_elapsed_seconds.size(); ++round) {
      const DecayCurve curve = kCurves[round % std::size(kCurves)];
      const std::uint64_t elapsed = w->decay_elapsed_seconds[round];
      if (ref) {
        reference::apply_decay(state, elapsed, curve);
      } else {
        optimized::apply_decay(state, elapsed, curve);
      }
      for (std::size_t i = 0; i < state.size(); i += 97) {
        r.checksum = mix_checksum(r.checksum, std::bit_cast<std::uint32_t>(state.strength[i]));
      }
      ++r.operations;
    }
    return r;
  }));

  result.checksum = kFnvOffset;
  for (const auto& phase : result.phases) result.checksum = mix_checksum(result.checksum, phase.checksum);
  return result;
}

}  // namespace engram::bench
