// The other engram-* JSON readers, one harness: the first byte picks the
// reader (its value modulo 4; the seeds start with '0' to '3'), the rest is
// the document.
//   0  machine.json            counters::machine_snapshot_from_json
//   1  engram.counters         counters::counter_statuses_from_json
//   2  engram.workload         workload_manifest_from_json
//   3  ratios --extra rows     benchstats::parse_extra_ratio_rows
#include "engram/benchstats/ratios.hpp"
#include "engram/counters.hpp"
#include "engram/io/errors.hpp"
#include "engram/io/json.hpp"
#include "engram/machine_snapshot.hpp"
#include "engram/workload_manifest.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace engram;
  if (size == 0) return 0;
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  fuzz::parse_or_refuse<io::InputError>([&] {
    switch (data[0] % 4) {
      case 0: (void)counters::machine_snapshot_from_json(io::parse_json_text(text, fuzz::kSource)); break;
      case 1: (void)counters::counter_statuses_from_json(text, fuzz::kSource); break;
      case 2: (void)bench::workload_manifest_from_json(text, fuzz::kSource); break;
      default: (void)benchstats::parse_extra_ratio_rows(text, fuzz::kSource); break;
    }
  });
  return 0;
}
