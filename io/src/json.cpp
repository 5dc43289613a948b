#include "engram/io/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "json_position.hpp"

namespace engram::io {
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

// Google Benchmark writes a non-finite double as a bare NaN, -NaN, Infinity
// or -Infinity (the cv aggregate of a counter that is always 0, for one),
// which is not JSON. Outside strings those words become null: a value that is
// missing, never a number. `shifts` maps positions in the result back to the
// file, so that error messages point into the file as it is.
struct RelaxedJson {
  std::string text;
  std::vector<std::pair<std::size_t, std::ptrdiff_t>> shifts;  // (end of a replacement in text, text - file)

  std::size_t file_position(std::size_t position) const {
    std::ptrdiff_t delta = 0;
    for (const auto& [end, d] : shifts) {
      if (end > position) break;
      delta = d;
    }
    return static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(position) - delta));
  }
};

RelaxedJson replace_non_finite_literals(std::string_view file) {
  constexpr std::string_view kWords[] = {"-Infinity", "Infinity", "-NaN", "NaN"};
  RelaxedJson out;
  out.text.reserve(file.size());
  bool in_string = false;
  std::ptrdiff_t delta = 0;
  for (std::size_t i = 0; i < file.size();) {
    const char c = file[i];
    if (in_string) {
      out.text += c;
      if (c == '\\' && i + 1 < file.size()) {
        out.text += file[i + 1];
        i += 2;
        continue;
      }
      if (c == '"') in_string = false;
      ++i;
      continue;
    }
    if (c == '"') in_string = true;
    std::size_t matched = 0;
    for (const std::string_view word : kWords) {
      const std::size_t end = i + word.size();
      if (file.substr(i, word.size()) == word &&
          (end == file.size() || !std::isalnum(static_cast<unsigned char>(file[end])))) {
        matched = word.size();
        break;
      }
    }
    if (matched == 0) {
      out.text += c;
      ++i;
      continue;
    }
    out.text += "null";
    delta += 4 - static_cast<std::ptrdiff_t>(matched);
    out.shifts.emplace_back(out.text.size(), delta);
    i += matched;
  }
  return out;
}

}  // namespace

std::string read_input_file(const std::filesystem::path& path, std::string_view what, std::uintmax_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw InputError(path.string(), 0, fmt::format("no such file ({})", what));
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path.string(), 0, fmt::format("is a folder, not a file ({})", what));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, fmt::format("cannot open for reading ({})", what));
  // Read in chunks up to one byte past the limit: a FIFO or /proc file has
  // no size to check beforehand.
  std::string content;
  char buffer[65536];
  while (in) {
    in.read(buffer, sizeof buffer);
    content.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (content.size() > max_bytes) {
      throw InputError(path.string(), 0, fmt::format("larger than {} bytes; refusing to read it ({})", max_bytes,
                                   what));
    }
  }
  if (in.bad()) throw InputError(path.string(), 0, fmt::format("read error ({})", what));
  if (content.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError(path.string(), 0, fmt::format("empty file ({})", what));
  }
  return content;
}

JsonValue::JsonValue(std::shared_ptr<const nlohmann::json> root, const nlohmann::json* value, std::string source,
                     std::string pointer)
    : root_(std::move(root)), value_(value), source_(std::move(source)), pointer_(std::move(pointer)) {}

void JsonValue::fail(std::string_view what) const {
  throw InputError::with_place(source_, 0, fmt::format("{}: {}: {}", source_, pointer_.empty() ? "/" : pointer_, what));
}

std::string JsonValue::child_pointer(std::string_view key) const {
  return pointer_ + "/" + escape_pointer_token(key);
}

JsonValue JsonValue::at(std::string_view key) const {
  if (!value_->is_object()) fail(fmt::format("expected an object with \"{}\", found {}", key, type_name(*value_)));
  const auto it = value_->find(key);
  if (it == value_->end()) {
    throw InputError::with_place(source_, 0, fmt::format("{}: {}: missing", source_, child_pointer(key)));
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

JsonValue parse_json_text(std::string_view text, const std::string& source, JsonOptions options) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw InputError(source, 0, "empty (expected JSON)");
  }
  RelaxedJson relaxed;
  if (options.non_finite_as_null) relaxed = replace_non_finite_literals(text);
  const std::string_view parsed = options.non_finite_as_null ? std::string_view(relaxed.text) : text;
  auto root = std::make_shared<nlohmann::json>();
  // The callback sees every value with its depth: a nesting bomb stops at
  // the limit instead of growing the tree (and, in the end, the stack of
  // whatever walks it).
  const nlohmann::json::parser_callback_t limit_depth = [&](int depth, nlohmann::json::parse_event_t event,
                                                            nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start ||
         event == nlohmann::json::parse_event_t::array_start) &&
        static_cast<std::size_t>(depth) >= kMaxJsonDepth) {
      throw InputError(source, 0, fmt::format("nested deeper than {} levels; refusing to read it", kMaxJsonDepth));
    }
    return true;
  };
  try {
    *root = nlohmann::json::parse(parsed, limit_depth);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line L, column C: ..."
    std::string what = e.what();
    if (const auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    // Running out of input (at its end, or inside a string) is truncation;
    // a bad last byte is not.
    // (an unfinished string, number or literal at the very end counts too).
    const bool truncated = what.find("unexpected end of input") != std::string::npos ||
                           (e.byte >= parsed.size() && what.find("invalid") != std::string::npos);
    const std::size_t byte = options.non_finite_as_null ? relaxed.file_position(e.byte) : e.byte;
    throw InputError::with_place(source, parse_error_position(text, byte).line,
                                 fmt::format("{}:{} (byte {}): {} JSON: {}", source, line_and_column(text, byte), byte,
                                             truncated ? "truncated" : "malformed", what));
  }
  const nlohmann::json* value = root.get();
  return JsonValue(std::move(root), value, source, "");
}

JsonValue read_json_file(const std::filesystem::path& path, std::string_view what, JsonOptions options) {
  const std::string text = read_input_file(path, what);
  return parse_json_text(text, path.string(), options);
}

void check_schema(const JsonValue& root, std::string_view schema, int version) {
  const auto name = root.find("schema");
  if (!name) root.fail(fmt::format("no \"schema\" member: not an {} file", schema));
  const std::string found = name->string();
  if (found != schema) name->fail(fmt::format("schema \"{}\", expected \"{}\"", found, schema));
  const auto number = root.find("version");
  if (!number) root.fail(fmt::format("no \"version\" member ({} files carry one)", schema));
  const double v = number->number();
  if (v != static_cast<double>(version)) {
    number->fail(fmt::format("{} version {}; this build reads version {}{}", schema, v, version,
                             v > version ? " (the file is newer than this tool: rebuild the tool)"
                                         : " (the file is older: write it again with this build)"));
  }
}

}  // namespace engram::io
