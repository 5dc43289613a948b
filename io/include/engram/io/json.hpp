#pragma once
// The one JSON reading layer: every JSON file the project reads goes through
// here, so every error names the file and the place --
// "FILE:LINE:COLUMN: malformed JSON: ..." for syntax and
// "FILE: /json/pointer: expected a number, found a string" for content -- and
// every input is bounded (file size, nesting depth).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engram/io/errors.hpp"

namespace engram::io {

// Inputs larger than this are refused before they are read: no file the
// project reads legitimately comes near it, and a hostile one must not make
// a tool swallow all memory.
inline constexpr std::uintmax_t kMaxInputBytes = std::uintmax_t{1} << 30;
// Deeper nesting is refused (no format here nests beyond a handful of levels).
inline constexpr std::size_t kMaxJsonDepth = 256;
// The largest count a JSON number carries exactly: past 2^53 a double no
// longer tells neighbouring integers apart, so "whole" stops meaning anything.
inline constexpr std::uint64_t kMaxExactCount = std::uint64_t{1} << 53;
// The clock rates a file may claim, for clock_ghz() and clock_mhz(): no CPU
// this project measures runs below 1 MHz or above 100 GHz, so a value outside
// is a broken or hostile file (a negative clock printed as "-3.50 GHz").
inline constexpr double kMinClockGhz = 0.001;
inline constexpr double kMaxClockGhz = 100;

// The whole file as text; throws InputError for a missing, unreadable, empty
// (whitespace only) or too large file, naming `what` it should have been.
std::string read_input_file(const std::filesystem::path& path, std::string_view what,
                            std::uintmax_t max_bytes = kMaxInputBytes);

// One value inside a parsed document, with the way back to it for messages.
class JsonValue {
 public:
  JsonValue(std::shared_ptr<const nlohmann::json> root, const nlohmann::json* value, std::string source,
            std::string pointer);

  // Required member; throws naming the pointer when missing.
  JsonValue at(std::string_view key) const;
  // Member that may be absent or null.
  std::optional<JsonValue> find(std::string_view key) const;
  std::vector<JsonValue> elements() const;                                 // requires an array
  std::vector<std::pair<std::string, JsonValue>> members() const;          // requires an object

  bool is_null() const { return value_->is_null(); }
  bool is_object() const { return value_->is_object(); }
  bool is_array() const { return value_->is_array(); }
  bool is_string() const { return value_->is_string(); }
  bool is_number() const { return value_->is_number(); }

  double number() const;  // finite
  // The one place the rules for values that cannot be live: each is finite
  // and refused at the pointer otherwise ("expected a number >= 0, found -1").
  double non_negative() const;                    // sizes, times, counts, rates: >= 0
  double positive() const;                        // what something is divided by: > 0
  double in_range(double min, double max) const;  // percents [0, 100], fractions [0, 1], ...
  double clock_ghz() const;                       // in [kMinClockGhz, kMaxClockGhz]
  double clock_mhz() const;                       // the same range in MHz
  // A whole number in [min, max], else an error at the pointer ("expected a
  // whole number in [min, max], found X"): the range is checked before any
  // conversion, so 1e300, -1, 0.5 or null never reach an out-of-range cast.
  std::int64_t whole(std::int64_t min, std::int64_t max) const;
  // A count: a whole number in [0, max], checked the same way.
  std::uint64_t count(std::uint64_t max = kMaxExactCount) const;
  std::string string() const;
  bool boolean() const;
  // Optional members of a given type: nullopt when absent or null, an error
  // when present with another type.
  std::optional<double> optional_number(std::string_view key) const;
  std::optional<std::string> optional_string(std::string_view key) const;

  const nlohmann::json& raw() const { return *value_; }
  const std::string& source() const { return source_; }
  const std::string& pointer() const { return pointer_; }

  [[noreturn]] void fail(std::string_view what) const;

 private:
  std::string child_pointer(std::string_view key) const;

  std::shared_ptr<const nlohmann::json> root_;
  const nlohmann::json* value_;
  std::string source_;
  std::string pointer_;
};

struct JsonOptions {
  // Google Benchmark writes a non-finite double as a bare NaN, -NaN, Infinity
  // or -Infinity, which is not JSON; with this set they read as null (a value
  // that is missing, never a number). Positions in errors stay the file's.
  bool non_finite_as_null = false;
};

// Parses `text`; `source` names it in messages (a file name, or
// "FILE: context/engram.counters" for JSON nested in a string). Throws
// InputError.
JsonValue parse_json_text(std::string_view text, const std::string& source, JsonOptions options = {});
JsonValue read_json_file(const std::filesystem::path& path, std::string_view what, JsonOptions options = {});

// Checks the "schema" and "version" members every engram format carries:
// another name, or another version, is an error that says which was found and
// which this build reads.
void check_schema(const JsonValue& root, std::string_view schema, int version);

// The element of `all` whose name_of(e) is the value's string; else an error
// naming the value and every name known: "unknown WHAT "x" (expected one of
// a, b)". One place, so every enum in every format is read (and refused) alike.
template <typename Enum, std::size_t N, typename NameOf>
Enum enum_from_names(const JsonValue& value, const Enum (&all)[N], NameOf name_of, std::string_view what) {
  const std::string text = value.string();
  std::string known;
  for (const Enum e : all) {
    if (std::string_view(name_of(e)) == text) return e;
    if (!known.empty()) known += ", ";
    known += std::string_view(name_of(e));
  }
  value.fail("unknown " + std::string(what) + " \"" + text + "\" (expected one of " + known + ")");
}

}  // namespace engram::io
