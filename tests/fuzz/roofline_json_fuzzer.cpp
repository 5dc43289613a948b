// roofline.json (roofline::roofline_from_json), which the report reads.
#include "engram/io/errors.hpp"
#include "engram/io/json.hpp"
#include "engram/roofline/roofline.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace engram;
  fuzz::parse_or_refuse<io::InputError>(
      [&] { (void)roofline::roofline_from_json(io::parse_json_text(fuzz::as_text(data, size), fuzz::kSource)); });
  return 0;
}
