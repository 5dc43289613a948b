#pragma once
// Running gnuplot to draw SVG and PNG files. Plots are made by gnuplot, never
// by hand; each file is drawn to a temporary name beside the target and
// renamed when gnuplot succeeded, so no half-drawn plot is ever left.
#include <filesystem>
#include <string>
#include <string_view>

namespace engram::analysis {

struct PlotSize {
  int width = 1200, height = 800;
};

// `commands`: the plot commands without "set terminal"/"set output". The
// format follows the extension: .svg (svg terminal) or .png (pngcairo when
// this gnuplot has it, else the libgd png terminal).
void render_gnuplot(const std::string& commands, const std::filesystem::path& output, const std::string& program,
                    PlotSize size = {});

// A gnuplot single-quoted string literal ('' stands for ').
std::string gnuplot_quote(std::string_view text);

}  // namespace engram::analysis
