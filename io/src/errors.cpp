#include "engram/io/errors.hpp"

#include <utility>

namespace engram::io {

InputError::InputError(const std::string& message) : std::runtime_error(message), reason_(message) {}

InputError::InputError(std::string source, std::uint64_t line, const std::string& message)
    : std::runtime_error(line > 0 ? source + ":" + std::to_string(line) + ": " + message : source + ": " + message),
      source_(std::move(source)),
      line_(line),
      reason_(message) {}

InputError InputError::with_place(std::string source, std::uint64_t line, const std::string& message) {
  InputError error(message);
  error.source_ = std::move(source);
  error.line_ = line;
  return error;
}

}  // namespace engram::io
