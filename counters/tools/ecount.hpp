#pragma once
// ecount: the counters library's command-line face. Each subcommand returns
// its exit code; a bad command line is a UsageError (exit 2 with the message,
// engram/io/cli.hpp).
#include <string>
#include <vector>

#include "engram/io/cli.hpp"

namespace engram::ecount {

using io::UsageError;

int run_doctor(const std::vector<std::string>& args);
int run_list(const std::vector<std::string>& args);
int run_stat(const std::vector<std::string>& args);

// "1234567" -> "1,234,567"; fractional values keep two decimals.
std::string group_digits(double value);
// True for "--name" and "--name=value".
bool is_option(const std::string& arg, const std::string& name);
// "--name=value" or "--name value": the value, advancing i; throws UsageError.
std::string option_value(const std::vector<std::string>& args, std::size_t& i, const std::string& name);

}  // namespace engram::ecount
