#include "engram/io/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
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

// What was found instead: the number as written ("-3.5"), or the kind of value.
std::string shown(const nlohmann::json& value) { return value.is_number() ? value.dump() : type_name(value); }

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

// Builds the document from the parser's events, as nlohmann's own DOM
// parser does, but (1) refuses nesting deeper than kMaxJsonDepth before the
// tree grows (so nothing recursive ever walks a deeper one), and (2) keeps
// the position nlohmann reports with every error, including a number
// overflow (1e400), which its DOM parser throws as out_of_range without
// a position.
class DomBuilder final : public nlohmann::json_sax<nlohmann::json> {
 public:
  struct Error {
    std::size_t position = 0;  // 1-based byte, nlohmann's chars_read_total
    std::string what;
    bool overflow = false;  // a number too large for a double
  };

  explicit DomBuilder(nlohmann::json& root) : root_(root) {}

  bool null() override { return put(nullptr) != nullptr; }
  bool boolean(bool value) override { return put(value) != nullptr; }
  bool number_integer(number_integer_t value) override { return put(value) != nullptr; }
  bool number_unsigned(number_unsigned_t value) override { return put(value) != nullptr; }
  bool number_float(number_float_t value, const string_t&) override { return put(value) != nullptr; }
  bool string(string_t& value) override { return put(std::move(value)) != nullptr; }
  bool binary(binary_t& value) override { return put(nlohmann::json::binary(std::move(value))) != nullptr; }
  bool start_object(std::size_t) override { return open(nlohmann::json::object()); }
  bool key(string_t& key) override {
    key_ = std::move(key);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(nlohmann::json::array()); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::json::exception& ex) override {
    error_.what = ex.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 6: syntax error ..."
    if (error_.what.rfind("[json.exception.", 0) == 0) {
      if (const auto end = error_.what.find("] "); end != std::string::npos) error_.what.erase(0, end + 2);
    }
    if (error_.what.rfind("parse error", 0) == 0) {
      if (const auto colon = error_.what.find(": "); colon != std::string::npos) error_.what.erase(0, colon + 2);
    }
    error_.overflow = ex.id == 406;
    // An overflow is reported after the number: point at its first digit.
    error_.position = error_.overflow && position >= last_token.size() ? position - last_token.size() + 1 : position;
    return false;
  }

  bool too_deep() const { return too_deep_; }
  const Error& error() const { return error_; }

 private:
  // Places a value in the open container (or as the root); nullptr never.
  nlohmann::json* put(nlohmann::json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    nlohmann::json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    nlohmann::json& slot = parent[key_];
    slot = std::move(value);
    return &slot;
  }
  bool open(nlohmann::json empty) {
    if (open_.size() >= kMaxJsonDepth) {
      too_deep_ = true;
      return false;  // stops the parser
    }
    open_.push_back(put(std::move(empty)));
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }

  nlohmann::json& root_;
  std::vector<nlohmann::json*> open_;  // the containers being filled, outermost first
  std::string key_;
  bool too_deep_ = false;
  Error error_;
};

// The 1-based byte of the first '[' or '{' (outside strings) that opens a
// level deeper than `limit`, for the message; 0 when there is none.
std::size_t first_byte_deeper_than(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return i + 1;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return 0;
}

}  // namespace

std::string read_input_file(const std::filesystem::path& path, std::string_view what, std::uintmax_t max_bytes) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    throw InputError(path.string(), 0, fmt::format("no such file ({})", what));
  }
  if (ec) {
    // A folder on the way that cannot be searched, a link loop, ...: say so
    // rather than "no such file".
    throw InputError(path.string(), 0, fmt::format("cannot read it: {} ({})", ec.message(), what));
  }
  if (status.type() == std::filesystem::file_type::directory) {
    throw InputError(path.string(), 0, fmt::format("is a folder, not a file ({})", what));
  }
  // A regular file says its size: refuse a huge one before reading any of it.
  if (status.type() == std::filesystem::file_type::regular) {
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_bytes) {
      throw InputError(path.string(), 0,
                       fmt::format("larger than {} bytes; refusing to read it ({})", max_bytes, what));
    }
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

double JsonValue::non_negative() const {
  const double x = number();
  if (!(x >= 0)) fail(fmt::format("expected a number >= 0, found {}", shown(*value_)));
  return x;
}

double JsonValue::positive() const {
  const double x = number();
  if (!(x > 0)) fail(fmt::format("expected a number > 0, found {}", shown(*value_)));
  return x;
}

double JsonValue::in_range(double min, double max) const {
  const double x = number();
  if (!(x >= min && x <= max)) fail(fmt::format("expected a number in [{}, {}], found {}", min, max, shown(*value_)));
  return x;
}

double JsonValue::clock_ghz() const {
  const double x = number();
  if (!(x >= kMinClockGhz && x <= kMaxClockGhz)) {
    fail(fmt::format("expected a clock rate in [{}, {}] GHz, found {}", kMinClockGhz, kMaxClockGhz, shown(*value_)));
  }
  return x;
}

double JsonValue::clock_mhz() const {
  const double x = number();
  if (!(x >= kMinClockGhz * 1000 && x <= kMaxClockGhz * 1000)) {
    fail(fmt::format("expected a clock rate in [{}, {}] MHz, found {}", kMinClockGhz * 1000, kMaxClockGhz * 1000,
                     shown(*value_)));
  }
  return x;
}

namespace {

// The value as an exact integer when it is a whole number that fits the type;
// nullopt otherwise. Floating values are range-checked as doubles first (the
// bounds 2^63 and 2^64 are exact in a double), so the cast is always defined.
std::optional<std::int64_t> exact_signed(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (!v.is_number_float()) return std::nullopt;
  const double x = v.get<double>();
  if (!std::isfinite(x) || x != std::floor(x) || x < -0x1p63 || x >= 0x1p63) return std::nullopt;
  return static_cast<std::int64_t>(x);
}

std::optional<std::uint64_t> exact_unsigned(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < 0) return std::nullopt;
    return static_cast<std::uint64_t>(i);
  }
  if (!v.is_number_float()) return std::nullopt;
  const double x = v.get<double>();
  if (!std::isfinite(x) || x != std::floor(x) || x < 0 || x >= 0x1p64) return std::nullopt;
  return static_cast<std::uint64_t>(x);
}


}  // namespace

std::int64_t JsonValue::whole(std::int64_t min, std::int64_t max) const {
  const auto n = exact_signed(*value_);
  if (!n || *n < min || *n > max) {
    fail(fmt::format("expected a whole number in [{}, {}], found {}", min, max, shown(*value_)));
  }
  return *n;
}

std::uint64_t JsonValue::count(std::uint64_t max) const {
  const auto n = exact_unsigned(*value_);
  if (!n || *n > max) fail(fmt::format("expected a whole number in [0, {}], found {}", max, shown(*value_)));
  return *n;
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
  const auto syntax_error = [&](std::size_t byte, bool truncated, const std::string& what) {
    return InputError::with_place(source, parse_error_position(text, byte).line,
                                  fmt::format("{}:{} (byte {}): {} JSON: {}", source, line_and_column(text, byte),
                                              byte, truncated ? "truncated" : "malformed", what));
  };
  // nlohmann's lexer takes a NUL byte for the end of the input, so whatever
  // follows one would be ignored. JSON text never holds a raw NUL (not even
  // inside a string), so any NUL is refused where it stands.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    throw syntax_error(nul + 1, false, "a NUL byte (JSON text holds none)");
  }
  RelaxedJson relaxed;
  if (options.non_finite_as_null) relaxed = replace_non_finite_literals(text);
  const std::string_view parsed = options.non_finite_as_null ? std::string_view(relaxed.text) : text;
  auto root = std::make_shared<nlohmann::json>();
  DomBuilder builder(*root);
  if (!nlohmann::json::sax_parse(parsed.begin(), parsed.end(), &builder)) {
    if (builder.too_deep()) {
      throw syntax_error(first_byte_deeper_than(text, kMaxJsonDepth), false,
                         fmt::format("nested deeper than {} levels; refusing to read it", kMaxJsonDepth));
    }
    const DomBuilder::Error& e = builder.error();
    // Running out of input (at its end, or inside a string, number or
    // literal that the end cuts short) is truncation; a bad byte, the last
    // one included, is not.
    const bool truncated = !e.overflow && (e.what.find("unexpected end of input") != std::string::npos ||
                                           e.position > parsed.size());
    const std::size_t byte = options.non_finite_as_null ? relaxed.file_position(e.position) : e.position;
    throw syntax_error(byte, truncated, e.what);
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
