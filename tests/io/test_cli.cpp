// The exit-code table every tool follows (engram/io/cli.hpp): which error
// gives which code, what is printed, and the --help text of the table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
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

// The one rule for numeric options (io::read_number): the whole text, strictly,
// within the range; one message naming the option, the range and the value.
template <typename T>
std::string complaint_of(std::string_view text, const io::NumberRange<T>& range) {
  std::string complaint;
  const std::optional<T> value = io::read_number(text, range, complaint);
  EXPECT_FALSE(value.has_value()) << text << " was accepted as " << *value;
  return complaint;
}

TEST(CliNumbers, WholeNumbersAreReadStrictlyAndNeverWrapAround) {
  std::string complaint;
  EXPECT_EQ(io::read_number<std::uint64_t>("18446744073709551615", io::kAnyUint64, complaint),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(io::read_number<std::uint64_t>("0", io::kAnyUint64, complaint), 0u);
  EXPECT_EQ(io::read_number<int>("-7", {-10, 10}, complaint), -7);
  EXPECT_EQ(complaint_of<std::uint64_t>("-1", io::kAnyUint64), "expected a whole number in [0, 2^64-1], found -1");
  EXPECT_EQ(complaint_of<std::uint64_t>("18446744073709551616", io::kAnyUint64),
            "expected a whole number in [0, 2^64-1], found 18446744073709551616");
  EXPECT_EQ(complaint_of<int>("2147483648", {0, std::numeric_limits<int>::max()}),
            "expected a whole number in [0, 2^31-1], found 2147483648");
  for (const char* bad : {"1.5", "1e3", "+3", " 3", "3 ", "0x10", "3x", "nan", ""}) {
    EXPECT_THAT(complaint_of<long>(bad, {1, 1000}), HasSubstr("expected a whole number in [1, 1000], found ")) << bad;
  }
  EXPECT_EQ(complaint_of<long>("abc", {1, 1000}), "expected a whole number in [1, 1000], found 'abc'");
  EXPECT_EQ(complaint_of<long>("", {1, 1000}), "expected a whole number in [1, 1000], found ''");
}

TEST(CliNumbers, RangesIncludeTheirEndsUnlessExcluded) {
  std::string complaint;
  EXPECT_EQ(io::read_number<int>("1", {1, 1000}, complaint), 1);
  EXPECT_EQ(io::read_number<int>("1000", {1, 1000}, complaint), 1000);
  EXPECT_EQ(complaint_of<int>("0", {1, 1000}), "expected a whole number in [1, 1000], found 0");
  EXPECT_EQ(complaint_of<int>("1001", {1, 1000}), "expected a whole number in [1, 1000], found 1001");
  const io::NumberRange<double> open{.min = 0, .max = 1, .min_excluded = true, .max_excluded = true};
  EXPECT_EQ(io::read_number<double>("0.05", open, complaint), 0.05);
  EXPECT_EQ(complaint_of<double>("0", open), "expected a number in (0, 1), found 0");
  EXPECT_EQ(complaint_of<double>("1", open), "expected a number in (0, 1), found 1");
  EXPECT_EQ(complaint_of<double>("0", {.min = 0, .max = 100, .min_excluded = true}),
            "expected a number in (0, 100], found 0");
  EXPECT_EQ(io::read_number<double>("100", {.min = 0, .max = 100, .min_excluded = true}, complaint), 100.0);
}

TEST(CliNumbers, NumbersMustBeFinite) {
  const io::NumberRange<double> any{-std::numeric_limits<double>::max(), std::numeric_limits<double>::max()};
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "infinity", "1e400", "1e308x", "0.5s", ""}) {
    EXPECT_THAT(complaint_of<double>(bad, any), HasSubstr("expected a number in ")) << bad;
  }
  EXPECT_EQ(complaint_of<double>("nan", {0, 10}), "expected a number in [0, 10], found nan");
  EXPECT_EQ(complaint_of<double>("1e308", {0.001, 10}), "expected a number in [0.001, 10], found 1e308");
  std::string complaint;
  EXPECT_EQ(io::read_number<double>("-2.5e-3", any, complaint), -2.5e-3);
}

TEST(CliNumbers, WhatWasGivenIsShownCutShortAndWithoutControlCharacters) {
  const std::string long_text(1000, 'x');
  const std::string complaint = complaint_of<int>(long_text, {1, 2});
  EXPECT_EQ(complaint, "expected a whole number in [1, 2], found '" + std::string(40, 'x') + "...'");
  EXPECT_EQ(complaint_of<int>("\x1b[31m", {1, 2}), "expected a whole number in [1, 2], found '?[31m'");
}

TEST(CliNumbers, ParseNumberNamesTheOption) {
  EXPECT_EQ(io::parse_number<int>("--benchmark_repetitions", "7", {1, 100}), 7);
  try {
    io::parse_number<int>("--benchmark_repetitions", "-1", {1, 100});
    FAIL() << "-1 was accepted";
  } catch (const io::UsageError& error) {
    EXPECT_STREQ(error.what(), "--benchmark_repetitions: expected a whole number in [1, 100], found -1");
  }
  const Outcome outcome = run([]() -> int { return io::parse_number<int>("--n", "x", {1, 100}); });
  EXPECT_EQ(outcome.code, 2);
  EXPECT_EQ(outcome.err, "tool: error: --n: expected a whole number in [1, 100], found 'x'\nTry 'tool --help'.\n");
}

// Declared with io::number_value, an option is checked while Boost parses it,
// and Boost names the option in the message, however it was spelled.
TEST(CliNumbers, NumberValueChecksOptionsAsTheyAreParsed) {
  std::uint64_t seed = 0;
  po::options_description options("Options");
  options.add_options()
      ("seed", io::number_value(&seed, io::kAnyUint64)->default_value(42), "seed")
      ("top,t", io::number_value<long>({1, 1000})->default_value(10), "rows");
  const auto parse = [&](std::vector<const char*> args) {
    args.insert(args.begin(), "tool");
    return io::parse_options(static_cast<int>(args.size()), args.data(), options);
  };
  const po::variables_map defaults = parse({});
  EXPECT_EQ(seed, 42u);
  EXPECT_EQ(defaults["top"].as<long>(), 10);
  EXPECT_EQ(parse({"--seed=18446744073709551615", "-t", "1000"})["top"].as<long>(), 1000);
  EXPECT_EQ(seed, std::numeric_limits<std::uint64_t>::max());
  const auto error_of = [&](std::vector<const char*> args) {
    const Outcome outcome = run([&]() -> int {
      parse(args);
      return 0;
    });
    EXPECT_EQ(outcome.code, 2);
    return outcome.err;
  };
  EXPECT_EQ(error_of({"--seed", "-1"}),
            "tool: error: --seed: expected a whole number in [0, 2^64-1], found -1\nTry 'tool --help'.\n");
  EXPECT_THAT(error_of({"--se=-1"}), HasSubstr("tool: error: --seed: expected a whole number"));
  EXPECT_THAT(error_of({"-t", "0"}), HasSubstr("tool: error: --top: expected a whole number in [1, 1000], found 0"));
  EXPECT_THAT(error_of({"--top=1e3"}), HasSubstr("--top: expected a whole number in [1, 1000], found 1e3"));
  std::ostringstream help;
  help << options;
  EXPECT_THAT(help.str(), HasSubstr("--seed arg (=42)"));
}

}  // namespace
