#include "json_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "engram/report.hpp"
#include "../json_position.hpp"

namespace engram::analysis::report {
namespace {

std::string type_name(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  return "an object";
}

// RFC 6901: '~' -> "~0", '/' -> "~1".
std::string escape_pointer_token(std::string_view key) {
  std::string out;
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string read_input_file(const std::filesystem::path& path, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw ReportInputError(fmt::format("{}: no such file ({})", path.string(), what));
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw ReportInputError(fmt::format("{}: is a folder, not a file ({})", path.string(), what));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ReportInputError(fmt::format("{}: cannot open for reading ({})", path.string(), what));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ReportInputError(fmt::format("{}: read error ({})", path.string(), what));
  std::string content = text.str();
  if (content.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw ReportInputError(fmt::format("{}: empty file ({})", path.string(), what));
  }
  return content;
}

JsonValue::JsonValue(std::shared_ptr<const nlohmann::json> root, const nlohmann::json* value, std::string source,
                     std::string pointer)
    : root_(std::move(root)), value_(value), source_(std::move(source)), pointer_(std::move(pointer)) {}

void JsonValue::fail(std::string_view what) const {
  throw ReportInputError(fmt::format("{}: {}: {}", source_, pointer_.empty() ? "/" : pointer_, what));
}

std::string JsonValue::child_pointer(std::string_view key) const {
  return pointer_ + "/" + escape_pointer_token(key);
}

JsonValue JsonValue::at(std::string_view key) const {
  if (!value_->is_object()) fail(fmt::format("expected an object with \"{}\", found {}", key, type_name(*value_)));
  const auto it = value_->find(key);
  if (it == value_->end()) {
    throw ReportInputError(fmt::format("{}: {}: missing", source_, child_pointer(key)));
  }
  return JsonValue(root_, &*it, source_, child_pointer(key));
}

std::optional<JsonValue> JsonValue::find(std::string_view key) const {
  if (!value_->is_object()) fail(fmt::format("expected an object, found {}", type_name(*value_)));
  const auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return JsonValue(root_, &*it, source_, child_pointer(key));
}

std::vector<JsonValue> JsonValue::elements() const {
  if (!value_->is_array()) fail(fmt::format("expected an array, found {}", type_name(*value_)));
  std::vector<JsonValue> out;
  out.reserve(value_->size());
  for (std::size_t i = 0; i < value_->size(); ++i) {
    out.emplace_back(root_, &(*value_)[i], source_, fmt::format("{}/{}", pointer_, i));
  }
  return out;
}

std::vector<std::pair<std::string, JsonValue>> JsonValue::members() const {
  if (!value_->is_object()) fail(fmt::format("expected an object, found {}", type_name(*value_)));
  std::vector<std::pair<std::string, JsonValue>> out;
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    out.emplace_back(it.key(), JsonValue(root_, &it.value(), source_, child_pointer(it.key())));
  }
  return out;
}

double JsonValue::number() const {
  if (!value_->is_number()) fail(fmt::format("expected a number, found {}", type_name(*value_)));
  const double x = value_->get<double>();
  if (!std::isfinite(x)) fail("not a finite number");
  return x;
}

std::string JsonValue::string() const {
  if (!value_->is_string()) fail(fmt::format("expected a string, found {}", type_name(*value_)));
  return value_->get<std::string>();
}

bool JsonValue::boolean() const {
  if (!value_->is_boolean()) fail(fmt::format("expected true or false, found {}", type_name(*value_)));
  return value_->get<bool>();
}

std::optional<double> JsonValue::optional_number(std::string_view key) const {
  const auto v = find(key);
  if (!v) return std::nullopt;
  return v->number();
}

std::optional<std::string> JsonValue::optional_string(std::string_view key) const {
  const auto v = find(key);
  if (!v) return std::nullopt;
  return v->string();
}

JsonValue parse_json_text(std::string_view text, const std::string& source) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw ReportInputError(fmt::format("{}: empty (expected JSON)", source));
  }
  auto root = std::make_shared<nlohmann::json>();
  try {
    *root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line L, column C: ..."
    std::string what = e.what();
    if (const auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    // Running out of input (at its end, or inside a string) is truncation;
    // a bad last byte is not.
    // (an unfinished string, number or literal at the very end counts too).
    const bool truncated = what.find("unexpected end of input") != std::string::npos ||
                           (e.byte >= text.size() && what.find("invalid") != std::string::npos);
    throw ReportInputError(fmt::format("{}:{} (byte {}): {} JSON: {}", source, line_and_column(text, e.byte), e.byte,
                                       truncated ? "truncated" : "malformed", what));
  }
  const nlohmann::json* value = root.get();
  return JsonValue(std::move(root), value, source, "");
}

JsonValue read_json_file(const std::filesystem::path& path, std::string_view what) {
  const std::string text = read_input_file(path, what);
  return parse_json_text(text, path.string());
}

}  // namespace engram::analysis::report
