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

// The largest unit in which the value, as significant() prints it, is at
// least 1: 999.7 ns prints as "1.00 µs", not "1000 ns".
const Unit& unit_for(double ns) {
  for (const auto& unit : kUnits) {
    if (std::fabs(ns) >= unit.ns * 0.9995) return unit;
  }
  return kUnits[3];
}

// Decimals that give about three significant digits below 100 (none from
// 100 on), and `value` rounded to them. The rounding can carry into the next
// power of ten (9.996 -> 10.0, 0.99996 -> 1.00), which then needs one decimal
// fewer: the decimals are chosen again for the rounded value.
int decimals_for(double magnitude) {
  if (magnitude >= 100) return 0;
  if (magnitude >= 10) return 1;
  if (magnitude >= 1) return 2;
  return 2 - static_cast<int>(std::floor(std::log10(magnitude)));
}

std::string three_digits(double value) {
  int decimals = decimals_for(std::fabs(value));
  const double scale = std::pow(10.0, decimals);
  const double rounded = std::round(value * scale) / scale;
  decimals = std::min(decimals, decimals_for(std::fabs(rounded)));
  return fmt::format("{:.{}f}", rounded, decimals);
}

}  // namespace

std::string significant(double value) {
  if (!std::isfinite(value)) return "n/a";
  const double a = std::fabs(value);
  if (a == 0) return "0";
  return three_digits(value);
}

// Not a number is "n/a" without a unit: "n/a ns" would read as a measurement.
std::string duration(double ns) {
  if (!std::isfinite(ns)) return "n/a";
  const Unit& unit = unit_for(ns);
  return significant(ns / unit.ns) + " " + unit.name;
}

std::string duration_in_unit_of(double ns, double reference) {
  if (!std::isfinite(ns)) return "n/a";
  const Unit& unit = std::isfinite(reference) ? unit_for(reference) : unit_for(ns);
  return significant(ns / unit.ns) + " " + unit.name;
}

std::string percent(double fraction) { return percent_value(100 * fraction); }

std::string percent_value(double pct) {
  if (!std::isfinite(pct)) return "n/a";
  return fmt::format("{:.1f}%", pct);
}

std::string bytes(double count) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  constexpr int kLargest = 6;
  if (!std::isfinite(count)) return "n/a";
  int unit = 0;
  // From 1023.5 on a value would print as "1024" of its unit (1023.99 MiB,
  // 1023.6 B): it is 1.00 of the next one.
  while (unit < kLargest && std::fabs(count) >= 1023.5) {
    count /= 1024.0;
    ++unit;
  }
  // Whole numbers without decimals; plain bytes always whole (a fraction of
  // a byte can only be an average: 12.4 B is "12 B").
  if (unit == 0 || count == std::floor(count)) return fmt::format("{:.0f} {}", count, kUnits[unit]);
  // Three significant digits, never an exponent.
  return three_digits(count) + " " + kUnits[unit];
}

std::string count(double value) {
  if (!std::isfinite(value)) return "n/a";
  if (value == 0) return "0";
  if (std::abs(value) >= 1e9) return fmt::format("{:.3g}", value);
  const int digits = static_cast<int>(std::floor(std::log10(std::abs(value)))) + 1;
  // Above three digits the last ones are rounded away (1234567 -> 1230000);
  // below, decimals carry the three digits (0.0004 -> 0.000400).
  if (digits > 3) {
    const double scale = std::pow(10.0, digits - 3);
    return fmt::format("{:.0f}", std::round(value / scale) * scale);
  }
  return three_digits(value);
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

std::string ratio(double value) {
  if (!std::isfinite(value)) return "n/a";
  return significant(value) + "×";
}

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
