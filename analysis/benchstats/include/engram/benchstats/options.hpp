#pragma once
// Option values the statistics tools (compare, stability) share. Their exit
// codes and error messages are the ones of every tool (engram/io/cli.hpp).
#include <string>
#include <string_view>

namespace engram::benchstats {

// "2", "2.5" or "2%" -> 0.02 / 0.025; throws std::invalid_argument naming
// `option` unless the value is a number in [0, 100).
double parse_percent(const std::string& text, std::string_view option);

}  // namespace engram::benchstats
