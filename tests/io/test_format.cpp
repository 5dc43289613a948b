// Numbers in words (format.hpp) and tables (text_table.hpp): every function
// at its edges -- zero, negative, not a number, values that round up into
// the next unit or power of ten, huge values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include "engram/io/format.hpp"
#include "engram/io/text_table.hpp"

namespace {

namespace fs = std::filesystem;
namespace io = engram::io;
using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(FormatSignificant, ThreeDigitsWithoutExponent) {
  EXPECT_EQ(io::significant(0), "0");
  EXPECT_EQ(io::significant(-0.0), "0");
  EXPECT_EQ(io::significant(1234.4), "1234");  // whole digits are never dropped
  EXPECT_EQ(io::significant(123.45), "123");
  EXPECT_EQ(io::significant(12.345), "12.3");
  EXPECT_EQ(io::significant(1.2345), "1.23");
  EXPECT_EQ(io::significant(0.012345), "0.0123");
  EXPECT_EQ(io::significant(-12.345), "-12.3");
  EXPECT_EQ(io::significant(-0.5), "-0.500");
  EXPECT_EQ(io::significant(1e20), "100000000000000000000");
  EXPECT_EQ(io::significant(kNaN), "n/a");
  EXPECT_EQ(io::significant(kInf), "n/a");
  EXPECT_EQ(io::significant(-kInf), "n/a");
}

// Rounding that carries into the next power of ten keeps three digits.
TEST(FormatSignificant, RoundingUpKeepsThreeDigits) {
  EXPECT_EQ(io::significant(99.96), "100");
  EXPECT_EQ(io::significant(9.996), "10.0");
  EXPECT_EQ(io::significant(0.99996), "1.00");
  EXPECT_EQ(io::significant(0.0099996), "0.0100");
  EXPECT_EQ(io::significant(-9.996), "-10.0");
  EXPECT_EQ(io::significant(99.94), "99.9");
}

TEST(FormatDuration, PicksTheUnitThatKeepsItBelowAThousand) {
  EXPECT_EQ(io::duration(0), "0 ns");
  EXPECT_EQ(io::duration(0.5), "0.500 ns");
  EXPECT_EQ(io::duration(999), "999 ns");
  EXPECT_EQ(io::duration(999.4), "999 ns");
  EXPECT_EQ(io::duration(999.6), "1.00 µs");  // not "1000 ns"
  EXPECT_EQ(io::duration(1530), "1.53 µs");
  EXPECT_EQ(io::duration(12e6), "12.0 ms");
  EXPECT_EQ(io::duration(999.96e6), "1.00 s");
  EXPECT_EQ(io::duration(3.6e12), "3600 s");  // no unit above seconds
  EXPECT_EQ(io::duration(-2500), "-2.50 µs");
  EXPECT_EQ(io::duration(kNaN), "n/a");  // not "n/a ns"
  EXPECT_EQ(io::duration(kInf), "n/a");
}

TEST(FormatDuration, InTheUnitOfAReference) {
  EXPECT_EQ(io::duration_in_unit_of(900, 12000), "0.900 µs");
  EXPECT_EQ(io::duration_in_unit_of(12000, 900), "12000 ns");
  EXPECT_EQ(io::duration_in_unit_of(0, 5e9), "0 s");
  EXPECT_EQ(io::duration_in_unit_of(kNaN, 12000), "n/a");
  EXPECT_EQ(io::duration_in_unit_of(1530, kNaN), "1.53 µs");  // no reference: its own unit
}

TEST(FormatPercent, OneDecimal) {
  EXPECT_EQ(io::percent(0.1234), "12.3%");
  EXPECT_EQ(io::percent(0), "0.0%");
  EXPECT_EQ(io::percent(-0.5), "-50.0%");
  EXPECT_EQ(io::percent(2), "200.0%");
  EXPECT_EQ(io::percent(kNaN), "n/a");
  EXPECT_EQ(io::percent(kInf), "n/a");
  EXPECT_EQ(io::percent_value(12.34), "12.3%");
  EXPECT_EQ(io::percent_value(99.96), "100.0%");
  EXPECT_EQ(io::percent_value(-kInf), "n/a");
}

TEST(FormatBytes, BinaryUnits) {
  EXPECT_EQ(io::bytes(0), "0 B");
  EXPECT_EQ(io::bytes(1), "1 B");
  EXPECT_EQ(io::bytes(1023), "1023 B");
  EXPECT_EQ(io::bytes(1024), "1 KiB");
  EXPECT_EQ(io::bytes(1536), "1.50 KiB");
  EXPECT_EQ(io::bytes(32768), "32 KiB");
  EXPECT_EQ(io::bytes(3072000), "2.93 MiB");
  EXPECT_EQ(io::bytes(29.5 * 1048576), "29.5 MiB");
  EXPECT_EQ(io::bytes(150.3 * 1048576), "150 MiB");
  EXPECT_EQ(io::bytes(-2048), "-2 KiB");
  EXPECT_EQ(io::bytes(-1536), "-1.50 KiB");
  EXPECT_EQ(io::bytes(kNaN), "n/a");
  EXPECT_EQ(io::bytes(-kInf), "n/a");
}

// 1023.99 MiB is 1.00 GiB, never "1024 MiB".
TEST(FormatBytes, AValueThatRoundsTo1024IsTheNextUnit) {
  EXPECT_EQ(io::bytes(1023.99 * 1048576), "1.00 GiB");
  EXPECT_EQ(io::bytes(1023.6), "1.00 KiB");
  EXPECT_EQ(io::bytes(1023.4), "1023 B");
  EXPECT_EQ(io::bytes(1048575), "1.00 MiB");
  EXPECT_EQ(io::bytes(1023.4 * 1024), "1023 KiB");
  EXPECT_EQ(io::bytes(-1023.99 * 1048576), "-1.00 GiB");
}

TEST(FormatBytes, HugeValuesHaveAUnitAndNoExponent) {
  EXPECT_EQ(io::bytes(std::pow(2.0, 40)), "1 TiB");
  EXPECT_EQ(io::bytes(std::pow(2.0, 50)), "1 PiB");
  EXPECT_EQ(io::bytes(1.5 * std::pow(2.0, 60)), "1.50 EiB");
  EXPECT_EQ(io::bytes(static_cast<double>(std::numeric_limits<std::uint64_t>::max())), "16 EiB");
  const std::string beyond = io::bytes(1e30);
  EXPECT_THAT(beyond, ::testing::EndsWith(" EiB"));
  EXPECT_EQ(beyond.find('e'), std::string::npos) << beyond;
}

TEST(FormatCount, ThreeSignificantDigits) {
  EXPECT_EQ(io::count(0), "0");
  EXPECT_EQ(io::count(1), "1.00");
  EXPECT_EQ(io::count(12.345), "12.3");
  EXPECT_EQ(io::count(999), "999");
  EXPECT_EQ(io::count(1234), "1230");
  EXPECT_EQ(io::count(1540000), "1540000");
  EXPECT_EQ(io::count(999999999), "1000000000");
  EXPECT_EQ(io::count(-1234), "-1230");
  EXPECT_EQ(io::count(1e9), "1e+09");
  EXPECT_EQ(io::count(2.5e12), "2.5e+12");
  EXPECT_EQ(io::count(-3e15), "-3e+15");
  EXPECT_EQ(io::count(kNaN), "n/a");
  EXPECT_EQ(io::count(kInf), "n/a");
}

// Below 1 the digits are in the decimals: 0.5 was printed as "1.000" and
// 0.0004 as "0.000000" (rounded to a whole number first).
TEST(FormatCount, FractionsKeepTheirDigits) {
  EXPECT_EQ(io::count(0.5), "0.500");
  EXPECT_EQ(io::count(0.0004), "0.000400");
  EXPECT_EQ(io::count(-0.0004), "-0.000400");
  EXPECT_EQ(io::count(0.12345), "0.123");
  EXPECT_EQ(io::count(9.996), "10.0");
}

TEST(FormatThousands, CommasEveryThreeDigits) {
  EXPECT_EQ(io::thousands(0), "0");
  EXPECT_EQ(io::thousands(999), "999");
  EXPECT_EQ(io::thousands(1000), "1,000");
  EXPECT_EQ(io::thousands(18446744073709551615ULL), "18,446,744,073,709,551,615");
  EXPECT_EQ(io::thousands(1234567), "1,234,567");
  EXPECT_EQ(io::thousands(std::numeric_limits<std::uint64_t>::max()), "18,446,744,073,709,551,615");
}

TEST(FormatRatio, SignificantWithTimes) {
  EXPECT_EQ(io::ratio(0.8123), "0.812×");
  EXPECT_EQ(io::ratio(10), "10.0×");
  EXPECT_EQ(io::ratio(0), "0×");
  EXPECT_EQ(io::ratio(-2), "-2.00×");
  EXPECT_EQ(io::ratio(kNaN), "n/a");  // not "n/a×"
  EXPECT_EQ(io::ratio(kInf), "n/a");
}

TEST(FormatDisplayPath, RelativeBelowTheWorkingDirectory) {
  const fs::path cwd = fs::current_path();
  EXPECT_EQ(io::display_path(cwd / "tmp" / "bench.json"), "tmp/bench.json");
  EXPECT_EQ(io::display_path(cwd / "a" / ".." / "b.json"), "b.json");
  EXPECT_EQ(io::display_path(cwd), ".");
  EXPECT_EQ(io::display_path("rel/x.json"), "rel/x.json");           // relative: as given
  EXPECT_EQ(io::display_path("../up/x.json"), "../up/x.json");
  const fs::path outside = cwd.root_path() / "definitely-not-below-cwd" / "x.json";
  if (cwd != cwd.root_path()) {
    EXPECT_EQ(io::display_path(outside), outside.generic_string());
  }
  // A sibling whose name starts with ".." is still below.
  EXPECT_EQ(io::display_path(cwd / "..hidden" / "x.json"), "..hidden/x.json");
}

// ---------------------------------------------------------------- TextTable

TEST(TextTablePlain, ColumnsLineUpUnderTheHeader) {
  io::TextTable t({"name", "time", "ratio"});
  t.add({"a", "1.53 µs", "0.812×"});
  t.add({"longer_name", "12 ns", "≤ 1.0×"});
  EXPECT_EQ(t.render(),
            "name         time     ratio\n"
            "-----------  -------  ------\n"
            "a            1.53 µs  0.812×\n"
            "longer_name  12 ns    ≤ 1.0×\n");
}

TEST(TextTablePlain, ShortRowsAndEmptyCells) {
  io::TextTable t({"a", "b", "c"});
  t.add({"x"});
  t.add({"", "", "z"});
  EXPECT_EQ(t.render(),
            "a  b  c\n"
            "-  -  -\n"
            "x\n"
            "      z\n");
  EXPECT_EQ(io::TextTable({"only"}).render(), "only\n----\n");
}

TEST(TextTableMarkdown, RowsAndSeparator) {
  io::TextTable t({"benchmark", "target"});
  t.add({"sim", "≤ 1.0×"});
  t.add({"short"});
  EXPECT_EQ(t.render_markdown(),
            "| benchmark | target |\n"
            "|---|---|\n"
            "| sim | ≤ 1.0× |\n"
            "| short |  |\n");
}

TEST(TextTableMarkdown, CellsStayOneCellOnOneLine) {
  io::TextTable t({"a|b", "c"});
  t.add({"x|y", "two\nlines"});
  t.add({"ends in \\", "\\|"});
  EXPECT_EQ(t.render_markdown(),
            "| a\\|b | c |\n"
            "|---|---|\n"
            "| x\\|y | two lines |\n"
            "| ends in \\\\ | \\\\\\| |\n");
  // Every row has as many unescaped '|' as the header.
  const std::string md = t.render_markdown();
  std::size_t start = 0;
  while (start < md.size()) {
    const std::size_t end = md.find('\n', start);
    const std::string line = md.substr(start, end - start);
    std::size_t bars = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\\') ++i;
      else if (line[i] == '|') ++bars;
    }
    EXPECT_EQ(bars, 3u) << line;
    start = end + 1;
  }
}

}  // namespace
