// The roofline plot: a gnuplot script, run by gnuplot into SVG and PNG.
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "engram/io/gnuplot.hpp"
#include "engram/io/process.hpp"
#include "engram/roofline/roofline.hpp"

namespace engram::roofline {
namespace {

// gnuplot's single-quoted strings take everything literally except '' for '.
std::string gp_string(const std::string& text) {
  std::string out = "'";
  for (char ch : text) {
    if (ch == '\'') out += '\'';
    if (ch != '\n') out += ch;
  }
  return out + "'";
}

// Data-block strings are double-quoted; benchmark names hold no quotes, but
// make sure.
std::string data_string(const std::string& text) {
  std::string out = "\"";
  for (char ch : text) out += ch == '"' ? '\'' : ch;
  return out + "\"";
}

constexpr const char* kKernelColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                                          "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939"};
constexpr std::size_t kKernelColourCount = sizeof kKernelColours / sizeof kKernelColours[0];
constexpr const char* kLevelColours[] = {"#08519c", "#3182bd", "#6baed6", "#636363"};

struct VariantStyle {
  int point_type;
  std::string label;
};

// Shape by variant: open circle for the reference, filled shapes for the
// known ones, then further shapes for others in order of appearance.
class VariantStyles {
 public:
  const VariantStyle& of(const std::string& variant) {
    const auto it = styles_.find(variant);
    if (it != styles_.end()) return it->second;
    static constexpr int kSpareTypes[] = {11, 8, 4, 10, 12, 14, 2, 3};
    const int type = kSpareTypes[spare_++ % (sizeof kSpareTypes / sizeof kSpareTypes[0])];
    return styles_.emplace(variant, VariantStyle{type, variant.substr(0, 10)}).first->second;
  }

 private:
  std::map<std::string, VariantStyle> styles_ = {{"reference", {6, "ref"}}, {"optimized", {7, "opt"}},
                                                 {"openblas", {5, "blas"}}, {"eigen", {9, "eigen"}},
                                                 {"sleef", {13, "sleef"}}};
  std::size_t spare_ = 0;
};

std::string temporary_sibling(const std::filesystem::path& target) {
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  return (dir / fmt::format(".{}.tmp.{}", target.filename().string(), ::getpid())).string();
}

void run_gnuplot(const std::string& script, const std::filesystem::path& temp_output) {
  char script_path[] = "/tmp/engram-roofline-XXXXXX.gp";
  const int fd = ::mkstemps(script_path, 3);
  if (fd < 0) throw std::runtime_error("cannot create a temporary gnuplot script in /tmp");
  const bool wrote = ::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  ::close(fd);
  if (!wrote) {
    ::unlink(script_path);
    throw std::runtime_error("cannot write the temporary gnuplot script");
  }
  const io::ProgramResult run = io::run_program({"gnuplot", script_path});
  ::unlink(script_path);
  if (!run.started) {
    throw std::runtime_error("gnuplot is not installed (Debian package gnuplot-nox): cannot draw the roofline plot");
  }
  if (run.exit_code != 0) {
    std::error_code ec;
    std::filesystem::remove(temp_output, ec);
    throw std::runtime_error(fmt::format("gnuplot failed (exit status {}): {}", run.exit_code, run.err));
  }
  std::error_code ec;
  if (!std::filesystem::exists(temp_output, ec) || std::filesystem::file_size(temp_output, ec) == 0) {
    std::filesystem::remove(temp_output, ec);
    throw std::runtime_error(fmt::format("gnuplot wrote nothing to {}: {}", temp_output.string(), run.err));
  }
}

void draw(const RooflineResult& result, const std::string& terminal, const std::filesystem::path& output) {
  const std::string temp = temporary_sibling(output);
  run_gnuplot(roofline_gnuplot_script(result, terminal, temp), temp);
  std::error_code ec;
  std::filesystem::rename(temp, output, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    throw std::runtime_error(fmt::format("cannot write {}: rename failed", output.string()));
  }
}

}  // namespace

std::string roofline_gnuplot_script(const RooflineResult& result, const std::string& terminal,
                                    const std::filesystem::path& output) {
  const MachineCeilings& c = result.ceilings;
  const double peak = c.best_peak_gflops();

  // Ranges: every dot and every ridge point, with a margin, on whole decades
  // where that costs little.
  double x_min = INFINITY, x_max = 0, y_min = INFINITY, t_max = 0;
  for (const MemoryCeiling& m : c.levels) {
    if (!m.gbps) continue;
    x_min = std::min(x_min, peak / *m.gbps);
    x_max = std::max(x_max, peak / *m.gbps);
    y_min = std::min(y_min, peak / 10);
  }
  for (const auto& [simd, gflops] : c.peak_gflops) y_min = std::min(y_min, gflops);
  for (const RooflinePoint& p : result.points) {
    x_min = std::min(x_min, p.intensity);
    x_max = std::max(x_max, p.intensity);
    y_min = std::min(y_min, p.gflops);
    t_max = std::max(t_max, p.seconds_per_iteration);
  }
  x_min = std::pow(10.0, std::floor(std::log10(x_min / 2)));
  x_max = std::pow(10.0, std::ceil(std::log10(x_max * 2)));
  y_min = std::pow(10.0, std::floor(std::log10(y_min / 2)));
  const double y_max = std::pow(10.0, std::ceil(std::log10(peak * 1.5)));

  std::string s;
  s += "# Roofline plot, generated by the engram roofline tool.\n";
  s += fmt::format("set terminal {}\nset output {}\n", terminal, gp_string(output.string()));
  s += fmt::format("set title {} noenhanced\n",
                   gp_string(fmt::format("Roofline: {}{}, one core, single precision", c.cpu_model.empty() ? "this machine" : c.cpu_model,
                                      result.simd_level.empty() ? "" : ", kernels at " + result.simd_level)));
  s += "set xlabel 'Arithmetic intensity (FLOP/byte)'\nset ylabel 'Performance (GFLOP/s)'\n";
  s += "set logscale xy 10\nset format x '%g'\nset format y '%g'\n";
  s += fmt::format("set xrange [{:g}:{:g}]\nset yrange [{:g}:{:g}]\n", x_min, x_max, y_min, y_max);
  s += "set grid xtics ytics mxtics mytics lc rgb '#e0e0e0' lw 1\n";
  s += "set key outside right top noenhanced spacing 1.1\nset samples 2000\n";
  s += "min(a, b) = a < b ? a : b\n";
  s += fmt::format("best_peak = {:.6g}\n", peak);

  VariantStyles styles;
  // One data block per kernel: intensity, GFLOP/s, point size, point type, label.
  std::map<std::string, std::vector<const RooflinePoint*>> by_kernel;
  std::vector<std::string> kernel_order;
  for (const RooflinePoint& p : result.points) {
    if (!by_kernel.count(p.kernel)) kernel_order.push_back(p.kernel);
    by_kernel[p.kernel].push_back(&p);
  }
  for (std::size_t k = 0; k < kernel_order.size(); ++k) {
    s += fmt::format("$kernel{} << EOD\n", k);
    for (const RooflinePoint* p : by_kernel[kernel_order[k]]) {
      // Size by time per iteration (area ~ time): bigger dots cost more.
      const double size = 0.7 + 2.0 * std::sqrt(p->seconds_per_iteration / t_max);
      const VariantStyle& style = styles.of(p->variant);
      s += fmt::format("{:.6g} {:.6g} {:.3f} {} {}\n", p->intensity, p->gflops, size, style.point_type,
                       data_string(style.label));
    }
    s += "EOD\n";
  }

  std::vector<std::string> plots;
  for (std::size_t i = 0; i < c.levels.size(); ++i) {
    const MemoryCeiling& m = c.levels[i];
    if (!m.gbps) continue;
    plots.push_back(fmt::format("min(best_peak, x * {:.6g}) with lines lw 2 lc rgb '{}' title {}", *m.gbps,
                                kLevelColours[i % 4],
                                gp_string(fmt::format("{} roof, {:.0f} GB/s ({})", m.level, *m.gbps, c.bandwidth_kernel))));
  }
  std::vector<std::pair<std::string, double>> peaks(c.peak_gflops.begin(), c.peak_gflops.end());
  std::sort(peaks.begin(), peaks.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  for (const auto& [simd, gflops] : peaks) {
    plots.push_back(fmt::format("{:.6g} with lines dt 2 lw 1.5 lc rgb '#555555' title {}", gflops,
                                gp_string(fmt::format("{} peak, {:.1f} GFLOP/s", simd, gflops))));
  }
  for (std::size_t k = 0; k < kernel_order.size(); ++k) {
    const char* colour = kKernelColours[k % kKernelColourCount];
    plots.push_back(fmt::format("$kernel{} using 1:2:3:4 with points ps variable pt variable lw 1.5 lc rgb '{}' notitle",
                                k, colour));
    // The key's sample: a variable point size would draw it at size 0.
    plots.push_back(fmt::format("NaN with points pt 7 ps 1.2 lc rgb '{}' title {}", colour, gp_string(kernel_order[k])));
    plots.push_back(fmt::format("$kernel{} using 1:2:5 with labels offset char 0.9,0.6 left font ',8' tc rgb '{}' notitle",
                                k, colour));
  }
  // The shape legend.
  std::vector<std::string> seen;
  for (const RooflinePoint& p : result.points) {
    if (std::find(seen.begin(), seen.end(), p.variant) != seen.end()) continue;
    seen.push_back(p.variant);
    plots.push_back(fmt::format("NaN with points pt {} lc rgb 'black' title {}", styles.of(p.variant).point_type,
                                gp_string(p.variant.empty() ? "(no variant)" : p.variant)));
  }
  plots.push_back("NaN with dots lc rgb 'white' title 'dot area: time per iteration'");
  s += "plot \\\n  ";
  for (std::size_t i = 0; i < plots.size(); ++i) s += plots[i] + (i + 1 < plots.size() ? ", \\\n  " : "\n");
  s += "unset output\n";
  return s;
}

void render_roofline_plot(const RooflineResult& result, const std::filesystem::path& svg,
                          const std::filesystem::path& png) {
  const io::GnuplotInfo gnuplot = io::find_gnuplot();
  if (!gnuplot.available) {
    throw std::runtime_error("gnuplot is not installed (Debian package gnuplot-nox): cannot draw the roofline plot");
  }
  if (result.points.empty()) throw std::runtime_error("no benchmark to plot");
  if (!svg.empty()) draw(result, "svg size 1100,700 dynamic font 'sans,12' background rgb 'white'", svg);
  if (!png.empty()) {
    draw(result,
         gnuplot.has_pngcairo ? "pngcairo size 1100,700 font 'sans,10' background rgb 'white'"
                              : "png size 1100,700 background rgb 'white'",
         png);
  }
}

}  // namespace engram::roofline
