#pragma once
// A fake `perf` for the tests of compare --profile, where perf may be missing
// or unable to sample: a shell script that answers the calls the profiling
// step makes (--version, stat, record, script). `record` logs its arguments
// and, instead of sampling, copies a canned `perf script` text into its -o
// file, the NEW text when the recorded program's path holds "new"; `script -i
// FILE` prints that file back.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "temp_folder.hpp"

namespace engram::testing {

// `perf script` text: `count` samples of each stack (frames innermost first,
// each a function of /opt/bench).
inline std::string canned_perf_script(const std::vector<std::pair<std::vector<std::string>, int>>& stacks) {
  std::string text;
  std::uint64_t time = 1000;
  for (const auto& [frames, count] : stacks) {
    for (int i = 0; i < count; ++i) {
      text += "bench 4242 " + std::to_string(time++) + ".000001:     500250 cpu-clock: \n";
      std::uint64_t address = 0x401000;
      for (const auto& frame : frames) {
        char line[64];
        std::snprintf(line, sizeof line, "\t%16llx ", static_cast<unsigned long long>(address += 0x10));
        text += line + frame + "+0x10 (/opt/bench)\n";
      }
      text += "\n";
    }
  }
  return text;
}

// Writes FOLDER/bin/perf and the canned texts; returns FOLDER/bin. `mode`:
// "ok", or "refuse" (perf record fails as at a high perf_event_paranoid).
inline std::string install_fake_perf(const TempFolder& folder, const std::string& old_script,
                                     const std::string& new_script, const std::string& mode = "ok") {
  const std::string dir = folder.path().string();
  std::filesystem::create_directories(folder.path() / "bin");
  folder.file("old.script", old_script);
  folder.file("new.script", new_script);
  folder.file("bin/perf",
              "#!/bin/sh\n"
              "echo \"$*\" >> '" + dir + "/perf.log'\n"
              "case \"$1\" in\n"
              "  --version) echo 'perf version 0.fake' ;;\n"
              "  stat) echo '<not supported>,,cycles,0,100.00,,' >&2 ;;\n"
              "  record)\n"
              "    [ '" + mode + "' = refuse ] && { echo 'Error: Access to performance monitoring and "
              "observability operations is limited.' >&2; exit 255; }\n"
              "    out=''; prog=''\n"
              "    while [ $# -gt 0 ]; do\n"
              "      case \"$1\" in -o) out=$2; shift 2 ;; --) shift; prog=$1; break ;; *) shift ;; esac\n"
              "    done\n"
              "    case \"$prog\" in\n"
              "      true) : > \"$out\" ;;\n"
              "      *new_build/*) cp '" + dir + "/new.script' \"$out\" ;;\n"
              "      *) cp '" + dir + "/old.script' \"$out\" ;;\n"
              "    esac ;;\n"
              "  script) cat \"$3\" ;;\n"
              "  *) exit 1 ;;\n"
              "esac\n",
              true);
  return dir + "/bin";
}

}  // namespace engram::testing
