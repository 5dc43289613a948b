// The report: load the inputs, build the document section by section, render
// it to Markdown and HTML, write both through temporary files.
#include "engram/report/report.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <span>

#include "document.hpp"
#include "engram/io/format.hpp"
#include "engram/io/safe_write.hpp"
#include "inputs.hpp"
#include "sections.hpp"

namespace engram::report {
namespace fs = std::filesystem;

void ReportInputs::fill_from_dir(const fs::path& dir) {
  auto fill = [&](fs::path& path, const char* name, bool required) {
    if (!path.empty()) return;
    const fs::path candidate = dir / name;
    std::error_code ec;
    if (required || fs::exists(candidate, ec)) path = candidate;
  };
  fill(hotspots, "hotspots.json", true);
  fill(bench, "bench.json", true);
  fill(flamegraph, "flamegraph.svg", false);
  fill(folded, "profile.folded", false);
  fill(counters_bench, "bench-counters.json", false);
  fill(roofline, "roofline.json", false);
  fill(roofline_plot, "roofline.svg", false);
  fill(ceilings, "ceilings.json", false);
  fill(machine, "machine.json", false);
  // A --quick run made no stability results: any in the folder are an
  // older run's, so they are not taken unless given explicitly.
  if (!quick) {
    fill(stability, "stability.json", false);
    fill(stability_plot, "stability.svg", false);
  }
}


// Each input's producing step, with only what the report relies on (the
// output path, and repetitions for the confidence intervals). The whole
// chain with its options lives in one place, scripts/profile_hotspots.sh,
// which add_missing() names first.
InputCommands input_commands(const std::string& dir_in) {
  const std::string dir = dir_in.empty() ? std::string(".") : dir_in;
  InputCommands c;
  c.profile = "scripts/profile_hotspots.sh --out " + dir;
  c.bench = fmt::format("build/bench/baseline --machine-out {0}/machine.json --benchmark_repetitions=5 "
                        "--benchmark_out={0}/bench.json",
                        dir);
  // The snapshot is taken by the benchmark run itself, so that it describes
  // the machine the benchmarks ran on.
  c.machine = c.bench;
  c.counters = fmt::format("build/bench/baseline --counters=LIST --benchmark_out={}/bench-counters.json", dir);
  c.ceilings = fmt::format("build/bench/ceilings --out {}/ceilings.json", dir);
  c.roofline = fmt::format("build/analysis/roofline --ceilings {0}/ceilings.json --benchmarks {0}/bench.json --out-dir {0}",
                           dir);
  c.stability = fmt::format(
      "build/analysis/stability --json {0}/stability.json --markdown {0}/stability.md --plot {0}/stability "
      "RUN1.json ... RUN10.json   # ten runs of build/bench/baseline --benchmark_repetitions=5",
      dir);
  return c;
}

void add_missing(Document& doc, const Text& what, const std::string& command) {
  Text text;
  text << strong("Missing:") << " " << what << ". To make it, run the main command " << code("scripts/profile_hotspots.sh")
       << " (it runs every step with the options the report expects), or this step alone:";
  doc.add(Paragraph{text});
  doc.add(CodeBlock{command});
}

namespace {

std::string utc(std::chrono::system_clock::time_point when) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(when)));
}

std::string now_utc() { return utc(std::chrono::system_clock::now()); }

// When the file was last written, so inputs left over from an older run stand out.
std::string modified(const fs::path& path) {
  std::error_code ec;
  const auto time = fs::last_write_time(path, ec);
  if (ec) return "";
  return utc(std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(time)));
}

Document build_document(const LoadedInputs& in, const ReportOptions& options) {
  Document doc;
  doc.title = "Profiling results";
  doc.add(Heading{1, "Profiling results", "profiling-results"});
  Text origin;
  origin << "Written by " << code("build/analysis/report") << " on " << (options.date.empty() ? now_utc() : options.date)
         << " from one run's artifacts; do not edit by hand, run " << code("scripts/profile_hotspots.sh")
         << " again. Every figure below comes from these files (with the time each was written, so a file left "
            "over from an older run stands out):";
  doc.add(Paragraph{origin});
  BulletList files;
  // Named where it is published, dated by the file that was read.
  auto item = [&](const char* what, fs::path ReportInputs::*member) {
    const fs::path& path = in.paths.*member;
    if (path.empty()) {
      files.items.push_back(Text() << what << ": not given");
    } else {
      const std::string when = modified(in.read_from.*member);
      files.items.push_back(Text() << what << ": " << code(io::display_path(path))
                                   << (when.empty() ? std::string() : " (written " + when + ")"));
    }
  };
  item("Hot spots", &ReportInputs::hotspots);
  item("Folded stacks", &ReportInputs::folded);
  item("Flame graph", &ReportInputs::flamegraph);
  item("Benchmarks", &ReportInputs::bench);
  item("Counters run", &ReportInputs::counters_bench);
  item("Ceilings", &ReportInputs::ceilings);
  item("Roofline", &ReportInputs::roofline);
  item("Roofline plot", &ReportInputs::roofline_plot);
  item("Stability", &ReportInputs::stability);
  item("Stability plot", &ReportInputs::stability_plot);
  item("Machine snapshot", &ReportInputs::machine);
  doc.add(std::move(files));

  add_system_section(doc, in);
  add_flamegraph_section(doc, in);
  // The bench file's own default (min when it ran on a virtualized machine)
  // unless the caller chose one.
  const benchstats::EstimatorChoice estimator =
      options.estimator ? benchstats::chosen_estimator(*options.estimator)
                        : benchstats::default_estimator(std::span<const benchstats::BenchmarkFile>(&in.bench, 1));
  add_benchmarks_section(doc, in, options.time, estimator);
  add_counters_section(doc, in);
  add_roofline_section(doc, in);
  add_stability_section(doc, in);
  add_candidates_section(doc, in);
  return doc;
}

}  // namespace

namespace {

// Every given input named at its published place.
ReportInputs as_published(ReportInputs paths, const fs::path& dir) {
  for (fs::path* path : {&paths.hotspots, &paths.flamegraph, &paths.folded, &paths.bench, &paths.counters_bench,
                         &paths.roofline, &paths.roofline_plot, &paths.ceilings, &paths.stability,
                         &paths.stability_plot, &paths.machine}) {
    if (!path->empty()) *path = dir / path->filename();
  }
  return paths;
}

}  // namespace

ReportTexts build_report(const ReportInputs& inputs, const ReportOptions& options, const fs::path& markdown_path,
                         const fs::path& html_path) {
  LoadedInputs loaded = load_inputs(inputs);
  if (!options.published_dir.empty()) loaded.paths = as_published(loaded.paths, options.published_dir);
  const Document doc = build_document(loaded, options);
  return {render_markdown(doc, markdown_path), render_html(doc, html_path)};
}

void write_report(const ReportInputs& inputs, const ReportOptions& options, const fs::path& markdown_path,
                  const fs::path& html_path) {
  const ReportTexts texts = build_report(inputs, options, markdown_path, html_path);
  const fs::path markdown_file =
      options.stage_dir.empty() ? markdown_path : options.stage_dir / markdown_path.filename();
  const fs::path html_file = options.stage_dir.empty() ? html_path : options.stage_dir / html_path.filename();
  for (const fs::path& path : {markdown_file, html_file}) {
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
  }
  // Both or neither; the same file twice is refused (one would be lost).
  io::OutputSet outputs;
  outputs.add(markdown_file, texts.markdown);
  outputs.add(html_file, texts.html);
  outputs.commit();
}

}  // namespace engram::report
