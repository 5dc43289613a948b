#!/usr/bin/env bash
# Runs an arm64 gtest binary inside the emulated-PMU guest for ctest.
#
# usage: run_in_guest.sh [--suite] --build DIR [--list-with COMMAND] -- BINARY [GTEST ARGS...]
#
# The guest (scripts/emulated_pmu.sh) gets BINARY and the programs the tests
# start (ecount, the simulation workload, baseline, profiling_harness, the
# drop-in's tiny suite and the peer libraries) at their build paths, so the paths compiled into the tests
# hold there too.
#   default   one test of test_counters_pmu (its emulator property, used by
#             gtest_discover_tests): passes only when exactly one test ran and
#             passed. A test that skipped, or a filter that matched nothing,
#             fails: this lane exists to count for real.
#   --suite   a whole suite in one boot: passes when gtest does and ran a test.
# --gtest_list_tests (test discovery) runs BINARY through --list-with COMMAND
# (qemu-user) instead: listing needs no PMU and no guest.
# Exit 77 (ctest: skipped) when this machine cannot run the guest.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build="" list_with="" suite=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=${2:?--build needs a directory}; shift 2 ;;
    --list-with) list_with=${2:?--list-with needs a command}; shift 2 ;;
    --suite) suite=1; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) echo "run_in_guest: unknown option '$1'" >&2; exit 2 ;;
  esac
done
if [ $# -lt 1 ] || [ -z "$build" ]; then
  echo "run_in_guest: usage: [--suite] --build DIR [--list-with COMMAND] -- BINARY [ARGS...]" >&2
  exit 2
fi
binary=$1
shift

for arg in "$@"; do
  if [ "$arg" = "--gtest_list_tests" ]; then
    [ -n "$list_with" ] || { echo "run_in_guest: --gtest_list_tests needs --list-with" >&2; exit 2; }
    # shellcheck disable=SC2086  # the command and its arguments, split on purpose
    exec $list_with "$binary" "$@"
  fi
done

adds=(--add "$binary=$binary")
for program in "$build/counters/ecount" "$build/tests/counters/counters_sim_workload" "$build/bench/baseline" \
               "$build/bench/profiling_harness" "$build/tests/counters/gbench/counters_gbench_tiny_suite" \
               "$build"/bench/libengram_peers_*.so; do
  [ -e "$program" ] && adds+=(--add "$program=$program")
done

output=$(mktemp)
trap 'rm -f "$output"' EXIT
status=0
"$repo/scripts/emulated_pmu.sh" run --timeout 600 "${adds[@]}" -- "$binary" --gtest_color=no "$@" |
  tee "$output" || status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || exit "$status"
if [ "$suite" -eq 1 ]; then
  if ! grep -Eq '^\[  PASSED  \] [1-9][0-9]* tests?\.' "$output"; then
    echo "run_in_guest: gtest ran no test in the guest" >&2
    exit 1
  fi
  exit 0
fi
if grep -q '^\[  SKIPPED \]' "$output"; then
  echo "run_in_guest: the test skipped inside the emulated-PMU guest, where it must run" >&2
  exit 1
fi
if ! grep -q '^\[  PASSED  \] 1 test\.' "$output"; then
  echo "run_in_guest: expected exactly one test to run and pass in the guest" >&2
  exit 1
fi
