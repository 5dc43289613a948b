// The public vocabulary: enum names, errors, Reading lookups, merging of
// simulated counts, and JSON.
#include <nlohmann/json.hpp>

#include "counter_set_internal.hpp"
#include "resolver.hpp"
#include "text.hpp"

namespace engram::counters {
namespace {

std::string unknown_message(const std::string& name, const std::vector<std::string>& matches, const std::string& hint) {
  std::string message = "unknown counter '" + name + "'";
  if (!hint.empty()) message += " (" + hint + ")";
  if (matches.empty())
    message += "; no close matches (`ecount list` shows every name)";
  else
    message += "; close matches: " + detail::join(matches, ", ");
  return message;
}

bool same_counter_name(std::string_view a, std::string_view b) {
  if (detail::iequals(a, b)) return true;
  auto strip = [](std::string_view s) { return detail::istarts_with(s, "PAPI_") ? s.substr(5) : s; };
  return detail::iequals(strip(a), strip(b)) && a.find("::") == std::string_view::npos;
}

}  // namespace

UnknownCounterError::UnknownCounterError(std::string name, std::vector<std::string> close_matches, std::string hint)
    : CounterError(unknown_message(name, close_matches, hint)),
      name_(std::move(name)),
      close_matches_(std::move(close_matches)) {}

std::string_view to_string(Backend backend) {
  switch (backend) {
    case Backend::perf_event: return "perf_event";
    case Backend::papi: return "papi";
    case Backend::simulated: return "simulated";
    case Backend::none: return "none";
  }
  return "none";
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::counted: return "counted";
    case Status::multiplexed: return "multiplexed";
    case Status::simulated: return "simulated";
    case Status::unsupported: return "unsupported";
    case Status::no_permission: return "no_permission";
  }
  return "unsupported";
}

std::string_view to_string(SimulationMode mode) {
  switch (mode) {
    case SimulationMode::automatic: return "auto";
    case SimulationMode::never: return "never";
    case SimulationMode::only: return "only";
  }
  return "auto";
}

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::ok: return "ok";
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::problem: return "problem";
  }
  return "info";
}

SimulationMode parse_simulation_mode(std::string_view text) {
  if (detail::iequals(text, "auto") || detail::iequals(text, "automatic")) return SimulationMode::automatic;
  if (detail::iequals(text, "never")) return SimulationMode::never;
  if (detail::iequals(text, "only")) return SimulationMode::only;
  throw CounterError("unknown simulation mode '" + std::string(text) + "': use auto, never or only");
}

const CounterValue* Reading::find(std::string_view name) const {
  for (const CounterValue& c : counters)
    if (same_counter_name(c.requested, name) || same_counter_name(c.canonical, name)) return &c;
  return nullptr;
}

const DerivedMetric* Reading::find_derived(std::string_view name) const {
  for (const DerivedMetric& d : derived)
    if (detail::iequals(d.name, name)) return &d;
  return nullptr;
}

void Reading::merge_simulated(const CallgrindCounts& counts) {
  bool changed = false;
  for (CounterValue& c : counters) {
    if (c.backend != Backend::simulated) continue;
    const detail::ResolvedCounter resolved = detail::resolve_counter_name(c.canonical);
    if (!resolved.traits.simulation) continue;
    auto value = detail::simulate(*resolved.traits.simulation, counts);
    if (!value) {
      c.reason = "callgrind counts lack an event of " + resolved.traits.simulation->formula();
      continue;
    }
    c.value = value;
    c.raw = static_cast<std::uint64_t>(*value);
    c.status = Status::simulated;
    c.running_fraction = 1.0;
    c.reason = "simulated by callgrind: " + resolved.traits.simulation->formula() +
               (counts.region.empty() ? std::string() : " (region " + counts.region + ")");
    c.fix.clear();
    changed = true;
  }
  if (!changed) return;
  detail::DerivedInputs inputs;
  inputs.counters = &counters;
  for (const CounterValue& c : counters) inputs.roles.push_back(detail::role_of_canonical(c.canonical));
  std::vector<DerivedMetric> recomputed = detail::compute_derived(inputs);
  // Only the metrics with a simulated input change; the others keep their
  // group-consistent values.
  for (std::size_t i = 0; i < recomputed.size() && i < derived.size(); ++i) {
    bool uses_simulated = false;
    for (std::size_t k = 0; k < counters.size(); ++k)
      if (counters[k].backend == Backend::simulated && recomputed[i].formula.find(counters[k].canonical) != std::string::npos)
        uses_simulated = true;
    if (uses_simulated) derived[i] = recomputed[i];
  }
  if (derived.empty()) derived = std::move(recomputed);
}

void to_json(nlohmann::json& out, const CounterValue& c) {
  out = nlohmann::json{{"requested", c.requested},
                       {"canonical", c.canonical},
                       {"backend", to_string(c.backend)},
                       {"status", to_string(c.status)},
                       {"value", c.value ? nlohmann::json(*c.value) : nlohmann::json(nullptr)},
                       {"raw", c.raw ? nlohmann::json(*c.raw) : nlohmann::json(nullptr)},
                       {"running_fraction", c.running_fraction},
                       {"unit", c.unit},
                       {"reason", c.reason},
                       {"fix", c.fix}};
}

void to_json(nlohmann::json& out, const DerivedMetric& d) {
  out = nlohmann::json{{"name", d.name},
                       {"value", d.value ? nlohmann::json(*d.value) : nlohmann::json(nullptr)},
                       {"formula", d.formula},
                       {"reason", d.reason}};
}

void to_json(nlohmann::json& out, const GroupTimes& g) {
  out = nlohmann::json{{"members", g.members}, {"read_path", g.read_path}};
  if (g.read_ok) {
    out["time_enabled_ns"] = g.time_enabled_ns;
    out["time_running_ns"] = g.time_running_ns;
  } else {  // an unread group has no times, not times of 0
    out["time_enabled_ns"] = nullptr;
    out["time_running_ns"] = nullptr;
  }
}

void to_json(nlohmann::json& out, const Reading& r) {
  out = nlohmann::json{{"counters", r.counters}, {"derived", r.derived}, {"groups", r.groups},
                       {"notes", r.notes},       {"overhead_ns", r.overhead_ns}};
}

std::string statuses_json(const Reading& reading) {
  nlohmann::json array = nlohmann::json::array();
  for (const CounterValue& c : reading.counters) {
    nlohmann::json entry{{"counter", c.requested},
                         {"canonical", c.canonical},
                         {"status", to_string(c.status)},
                         {"backend", to_string(c.backend)},
                         {"running_fraction", c.running_fraction}};
    if (!c.reason.empty()) entry["reason"] = c.reason;
    if (!c.fix.empty()) entry["fix"] = c.fix;
    array.push_back(std::move(entry));
  }
  return array.dump();
}

}  // namespace engram::counters
