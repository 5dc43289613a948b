// The roofline plot: gnuplot commands, drawn by io::render_gnuplot (the one
// gnuplot driver) into SVG and PNG.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "engram/io/gnuplot.hpp"
#include "engram/io/safe_write.hpp"
#include "engram/roofline/roofline.hpp"

namespace engram::roofline {
namespace {

constexpr io::PlotSize kSize{1640, 900};
// The plot area, in fractions of the canvas (fixed, so that the labels can be
// placed in pixels): the right part holds the key and the numbered list.
constexpr double kLeft = 0.055, kRight = 0.53, kBottom = 0.08, kTop = 0.93;
constexpr double kKeyX = 0.545, kListX = 0.745;

// No orange or brown among the kernels' colours: those are the gather roofs'.
constexpr const char* kKernelColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#111111", "#e377c2",
                                          "#17becf", "#9a9a00", "#7f7f7f", "#393b79", "#637939", "#6a3d9a"};
constexpr const char* kStreamColours[] = {"#08306b", "#2171b5", "#6baed6", "#9ecae1"};
constexpr const char* kGatherColours[] = {"#7f2704", "#d94801", "#fd8d3c", "#fdae6b"};

// Shapes by variant: the known ones fixed, others in order of appearance.
int point_type(const std::string& variant, std::map<std::string, int>& spare) {
  static const std::map<std::string, int> kKnown = {{"reference", 6}, {"optimized", 7}, {"openblas", 5},
                                                    {"eigen", 9},     {"sleef", 13},    {"uncounted", 11},
                                                    {"counted", 8}};
  if (const auto it = kKnown.find(variant); it != kKnown.end()) return it->second;
  static constexpr int kSpare[] = {4, 10, 12, 14, 2, 3};
  const auto it = spare.find(variant);
  if (it != spare.end()) return it->second;
  const int type = kSpare[spare.size() % (sizeof kSpare / sizeof kSpare[0])];
  spare.emplace(variant, type);
  return type;
}

// Log-log axes mapped onto the plot area's pixels.
struct Axes {
  double x_min, x_max, y_min, y_max;
  double px(double x) const {
    return kSize.width * (kLeft + (kRight - kLeft) * std::log(x / x_min) / std::log(x_max / x_min));
  }
  double py(double y) const {  // upwards
    return kSize.height * (kBottom + (kTop - kBottom) * std::log(y / y_min) / std::log(y_max / y_min));
  }
  double x_of(double px_) const {
    return x_min * std::exp((px_ / kSize.width - kLeft) / (kRight - kLeft) * std::log(x_max / x_min));
  }
  double y_of(double py_) const {
    return y_min * std::exp((py_ / kSize.height - kBottom) / (kTop - kBottom) * std::log(y_max / y_min));
  }
};

struct Box {
  double x0, y0, x1, y1;
  bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

// Greedy placement of each point's number: the first spot around its dot,
// going outwards, that overlaps no number placed before, no dot, and stays
// inside the plot area; failing that, the spot with the fewest overlaps.
std::vector<std::pair<double, double>> place_labels(const std::vector<std::pair<double, double>>& dots,
                                                    const std::vector<std::string>& labels) {
  constexpr double kCharWidth = 7.0, kHeight = 12.0, kDot = 6.0;
  std::vector<Box> taken;
  for (const auto& [x, y] : dots) taken.push_back({x - kDot, y - kDot, x + kDot, y + kDot});
  const Box area{kSize.width * kLeft, kSize.height * kBottom, kSize.width * kRight, kSize.height * kTop};
  std::vector<std::pair<double, double>> out;
  for (std::size_t i = 0; i < dots.size(); ++i) {
    const double w = kCharWidth * static_cast<double>(labels[i].size()) + 2, h = kHeight;
    std::pair<double, double> best = {dots[i].first + kDot + w / 2, dots[i].second};
    int best_overlaps = 1 << 30;
    for (double radius : {11.0, 17.0, 25.0, 35.0, 48.0}) {
      for (int k = 0; k < 12 && best_overlaps > 0; ++k) {
        const double angle = k * (M_PI / 6.0);
        const double cx = dots[i].first + std::cos(angle) * (radius + w / 2 - 4);
        const double cy = dots[i].second + std::sin(angle) * radius;
        const Box b{cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
        if (b.x0 < area.x0 || b.x1 > area.x1 || b.y0 < area.y0 || b.y1 > area.y1) continue;
        int overlaps = 0;
        for (const Box& t : taken) overlaps += b.overlaps(t);
        if (overlaps < best_overlaps) {
          best_overlaps = overlaps;
          best = {cx, cy};
        }
      }
      if (best_overlaps == 0) break;
    }
    taken.push_back({best.first - w / 2, best.second - h / 2, best.first + w / 2, best.second + h / 2});
    out.push_back(best);
  }
  return out;
}

}  // namespace

std::string roofline_gnuplot_commands(const RooflineResult& result) {
  const MachineCeilings& c = result.ceilings;
  const double peak = c.best_peak_gflops();

  // Ranges: every point, every streaming ridge (where a level's roof meets
  // the best peak), the peaks and every point's own roof, with a margin.
  double x_lo = INFINITY, x_hi = 0, y_lo = INFINITY;
  for (const MemoryCeiling& m : c.levels) {
    if (!m.stream) continue;
    x_lo = std::min(x_lo, peak / m.stream->gbps);
    x_hi = std::max(x_hi, peak / m.stream->gbps);
  }
  for (const auto& [simd, gflops] : c.peak_gflops) y_lo = std::min(y_lo, gflops);
  for (const RooflinePoint& p : result.points) {
    x_lo = std::min(x_lo, p.intensity);
    x_hi = std::max(x_hi, p.intensity);
    y_lo = std::min({y_lo, p.gflops, p.attainable_gflops});
  }
  const Axes axes{x_lo / 1.6, x_hi * 1.6, y_lo / 1.8, peak * 1.8};

  std::string s;
  s += fmt::format("set title {}\n",
                   io::gnuplot_quote(fmt::format("Roofline: {}, one core, single precision{}",
                                                 c.cpu_model.empty() ? "this machine" : c.cpu_model,
                                                 result.simd_level.empty() ? "" : ", kernels at " + result.simd_level)));
  s += fmt::format("set lmargin at screen {0}\nset rmargin at screen {1}\nset bmargin at screen {2}\n"
                   "set tmargin at screen {3}\n",
                   kLeft, kRight, kBottom, kTop);
  s += "set xlabel 'Arithmetic intensity (FLOP/byte)'\nset ylabel 'Performance (GFLOP/s)'\n";
  s += "set logscale xy 10\nset format x '%g'\nset format y '%g'\n";
  s += fmt::format("set xrange [{:.6g}:{:.6g}]\nset yrange [{:.6g}:{:.6g}]\n", axes.x_min, axes.x_max, axes.y_min,
                   axes.y_max);
  s += "set grid xtics ytics mxtics mytics lc rgb '#e6e6e6' lw 1\n";
  s += fmt::format("set key at screen {}, {} left top Left reverse spacing 1.05 font ',9' samplen 2.5\n", kKeyX, kTop);
  s += "set samples 1000\nmin(a, b) = a < b ? a : b\n";

  // Kernels in order of appearance, each with its colour.
  std::vector<std::string> kernels;
  for (const RooflinePoint& p : result.points) {
    if (std::find(kernels.begin(), kernels.end(), p.kernel) == kernels.end()) kernels.push_back(p.kernel);
  }
  auto colour_of = [&](const std::string& kernel) {
    const auto k = static_cast<std::size_t>(std::find(kernels.begin(), kernels.end(), kernel) - kernels.begin());
    return kKernelColours[k % (sizeof kKernelColours / sizeof kKernelColours[0])];
  };

  // The numbers beside the dots, and the numbered list right of the key.
  std::vector<std::pair<double, double>> dots;
  std::vector<std::string> numbers;
  for (std::size_t i = 0; i < result.points.size(); ++i) {
    dots.emplace_back(axes.px(result.points[i].intensity), axes.py(result.points[i].gflops));
    numbers.push_back(std::to_string(i + 1));
  }
  const auto spots = place_labels(dots, numbers);
  for (std::size_t i = 0; i < result.points.size(); ++i) {
    const RooflinePoint& p = result.points[i];
    s += fmt::format("set label {} at {:.6g}, {:.6g} center front font ',9' tc rgb '{}'\n",
                     io::gnuplot_quote(numbers[i]), axes.x_of(spots[i].first), axes.y_of(spots[i].second),
                     colour_of(p.kernel));
    s += fmt::format("set label {} at screen {}, screen {:.4f} left front font ',8.5' tc rgb '{}'\n",
                     io::gnuplot_quote(fmt::format("{:>2}  {}  {:.0f}%", i + 1, p.name, 100.0 * p.fraction_of_roof)),
                     kListX, kTop - 0.022 * static_cast<double>(i), colour_of(p.kernel));
  }
  s += fmt::format("set label 'number, benchmark, % of its roof' at screen {}, screen {:.4f} left front font ',9'\n",
                   kListX, kTop + 0.025);

  std::vector<std::string> plots;
  for (std::size_t i = 0; i < c.levels.size(); ++i) {
    const MemoryCeiling& m = c.levels[i];
    if (m.stream) {
      plots.push_back(fmt::format("min({:.6g}, x * {:.6g}) with lines lw 2 lc rgb '{}' title {}", peak, m.stream->gbps,
                                  kStreamColours[i % 4],
                                  io::gnuplot_quote(fmt::format("{} {} roof, {:.3g} GB/s", m.level, c.bandwidth_kernel,
                                                                m.stream->gbps))));
    }
  }
  for (std::size_t i = 0; i < c.levels.size(); ++i) {
    const MemoryCeiling& m = c.levels[i];
    if (m.gather) {
      plots.push_back(fmt::format("min({:.6g}, x * {:.6g}) with lines dt 2 lw 2 lc rgb '{}' title {}", peak,
                                  m.gather->gbps, kGatherColours[i % 4],
                                  io::gnuplot_quote(fmt::format("{} gather roof, {:.3g} GB/s", m.level, m.gather->gbps))));
    }
  }
  std::vector<std::pair<std::string, double>> peaks(c.peak_gflops.begin(), c.peak_gflops.end());
  std::sort(peaks.begin(), peaks.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  for (const auto& [simd, gflops] : peaks) {
    plots.push_back(fmt::format("{:.6g} with lines dt 3 lw 1.5 lc rgb '#555555' title {}", gflops,
                                io::gnuplot_quote(fmt::format("{} peak, {:.1f} GFLOP/s", simd, gflops))));
  }
  // The dots, in one data block: intensity, GFLOP/s, shape (variant),
  // colour (kernel, as 0xRRGGBB); the key entries come after, one per kernel
  // and one per variant.
  std::map<std::string, int> spare;
  s += "$points << EOD\n";
  for (const RooflinePoint& p : result.points) {
    s += fmt::format("{:.6g} {:.6g} {} {}\n", p.intensity, p.gflops, point_type(p.variant, spare),
                     std::stol(std::string(colour_of(p.kernel)).substr(1), nullptr, 16));
  }
  s += "EOD\n";
  plots.push_back("$points using 1:2:3:4 with points pt variable lc rgb variable ps 1.4 lw 1.5 notitle");
  for (const std::string& k : kernels) {
    plots.push_back(fmt::format("NaN with points pt 5 ps 1.2 lc rgb '{}' title {}", colour_of(k), io::gnuplot_quote(k)));
  }
  std::vector<std::string> variants;
  for (const RooflinePoint& p : result.points) {
    if (std::find(variants.begin(), variants.end(), p.variant) != variants.end()) continue;
    variants.push_back(p.variant);
    plots.push_back(fmt::format("NaN with points pt {} ps 1.2 lc rgb 'black' title {}", point_type(p.variant, spare),
                                io::gnuplot_quote(p.variant.empty() ? "(no variant)" : p.variant)));
  }
  s += "plot \\\n  ";
  for (std::size_t i = 0; i < plots.size(); ++i) s += plots[i] + (i + 1 < plots.size() ? ", \\\n  " : "\n");
  return s;
}

void draw_roofline_plot(const RooflineResult& result, const std::filesystem::path& svg,
                        const std::filesystem::path& png, io::OutputSet& outputs) {
  if (result.points.empty()) throw std::runtime_error("no benchmark to plot");
  const std::string commands = roofline_gnuplot_commands(result);
  if (!svg.empty()) outputs.add(svg, io::draw_gnuplot(commands, svg, "gnuplot", kSize));
  if (!png.empty()) outputs.add(png, io::draw_gnuplot(commands, png, "gnuplot", kSize));
}

void render_roofline_plot(const RooflineResult& result, const std::filesystem::path& svg,
                          const std::filesystem::path& png) {
  io::OutputSet outputs;
  draw_roofline_plot(result, svg, png, outputs);
  outputs.commit();
}

}  // namespace engram::roofline
