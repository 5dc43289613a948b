#!/usr/bin/env bash
# Set-up for a fresh Debian 12 machine: installs the Debian packages the
# project needs (only those missing), then configures and builds a preset
# (release by default) when the build is missing or stale. Idempotent: a
# second run installs nothing and rebuilds nothing.
#
# usage: scripts/bootstrap.sh [--preset release|debug|asan] [--no-build] [--target NAME]...
#   --target NAME   build only these targets (repeatable; default: everything)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=release
build=1
targets=()

usage() { sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) [ $# -ge 2 ] || { echo "bootstrap: --preset needs a value" >&2; exit 2; }; preset=$2; shift 2 ;;
    --preset=*) preset=${1#--preset=}; shift ;;
    --no-build) build=0; shift ;;
    --target) [ $# -ge 2 ] || { echo "bootstrap: --target needs a value" >&2; exit 2; }; targets+=(--target "$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bootstrap: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
case "$preset" in release|debug|asan) ;; *) echo "bootstrap: unknown preset '$preset' (release, debug, asan)" >&2; exit 2 ;; esac

# Everything comes from Debian 12's own archive; nothing is downloaded at build time.
packages=(
  g++ cmake ninja-build pkg-config make git time
  libpapi-dev papi-tools libpfm4-dev            # counters: PAPI, SDE, libpfm4
  libbenchmark-dev libbenchmark-tools           # Google Benchmark and its compare.py
  libgtest-dev libgmock-dev                     # GoogleTest
  libboost-program-options-dev                  # bench option parsing
  libhwy-dev libsleef-dev                       # run-time SIMD dispatch, vector math
  libeigen3-dev libopenblas-dev                 # peers in the benchmarks
  nlohmann-json3-dev libfmt-dev                 # JSON and formatting
  linux-perf valgrind binutils                  # perf record, callgrind simulation
  gnuplot-nox libxml2-utils                     # roofline plots, SVG checks
  nodejs                                        # runs the flame graph viewer script in tests
  python3 python3-scipy                         # compare.py (libbenchmark-tools) in tests
  chromium                                      # report and flame graph checked in a headless browser
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
    echo "bootstrap: not root, so install them yourself, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 2
  fi
  echo "bootstrap: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "bootstrap: all ${#packages[@]} Debian packages present"
fi

[ "$build" -eq 1 ] || exit 0

cd "$repo"
build_dir=build
[ "$preset" = release ] || build_dir=build-$preset
if [ ! -f "$build_dir/CMakeCache.txt" ] || [ ! -f "$build_dir/build.ninja" ]; then
  echo "bootstrap: configuring preset '$preset' in $build_dir/"
  cmake --preset "$preset"
fi
# ninja decides what is stale; an up-to-date tree prints "no work to do".
cmake --build --preset "$preset" "${targets[@]}"
