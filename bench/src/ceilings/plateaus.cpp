// Plateau detection on a bandwidth sweep, and the check of the reported cache
// sizes against it (see ceilings.hpp for the rules).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "engram/io/format.hpp"
#include "engram/ceilings.hpp"

namespace engram::ceilings {
namespace {

// Runs are kept as index ranges; their bandwidth is summarized in log space,
// where "within 20%" is the same distance at 300 GB/s as at 30 GB/s.
struct Run {
  std::size_t first;
  std::size_t last;
  std::size_t size() const { return last - first + 1; }
};

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double log_median(std::span<const double> log_gbps, const Run& run) {
  return median_of(std::vector<double>(log_gbps.begin() + static_cast<std::ptrdiff_t>(run.first),
                                       log_gbps.begin() + static_cast<std::ptrdiff_t>(run.last) + 1));
}

void validate(std::span<const SweepPoint> sweep, const PlateauOptions& options) {
  if (sweep.empty()) throw std::invalid_argument("plateau detection: the sweep has no points");
  if (!(options.tolerance > 0.0 && options.tolerance < 10.0)) {
    throw std::invalid_argument(fmt::format("plateau detection: tolerance {} is not in (0, 10)", options.tolerance));
  }
  if (options.min_points == 0) throw std::invalid_argument("plateau detection: min_points must be at least 1");
  if (!(options.capacity_slack >= 1.0)) {
    throw std::invalid_argument(
        fmt::format("plateau detection: capacity_slack {} is below 1", options.capacity_slack));
  }
  for (std::size_t i = 0; i < sweep.size(); ++i) {
    const SweepPoint& p = sweep[i];
    if (!std::isfinite(p.gbps) || p.gbps <= 0.0) {
      throw std::invalid_argument(fmt::format(
          "plateau detection: point {} ({} bytes) has bandwidth {}, not a positive number", i, p.bytes, p.gbps));
    }
    if (p.bytes == 0) throw std::invalid_argument(fmt::format("plateau detection: point {} has 0 bytes", i));
    if (i > 0 && p.bytes <= sweep[i - 1].bytes) {
      throw std::invalid_argument(fmt::format(
          "plateau detection: sizes must increase, but point {} ({} bytes) follows {} bytes", i, p.bytes,
          sweep[i - 1].bytes));
    }
  }
}

// Walking up in size: a point joins the current run while it is within the
// tolerance of the run's median.
std::vector<Run> group_runs(std::span<const double> log_gbps, double log_tolerance) {
  std::vector<Run> runs;
  for (std::size_t i = 0; i < log_gbps.size(); ++i) {
    if (!runs.empty() && std::abs(log_gbps[i] - log_median(log_gbps, runs.back())) <= log_tolerance) {
      runs.back().last = i;
    } else {
      runs.push_back({i, i});
    }
  }
  return runs;
}

// Merges back what noise split: a short run between two runs that agree (a
// spike), and neighbours whose medians agree (a slow drift cut in two).
void merge_noise(std::vector<Run>& runs, std::span<const double> log_gbps, double log_tolerance,
                 std::size_t min_points) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t r = 1; r + 1 < runs.size(); ++r) {
      if (runs[r].size() < min_points &&
          std::abs(log_median(log_gbps, runs[r - 1]) - log_median(log_gbps, runs[r + 1])) <= log_tolerance) {
        runs[r - 1].last = runs[r + 1].last;
        runs.erase(runs.begin() + static_cast<std::ptrdiff_t>(r), runs.begin() + static_cast<std::ptrdiff_t>(r) + 2);
        changed = true;
        break;
      }
    }
    if (changed) continue;
    for (std::size_t r = 0; r + 1 < runs.size(); ++r) {
      if (std::abs(log_median(log_gbps, runs[r]) - log_median(log_gbps, runs[r + 1])) <= log_tolerance) {
        runs[r].last = runs[r + 1].last;
        runs.erase(runs.begin() + static_cast<std::ptrdiff_t>(r) + 1);
        changed = true;
        break;
      }
    }
  }
}

// A run that spans a known cache capacity, with enough points on both
// sides, is cut there when the two sides' medians differ by at least half
// the tolerance: levels closer than the tolerance (L2 and L3 of the triad
// here) are then still told apart, at the place the hardware says they meet.
std::vector<Run> split_at_capacities(const std::vector<Run>& runs, std::span<const SweepPoint> sweep,
                                     std::span<const double> log_gbps, const CacheSizes& sizes,
                                     const PlateauOptions& options) {
  const double min_step = std::log1p(options.tolerance / 2);
  std::vector<Run> out;
  for (Run run : runs) {
    for (Level level : {Level::kL1, Level::kL2, Level::kL3}) {
      const std::uint64_t capacity = sizes.of(level).bytes;
      std::size_t cut = run.first;  // first point past the capacity
      while (cut <= run.last && sweep[cut].bytes <= capacity) ++cut;
      if (cut - run.first < options.min_points || run.last + 1 - cut < options.min_points) continue;
      const Run left{run.first, cut - 1};
      const Run right{cut, run.last};
      if (std::abs(log_median(log_gbps, left) - log_median(log_gbps, right)) < min_step) continue;
      out.push_back(left);
      run = right;
    }
    out.push_back(run);
  }
  return out;
}

Plateau make_plateau(std::span<const SweepPoint> sweep, const Run& run, Level level) {
  Plateau p;
  p.level = level;
  p.first = run.first;
  p.last = run.last;
  p.first_bytes = sweep[run.first].bytes;
  p.last_bytes = sweep[run.last].bytes;
  std::vector<double> gbps;
  for (std::size_t i = run.first; i <= run.last; ++i) gbps.push_back(sweep[i].gbps);
  p.max_gbps = *std::max_element(gbps.begin(), gbps.end());
  p.gbps = median_of(std::move(gbps));
  return p;
}

Level level_by_capacity(const Run& run, std::span<const SweepPoint> sweep, const CacheSizes& sizes,
                        double slack) {
  const double first = static_cast<double>(sweep[run.first].bytes);
  const double last = static_cast<double>(sweep[run.last].bytes);
  const double middle = std::sqrt(first * last);
  for (Level level : {Level::kL1, Level::kL2, Level::kL3}) {
    const auto capacity = static_cast<double>(sizes.of(level).bytes);
    if (middle <= capacity && last <= capacity * slack) return level;
  }
  return Level::kDram;
}

}  // namespace

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kL1: return "L1";
    case Level::kL2: return "L2";
    case Level::kL3: return "L3";
    case Level::kDram: return "DRAM";
  }
  return "?";
}

const CacheSize& CacheSizes::of(Level level) const {
  switch (level) {
    case Level::kL1: return l1d;
    case Level::kL2: return l2;
    case Level::kL3: return l3;
    case Level::kDram: break;
  }
  throw std::invalid_argument("DRAM has no cache size");
}

CacheSize& CacheSizes::of(Level level) {
  return const_cast<CacheSize&>(static_cast<const CacheSizes&>(*this).of(level));
}

std::vector<Plateau> detect_plateaus(std::span<const SweepPoint> sweep, const CacheSizes& sizes,
                                     const PlateauOptions& options) {
  validate(sweep, options);
  std::vector<double> log_gbps;
  for (const SweepPoint& p : sweep) log_gbps.push_back(std::log(p.gbps));
  const double log_tolerance = std::log1p(options.tolerance);

  std::vector<Run> runs = group_runs(log_gbps, log_tolerance);
  merge_noise(runs, log_gbps, log_tolerance, options.min_points);
  std::erase_if(runs, [&](const Run& r) { return r.size() < options.min_points; });  // transitions

  std::vector<Plateau> plateaus;
  if (sizes.all_known()) {
    runs = split_at_capacities(runs, sweep, log_gbps, sizes, options);
    for (const Run& run : runs) {
      const Level level = level_by_capacity(run, sweep, sizes, options.capacity_slack);
      if (!plateaus.empty() && plateaus.back().level == level) {
        plateaus.back() = make_plateau(sweep, {plateaus.back().first, run.last}, level);
      } else {
        plateaus.push_back(make_plateau(sweep, run, level));
      }
    }
    return plateaus;
  }

  // No sizes: at most four plateaus, named by order.
  while (runs.size() > 4) {
    std::size_t best = 0;
    double best_step = INFINITY;
    for (std::size_t r = 0; r + 1 < runs.size(); ++r) {
      const double step = std::abs(log_median(log_gbps, runs[r]) - log_median(log_gbps, runs[r + 1]));
      if (step < best_step) {
        best_step = step;
        best = r;
      }
    }
    runs[best].last = runs[best + 1].last;
    runs.erase(runs.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  static constexpr Level kByCount[5][4] = {{},
                                           {Level::kL1},
                                           {Level::kL1, Level::kDram},
                                           {Level::kL1, Level::kL2, Level::kDram},
                                           {Level::kL1, Level::kL2, Level::kL3, Level::kDram}};
  for (std::size_t r = 0; r < runs.size(); ++r) plateaus.push_back(make_plateau(sweep, runs[r], kByCount[runs.size()][r]));
  return plateaus;
}

std::optional<SweepBracket> sweep_bracket(Level level, std::span<const SweepPoint> sweep,
                                          const std::vector<Plateau>& plateaus) {
  for (std::size_t k = 0; k < plateaus.size(); ++k) {
    const Plateau& p = plateaus[k];
    if (p.level != level) continue;
    SweepBracket bracket;
    bracket.low = p.last_bytes;
    if (k + 1 == plateaus.size()) return bracket;
    const Plateau& next = plateaus[k + 1];
    bracket.high = next.first_bytes;
    const double half_way = std::log(p.gbps * next.gbps) / 2;
    for (std::size_t i = p.last + 1; i <= next.first; ++i) {
      const double y0 = std::log(sweep[i - 1].gbps);
      const double y1 = std::log(sweep[i].gbps);
      if (y1 > half_way) continue;
      const double x0 = std::log(static_cast<double>(sweep[i - 1].bytes));
      const double x1 = std::log(static_cast<double>(sweep[i].bytes));
      const double t = y0 > y1 ? std::clamp((y0 - half_way) / (y0 - y1), 0.0, 1.0) : 1.0;
      bracket.estimate = static_cast<std::uint64_t>(std::llround(std::exp(x0 + t * (x1 - x0))));
      break;
    }
    if (bracket.estimate == 0) {  // never crossed: the middle of the bracket
      bracket.estimate = static_cast<std::uint64_t>(
          std::llround(std::sqrt(static_cast<double>(bracket.low) * static_cast<double>(bracket.high))));
    }
    return bracket;
  }
  return std::nullopt;
}

bool size_agrees_with_sweep(std::uint64_t bytes, const SweepBracket& bracket) {
  const auto size = static_cast<double>(bytes);
  if (bracket.estimate == 0) return size >= static_cast<double>(bracket.low) / 2.0;
  const auto estimate = static_cast<double>(bracket.estimate);
  return size >= estimate / 2.0 && size <= estimate * 2.0;
}

std::vector<CacheSizeFinding> reconcile_cache_sizes(const CacheSizes& cpuid, const CacheSizes& sysconf,
                                                    std::span<const SweepPoint> sweep,
                                                    const std::vector<Plateau>& plateaus) {
  std::vector<CacheSizeFinding> findings;
  for (Level level : {Level::kL1, Level::kL2, Level::kL3}) {
    CacheSizeFinding f;
    f.level = level;
    f.cpuid = cpuid.of(level).bytes;
    f.sysconf = sysconf.of(level).bytes;
    f.sweep = sweep_bracket(level, sweep, plateaus);
    const std::pair<std::uint64_t, const char*> candidates[] = {{f.cpuid, "cpuid"}, {f.sysconf, "sysconf"}};
    std::vector<std::string> notes;
    if (f.sweep) {
      const std::string where =
          f.sweep->estimate
              ? fmt::format("the sweep's bandwidth is half-way to the next level at {} (plateau until {}, next from {})",
                            io::bytes(f.sweep->estimate), io::bytes(f.sweep->low), io::bytes(f.sweep->high))
              : fmt::format("the sweep sees it hold at least {}", io::bytes(f.sweep->low));
      for (const auto& [bytes, source] : candidates) {
        if (bytes == 0) continue;
        if (size_agrees_with_sweep(bytes, *f.sweep)) {
          if (f.chosen.bytes == 0) f.chosen = {bytes, source};
        } else {
          notes.push_back(fmt::format("{} says {}, which disagrees with the sweep ({})", source,
                                      io::bytes(bytes), where));
        }
      }
      if (f.chosen.bytes != 0) {
        f.checked = true;
      } else if (f.sweep->estimate != 0) {
        f.chosen = {f.sweep->estimate, "sweep"};
        f.checked = true;
        notes.push_back(fmt::format("taken from the sweep: {}", where));
      }
    } else {
      notes.push_back(fmt::format("no {} plateau in the sweep: the size is unchecked", level_name(level)));
    }
    if (f.chosen.bytes == 0) {
      for (const auto& [bytes, source] : candidates) {
        if (bytes != 0) {
          f.chosen = {bytes, source};
          break;
        }
      }
    }
    for (std::size_t i = 0; i < notes.size(); ++i) f.note += (i ? "; " : "") + notes[i];
    findings.push_back(std::move(f));
  }
  return findings;
}

}  // namespace engram::ceilings
