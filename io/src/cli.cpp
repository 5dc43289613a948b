#include "engram/io/cli.hpp"

#include <exception>
#include <iostream>
#include <sstream>

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
