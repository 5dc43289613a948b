#pragma once
// ecount: the counters library's command-line face. Each subcommand returns
// its exit code; bad input is a UsageError (exit 2 with the message).
#include <stdexcept>
#include <string>
#include <vector>

namespace engram::ecount {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

int run_doctor(const std::vector<std::string>& args);
int run_list(const std::vector<std::string>& args);
int run_stat(const std::vector<std::string>& args);

// "1234567" -> "1,234,567"; fractional values keep two decimals.
std::string group_digits(double value);
// Writes text to path through a temporary file and a rename.
void write_file_atomically(const std::string& path, const std::string& text);
// True for "--name" and "--name=value".
bool is_option(const std::string& arg, const std::string& name);
// "--name=value" or "--name value": the value, advancing i; throws UsageError.
std::string option_value(const std::vector<std::string>& args, std::size_t& i, const std::string& name);

}  // namespace engram::ecount
