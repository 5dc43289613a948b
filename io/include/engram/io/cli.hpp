#pragma once
// What the command-line tools share: exit codes and error reporting.
#include <string>
#include <string_view>

namespace engram::io {

inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;  // an input file is missing or malformed; an output failed
inline constexpr int kExitUsage = 2;     // bad command line

// Prints "TOOL: error: MESSAGE" and a pointer to --help; returns kExitUsage.
int usage_error(std::string_view tool, const std::string& message);
// Call inside a catch block: prints the current exception as "TOOL: error: ..."
// (InputError already names the file and line) and returns kExitBadInput.
int report_current_exception(std::string_view tool);
void warn(std::string_view tool, const std::string& message);

}  // namespace engram::io
