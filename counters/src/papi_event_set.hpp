#pragma once
// One PAPI event set (PAPI allows one running set per component and thread).
// PAPI restarts counts at every PAPI_start, so start/stop pairs are
// accumulated here.
#include <optional>
#include <string>
#include <vector>

namespace engram::counters::detail {

class PapiEventSet {
 public:
  PapiEventSet();  // throws CounterError when PAPI is unusable
  ~PapiEventSet();
  PapiEventSet(const PapiEventSet&) = delete;
  PapiEventSet& operator=(const PapiEventSet&) = delete;

  // Adds an event by name; returns PAPI's error text on failure.
  std::optional<std::string> add(const std::string& name);
  // Starts and stops the set once: what PAPI claims is checked here.
  std::optional<std::string> probe();
  std::size_t size() const { return names_.size(); }

  void start();  // throws CounterError when PAPI refuses
  void stop();
  void reset();
  std::vector<long long> read() const;  // accumulated, one per added event

 private:
  int handle_;
  bool running_ = false;
  std::vector<std::string> names_;
  std::vector<long long> accumulated_;
};

}  // namespace engram::counters::detail
