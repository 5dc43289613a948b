// harness_rows: the profiling-harness rows of the docs/performance.md table,
// from `profiling_harness --json` files, as extra rows for `ratios --extra`.
//   speed-up: total seconds of the reference run / of the optimized run, per run pair,
//             and the same for the kernel phases alone (without the shared generator)
//   memory:   peak RSS of the optimized run in MiB (what /usr/bin/time -v reports)
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "engram/io/safe_write.hpp"

namespace po = boost::program_options;
using nlohmann::json;

namespace {

json read_harness(const std::string& path, const char* expected_implementation) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
  if (!j.contains("implementation") || !j.contains("total_seconds") || !j.contains("peak_rss_kib")) {
    throw std::runtime_error(path + ": not a profiling_harness --json file (implementation, total_seconds, "
                             "peak_rss_kib missing)");
  }
  if (j["implementation"] != expected_implementation) {
    throw std::runtime_error(path + ": expected a " + expected_implementation + " run, found " +
                             j["implementation"].dump());
  }
  // Ratios of times: a time of 0 (or a negative one) would give an infinite
  // or negative ratio, which JSON cannot even hold (it would be written as null).
  for (const char* field : {"total_seconds", "peak_rss_kib"}) {
    const json& value = j[field];
    if (!value.is_number() || !(value.get<double>() > 0) || !std::isfinite(value.get<double>())) {
      throw std::runtime_error(path + ": " + field + " must be a number > 0, found " + value.dump());
    }
  }
  return j;
}

double kernel_seconds(const json& harness, const std::string& path) {
  double seconds = 0;
  for (const auto& phase : harness.at("phases")) {
    if (phase.at("name") != "build") seconds += phase.at("seconds").get<double>();
  }
  if (!(seconds > 0) || !std::isfinite(seconds)) {
    throw std::runtime_error(path + ": the kernel phases (all but build) must take a time > 0, found " +
                             std::to_string(seconds) + " s");
  }
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description desc("Options");
  desc.add_options()("help,h", "print this help and exit")(
      "pair", po::value<std::vector<std::string>>()->multitoken()->value_name("REF.json OPT.json"),
      "one run: the reference and the optimized harness JSON (repeat --pair per run)")(
      "out,o", po::value<std::string>()->value_name("FILE"), "write the rows to FILE (default: stdout)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "harness_rows: " << e.what() << "\n";
    return 1;
  }
  if (vm.count("help")) {
    std::cout << "usage: harness_rows --pair REF.json OPT.json [--pair ...] [-o FILE]\n\n"
              << "Rows for `ratios --extra` from `profiling_harness --json` runs (one pair per run):\n"
              << "the reference/optimized speed-up (target >= 8x) and the optimized peak RSS\n"
              << "(target < 64 MiB).\n\n" << desc << "\nExit codes: 0 written, 1 bad input.\n";
    return 0;
  }
  try {
    if (!vm.count("pair")) throw std::runtime_error("at least one --pair REF.json OPT.json is needed");
    const auto files = vm["pair"].as<std::vector<std::string>>();
    if (files.size() % 2 != 0) throw std::runtime_error("--pair takes two files: REF.json OPT.json");
    json speedup = {{"label", "profiling_harness full scale: reference / optimized total time"},
                    {"target", "≥ 8× faster"}, {"bound", "at_least"}, {"limit", 8.0},
                    {"source", "profiling_harness --json (wall time of all phases)"}, {"values", json::array()}};
    json kernels = {{"label", "profiling_harness full scale: reference / optimized, kernel phases only"},
                    {"target", "≥ 8× faster"}, {"bound", "at_least"}, {"limit", 8.0},
                    {"source", "profiling_harness --json (spreading + similarity + decay; the build phase is "
                               "the same generator for both)"},
                    {"values", json::array()}};
    json rss = {{"label", "profiling_harness full scale: optimized peak RSS, MiB"},
                {"target", "< 64 MiB"}, {"bound", "at_most"}, {"limit", 64.0},
                {"source", "profiling_harness --json (getrusage ru_maxrss, as /usr/bin/time -v)"},
                {"unit", " MiB"},
                {"values", json::array()}};
    for (std::size_t i = 0; i < files.size(); i += 2) {
      const json ref = read_harness(files[i], "reference");
      const json opt = read_harness(files[i + 1], "optimized");
      speedup["values"].push_back(ref["total_seconds"].get<double>() / opt["total_seconds"].get<double>());
      kernels["values"].push_back(kernel_seconds(ref, files[i]) / kernel_seconds(opt, files[i + 1]));
      rss["values"].push_back(opt["peak_rss_kib"].get<double>() / 1024.0);
    }
    const std::string text = json{{"rows", {speedup, kernels, rss}}}.dump(2) + "\n";
    if (vm.count("out")) {
      engram::io::write_file_atomically(vm["out"].as<std::string>(), text);
    } else {
      std::cout << text;
    }
  } catch (const std::exception& e) {
    std::cerr << "harness_rows: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
