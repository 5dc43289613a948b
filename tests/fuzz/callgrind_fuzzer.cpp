// callgrind's output files as counters reads them (parse_callgrind_output),
// and the arithmetic done on what it read: totals, parts per region, the
// estimated cycles and every simulated counter.
#include <sstream>
#include <string>

#include "engram/counters.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace engram::counters;
  namespace fuzz = engram::fuzz;
  fuzz::parse_or_refuse<CallgrindRunError>([&] {
    std::istringstream in{std::string(fuzz::as_text(data, size))};
    const CallgrindProfile profile = parse_callgrind_output(in, fuzz::kSource);
    const CallgrindCounts total = profile.total();
    (void)profile.by_region();
    (void)estimated_cycles(total);
    for (const std::string& name : simulated_counter_names()) (void)simulated_value(total, name);
  });
  return 0;
}
