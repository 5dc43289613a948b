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

std::unique_ptr<TemporaryFile> draw_gnuplot(const std::string& commands, const std::filesystem::path& output,
                                            const std::string& program, PlotSize size) {
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
  auto plot = std::make_unique<TemporaryFile>(output, extension);
  plot->close();
  TemporaryFile script(output, ".gp");
  script.write(terminal + "\nset output " + gnuplot_quote(plot->path().string()) + "\n" + commands + "\nunset output\n");
  script.close();
  const ProgramResult result = run_program({program, script.path().string()});
  std::error_code ec;
  const bool drawn = std::filesystem::file_size(plot->path(), ec) > 0 && !ec;
  if (!result.started) throw std::runtime_error(missing_gnuplot(program));
  if (result.exit_code != 0 || !drawn) {
    throw std::runtime_error(fmt::format("gnuplot could not draw {} (exit {}): {}", output.string(), result.exit_code,
                                         result.err.empty() ? "no message" : result.err));
  }
  return plot;
}

void render_gnuplot(const std::string& commands, const std::filesystem::path& output, const std::string& program,
                    PlotSize size) {
  AtomicOutput out(output);
  out.take_content_from(draw_gnuplot(commands, output, program, size));
  out.commit();
}

}  // namespace engram::io
