#include <algorithm>
#include <map>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "engram/profile/frame_names.hpp"

#include "engram/profile/hotspots.hpp"
#include "engram/io/process.hpp"

namespace engram::profile {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::string first_line(std::string_view text) {
  const std::size_t nl = text.find('\n');
  return std::string(trim(text.substr(0, nl)));
}

}  // namespace

std::string_view frame_pointers_name(FramePointers verdict) {
  switch (verdict) {
    case FramePointers::kYes: return "yes";
    case FramePointers::kNo: return "no";
    case FramePointers::kPartial: return "partial";
    case FramePointers::kUnknown: return "unknown";
  }
  return "unknown";
}

std::optional<bool> producer_keeps_frame_pointers(std::string_view producer) {
  const bool gcc = producer.starts_with("GNU C") || producer.starts_with("GNU Fortran");
  const bool clang = producer.find("clang version") != std::string_view::npos;
  if (!gcc && !clang) return std::nullopt;  // the assembler and others record no switches
  std::optional<bool> explicit_choice;
  std::string_view level;
  bool any_switch = false;
  std::size_t i = 0;
  while (i < producer.size()) {
    while (i < producer.size() && producer[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < producer.size() && producer[i] != ' ') ++i;
    const std::string_view token = producer.substr(start, i - start);
    if (!token.starts_with("-")) continue;
    any_switch = true;
    if (token == "-fno-omit-frame-pointer") explicit_choice = true;
    if (token == "-fomit-frame-pointer") explicit_choice = false;
    if (token.starts_with("-O")) level = token;
  }
  if (explicit_choice) return explicit_choice;
  if (!any_switch) return std::nullopt;  // built with -gno-record-gcc-switches
  return level.empty() || level == "-O0";
}

std::vector<std::string> producers_from_readelf(std::string_view output) {
  std::vector<std::string> producers;
  std::size_t pos = 0;
  while (pos < output.size()) {
    std::size_t end = output.find('\n', pos);
    if (end == std::string_view::npos) end = output.size();
    const std::string_view line = output.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t at = line.find("DW_AT_producer");
    if (at == std::string_view::npos) continue;
    std::string_view value = line.substr(at + std::string_view("DW_AT_producer").size());
    value = trim(value);
    if (value.starts_with(':')) value = trim(value.substr(1));
    // Indirect strings: "(indirect string, offset: 0x0): GNU C++20 ..."
    if (value.starts_with('(')) {
      const std::size_t close = value.find("): ");
      value = close == std::string_view::npos ? std::string_view() : value.substr(close + 3);
    }
    producers.emplace_back(trim(value));
  }
  return producers;
}

FramePointerCheck judge_frame_pointers(std::span<const std::string> producers) {
  std::size_t with = 0;
  std::size_t without = 0;
  std::size_t silent = 0;
  for (const auto& producer : producers) {
    const auto keeps = producer_keeps_frame_pointers(producer);
    if (!keeps) ++silent;
    else if (*keeps) ++with;
    else ++without;
  }
  FramePointerCheck check;
  const std::size_t known = with + without;
  const std::string counts = std::to_string(with) + " of " + std::to_string(known) +
                             " compile units built with frame pointers (DW_AT_producer: "
                             "-fno-omit-frame-pointer, or -O0)" +
                             (silent > 0 ? "; " + std::to_string(silent) +
                                               " units record no compiler switches"
                                         : "");
  if (known == 0) {
    check.verdict = FramePointers::kUnknown;
    check.detail = producers.empty()
                       ? "no DWARF compile unit records its producer (built without -g, or "
                         "debug info stripped): cannot tell"
                       : "no compile unit records its compiler switches: cannot tell";
  } else if (without == 0) {
    check.verdict = FramePointers::kYes;
    check.detail = counts;
  } else if (with == 0) {
    check.verdict = FramePointers::kNo;
    check.detail = counts + "; rebuild with -fno-omit-frame-pointer or record with "
                            "--call-graph dwarf";
  } else {
    check.verdict = FramePointers::kPartial;
    check.detail = counts + "; stacks through the others may be cut short";
  }
  return check;
}

FramePointerCheck check_frame_pointers(const std::filesystem::path& binary) {
  FramePointerCheck check;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(binary, ec)) {
    check.detail = "binary not found: " + binary.string();
    return check;
  }
  // Resolved here: a path such as /proc/self/exe must name our process's
  // binary, not readelf's.
  const std::filesystem::path resolved = std::filesystem::canonical(binary, ec);
  const auto result = io::run_program(
      {"readelf", "--debug-dump=info", "--dwarf-depth=1", (ec ? binary : resolved).string()});
  if (!result.started) {
    check.detail = "readelf could not be run (Debian package binutils): cannot tell";
    return check;
  }
  if (result.exit_code != 0) {
    check.detail = "readelf failed on " + binary.string() + ": " + first_line(result.err);
    return check;
  }
  const std::vector<std::string> producers = producers_from_readelf(result.out);
  check = judge_frame_pointers(producers);
  check.detail = binary.string() + ": " + check.detail;
  return check;
}

}  // namespace engram::profile

namespace engram::profile {

std::vector<std::string> frameless_functions_from_objdump(std::string_view output) {
  constexpr int kPrologueInstructions = 8;
  std::map<std::string, bool> has_frame;  // by stripped name; false if any copy lacks one
  std::string current;
  bool tracking = false;
  int seen = 0;
  bool pushed = false;
  bool framed = false;
  auto finish = [&] {
    if (!tracking) return;
    auto [it, inserted] = has_frame.try_emplace(current, framed);
    if (!inserted) it->second = it->second && framed;
    tracking = false;
  };
  std::size_t pos = 0;
  while (pos < output.size()) {
    std::size_t end = output.find('\n', pos);
    if (end == std::string_view::npos) end = output.size();
    const std::string_view line = output.substr(pos, end - pos);
    pos = end + 1;
    // "0000000000034ea0 <engram::N_AVX3::DotRows(float const*, ...)>:"
    if (!line.empty() && line.front() != ' ' && line.ends_with(">:")) {
      const std::size_t open = line.find(" <");
      if (open == std::string_view::npos) continue;
      finish();
      const std::string_view symbol = line.substr(open + 2, line.size() - open - 4);
      if (symbol.find("@plt") != std::string_view::npos ||
          symbol.find(".cold") != std::string_view::npos || symbol.starts_with("_init") ||
          symbol.starts_with("_fini")) {
        continue;
      }
      current = strip_parameters(symbol);
      tracking = true;
      seen = 0;
      pushed = framed = false;
      continue;
    }
    if (!tracking || seen >= kPrologueInstructions) continue;
    // "   34ea0:\tpush   %rbp"
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos || line.find(':') > tab) continue;
    const std::string_view instruction = line.substr(tab + 1);
    ++seen;
    if (instruction.starts_with("push") && instruction.find("%rbp") != std::string_view::npos) pushed = true;
    if (pushed && instruction.starts_with("mov") && instruction.find("%rsp,%rbp") != std::string_view::npos) {
      framed = true;
    }
  }
  finish();
  std::vector<std::string> frameless;
  for (const auto& [name, framed_everywhere] : has_frame) {
    if (!framed_everywhere) frameless.push_back(name);
  }
  return frameless;  // std::map order: sorted
}

FramelessCheck check_frameless_functions(const std::filesystem::path& binary) {
  FramelessCheck check;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(binary, ec)) {
    check.detail = "binary not found: " + binary.string();
    return check;
  }
  const std::filesystem::path resolved = std::filesystem::canonical(binary, ec);
  const auto result = io::run_program(
      {"objdump", "-d", "-C", "--no-show-raw-insn", (ec ? binary : resolved).string()});
  if (!result.started) {
    check.detail = "objdump could not be run (Debian package binutils)";
    return check;
  }
  if (result.exit_code != 0) {
    check.detail = "objdump failed on " + binary.string() + ": " + first_line(result.err);
    return check;
  }
  check.checked = true;
  check.frameless = frameless_functions_from_objdump(result.out);
  check.detail = std::to_string(check.frameless.size()) +
                 " functions of " + binary.string() +
                 " set up no frame pointer in their first instructions (objdump)";
  return check;
}

FramelessLeaves frameless_leaves(const StackTree& tree, std::span<const std::string> frameless) {
  FramelessLeaves leaves;
  if (frameless.empty()) return leaves;
  const std::unordered_set<std::string_view> names(frameless.begin(), frameless.end());
  std::unordered_map<std::string, std::uint64_t> self_by_name;
  for (StackTree::NodeId id = 1; id < tree.node_count(); ++id) {
    const auto& node = tree.node(id);
    if (node.self == 0) continue;
    const std::string_view name = tree.name(id);
    if (names.contains(name) || names.contains(strip_parameters(name))) {
      leaves.samples += node.self;
      self_by_name[std::string(name)] += node.self;
    }
  }
  for (const auto& [name, samples] : self_by_name) {
    const double percent = tree.total_samples() == 0
                               ? 0.0
                               : 100.0 * static_cast<double>(samples) /
                                     static_cast<double>(tree.total_samples());
    leaves.functions.push_back({name, samples, percent});
  }
  std::sort(leaves.functions.begin(), leaves.functions.end(), [](const auto& a, const auto& b) {
    return a.samples != b.samples ? a.samples > b.samples : a.name < b.name;
  });
  if (leaves.functions.size() > 5) leaves.functions.resize(5);
  return leaves;
}

}  // namespace engram::profile
