#pragma once
// Reading the report's JSON inputs with errors that name the file and the
// place: "FILE:LINE:COLUMN: malformed JSON: ..." for syntax, and
// "FILE: /json/pointer: expected a number, found a string" for content.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace engram::analysis::report {

// The whole file as text; throws ReportInputError for a missing, unreadable
// or empty (whitespace only) file.
std::string read_input_file(const std::filesystem::path& path, std::string_view what);

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

// Parses `text`; `source` names it in messages (a file name, or
// "FILE: context/engram.counters" for JSON nested in a string).
JsonValue parse_json_text(std::string_view text, const std::string& source);
JsonValue read_json_file(const std::filesystem::path& path, std::string_view what);

}  // namespace engram::analysis::report
