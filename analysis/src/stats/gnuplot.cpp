#include "gnuplot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace engram::analysis {
namespace {

struct ProcessResult {
  int exit_code = -1;
  std::string stderr_text;
};

// Runs `program args...` with stdin from /dev/null, stdout discarded and
// stderr collected through a temporary file.
ProcessResult run_program(const std::string& program, const std::vector<std::string>& args) {
  char stderr_template[] = "/tmp/engram-gnuplot-stderr-XXXXXX";
  const int stderr_fd = ::mkstemp(stderr_template);
  if (stderr_fd < 0) throw std::runtime_error(std::string("cannot create a temporary file: ") + std::strerror(errno));
  ::close(stderr_fd);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_template, O_WRONLY | O_TRUNC, 0600);
  std::vector<std::string> argv_storage{program};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ProcessResult result;
  if (spawn_error != 0) {
    ::unlink(stderr_template);
    throw std::runtime_error(fmt::format("cannot run {}: {} (install gnuplot, Debian package gnuplot-nox, or pass "
                                         "--gnuplot PATH)",
                                         program, std::strerror(spawn_error)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(stderr_template);
  std::stringstream text;
  text << in.rdbuf();
  result.stderr_text = text.str();
  ::unlink(stderr_template);
  return result;
}

// Whether this gnuplot has the cairo PNG terminal (gnuplot-nox may lack it).
bool has_pngcairo(const std::string& program) {
  static std::mutex mutex;
  static std::map<std::string, bool> known;
  std::lock_guard lock(mutex);
  const auto it = known.find(program);
  if (it != known.end()) return it->second;
  const bool yes = run_program(program, {"-e", "set terminal pngcairo"}).exit_code == 0;
  known[program] = yes;
  return yes;
}

}  // namespace

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
  std::string terminal;
  if (extension == ".svg") {
    terminal = fmt::format("set terminal svg size {},{} noenhanced font 'Sans,11' background rgb 'white'", size.width,
                           size.height);
  } else if (extension == ".png") {
    terminal = has_pngcairo(program)
                   ? fmt::format("set terminal pngcairo size {},{} noenhanced font 'Sans,10' background rgb 'white'",
                                 size.width, size.height)
                   : fmt::format("set terminal png size {},{} noenhanced background rgb 'white'", size.width,
                                 size.height);
  } else {
    throw std::invalid_argument(fmt::format("{}: plots are written as .svg or .png", output.string()));
  }
  const std::filesystem::path dir = output.has_parent_path() ? output.parent_path() : ".";
  const std::string pid = std::to_string(::getpid());
  const std::string temp_stem = fmt::format(".{}.tmp.{}", output.filename().string(), pid);
  const std::filesystem::path temp_plot = dir / (temp_stem + extension);
  const std::filesystem::path script = dir / (temp_stem + ".gp");
  {
    std::ofstream out(script);
    out << terminal << "\nset output " << gnuplot_quote(temp_plot.string()) << "\n" << commands << "\nunset output\n";
    if (!out) throw std::runtime_error(fmt::format("cannot write {}", script.string()));
  }
  ProcessResult result;
  try {
    result = run_program(program, {script.string()});
  } catch (...) {
    std::filesystem::remove(script);
    throw;
  }
  std::error_code ec;
  std::filesystem::remove(script, ec);
  const bool drawn = std::filesystem::exists(temp_plot, ec) && std::filesystem::file_size(temp_plot, ec) > 0;
  if (result.exit_code != 0 || !drawn) {
    std::filesystem::remove(temp_plot, ec);
    throw std::runtime_error(fmt::format("gnuplot could not draw {} (exit {}): {}", output.string(), result.exit_code,
                                         result.stderr_text.empty() ? "no message" : result.stderr_text));
  }
  std::filesystem::rename(temp_plot, output, ec);
  if (ec) {
    std::filesystem::remove(temp_plot);
    throw std::runtime_error(fmt::format("cannot write {}: {}", output.string(), ec.message()));
  }
}

}  // namespace engram::analysis
