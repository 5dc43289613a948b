// CounterSet: resolves names, routes each counter to a backend by what really
// opens, plans perf groups, and turns raw reads into honest statuses.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "callgrind_regions.hpp"
#include "counter_set_internal.hpp"
#include "group_planner.hpp"
#include "papi_catalog.hpp"
#include "papi_event_set.hpp"
#include "perf_groups.hpp"
#include "resolver.hpp"
#include "scaling.hpp"
#include "text.hpp"
#include "user_space_read.hpp"
#include "validation_workload.hpp"

namespace engram::counters {

using detail::Environment;
using detail::ResolvedCounter;
using detail::Role;

namespace {

// Where one term of a counter sits in an opened perf group.
struct Slot {
  int group = -1;
  int member = -1;
};

struct PerfRoute {
  std::vector<perf_event_attr> terms;  // encodings (a preset may have several natives)
  std::vector<int> signs;              // +1 / -1 per term (DERIVED_SUB)
  std::string pmu_key;                 // events of one PMU may share a group
  std::string pmu_name;                // libpfm4's PMU name, for messages
  bool software = false;
  int capacity = 0;
  // Per group holding this counter: the slots of its terms. First = primary.
  std::vector<std::pair<int, std::vector<int>>> placements;
};

struct Counter {
  ResolvedCounter resolved;
  Backend backend = Backend::none;
  Status failure_status = Status::unsupported;  // when backend is none
  std::string reason;                           // failure, or how it is counted
  std::string fix;
  std::optional<PerfRoute> perf;
  int papi_set = -1;
  int papi_index = -1;
  bool simulate = false;  // waits for merge_simulated
  std::string via_equivalent;  // the reason prefix when a preset's perf equivalent fails to open
};

std::string join_reason(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "; " + b;
}

bool is_sum_or_difference(const detail::PapiPreset& preset) {
  return preset.derived == "NOT_DERIVED" || preset.derived == "DERIVED_ADD" || preset.derived == "DERIVED_SUB" ||
         preset.derived.empty();
}

// Roles the validation workload is sure to produce (see validation_workload.hpp).
bool validation_vouches_for(Role role) {
  switch (role) {
    case Role::cycles:
    case Role::instructions:
    case Role::l1d_misses:
    case Role::l1d_accesses:
    case Role::branch_misses:
    case Role::branches:
    case Role::loads:
    case Role::stores:
      return true;
    case Role::none:
      return false;
  }
  return false;
}

// Hardware events of the core PMU (generic, cache, raw) may share a group.
std::string pmu_key_of(const detail::PfmEvent& event) {
  if (event.software) return "software";
  if (event.attr.type == PERF_TYPE_HARDWARE || event.attr.type == PERF_TYPE_HW_CACHE ||
      event.attr.type == PERF_TYPE_RAW)
    return "core";
  return event.pmu.empty() ? "type" + std::to_string(event.attr.type) : event.pmu;
}

}  // namespace

// ----------------------------------------------------------------- Impl

struct CounterSet::Impl {
  Options options;
  const detail::SystemFacts* facts = nullptr;
  detail::PerfEventApi* perf = nullptr;
  bool exclude_kernel = true;
  std::vector<Counter> counters;
  std::vector<std::string> notes;
  std::vector<std::unique_ptr<detail::PerfGroup>> groups;
  std::vector<std::vector<std::string>> group_members;  // canonical names per group
  std::vector<std::unique_ptr<detail::PapiEventSet>> papi_sets;
  std::vector<std::pair<int, int>> ratio_pairs;  // counter indices
  bool running = false;
  double overhead = 0.0;

  void route(const Environment& environment);
  void route_perf(Counter& counter, const detail::PfmEvent& event);
  bool route_preset_to_perf(Counter& counter);
  void probe_perf(Counter& counter);
  void validate(Counter& counter);
  void open_papi(bool use_papi);
  void plan_and_open_groups(std::optional<int> pmu_counters);
  void fail(Counter& counter, Status status, std::string reason, std::string fix);
  void fall_back_to_simulation(Counter& counter);

  void start_backends();
  void stop_backends();
  void reset_backends();
  void measure_overhead();
  Reading read() const;
};

void CounterSet::Impl::fail(Counter& counter, Status status, std::string reason, std::string fix) {
  counter.backend = Backend::none;
  counter.failure_status = status;
  counter.reason = std::move(reason);
  counter.fix = std::move(fix);
  counter.perf.reset();
  fall_back_to_simulation(counter);
}

void CounterSet::Impl::fall_back_to_simulation(Counter& counter) {
  if (options.simulation == SimulationMode::never || !counter.resolved.traits.simulation) return;
  counter.backend = Backend::simulated;
  counter.simulate = true;
  counter.perf.reset();
  counter.reason = join_reason(counter.reason, "simulated by callgrind (" +
                                                   counter.resolved.traits.simulation->formula() +
                                                   ") in a re-run of the work: run_under_callgrind() then "
                                                   "Reading::merge_simulated()");
}

void CounterSet::Impl::route_perf(Counter& counter, const detail::PfmEvent& event) {
  PerfRoute route;
  route.terms = {event.attr};
  route.signs = {1};
  route.pmu_key = pmu_key_of(event);
  route.pmu_name = event.pmu;
  route.software = event.software;
  route.capacity = event.pmu_counters;
  counter.perf = std::move(route);
  counter.backend = Backend::perf_event;
}

// A preset PAPI defines as a sum or difference of native events is counted
// through perf_event (with time_enabled/time_running, which PAPI hides).
bool CounterSet::Impl::route_preset_to_perf(Counter& counter) {
  const detail::PapiPreset& preset = *counter.resolved.preset;
  if (!preset.available || !is_sum_or_difference(preset)) return false;
  PerfRoute route;
  for (std::size_t i = 0; i < preset.natives.size(); ++i) {
    auto event = detail::pfm_encode(preset.natives[i]);
    if (!event) return false;
    if (route.terms.empty()) {
      route.pmu_key = pmu_key_of(*event);
      route.pmu_name = event->pmu;
      route.software = event->software;
      route.capacity = event->pmu_counters;
    }
    route.terms.push_back(event->attr);
    route.signs.push_back(preset.derived == "DERIVED_SUB" && i > 0 ? -1 : 1);
  }
  if (route.terms.empty()) return false;
  counter.perf = std::move(route);
  counter.backend = Backend::perf_event;
  counter.reason = "PAPI preset " + preset.symbol + " = " + detail::join(preset.natives, preset.derived == "DERIVED_SUB" ? " - " : " + ");
  return true;
}

void CounterSet::Impl::route(const Environment& environment) {
  const bool papi_usable = environment.use_papi && detail::papi_init_error().empty();
  for (Counter& counter : counters) {
    const ResolvedCounter& r = counter.resolved;
    const bool simulatable = r.traits.simulation.has_value();
    if (options.simulation == SimulationMode::only && simulatable) {
      counter.reason = "simulation only";
      fall_back_to_simulation(counter);
      continue;
    }
    switch (r.kind) {
      case detail::NameKind::perf_generic:
      case detail::NameKind::pfm:
        route_perf(counter, *r.pfm);
        break;
      case detail::NameKind::papi_preset: {
        if (papi_usable && route_preset_to_perf(counter)) break;
        if (papi_usable && r.preset->available) {
          counter.backend = Backend::papi;  // a formula only PAPI evaluates
          counter.reason = "PAPI preset (" + r.preset->derived + ")";
          break;
        }
        // PAPI has no mapping here: an exactly equivalent generic event may still open.
        std::string why = papi_usable ? "PAPI defines no native events for " + r.canonical + " on this CPU"
                                      : "PAPI is not usable (" +
                                            (environment.use_papi ? detail::papi_init_error() : "disabled") + ")";
        if (auto equivalent = detail::perf_equivalent_of_preset(r.canonical)) {
          if (auto event = detail::pfm_encode(*equivalent)) {
            route_perf(counter, *event);
            counter.reason = why + "; counted as its perf equivalent " + event->canonical;
            counter.via_equivalent = why + "; its perf equivalent " + event->canonical + " fails too";
            break;
          }
        }
        Status status = Status::unsupported;
        std::string fix = "request a generic or native event instead (ecount list)";
        if (!facts->hardware_pmu) {
          why = detail::no_pmu_summary(*facts) + "; " + why;
          fix = detail::no_pmu_fix(*facts);
        }
        fail(counter, status, why, fix);
        break;
      }
      case detail::NameKind::papi_native:
      case detail::NameKind::sde:
        if (!papi_usable) {
          fail(counter, Status::unsupported,
               "PAPI is not usable (" + (environment.use_papi ? detail::papi_init_error() : "disabled") + ")",
               "check `ecount doctor`");
        } else {
          counter.backend = Backend::papi;
        }
        break;
    }
    if (counter.backend == Backend::papi && options.target_pid != 0) {
      fail(counter, Status::unsupported,
           "PAPI (and so SDE) counts only the calling thread; it cannot count another process",
           "read it inside the measured program (CounterSet::open there)");
    }
    if (counter.backend == Backend::perf_event) probe_perf(counter);
  }
}

// What actually opens is the truth: each term alone, before any grouping.
void CounterSet::Impl::probe_perf(Counter& counter) {
  const PerfRoute& route = *counter.perf;
  const int pid = options.target_pid;
  for (const perf_event_attr& term : route.terms) {
    const perf_event_attr attr = detail::make_attr(term, true, exclude_kernel, pid != 0);
    const int fd = perf->open(attr, pid, -1, -1);
    if (fd >= 0) {
      perf->close(fd);
      continue;
    }
    const detail::OpenFailure why = detail::explain_open_failure(-fd, !route.software, route.pmu_name, *facts);
    fail(counter, why.no_permission ? Status::no_permission : Status::unsupported,
         join_reason(counter.via_equivalent.empty() ? counter.reason : counter.via_equivalent, why.reason), why.fix);
    return;
  }
  if (options.validate_hardware) validate(counter);
}

// "It opened" is not "it counts": an emulated or virtual PMU may accept an
// event it does not implement and count 0 forever. Count the counter's terms
// over a workload that must produce it, in this thread (even when the set
// counts another process), and believe a 0 only from a PMU that ran.
void CounterSet::Impl::validate(Counter& counter) {
  const PerfRoute& route = *counter.perf;
  if (route.software || !validation_vouches_for(counter.resolved.traits.role)) return;
  std::vector<perf_event_attr> attrs;
  for (const perf_event_attr& term : route.terms) attrs.push_back(detail::make_attr(term, attrs.empty(), true, false));
  detail::PerfGroup group(*perf, attrs, 0, false);
  if (!group.ok()) return;  // it opened alone; whatever refuses it now is the grouping's to report
  // Built once per thread that validates (8 MiB; the workload writes to it).
  thread_local detail::ValidationWorkload workload;
  group.start();
  volatile std::uint64_t sink = workload.run();
  (void)sink;
  group.stop();
  detail::GroupSample sample;
  if (!group.read(sample) || sample.time_running == 0) return;  // never on the PMU: no verdict
  long double combined = 0;
  for (std::size_t t = 0; t < sample.values.size(); ++t)
    combined += static_cast<long double>(route.signs[t]) * sample.values[t];
  if (combined > 0) return;
  fail(counter, Status::unsupported,
       join_reason(counter.reason, "opened, but " + std::string(detail::kCountedZeroReason) + " that must produce it (" +
                                       std::string(detail::ValidationWorkload::description()) +
                                       "): this PMU (an emulator or hypervisor) does not implement the event, so "
                                       "its 0 would be a made-up number"),
       "use its simulated form (simulation auto or only), or count on a machine whose PMU implements it");
}

void CounterSet::Impl::open_papi(bool use_papi) {
  if (!use_papi) return;
  // One event set per PAPI component; each event is probed alone first.
  std::map<std::string, std::vector<int>> by_component;
  for (std::size_t i = 0; i < counters.size(); ++i) {
    Counter& counter = counters[i];
    if (counter.backend != Backend::papi) continue;
    const std::string component = counter.resolved.kind == detail::NameKind::papi_preset
                                      ? std::string("perf_event")
                                      : counter.resolved.papi_component;
    by_component[component].push_back(static_cast<int>(i));
  }
  for (auto& [component, members] : by_component) {
    std::vector<int> accepted;
    for (int index : members) {
      Counter& counter = counters[index];
      try {
        detail::PapiEventSet alone;
        std::optional<std::string> error = alone.add(counter.resolved.canonical);
        if (!error) error = alone.probe();
        if (error) {
          fail(counter, Status::unsupported, join_reason(counter.reason, *error), "check `ecount doctor`");
          continue;
        }
      } catch (const CounterError& e) {
        fail(counter, Status::unsupported, e.what(), "check `ecount doctor`");
        continue;
      }
      accepted.push_back(index);
    }
    if (accepted.empty()) continue;
    auto set = std::make_unique<detail::PapiEventSet>();
    std::optional<std::string> error;
    for (int index : accepted)
      if (!error) error = set->add(counters[index].resolved.canonical);
    if (!error) error = set->probe();
    if (error) {
      for (int index : accepted)
        fail(counters[index], Status::unsupported,
             "PAPI cannot count these together (" + *error + ")", "request fewer PAPI events at once");
      continue;
    }
    const int set_index = static_cast<int>(papi_sets.size());
    for (std::size_t k = 0; k < accepted.size(); ++k) {
      counters[accepted[k]].papi_set = set_index;
      counters[accepted[k]].papi_index = static_cast<int>(k);
    }
    papi_sets.push_back(std::move(set));
  }
}

void CounterSet::Impl::plan_and_open_groups(std::optional<int> pmu_counters) {
  // Ratio inputs, in the priority of the derived metrics.
  auto first_with = [&](Role role) {
    for (std::size_t i = 0; i < counters.size(); ++i)
      if (counters[i].backend == Backend::perf_event && counters[i].resolved.traits.role == role)
        return static_cast<int>(i);
    return -1;
  };
  const std::pair<Role, Role> pairs[] = {{Role::instructions, Role::cycles},
                                         {Role::branch_misses, Role::branches},
                                         {Role::l1d_misses, Role::l1d_accesses},
                                         {Role::l1d_misses, Role::instructions},
                                         {Role::branch_misses, Role::instructions}};
  ratio_pairs.clear();
  for (const auto& [a, b] : pairs) {
    const int ia = first_with(a), ib = first_with(b);
    if (ia >= 0 && ib >= 0) ratio_pairs.emplace_back(ia, ib);
  }

  std::vector<detail::PlannedEvent> events;
  for (std::size_t i = 0; i < counters.size(); ++i) {
    const Counter& counter = counters[i];
    if (counter.backend != Backend::perf_event) continue;
    detail::PlannedEvent event;
    event.id = static_cast<int>(i);
    event.pmu = counter.perf->pmu_key;
    event.software = counter.perf->software;
    event.width = static_cast<int>(counter.perf->terms.size());
    int capacity = pmu_counters.value_or(counter.perf->capacity);
    // On x86 the NMI watchdog keeps one counter for itself.
    if (!pmu_counters && facts->nmi_watchdog.value_or(0) == 1 && capacity > 1) --capacity;
    event.capacity = capacity;
    events.push_back(event);
  }
  if (events.empty()) return;
  const detail::GroupPlan plan = detail::plan_groups(events, ratio_pairs);

  const int pid = options.target_pid;
  const bool inherit = pid != 0;
  auto open_group = [&](const std::vector<int>& members) -> bool {
    std::vector<perf_event_attr> attrs;
    std::vector<std::pair<int, std::vector<int>>> slots;
    for (int id : members) {
      std::vector<int> term_slots;
      for (const perf_event_attr& term : counters[id].perf->terms) {
        term_slots.push_back(static_cast<int>(attrs.size()));
        attrs.push_back(detail::make_attr(term, attrs.empty(), exclude_kernel, inherit));
      }
      slots.emplace_back(id, std::move(term_slots));
    }
    // Software events of the calling thread never compete for a PMU: they
    // may keep counting between regions, which makes start()/stop() one
    // read each instead of an enable and a disable ioctl (see GroupCounting).
    const bool all_software = std::all_of(members.begin(), members.end(), [&](int id) { return counters[id].perf->software; });
    // Hardware groups of the calling thread are read from user space where
    // the kernel allows it (see GroupCounting::user_space), else toggled.
    const bool user_space = !all_software && pid == 0 && options.user_space_reads &&
                            detail::user_space_reads_compiled();
    const detail::GroupCounting counting = all_software && pid == 0 ? detail::GroupCounting::free_running
                                           : user_space             ? detail::GroupCounting::user_space
                                                                    : detail::GroupCounting::toggled;
    if (user_space)
      for (perf_event_attr& attr : attrs) detail::request_user_access(attr);
    auto group = std::make_unique<detail::PerfGroup>(*perf, attrs, pid, inherit, counting);
    if (!group->ok()) return false;
    const int group_index = static_cast<int>(groups.size());
    groups.push_back(std::move(group));
    std::vector<std::string> names;
    for (int id : members) names.push_back(counters[id].resolved.canonical);
    group_members.push_back(std::move(names));
    for (auto& [id, term_slots] : slots) counters[id].perf->placements.emplace_back(group_index, term_slots);
    return true;
  };

  for (const std::vector<int>& members : plan.groups) {
    if (open_group(members)) continue;
    // The kernel refused the group as a whole: give each counter its own.
    if (members.size() > 1) notes.push_back("a planned perf group did not open; its counters were opened one per group");
    for (int id : members) {
      if (counters[id].backend != Backend::perf_event) continue;
      if (!counters[id].perf->placements.empty()) continue;
      if (open_group({id})) continue;
      const int error = [&] {
        std::vector<perf_event_attr> attrs;
        for (const auto& term : counters[id].perf->terms)
          attrs.push_back(detail::make_attr(term, attrs.empty(), exclude_kernel, inherit));
        detail::PerfGroup probe(*perf, attrs, pid, inherit);
        return probe.error();
      }();
      const auto why = detail::explain_open_failure(error, !counters[id].perf->software, counters[id].perf->pmu_name, *facts);
      fail(counters[id], why.no_permission ? Status::no_permission : Status::unsupported, why.reason, why.fix);
    }
  }
  // Counters whose ratio partner sits in another group only.
  for (const auto& [a, b] : ratio_pairs) {
    if (counters[a].backend != Backend::perf_event || counters[b].backend != Backend::perf_event) continue;
    bool shared = false;
    for (const auto& [ga, sa] : counters[a].perf->placements)
      for (const auto& [gb, sb] : counters[b].perf->placements) shared = shared || ga == gb;
    if (!shared)
      notes.push_back("counters " + counters[a].resolved.canonical + " and " + counters[b].resolved.canonical +
                      " could not share a perf group: their ratio mixes two multiplexed groups");
  }
}

void CounterSet::Impl::start_backends() {
  for (auto& set : papi_sets) set->start();
  for (auto& group : groups) group->start();
}

void CounterSet::Impl::stop_backends() {
  for (auto& group : groups) group->stop();
  for (auto& set : papi_sets) set->stop();
}

void CounterSet::Impl::reset_backends() {
  for (auto& group : groups) group->reset();
  for (auto& set : papi_sets) set->reset();
}

void CounterSet::Impl::measure_overhead() {
  if (options.overhead_pairs <= 0) return;
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(options.overhead_pairs));
  for (int i = 0; i < options.overhead_pairs; ++i) {
    const auto begin = std::chrono::steady_clock::now();
    start_backends();
    stop_backends();
    const auto end = std::chrono::steady_clock::now();
    samples.push_back(std::chrono::duration<double, std::nano>(end - begin).count());
  }
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  overhead = samples[samples.size() / 2];
  reset_backends();
}

Reading CounterSet::Impl::read() const {
  Reading reading;
  reading.notes = notes;
  reading.overhead_ns = overhead;

  std::vector<std::optional<detail::GroupSample>> samples(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    detail::GroupSample sample;
    if (groups[g]->read(sample)) samples[g] = std::move(sample);
    GroupTimes times;
    times.members = group_members[g];
    const detail::ReadPaths paths = groups[g]->read_paths();
    times.read_path = paths.user_space == 0    ? "read()"
                      : paths.system_call == 0 ? "user space"
                                               : "user space and read()";
    if (samples[g]) {
      times.read_ok = true;
      times.time_enabled_ns = samples[g]->time_enabled;
      times.time_running_ns = samples[g]->time_running;
    }
    reading.groups.push_back(std::move(times));
  }
  std::vector<std::vector<long long>> papi_values;
  for (const auto& set : papi_sets) papi_values.push_back(set->read());

  // The value of counter c in one of its groups.
  auto value_in = [&](const Counter& c, const std::pair<int, std::vector<int>>& placement)
      -> std::optional<std::pair<detail::ScaledCount, std::optional<std::uint64_t>>> {
    const auto& sample = samples[placement.first];
    if (!sample) return std::nullopt;
    long double combined = 0;
    for (std::size_t t = 0; t < placement.second.size(); ++t)
      combined += static_cast<long double>(c.perf->signs[t]) * sample->values[placement.second[t]];
    if (combined < 0) combined = 0;  // a difference of natives below zero is noise
    std::optional<std::uint64_t> raw;
    if (placement.second.size() == 1) raw = sample->values[placement.second[0]];
    return std::make_pair(detail::scale_count(combined, sample->time_enabled, sample->time_running), raw);
  };

  for (const Counter& c : counters) {
    CounterValue v;
    v.requested = c.resolved.requested;
    v.canonical = c.resolved.canonical;
    v.backend = c.backend;
    v.unit = c.resolved.traits.unit;
    v.reason = c.reason;
    v.fix = c.fix;
    switch (c.backend) {
      case Backend::perf_event: {
        auto got = value_in(c, c.perf->placements.front());
        if (!got) {
          v.status = Status::unsupported;
          v.reason = join_reason(v.reason, "reading its perf group failed");
          break;
        }
        const detail::ScaledCount& scaled = got->first;
        v.status = scaled.status;
        v.value = scaled.value;
        v.running_fraction = scaled.running_fraction;
        if (v.value) v.raw = got->second;
        if (scaled.status == Status::multiplexed) {
          if (!scaled.value) {
            v.reason = join_reason(v.reason, "never scheduled on the PMU during the region (other events or "
                                             "tools held the counters)");
            v.fix = "request fewer hardware counters at once, or stop other profilers";
          } else {
            char percent[32];
            std::snprintf(percent, sizeof percent, "%.1f%%", scaled.running_fraction * 100.0);
            v.reason = join_reason(v.reason, std::string("multiplexed: counted ") + percent +
                                                 " of the time, scaled by enabled/running");
          }
        }
        break;
      }
      case Backend::papi: {
        const long long value = papi_values[c.papi_set][c.papi_index];
        v.status = Status::counted;
        v.value = static_cast<double>(value);
        if (value >= 0) v.raw = static_cast<std::uint64_t>(value);
        v.running_fraction = 1.0;
        break;
      }
      case Backend::simulated:
        v.status = Status::unsupported;  // until merge_simulated brings the counts
        break;
      case Backend::none:
        v.status = c.failure_status;
        break;
    }
    reading.counters.push_back(std::move(v));
  }

  detail::DerivedInputs inputs;
  inputs.counters = &reading.counters;
  for (const Counter& c : counters) inputs.roles.push_back(c.resolved.traits.role);
  inputs.pair_of = [&](int a, int b) -> std::optional<std::pair<double, double>> {
    const Counter& ca = counters[a];
    const Counter& cb = counters[b];
    if (ca.backend != Backend::perf_event || cb.backend != Backend::perf_event) return std::nullopt;
    for (const auto& pa : ca.perf->placements)
      for (const auto& pb : cb.perf->placements) {
        if (pa.first != pb.first) continue;
        auto va = value_in(ca, pa);
        auto vb = value_in(cb, pb);
        if (va && vb && va->first.value && vb->first.value)
          return std::make_pair(*va->first.value, *vb->first.value);
      }
    return std::nullopt;
  };
  reading.derived = detail::compute_derived(inputs);
  return reading;
}

// ------------------------------------------------------------ CounterSet

CounterSet::CounterSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CounterSet::CounterSet(CounterSet&&) noexcept = default;
CounterSet& CounterSet::operator=(CounterSet&&) noexcept = default;
CounterSet::~CounterSet() {
  if (impl_ && impl_->running) {
    try {
      stop();
    } catch (...) {  // a destructor must not throw; the counts are discarded anyway
    }
  }
}

CounterSet CounterSet::open(const std::vector<std::string>& names, const Options& options) {
  return detail::CounterSetAccess::open(names, options, Environment{});
}

CounterSet detail::CounterSetAccess::open(const std::vector<std::string>& names, const Options& options,
                                          const Environment& environment) {
  if (options.overhead_pairs < 0) throw CounterError("Options::overhead_pairs must be >= 0");
  if (options.target_pid < 0) throw CounterError("Options::target_pid must be 0 or a process id");
  auto impl = std::make_unique<CounterSet::Impl>();
  impl->options = options;
  impl->facts = environment.facts ? environment.facts : &system_facts();
  impl->perf = environment.perf ? environment.perf : &linux_perf_event_api();
  impl->exclude_kernel = !impl->facts->may_count_kernel();

  Resolution resolution = resolve_counter_names(names);
  impl->notes = std::move(resolution.notes);
  for (ResolvedCounter& resolved : resolution.counters) {
    Counter counter;
    counter.resolved = std::move(resolved);
    impl->counters.push_back(std::move(counter));
  }
  if (impl->exclude_kernel)
    impl->notes.push_back("kernel-mode work is not counted (perf_event_paranoid = " +
                          (impl->facts->perf_event_paranoid ? std::to_string(*impl->facts->perf_event_paranoid)
                                                            : std::string("unknown")) +
                          ", no CAP_PERFMON)");
  impl->route(environment);
  impl->open_papi(environment.use_papi);
  impl->plan_and_open_groups(environment.pmu_counters);
  // start() and stop() ask this; its one-time set-up (a guarded static, a
  // getenv, the dynamic linker binding both) must not land in the first
  // measured region: on the emulated PMU it added 67 instructions to it.
  (void)detail::callgrind_regions_active();
  impl->measure_overhead();
  return CounterSet(std::move(impl));
}

void CounterSet::start() {
  if (impl_->running) return;
  impl_->running = true;
  impl_->start_backends();
  detail::callgrind_region_begin();  // last: as little of our code as possible in the region
}

void CounterSet::stop() {
  if (!impl_->running) return;
  detail::callgrind_region_end(impl_->options.simulation_region);
  impl_->stop_backends();
  impl_->running = false;
}

void CounterSet::reset() { impl_->reset_backends(); }
void CounterSet::set_simulation_region(std::string name) { impl_->options.simulation_region = std::move(name); }
Reading CounterSet::read() const { return impl_->read(); }

bool CounterSet::needs_simulation() const {
  return std::any_of(impl_->counters.begin(), impl_->counters.end(), [](const Counter& c) { return c.simulate; });
}

double CounterSet::overhead_ns() const { return impl_->overhead; }
const std::vector<std::string>& CounterSet::notes() const { return impl_->notes; }
std::size_t CounterSet::size() const { return impl_->counters.size(); }

}  // namespace engram::counters
