#pragma once
// The estimator and why, as the tools print it beside their tables.
#include <fmt/format.h>

#include <string>

#include "engram/benchstats/estimator.hpp"

namespace engram::benchstats::detail {

// Names the estimator once: the default's reason starts with the name ("min:
// the runs were measured on ..."), an explicit choice's does not ("chosen
// with --estimator"), which then reads "min (chosen with --estimator)".
inline std::string estimator_text(const EstimatorChoice& choice) {
  const std::string name(to_string(choice.estimator));
  if (choice.reason.rfind(name + ":", 0) == 0) return choice.reason;
  return choice.reason.empty() ? name : fmt::format("{} ({})", name, choice.reason);
}

}  // namespace engram::benchstats::detail
