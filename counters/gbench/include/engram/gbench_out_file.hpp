#pragma once
// Google Benchmark's --benchmark_out, written through the project's safe
// write. Google Benchmark opens that file itself with an ofstream, truncating
// the old results before the first benchmark runs and ignoring every write
// error: a full disk gave an empty file and exit 0. Here the flag is taken
// out of Google Benchmark's sight; its file reporter writes into memory, and
// the file is written (checked, flushed, renamed over the old one) after the
// run. The target is checked before the run, so a bad path fails at once.
// Used by the drop-in (counters_gbench.hpp) and by the project's own suites.
#include <memory>
#include <string>
#include <vector>

namespace benchmark {
class BenchmarkReporter;
}

namespace engram::gbench {

class BenchmarkOutFile {
 public:
  // Takes --benchmark_out=FILE and --benchmark_out_format=FORMAT out of
  // `benchmark_args` (Google Benchmark's flags), putting in their place
  // --benchmark_out=/dev/null: Google Benchmark accepts a file reporter only
  // with that flag given, and writes nothing of its own to the file. Throws
  // io::UsageError for an unknown format, std::runtime_error when FILE cannot
  // be written.
  explicit BenchmarkOutFile(std::vector<std::string>& benchmark_args);
  // The same with the flags' values already taken out: `path` empty for no
  // file. The caller gives Google Benchmark --benchmark_out=/dev/null.
  BenchmarkOutFile(const std::string& path, const std::string& format);
  ~BenchmarkOutFile();
  BenchmarkOutFile(const BenchmarkOutFile&) = delete;
  BenchmarkOutFile& operator=(const BenchmarkOutFile&) = delete;

  // The file reporter for RunSpecifiedBenchmarks, or null without --benchmark_out.
  benchmark::BenchmarkReporter* reporter();
  // A context entry added when the file is written (JSON only: the other
  // formats have no place for it). For what is known only after the run.
  void add_context(const std::string& key, const std::string& value);
  // Writes the file; throws std::runtime_error (naming it and the reason)
  // when it cannot, keeping the old one.
  void commit();

 private:
  void open(const std::string& path, const std::string& format);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace engram::gbench
