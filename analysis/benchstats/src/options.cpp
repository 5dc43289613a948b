#include "engram/benchstats/options.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace engram::benchstats {

double parse_percent(const std::string& text, std::string_view option) {
  std::string number = text;
  if (!number.empty() && number.back() == '%') number.pop_back();
  std::size_t used = 0;
  double value = NAN;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != number.size() || !(value >= 0 && value < 100)) {
    throw std::invalid_argument(fmt::format("{} expects a percentage in [0, 100), got '{}'", option, text));
  }
  return value / 100;
}

}  // namespace engram::benchstats
