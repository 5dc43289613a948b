// Folded stacks (profile::read_folded): the flame graph's and hot spots'
// input. What we write back (to_folded) must read again to the same total.
#include <sstream>
#include <string>

#include "engram/io/errors.hpp"
#include "engram/profile/folded.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace engram;
  fuzz::parse_or_refuse<io::InputError>([&] {
    std::istringstream in{std::string(fuzz::as_text(data, size))};
    profile::StackTree tree;
    profile::ParseReport report;
    profile::read_folded(in, fuzz::kSource, tree, report);
    (void)report.warning();
    // Lines of 0 samples are valid and add nothing; a tree without samples
    // writes nothing, which is not a profile (the tools refuse it by name).
    if (tree.total_samples() == 0) return;

    std::istringstream again{profile::to_folded(tree)};
    profile::StackTree reread;
    profile::ParseReport reread_report;
    try {
      profile::read_folded(again, "round trip", reread, reread_report);
    } catch (const io::InputError& error) {
      fuzz::fail(std::string("to_folded wrote what read_folded refuses: ") + error.what());
    }
    if (reread.total_samples() != tree.total_samples() || reread_report.skipped != 0)
      fuzz::fail("to_folded does not read back to the same samples");
  });
  return 0;
}
