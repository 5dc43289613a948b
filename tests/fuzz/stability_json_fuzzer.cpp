// stability.json (benchstats::stability_from_json), which the report reads.
#include "engram/benchstats/stability.hpp"
#include "engram/io/errors.hpp"
#include "engram/io/json.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace engram;
  fuzz::parse_or_refuse<io::InputError>(
      [&] { (void)benchstats::stability_from_json(io::parse_json_text(fuzz::as_text(data, size), fuzz::kSource)); });
  return 0;
}
