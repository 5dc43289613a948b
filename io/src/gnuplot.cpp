#include "engram/io/gnuplot.hpp"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <stdexcept>

#include "engram/io/process.hpp"
#include "engram/io/safe_write.hpp"

namespace engram::io {
namespace {

std::string missing_gnuplot(const std::string& program) {
  return fmt::format("cannot run {} (install gnuplot, Debian package gnuplot-nox, or pass --gnuplot PATH)", program);
}

// find_gnuplot once per program: a plot run asks for each file it draws.
const GnuplotInfo& cached_info(const std::string& program) {
  static std::mutex mutex;
  static std::map<std::string, GnuplotInfo> known;
  std::lock_guard lock(mutex);
  const auto it = known.find(program);
  if (it != known.end()) return it->second;
  return known.emplace(program, find_gnuplot(program)).first->second;
}

}  // namespace

GnuplotInfo find_gnuplot(const std::string& program) {
  GnuplotInfo info;
  const ProgramResult version = run_program({program, "--version"});
  if (!version.started || version.exit_code != 0) return info;
  info.available = true;
  info.version = version.out.substr(0, version.out.find('\n'));
  info.has_pngcairo = run_program({program, "-e", "set terminal pngcairo"}).exit_code == 0;
  return info;
}

std::string gnuplot_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "''";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out + "'";
}

void render_gnuplot(const std::string& commands, const std::filesystem::path& output, const std::string& program,
                    PlotSize size) {
  const std::string extension = output.extension().string();
  if (extension != ".svg" && extension != ".png") {
    throw std::invalid_argument(fmt::format("{}: plots are written as .svg or .png", output.string()));
  }
  std::string terminal;
  if (extension == ".svg") {
    terminal = fmt::format("set terminal svg size {},{} noenhanced font 'Sans,11' background rgb 'white'", size.width,
                           size.height);
  } else {
    terminal = cached_info(program).has_pngcairo
                   ? fmt::format("set terminal pngcairo size {},{} noenhanced font 'Sans,10' background rgb 'white'",
                                 size.width, size.height)
                   : fmt::format("set terminal png size {},{} noenhanced background rgb 'white'", size.width,
                                 size.height);
  }
  const std::filesystem::path temp_plot = create_temporary_beside(output, extension);
  std::error_code ec;
  std::filesystem::path script;
  try {
    script = create_temporary_beside(output, ".gp");
    write_file_atomically(script, terminal + "\nset output " + gnuplot_quote(temp_plot.string()) + "\n" + commands +
                                      "\nunset output\n");
  } catch (...) {
    std::filesystem::remove(temp_plot, ec);
    if (!script.empty()) std::filesystem::remove(script, ec);
    throw;
  }
  const ProgramResult result = run_program({program, script.string()});
  std::filesystem::remove(script, ec);
  const bool drawn = std::filesystem::file_size(temp_plot, ec) > 0 && !ec;
  if (!result.started || result.exit_code != 0 || !drawn) {
    std::filesystem::remove(temp_plot, ec);
    if (!result.started) throw std::runtime_error(missing_gnuplot(program));
    throw std::runtime_error(fmt::format("gnuplot could not draw {} (exit {}): {}", output.string(), result.exit_code,
                                         result.err.empty() ? "no message" : result.err));
  }
  std::filesystem::rename(temp_plot, output, ec);
  if (ec) {
    std::filesystem::remove(temp_plot, ec);
    throw std::runtime_error(fmt::format("cannot write {}: {}", output.string(), ec.message()));
  }
}

}  // namespace engram::io
