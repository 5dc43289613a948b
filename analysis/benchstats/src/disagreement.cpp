#include "engram/benchstats/disagreement.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace engram::benchstats {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return out;
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// In the order the attribution names them.
constexpr std::array<std::string_view, 5> kCategories = {"system time", "page faults", "context switches",
                                                         "cache misses", "branch misses"};

bool moved(Verdict v) { return v == Verdict::regressed || v == Verdict::improved; }

std::string percent(std::optional<double> ratio) {
  return ratio ? fmt::format("{:+.1f}%", (*ratio - 1) * 100) : std::string("?");
}

}  // namespace

bool is_instruction_counter(std::string_view counter) {
  const std::string c = lower(counter);
  return c == "tot_ins" || c == "papi_tot_ins" || c == "instructions" || c == "ir";
}

std::string_view attribution_category(std::string_view counter) {
  const std::string c = lower(counter);
  // System time: a software clock of kernel time, where a run records one.
  if (c == "system_time" || c == "sys_time" || c == "stime" || c == "system-time" || c == "sys" ||
      c.ends_with("system_time_ns") || c == "cpu-clock:k" || c == "task-clock:k") {
    return kCategories[0];
  }
  if (c == "page-faults" || c == "faults" || c == "minor-faults" || c == "major-faults" || c == "page_faults" ||
      contains(c, "tlb")) {
    return kCategories[1];
  }
  if (c == "context-switches" || c == "cs" || c == "context_switches" || c == "cpu-migrations" || c == "migrations") {
    return kCategories[2];
  }
  if (c == "br_msp" || c == "papi_br_msp" || c == "branch-misses" || c == "br_mpki" || c == "br_misp_ratio" ||
      c == "bcm" || c == "bim") {
    return kCategories[4];
  }
  // PAPI cache misses (L1_DCM, L2_TCM, L3_TCM, ...: "_dcm", "_icm", "_tcm",
  // "_ldm", "_stm"), LL misses, perf's generic ones, callgrind's D1mr/DLmr,
  // and the derived miss ratios.
  if (c.ends_with("_dcm") || c.ends_with("_icm") || c.ends_with("_tcm") || c.ends_with("_ldm") ||
      c.ends_with("_stm") || c == "ll_misses" || c == "llc_misses" || c == "cache-misses" ||
      (contains(c, "cache") && contains(c, "miss")) || (c.starts_with("llc-") && contains(c, "miss")) ||
      c == "d1mr" || c == "d1mw" || c == "dlmr" || c == "dlmw" || c == "i1mr" || c == "ilmr" || c == "l1_mpki" ||
      c == "l1_miss_ratio") {
    return kCategories[3];
  }
  return {};
}

std::optional<Disagreement> find_disagreement(const BenchmarkComparison& comparison) {
  const auto instructions = std::find_if(comparison.counters.begin(), comparison.counters.end(),
                                         [](const CounterComparison& c) {
                                           return is_instruction_counter(c.counter) && c.method != CounterMethod::refused &&
                                                  c.verdict != Verdict::inconclusive;
                                         });
  if (instructions == comparison.counters.end()) return std::nullopt;
  const Verdict time = comparison.verdict;
  if (time == Verdict::inconclusive) return std::nullopt;
  const Verdict ins = instructions->verdict;
  if (!moved(time) && !moved(ins)) return std::nullopt;
  if (time == ins) return std::nullopt;

  Disagreement d;
  d.time_verdict = time;
  d.instructions_counter = instructions->counter;
  d.instructions_verdict = ins;
  d.time_ratio = comparison.ratio;
  d.instructions_ratio = instructions->ratio;

  // The counters that moved the way the side that moved did: time regressed
  // (instructions flat) -> the event counts that rose; instructions moved but
  // time did not -> nothing to explain in time, but the counters that moved
  // the way instructions did are still named.
  const Verdict direction = moved(time) ? time : ins;
  for (const std::string_view category : kCategories) {
    bool covered = false;
    for (const CounterComparison& c : comparison.counters) {
      if (attribution_category(c.counter) != category || c.method == CounterMethod::refused) continue;
      covered = true;
      if (c.verdict == direction) d.attributed.push_back({c.counter, std::string(category), c.ratio.value_or(1), c.verdict});
    }
    if (!covered) d.not_measured.emplace_back(category);
  }

  const std::string time_text = fmt::format("time {} ({})", to_string(time), percent(d.time_ratio));
  const std::string ins_text = fmt::format("{} {} ({})", d.instructions_counter,
                                           moved(ins) ? std::string(to_string(ins)) : std::string("did not change"),
                                           percent(d.instructions_ratio));
  std::vector<std::string> named;
  for (const CounterMove& m : d.attributed) named.push_back(fmt::format("{} {} ({})", m.counter, (m.ratio >= 1 ? "rose" : "fell"), percent(m.ratio)));
  std::string cause;
  if (moved(time) && !moved(ins)) {
    cause = named.empty()
                ? fmt::format("the work done is the same, so the cause is elsewhere; no compared counter moved "
                              "with it{}",
                              d.not_measured.empty() ? std::string()
                                                     : fmt::format(" (not measured: {})", fmt::join(d.not_measured, ", ")))
                : fmt::format("the work done is the same; moved with it: {}", fmt::join(named, ", "));
  } else if (!moved(time)) {
    cause = fmt::format("the time did not follow the instruction count{}",
                        named.empty() ? std::string() : fmt::format(" (moved with it: {})", fmt::join(named, ", ")));
  } else {
    cause = named.empty() ? std::string("they moved in opposite directions")
                          : fmt::format("they moved in opposite directions; moved with time: {}", fmt::join(named, ", "));
  }
  d.text = fmt::format("{} but {}: {}", time_text, ins_text, cause);
  return d;
}

}  // namespace engram::benchstats
