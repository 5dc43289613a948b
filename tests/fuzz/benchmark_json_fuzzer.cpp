// Google Benchmark's JSON as benchstats reads it (compare, stability, ratios,
// roofline and the report all read bench.json through it), non-finite
// values, the nested context and the workload manifest inside it included.
#include "engram/benchstats/benchmark_json.hpp"
#include "engram/io/errors.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace engram;
  fuzz::parse_or_refuse<io::InputError>(
      [&] { (void)benchstats::parse_benchmark_json(fuzz::as_text(data, size), fuzz::kSource); });
  return 0;
}
