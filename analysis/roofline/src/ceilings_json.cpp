// Reading the ceilings JSON written by build/bench/ceilings.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engram/roofline/roofline.hpp"
#include "engram/io/errors.hpp"
#include "engram/io/json.hpp"
#include "engram/io/json.hpp"

namespace engram::roofline {
namespace {

using nlohmann::json;

// Looks fields up by JSON path and names the path in every complaint.
class CeilingsReader {
 public:
  explicit CeilingsReader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw io::InputError(source_, 0, fmt::format("{}: {}", path, what));
  }

  const json& member(const json& object, const std::string& path, const char* key) const {
    if (!object.is_object()) fail(path, "is not an object");
    const auto it = object.find(key);
    if (it == object.end()) fail(path + "/" + key, "missing");
    return *it;
  }

  double positive_number(const json& value, const std::string& path) const {
    if (!value.is_number()) fail(path, "is not a number");
    const double x = value.get<double>();
    if (!std::isfinite(x) || x <= 0) fail(path, fmt::format("must be a positive number, not {}", value.dump()));
    return x;
  }

  std::string optional_string(const json& object, const char* key) const {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : "";
  }

 private:
  const std::string& source_;
};

}  // namespace

double MachineCeilings::best_peak_gflops() const {
  double best = 0;
  for (const auto& [simd, gflops] : peak_gflops) best = std::max(best, gflops);
  return best;
}

MachineCeilings parse_ceilings_json(std::string_view text, const std::string& source,
                                    const std::string& bandwidth_kernel) {
  if (bandwidth_kernel != "load" && bandwidth_kernel != "copy" && bandwidth_kernel != "triad") {
    throw std::invalid_argument(
        fmt::format("unknown bandwidth kernel '{}' (expected load, copy or triad)", bandwidth_kernel));
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw io::InputError(source, 0, "empty file: expected the JSON of build/bench/ceilings");
  }
  const io::JsonValue parsed = io::parse_json_text(text, source);
  const json& doc = parsed.raw();
  const CeilingsReader r(source);
  if (!doc.is_object()) r.fail("/", "the top level is not an object (not a ceilings file)");
  const json& schema = r.member(doc, "", "schema");
  if (!schema.is_string() || schema.get<std::string>() != "engram-ceilings/1") {
    r.fail("/schema", fmt::format("is {}, expected \"engram-ceilings/1\" (the output of build/bench/ceilings)",
                                  schema.dump()));
  }

  MachineCeilings c;
  c.source = source;
  c.bandwidth_kernel = bandwidth_kernel;
  if (const auto machine = doc.find("machine"); machine != doc.end() && machine->is_object()) {
    c.cpu_model = r.optional_string(*machine, "cpu_model");
    c.date = r.optional_string(*machine, "date");
  }
  if (const auto clock = doc.find("clock"); clock != doc.end() && clock->is_object()) {
    if (const auto ghz = clock->find("ghz"); ghz != clock->end() && !ghz->is_null()) {
      c.clock_ghz = r.positive_number(*ghz, "/clock/ghz");
    }
  }

  const json& peaks = r.member(doc, "", "peak_gflops");
  if (!peaks.is_object() || peaks.empty()) r.fail("/peak_gflops", "must be an object with at least one SIMD level");
  for (const auto& [simd, value] : peaks.items()) {
    c.peak_gflops[simd] = r.positive_number(value, "/peak_gflops/" + simd);
  }

  const json& levels = r.member(doc, "", "levels");
  for (const char* name : {"L1", "L2", "L3", "DRAM"}) {
    const std::string path = std::string("/levels/") + name;
    const json& level = r.member(levels, "/levels", name);
    MemoryCeiling m;
    m.level = name;
    const json& size = r.member(level, path, "size");
    const json& bytes = r.member(size, path + "/size", "bytes");
    if (!bytes.is_null()) {
      m.size = static_cast<std::uint64_t>(std::llround(r.positive_number(bytes, path + "/size/bytes")));
      m.size_source = r.optional_string(size, "source");
    } else if (std::string(name) != "DRAM") {
      r.fail(path + "/size/bytes", "is null: the ceilings do not know this cache's size");
    }
    const json& bandwidth = r.member(level, path, "bandwidth");
    const json& figure = r.member(bandwidth, path + "/bandwidth", bandwidth_kernel.c_str());
    if (!figure.is_null()) {
      const std::string figure_path = path + "/bandwidth/" + bandwidth_kernel;
      m.gbps = r.positive_number(r.member(figure, figure_path, "gbps"), figure_path + "/gbps");
      if (const auto to = figure.find("to_bytes"); to != figure.end()) {
        m.plateau_to = static_cast<std::uint64_t>(std::llround(r.positive_number(*to, figure_path + "/to_bytes")));
      }
    }
    c.levels.push_back(std::move(m));
  }
  for (std::size_t i = 1; i + 1 < c.levels.size(); ++i) {
    if (*c.levels[i].size < *c.levels[i - 1].size) {
      r.fail("/levels/" + c.levels[i].level + "/size/bytes",
             fmt::format("{} is smaller than {}'s {}", *c.levels[i].size, c.levels[i - 1].level, *c.levels[i - 1].size));
    }
  }
  if (std::none_of(c.levels.begin(), c.levels.end(), [](const MemoryCeiling& m) { return m.gbps.has_value(); })) {
    r.fail("/levels", fmt::format("no level has a {} bandwidth", bandwidth_kernel));
  }
  return c;
}

MachineCeilings read_ceilings_json(const std::filesystem::path& path, const std::string& bandwidth_kernel) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw io::InputError(path.string(), 0, "is a directory, not a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw io::InputError(path.string(), 0, std::filesystem::exists(path, ec) ? "cannot read the file" : "no such file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw io::InputError(path.string(), 0, "read error");
  return parse_ceilings_json(text.str(), path.string(), bandwidth_kernel);
}

}  // namespace engram::roofline
