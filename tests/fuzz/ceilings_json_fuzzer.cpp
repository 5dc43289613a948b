// ceilings.json: its one reader (ceilings::ceilings_from_json) and, for a
// file that reads, the roofline's view of it (each sweep's plateaus, the best
// peak).
#include <optional>

#include "engram/ceilings_file.hpp"
#include "engram/io/errors.hpp"
#include "engram/io/json.hpp"
#include "engram/roofline/roofline.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace engram;
  std::optional<ceilings::CeilingsFile> file;
  fuzz::parse_or_refuse<io::InputError>(
      [&] { file = ceilings::ceilings_from_json(io::parse_json_text(fuzz::as_text(data, size), fuzz::kSource)); });
  if (!file) return 0;
  for (const char* kernel : {"load", "copy", "triad"})
    fuzz::parse_or_refuse<io::InputError>([&] { (void)roofline::machine_ceilings(*file, kernel).best_peak_gflops(); });
  return 0;
}
