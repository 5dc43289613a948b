// The exit-code table every tool follows (engram/io/cli.hpp): which error
// gives which code, what is printed, and the --help text of the table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "engram/io/cli.hpp"
#include "engram/io/errors.hpp"

namespace {

namespace io = engram::io;
namespace po = boost::program_options;
using ::testing::HasSubstr;
using ::testing::Not;

struct Outcome {
  int code = -1;
  std::string err;
};

template <typename Body>
Outcome run(Body body) {
  ::testing::internal::CaptureStderr();
  Outcome outcome;
  outcome.code = io::run_tool("tool", body);
  outcome.err = ::testing::internal::GetCapturedStderr();
  return outcome;
}

TEST(CliExitCodes, TheTableIsZeroOkOneFailureTwoBadInputThreeUpVerdicts) {
  EXPECT_EQ(io::kExitOk, 0);
  EXPECT_EQ(io::kExitFailure, 1);
  EXPECT_EQ(io::kExitBadInput, 2);
  EXPECT_EQ(io::kExitFirstVerdict, 3);
}

TEST(CliExitCodes, RunToolReturnsWhatTheBodyReturns) {
  EXPECT_EQ(run([] { return 0; }).code, 0);
  const Outcome verdict = run([] { return 4; });
  EXPECT_EQ(verdict.code, 4);
  EXPECT_TRUE(verdict.err.empty()) << verdict.err;
}

TEST(CliExitCodes, BadUsageIsTwoWithAPointerToHelp) {
  const Outcome unknown = run([]() -> int { throw po::unknown_option("--bogus"); });
  EXPECT_EQ(unknown.code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("tool: error: unrecognised option '--bogus'\nTry 'tool --help'.\n"));
  const Outcome usage = run([]() -> int { throw io::UsageError("no input file given"); });
  EXPECT_EQ(usage.code, 2);
  EXPECT_EQ(usage.err, "tool: error: no input file given\nTry 'tool --help'.\n");
  const Outcome value = run([]() -> int { throw std::invalid_argument("--top must be 1 to 1000"); });
  EXPECT_EQ(value.code, 2);
  EXPECT_THAT(value.err, HasSubstr("Try 'tool --help'."));
}

TEST(CliExitCodes, BadInputIsTwoNamingTheFileWithoutHelp) {
  const Outcome input = run([]() -> int { throw io::InputError("in.json", 3, "expected a number"); });
  EXPECT_EQ(input.code, 2);
  EXPECT_EQ(input.err, "tool: error: in.json:3: expected a number\n");
}

TEST(CliExitCodes, AnyOtherFailureIsOne) {
  const Outcome write = run([]() -> int { throw std::runtime_error("cannot write out.json: Not a directory"); });
  EXPECT_EQ(write.code, 1);
  EXPECT_EQ(write.err, "tool: error: cannot write out.json: Not a directory\n");
  const Outcome odd = run([]() -> int { throw 42; });
  EXPECT_EQ(odd.code, 1);
  EXPECT_THAT(odd.err, HasSubstr("tool: error: unknown failure"));
}

TEST(CliExitCodes, HelpTextListsTheTableAndTheToolsVerdicts) {
  const std::string plain = io::exit_codes_help();
  EXPECT_THAT(plain, HasSubstr("Exit codes:\n  0  ok\n  1  failure: the job could not be done"));
  EXPECT_THAT(plain, HasSubstr("  2  bad usage or bad input"));
  EXPECT_THAT(plain, Not(HasSubstr("  3  ")));
  const std::string compare = io::exit_codes_help({{3, "a regression"}, {4, "inconclusive"}});
  EXPECT_THAT(compare, HasSubstr(plain + "  3  a regression\n  4  inconclusive\n"));
}

TEST(CliParseOptions, CollectsArgumentsOrRefusesAStrayWord) {
  po::options_description options("Options");
  options.add_options()("top", po::value<int>()->default_value(10), "rows");
  const char* argv[] = {"tool", "a.json", "--top", "3", "b.json"};
  std::vector<std::string> arguments;
  const po::variables_map vm = io::parse_options(5, argv, options, &arguments);
  EXPECT_EQ(vm["top"].as<int>(), 3);
  EXPECT_EQ(arguments, (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_THROW(io::parse_options(5, argv, options), po::error);
  const char* bad[] = {"tool", "--top", "many"};
  EXPECT_THROW(io::parse_options(3, bad, options, &arguments), po::error);
}

}  // namespace
