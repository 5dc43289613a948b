#include "papi_event_set.hpp"

#include <papi.h>

#include <algorithm>

#include "engram/counters.hpp"
#include "papi_catalog.hpp"

namespace engram::counters::detail {

PapiEventSet::PapiEventSet() : handle_(PAPI_NULL) {
  if (const std::string& error = papi_init_error(); !error.empty()) throw CounterError(error);
  const int rc = PAPI_create_eventset(&handle_);
  if (rc != PAPI_OK) throw CounterError("PAPI_create_eventset failed: " + papi_error_text(rc));
}

PapiEventSet::~PapiEventSet() {
  if (running_) {
    std::vector<long long> ignored(names_.size() + 1);
    PAPI_stop(handle_, ignored.data());
  }
  PAPI_cleanup_eventset(handle_);
  PAPI_destroy_eventset(&handle_);
}

std::optional<std::string> PapiEventSet::add(const std::string& name) {
  const int rc = PAPI_add_named_event(handle_, name.c_str());
  if (rc != PAPI_OK) return "PAPI cannot add " + name + ": " + papi_error_text(rc);
  names_.push_back(name);
  accumulated_.push_back(0);
  return std::nullopt;
}

std::optional<std::string> PapiEventSet::probe() {
  if (names_.empty()) return std::nullopt;
  int rc = PAPI_start(handle_);
  if (rc != PAPI_OK) return "PAPI_start failed: " + papi_error_text(rc);
  std::vector<long long> values(names_.size());
  rc = PAPI_stop(handle_, values.data());
  if (rc != PAPI_OK) return "PAPI_stop failed: " + papi_error_text(rc);
  return std::nullopt;
}

void PapiEventSet::start() {
  if (running_ || names_.empty()) return;
  const int rc = PAPI_start(handle_);
  if (rc != PAPI_OK) throw CounterError("PAPI_start failed: " + papi_error_text(rc) +
                                        " (PAPI runs one event set per component and thread)");
  running_ = true;
}

void PapiEventSet::stop() {
  if (!running_) return;
  std::vector<long long> values(names_.size());
  const int rc = PAPI_stop(handle_, values.data());
  running_ = false;
  if (rc != PAPI_OK) throw CounterError("PAPI_stop failed: " + papi_error_text(rc));
  for (std::size_t i = 0; i < values.size(); ++i) accumulated_[i] += values[i];
}

void PapiEventSet::reset() {
  std::fill(accumulated_.begin(), accumulated_.end(), 0);
  if (running_) PAPI_reset(handle_);
}

std::vector<long long> PapiEventSet::read() const {
  std::vector<long long> out = accumulated_;
  if (running_) {
    std::vector<long long> now(names_.size());
    if (PAPI_read(handle_, now.data()) == PAPI_OK)
      for (std::size_t i = 0; i < now.size(); ++i) out[i] += now[i];
  }
  return out;
}

}  // namespace engram::counters::detail
