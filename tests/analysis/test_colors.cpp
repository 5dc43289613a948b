// Flame graph colours: every palette's formula pinned to values worked out
// by hand for one name, palette names both ways, kernel frames in the hot
// palette only, and the differential colour's scale. Pure unit tests.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/profile/flamegraph.hpp"

namespace {

using namespace engram::profile;

// Two names whose hashes give far-apart values, so a formula that takes the
// wrong value (v1 for v2, ...) shows. Each value is 16 bits of the FNV-1a
// hash / 65535; a channel is base + range * v, truncated.
//   ""  hashes to the offset basis 0xcbf29ce484222325:
//       v1 = bits 0..15 = 0x2325 = 8997 -> 0.137285, v2 = bits 21..36 = 9249
//       -> 0.141131, v3 = bits 42..57 = 64679 -> 0.986938.
//   "a" (0x61): (basis ^ 0x61) * 0x100000001b3 mod 2^64 = 0xaf63dc4c8601ec8c:
//       v1 = 0xec8c = 60556 -> 0.924025, v2 = 25648 -> 0.391363,
//       v3 = 55543 -> 0.847532.
struct Expected {
  Palette palette;
  Rgb empty_name;
  Rgb a;
};
const Expected kExpected[] = {
    // hot: 205+50 v3, 230 v1, 55 v2.  "": 254.35, 31.58, 7.76.  "a": 247.38, 212.53, 21.52
    {Palette::kHot, {254, 31, 7}, {247, 212, 21}},
    // mem: 0, 190+50 v2, 210 v1.  "": 197.06, 28.83.  "a": 209.57, 194.05
    {Palette::kMem, {0, 197, 28}, {0, 209, 194}},
    // io: 80+60 v1 (twice), 190+55 v2.  "": 88.24, 197.76.  "a": 135.44, 211.52
    {Palette::kIo, {88, 88, 197}, {135, 135, 211}},
    // red: 200+55 v1, 50+80 v1 (twice).  "": 207.55, 60.98.  "a": 250.82, 123.92
    {Palette::kRed, {207, 60, 60}, {250, 123, 123}},
    // green: 50+60 v1, 200+55 v1, 50+60 v1.  "": 58.24, 207.55.  "a": 105.44, 250.82
    {Palette::kGreen, {58, 207, 58}, {105, 250, 105}},
    // blue: 80+60 v1 (twice), 205+50 v1.  "": 88.24, 211.86.  "a": 135.44, 251.20
    {Palette::kBlue, {88, 88, 211}, {135, 135, 251}},
    // aqua: 50+60 v1, 165+55 v1 (twice).  "": 58.24, 172.55.  "a": 105.44, 215.82
    {Palette::kAqua, {58, 172, 172}, {105, 215, 215}},
    // yellow: 175+55 v1 (twice), 50+20 v1.  "": 182.55, 52.75.  "a": 225.82, 68.48
    {Palette::kYellow, {182, 182, 52}, {225, 225, 68}},
    // purple: 190+65 v1, 80+60 v1, 190+65 v1.  "": 198.92, 88.24.  "a": 250.06, 135.44
    {Palette::kPurple, {198, 88, 198}, {250, 135, 250}},
    // orange: 190+65 v1, 90+65 v1, 0.  "": 198.92, 98.92.  "a": 250.06, 150.06
    {Palette::kOrange, {198, 98, 0}, {250, 150, 0}},
};

void expect_rgb(const Rgb& actual, const Rgb& expected) {
  EXPECT_EQ(+actual.r, +expected.r);
  EXPECT_EQ(+actual.g, +expected.g);
  EXPECT_EQ(+actual.b, +expected.b);
}

TEST(FrameColors, EachPaletteMatchesItsFormula) {
  for (const Expected& e : kExpected) {
    SCOPED_TRACE(std::string(palette_name(e.palette)));
    {
      SCOPED_TRACE("name \"\"");
      expect_rgb(frame_color("", e.palette), e.empty_name);
    }
    {
      SCOPED_TRACE("name \"a\"");
      expect_rgb(frame_color("a", e.palette), e.a);
    }
  }
}

TEST(FrameColors, KernelFramesAreOrangeOnlyInTheHotPalette) {
  const std::string_view kernel = "do_syscall_64_[k]";
  EXPECT_EQ(frame_color(kernel, Palette::kHot), frame_color(kernel, Palette::kOrange));
  EXPECT_NE(frame_color(kernel, Palette::kBlue), frame_color(kernel, Palette::kOrange));
  EXPECT_EQ(frame_color(kernel, Palette::kBlue).r, frame_color(kernel, Palette::kBlue).g);  // still blue's formula
  // The suffix must end the name.
  EXPECT_NE(frame_color("_[k]_user", Palette::kHot), frame_color("_[k]_user", Palette::kOrange));
}

TEST(PaletteNames, AllTenInOrderAndBothWays) {
  const std::vector<std::string_view> expected = {"hot",  "mem",  "io",     "red",    "green",
                                                  "blue", "aqua", "yellow", "purple", "orange"};
  EXPECT_EQ(palette_names(), expected);
  for (std::string_view name : expected) {
    const std::optional<Palette> palette = parse_palette(name);
    ASSERT_TRUE(palette.has_value()) << name;
    EXPECT_EQ(palette_name(*palette), name);
  }
  EXPECT_EQ(parse_palette("mem"), Palette::kMem);
  EXPECT_EQ(parse_palette("orange"), Palette::kOrange);
}

TEST(PaletteNames, UnknownOrMisspelledNamesAreRejected) {
  for (std::string_view name : {"Hot", "HOT", "", "hot ", "rainbow"}) EXPECT_FALSE(parse_palette(name)) << name;
  EXPECT_EQ(palette_name(static_cast<Palette>(99)), "hot");  // out of range: the default palette's name
}

TEST(DifferentialColors, SaturationScalesWithTheShareOfTheLargestChange) {
  // Half the largest change: pale = round(210 * (1 - 0.5)) = 105.
  EXPECT_EQ(differential_color(5.0, 10.0), (Rgb{255, 105, 105}));
  // A quarter, shrinking: round(210 * 0.75) = round(157.5) = 158 (half away from zero).
  EXPECT_EQ(differential_color(-2.5, 10.0), (Rgb{158, 158, 255}));
  // More than the largest change is clamped to full saturation.
  EXPECT_EQ(differential_color(20.0, 10.0), (Rgb{255, 0, 0}));
  EXPECT_EQ(differential_color(-20.0, 10.0), (Rgb{0, 0, 255}));
}

TEST(DifferentialColors, NoScaleMeansWhite) {
  const Rgb white{255, 255, 255};
  EXPECT_EQ(differential_color(5.0, 0.0), white);
  EXPECT_EQ(differential_color(5.0, -1.0), white);
  EXPECT_EQ(differential_color(5.0, std::numeric_limits<double>::quiet_NaN()), white);
  EXPECT_EQ(differential_color(0.0, 10.0), white);
}

}  // namespace
