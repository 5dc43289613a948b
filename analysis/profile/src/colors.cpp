#include <array>
#include <cmath>
#include <cstdint>

#include "engram/profile/flamegraph.hpp"

namespace engram::profile {
namespace {

struct PaletteEntry {
  Palette palette;
  std::string_view name;
};

constexpr std::array<PaletteEntry, 10> kPalettes = {{
    {Palette::kHot, "hot"},
    {Palette::kMem, "mem"},
    {Palette::kIo, "io"},
    {Palette::kRed, "red"},
    {Palette::kGreen, "green"},
    {Palette::kBlue, "blue"},
    {Palette::kAqua, "aqua"},
    {Palette::kYellow, "yellow"},
    {Palette::kPurple, "purple"},
    {Palette::kOrange, "orange"},
}};

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::uint8_t channel(double base, double range, double v) {
  return static_cast<std::uint8_t>(base + range * v);
}

}  // namespace

std::optional<Palette> parse_palette(std::string_view name) {
  for (const auto& entry : kPalettes) {
    if (entry.name == name) return entry.palette;
  }
  return std::nullopt;
}

std::string_view palette_name(Palette palette) {
  for (const auto& entry : kPalettes) {
    if (entry.palette == palette) return entry.name;
  }
  return "hot";
}

std::vector<std::string_view> palette_names() {
  std::vector<std::string_view> names;
  for (const auto& entry : kPalettes) names.push_back(entry.name);
  return names;
}

Rgb frame_color(std::string_view name, Palette palette) {
  const std::uint64_t hash = fnv1a(name);
  // Three independent values in [0, 1] from different bits of the hash.
  const double v1 = static_cast<double>(hash & 0xFFFF) / 65535.0;
  const double v2 = static_cast<double>((hash >> 21) & 0xFFFF) / 65535.0;
  const double v3 = static_cast<double>((hash >> 42) & 0xFFFF) / 65535.0;
  if (palette == Palette::kHot && name.ends_with("_[k]")) palette = Palette::kOrange;
  switch (palette) {
    case Palette::kHot:
      return {channel(205, 50, v3), channel(0, 230, v1), channel(0, 55, v2)};
    case Palette::kMem:
      return {0, channel(190, 50, v2), channel(0, 210, v1)};
    case Palette::kIo:
      return {channel(80, 60, v1), channel(80, 60, v1), channel(190, 55, v2)};
    case Palette::kRed:
      return {channel(200, 55, v1), channel(50, 80, v1), channel(50, 80, v1)};
    case Palette::kGreen:
      return {channel(50, 60, v1), channel(200, 55, v1), channel(50, 60, v1)};
    case Palette::kBlue:
      return {channel(80, 60, v1), channel(80, 60, v1), channel(205, 50, v1)};
    case Palette::kAqua:
      return {channel(50, 60, v1), channel(165, 55, v1), channel(165, 55, v1)};
    case Palette::kYellow:
      return {channel(175, 55, v1), channel(175, 55, v1), channel(50, 20, v1)};
    case Palette::kPurple:
      return {channel(190, 65, v1), channel(80, 60, v1), channel(190, 65, v1)};
    case Palette::kOrange:
      return {channel(190, 65, v1), channel(90, 65, v1), 0};
  }
  return {};
}

Rgb differential_color(double delta, double max_abs_delta) {
  if (delta == 0.0 || !(max_abs_delta > 0.0)) return {255, 255, 255};
  const double strength = std::min(1.0, std::fabs(delta) / max_abs_delta);
  const auto pale = static_cast<std::uint8_t>(std::lround(210.0 * (1.0 - strength)));
  return delta > 0.0 ? Rgb{255, pale, pale} : Rgb{pale, pale, 255};
}

}  // namespace engram::profile
