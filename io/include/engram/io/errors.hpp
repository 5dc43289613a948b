#pragma once
// The one error type for bad input: a file that is missing, unreadable, empty,
// too large or malformed, or a value that cannot be used. The message starts
// with the file's name and says where: "FILE:LINE: ..." for line-based text,
// "FILE:LINE:COLUMN" for JSON syntax, "FILE: /json/pointer: ..." for content.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace engram::io {

class InputError : public std::runtime_error {
 public:
  // A message that already names the file and the place.
  explicit InputError(const std::string& message);
  // "SOURCE:LINE: MESSAGE", or "SOURCE: MESSAGE" when line is 0 (a problem
  // not tied to one line: empty input, a file that cannot be opened).
  InputError(std::string source, std::uint64_t line, const std::string& message);

  // A message already formatted with its place (a JSON syntax error's
  // "SOURCE:LINE:COLUMN (byte N): ..."), keeping source and line for callers.
  static InputError with_place(std::string source, std::uint64_t line, const std::string& message);

  const std::string& source() const noexcept { return source_; }  // empty for the first form
  std::uint64_t line() const noexcept { return line_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string source_;
  std::uint64_t line_ = 0;
  std::string reason_;
};

}  // namespace engram::io
