#include "engram/profile/perf_script.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <iostream>
#include <vector>

#include "engram/profile/frame_names.hpp"
#include "line_reader.hpp"

namespace engram::profile {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

bool all_of(std::string_view s, bool (*predicate)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), predicate);
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

struct Token {
  std::string_view text;
  std::size_t offset;
};

std::vector<Token> tokenize(std::string_view line) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > start) tokens.push_back({line.substr(start, i - start), start});
  }
  return tokens;
}

// "360.190727:" - seconds.fraction followed by a colon.
bool is_time_token(std::string_view t) {
  if (t.size() < 4 || t.back() != ':') return false;
  t.remove_suffix(1);
  const std::size_t dot = t.find('.');
  if (dot == std::string_view::npos) return false;
  return all_of(t.substr(0, dot), is_digit) && all_of(t.substr(dot + 1), is_digit);
}

// "1234" or "1234/1235" (pid/tid).
bool is_pid_token(std::string_view t) {
  const std::size_t slash = t.find('/');
  if (slash == std::string_view::npos) return all_of(t, is_digit);
  return all_of(t.substr(0, slash), is_digit) && all_of(t.substr(slash + 1), is_digit);
}

// "[003]"
bool is_cpu_token(std::string_view t) {
  return t.size() >= 3 && t.front() == '[' && t.back() == ']' &&
         all_of(t.substr(1, t.size() - 2), is_digit);
}

// "cpu-clock:ppp:" -> "cpu-clock"; "sched:sched_switch:" stays a tracepoint.
std::string event_name(std::string_view token) {
  token.remove_suffix(1);  // the colon that ends the event field
  const std::size_t colon = token.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string_view modifiers = token.substr(colon + 1);
    constexpr std::string_view kModifierLetters = "ukhIGHpPSDWeb";
    if (!modifiers.empty() && modifiers.find_first_not_of(kModifierLetters) == std::string_view::npos) {
      token = token.substr(0, colon);
    }
  }
  return std::string(token);
}

// Pseudo-DSOs of user space that perf writes in brackets; any other bracketed
// DSO is a kernel module such as "[nf_conntrack]".
bool is_user_pseudo_dso(std::string_view dso) {
  constexpr std::array<std::string_view, 7> kUser = {"[unknown]", "[vdso]", "[vsyscall]", "[heap]",
                                                     "[stack]",   "[vectors]", "[uprobes]"};
  if (std::find(kUser.begin(), kUser.end(), dso) != kUser.end()) return true;
  return dso.starts_with("[anon") || dso.starts_with("[jit");
}

bool is_kernel_frame(std::uint64_t address, std::string_view dso) {
  if (address >= 0xffff800000000000ULL) return true;  // kernel half of the x86-64/arm64 address space
  if (dso.find("kernel.kallsyms") != std::string_view::npos) return true;
  if (dso.find("vmlinux") != std::string_view::npos || dso.ends_with(".ko")) return true;
  return dso.size() > 2 && dso.front() == '[' && dso.back() == ']' && !is_user_pseudo_dso(dso);
}

std::string_view strip_offset(std::string_view symbol) {
  const std::size_t plus = symbol.rfind("+0x");
  if (plus != std::string_view::npos && plus > 0 && all_of(symbol.substr(plus + 3), is_hex_digit)) {
    return symbol.substr(0, plus);
  }
  return symbol;
}

std::string_view base_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool parse_perf_frame_line(std::string_view line, PerfFrame& frame) {
  if (line.empty() || !is_blank(line.front())) return false;
  line = trim(line);
  std::size_t end = 0;
  while (end < line.size() && !is_blank(line[end])) ++end;
  const std::string_view address = line.substr(0, end);
  if (!all_of(address, is_hex_digit) || address.size() > 16) return false;
  frame = PerfFrame{};
  std::from_chars(address.data(), address.data() + address.size(), frame.address, 16);
  std::string_view rest = trim(line.substr(end));
  std::string_view symbol = rest;
  if (rest.ends_with(')')) {
    // The DSO is the last parenthesised group; match it from the right
    // because DSO paths may hold parentheses too ("(deleted)").
    int depth = 0;
    for (std::size_t i = rest.size(); i-- > 0;) {
      if (rest[i] == ')') ++depth;
      if (rest[i] == '(' && --depth == 0) {
        frame.dso = std::string(rest.substr(i + 1, rest.size() - i - 2));
        symbol = trim(rest.substr(0, i));
        break;
      }
    }
  }
  frame.symbol = std::string(strip_offset(symbol));
  frame.kernel = is_kernel_frame(frame.address, frame.dso);
  return true;
}

std::string folded_frame_name(const PerfFrame& frame, const CollapseOptions& options) {
  std::string name;
  if (frame.symbol.empty() || frame.symbol == "[unknown]") {
    // Unresolved: name the DSO when it is known ("[libc.so.6]"), as stack
    // collapsers conventionally do, so the flame graph still says where.
    if (!frame.dso.empty() && frame.dso != "[unknown]") {
      const std::string_view dso = frame.dso;
      name = dso.front() == '[' ? std::string(dso)
                                : std::string("[").append(base_name(dso)).append("]");
    } else {
      name = "[unknown]";
    }
  } else {
    name = options.keep_parameters ? frame.symbol : strip_parameters(frame.symbol);
    if (name.empty()) name = frame.symbol;
  }
  if (has_top_level_separator(name)) std::replace(name.begin(), name.end(), ';', ':');
  if (frame.kernel && options.annotate_kernel) name += "_[k]";
  return name;
}

bool parse_perf_header_line(std::string_view line, PerfSampleHeader& header) {
  if (line.empty() || is_blank(line.front())) return false;
  const std::vector<Token> tokens = tokenize(line);
  std::size_t time_index = 0;
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    if (is_time_token(tokens[i].text)) {
      time_index = i;
      break;
    }
  }
  if (time_index == 0) return false;
  std::size_t pid_index = time_index - 1;
  if (is_cpu_token(tokens[pid_index].text)) {
    if (pid_index == 0) return false;
    --pid_index;
  }
  if (pid_index == 0 || !is_pid_token(tokens[pid_index].text)) return false;
  std::size_t event_index = time_index + 1;
  if (event_index < tokens.size() && all_of(tokens[event_index].text, is_digit)) ++event_index;  // period
  if (event_index >= tokens.size() || !tokens[event_index].text.ends_with(':') ||
      tokens[event_index].text.size() < 2) {
    return false;
  }
  header.comm = std::string(trim(line.substr(0, tokens[pid_index].offset)));
  header.event = event_name(tokens[event_index].text);
  const std::size_t after_event = tokens[event_index].offset + tokens[event_index].text.size();
  header.trailing_frame = trim(line.substr(after_event));
  return true;
}

bool looks_like_perf_script(std::string_view head) {
  std::size_t pos = 0;
  int examined = 0;
  PerfFrame frame;
  PerfSampleHeader header;
  while (pos < head.size() && examined < 50) {
    std::size_t end = head.find('\n', pos);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty() || line.front() == '#') continue;
    ++examined;
    if (is_blank(line.front())) return parse_perf_frame_line(line, frame);
    if (parse_perf_header_line(line, header)) return true;
  }
  return false;
}

std::string CollapseReport::warning() const {
  if (skipped == 0) return {};
  return source + ": skipped " + std::to_string(skipped) + " malformed line" +
         (skipped == 1 ? "" : "s") + " (first: line " + std::to_string(first_bad_line) + ": " +
         first_bad_reason + ")";
}

std::string CollapseReport::event_summary() const {
  if (events.empty()) return "unknown";
  if (events.size() == 1) return events.begin()->first;
  std::string summary;
  for (const auto& [event, count] : events) {
    if (!summary.empty()) summary += ", ";
    summary += event + " (" + std::to_string(count) + " samples)";
  }
  return summary;
}

void collapse_perf_script(std::istream& in, std::string_view source,
                          const CollapseOptions& options, StackTree& tree,
                          CollapseReport& report) {
  report = CollapseReport{};
  report.source = std::string(source);
  detail::LineReader reader(in);
  std::string_view line;
  bool in_sample = false;
  bool skipping_sample = false;  // frame lines of a rejected header
  std::string comm;
  std::vector<std::string> frames;  // innermost first, as perf prints them
  std::vector<std::string> stack;   // root first
  PerfFrame frame;
  PerfSampleHeader header;

  auto reject = [&](const char* reason) {
    if (report.skipped++ == 0) {
      report.first_bad_line = report.lines;
      report.first_bad_reason = reason;
    }
  };
  auto flush = [&] {
    if (!in_sample) return;
    in_sample = false;
    if (frames.empty()) {
      ++report.samples_without_frames;
      frames.emplace_back("[unknown]");
    }
    stack.clear();
    if (options.include_process_name) stack.push_back(comm.empty() ? "[unknown]" : comm);
    stack.insert(stack.end(), frames.rbegin(), frames.rend());
    try {
      tree.add_stack(stack, 1);
    } catch (const std::overflow_error&) {
      throw InputError(report.source, report.lines, "sample total exceeds the 64-bit range");
    }
    ++report.samples;
    frames.clear();
  };

  while (reader.next(line)) {
    ++report.lines;
    if (trim(line).empty()) {
      flush();
      skipping_sample = false;
      continue;
    }
    if (line.front() == '#') continue;  // perf's --header comments
    if (is_blank(line.front())) {
      if (skipping_sample) continue;
      if (!in_sample) {
        reject("frame line outside a sample");
        continue;
      }
      if (parse_perf_frame_line(line, frame)) {
        frames.push_back(folded_frame_name(frame, options));
      } else {
        reject("malformed frame line (expected 'address symbol (dso)')");
      }
      continue;
    }
    flush();
    if (!parse_perf_header_line(line, header)) {
      reject("not a perf script sample header ('comm pid time: period event:')");
      skipping_sample = true;
      continue;
    }
    skipping_sample = false;
    in_sample = true;
    comm = header.comm;
    ++report.events[header.event];
    if (!header.trailing_frame.empty()) {
      const std::string indented = std::string("\t").append(header.trailing_frame);
      if (parse_perf_frame_line(indented, frame)) frames.push_back(folded_frame_name(frame, options));
    }
  }
  flush();
  if (in.bad()) throw InputError(report.source, 0, "read error");
  if (report.samples == 0) {
    if (report.skipped == 0) throw InputError(report.source, 0, "empty input: no perf script samples");
    throw InputError(report.source, report.first_bad_line,
                     "no perf script sample found (" + std::to_string(report.skipped) +
                         " malformed lines; first: " + report.first_bad_reason + ")");
  }
  tree.sort_children();
}

StackTree collapse_perf_script_file(const std::filesystem::path& path,
                                    const CollapseOptions& options, CollapseReport& report) {
  StackTree tree;
  if (path == "-") {
    collapse_perf_script(std::cin, "<stdin>", options, tree, report);
    return tree;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, "cannot open for reading");
  collapse_perf_script(in, path.string(), options, tree, report);
  return tree;
}

}  // namespace engram::profile
