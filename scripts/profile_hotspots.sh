#!/usr/bin/env bash
# The main job: set-up and build, then record the seeded workload
# (build/bench/profiling_harness) with perf, fold its stacks, render a flame
# graph and write the hot-spot report. Orchestration only: the folding,
# rendering and analysis live in build/analysis/{hotspots,flamegraph}.
#
# usage: scripts/profile_hotspots.sh [options] [-- COMMAND ARGS...]
#   --out DIR           where the results go (default: tmp/)
#   --freq HZ           sampling frequency (default: 1999)
#   --call-graph MODE   fp (frame pointers, default) or dwarf
#   --diff OLD.folded   also render a differential flame graph against OLD
#   --quick             skip the stability run (10 runs of the suite)
#   -- COMMAND ARGS     profile COMMAND instead of the harness (flame graph
#                       and hot spots only: the report is about our kernels)
#   -h, --help          this help
#
# Writes DIR/flamegraph.svg, DIR/hotspots.md, DIR/hotspots.json and
# DIR/profile.folded (kept, so two runs can be compared with --diff); with
# --diff also DIR/flamegraph-diff.svg. For the harness it then runs the
# benchmark suite (DIR/bench.json, kept as a baseline for build/analysis/compare),
# its simulated counters, the machine ceilings, the roofline, the stability
# run, and writes docs/internal/profiling_results.md and DIR/report.html.
# Every file is made in a scratch folder inside DIR first; only when every
# step has succeeded are they published together (build/io/outputs publish,
# with the manifest DIR/outputs.json), so an interrupt or a failure leaves the
# previous run's files as they were, never old and new mixed.
# Exit status: 0 ok, 2 bad usage or perf unusable, 130 interrupted,
# otherwise the failing step's status.
# Environment: ENGRAM_BUILD_DIR=DIR runs the tools of DIR (skipping set-up)
# instead of build/ made by scripts/bootstrap.sh.
# Installed (cmake --install) as PREFIX/bin/engram-profile-hotspots, it runs
# the tools beside it, builds nothing, and writes profiling_results.md into DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=tmp
freq=1999
call_graph=fp
diff_old=""
quick=0
command=()

usage() { sed -n '2,32p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "profile_hotspots: $*" >&2; exit 2; }
need_value() { [ $# -ge 2 ] || die "$1 needs a value (see --help)"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --out) need_value "$@"; out=$2; shift 2 ;;
    --freq) need_value "$@"; freq=$2; shift 2 ;;
    --call-graph) need_value "$@"; call_graph=$2; shift 2 ;;
    --diff) need_value "$@"; diff_old=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; command=("$@"); break ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ "$freq" =~ ^[1-9][0-9]*$ ]] || die "--freq must be a positive whole number of Hz, not '$freq'"
case "$call_graph" in fp|dwarf) ;; *) die "--call-graph must be fp or dwarf, not '$call_graph'" ;; esac
if [ -n "$diff_old" ] && [ ! -r "$diff_old" ]; then die "--diff: cannot read '$diff_old'"; fi

# What an interrupt leaves is said as it is: the publish step holds off
# signals, so either it has published this run's whole set or nothing of it.
run_id=""
interrupted() {
  if [ -n "$run_id" ] && "$io_bin/outputs" verify --run "$run_id" "$out/outputs.json" >/dev/null 2>&1; then
    echo "profile_hotspots: interrupted after this run's files were published; they are complete in $out" >&2
  else
    echo "profile_hotspots: interrupted; nothing of this run was published: $out holds the previous run's files, unchanged" >&2
  fi
  exit 130
}
trap interrupted INT TERM HUP

installed=0
if [ -n "${ENGRAM_BUILD_DIR:-}" ]; then
  build=$ENGRAM_BUILD_DIR
  [ -d "$build" ] || die "ENGRAM_BUILD_DIR: no folder '$build'"
elif [ -x "$here/profiling_harness" ]; then
  installed=1  # PREFIX/bin: the tools are beside this script
else
  # Only the programs this job runs: a fresh clone does not wait for the tests' build.
  "$repo/scripts/bootstrap.sh" --target baseline --target profiling_harness --target ceilings \
    --target flamegraph --target hotspots --target roofline --target stability --target report --target outputs
  build="$repo/build"
fi
# Where the tools are: the build's folders, or one bin/ when installed.
if [ "$installed" -eq 1 ]; then
  bench_bin=$here; analysis_bin=$here; io_bin=$here
  report_md=$out/profiling_results.md
else
  bench_bin=$build/bench; analysis_bin=$build/analysis; io_bin=$build/io
  report_md=$repo/docs/internal/profiling_results.md
fi
report=0
if [ ${#command[@]} -eq 0 ]; then command=("$bench_bin/profiling_harness"); report=1; fi

command -v perf >/dev/null 2>&1 || die "perf is missing: install the Debian package linux-perf (apt-get install linux-perf)"

# cycles where the PMU can count it, else the cpu-clock software timer. (perf
# record itself would fall back silently, so ask perf stat.)
if perf stat -x, -e cycles -- true 2>&1 | grep -q '^<not'; then
  event=cpu-clock
  echo "profile_hotspots: no hardware cycles event here (no PMU): sampling the cpu-clock software timer"
else
  event=cycles
  echo "profile_hotspots: sampling the hardware cycles event"
fi
if ! perf record -q -e "$event" -o /dev/null -- true >/dev/null 2>&1; then
  paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo unknown)
  die "perf may not sample here (kernel.perf_event_paranoid = $paranoid). Fix: run as root, grant CAP_PERFMON, or: sudo sysctl kernel.perf_event_paranoid=1"
fi

mkdir -p "$out"
work=$(mktemp -d "$out/.profile_hotspots.XXXXXX")
run_id=${work##*.}
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# Publishes every file this run made, as one set, and lists them.
publish() {
  local pairs=() name
  for name in profile.folded hotspots.md hotspots.json flamegraph.svg flamegraph-diff.svg bench.json machine.json \
              bench-counters.json ceilings.json roofline.md roofline.json roofline.svg roofline.png \
              stability.md stability.json stability.svg stability.png report.html; do
    [ -f "$work/$name" ] && pairs+=("$work/$name" "$out/$name")
  done
  if [ -f "$work/profiling_results.md" ]; then
    mkdir -p "$(dirname "$report_md")"
    pairs+=("$work/profiling_results.md" "$report_md")
  fi
  "$io_bin/outputs" publish --run "$run_id" --manifest "$out/outputs.json" "${pairs[@]}"
  echo "profile_hotspots: published, with the list $out/outputs.json:"
  for (( i = 1; i < ${#pairs[@]}; i += 2 )); do echo "  ${pairs[$i]}"; done
}

graph_option=(-g)
[ "$call_graph" = dwarf ] && graph_option=(--call-graph dwarf)
echo "profile_hotspots: perf record -e $event -F $freq ${graph_option[*]} -- ${command[*]}"
status=0
perf record -q -e "$event" -F "$freq" "${graph_option[@]}" -o "$work/perf.data" -- "${command[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "profile_hotspots: the profiled command failed with exit status $status; no results written" >&2
  exit "$status"
fi

perf script -i "$work/perf.data" > "$work/perf.script" 2> "$work/perf-script.log"
event=$(perf evlist -i "$work/perf.data" 2>/dev/null | head -n 1)  # what was really recorded
binary=$(command -v "${command[0]}" || echo "${command[0]}")
# hotspots prints the top-10 tables (and the staged files it wrote).
"$analysis_bin/hotspots" --out-dir "$work" --binary "$binary" --event "$event" "$work/perf.script"
"$analysis_bin/flamegraph" --event "$event" --date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --command "${command[*]}" -o "$work/flamegraph.svg" "$work/profile.folded"
if [ -n "$diff_old" ]; then
  "$analysis_bin/flamegraph" --diff --event "$event" --command "${command[*]}" \
    -o "$work/flamegraph-diff.svg" "$diff_old" "$work/profile.folded"
fi

if [ "$report" -eq 0 ]; then
  publish
  exit 0
fi

# The report: benchmarks, counters, ceilings, roofline, stability.
started=$(date +%s)
step() { echo; echo "profile_hotspots: [$(( $(date +%s) - started )) s] $*"; }
# Each timed thread pinned to one CPU; disturbed repetitions (steal, run
# delay, preemption) re-run, up to 40 within 10 s per suite run (docs/stability.md).
suite=(--benchmark_enable_random_interleaving=true --benchmark_min_time=0.05 --benchmark_format=json
       --pin-cpu=auto --rerun-max=40 --rerun-seconds=10)

step "benchmark suite, 5 interleaved repetitions (bench.json), machine snapshot (machine.json)"
"$bench_bin/baseline" "${suite[@]}" --benchmark_repetitions=5 --benchmark_out="$work/bench.json" \
  --machine-out "$work/machine.json" >"$work/bench.log"

step "counters per kernel, simulated by callgrind where the hardware cannot count (bench-counters.json)"
"$bench_bin/baseline" --counters=L1_DCM,BR_MSP,BR_INS,TOT_INS --benchmark_min_time=0.05 \
  --benchmark_format=json --benchmark_out="$work/bench-counters.json" >"$work/bench-counters.log"

step "machine ceilings: peak FLOP/s, bandwidth per cache level (ceilings.json)"
"$bench_bin/ceilings" --out "$work/ceilings.json"

step "roofline (roofline.md, .json, .svg, .png)"
"$analysis_bin/roofline" --ceilings "$work/ceilings.json" --benchmarks "$work/bench.json" --out-dir "$work" >/dev/null

stability=()
if [ "$quick" -eq 0 ]; then
  runs=()
  for i in $(seq 1 10); do
    step "stability run $i of 10"
    "$bench_bin/baseline" "${suite[@]}" --benchmark_repetitions=5 --benchmark_out="$work/stability-$i.json" >/dev/null
    runs+=("$work/stability-$i.json")
  done
  "$analysis_bin/stability" --markdown "$work/stability.md" --json "$work/stability.json" \
    --plot "$work/stability" "${runs[@]}" >/dev/null
  stability=(--stability "$work/stability.json" --stability-plot "$work/stability.svg")
else
  step "stability run skipped (--quick)"
  stability=(--quick)
fi

step "report (docs/internal/profiling_results.md and report.html)"
# The report reads the staged files but names them where they are published.
"$analysis_bin/report" --hotspots "$work/hotspots.json" --flamegraph "$work/flamegraph.svg" \
  --folded "$work/profile.folded" --bench "$work/bench.json" --counters-bench "$work/bench-counters.json" \
  --roofline "$work/roofline.json" --roofline-plot "$work/roofline.svg" --ceilings "$work/ceilings.json" \
  --machine "$work/machine.json" "${stability[@]}" --published-dir "$out" --stage-dir "$work" \
  --markdown "$report_md" --html "$out/report.html" >/dev/null

step "publishing every file of this run together"
publish
echo "profile_hotspots: done in $(( $(date +%s) - started )) s after the profile"
