// hotspots.json (profile::hotspots_from_json), which the report reads.
#include "engram/io/errors.hpp"
#include "engram/io/json.hpp"
#include "engram/profile/hotspots.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace engram;
  fuzz::parse_or_refuse<io::InputError>(
      [&] { (void)profile::hotspots_from_json(io::parse_json_text(fuzz::as_text(data, size), fuzz::kSource)); });
  return 0;
}
