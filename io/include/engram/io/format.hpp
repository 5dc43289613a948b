#pragma once
// Numbers in words, one formatter per kind, for every table, plot and report.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace engram::io {

// About three significant digits without exponents: 1234 -> "1234",
// 12.345 -> "12.3", 0.012345 -> "0.0123".
std::string significant(double value);
// A duration in nanoseconds in the unit that keeps it in [1, 1000):
// 1530 -> "1.53 µs".
std::string duration(double ns);
// Two durations in the same unit (the unit of `reference`): for intervals.
std::string duration_in_unit_of(double ns, double reference);
std::string percent(double fraction);  // 0.1234 -> "12.3%"
std::string percent_value(double pct);  // 12.34 -> "12.3%"
// Binary units, three significant digits, whole numbers without decimals:
// 32768 -> "32 KiB", 3072000 -> "2.93 MiB".
std::string bytes(double count);
// Three significant digits without an exponent below a billion: 1.54e+06
// is harder to read in a table than 1540000.
std::string count(double value);
std::string thousands(std::uint64_t value);
std::string ratio(double value);        // 0.8123 -> "0.812×"
// An input's path as the reader should see it: relative to the working
// directory when it lies below it (so a report written from the repository
// shows tmp/bench.json, not /home/.../tmp/bench.json), else as given.
std::string display_path(const std::filesystem::path& path);

}  // namespace engram::io
