#pragma once
// Internal: numbers in words for the roofline's table, notes and plot.
#include <fmt/format.h>

#include <cmath>
#include <string>

namespace engram::analysis {

// Binary units, three significant digits: "32 KiB", "2.93 MiB".
inline std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 4) {
    bytes /= 1024.0;
    ++unit;
  }
  if (unit == 0 || bytes == std::floor(bytes)) return fmt::format("{:.0f} {}", bytes, kUnits[unit]);
  // Three significant digits, never an exponent (1023.99 MiB is "1024 MiB").
  return fmt::format("{:.{}f} {}", bytes, bytes >= 100 ? 0 : bytes >= 10 ? 1 : 2, kUnits[unit]);
}

// Three significant digits without an exponent below a billion: 1.54e+06
// is harder to read in a table than 1540000.
inline std::string format_count(double value) {
  if (value != 0 && std::abs(value) >= 1e9) return fmt::format("{:.3g}", value);
  const int digits = value == 0 ? 1 : static_cast<int>(std::floor(std::log10(std::abs(value)))) + 1;
  const int decimals = std::max(0, 3 - digits);
  const double scale = std::pow(10.0, std::max(0, digits - 3));
  return fmt::format("{:.{}f}", std::round(value / scale) * scale, decimals);
}

}  // namespace engram::analysis
