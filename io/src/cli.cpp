#include "engram/io/cli.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <exception>
#include <iostream>
#include <sstream>
#include <system_error>
#include <type_traits>

#include "engram/io/errors.hpp"

namespace engram::io {

std::string exit_codes_help(std::initializer_list<ExitVerdict> verdicts) {
  std::ostringstream out;
  out << "Exit codes:\n"
         "  0  ok\n"
         "  1  failure: the job could not be done (an output could not be written, a needed\n"
         "     program is missing or failed)\n"
         "  2  bad usage or bad input (unknown option, bad value, missing or malformed input\n"
         "     file)\n";
  for (const ExitVerdict& verdict : verdicts) out << "  " << verdict.code << "  " << verdict.meaning << "\n";
  return out.str();
}

boost::program_options::variables_map parse_options(int argc, const char* const* argv,
                                                    const boost::program_options::options_description& options,
                                                    std::vector<std::string>* arguments) {
  namespace po = boost::program_options;
  // A hidden option collects the non-option arguments; without `arguments`
  // it is not declared, so that a stray word is an error, not ignored.
  static constexpr const char* kArguments = "engram-arguments";
  po::options_description all;
  all.add(options);
  po::positional_options_description positional;
  if (arguments != nullptr) {
    po::options_description hidden;
    hidden.add_options()(kArguments, po::value<std::vector<std::string>>());
    all.add(hidden);
    positional.add(kArguments, -1);
  }
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (arguments != nullptr) {
    arguments->clear();
    if (vm.count(kArguments)) *arguments = vm[kArguments].as<std::vector<std::string>>();
  }
  return vm;
}

namespace {

// A range's end as people write it: 2^64-1, not 18446744073709551615.
template <typename T>
std::string limit_text(T limit) {
  if constexpr (std::is_integral_v<T>) {
    constexpr int bits = std::numeric_limits<T>::digits;
    if (limit == std::numeric_limits<T>::max()) return fmt::format("2^{}-1", bits);
    if (std::is_signed_v<T> && limit == std::numeric_limits<T>::min()) return fmt::format("-2^{}", bits);
    return std::to_string(limit);
  } else {
    return fmt::format("{}", limit);
  }
}

// Whether `text` is written as a number at all (a double's syntax, nan, inf
// and numbers too large for a double included).
bool number_syntax(std::string_view text) {
  double ignored = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, ignored);
  return !text.empty() && stop == end && (error == std::errc() || error == std::errc::result_out_of_range);
}

// What was given, as the message shows it: a number as written, anything else
// quoted, cut short and with control characters replaced (it goes to a
// terminal).
std::string shown(std::string_view text) {
  if (number_syntax(text)) return std::string(text);
  constexpr std::size_t kLongest = 40;
  std::string out = "'";
  for (const char c : text.substr(0, kLongest)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return out + (text.size() > kLongest ? "...'" : "'");
}

}  // namespace

template <typename T>
std::optional<T> read_number(std::string_view text, const NumberRange<T>& range, std::string& complaint) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  bool ok = !text.empty() && stop == end && error == std::errc();
  if constexpr (std::is_floating_point_v<T>) ok = ok && std::isfinite(value);
  if (ok) {
    ok = (range.min_excluded ? value > range.min : value >= range.min) &&
         (range.max_excluded ? value < range.max : value <= range.max);
  }
  if (ok) return value;
  complaint = fmt::format("expected {} in {}{}, {}{}, found {}", std::is_integral_v<T> ? "a whole number" : "a number",
                          range.min_excluded ? '(' : '[', limit_text(range.min), limit_text(range.max),
                          range.max_excluded ? ')' : ']', shown(text));
  return std::nullopt;
}

template std::optional<int> read_number(std::string_view, const NumberRange<int>&, std::string&);
template std::optional<long> read_number(std::string_view, const NumberRange<long>&, std::string&);
template std::optional<long long> read_number(std::string_view, const NumberRange<long long>&, std::string&);
template std::optional<unsigned> read_number(std::string_view, const NumberRange<unsigned>&, std::string&);
template std::optional<unsigned long> read_number(std::string_view, const NumberRange<unsigned long>&, std::string&);
template std::optional<unsigned long long> read_number(std::string_view, const NumberRange<unsigned long long>&,
                                                       std::string&);
template std::optional<double> read_number(std::string_view, const NumberRange<double>&, std::string&);

int run_tool(std::string_view tool, const std::function<int()>& body) {
  try {
    return body();
  } catch (...) {
    return report_current_exception(tool);
  }
}

int usage_error(std::string_view tool, const std::string& message) {
  std::cerr << tool << ": error: " << message << "\nTry '" << tool << " --help'.\n";
  return kExitBadInput;
}

int report_current_exception(std::string_view tool) {
  try {
    throw;
  } catch (const boost::program_options::error& error) {
    return usage_error(tool, error.what());
  } catch (const std::invalid_argument& error) {
    return usage_error(tool, error.what());
  } catch (const InputError& error) {
    std::cerr << tool << ": error: " << error.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& error) {
    std::cerr << tool << ": error: " << error.what() << "\n";
  } catch (...) {
    std::cerr << tool << ": error: unknown failure\n";
  }
  return kExitFailure;
}

void warn(std::string_view tool, const std::string& message) {
  std::cerr << tool << ": warning: " << message << "\n";
}

}  // namespace engram::io
