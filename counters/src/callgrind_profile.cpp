// Callgrind output: parsing (format version 1) and the counter arithmetic
// that turns its events into counter values.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "catalog.hpp"
#include "engram/counters.hpp"
#include "resolver.hpp"
#include "text.hpp"

namespace engram::counters {
namespace {

struct PartBuilder {
  long number = -1;
  std::string trigger;
  std::vector<std::uint64_t> totals;
  std::vector<std::uint64_t> summary;
  bool has_totals = false;
  bool has_summary = false;
  bool empty() const { return !has_totals && !has_summary && trigger.empty() && number < 0; }
};

std::vector<std::uint64_t> parse_numbers(const std::string& text, std::string_view source, std::size_t line_number) {
  std::vector<std::uint64_t> out;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    std::uint64_t value = 0;
    try {
      // std::stoull takes "-5" as 2^64-5: a count has digits only.
      if (word.find_first_not_of("0123456789") != std::string::npos) throw std::invalid_argument(word);
      std::size_t used = 0;
      value = std::stoull(word, &used);
      if (used != word.size()) throw std::invalid_argument(word);
    } catch (const std::exception&) {
      throw CallgrindRunError(std::string(source) + ":" + std::to_string(line_number) + ": '" + word +
                              "' is not an event count");
    }
    out.push_back(value);
  }
  return out;
}

// "part: N": a whole number, else the input is refused as not callgrind's
// (std::stol would throw std::invalid_argument, which names no file).
long parse_part_number(const std::string& text, std::string_view source, std::size_t line_number) {
  const std::string word = detail::trim(text);
  long number = -1;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), number);
  if (ec != std::errc() || end != word.data() + word.size() || number < 0)
    throw CallgrindRunError(std::string(source) + ":" + std::to_string(line_number) + ": '" + word +
                            "' is not a part number");
  return number;
}

std::string region_of(const std::string& trigger) {
  constexpr std::string_view client = "Client Request: ";
  if (trigger.rfind(client, 0) == 0) return trigger.substr(client.size());
  return {};  // "Program termination" and anything else: the final part
}

}  // namespace

std::optional<std::uint64_t> CallgrindCounts::event(std::string_view name) const {
  if (auto it = events.find(name); it != events.end()) return it->second;
  return std::nullopt;
}

CallgrindCounts& CallgrindCounts::operator+=(const CallgrindCounts& other) {
  for (const auto& [name, value] : other.events) events[name] += value;
  return *this;
}

CallgrindCounts CallgrindProfile::total() const {
  CallgrindCounts sum;
  for (const std::string& name : event_names) sum.events[name] = 0;
  for (const CallgrindCounts& part : parts) sum += part;
  return sum;
}

std::map<std::string, CallgrindCounts> CallgrindProfile::by_region() const {
  std::map<std::string, CallgrindCounts> out;
  for (const CallgrindCounts& part : parts) {
    CallgrindCounts& sum = out[part.region];
    sum.region = part.region;
    sum += part;
  }
  return out;
}

CallgrindProfile parse_callgrind_output(std::istream& in, std::string_view source) {
  CallgrindProfile profile;
  PartBuilder current;
  std::vector<std::pair<long, CallgrindCounts>> numbered;
  std::string line;
  std::size_t line_number = 0;
  bool saw_header = false;

  auto finish = [&](PartBuilder& part) {
    if (part.empty()) return;
    if (profile.event_names.empty())
      throw CallgrindRunError(std::string(source) + ": a part ends before any 'events:' line");
    if (!part.has_totals && !part.has_summary)
      throw CallgrindRunError(std::string(source) + ": part " + std::to_string(part.number) +
                              " has neither a 'totals:' nor a 'summary:' line");
    const std::vector<std::uint64_t>& values = part.has_totals ? part.totals : part.summary;
    if (values.size() > profile.event_names.size())
      throw CallgrindRunError(std::string(source) + ": more counts than events in part " +
                              std::to_string(part.number));
    CallgrindCounts counts;
    counts.region = region_of(part.trigger);
    // Callgrind drops trailing zero counts.
    for (std::size_t i = 0; i < profile.event_names.size(); ++i)
      counts.events[profile.event_names[i]] = i < values.size() ? values[i] : 0;
    numbered.emplace_back(part.number, std::move(counts));
    part = PartBuilder{};
  };

  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("# callgrind format", 0) == 0 || line.rfind("version:", 0) == 0) {
      saw_header = true;
    } else if (line.rfind("part:", 0) == 0) {
      finish(current);
      current.number = parse_part_number(line.substr(5), source, line_number);
    } else if (line.rfind("desc: Trigger:", 0) == 0) {
      current.trigger = detail::trim(line.substr(14));
    } else if (line.rfind("events:", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::vector<std::string> names;
      for (std::string word; words >> word;) names.push_back(word);
      if (names.empty()) throw CallgrindRunError(std::string(source) + ": empty 'events:' line");
      if (!profile.event_names.empty() && names != profile.event_names)
        throw CallgrindRunError(std::string(source) + ": parts with different event lists");
      profile.event_names = std::move(names);
    } else if (line.rfind("totals:", 0) == 0) {
      current.totals = parse_numbers(line.substr(7), source, line_number);
      current.has_totals = true;
    } else if (line.rfind("summary:", 0) == 0) {
      current.summary = parse_numbers(line.substr(8), source, line_number);
      current.has_summary = true;
    }
  }
  finish(current);
  if (!saw_header && numbered.empty())
    throw CallgrindRunError(std::string(source) + ": not callgrind output (no header, no parts)");
  if (profile.event_names.empty()) throw CallgrindRunError(std::string(source) + ": no 'events:' line");
  std::stable_sort(numbered.begin(), numbered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [number, counts] : numbered) profile.parts.push_back(std::move(counts));
  return profile;
}

CallgrindProfile parse_callgrind_files(const std::vector<std::filesystem::path>& files) {
  CallgrindProfile merged;
  std::vector<std::pair<long, CallgrindCounts>> parts;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) throw CallgrindRunError("cannot read callgrind output " + file.string());
    // Part numbers decide the order; read them from the file itself.
    std::stringstream text;
    text << in.rdbuf();
    long number = 0;
    {
      std::istringstream scan(text.str());
      std::string line;
      for (std::size_t line_number = 1; std::getline(scan, line); ++line_number)
        if (line.rfind("part:", 0) == 0) {
          number = parse_part_number(line.substr(5), file.string(), line_number);
          break;
        }
    }
    std::istringstream body(text.str());
    CallgrindProfile one = parse_callgrind_output(body, file.string());
    if (!merged.event_names.empty() && one.event_names != merged.event_names)
      throw CallgrindRunError(file.string() + ": its events differ from the other parts of the run");
    merged.event_names = one.event_names;
    for (std::size_t i = 0; i < one.parts.size(); ++i)
      parts.emplace_back(number + static_cast<long>(i), std::move(one.parts[i]));
  }
  std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [number, counts] : parts) merged.parts.push_back(std::move(counts));
  return merged;
}

std::optional<std::uint64_t> estimated_cycles(const CallgrindCounts& c) {
  for (const char* name : {"Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw"})
    if (!c.event(name)) return std::nullopt;
  const long double ram = static_cast<long double>(*c.event("ILmr")) + *c.event("DLmr") + *c.event("DLmw");
  const long double l1_misses = static_cast<long double>(*c.event("I1mr")) + *c.event("D1mr") + *c.event("D1mw");
  const long double accesses = static_cast<long double>(*c.event("Ir")) + *c.event("Dr") + *c.event("Dw");
  const long double ll_hits = std::max<long double>(0, l1_misses - ram);
  const long double l1_hits = std::max<long double>(0, accesses - ll_hits - ram);
  const long double cycles = l1_hits + 5 * ll_hits + 35 * ram;
  // Counts near 2^64 (a malformed file, never a real run) would overflow the
  // conversion, which is undefined: no estimate then.
  if (!(cycles < std::ldexp(1.0L, 64))) return std::nullopt;
  return static_cast<std::uint64_t>(cycles);
}

namespace detail {

std::optional<double> simulate(const SimulationRecipe& recipe, const CallgrindCounts& counts) {
  if (recipe.estimated_cycles) {
    auto cycles = estimated_cycles(counts);
    return cycles ? std::optional<double>(static_cast<double>(*cycles)) : std::nullopt;
  }
  long double sum = 0;
  for (const std::string& event : recipe.events) {
    auto value = counts.event(event);
    if (!value) return std::nullopt;
    sum += *value;
  }
  return static_cast<double>(sum);
}

}  // namespace detail

std::optional<double> simulated_value(const CallgrindCounts& counts, std::string_view counter) {
  const detail::ResolvedCounter resolved = detail::resolve_counter_name(std::string(counter));
  if (!resolved.traits.simulation) return std::nullopt;
  return detail::simulate(*resolved.traits.simulation, counts);
}

std::vector<std::string> simulated_counter_names() {
  std::vector<std::string> names = detail::simulatable_presets();
  for (const detail::GenericName& generic : detail::generic_names()) {
    auto event = detail::pfm_encode(generic.pfm_name);
    if (!event) continue;
    if (!detail::traits_of_perf({event->attr.type, event->attr.config}).simulation) continue;
    if (std::find(names.begin(), names.end(), event->canonical) == names.end()) names.push_back(event->canonical);
  }
  return names;
}

}  // namespace engram::counters
