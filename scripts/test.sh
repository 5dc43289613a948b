#!/usr/bin/env bash
# The test command: set-up and build (scripts/bootstrap.sh), then the whole
# ctest suite. Prints ctest's summary; exits non-zero on any failure.
#
# usage: scripts/test.sh [--preset release|debug|asan] [extra ctest arguments]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=release
if [ "${1:-}" = "--preset" ]; then preset=${2:?--preset needs a value}; shift 2; fi
case "${1:-}" in -h|--help) sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

"$repo/scripts/bootstrap.sh" --preset "$preset"

cd "$repo"
start=$(date +%s)
status=0
ctest --preset "$preset" --parallel "$(nproc)" --timeout 600 "$@" || status=$?
echo "test.sh: ctest ($preset) finished in $(( $(date +%s) - start )) s with exit code $status"
exit "$status"
