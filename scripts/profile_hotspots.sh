#!/usr/bin/env bash
# The main job: set-up and build (scripts/bootstrap.sh), then the seeded
# workload (bench/profiling_harness). The perf recording, flamegraph and
# hotspot report are added on top of this by the flamegraph work.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/bootstrap.sh"
exec "$repo/build/bench/profiling_harness" "$@"
