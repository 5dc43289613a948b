#pragma once
// Option values the statistics tools (compare, stability) share. Their exit
// codes, error messages and the rule for numbers are the ones of every tool
// (engram/io/cli.hpp).
#include <string>
#include <string_view>

#include "engram/io/cli.hpp"

namespace engram::benchstats {

inline constexpr io::NumberRange<double> kPercentRange{.min = 0, .max = 100, .max_excluded = true};

// "2", "2.5" or "2%" -> 0.02 / 0.025; throws io::UsageError naming `option`
// unless the value is a number in `range` (in percent).
double parse_percent(const std::string& text, std::string_view option,
                     const io::NumberRange<double>& range = kPercentRange);

}  // namespace engram::benchstats
