#!/usr/bin/env bash
# Measures the regression gate's error rates on this machine: PAIRS pairs of
# baseline runs of the same build on a fixed subset of the suite (the A/A
# false-alarm rate), and per pair runs with one benchmark slowed by each
# slowdown (the detection rate), in each gate mode:
#   timed          compare (default options) on the timed runs, the two
#                  runs made one after the other;
#   interleaved    compare --run on the same build twice (A/A) and on it
#                  against itself with --slow (a wrapper per slowdown):
#                  ROUNDS rounds of one process per side in a seeded order,
#                  each of RUN_REPS repetitions;
#   deterministic  compare --deterministic --counter TOT_INS on runs with
#                  --counters=TOT_INS --sim=only (callgrind), slowdowns 1%
#                  (the issue's goal) plus the timed ones;
#   combined       regressed when the deterministic verdict is, OR when a timed
#                  compare with --threshold WIDE is (see docs/regression_gate.md).
# Orchestration only: build/analysis/compare gives the verdicts and
# build/analysis/gate_rates counts them (rates, exact 95% intervals, goals).
# Progress per pair goes to stderr. Everything is made in a scratch folder
# beside OUT and moved into place at the end: an interrupted campaign leaves
# no half-written OUT (a previous campaign in OUT is replaced whole).
#
# usage: scripts/regression_gate_rates.sh --out DIR [options]
#   --out DIR            the campaign folder: rates.md, rates.json, manifest.txt,
#                        campaign.txt (commands, load), runs/, comparisons/
#   --pairs N            pairs of runs (default 6: about 7 minutes here)
#   --modes LIST         of timed,interleaved,deterministic,combined (default
#                        timed,deterministic,combined)
#   --benchmarks LIST    comma-separated KERNEL/VARIANT names (default: 5 of
#                        different kinds, see below)
#   --slow NAME          the benchmark slowed (default spreading_activation_1000/optimized)
#   --slowdowns LIST     percents for the timed and combined modes (default 2,5,10)
#   --sim-slowdowns LIST percents for the deterministic mode (default 1,2,5,10)
#   --repetitions N      per benchmark and run (default 5)
#   --min-time T         --benchmark_min_time per repetition (default 0.05s)
#   --wide-threshold P   the combined mode's timed threshold, percent (default 10)
#   --rounds R           interleaved: compare --run rounds (default 6)
#   --run-repetitions K  interleaved: repetitions per process (default 2)
#   --build DIR          the build folder with bench/baseline and analysis/ (default build)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=""
pairs=6
modes=timed,deterministic,combined
benchmarks=vector_similarity_1000/optimized,find_similar_10k/optimized,spreading_activation_1000/optimized,decay_10k_memories/exponential/optimized,decay_10k_memories/power_law/reference
slow=spreading_activation_1000/optimized
slowdowns=2,5,10
sim_slowdowns=1,2,5,10
repetitions=5
min_time=0.05s
wide=10
rounds=6
run_repetitions=2
build="$repo/build"
die() { echo "regression_gate_rates: $*" >&2; exit 2; }
say() { echo "regression_gate_rates: $*" >&2; }
need_value() { [ "$2" -ge 2 ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) need_value "$1" $#; out=$2; shift 2 ;;
    --pairs) need_value "$1" $#; pairs=$2; shift 2 ;;
    --modes) need_value "$1" $#; modes=$2; shift 2 ;;
    --benchmarks) need_value "$1" $#; benchmarks=$2; shift 2 ;;
    --slow) need_value "$1" $#; slow=$2; shift 2 ;;
    --slowdowns) need_value "$1" $#; slowdowns=$2; shift 2 ;;
    --sim-slowdowns) need_value "$1" $#; sim_slowdowns=$2; shift 2 ;;
    --repetitions) need_value "$1" $#; repetitions=$2; shift 2 ;;
    --min-time) need_value "$1" $#; min_time=$2; shift 2 ;;
    --wide-threshold) need_value "$1" $#; wide=$2; shift 2 ;;
    --rounds) need_value "$1" $#; rounds=$2; shift 2 ;;
    --run-repetitions) need_value "$1" $#; run_repetitions=$2; shift 2 ;;
    --build) need_value "$1" $#; build=$2; shift 2 ;;
    -h|--help) sed -n '2,39p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[ -n "$out" ] || die "--out DIR is required (see --help)"
[[ "$pairs" =~ ^[1-9][0-9]*$ ]] || die "--pairs must be a positive whole number, not '$pairs'"
[[ "$repetitions" =~ ^[1-9][0-9]*$ ]] || die "--repetitions must be a positive whole number, not '$repetitions'"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive whole number, not '$rounds'"
[[ "$run_repetitions" =~ ^[1-9][0-9]*$ ]] || die "--run-repetitions must be a positive whole number, not '$run_repetitions'"
[[ "$min_time" =~ ^[0-9]+(\.[0-9]+)?s?$ ]] || die "--min-time must be seconds such as 0.05s, not '$min_time'"
[[ "$wide" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--wide-threshold must be a percent such as 10, not '$wide'"
percent_list='^[0-9]+(\.[0-9]+)?(,[0-9]+(\.[0-9]+)?)*$'
[[ "$slowdowns" =~ $percent_list ]] || die "--slowdowns must be comma-separated percents such as 2,5,10, not '$slowdowns'"
[[ "$sim_slowdowns" =~ $percent_list ]] || die "--sim-slowdowns must be comma-separated percents, not '$sim_slowdowns'"
name_list='^[A-Za-z0-9_/]+(,[A-Za-z0-9_/]+)*$'
[[ "$benchmarks" =~ $name_list ]] || die "--benchmarks must be comma-separated KERNEL/VARIANT names, not '$benchmarks'"
[[ "$slow" =~ ^[A-Za-z0-9_/]+$ ]] || die "--slow must be one KERNEL/VARIANT name, not '$slow'"
[[ ",$benchmarks," == *",$slow,"* ]] || die "--slow $slow is not one of --benchmarks"
run_timed=false; run_interleaved=false; run_sim=false; run_combined=false
IFS=, read -r -a mode_list <<<"$modes"
for m in "${mode_list[@]}"; do
  case "$m" in
    timed) run_timed=true ;;
    interleaved) run_interleaved=true ;;
    deterministic) run_sim=true ;;
    combined) run_combined=true ;;
    *) die "--modes: unknown mode '$m' (expected timed, interleaved, deterministic, combined)" ;;
  esac
done
IFS=, read -r -a slow_list <<<"$slowdowns"
IFS=, read -r -a sim_slow_list <<<"$sim_slowdowns"
for s in "${slow_list[@]}" "${sim_slow_list[@]}"; do
  awk -v s="$s" 'BEGIN { exit !(s > 0 && s <= 10000) }' || die "a slowdown must be in (0, 10000] percent, not '$s'"
done
baseline="$build/bench/baseline"; compare="$build/analysis/compare"; gate_rates="$build/analysis/gate_rates"
for tool in "$baseline" "$compare" "$gate_rates"; do
  [ -x "$tool" ] || { echo "regression_gate_rates: $tool is missing: cmake --build $build --target baseline compare gate_rates" >&2; exit 1; }
done
out=$(realpath -m -- "$out")
if [ -e "$out" ] && [ ! -f "$out/manifest.txt" ]; then
  die "$out exists and is not a previous campaign (no manifest.txt): choose another --out"
fi

# The timed modes' extra work is the slowdown itself; the combined mode needs
# both kinds of runs, and its slowed runs at the timed slowdowns.
$run_combined && { run_timed_runs=true; run_sim_runs=true; } || { run_timed_runs=$run_timed; run_sim_runs=$run_sim; }
sim_percents=()
$run_sim && sim_percents+=("${sim_slow_list[@]}")
$run_combined && sim_percents+=("${slow_list[@]}")
if [ ${#sim_percents[@]} -gt 0 ]; then
  mapfile -t sim_percents < <(printf '%s\n' "${sim_percents[@]}" | sort -g -u)
fi

filter="^($(echo "$benchmarks" | tr , '|'))\$"
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/.gate_rates.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/runs" "$work/comparisons" "$work/bin"
manifest="$work/manifest.txt"
: >"$manifest"
started=$(date +%s)
load_before=$(cat /proc/loadavg)

# factor for --slow-factor from a percent: 2 -> 0.02
factor() { awk -v p="$1" 'BEGIN { printf "%.6g", p / 100 }'; }
# label-safe file stem from a percent: 2.5 -> 2p5
stem() { echo "$1" | tr . p; }

timed_run() {  # OUT [--slow NAME --slow-factor F]
  local target=$1; shift
  "$baseline" --benchmark_filter="$filter" --benchmark_repetitions="$repetitions" \
    --benchmark_enable_random_interleaving=true --benchmark_min_time="$min_time" \
    --benchmark_out="$target" --benchmark_out_format=json "$@" >/dev/null 2>"$target.log" \
    || { echo "regression_gate_rates: baseline failed, see $target.log:" >&2; tail -5 "$target.log" >&2; exit 1; }
}
sim_run() {  # OUT FILTER [--slow NAME --slow-factor F]
  local target=$1 only=$2; shift 2
  "$baseline" --benchmark_filter="$only" --counters=TOT_INS --sim=only --benchmark_repetitions="$repetitions" \
    --benchmark_min_time="$min_time" --benchmark_out="$target" --benchmark_out_format=json "$@" \
    >/dev/null 2>"$target.log" \
    || { echo "regression_gate_rates: baseline --sim=only failed, see $target.log:" >&2; tail -5 "$target.log" >&2; exit 1; }
}
# compare's verdict exits (0 pass, 3 regression, 4 inconclusive) are data
# here; anything else is a failure of the campaign.
compare_into() {  # JSON_OUT compare-args...
  local target=$1; shift
  local status=0
  "$compare" --json-out "$target" "$@" >/dev/null 2>"$target.log" || status=$?
  case $status in
    0) last_verdict=pass ;;
    3) last_verdict=regression ;;
    4) last_verdict=inconclusive ;;
    *) echo "regression_gate_rates: compare $* failed (exit $status):" >&2; cat "$target.log" >&2; exit 1 ;;
  esac
}

# The interleaved mode's slowed "builds": the same baseline with --slow,
# since compare --run gives both sides the same flags.
if $run_interleaved; then
  for s in "${slow_list[@]}"; do
    printf '#!/usr/bin/env bash\nexec %q --slow %q --slow-factor %q "$@"\n' "$baseline" "$slow" "$(factor "$s")" \
      >"$work/bin/baseline-slow$(stem "$s")"
    chmod +x "$work/bin/baseline-slow$(stem "$s")"
  done
fi
run_flags=(--benchmark_filter="$filter" --benchmark_enable_random_interleaving=true --benchmark_min_time="$min_time")

for pair in $(seq 1 "$pairs"); do
  t0=$(date +%s)
  r="$work/runs/p$pair"
  c="$work/comparisons/p$pair"
  if $run_timed_runs; then
    timed_run "$r-timed-a.json"
    timed_run "$r-timed-b.json"
    for s in "${slow_list[@]}"; do timed_run "$r-timed-slow$(stem "$s").json" --slow "$slow" --slow-factor "$(factor "$s")"; done
  fi
  if $run_sim_runs; then
    sim_run "$r-sim-a.json" "$filter"
    sim_run "$r-sim-b.json" "$filter"
    # Only the slowed benchmark: the others' rows are not counted in a slowed
    # comparison, and each simulated benchmark costs seconds under callgrind.
    for s in "${sim_percents[@]}"; do
      sim_run "$r-sim-slow$(stem "$s").json" "^$slow\$" --slow "$slow" --slow-factor "$(factor "$s")"
    done
  fi
  verdicts=""
  if $run_timed; then
    compare_into "$c-timed-aa.json" "$r-timed-a.json" "$r-timed-b.json"
    timed_aa_verdict=$last_verdict
    echo "timed aa comparisons/p$pair-timed-aa.json" >>"$manifest"
    for s in "${slow_list[@]}"; do
      compare_into "$c-timed-slow$(stem "$s").json" "$r-timed-a.json" "$r-timed-slow$(stem "$s").json"
      echo "timed slow:$s:$slow comparisons/p$pair-timed-slow$(stem "$s").json" >>"$manifest"
    done
    verdicts+=" timed A/A $timed_aa_verdict;"
  fi
  if $run_interleaved; then
    # A fresh seed per pair and comparison: each draws its own order.
    compare_into "$c-run-aa.json" --run --rounds "$rounds" --repetitions "$run_repetitions" --seed "$pair" \
      "$baseline" "$baseline" -- "${run_flags[@]}"
    run_aa_verdict=$last_verdict
    echo "interleaved aa comparisons/p$pair-run-aa.json" >>"$manifest"
    for s in "${slow_list[@]}"; do
      compare_into "$c-run-slow$(stem "$s").json" --run --rounds "$rounds" --repetitions "$run_repetitions" \
        --seed "$pair" "$baseline" "$work/bin/baseline-slow$(stem "$s")" -- "${run_flags[@]}"
      echo "interleaved slow:$s:$slow comparisons/p$pair-run-slow$(stem "$s").json" >>"$manifest"
    done
    verdicts+=" interleaved A/A $run_aa_verdict;"
  fi
  if $run_sim_runs; then
    compare_into "$c-det-aa.json" --deterministic --counter TOT_INS "$r-sim-a.json" "$r-sim-b.json"
    det_aa_verdict=$last_verdict
    for s in "${sim_percents[@]}"; do
      compare_into "$c-det-slow$(stem "$s").json" --deterministic --counter TOT_INS "$r-sim-a.json" "$r-sim-slow$(stem "$s").json"
    done
  fi
  if $run_sim; then
    echo "deterministic aa comparisons/p$pair-det-aa.json" >>"$manifest"
    for s in "${sim_slow_list[@]}"; do
      echo "deterministic slow:$s:$slow comparisons/p$pair-det-slow$(stem "$s").json" >>"$manifest"
    done
    verdicts+=" deterministic A/A $det_aa_verdict;"
  fi
  if $run_combined; then
    compare_into "$c-wide-aa.json" --threshold "$wide" "$r-timed-a.json" "$r-timed-b.json"
    echo "combined aa comparisons/p$pair-det-aa.json comparisons/p$pair-wide-aa.json" >>"$manifest"
    for s in "${slow_list[@]}"; do
      compare_into "$c-wide-slow$(stem "$s").json" --threshold "$wide" "$r-timed-a.json" "$r-timed-slow$(stem "$s").json"
      echo "combined slow:$s:$slow comparisons/p$pair-det-slow$(stem "$s").json comparisons/p$pair-wide-slow$(stem "$s").json" >>"$manifest"
    done
  fi
  say "pair $pair of $pairs done in $(( $(date +%s) - t0 )) s;${verdicts} load $(cut -d' ' -f1-3 /proc/loadavg)"
done

"$gate_rates" --json-out "$work/rates.json" --markdown-out "$work/rates.md" "$manifest" >/dev/null
load_after=$(cat /proc/loadavg)
{
  echo "command: scripts/regression_gate_rates.sh --pairs $pairs --modes $modes --benchmarks $benchmarks --slow $slow --slowdowns $slowdowns --sim-slowdowns $sim_slowdowns --repetitions $repetitions --min-time $min_time --wide-threshold $wide --rounds $rounds --run-repetitions $run_repetitions --out OUT"
  echo "revision: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "started: $(date -u -d "@$started" +%Y-%m-%dT%H:%M:%SZ)"
  echo "seconds: $(( $(date +%s) - started ))"
  echo "cpus: $(nproc)"
  echo "loadavg before: $load_before"
  echo "loadavg after: $load_after"
  echo "timed runs: $baseline --benchmark_filter='$filter' --benchmark_repetitions=$repetitions --benchmark_enable_random_interleaving=true --benchmark_min_time=$min_time [--slow $slow --slow-factor F]"
  echo "simulated runs: $baseline --benchmark_filter='$filter' --counters=TOT_INS --sim=only --benchmark_repetitions=$repetitions --benchmark_min_time=$min_time [--slow $slow --slow-factor F]"
} >"$work/campaign.txt"

# Swap in whole: the old campaign goes aside first, then the new one takes
# its name; only then is the old one removed.
if [ -e "$out" ]; then
  old="$work.old"
  # Interrupted between the two moves, the old campaign goes back.
  trap 'rm -rf "$work"; [ -e "$out" ] || mv "$old" "$out"' EXIT
  mv "$out" "$old"
  mv "$work" "$out"
  rm -rf "$old"
else
  mv "$work" "$out"
fi
trap - EXIT
say "wrote $out/rates.md ($(( $(date +%s) - started )) s)"
cat "$out/rates.md"
