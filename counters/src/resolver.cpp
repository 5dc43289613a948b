#include "resolver.hpp"

#include <papi.h>

#include <cctype>
#include <cstdio>
#include <set>
#include <utility>

#include "engram/counters.hpp"
#include "text.hpp"

namespace engram::counters::detail {
namespace {

static_assert(kMaxCounterNameLength == PAPI_HUGE_STR_LEN - 1, "the bound is PAPI's name buffer");

// A name PAPI or libpfm4 may safely see: not longer than their buffers, and,
// once trimmed, printable ASCII (every event name is; a control byte or a
// NUL, which c_str() would cut the name at, is a mistake or an attack).
void check_counter_name(const std::string& raw_name) {
  if (raw_name.size() > kMaxCounterNameLength) {
    throw CounterListError("counter name of " + std::to_string(raw_name.size()) + " characters ('" +
                           raw_name.substr(0, 32) + "...'): longer than the " + std::to_string(kMaxCounterNameLength) +
                           " PAPI and libpfm4 accept");
  }
  const std::string name = trim(raw_name);
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto byte = static_cast<unsigned char>(name[i]);
    if (byte < 0x20 || byte > 0x7e) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", byte);
      throw CounterListError("counter name has a byte that is not printable ASCII (" + std::string(hex) +
                             " at position " + std::to_string(i + 1) + "): event names are printable ASCII");
    }
  }
}

std::string perf_key(const perf_event_attr& attr) {
  return "perf:" + std::to_string(attr.type) + ":" + std::to_string(attr.config) + ":" +
         std::to_string(attr.config1) + ":" + std::to_string(attr.config2) +
         (attr.exclude_kernel ? ":u" : "") + (attr.exclude_user ? ":k" : "");
}

void set_pfm(ResolvedCounter& counter, PfmEvent event) {
  counter.canonical = event.canonical;
  counter.dedup_key = perf_key(event.attr);
  if (counter.description.empty()) counter.description = event.description;
  counter.traits = traits_of_perf(PerfIdentity{event.attr.type, event.attr.config});
  counter.pfm = std::move(event);
}

std::optional<ResolvedCounter> resolve_sde(const std::string& name) {
  // PAPI creates a placeholder for any SDE name it is asked about, so match
  // against the registered counters only, case-insensitively.
  for (const std::string& registered : papi_sde_names()) {
    if (!iequals(registered, name)) continue;
    ResolvedCounter counter;
    counter.kind = NameKind::sde;
    counter.canonical = registered;
    counter.papi_component = "sde";
    counter.dedup_key = "sde:" + registered;
    counter.description = "software defined event";
    return counter;
  }
  return std::nullopt;
}

std::optional<ResolvedCounter> resolve_preset(const std::string& name) {
  std::string symbol = to_upper(name);
  if (auto alias = preset_alias(symbol)) symbol = *alias;
  if (!istarts_with(symbol, "PAPI_")) symbol = "PAPI_" + symbol;
  auto preset = papi_preset(symbol);
  if (!preset) return std::nullopt;
  ResolvedCounter counter;
  counter.kind = NameKind::papi_preset;
  counter.canonical = preset->symbol;
  counter.description = preset->description;
  counter.dedup_key = "preset:" + preset->symbol;
  counter.traits = traits_of_preset(preset->symbol);
  counter.preset = std::move(preset);
  return counter;
}

// A perf-style generic name, optionally with perf's privilege-level modifier:
// "instructions:u" counts user mode only, "cycles:k" kernel mode only.
std::pair<const GenericName*, std::string> generic_with_privilege(const std::string& name) {
  if (const GenericName* generic = find_generic_name(name)) return {generic, ""};
  if (name.size() > 2 && name[name.size() - 2] == ':') {
    const char level = static_cast<char>(std::tolower(static_cast<unsigned char>(name.back())));
    if (level == 'u' || level == 'k')
      if (const GenericName* generic = find_generic_name(name.substr(0, name.size() - 2)))
        return {generic, level == 'u' ? ":u" : ":k"};
  }
  return {nullptr, ""};
}

}  // namespace

std::string_view to_string(NameKind kind) {
  switch (kind) {
    case NameKind::perf_generic: return "perf generic";
    case NameKind::papi_preset: return "PAPI preset";
    case NameKind::pfm: return "libpfm4";
    case NameKind::papi_native: return "PAPI native";
    case NameKind::sde: return "SDE";
  }
  return "?";
}

std::vector<std::string> resolvable_names() {
  std::vector<std::string> names;
  for (const GenericName& generic : generic_names()) names.emplace_back(generic.name);
  for (const PapiPreset& preset : papi_presets()) {
    names.push_back(preset.symbol);
    names.push_back(preset.symbol.substr(5));
  }
  names.emplace_back("LL_MISSES");
  for (std::string& name : pfm_event_names()) names.push_back(std::move(name));
  for (std::string& name : papi_sde_names()) names.push_back(std::move(name));
  for (const PapiComponent& component : papi_components()) {
    if (component.disabled || component.name == "perf_event" || component.name == "sde") continue;
    for (std::string& name : papi_native_names(component.index)) names.push_back(std::move(name));
  }
  return names;
}

ResolvedCounter resolve_counter_name(const std::string& raw_name) {
  check_counter_name(raw_name);
  const std::string name = trim(raw_name);
  if (name.empty()) throw CounterListError("empty counter name in the list");

  std::optional<ResolvedCounter> found;
  if (istarts_with(name, "sde:::")) {
    found = resolve_sde(name);
  } else if (const auto [generic, privilege] = generic_with_privilege(name); generic) {
    if (auto event = pfm_encode(std::string(generic->pfm_name) + privilege)) {
      ResolvedCounter counter;
      counter.kind = NameKind::perf_generic;
      counter.description = std::string(generic->description);
      set_pfm(counter, std::move(*event));
      found = std::move(counter);
    }
  }
  if (!found && !istarts_with(name, "sde:::") && name.find("::") == std::string::npos) found = resolve_preset(name);
  if (!found && !istarts_with(name, "sde:::")) {
    if (auto event = pfm_encode(name)) {
      ResolvedCounter counter;
      counter.kind = NameKind::pfm;
      set_pfm(counter, std::move(*event));
      found = std::move(counter);
    } else if (auto component = papi_native_component(name)) {
      ResolvedCounter counter;
      counter.kind = NameKind::papi_native;
      counter.canonical = name;
      counter.papi_component = *component;
      counter.dedup_key = "papi:" + to_lower(name);
      found = std::move(counter);
    }
  }
  if (!found) {
    std::string hint;
    if (istarts_with(name, "sde:::")) {
      const auto sde = papi_component("sde");
      hint = !sde ? "PAPI has no sde component"
             : sde->disabled
                 ? "PAPI's sde component is disabled (" + sde->disabled_reason +
                       "): no library in this process registered SDE counters"
                 : "SDE counters exist only once a library of this process registered them";
    }
    if (auto problem = pfm_encoding_problem(name))
      throw CounterListError("counter '" + name + "': " + *problem);
    throw UnknownCounterError(name, close_matches(name, resolvable_names()), hint);
  }
  found->requested = name;
  return std::move(*found);
}

Resolution resolve_counter_names(const std::vector<std::string>& names) {
  if (names.empty()) throw CounterListError("no counters requested: give at least one counter name");
  // Every name is checked before any is resolved: PAPI or libpfm4 sees none
  // of a list that holds a bad one.
  for (const std::string& name : names) check_counter_name(name);
  Resolution resolution;
  for (const std::string& name : names) {
    ResolvedCounter counter = resolve_counter_name(name);
    // The same counter twice is refused rather than merged: merged, the
    // second spelling's column would be missing from the results, and a
    // tool that does not print notes would drop it without a word.
    for (const ResolvedCounter& kept : resolution.counters) {
      if (kept.dedup_key != counter.dedup_key) continue;
      throw CounterListError("counter '" + counter.requested + "' is listed twice" +
                             (kept.requested == counter.requested
                                  ? std::string()
                                  : " (the same counter as '" + kept.requested + "', " + kept.canonical + ")") +
                             ": give each counter once");
    }
    resolution.counters.push_back(std::move(counter));
  }
  return resolution;
}

}  // namespace engram::counters::detail
