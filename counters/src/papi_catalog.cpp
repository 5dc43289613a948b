#include "papi_catalog.hpp"

#include <papi.h>
#include <pthread.h>

#include <mutex>

#include "text.hpp"

namespace engram::counters::detail {
namespace {

std::mutex& papi_mutex() {
  static std::mutex mutex;
  return mutex;
}

unsigned long thread_id() { return static_cast<unsigned long>(pthread_self()); }

const std::string& init_once() {
  static const std::string error = [] {
    const int rc = PAPI_library_init(PAPI_VER_CURRENT);
    if (rc != PAPI_VER_CURRENT)
      return rc > 0 ? std::string("PAPI version mismatch: the library is not the one this program was built with")
                    : "PAPI_library_init failed: " + std::string(PAPI_strerror(rc));
    // Event sets are per thread; PAPI needs to tell threads apart.
    const int thread_rc = PAPI_thread_init(&thread_id);
    if (thread_rc != PAPI_OK) return "PAPI_thread_init failed: " + std::string(PAPI_strerror(thread_rc));
    return std::string();
  }();
  return error;
}

PapiPreset preset_from_info(const PAPI_event_info_t& info) {
  PapiPreset preset;
  preset.symbol = info.symbol;
  preset.description = info.long_descr[0] ? info.long_descr : info.short_descr;
  preset.available = info.count > 0;
  preset.derived = info.derived;
  preset.postfix = info.postfix;
  for (unsigned i = 0; i < info.count && i < PAPI_MAX_INFO_TERMS; ++i) preset.natives.emplace_back(info.name[i]);
  return preset;
}

}  // namespace

std::string papi_error_text(int code) { return PAPI_strerror(code) ? PAPI_strerror(code) : "unknown PAPI error"; }

const std::string& papi_init_error() {
  std::lock_guard lock(papi_mutex());
  return init_once();
}

std::vector<PapiComponent> papi_components() {
  std::lock_guard lock(papi_mutex());
  std::vector<PapiComponent> out;
  if (!init_once().empty()) return out;
  const int count = PAPI_num_components();
  for (int index = 0; index < count; ++index) {
    const PAPI_component_info_t* info = PAPI_get_component_info(index);
    if (!info) continue;
    PapiComponent component;
    component.index = index;
    component.name = info->name;
    component.description = info->description;
    component.disabled = info->disabled != 0;
    component.disabled_reason = info->disabled_reason;
    component.native_events = info->num_native_events;
    component.preset_events = info->num_preset_events;
    component.counters = info->num_cntrs;
    out.push_back(std::move(component));
  }
  return out;
}

std::optional<PapiComponent> papi_component(std::string_view name) {
  for (PapiComponent& component : papi_components())
    if (component.name == name) return component;
  return std::nullopt;
}

std::vector<PapiPreset> papi_presets() {
  std::lock_guard lock(papi_mutex());
  // Preset definitions are fixed once PAPI is initialized: list them once.
  static std::optional<std::vector<PapiPreset>> cached;
  if (cached) return *cached;
  std::vector<PapiPreset> out;
  if (!init_once().empty()) return out;
  int code = PAPI_PRESET_MASK;
  if (PAPI_enum_event(&code, PAPI_ENUM_FIRST) != PAPI_OK) return out;
  do {
    PAPI_event_info_t info;
    if (PAPI_get_event_info(code, &info) == PAPI_OK && info.symbol[0]) out.push_back(preset_from_info(info));
  } while (PAPI_enum_event(&code, PAPI_ENUM_EVENTS) == PAPI_OK);
  cached = out;
  return out;
}

std::optional<PapiPreset> papi_preset(std::string_view symbol) {
  for (PapiPreset& preset : papi_presets())
    if (preset.symbol == symbol) return preset;
  return std::nullopt;
}

std::vector<std::string> papi_native_names(int component_index) {
  std::lock_guard lock(papi_mutex());
  std::vector<std::string> out;
  if (!init_once().empty()) return out;
  int code = PAPI_NATIVE_MASK;
  if (PAPI_enum_cmp_event(&code, PAPI_ENUM_FIRST, component_index) != PAPI_OK) return out;
  do {
    char name[PAPI_MAX_STR_LEN] = {};
    if (PAPI_event_code_to_name(code, name) == PAPI_OK && name[0]) out.emplace_back(name);
  } while (PAPI_enum_cmp_event(&code, PAPI_ENUM_EVENTS, component_index) == PAPI_OK);
  return out;
}

std::vector<std::string> papi_sde_names() {
  const auto sde = papi_component("sde");
  if (!sde || sde->disabled) return {};
  return papi_native_names(sde->index);
}

std::optional<std::string> papi_native_component(std::string_view name) {
  if (istarts_with(name, "sde:::")) return std::nullopt;
  std::lock_guard lock(papi_mutex());
  if (!init_once().empty()) return std::nullopt;
  std::string text(name);
  int code = 0;
  if (PAPI_event_name_to_code(text.c_str(), &code) != PAPI_OK) return std::nullopt;
  if ((code & PAPI_PRESET_MASK) != 0 && (code & PAPI_NATIVE_MASK) == 0) return std::nullopt;
  const PAPI_component_info_t* info = PAPI_get_component_info(PAPI_get_event_component(code));
  if (!info) return std::nullopt;
  return std::string(info->name);
}

}  // namespace engram::counters::detail
