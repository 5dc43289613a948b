#include "engram/io/cli.hpp"

#include <exception>
#include <iostream>

namespace engram::io {

int usage_error(std::string_view tool, const std::string& message) {
  std::cerr << tool << ": error: " << message << "\nTry '" << tool << " --help'.\n";
  return kExitUsage;
}

int report_current_exception(std::string_view tool) {
  try {
    throw;
  } catch (const std::exception& error) {
    std::cerr << tool << ": error: " << error.what() << "\n";
  } catch (...) {
    std::cerr << tool << ": error: unknown failure\n";
  }
  return kExitBadInput;
}

void warn(std::string_view tool, const std::string& message) {
  std::cerr << tool << ": warning: " << message << "\n";
}

}  // namespace engram::io
