#include "engram/gbench_out_file.hpp"

#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "engram/io/cli.hpp"
#include "engram/io/safe_write.hpp"

namespace engram::gbench {
namespace {

// Forwards every report to a reporter of the asked format that writes into
// memory. Its own stream (the /dev/null Google Benchmark opened) stays unused.
class InMemoryReporter : public benchmark::BenchmarkReporter {
 public:
  explicit InMemoryReporter(std::unique_ptr<benchmark::BenchmarkReporter> inner) : inner_(std::move(inner)) {
    inner_->SetOutputStream(&text_);
    inner_->SetErrorStream(&text_);
  }
  bool ReportContext(const Context& context) override { return inner_->ReportContext(context); }
  void ReportRuns(const std::vector<Run>& runs) override { inner_->ReportRuns(runs); }
  void Finalize() override { inner_->Finalize(); }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::unique_ptr<benchmark::BenchmarkReporter> inner_;
};

std::unique_ptr<benchmark::BenchmarkReporter> reporter_for(const std::string& format) {
  if (format == "json") return std::make_unique<benchmark::JSONReporter>();
  if (format == "csv") {
    // Deprecated in later Google Benchmark releases, still what
    // --benchmark_out_format=csv gives.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return std::make_unique<benchmark::CSVReporter>();
#pragma GCC diagnostic pop
  }
  if (format == "console") return std::make_unique<benchmark::ConsoleReporter>(benchmark::ConsoleReporter::OO_None);
  throw io::UsageError("--benchmark_out_format must be json, csv or console, not '" + format + "'");
}

}  // namespace

struct BenchmarkOutFile::State {
  std::unique_ptr<io::AtomicOutput> output;
  std::unique_ptr<InMemoryReporter> reporter;
  bool json = false;
  std::vector<std::pair<std::string, std::string>> late_context;
};

BenchmarkOutFile::BenchmarkOutFile(const std::string& path, const std::string& format)
    : state_(std::make_unique<State>()) {
  open(path, format);
}

void BenchmarkOutFile::open(const std::string& path, const std::string& format) {
  if (path.empty()) return;
  state_->reporter = std::make_unique<InMemoryReporter>(reporter_for(format));
  state_->json = format == "json";
  state_->output = std::make_unique<io::AtomicOutput>(path);
}

BenchmarkOutFile::BenchmarkOutFile(std::vector<std::string>& benchmark_args) : state_(std::make_unique<State>()) {
  constexpr std::string_view kOut = "--benchmark_out=";
  constexpr std::string_view kFormat = "--benchmark_out_format=";
  // Google Benchmark's defaults come from its environment variables; the
  // file is ours whichever gave it, and BENCHMARK_OUT leaves the environment
  // so that child processes (callgrind children) do not write it too.
  const char* env_path = std::getenv("BENCHMARK_OUT");
  const char* env_format = std::getenv("BENCHMARK_OUT_FORMAT");
  std::string path = env_path != nullptr ? env_path : "";
  std::string format = env_format != nullptr && *env_format != '\0' ? env_format : "json";
  ::unsetenv("BENCHMARK_OUT");
  std::vector<std::string> kept;
  for (std::string& arg : benchmark_args) {
    if (arg.starts_with(kOut)) {
      path = arg.substr(kOut.size());
    } else if (arg.starts_with(kFormat)) {
      format = arg.substr(kFormat.size());
    } else {
      kept.push_back(std::move(arg));
    }
  }
  benchmark_args = std::move(kept);
  if (path.empty()) return;
  open(path, format);
  benchmark_args.push_back(std::string(kOut) + "/dev/null");
}

BenchmarkOutFile::~BenchmarkOutFile() = default;

benchmark::BenchmarkReporter* BenchmarkOutFile::reporter() { return state_->reporter.get(); }

void BenchmarkOutFile::add_context(const std::string& key, const std::string& value) {
  state_->late_context.emplace_back(key, value);
}

void BenchmarkOutFile::commit() {
  if (!state_->output) return;
  std::string text = state_->reporter->text();
  // Nothing ran (e.g. --benchmark_list_tests): no document to extend.
  if (state_->json && !state_->late_context.empty() && !text.empty()) {
    // Google Benchmark's JSONReporter closes the context object just before
    // "benchmarks"; the late entries go in there, in its layout. (Parsing
    // and dumping the document would reorder its keys, and Google Benchmark
    // writes NaN, which is not JSON.)
    constexpr std::string_view kEnd = "\n  },\n  \"benchmarks\": [";
    const auto end = text.find(kEnd);
    if (end == std::string::npos) throw std::logic_error("Google Benchmark's JSON has no context object to extend");
    std::string entries;
    for (const auto& [key, value] : state_->late_context) {
      entries += ",\n    " + nlohmann::json(key).dump() + ": " + nlohmann::json(value).dump();
    }
    text.insert(end, entries);
  }
  state_->output->write(text);
  state_->output->commit();
}

}  // namespace engram::gbench
