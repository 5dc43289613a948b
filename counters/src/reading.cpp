// The public vocabulary: enum names, errors, Reading lookups, merging of
// simulated counts, and JSON.
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_set>

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
    : CounterListError(unknown_message(name, close_matches, hint)),
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
    // A sum of counts past 2^64 has no raw count (the cast would be undefined).
    c.raw = *value < 18446744073709551616.0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*value))
                                            : std::nullopt;
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

CounterStatuses counter_statuses(const Reading& reading) {
  CounterStatuses out;
  for (const CounterValue& c : reading.counters) {
    out.counters.push_back({c.requested, c.canonical, c.status, c.backend, c.running_fraction, c.reason, c.fix});
  }
  return out;
}

const CounterStatusEntry* CounterStatuses::find(std::string_view counter) const {
  for (const CounterStatusEntry& c : counters) {
    if (c.counter == counter) return &c;
  }
  return nullptr;
}

std::string counter_statuses_json(const CounterStatuses& statuses) {
  nlohmann::json array = nlohmann::json::array();
  for (const CounterStatusEntry& c : statuses.counters) {
    nlohmann::json entry{{"counter", c.counter},
                         {"canonical", c.canonical},
                         {"status", to_string(c.status)},
                         {"backend", to_string(c.backend)},
                         {"running_fraction", c.running_fraction}};
    if (!c.reason.empty()) entry["reason"] = c.reason;
    if (!c.fix.empty()) entry["fix"] = c.fix;
    array.push_back(std::move(entry));
  }
  nlohmann::json root;
  root["schema"] = kCounterStatusesSchema;
  root["version"] = kCounterStatusesVersion;
  root["counters"] = std::move(array);
  return root.dump();
}

std::string statuses_json(const Reading& reading) { return counter_statuses_json(counter_statuses(reading)); }

CounterStatuses counter_statuses_from_json(const io::JsonValue& root) {
  if (!root.is_object()) root.fail("expected a JSON object (counter statuses of bench/baseline --counters)");
  io::check_schema(root, kCounterStatusesSchema, kCounterStatusesVersion);
  static constexpr Status kStatuses[] = {Status::counted, Status::multiplexed, Status::simulated, Status::unsupported,
                                         Status::no_permission};
  static constexpr Backend kBackends[] = {Backend::perf_event, Backend::papi, Backend::simulated, Backend::none};
  CounterStatuses out;
  std::unordered_set<std::string> listed;  // the names so far: a set, not a scan per counter
  for (const io::JsonValue& item : root.at("counters").elements()) {
    CounterStatusEntry c;
    c.counter = item.at("counter").string();
    c.canonical = item.at("canonical").string();
    c.status =
        io::enum_from_names(item.at("status"), kStatuses, [](Status s) { return to_string(s); }, "counter status");
    c.backend = io::enum_from_names(item.at("backend"), kBackends, [](Backend b) { return to_string(b); }, "backend");
    c.running_fraction = item.at("running_fraction").in_range(0, 1);
    c.reason = item.optional_string("reason").value_or("");
    c.fix = item.optional_string("fix").value_or("");
    if (!listed.insert(c.counter).second) item.at("counter").fail("counter \"" + c.counter + "\" listed twice");
    out.counters.push_back(std::move(c));
  }
  return out;
}

CounterStatuses counter_statuses_from_json(std::string_view text, const std::string& source) {
  return counter_statuses_from_json(io::parse_json_text(text, source));
}

}  // namespace engram::counters
