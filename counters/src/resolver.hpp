#pragma once
// Name resolution: every accepted spelling of a counter becomes one resolved
// counter with a canonical name and the encodings its backends need.
// The same counter twice (under two spellings) is refused.
#include <optional>
#include <string>
#include <vector>

#include "catalog.hpp"
#include "papi_catalog.hpp"
#include "pfm_catalog.hpp"

namespace engram::counters::detail {

enum class NameKind {
  perf_generic,  // "cycles", "task-clock", ...
  papi_preset,   // "PAPI_L1_DCM" or "L1_DCM"
  pfm,           // a libpfm4 name (also PAPI's perf_event natives)
  papi_native,   // a native event only PAPI knows (another component)
  sde,           // "sde:::LIB::COUNTER"
};
std::string_view to_string(NameKind kind);

struct ResolvedCounter {
  std::string requested;
  std::string canonical;
  NameKind kind = NameKind::pfm;
  std::string description;
  std::optional<PfmEvent> pfm;        // perf_generic and pfm kinds
  std::optional<PapiPreset> preset;   // papi_preset kind
  std::string papi_component;         // papi_native and sde kinds
  std::string dedup_key;              // equal keys = the same counter
  CounterTraits traits;
};

struct Resolution {
  std::vector<ResolvedCounter> counters;
  std::vector<std::string> notes;
};

// Throws UnknownCounterError (with close matches) for a name nothing knows,
// CounterListError for an empty list, an empty, too long or unprintable name,
// or a counter listed twice. Names are checked before PAPI or libpfm4 sees them.
Resolution resolve_counter_names(const std::vector<std::string>& names);
ResolvedCounter resolve_counter_name(const std::string& name);

// Every name worth suggesting: generic names, presets (both spellings), our
// aliases, libpfm4 events of present PMUs, registered SDE counters.
std::vector<std::string> resolvable_names();

}  // namespace engram::counters::detail
