#pragma once
// What the statistics tools (compare, stability, ratios) share on the command
// line. Their exit code for a bad command line is 1, like bad input, because
// compare gives 2 and 3 their own meanings (regression, inconclusive).
#include <string>
#include <string_view>

namespace engram::benchstats {

inline constexpr int kStatsExitBadInput = 1;

// Prints "TOOL: error: MESSAGE" and a pointer to --help; returns 1.
int stats_usage_error(std::string_view tool, const std::string& message);

// "2", "2.5" or "2%" -> 0.02 / 0.025; throws std::invalid_argument naming
// `option` unless the value is a number in [0, 100).
double parse_percent(const std::string& text, std::string_view option);

}  // namespace engram::benchstats
