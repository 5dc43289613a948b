// The JSON reading layer: every refusal names the file and the place (line,
// column and byte for syntax; the JSON pointer for content), truncation is
// told from malformation, non-finite words are read only when asked for and
// never inside strings, and hostile inputs (deep nesting, huge files, a FIFO
// that never ends, a NUL followed by anything) are refused without a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <fstream>
#include <string>
#include <thread>

#include "engram/io/json.hpp"
#include "temp_folder.hpp"

namespace {

namespace fs = std::filesystem;
using engram::testing::TempFolder;
using engram::io::check_schema;
using engram::io::InputError;
using engram::io::JsonOptions;
using engram::io::JsonValue;
using engram::io::parse_json_text;
using engram::io::read_input_file;
using engram::io::read_json_file;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The message of the InputError `f` throws; "(no error)" when it returns,
// and the type's name when it throws anything else (a nlohmann exception
// escaping the layer is a bug: it names neither the file nor the place).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("(not an InputError) ") + e.what();
  }
  return "(no error)";
}

std::string parse_error(const std::string& text, JsonOptions options = {}) {
  return error_of([&] { parse_json_text(text, "t.json", options); });
}

// ---------------------------------------------------------------- syntax

TEST(JsonSyntax, ErrorsNameFileLineColumnAndByte) {
  // The stray comma is the 16th byte, the 7th of line 2.
  EXPECT_THAT(parse_error("{\"a\": 1,\n  \"b\":,}"), StartsWith("t.json:2:7 (byte 16): malformed JSON: "));
  const std::string first_line = parse_error("[1, }");
  EXPECT_THAT(first_line, StartsWith("t.json:1:5 (byte 5): malformed JSON: syntax error while parsing value"))
      << first_line;
  // The line is kept for callers, apart from the text.
  try {
    parse_json_text("[1,\n\n 2 3]", "t.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.source(), "t.json");
    EXPECT_THAT(e.what(), StartsWith("t.json:3:4 (byte 9): malformed JSON"));
  }
}

TEST(JsonSyntax, TruncatedIsToldFromMalformed) {
  // The input ends too early: at the end, inside a string, a number or a literal.
  EXPECT_THAT(parse_error("[1, 2"), StartsWith("t.json:1:6 (byte 6): truncated JSON"));
  EXPECT_THAT(parse_error("{\"a\": [1, 2"), HasSubstr("truncated JSON"));
  EXPECT_THAT(parse_error("[\"abc"), HasSubstr("truncated JSON"));
  EXPECT_THAT(parse_error("[1."), HasSubstr("truncated JSON"));
  EXPECT_THAT(parse_error("[tru"), HasSubstr("truncated JSON"));
  EXPECT_THAT(parse_error("{\"a\": 1,\n"), StartsWith("t.json:2:1 (byte 10): truncated JSON"));
  // A bad byte is malformed, even when it is the last one.
  EXPECT_THAT(parse_error("[-]"), StartsWith("t.json:1:3 (byte 3): malformed JSON"));
  EXPECT_THAT(parse_error("{\"x\": 1} x"), StartsWith("t.json:1:10 (byte 10): malformed JSON"));
  EXPECT_THAT(parse_error("\xff"), StartsWith("t.json:1:1 (byte 1): malformed JSON"));
  EXPECT_THAT(parse_error("[1] [2]"), StartsWith("t.json:1:5 (byte 5): malformed JSON"));
}

TEST(JsonSyntax, EmptyTextIsRefused) {
  EXPECT_EQ(parse_error(""), "t.json: empty (expected JSON)");
  EXPECT_EQ(parse_error(" \n\t\r\n"), "t.json: empty (expected JSON)");
}

// nlohmann's lexer stops at a NUL as if the input ended there.
TEST(JsonSyntax, ANulByteAnywhereIsAnError) {
  using namespace std::string_literals;
  EXPECT_THAT(parse_error("[1]\0 trailing garbage"s), StartsWith("t.json:1:4 (byte 4): malformed JSON: a NUL byte"));
  EXPECT_THAT(parse_error("[1]\0"s), HasSubstr("(byte 4): malformed JSON: a NUL byte"));
  EXPECT_THAT(parse_error("[\"a\0b\"]"s), HasSubstr("(byte 4): malformed JSON: a NUL byte"));
  EXPECT_THAT(parse_error("\0"s), HasSubstr("(byte 1): malformed JSON: a NUL byte"));
}

TEST(JsonSyntax, ANumberTooLargeForADoubleNamesItsPlace) {
  const std::string e = parse_error("{\"x\":\n  [1, 1e400]}");
  EXPECT_THAT(e, StartsWith("t.json:2:7 (byte 13): malformed JSON: number overflow parsing '1e400'")) << e;
  EXPECT_THAT(parse_error("-1e999"), StartsWith("t.json:1:1 (byte 1): malformed JSON: number overflow"));
  // Integers beyond 64 bits are read as doubles, as nlohmann does.
  EXPECT_EQ(parse_json_text("[18446744073709551616]", "t.json").elements().at(0).number(), 18446744073709551616.0);
}

TEST(JsonSyntax, ValuesAndDuplicateKeysReadAsNlohmannReadsThem) {
  const std::string text =
      R"({"a": [1, -2, 3.5, true, false, null, "s\"t", {"b": {}}, []], "u": 18446744073709551615, "d": 1, "d": 2})";
  EXPECT_EQ(parse_json_text(text, "t.json").raw(), nlohmann::json::parse(text));
}

// ---------------------------------------------------------------- NaN and Infinity

TEST(JsonNonFinite, RefusedUnlessAsked) {
  EXPECT_THAT(parse_error("[NaN]"), StartsWith("t.json:1:2 (byte 2): malformed JSON"));
  EXPECT_THAT(parse_error("{\"a\": Infinity}"), HasSubstr("malformed JSON"));
  EXPECT_THAT(parse_error("[-Infinity]"), HasSubstr("malformed JSON"));
}

TEST(JsonNonFinite, ReadAsNullWhenAsked) {
  const JsonValue v = parse_json_text(R"({"a": NaN, "b": -NaN, "c": Infinity, "d": -Infinity, "e": [NaN,1]})",
                                      "t.json", JsonOptions{.non_finite_as_null = true});
  for (const char* key : {"a", "b", "c", "d"}) {
    EXPECT_TRUE(v.at(key).is_null()) << key;
    EXPECT_FALSE(v.find(key).has_value()) << key;  // a missing value, never a number
  }
  EXPECT_TRUE(v.at("e").elements().at(0).is_null());
  EXPECT_EQ(v.at("e").elements().at(1).number(), 1.0);
  EXPECT_THAT(error_of([&] { v.at("a").number(); }), HasSubstr("t.json: /a: expected a number, found null"));
}

TEST(JsonNonFinite, NeverInsideStringsNorPartOfAWord) {
  const JsonValue v =
      parse_json_text(R"(["NaN", "x NaN y", "a\"NaN", "\\", Infinity, "-Infinity"])", "t.json", {.non_finite_as_null = true});
  const auto e = v.elements();
  EXPECT_EQ(e[0].string(), "NaN");
  EXPECT_EQ(e[1].string(), "x NaN y");
  EXPECT_EQ(e[2].string(), "a\"NaN");
  EXPECT_EQ(e[3].string(), "\\");
  EXPECT_TRUE(e[4].is_null());
  EXPECT_EQ(e[5].string(), "-Infinity");
  EXPECT_THAT(parse_error("[NaNo]", {.non_finite_as_null = true}), HasSubstr("malformed JSON"));
  EXPECT_THAT(parse_error("[Infinityx]", {.non_finite_as_null = true}), HasSubstr("malformed JSON"));
}

TEST(JsonNonFinite, ErrorPositionsStayTheFiles) {
  // Before the error, "NaN" (3 bytes) and "-Infinity" (9) were read as "null".
  EXPECT_THAT(parse_error("{\"a\": NaN, \"b\": -Infinity,\n \"c\": 1,, \"d\": 2}", {.non_finite_as_null = true}),
              StartsWith("t.json:2:9 (byte 36): malformed JSON"));
  EXPECT_THAT(parse_error("[-Infinity, 1 2]", {.non_finite_as_null = true}), StartsWith("t.json:1:15 (byte 15)"));
  EXPECT_THAT(parse_error("[NaN", {.non_finite_as_null = true}), StartsWith("t.json:1:5 (byte 5): truncated JSON"));
}

// ---------------------------------------------------------------- depth

TEST(JsonDepth, DeepestAllowedNestingReads) {
  const std::size_t n = engram::io::kMaxJsonDepth;
  const JsonValue v = parse_json_text(std::string(n, '[') + std::string(n, ']'), "t.json");
  EXPECT_TRUE(v.is_array());
}

TEST(JsonDepth, DeeperNestingIsRefusedAtItsPlace) {
  const std::size_t n = engram::io::kMaxJsonDepth;
  const std::string expected =
      "t.json:1:" + std::to_string(n + 1) + " (byte " + std::to_string(n + 1) + "): malformed JSON: nested deeper than";
  EXPECT_THAT(parse_error(std::string(n + 1, '[') + std::string(n + 1, ']')), StartsWith(expected));
  // Objects count as levels too, and brackets inside strings do not.
  std::string objects;
  for (std::size_t i = 0; i < n; ++i) objects += "{\"[[\":";
  objects += "{}";
  EXPECT_THAT(parse_error(objects), HasSubstr("(byte " + std::to_string(6 * n + 1) + "): malformed JSON: nested deeper"));
}

TEST(JsonDepth, AHundredThousandOpenBracketsAreRefusedWithoutACrash) {
  const std::string bomb(100000, '[');
  EXPECT_THAT(parse_error(bomb), HasSubstr("nested deeper than 256 levels"));
  EXPECT_THAT(parse_error("{\"context\": " + std::string(100000, '['), {.non_finite_as_null = true}),
              HasSubstr("nested deeper than 256 levels"));
  std::string closed = "{\"benchmarks\": [], \"context\": ";
  for (int i = 0; i < 100000; ++i) closed += "{\"a\":";
  closed += "1" + std::string(100000, '}') + "}";
  EXPECT_THAT(parse_error(closed), HasSubstr("nested deeper than 256 levels"));
}

// ---------------------------------------------------------------- files

TEST(JsonFiles, ReadsAFileAndNamesItInErrors) {
  TempFolder dir;
  const fs::path good = dir.file("good.json", "{\"a\": [1, 2]}\n");
  EXPECT_EQ(read_json_file(good, "a test file").at("a").elements().size(), 2u);
  const fs::path bad = dir.file("bad.json", "{\"a\": [1, 2}\n");
  EXPECT_THAT(error_of([&] { read_json_file(bad, "a test file"); }),
              StartsWith(bad.string() + ":1:12 (byte 12): malformed JSON"));
  const fs::path wrong = dir.file("wrong.json", "{\"a\": \"x\"}");
  EXPECT_EQ(error_of([&] { read_json_file(wrong, "a test file").at("a").number(); }),
            wrong.string() + ": /a: expected a number, found a string");
}

TEST(JsonFiles, EmptyMissingAndFolderAreRefusedNamingWhatWasExpected) {
  TempFolder dir;
  EXPECT_EQ(error_of([&] { read_json_file(dir.file("empty.json", ""), "the ceilings"); }),
            (dir.path() / "empty.json").string() + ": empty file (the ceilings)");
  EXPECT_EQ(error_of([&] { read_json_file(dir.file("blank.json", "  \n\n"), "the ceilings"); }),
            (dir.path() / "blank.json").string() + ": empty file (the ceilings)");
  EXPECT_EQ(error_of([&] { read_json_file(dir.path() / "missing.json", "the ceilings"); }),
            (dir.path() / "missing.json").string() + ": no such file (the ceilings)");
  EXPECT_EQ(error_of([&] { read_json_file(dir.path(), "the ceilings"); }),
            dir.path().string() + ": is a folder, not a file (the ceilings)");
  fs::create_symlink(dir.path() / "nowhere", dir.path() / "dangling.json");
  EXPECT_EQ(error_of([&] { read_json_file(dir.path() / "dangling.json", "the ceilings"); }),
            (dir.path() / "dangling.json").string() + ": no such file (the ceilings)");
}

TEST(JsonFiles, ARegularFileLargerThanTheBoundIsRefused) {
  TempFolder dir;
  const fs::path big = dir.file("big.json", "[" + std::string(5000, ' ') + "1]");
  EXPECT_EQ(error_of([&] { read_input_file(big, "a test file", 1000); }),
            big.string() + ": larger than 1000 bytes; refusing to read it (a test file)");
  EXPECT_EQ(read_input_file(big, "a test file", 5003).size(), 5003u);  // exactly at the bound: read
  EXPECT_THAT(error_of([&] { read_input_file(big, "a test file", 5002); }), HasSubstr("larger than 5002 bytes"));
  // The bound of read_json_file is kMaxInputBytes; a sparse file just above
  // it costs no disk and must be refused before it is read.
  const fs::path huge = dir.path() / "huge.json";
  std::ofstream(huge) << "[";
  fs::resize_file(huge, engram::io::kMaxInputBytes + 1);
  EXPECT_THAT(error_of([&] { read_json_file(huge, "a test file"); }),
              HasSubstr(huge.string() + ": larger than 1073741824 bytes; refusing to read it"));
}

// A writer thread that feeds a FIFO until the reader goes away (EPIPE: it
// blocks SIGPIPE for itself, so the signal is not delivered to the test).
class FifoWriter {
 public:
  FifoWriter(fs::path fifo, std::string chunk, std::size_t max_chunks)
      : thread_([this, fifo = std::move(fifo), chunk = std::move(chunk), max_chunks] {
          sigset_t pipe_signal;
          sigemptyset(&pipe_signal);
          sigaddset(&pipe_signal, SIGPIPE);
          pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
          const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
          if (fd < 0) return;
          for (std::size_t i = 0; i < max_chunks; ++i) {
            if (::write(fd, chunk.data(), chunk.size()) < 0) break;
            written_ += chunk.size();
          }
          ::close(fd);
        }) {}
  ~FifoWriter() { thread_.join(); }
  std::size_t written() const { return written_; }

 private:
  std::atomic<std::size_t> written_{0};
  std::thread thread_;
};

TEST(JsonFiles, AFifoThatNeverEndsIsCutAtTheBound) {
  TempFolder dir;
  const fs::path fifo = dir.path() / "stream.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  std::string message;
  {
    // Up to 64 MiB in 64 KiB chunks: far beyond the bound of 1 MiB.
    FifoWriter writer(fifo, std::string(65536, ' '), 1024);
    message = error_of([&] { read_input_file(fifo, "a stream", 1 << 20); });
  }
  EXPECT_EQ(message, fifo.string() + ": larger than 1048576 bytes; refusing to read it (a stream)");
}

TEST(JsonFiles, AFifoIsReadToItsEnd) {
  TempFolder dir;
  const fs::path fifo = dir.path() / "stream.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  {
    FifoWriter writer(fifo, "[1, 2, 3]", 1);
    EXPECT_EQ(read_json_file(fifo, "a stream").elements().size(), 3u);
  }
  {
    FifoWriter writer(fifo, "", 0);  // opened and closed: nothing in it
    EXPECT_EQ(error_of([&] { read_json_file(fifo, "a stream"); }), fifo.string() + ": empty file (a stream)");
  }
}

// ---------------------------------------------------------------- schema

TEST(JsonSchema, AcceptsItsOwnNameAndVersion) {
  const JsonValue v = parse_json_text(R"({"schema": "engram-test", "version": 2})", "t.json");
  EXPECT_NO_THROW(check_schema(v, "engram-test", 2));
}

TEST(JsonSchema, EachMismatchHasItsMessage) {
  const auto schema_error = [](const std::string& text) {
    const JsonValue v = parse_json_text(text, "t.json");
    return error_of([&] { check_schema(v, "engram-test", 2); });
  };
  EXPECT_EQ(schema_error(R"({"version": 2})"), "t.json: /: no \"schema\" member: not an engram-test file");
  EXPECT_EQ(schema_error(R"({"schema": null, "version": 2})"),
            "t.json: /: no \"schema\" member: not an engram-test file");
  EXPECT_EQ(schema_error(R"({"schema": "engram-other", "version": 2})"),
            "t.json: /schema: schema \"engram-other\", expected \"engram-test\"");
  EXPECT_EQ(schema_error(R"({"schema": 7, "version": 2})"), "t.json: /schema: expected a string, found a number");
  EXPECT_EQ(schema_error(R"({"schema": "engram-test"})"),
            "t.json: /: no \"version\" member (engram-test files carry one)");
  EXPECT_EQ(schema_error(R"({"schema": "engram-test", "version": 1})"),
            "t.json: /version: engram-test version 1; this build reads version 2 (the file is older: write it again "
            "with this build)");
  EXPECT_EQ(schema_error(R"({"schema": "engram-test", "version": 3})"),
            "t.json: /version: engram-test version 3; this build reads version 2 (the file is newer than this tool: "
            "rebuild the tool)");
  EXPECT_EQ(schema_error(R"({"schema": "engram-test", "version": "2"})"),
            "t.json: /version: expected a number, found a string");
  EXPECT_EQ(schema_error("[1]"), "t.json: /: expected an object, found an array");
}

// ---------------------------------------------------------------- JsonValue

TEST(JsonValueAccess, TypeErrorsNameTheEscapedPointer) {
  const JsonValue v = parse_json_text(R"({"a/b": {"c~d": ["x", {"n": "7"}]}, "t": true, "e": {"": 1}})", "t.json");
  const JsonValue list = v.at("a/b").at("c~d");
  EXPECT_EQ(list.pointer(), "/a~1b/c~0d");
  EXPECT_EQ(error_of([&] { list.elements().at(0).number(); }), "t.json: /a~1b/c~0d/0: expected a number, found a string");
  EXPECT_EQ(error_of([&] { list.elements().at(1).at("n").number(); }),
            "t.json: /a~1b/c~0d/1/n: expected a number, found a string");
  EXPECT_EQ(error_of([&] { list.elements().at(1).at("m~/"); }), "t.json: /a~1b/c~0d/1/m~0~1: missing");
  EXPECT_EQ(error_of([&] { list.at("k"); }), "t.json: /a~1b/c~0d: expected an object with \"k\", found an array");
  EXPECT_EQ(error_of([&] { v.at("a/b").elements(); }), "t.json: /a~1b: expected an array, found an object");
  EXPECT_EQ(error_of([&] { list.members(); }), "t.json: /a~1b/c~0d: expected an object, found an array");
  EXPECT_EQ(error_of([&] { v.at("t").string(); }), "t.json: /t: expected a string, found a boolean");
  EXPECT_EQ(error_of([&] { v.at("a/b").boolean(); }), "t.json: /a~1b: expected true or false, found an object");
  EXPECT_EQ(error_of([&] { v.optional_string("t"); }), "t.json: /t: expected a string, found a boolean");
  EXPECT_EQ(error_of([&] { v.at("e").at("").string(); }), "t.json: /e/: expected a string, found a number");
  EXPECT_TRUE(v.at("t").boolean());
  EXPECT_EQ(v.at("e").members().at(0).second.pointer(), "/e/");
}

TEST(JsonValueAccess, OptionalMembersAreAbsentOrNullOrOfTheirType) {
  const JsonValue v = parse_json_text(R"({"n": 2.5, "s": "x", "z": null})", "t.json");
  EXPECT_EQ(v.optional_number("n"), 2.5);
  EXPECT_EQ(v.optional_string("s"), "x");
  EXPECT_EQ(v.optional_number("z"), std::nullopt);
  EXPECT_EQ(v.optional_number("absent"), std::nullopt);
  EXPECT_EQ(error_of([&] { v.optional_number("s"); }), "t.json: /s: expected a number, found a string");
  EXPECT_EQ(error_of([&] { v.at("n").find("x"); }), "t.json: /n: expected an object, found a number");
  // The parsed tree outlives the value it was reached from.
  const JsonValue kept = parse_json_text(R"({"deep": {"er": [4]}})", "t.json").at("deep").at("er");
  EXPECT_EQ(kept.elements().at(0).number(), 4.0);
}

// Whole numbers: the range is checked before any cast, so a hostile number is
// an error at its pointer, never undefined behaviour.
TEST(JsonValueAccess, WholeNumbersAreCheckedBeforeAnyCast) {
  const JsonValue v = parse_json_text(
      R"({"huge": 1e300, "neg": -1, "half": 0.5, "nan": NaN, "s": "3", "lo": -5, "hi": 7, "two": 2.0,)"
      R"( "max": 9007199254740992, "over": 9007199254740993, "u64": 18446744073709551615, "big": 1e19})",
      "t.json", JsonOptions{.non_finite_as_null = true});
  EXPECT_EQ(v.at("lo").whole(-5, 7), -5);  // the bounds themselves are inside
  EXPECT_EQ(v.at("hi").whole(-5, 7), 7);
  EXPECT_EQ(v.at("two").whole(0, 2), 2);   // 2.0 is whole
  EXPECT_EQ(v.at("hi").count(7), 7u);
  EXPECT_EQ(v.at("max").count(), engram::io::kMaxExactCount);
  EXPECT_EQ(error_of([&] { v.at("huge").whole(0, 10); }),
            "t.json: /huge: expected a whole number in [0, 10], found 1e+300");
  EXPECT_EQ(error_of([&] { v.at("huge").count(); }),
            "t.json: /huge: expected a whole number in [0, 9007199254740992], found 1e+300");
  EXPECT_EQ(error_of([&] { v.at("neg").count(); }),
            "t.json: /neg: expected a whole number in [0, 9007199254740992], found -1");
  EXPECT_EQ(error_of([&] { v.at("neg").whole(0, 10); }), "t.json: /neg: expected a whole number in [0, 10], found -1");
  EXPECT_EQ(error_of([&] { v.at("half").whole(0, 10); }), "t.json: /half: expected a whole number in [0, 10], found 0.5");
  EXPECT_EQ(error_of([&] { v.at("nan").count(); }),
            "t.json: /nan: expected a whole number in [0, 9007199254740992], found null");
  EXPECT_THAT(error_of([&] { v.at("s").whole(0, 10); }), HasSubstr("found a string"));
  EXPECT_THAT(error_of([&] { v.at("lo").whole(-4, 7); }), HasSubstr("[-4, 7], found -5"));
  EXPECT_THAT(error_of([&] { v.at("hi").whole(-5, 6); }), HasSubstr("[-5, 6], found 7"));
  EXPECT_THAT(error_of([&] { v.at("over").count(); }), HasSubstr("found 9007199254740993"));
  EXPECT_THAT(error_of([&] { v.at("u64").whole(0, std::numeric_limits<std::int64_t>::max()); }),
              HasSubstr("found 18446744073709551615"));
  EXPECT_THAT(error_of([&] { v.at("big").whole(0, std::numeric_limits<std::int64_t>::max()); }),
              HasSubstr("found 1e+19"));
  EXPECT_EQ(v.at("u64").count(std::numeric_limits<std::uint64_t>::max()), std::numeric_limits<std::uint64_t>::max());
}

// Values that cannot be: the checked getters are the one place the rule and
// its message live, so every reader refuses a negative size, an infinite time
// or a -3.5 GHz clock alike, at the JSON pointer.
TEST(JsonValueAccess, CheckedNumbersRefuseWhatCannotBeAtThePointer) {
  const JsonValue v = parse_json_text(
      R"({"zero": 0, "neg": -3.5, "one": 1, "big": 1e308, "pct": 100.5, "s": "1", "n": null, "nan": NaN,)"
      R"( "ghz": 3.5, "khz": 0.0009, "thz": 101, "mhz": 2600, "lowmhz": 0.5, "fast": 1e5, "inf": Infinity})",
      "t.json", JsonOptions{.non_finite_as_null = true});
  EXPECT_EQ(v.at("zero").non_negative(), 0.0);
  EXPECT_EQ(v.at("big").non_negative(), 1e308);
  EXPECT_EQ(v.at("one").positive(), 1.0);
  EXPECT_EQ(v.at("one").in_range(0, 1), 1.0);
  EXPECT_EQ(v.at("zero").in_range(0, 100), 0.0);
  EXPECT_EQ(v.at("ghz").clock_ghz(), 3.5);
  EXPECT_EQ(v.at("mhz").clock_mhz(), 2600.0);
  EXPECT_EQ(v.at("fast").clock_mhz(), 1e5);  // 100 GHz is the bound itself
  EXPECT_EQ(error_of([&] { v.at("neg").non_negative(); }), "t.json: /neg: expected a number >= 0, found -3.5");
  EXPECT_EQ(error_of([&] { v.at("zero").positive(); }), "t.json: /zero: expected a number > 0, found 0");
  EXPECT_EQ(error_of([&] { v.at("pct").in_range(0, 100); }), "t.json: /pct: expected a number in [0, 100], found 100.5");
  EXPECT_EQ(error_of([&] { v.at("neg").clock_ghz(); }),
            "t.json: /neg: expected a clock rate in [0.001, 100] GHz, found -3.5");
  EXPECT_THAT(error_of([&] { v.at("khz").clock_ghz(); }), HasSubstr("found 0.0009"));
  EXPECT_THAT(error_of([&] { v.at("thz").clock_ghz(); }), HasSubstr("found 101"));
  EXPECT_EQ(error_of([&] { v.at("lowmhz").clock_mhz(); }),
            "t.json: /lowmhz: expected a clock rate in [1, 100000] MHz, found 0.5");
  // Not a number, or not a finite one (NaN and Infinity read as null here), is refused by each.
  for (const char* key : {"s", "n", "nan", "inf"}) {
    EXPECT_THAT(error_of([&] { v.at(key).non_negative(); }), HasSubstr("expected a number")) << key;
    EXPECT_THAT(error_of([&] { v.at(key).positive(); }), HasSubstr("expected a number")) << key;
    EXPECT_THAT(error_of([&] { v.at(key).in_range(0, 1); }), HasSubstr("expected a number")) << key;
    EXPECT_THAT(error_of([&] { v.at(key).clock_ghz(); }), HasSubstr("expected a number")) << key;
  }
}

enum class Colour { red, green };
std::string_view colour_name(Colour c) { return c == Colour::red ? "red" : "green"; }

TEST(JsonValueAccess, EnumsAreReadByNameAndUnknownNamesListTheKnownOnes) {
  constexpr Colour kAll[] = {Colour::red, Colour::green};
  const JsonValue v = parse_json_text(R"({"a": "green", "b": "blue"})", "t.json");
  EXPECT_EQ(engram::io::enum_from_names(v.at("a"), kAll, colour_name, "colour"), Colour::green);
  EXPECT_EQ(error_of([&] { engram::io::enum_from_names(v.at("b"), kAll, colour_name, "colour"); }),
            "t.json: /b: unknown colour \"blue\" (expected one of red, green)");
}

}  // namespace
