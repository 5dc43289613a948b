// `perf script` text (profile::collapse_perf_script), the main job's profile.
// The first byte picks the collapse options, so every combination is fuzzed.
#include <sstream>
#include <string>

#include "engram/io/errors.hpp"
#include "engram/profile/perf_script.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace engram;
  if (size == 0) return 0;
  profile::CollapseOptions options;
  options.include_process_name = (data[0] & 1) != 0;
  options.keep_parameters = (data[0] & 2) != 0;
  options.annotate_kernel = (data[0] & 4) != 0;
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  (void)profile::looks_like_perf_script(text);
  fuzz::parse_or_refuse<io::InputError>([&] {
    std::istringstream in{std::string(text)};
    profile::StackTree tree;
    profile::CollapseReport report;
    profile::collapse_perf_script(in, fuzz::kSource, options, tree, report);
    (void)report.warning();
    (void)report.event_summary();
  });
  return 0;
}
