#!/usr/bin/env bash
# The test command: set-up and build (scripts/bootstrap.sh), then the whole
# ctest suite (in parallel, then the timing-dependent `perf` tests one at a
# time); then the arm64 lane: the aarch64 cross build's tests under
# qemu-user and the emulated-PMU tests inside QEMU's full-system Arm guest,
# whose emulated PMU counts for real (label emulated-pmu). Prints each ctest
# summary; exits non-zero on any failure. Between the two, the asan lane
# (the suite under ASan + UBSan in build-asan/, but the labels it cannot run)
# and the fuzz lane: every parser's libFuzzer harness, fuzzed for a bounded
# time (label fuzz).
#
# usage: scripts/test.sh [--preset release|debug|asan|coverage] [--no-arm64] [--no-asan] [--no-fuzz] [-- extra ctest arguments]
#   --no-arm64   skip the arm64 lane (it is run by default, and by CI)
#   --no-asan    skip the asan lane (run by default, and by CI; --preset asan runs it in place of the host suite)
#   --no-fuzz    skip the fuzz lane (it is run by default, and by CI)
# Labels (ctest -L): unit, program, valgrind, browser, perf; see tests/CMakeLists.txt.
# With ENGRAM_REQUIRE_TOOLS=1 (CI sets it) a test that would skip for a
# missing tool (valgrind, gnuplot, chromium, node, perf, ...) fails instead.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=release
arm64=1
asan=1
fuzz=1
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) [ $# -ge 2 ] || { echo "test.sh: --preset needs a value" >&2; exit 2; }; preset=$2; shift 2 ;;
    --no-arm64) arm64=0; shift ;;
    --no-asan) asan=0; shift ;;
    --no-fuzz) fuzz=0; shift ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) echo "test.sh: unknown option '$1' (ctest arguments go after --; see --help)" >&2; exit 2 ;;
  esac
done
case "$preset" in release|debug|asan|coverage) ;; *) echo "test.sh: unknown preset '$preset' (release, debug, asan, coverage)" >&2; exit 2 ;; esac

# The asan lane: ASan + UBSan (the asan preset, build-asan/). Its test preset
# leaves out the labels below (CMakePresets.json, keep the two in step); the
# release suite runs them. docs/testing.md, "Sanitizers", has the figures.
asan_lane() {
  local lane_start lane_status=0
  lane_start=$(date +%s)
  echo "test.sh: asan lane skips label valgrind: valgrind cannot run a sanitized program (both own malloc and the address space)"
  echo "test.sh: asan lane skips label perf: timing verdicts mean nothing at ASan's slowdown"
  "$repo/scripts/bootstrap.sh" --preset asan || lane_status=$?
  if [ "$lane_status" -eq 0 ]; then
    ctest --preset asan --parallel "$(nproc)" --timeout 900 "$@" || lane_status=$?
  fi
  echo "test.sh: asan lane (build and ctest --preset asan) finished in $(( $(date +%s) - lane_start )) s" \
       "with exit code $lane_status"
  return "$lane_status"
}

cd "$repo"
status=0
if [ "$preset" = asan ]; then
  asan_lane "$@" || status=$?
  asan=0
else
  "$repo/scripts/bootstrap.sh" --preset "$preset"

  start=$(date +%s)
  ctest --preset "$preset" --parallel "$(nproc)" --timeout 600 --label-exclude perf "$@" || status=$?
  echo "test.sh: ctest ($preset) finished in $(( $(date +%s) - start )) s with exit code $status"
  # Tests whose verdict depends on timing or bandwidth (label perf) run alone,
  # after the parallel suite, so that it does not disturb them.
  perf_start=$(date +%s)
  perf_status=0
  ctest --preset "$preset" --timeout 600 --label-regex perf "$@" || perf_status=$?
  echo "test.sh: ctest ($preset, label perf, one at a time) finished in $(( $(date +%s) - perf_start )) s" \
       "with exit code $perf_status"
  [ "$perf_status" -eq 0 ] || status=$perf_status
fi

if [ "$asan" -eq 1 ]; then
  asan_status=0
  asan_lane "$@" || asan_status=$?
  [ "$asan_status" -eq 0 ] || status=$asan_status
fi

if [ "$fuzz" -eq 1 ]; then
  # clang-14 and libFuzzer, then build-fuzz/ (only the harnesses and the
  # libraries they link); each fuzzer replays its committed corpus and
  # regression inputs, then fuzzes ENGRAM_FUZZ_SECONDS (25 s) from a copy of
  # the corpus, two at a time (the preset's jobs).
  fuzz_start=$(date +%s)
  fuzz_status=0
  "$repo/scripts/bootstrap.sh" --preset fuzz || fuzz_status=$?
  if [ "$fuzz_status" -eq 2 ] && [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: fuzz lane skipped: its Debian packages are missing and this is not root (see above)"
  else
    [ "$fuzz_status" -eq 0 ] && { ctest --preset fuzz "$@" || fuzz_status=$?; }
    echo "test.sh: fuzz lane (build and ctest --preset fuzz) finished in $(( $(date +%s) - fuzz_start )) s" \
         "with exit code $fuzz_status"
    [ "$fuzz_status" -eq 0 ] || status=$fuzz_status
  fi
fi

if [ "$arm64" -eq 1 ]; then
  lane_start=$(date +%s)
  lane_status=0
  # Installs the cross compiler, the arm64 libraries and QEMU, then builds
  # build-aarch64/; the guest (kernel and user space from Debian's archive)
  # is prepared once into a cache that later runs reuse.
  "$repo/scripts/bootstrap.sh" --preset aarch64 || lane_status=$?
  if [ "$lane_status" -eq 2 ] && [ "$(id -u)" -ne 0 ]; then
    # bootstrap printed the packages and the sudo line: the lane cannot run here yet.
    echo "test.sh: arm64 lane skipped: its Debian packages are missing and this is not root (see above)"
  else
    [ "$lane_status" -eq 0 ] && { "$repo/scripts/emulated_pmu.sh" prepare || lane_status=$?; }
    if [ "$lane_status" -eq 0 ]; then
      ctest --preset aarch64 --parallel "$(nproc)" --timeout 900 "$@" || lane_status=$?
    fi
    echo "test.sh: arm64 lane (qemu-user and emulated PMU) finished in $(( $(date +%s) - lane_start )) s" \
         "with exit code $lane_status"
    [ "$lane_status" -eq 0 ] || status=$lane_status
  fi
fi
exit "$status"
