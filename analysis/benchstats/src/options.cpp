#include "engram/benchstats/options.hpp"

namespace engram::benchstats {

double parse_percent(const std::string& text, std::string_view option, const io::NumberRange<double>& range) {
  const std::string_view number = text.ends_with('%') ? std::string_view(text).substr(0, text.size() - 1) : text;
  return io::parse_number(option, number, range) / 100;
}

}  // namespace engram::benchstats
