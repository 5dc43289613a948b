#pragma once
// PAPI: initialized on first use (it probes every component, which takes
// time), then queried for components, presets and native events. PAPI's own
// claims are data here; what counts is what an event set really starts.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::counters::detail {

struct PapiComponent {
  int index = -1;
  std::string name;
  std::string description;
  bool disabled = false;
  std::string disabled_reason;
  int native_events = 0;
  int preset_events = 0;
  int counters = 0;
};

struct PapiPreset {
  std::string symbol;        // "PAPI_L1_DCM"
  std::string description;
  bool available = false;    // PAPI maps it to native events on this CPU
  std::string derived;       // "NOT_DERIVED", "DERIVED_ADD", "DERIVED_SUB", "DERIVED_POSTFIX", ...
  std::string postfix;
  std::vector<std::string> natives;  // the native events it is made of
};

// Empty when PAPI initialized, else the reason it did not.
const std::string& papi_init_error();

std::vector<PapiComponent> papi_components();
std::optional<PapiComponent> papi_component(std::string_view name);
std::vector<PapiPreset> papi_presets();
std::optional<PapiPreset> papi_preset(std::string_view symbol);  // exact, upper case
// Native event names of one component (base names, no unit masks).
std::vector<std::string> papi_native_names(int component_index);
// "sde:::LIB::COUNTER" of every SDE counter registered in this process.
std::vector<std::string> papi_sde_names();
// The component name owning a native event, or nullopt when PAPI does not
// know the name. Never call this with SDE names: PAPI would create a
// placeholder for an unknown SDE counter.
std::optional<std::string> papi_native_component(std::string_view name);
std::string papi_error_text(int code);

}  // namespace engram::counters::detail
