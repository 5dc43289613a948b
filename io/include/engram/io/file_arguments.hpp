#pragma once
// The statistics tools (compare, stability, ratios) take their JSON files as
// plain arguments after the options; this parses both in one place.
#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace engram::io {

// Parses argv against `options`, collecting every non-option argument into
// `files`. Throws boost::program_options::error on a bad command line.
inline boost::program_options::variables_map parse_options_and_files(
    int argc, char** argv, const boost::program_options::options_description& options,
    std::vector<std::string>& files) {
  namespace po = boost::program_options;
  po::options_description hidden;
  hidden.add_options()("input", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("input", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("input")) files = vm["input"].as<std::vector<std::string>>();
  return vm;
}

}  // namespace engram::io
