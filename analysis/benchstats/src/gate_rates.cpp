#include "engram/benchstats/gate_rates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "engram/io/errors.hpp"
#include "engram/io/json.hpp"

namespace engram::benchstats {
namespace {

using nlohmann::json;

// Manifests are a few hundred lines; anything far larger is not one.
constexpr std::uintmax_t kMaxManifestBytes = std::uintmax_t{16} << 20;
// Comparison JSON versions this reader understands: 3, and 4 (counters added;
// the rows' "name" and "verdict" are unchanged).
constexpr std::int64_t kMinComparisonVersion = 3;
constexpr std::int64_t kMaxComparisonVersion = 4;

// P(X <= k) for X ~ Binomial(n, p), summed in log space so that n in the
// thousands neither overflows the binomial coefficients nor underflows p^k.
double binomial_cdf(std::size_t k, std::size_t n, double p) {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  const double log_p = std::log(p);
  const double log_q = std::log1p(-p);
  const double log_n_fact = std::lgamma(static_cast<double>(n) + 1);
  double sum = 0;
  for (std::size_t i = 0; i <= k && i <= n; ++i) {
    const double di = static_cast<double>(i);
    const double log_term = log_n_fact - std::lgamma(di + 1) - std::lgamma(static_cast<double>(n - i) + 1) +
                            di * log_p + static_cast<double>(n - i) * log_q;
    sum += std::exp(log_term);
  }
  return std::min(sum, 1.0);
}

// The p in [0, 1] where the decreasing function f(p) crosses `target`, by
// bisection: 100 halvings are far below double resolution.
template <typename F>
double solve_decreasing(F f, double target) {
  double lo = 0, hi = 1;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    (f(mid) > target ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

Verdict parse_verdict(const io::JsonValue& value) {
  const std::string text = value.string();
  for (Verdict v : {Verdict::improved, Verdict::regressed, Verdict::within_noise, Verdict::inconclusive}) {
    if (text == to_string(v)) return v;
  }
  value.fail(fmt::format("unknown verdict \"{}\" (expected one of improved, regressed, within noise, inconclusive)",
                         text));
}

std::optional<double> parse_slowdown(std::string_view text) {
  double value = 0;
  std::istringstream in{std::string(text)};
  in >> value;
  if (!in || !in.eof() || !std::isfinite(value) || value <= 0 || value > 10000) return std::nullopt;
  return value;
}

std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string percent(double fraction) { return fmt::format("{:.1f}%", fraction * 100); }

std::string rate_cell(std::size_t k, std::size_t n, double level) {
  if (n == 0) return "not measured";
  const BinomialInterval ci = clopper_pearson(k, n, level);
  return fmt::format("{} ({} of {}; {}-{})", percent(static_cast<double>(k) / static_cast<double>(n)), k, n,
                     percent(ci.low), percent(ci.high));
}

std::string slowdown_name(double percent_value) { return fmt::format("{:g}%", percent_value); }

}  // namespace

std::string_view to_string(GateMode mode) {
  switch (mode) {
    case GateMode::timed: return "timed";
    case GateMode::interleaved: return "interleaved";
    case GateMode::deterministic: return "deterministic";
    case GateMode::combined: return "combined";
  }
  return "?";
}

GateMode parse_gate_mode(std::string_view text) {
  for (GateMode m : {GateMode::timed, GateMode::interleaved, GateMode::deterministic, GateMode::combined}) {
    if (text == to_string(m)) return m;
  }
  throw std::invalid_argument(
      fmt::format("unknown mode \"{}\" (expected timed, interleaved, deterministic or combined)", text));
}

BinomialInterval clopper_pearson(std::size_t successes, std::size_t trials, double level) {
  if (!(level > 0 && level < 1)) throw std::invalid_argument("the interval's level must lie in (0, 1)");
  if (successes > trials) throw std::invalid_argument("more successes than trials");
  if (trials == 0) return {0, 1};
  const double tail = (1 - level) / 2;
  BinomialInterval ci;
  // low: the p at which seeing >= successes has probability `tail`;
  // high: the p at which seeing <= successes has probability `tail`.
  ci.low = successes == 0 ? 0.0
                          : solve_decreasing([&](double p) { return binomial_cdf(successes - 1, trials, p); },
                                             1 - tail);
  ci.high = successes == trials
                ? 1.0
                : solve_decreasing([&](double p) { return binomial_cdf(successes, trials, p); }, tail);
  return ci;
}

Verdict combine_verdicts(Verdict deterministic, Verdict timed_wide) {
  if (deterministic == Verdict::regressed || timed_wide == Verdict::regressed) return Verdict::regressed;
  if (deterministic == Verdict::inconclusive || timed_wide == Verdict::inconclusive) return Verdict::inconclusive;
  if (deterministic == Verdict::improved && timed_wide == Verdict::improved) return Verdict::improved;
  return Verdict::within_noise;
}

std::vector<CampaignEntry> parse_campaign_manifest(std::string_view text, const std::string& source,
                                                   const std::filesystem::path& base_folder) {
  std::vector<CampaignEntry> entries;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const std::vector<std::string> words = split_words(line);
    if (words.empty()) continue;
    auto fail = [&](const std::string& message) { throw io::InputError(source, line_number, message); };
    CampaignEntry entry;
    entry.line = line_number;
    try {
      entry.mode = parse_gate_mode(words[0]);
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
    const std::size_t files = entry.mode == GateMode::combined ? 2 : 1;
    if (words.size() != 2 + files) {
      fail(fmt::format("expected MODE LABEL {} ({} words), found {} words",
                       files == 2 ? "DETERMINISTIC.json TIMED.json" : "FILE", 2 + files, words.size()));
    }
    const std::string& label = words[1];
    if (label != "aa") {
      // slow:PERCENT:KERNEL/VARIANT (the benchmark name may hold ':'? it does not; split at the first two)
      const auto first = label.find(':');
      const auto second = first == std::string::npos ? std::string::npos : label.find(':', first + 1);
      if (label.substr(0, first) != "slow" || second == std::string::npos || second + 1 >= label.size()) {
        fail(fmt::format("unknown label \"{}\" (expected aa or slow:PERCENT:KERNEL/VARIANT)", label));
      }
      entry.slowdown_percent = parse_slowdown(std::string_view(label).substr(first + 1, second - first - 1));
      if (!entry.slowdown_percent) fail(fmt::format("label \"{}\": the percent must be a number in (0, 10000]", label));
      entry.slowed_benchmark = label.substr(second + 1);
    }
    for (std::size_t i = 2; i < words.size(); ++i) {
      const std::filesystem::path file(words[i]);
      entry.files.push_back(file.is_absolute() ? file : base_folder / file);
    }
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) throw io::InputError(source, 0, "no comparisons listed");
  return entries;
}

std::vector<CampaignEntry> read_campaign_manifest(const std::filesystem::path& path) {
  const std::string text = io::read_input_file(path, "campaign manifest", kMaxManifestBytes);
  return parse_campaign_manifest(text, path.string(), path.parent_path());
}

ComparisonVerdicts read_comparison_verdicts(const std::filesystem::path& path, bool expect_deterministic) {
  const io::JsonValue root = io::read_json_file(path, "comparison JSON (compare --json)");
  if (root.at("schema").string() != "engram-comparison") {
    root.at("schema").fail(fmt::format("expected \"engram-comparison\", found \"{}\"", root.at("schema").string()));
  }
  root.at("version").whole(kMinComparisonVersion, kMaxComparisonVersion);
  const std::string mode = root.at("mode").string();
  const std::string expected = expect_deterministic ? "deterministic" : "time";
  if (mode != expected) {
    root.at("mode").fail(fmt::format("expected a {} comparison, found mode \"{}\"", expected, mode));
  }
  ComparisonVerdicts verdicts;
  for (const io::JsonValue& row : root.at("benchmarks").elements()) {
    const std::string name = row.at("name").string();
    if (!verdicts.emplace(name, parse_verdict(row.at("verdict"))).second) {
      row.at("name").fail(fmt::format("benchmark \"{}\" listed twice", name));
    }
  }
  return verdicts;
}

GateRates count_gate_rates(const std::vector<LabelledVerdicts>& comparisons) {
  std::map<GateMode, ModeRates> by_mode;
  for (const LabelledVerdicts& c : comparisons) {
    ModeRates& rates = by_mode[c.mode];
    rates.mode = c.mode;
    if (!c.slowdown_percent) {
      ++rates.aa_pairs;
      for (const auto& [name, verdict] : c.verdicts) {
        ++rates.aa_comparisons;
        if (verdict == Verdict::regressed) ++rates.false_alarms;
        if (verdict == Verdict::improved) ++rates.aa_improved;
        if (verdict == Verdict::inconclusive) ++rates.aa_inconclusive;
      }
      continue;
    }
    const auto row = c.verdicts.find(c.slowed_benchmark);
    if (row == c.verdicts.end()) {
      throw io::InputError(c.source, 0,
                           fmt::format("the slowed benchmark \"{}\" is not in the comparison", c.slowed_benchmark));
    }
    DetectionCount& d = rates.detection[*c.slowdown_percent];
    ++d.pairs;
    if (row->second == Verdict::regressed) ++d.detected;
    if (row->second == Verdict::inconclusive) ++d.inconclusive;
    if (std::find(d.benchmarks.begin(), d.benchmarks.end(), c.slowed_benchmark) == d.benchmarks.end()) {
      d.benchmarks.push_back(c.slowed_benchmark);
      std::sort(d.benchmarks.begin(), d.benchmarks.end());
    }
  }
  GateRates out;
  for (auto& [mode, rates] : by_mode) out.modes.push_back(std::move(rates));
  return out;
}

GateRates count_campaign(const std::vector<CampaignEntry>& entries) {
  std::vector<LabelledVerdicts> comparisons;
  comparisons.reserve(entries.size());
  for (const CampaignEntry& e : entries) {
    LabelledVerdicts c;
    c.mode = e.mode;
    c.slowdown_percent = e.slowdown_percent;
    c.slowed_benchmark = e.slowed_benchmark;
    c.source = e.files.front().string();
    if (e.mode == GateMode::combined) {
      const ComparisonVerdicts det = read_comparison_verdicts(e.files.at(0), true);
      const ComparisonVerdicts timed = read_comparison_verdicts(e.files.at(1), false);
      for (const auto& [name, verdict] : det) {
        const auto other = timed.find(name);
        // A benchmark the timed arm lacks cannot be cleared by it.
        c.verdicts[name] = combine_verdicts(verdict, other == timed.end() ? Verdict::inconclusive : other->second);
      }
      for (const auto& [name, verdict] : timed) {
        if (!det.count(name)) c.verdicts[name] = combine_verdicts(Verdict::inconclusive, verdict);
      }
    } else {
      c.verdicts = read_comparison_verdicts(e.files.at(0), e.mode == GateMode::deterministic);
    }
    comparisons.push_back(std::move(c));
  }
  return count_gate_rates(comparisons);
}

std::vector<GoalCheck> check_goals(const GateRates& rates) {
  struct Goal {
    GateMode mode;
    bool false_alarm;   // else detection
    double slowdown;    // detection goals
    double target;
  };
  const Goal goals[] = {
      {GateMode::timed, true, 0, 0.01},         {GateMode::timed, false, 10, 0.95},
      {GateMode::deterministic, true, 0, 0.0},  {GateMode::deterministic, false, 1, 1.0},
      {GateMode::combined, true, 0, 0.01},      {GateMode::combined, false, 10, 0.95},
      // Held to the timed goals: the same verdict rule on other samples.
      {GateMode::interleaved, true, 0, 0.01},   {GateMode::interleaved, false, 10, 0.95},
  };
  std::vector<GoalCheck> checks;
  for (const Goal& g : goals) {
    GoalCheck c;
    c.mode = g.mode;
    c.target = g.target;
    if (g.false_alarm) {
      c.goal = g.target == 0 ? "no false alarms"
                             : fmt::format("false alarms <= {:g}% per benchmark comparison", g.target * 100);
    } else {
      c.goal = g.target == 1 ? fmt::format("detection of every {:g}% slowdown", g.slowdown)
                             : fmt::format("detection of a {:g}% slowdown >= {:g}%", g.slowdown, g.target * 100);
    }
    const auto mode = std::find_if(rates.modes.begin(), rates.modes.end(),
                                   [&](const ModeRates& m) { return m.mode == g.mode; });
    if (mode != rates.modes.end()) {
      if (g.false_alarm) {
        c.successes = mode->false_alarms;
        c.trials = mode->aa_comparisons;
      } else if (const auto d = mode->detection.find(g.slowdown); d != mode->detection.end()) {
        c.successes = d->second.detected;
        c.trials = d->second.pairs;
      }
    }
    c.measured = c.trials > 0;
    if (c.measured) {
      c.observed = static_cast<double>(c.successes) / static_cast<double>(c.trials);
      c.interval = clopper_pearson(c.successes, c.trials, rates.level);
      if (g.false_alarm) {
        c.met = c.observed <= g.target;
        c.shortfall = c.met ? 0 : (c.observed - g.target) * 100;
        c.established = c.interval.high <= g.target;
      } else {
        c.met = c.observed >= g.target;
        c.shortfall = c.met ? 0 : (g.target - c.observed) * 100;
        c.established = c.interval.low >= g.target;
      }
    }
    checks.push_back(std::move(c));
  }
  return checks;
}

std::string render_gate_rates_markdown(const GateRates& rates) {
  const int level = static_cast<int>(std::lround(rates.level * 100));
  std::string out = fmt::format(
      "Rates with their counts and the {}% Clopper-Pearson (exact binomial) interval.\n\n"
      "| mode | A/A pairs | false alarms per benchmark comparison | improved on A/A | inconclusive on A/A |\n"
      "|---|---|---|---|---|\n",
      level);
  for (const ModeRates& m : rates.modes) {
    out += fmt::format("| {} | {} | {} | {} | {} |\n", to_string(m.mode), m.aa_pairs,
                       rate_cell(m.false_alarms, m.aa_comparisons, rates.level), m.aa_improved, m.aa_inconclusive);
  }
  out += "\n| mode | slowdown | slowed benchmark | detection rate | inconclusive |\n|---|---|---|---|---|\n";
  for (const ModeRates& m : rates.modes) {
    for (const auto& [slowdown, d] : m.detection) {
      std::string names;
      for (const auto& b : d.benchmarks) names += (names.empty() ? "" : ", ") + b;
      out += fmt::format("| {} | {} | {} | {} | {} |\n", to_string(m.mode), slowdown_name(slowdown), names,
                         rate_cell(d.detected, d.pairs, rates.level), d.inconclusive);
    }
  }
  out += "\n| mode | goal | result |\n|---|---|---|\n";
  for (const GoalCheck& c : check_goals(rates)) {
    std::string result;
    if (!c.measured) {
      result = "not measured";
    } else {
      result = fmt::format("{}: {} ({} of {}; {}% interval {}-{})", c.met ? "met" : "MISSED", percent(c.observed),
                           c.successes, c.trials, level, percent(c.interval.low), percent(c.interval.high));
      if (!c.met) result += fmt::format(", by {:.1f} percentage points", c.shortfall);
      if (c.met && !c.established) result += "; the interval still reaches past the goal: more pairs to establish it";
    }
    out += fmt::format("| {} | {} | {} |\n", to_string(c.mode), c.goal, result);
  }
  return out;
}

std::string render_gate_rates_json(const GateRates& rates) {
  auto interval = [&](std::size_t k, std::size_t n) {
    if (n == 0) return json(nullptr);
    const BinomialInterval ci = clopper_pearson(k, n, rates.level);
    return json{{"low", ci.low}, {"high", ci.high}};
  };
  auto rate = [](std::size_t k, std::size_t n) {
    return n == 0 ? json(nullptr) : json(static_cast<double>(k) / static_cast<double>(n));
  };
  json j;
  j["schema"] = "engram-gate-rates";
  j["version"] = 1;
  j["interval"] = {{"method", "Clopper-Pearson (exact binomial)"}, {"level", rates.level}};
  json modes = json::array();
  for (const ModeRates& m : rates.modes) {
    json mode = {{"mode", std::string(to_string(m.mode))},
                 {"aa_pairs", m.aa_pairs},
                 {"aa_comparisons", m.aa_comparisons},
                 {"false_alarms", m.false_alarms},
                 {"false_alarm_rate", rate(m.false_alarms, m.aa_comparisons)},
                 {"false_alarm_interval", interval(m.false_alarms, m.aa_comparisons)},
                 {"aa_improved", m.aa_improved},
                 {"aa_inconclusive", m.aa_inconclusive}};
    json detection = json::array();
    for (const auto& [slowdown, d] : m.detection) {
      detection.push_back({{"slowdown_percent", slowdown},
                           {"benchmarks", d.benchmarks},
                           {"pairs", d.pairs},
                           {"detected", d.detected},
                           {"inconclusive", d.inconclusive},
                           {"rate", rate(d.detected, d.pairs)},
                           {"interval", interval(d.detected, d.pairs)}});
    }
    mode["detection"] = std::move(detection);
    modes.push_back(std::move(mode));
  }
  j["modes"] = std::move(modes);
  json goals = json::array();
  for (const GoalCheck& c : check_goals(rates)) {
    json g = {{"mode", std::string(to_string(c.mode))}, {"goal", c.goal}, {"target", c.target},
              {"measured", c.measured}};
    if (c.measured) {
      g["met"] = c.met;
      g["observed"] = c.observed;
      g["successes"] = c.successes;
      g["trials"] = c.trials;
      g["shortfall_points"] = c.shortfall;
      g["interval"] = {{"low", c.interval.low}, {"high", c.interval.high}};
      g["established"] = c.established;
    }
    goals.push_back(std::move(g));
  }
  j["goals"] = std::move(goals);
  return j.dump(2) + "\n";
}

}  // namespace engram::benchstats
