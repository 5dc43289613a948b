#include "engram/profile/regression_profile.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "engram/io/format.hpp"
#include "engram/io/process.hpp"
#include "engram/io/publish.hpp"
#include "engram/io/safe_write.hpp"
#include "engram/io/scratch_folder.hpp"
#include "engram/profile/flamegraph.hpp"
#include "engram/profile/folded.hpp"
#include "engram/profile/perf_script.hpp"

namespace engram::profile {

namespace {

constexpr std::size_t kMaxStem = 120;

// The last non-empty line of a program's error output, for a one-line reason.
std::string last_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  const std::size_t start = text.rfind('\n');
  std::string line(start == std::string_view::npos ? text : text.substr(start + 1));
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

std::string describe_exit(const io::ProgramResult& result) {
  std::string text = fmt::format("exit status {}", result.exit_code);
  if (const std::string line = last_line(result.err); !line.empty()) text += ": " + line;
  return text;
}

std::string join(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
  return text;
}

struct PerfSetup {
  ProfileStatus status = ProfileStatus::written;  // written = usable
  std::string event;
  std::string event_reason;
  std::string reason;  // when not usable
};

// What scripts/profile_hotspots.sh does: cycles where the PMU counts it, else
// the cpu-clock software timer (perf record would fall back silently, so
// perf stat is asked); then one tiny recording shows whether perf may sample.
PerfSetup probe_perf(const RegressionProfileOptions& options, const std::filesystem::path& scratch) {
  PerfSetup setup;
  const io::ProgramResult version = io::run_program({options.perf, "--version"});
  if (!version.started) {
    setup.status = ProfileStatus::perf_missing;
    setup.reason = fmt::format("perf is missing ('{}' cannot be run): install the Debian package linux-perf",
                               options.perf);
    return setup;
  }
  const io::ProgramResult stat = io::run_program({options.perf, "stat", "-x,", "-e", "cycles", "--", "true"});
  if (stat.exit_code == 0 && stat.err.find("<not") == std::string::npos &&
      stat.out.find("<not") == std::string::npos) {
    setup.event = "cycles";
    setup.event_reason = "the hardware cycles event";
  } else {
    setup.event = "cpu-clock";
    setup.event_reason = "no hardware cycles event here (no PMU): the cpu-clock software timer";
  }
  const std::filesystem::path probe = scratch / "probe.data";
  const io::ProgramResult record =
      io::run_program({options.perf, "record", "-q", "-e", setup.event, "-o", probe.string(), "--", "true"});
  if (!record.started || record.exit_code != 0) {
    std::string paranoid = "unknown";
    std::ifstream("/proc/sys/kernel/perf_event_paranoid") >> paranoid;
    setup.status = ProfileStatus::perf_refused;
    setup.reason = fmt::format(
        "perf may not sample here ({}; kernel.perf_event_paranoid = {}): run as root, grant CAP_PERFMON, "
        "or sudo sysctl kernel.perf_event_paranoid=1",
        record.started ? describe_exit(record) : std::string("perf did not start"), paranoid);
  }
  return setup;
}

struct Recording {
  StackTree tree;
  std::uint64_t samples = 0;
  std::string command;
  std::string error;  // empty on success
};

Recording record_side(const RegressionProfileOptions& options, const std::string& event,
                      const std::filesystem::path& binary, const std::string& name,
                      const std::filesystem::path& data) {
  Recording recording;
  const double seconds = static_cast<double>(options.samples) / static_cast<double>(options.frequency);
  // The caller's flags first: Google Benchmark keeps the last of a repeated
  // flag, so the filter, time and repetitions set here win.
  std::vector<std::string> command{binary.string()};
  command.insert(command.end(), options.extra_args.begin(), options.extra_args.end());
  command.insert(command.end(), {"--benchmark_filter=" + exact_benchmark_filter(name),
                                 fmt::format("--benchmark_min_time={:.3f}s", seconds), "--benchmark_repetitions=1"});
  recording.command = join(command);
  std::vector<std::string> argv{options.perf, "record", "-q", "-e", event, "-F", std::to_string(options.frequency),
                                "-g", "-o", data.string(), "--"};
  argv.insert(argv.end(), command.begin(), command.end());
  const io::ProgramResult record = io::run_program(argv);
  if (!record.started) {
    recording.error = "perf record did not start";
    return recording;
  }
  if (record.exit_code != 0) {
    recording.error = fmt::format("perf record -- {} failed ({})", recording.command, describe_exit(record));
    return recording;
  }
  const io::ProgramResult script = io::run_program({options.perf, "script", "-i", data.string()});
  if (!script.started || script.exit_code != 0) {
    recording.error = fmt::format("perf script -i {} failed ({})", data.string(),
                                  script.started ? describe_exit(script) : std::string("did not start"));
    return recording;
  }
  CollapseOptions collapse;
  collapse.include_process_name = false;  // the two builds' programs may have different names
  CollapseReport report;
  std::istringstream in(script.out);
  try {
    collapse_perf_script(in, data.string(), collapse, recording.tree, report);
  } catch (const std::exception& e) {
    recording.error = fmt::format("no samples of {} could be read: {}", recording.command, e.what());
    return recording;
  }
  recording.samples = recording.tree.total_samples();
  return recording;
}

nlohmann::json path_or_null(const std::filesystem::path& path) {
  return path.empty() ? nlohmann::json(nullptr) : nlohmann::json(path.string());
}

}  // namespace

std::string_view to_string(ProfileStatus status) {
  switch (status) {
    case ProfileStatus::written: return "written";
    case ProfileStatus::not_regressed: return "not regressed";
    case ProfileStatus::perf_missing: return "perf missing";
    case ProfileStatus::perf_refused: return "perf refused";
    case ProfileStatus::failed: return "failed";
  }
  return "unknown";
}

std::size_t RegressionProfiles::written() const {
  return static_cast<std::size_t>(std::count_if(benchmarks.begin(), benchmarks.end(), [](const auto& b) {
    return b.status == ProfileStatus::written;
  }));
}

std::vector<std::string> safe_file_stems(const std::vector<std::string>& names) {
  std::vector<std::string> stems;
  std::vector<bool> cut;
  stems.reserve(names.size());
  for (const std::string& name : names) {
    std::string stem;
    for (const char c : name) {
      const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
      stem += keep ? c : '_';
    }
    if (stem.empty()) stem.push_back('_');
    if (stem.front() == '.') stem.front() = '_';
    cut.push_back(stem.size() > kMaxStem);
    if (stem.size() > kMaxStem) stem.resize(kMaxStem);
    stems.push_back(std::move(stem));
  }
  std::map<std::string, std::size_t> uses;
  for (const auto& stem : stems) ++uses[stem];
  for (std::size_t i = 0; i < stems.size(); ++i) {
    if (cut[i] || uses[stems[i]] > 1) {
      stems[i] += fmt::format("-{:08x}", static_cast<std::uint32_t>(io::fnv1a64(names[i])));
    }
  }
  return stems;
}

std::string exact_benchmark_filter(std::string_view name) {
  std::string filter = "^";
  for (const char c : name) {
    if (std::strchr(".[]{}()\\*+?^$|", c) != nullptr && c != '\0') filter += '\\';
    filter += c;
  }
  filter += '$';
  return filter;
}

RegressionProfiles profile_regressions(const std::vector<ProfileRequest>& requests,
                                       const RegressionProfileOptions& options) {
  if (options.frequency == 0) throw std::invalid_argument("the sampling frequency must be positive");
  if (options.samples == 0) throw std::invalid_argument("the number of samples must be positive");
  const auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  RegressionProfiles profiles;
  profiles.directory = options.directory;
  std::vector<std::string> regressed_names;
  for (const auto& request : requests) {
    BenchmarkProfile profile;
    profile.name = request.name;
    if (request.regressed) {
      regressed_names.push_back(request.name);
    } else {
      profile.reason = fmt::format("not profiled: {}", request.verdict.empty() ? "no regression" : request.verdict);
    }
    profiles.benchmarks.push_back(std::move(profile));
  }
  if (regressed_names.empty()) {
    say("no regression: nothing to profile");
    return profiles;
  }

  // Profiling never changes the verdict: when the folder cannot be made or
  // anything else fails here, the benchmarks not yet profiled are "failed"
  // with the reason, and the comparison stands.
  const auto fail_remaining = [&](const std::string& reason) {
    say(fmt::format("warning: no flame graphs: {}", reason));
    for (auto& profile : profiles.benchmarks) {
      if (profile.reason.empty() && profile.status != ProfileStatus::written) {
        profile.status = ProfileStatus::failed;
        profile.reason = reason;
      }
    }
  };
  try {
    std::error_code error;
    if (std::filesystem::exists(options.directory, error) && !std::filesystem::is_directory(options.directory, error)) {
      throw std::runtime_error(fmt::format("--profile: {} exists and is not a folder", options.directory.string()));
    }
    std::filesystem::create_directories(options.directory, error);
    if (error) {
      throw std::runtime_error(
          fmt::format("--profile: cannot make the folder {}: {}", options.directory.string(), error.message()));
    }
    // perf.data in a scratch folder inside the output folder: the same file
    // system, the place the user chose; removed on every way out.
    const io::ScratchFolder scratch(options.directory, ".compare-profile.");
    const PerfSetup setup = probe_perf(options, scratch.path());
    if (setup.status != ProfileStatus::written) {
      say(setup.reason);
      for (auto& profile : profiles.benchmarks) {
        if (profile.reason.empty()) {
          profile.status = setup.status;
          profile.reason = setup.reason;
        }
      }
      return profiles;
    }
    profiles.event = setup.event;
    profiles.event_reason = setup.event_reason;
    say(fmt::format("profiling {} regressed benchmark(s) with perf, sampling {} at {} Hz", regressed_names.size(),
                    setup.event_reason, options.frequency));

    const std::vector<std::string> stems = safe_file_stems(regressed_names);
    std::size_t index = 0;
    for (auto& profile : profiles.benchmarks) {
      if (!profile.reason.empty()) continue;
      const std::string& stem = stems[index++];
      const auto fail = [&](const std::string& reason) {
        profile.status = ProfileStatus::failed;
        profile.reason = reason;
        say(fmt::format("{}: no flame graph: {}", profile.name, reason));
      };
      say(fmt::format("recording {} ({}/{}): OLD {}", profile.name, index, regressed_names.size(),
                      options.old_binary.string()));
      Recording before =
          record_side(options, setup.event, options.old_binary, profile.name, scratch.path() / "old.data");
      if (!before.error.empty()) {
        fail("OLD: " + before.error);
        continue;
      }
      say(fmt::format("recording {} ({}/{}): NEW {}", profile.name, index, regressed_names.size(),
                      options.new_binary.string()));
      Recording after =
          record_side(options, setup.event, options.new_binary, profile.name, scratch.path() / "new.data");
      if (!after.error.empty()) {
        fail("NEW: " + after.error);
        continue;
      }
      FlameGraphOptions graph;
      graph.title = fmt::format("{}: NEW against OLD", profile.name);
      graph.event = setup.event;
      graph.subtitle = fmt::format(
          "{}; widths: NEW ({} samples); red: a larger share of the samples than in OLD ({} samples), blue: smaller",
          setup.event, io::thousands(after.samples), io::thousands(before.samples));
      graph.command = after.command;
      const std::filesystem::path svg_path = options.directory / (stem + ".diff.svg");
      const std::filesystem::path old_path = options.directory / (stem + ".old.folded");
      const std::filesystem::path new_path = options.directory / (stem + ".new.folded");
      try {
        const std::string svg = render_differential_flamegraph(before.tree, after.tree, graph);
        // The three belong together: all replaced, or none.
        io::OutputSet outputs;
        outputs.add(old_path, to_folded(before.tree));
        outputs.add(new_path, to_folded(after.tree));
        outputs.add(svg_path, svg);
        outputs.commit();
      } catch (const std::exception& e) {
        fail(fmt::format("cannot write the flame graph {}: {}", svg_path.string(), e.what()));
        continue;
      }
      profile.svg = svg_path;
      profile.old_folded = old_path;
      profile.new_folded = new_path;
      profile.status = ProfileStatus::written;
      profile.old_samples = before.samples;
      profile.new_samples = after.samples;
      say(fmt::format("{}: wrote {} (OLD {} samples, NEW {})", profile.name, profile.svg.string(),
                      io::thousands(before.samples), io::thousands(after.samples)));
    }
  } catch (const std::exception& e) {
    fail_remaining(e.what());
  }
  return profiles;
}

std::string render_profiles_text(const RegressionProfiles& profiles) {
  std::string text = fmt::format("\nProfiles (--profile {}", profiles.directory.string());
  if (!profiles.event.empty()) text += fmt::format(", perf sampling {}", profiles.event);
  text += "):\n";
  bool any_regression = false;
  for (const auto& profile : profiles.benchmarks) {
    if (profile.status == ProfileStatus::not_regressed) continue;
    any_regression = true;
    if (profile.status == ProfileStatus::written) {
      text += fmt::format("  {}: {} (OLD {} samples, NEW {}; folded: {}, {})\n", profile.name, profile.svg.string(),
                          io::thousands(profile.old_samples), io::thousands(profile.new_samples),
                          profile.old_folded.filename().string(), profile.new_folded.filename().string());
    } else {
      text += fmt::format("  {}: no flame graph: {}\n", profile.name, profile.reason);
    }
  }
  if (!any_regression) text += "  none: no benchmark regressed\n";
  return text;
}

std::string add_profiles_to_json(std::string_view comparison_json, const RegressionProfiles& profiles) {
  // Our own output, just rendered: not an input, so not read through io::json.
  nlohmann::json j = nlohmann::json::parse(comparison_json);
  nlohmann::json benchmarks = nlohmann::json::object();
  for (const auto& profile : profiles.benchmarks) {
    benchmarks[profile.name] = {
        {"status", std::string(to_string(profile.status))},
        {"reason", profile.reason},
        {"svg", path_or_null(profile.svg)},
        {"old_folded", path_or_null(profile.old_folded)},
        {"new_folded", path_or_null(profile.new_folded)},
        {"old_samples", profile.old_samples},
        {"new_samples", profile.new_samples},
    };
  }
  j["profiles"] = {
      {"directory", profiles.directory.string()},
      {"event", profiles.event.empty() ? nlohmann::json(nullptr) : nlohmann::json(profiles.event)},
      {"event_reason", profiles.event_reason},
      {"written", profiles.written()},
      {"benchmarks", std::move(benchmarks)},
  };
  return j.dump(2) + "\n";
}

}  // namespace engram::profile
