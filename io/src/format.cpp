#include "engram/io/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace engram::io {
namespace {

struct Unit {
  double ns;
  const char* name;
};
constexpr Unit kUnits[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}, {1, "ns"}};

const Unit& unit_for(double ns) {
  for (const auto& unit : kUnits) {
    if (std::fabs(ns) >= unit.ns) return unit;
  }
  return kUnits[3];
}

}  // namespace

std::string significant(double value) {
  if (!std::isfinite(value)) return "n/a";
  const double a = std::fabs(value);
  if (a == 0) return "0";
  if (a >= 100) return fmt::format("{:.0f}", value);
  if (a >= 10) return fmt::format("{:.1f}", value);
  if (a >= 1) return fmt::format("{:.2f}", value);
  const int decimals = 2 - static_cast<int>(std::floor(std::log10(a)));
  return fmt::format("{:.{}f}", value, decimals);
}

std::string duration(double ns) {
  const Unit& unit = unit_for(ns);
  return significant(ns / unit.ns) + " " + unit.name;
}

std::string duration_in_unit_of(double ns, double reference) {
  const Unit& unit = unit_for(reference);
  return significant(ns / unit.ns) + " " + unit.name;
}

std::string percent(double fraction) { return percent_value(100 * fraction); }

std::string percent_value(double pct) {
  if (!std::isfinite(pct)) return "n/a";
  return fmt::format("{:.1f}%", pct);
}

std::string bytes(double count) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (!std::isfinite(count)) return "n/a";
  int unit = 0;
  while (std::fabs(count) >= 1024.0 && unit < 4) {
    count /= 1024.0;
    ++unit;
  }
  if (unit == 0 || count == std::floor(count)) return fmt::format("{:.0f} {}", count, kUnits[unit]);
  // Three significant digits, never an exponent (1023.99 MiB is "1024 MiB").
  const double a = std::fabs(count);
  return fmt::format("{:.{}f} {}", count, a >= 100 ? 0 : a >= 10 ? 1 : 2, kUnits[unit]);
}

std::string count(double value) {
  if (!std::isfinite(value)) return "n/a";
  if (value != 0 && std::abs(value) >= 1e9) return fmt::format("{:.3g}", value);
  const int digits = value == 0 ? 1 : static_cast<int>(std::floor(std::log10(std::abs(value)))) + 1;
  const int decimals = std::max(0, 3 - digits);
  const double scale = std::pow(10.0, std::max(0, digits - 3));
  return fmt::format("{:.{}f}", std::round(value / scale) * scale, decimals);
}

std::string thousands(std::uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[i];
    if ((n - i - 1) % 3 == 0 && i + 1 < n) out += ',';
  }
  return out;
}

std::string ratio(double value) { return significant(value) + "×"; }

std::string display_path(const std::filesystem::path& path) {
  if (path.is_absolute()) {
    std::error_code ec;
    const auto cwd = std::filesystem::current_path(ec);
    if (!ec) {
      const auto rel = path.lexically_normal().lexically_relative(cwd);
      if (!rel.empty() && *rel.begin() != "..") return rel.generic_string();
    }
  }
  return path.generic_string();
}

}  // namespace engram::io
