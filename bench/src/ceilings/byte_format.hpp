#pragma once
// Internal: sizes in words ("32 KiB", "22.6 MiB") for notes and progress lines.
#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace engram::ceilings {

inline std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  if (unit == 0 || value == static_cast<double>(static_cast<std::uint64_t>(value))) {
    return fmt::format("{} {}", static_cast<std::uint64_t>(value), kUnits[unit]);
  }
  // Three significant digits, never an exponent (1023.99 MiB is "1024 MiB").
  return fmt::format("{:.{}f} {}", value, value >= 100 ? 0 : value >= 10 ? 1 : 2, kUnits[unit]);
}

}  // namespace engram::ceilings
