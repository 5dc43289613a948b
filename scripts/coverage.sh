#!/usr/bin/env bash
# Line coverage per library: builds the coverage preset (gcov, -O0), runs the
# ctest suite there (every label but perf, whose timed runs prove nothing
# about lines), and reports each library's line coverage with lcov.
# The table goes to stdout and build-coverage/coverage/summary.md; the HTML
# report (genhtml) to build-coverage/coverage/html/index.html.
#
# usage: scripts/coverage.sh [--min PERCENT] [--no-tests] [-- extra ctest arguments]
#   --min PERCENT  exit 1 when a library is below PERCENT (e.g. --min 80)
#   --no-tests     report what the last run collected, without running ctest
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
min=""
run_tests=1
status=0
usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --min) [ $# -ge 2 ] || { echo "coverage: --min needs a value" >&2; exit 2; }; min=$2; shift 2 ;;
    --no-tests) run_tests=0; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "coverage: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -n "$min" ] && ! [[ "$min" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "coverage: --min wants a percentage, got '$min'" >&2; exit 2
fi

"$repo/scripts/bootstrap.sh" --preset coverage
cd "$repo"
build=build-coverage
out=$build/coverage
mkdir -p "$out"
lcov_quiet=(--quiet --rc lcov_branch_coverage=0)

if [ "$run_tests" -eq 1 ]; then
  lcov "${lcov_quiet[@]}" --zerocounters --directory "$build"
  start=$(date +%s)
  ctest --preset coverage --parallel "$(nproc)" --timeout 1200 --label-exclude perf "$@" || status=$?
  echo "coverage: ctest finished in $(( $(date +%s) - start )) s with exit code $status"
  [ "$status" -eq 0 ] || { echo "coverage: tests failed; the figures below cover what ran" >&2; }
fi

lcov "${lcov_quiet[@]}" --capture --directory "$build" --output-file "$out/all.info.tmp"
mv -f "$out/all.info.tmp" "$out/all.info"

# Library: the folders of its sources and public headers.
declare -A parts=(
  [kernels]="kernels/src kernels/include"
  [counters]="counters/src counters/include"
  [bench]="bench/src/suite.cpp bench/src/*_benchmarks.cpp bench/src/peers bench/src/baseline_options.cpp bench/src/harness.cpp bench/src/bench_simulation.cpp bench/src/workload_*.cpp bench/include/engram/workload_*.hpp bench/include/engram/baseline_options.hpp bench/include/engram/bench_simulation.hpp bench/include/engram/bench_suite.hpp bench/include/engram/harness.hpp"
  [ceilings]="bench/src/ceilings bench/include/engram/ceilings.hpp bench/include/engram/ceilings_file.hpp"
  [io]="io/src io/include"
  [profile]="analysis/profile/src analysis/profile/include"
  [benchstats]="analysis/benchstats/src analysis/benchstats/include"
  [roofline]="analysis/roofline/src analysis/roofline/include"
  [report]="analysis/report/src analysis/report/include"
  [tools]="counters/tools bench/*.cpp analysis/*/tools"
)
{
  echo "| library | lines covered | lines | line coverage |"
  echo "|---|---:|---:|---:|"
  for lib in io kernels counters bench ceilings profile benchstats roofline report tools; do
    patterns=()
    for part in ${parts[$lib]}; do
      case "$part" in *.cpp|*.hpp|*\*) patterns+=("$repo/$part") ;; *) patterns+=("$repo/$part/*") ;; esac
    done
    # No data is a row of its own (and below any --min), never a library left out.
    if ! lcov "${lcov_quiet[@]}" --extract "$out/all.info" "${patterns[@]}" --output-file "$out/$lib.info"; then
      echo "| $lib | - | - | no data |"
      continue
    fi
    summary=$(lcov --rc lcov_branch_coverage=0 --summary "$out/$lib.info" 2>&1 | grep -E '^ *lines')
    # "  lines......: 85.2% (1234 of 1448 lines)"
    read -r percent hit total <<<"$(sed -E 's/.*: ([0-9.]+)% \(([0-9]+) of ([0-9]+) lines\).*/\1 \2 \3/' <<<"$summary")"
    echo "| $lib | $hit | $total | $percent% |"
  done
} | tee "$out/summary.md.tmp"
mv -f "$out/summary.md.tmp" "$out/summary.md"
genhtml "${lcov_quiet[@]}" --output-directory "$out/html" "$out/all.info" >/dev/null 2>&1 \
  && echo "coverage: HTML report in $out/html/index.html"
# The programs (tools) are reported, not held to the bar: it is for libraries.
if [ -n "$min" ]; then
  below=$(awk -F'|' -v m="$min" 'NR > 2 && $2 !~ /tools/ { p = $5; sub(/%/, "", p); if (p + 0 < m) print $2 }' "$out/summary.md")
  if [ -n "$below" ]; then
    echo "coverage: below $min%:" $below >&2
    exit 1
  fi
fi
exit "$status"  # a failed test fails the run, after its figures are shown
