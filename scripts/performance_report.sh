#!/usr/bin/env bash
# Writes docs/performance.md from measurements: RUNS separate runs of the
# benchmark suite (each with interleaved repetitions, peers in the same
# process) and of the profiling harness (reference and optimized), then the
# ratio table of the optimized-kernel targets with its spread over the runs.
# Orchestration only: build/analysis/{ratios,harness_rows} compute the table.
# The runs' JSON files are kept in tmp/performance/ (the table names them).
#
# usage: scripts/performance_report.sh [--runs N] [--repetitions N] [--out FILE]
#   --runs N          separate runs (default 3)
#   --repetitions N   interleaved repetitions per benchmark and run (default 10)
#   --out FILE        the markdown written (default docs/performance.md)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=3
repetitions=10
out="$repo/docs/performance.md"
die() { echo "performance_report: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift 2 ;;
    --repetitions) [ $# -ge 2 ] || die "--repetitions needs a value"; repetitions=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a value"; out=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive whole number"
[[ "$repetitions" =~ ^[1-9][0-9]*$ ]] || die "--repetitions must be a positive whole number"
out=$(realpath -m -- "$out")  # the script works from the repository root below

"$repo/scripts/bootstrap.sh" --target baseline --target profiling_harness --target harness_rows --target ratios
build="$repo/build"
cd "$repo"
mkdir -p tmp
# Written aside, then swapped in whole: an interrupted run leaves the last
# complete set of runs in tmp/performance/.
work=$(mktemp -d tmp/.performance.XXXXXX)
trap 'rm -rf "$work"' EXIT
kept=tmp/performance

# Only the benchmarks the targets compare.
# The software events counted around each benchmark: the run then records
# what one start/stop of this set costs (the counters' row of the table).
counted=task-clock,page-faults,context-switches
filter='^(vector_similarity_1000|find_similar_10k|spreading_activation_1000|spreading_activation_10k|decay_10k_memories/[a-z_]+|counter_overhead/[a-z_0-9]+)/'
bench_command="build/bench/baseline --counters=$counted --benchmark_filter='$filter' --benchmark_repetitions=$repetitions --benchmark_enable_random_interleaving=true --benchmark_min_time=0.1 --benchmark_format=json --benchmark_out=runN.json"
pairs=()
json_runs=()
for i in $(seq 1 "$runs"); do
  echo "performance_report: run $i of $runs: benchmark suite ($repetitions interleaved repetitions)"
  "$build/bench/baseline" --counters="$counted" --benchmark_filter="$filter" --benchmark_repetitions="$repetitions" \
    --benchmark_enable_random_interleaving=true --benchmark_min_time=0.1 --benchmark_format=json \
    --benchmark_out="$work/run$i.json" >/dev/null
  json_runs+=("$kept/run$i.json")
  echo "performance_report: run $i of $runs: profiling_harness, optimized then reference"
  "$build/bench/profiling_harness" --json "$work/harness-optimized-$i.json" >/dev/null
  "$build/bench/profiling_harness" --reference --json "$work/harness-reference-$i.json" >/dev/null
  pairs+=(--pair "$kept/harness-reference-$i.json" "$kept/harness-optimized-$i.json")
done
rm -rf "$kept"
mv "$work" "$kept"
"$build/analysis/harness_rows" "${pairs[@]}" -o "$kept/harness-rows.json"
mkdir -p "$(dirname "$out")"
"$build/analysis/ratios" --title "Optimized kernels against their peers" --extra "$kept/harness-rows.json" \
  --command "scripts/performance_report.sh --runs $runs --repetitions $repetitions   # all of the below, $runs times" \
  --command "$bench_command" \
  --command "build/bench/profiling_harness --json opt.json && build/bench/profiling_harness --reference --json ref.json" \
  --markdown "$out" "${json_runs[@]}"
echo "performance_report: wrote $out"
