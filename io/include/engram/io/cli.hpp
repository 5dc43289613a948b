#pragma once
// What every command-line tool shares: one exit-code table, option parsing
// and error reporting. A script (or a CI step) can then tell "the job could
// not be done" from "it was asked wrongly" from a tool's own verdict the same
// way for every tool, and every tool's --help prints the same table.
#include <boost/program_options.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace engram::io {

// The exit-code table (README.md "Exit codes"; exit_codes_help() prints it):
inline constexpr int kExitOk = 0;  // the job was done
// The job could not be done: an output could not be written, a needed
// program is missing or failed, a measurement failed.
inline constexpr int kExitFailure = 1;
// Bad usage or bad input: an unknown option, a bad value, a missing,
// unreadable or malformed input file. Nothing was written.
inline constexpr int kExitBadInput = 2;
// 3 and up: a tool's own verdicts about a job that was done (compare: 3 a
// regression, 4 inconclusive; ratios --check and stability
// --fail-on-unstable: 3 a target or the criterion was missed).
inline constexpr int kExitFirstVerdict = 3;

// A bad command line found after parsing (a missing argument, a value out of
// range): exit 2, with a pointer to --help.
class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// One tool-specific exit code (3 and up), for the --help table.
struct ExitVerdict {
  int code;
  std::string_view meaning;
};

// The table as --help text ("Exit codes:" and one line per code), ending
// with the tool's own verdicts. Written once here so that no tool restates it.
std::string exit_codes_help(std::initializer_list<ExitVerdict> verdicts = {});

// Parses argv against `options`. Every non-option argument goes to
// `arguments`; without `arguments`, a non-option argument is an error.
// Throws boost::program_options::error on a bad command line.
boost::program_options::variables_map parse_options(int argc, const char* const* argv,
                                                    const boost::program_options::options_description& options,
                                                    std::vector<std::string>* arguments = nullptr);

// Numeric option values: one rule and one message for every tool. The value
// is read strictly -- the whole text, decimal, no sign for an unsigned type
// (Boost would wrap "-1" around to 2^64-1), no fraction or exponent for a
// whole number, finite for a double -- and must lie in its range. Anything
// else is a usage error (exit 2) that names the option, the range and what
// was given, in the JSON layer's words:
//   "--seed: expected a whole number in [0, 2^64-1], found -1"
//   "--alpha: expected a number in (0, 1), found nan"
template <typename T>
struct NumberRange {
  T min;
  T max;
  bool min_excluded = false;
  bool max_excluded = false;
};

// Any 64-bit value: seeds.
inline constexpr NumberRange<std::uint64_t> kAnyUint64{0, std::numeric_limits<std::uint64_t>::max()};

// The rule itself: `text` as a T in `range`, or nothing with `complaint` set
// to "expected ... in RANGE, found TEXT". For int, long, long long, their
// unsigned twins and double.
template <typename T>
std::optional<T> read_number(std::string_view text, const NumberRange<T>& range, std::string& complaint);

// For a value that does not go through Boost.Program_options (a flag passed
// on to another library): throws UsageError "OPTION: COMPLAINT".
template <typename T>
T parse_number(std::string_view option, std::string_view text, const NumberRange<T>& range) {
  std::string complaint;
  const std::optional<T> value = read_number(text, range, complaint);
  if (!value) throw UsageError(std::string(option) + ": " + complaint);
  return *value;
}

// The Boost.Program_options value of a numeric option: declare it with
// number_value(&target, {min, max}) (or number_value<T>({min, max}) to read
// it from the variables_map) instead of po::value. A bad value is a
// boost::program_options::error in which Boost puts the option's name.
template <typename T>
class NumberValue : public boost::program_options::typed_value<T> {
 public:
  NumberValue(T* target, const NumberRange<T>& range) : boost::program_options::typed_value<T>(target), range_(range) {}

  void xparse(boost::any& value, const std::vector<std::string>& tokens) const override {
    std::string complaint;
    const std::optional<T> number = read_number(tokens.empty() ? std::string_view() : tokens.front(), range_, complaint);
    if (!number) throw boost::program_options::error_with_option_name("%canonical_option%: " + complaint);
    value = *number;
  }

 private:
  NumberRange<T> range_;
};

template <typename T>
NumberValue<T>* number_value(T* target, const NumberRange<T>& range) {
  return new NumberValue<T>(target, range);  // owned by the options_description, as po::value's
}
template <typename T>
NumberValue<T>* number_value(const NumberRange<T>& range) {
  return new NumberValue<T>(nullptr, range);
}

// A tool's main: runs `body` and returns what it returns; what it throws is
// printed as "TOOL: error: MESSAGE" and mapped to the table:
//   boost::program_options::error, std::invalid_argument (UsageError)
//                      -> 2, followed by "Try 'TOOL --help'."
//   io::InputError     -> 2 (the message names the file and the place)
//   other exceptions   -> 1
int run_tool(std::string_view tool, const std::function<int()>& body);

// For tools that return early instead of throwing: prints
// "TOOL: error: MESSAGE" and "Try 'TOOL --help'."; returns kExitBadInput.
int usage_error(std::string_view tool, const std::string& message);
// Call inside a catch block: prints the current exception as run_tool does
// and returns its code.
int report_current_exception(std::string_view tool);
void warn(std::string_view tool, const std::string& message);

}  // namespace engram::io
