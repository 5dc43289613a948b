// The counter-name resolver (counters' name parsing and resolution), as
// `--counters=a,b,c` reaches it: every spelling (generic, PAPI preset,
// libpfm4, PAPI native, SDE), privilege modifiers, duplicates, and the close
// matches of an unknown name. It asks libpfm4 and PAPI's tables, never the
// PMU, so it runs on any machine.
#include <string>
#include <vector>

#include "engram/counters.hpp"
#include "fuzz_support.hpp"
#include "resolver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace engram::counters;
  namespace fuzz = engram::fuzz;
  std::vector<std::string> names(1);
  for (const char c : fuzz::as_text(data, size)) {
    if (c == ',')
      names.emplace_back();
    else
      names.back() += c;
  }
  try {
    (void)detail::resolve_counter_names(names);
  } catch (const CounterError&) {
    // An unknown, empty or unencodable name: refused by name (ecount exits 2).
  }
  return 0;
}
