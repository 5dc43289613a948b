#include "engram/work_counters.hpp"

#include <atomic>
#include <cstdio>

#include "engram/decay.hpp"
#include "work_counters_internal.hpp"

// sde_lib.hpp is not self-contained (it needs the C API first) and defines
// non-inline functions, so it must be included by exactly one file: this one.
#include <sde_lib.h>
#include <sde_lib.hpp>

namespace engram {
namespace {

using Counter = std::atomic<long long>;
static_assert(Counter::is_always_lock_free);

struct Totals {
  Counter flops{0};
  Counter bytes_read{0};
  Counter bytes_written{0};
  Counter candidates_scored{0};
  Counter edges_relaxed{0};
  Counter memories_decayed{0};
};

Totals& totals() {
  static Totals instance;
  return instance;
}

long long read_counter(Counter* counter) { return counter->load(std::memory_order_relaxed); }

// Registers the totals as PAPI Software Defined Events at load time, so that
// PAPI_add_named_event("sde:::engram::flops") works in any program linking the
// kernels. Counters are read through callbacks (an atomic load each), never
// by PAPI touching the atomics' storage directly. No describe_counter():
// libsde 7.0 replaces the default description without freeing it, a leak that
// LeakSanitizer and valgrind would report in every program linking us; the
// meaning of each counter is documented in work_counters.hpp instead.
struct SdeRegistration {
  SdeRegistration() {
    papi_sde::PapiSde sde(kSdeLibraryName);
    Totals& t = totals();
    Counter* counters[] = {&t.flops,           &t.bytes_read,    &t.bytes_written,
                           &t.candidates_scored, &t.edges_relaxed, &t.memories_decayed};
    for (std::size_t i = 0; i < std::size(counters); ++i) {
      const int status = sde.register_counter_cb(kSdeCounterNames[i],
                                                 PAPI_SDE_RO | PAPI_SDE_DELTA, read_counter,
                                                 *counters[i]);
      if (status != SDE_OK) {
        std::fprintf(stderr, "engram: registering SDE counter %s failed (%d)\n",
                     kSdeCounterNames[i], status);
      }
    }
  }
};

const SdeRegistration sde_registration;

std::int64_t i64(std::size_t v) { return static_cast<std::int64_t>(v); }

}  // namespace

WorkCounts& WorkCounts::operator-=(const WorkCounts& other) {
  flops -= other.flops;
  bytes_read -= other.bytes_read;
  bytes_written -= other.bytes_written;
  candidates_scored -= other.candidates_scored;
  edges_relaxed -= other.edges_relaxed;
  memories_decayed -= other.memories_decayed;
  return *this;
}

WorkCounts& WorkCounts::operator+=(const WorkCounts& other) {
  flops += other.flops;
  bytes_read += other.bytes_read;
  bytes_written += other.bytes_written;
  candidates_scored += other.candidates_scored;
  edges_relaxed += other.edges_relaxed;
  memories_decayed += other.memories_decayed;
  return *this;
}

WorkCounts work_counts() {
  const Totals& t = totals();
  WorkCounts c;
  c.flops = t.flops.load(std::memory_order_relaxed);
  c.bytes_read = t.bytes_read.load(std::memory_order_relaxed);
  c.bytes_written = t.bytes_written.load(std::memory_order_relaxed);
  c.candidates_scored = t.candidates_scored.load(std::memory_order_relaxed);
  c.edges_relaxed = t.edges_relaxed.load(std::memory_order_relaxed);
  c.memories_decayed = t.memories_decayed.load(std::memory_order_relaxed);
  return c;
}

WorkCounts similarity_work(std::size_t floats, std::size_t candidates, std::size_t sums,
                           std::size_t norm_bytes) {
  WorkCounts c;
  c.flops = 2 * i64(sums) * i64(floats) * i64(candidates);
  c.bytes_read = (4 * i64(floats) + i64(norm_bytes)) * i64(candidates);
  c.bytes_written = 4 * i64(candidates);
  c.candidates_scored = i64(candidates);
  return c;
}

WorkCounts cosine_pair_work(std::size_t dim) {
  WorkCounts c;
  c.flops = 6 * i64(dim);
  c.bytes_read = 8 * i64(dim);
  c.candidates_scored = 1;
  return c;
}

WorkCounts spreading_work(std::size_t nodes_updated, std::size_t edges_relaxed) {
  WorkCounts c;
  c.flops = 2 * i64(edges_relaxed);
  c.edges_relaxed = i64(edges_relaxed);
  c.bytes_read = 8 * i64(edges_relaxed) + 4 * i64(nodes_updated);
  c.bytes_written = 4 * i64(nodes_updated);
  return c;
}

WorkCounts decay_work(std::size_t memories, DecayCurve curve) {
  const std::int64_t transcendentals = curve == DecayCurve::kExponential ? 1 : 2;
  WorkCounts c;
  c.flops = (4 + transcendentals) * i64(memories);
  c.bytes_read = 16 * i64(memories);
  c.bytes_written = 4 * i64(memories);
  c.memories_decayed = i64(memories);
  return c;
}

namespace detail {

void add_work(const WorkCounts& counts) noexcept {
  Totals& t = totals();
  auto add = [](Counter& counter, std::int64_t value) {
    if (value != 0) counter.fetch_add(value, std::memory_order_relaxed);
  };
  add(t.flops, counts.flops);
  add(t.bytes_read, counts.bytes_read);
  add(t.bytes_written, counts.bytes_written);
  add(t.candidates_scored, counts.candidates_scored);
  add(t.edges_relaxed, counts.edges_relaxed);
  add(t.memories_decayed, counts.memories_decayed);
}

}  // namespace detail
}  // namespace engram
