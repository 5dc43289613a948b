#pragma once
// The one gnuplot driver. Plots are made by gnuplot, never by hand; each file
// is drawn to a new temporary file beside the target (created exclusively)
// and renamed when gnuplot succeeded, so no half-drawn plot is ever left.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "engram/io/safe_write.hpp"

namespace engram::io {

struct PlotSize {
  int width = 1200, height = 800;
};

struct GnuplotInfo {
  bool available = false;
  bool has_pngcairo = false;  // gnuplot-nox may lack the cairo terminals
  std::string version;        // first line of gnuplot --version
};
// Asks `program` (looked up in PATH) what it is and what it has.
GnuplotInfo find_gnuplot(const std::string& program = "gnuplot");

// `commands`: the plot commands without "set terminal"/"set output". The
// format follows the extension: .svg (svg terminal) or .png (pngcairo when
// this gnuplot has it, else the libgd png terminal). Throws
// std::runtime_error with gnuplot's own message when it is missing or fails.
void render_gnuplot(const std::string& commands, const std::filesystem::path& output,
                    const std::string& program = "gnuplot", PlotSize size = {});
// The same plot drawn to a temporary file beside `output`, for an OutputSet
// to publish with the files that belong to it.
std::unique_ptr<TemporaryFile> draw_gnuplot(const std::string& commands, const std::filesystem::path& output,
                                            const std::string& program = "gnuplot", PlotSize size = {});

// A gnuplot single-quoted string literal ('' stands for '; a newline, which
// would end the command, becomes a space).
std::string gnuplot_quote(std::string_view text);

}  // namespace engram::io
