#!/usr/bin/env bash
# Set-up for a fresh Debian 12 machine: installs the Debian packages the
# project needs (only those missing), then configures and builds a preset
# (release by default) when the build is missing or stale. Idempotent: a
# second run installs nothing and rebuilds nothing.
#
# usage: scripts/bootstrap.sh [--preset release|debug|asan|coverage|aarch64|fuzz] [--no-build] [--check] [--target NAME]...
#   --check           only say which Debian packages are missing (exit 1 if any);
#                     installs nothing and builds nothing
#   --preset aarch64  the arm64 lane: cross-compiler, arm64 libraries (multiarch),
#                     qemu-user and qemu-system-arm; builds build-aarch64/
#   --preset asan     ASan + UBSan build in build-asan/ (runtimes come with g++; test.sh's asan lane)
#   --preset coverage gcov build in build-coverage/, plus lcov (scripts/coverage.sh)
#   --preset fuzz     clang-14 and its libFuzzer; the parsers' fuzzers in build-fuzz/
#   --target NAME     build only these targets (repeatable; default: everything)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=release
build=1
check=0
targets=()

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) [ $# -ge 2 ] || { echo "bootstrap: --preset needs a value" >&2; exit 2; }; preset=$2; shift 2 ;;
    --preset=*) preset=${1#--preset=}; shift ;;
    --no-build) build=0; shift ;;
    --check) check=1; shift ;;
    --target) [ $# -ge 2 ] || { echo "bootstrap: --target needs a value" >&2; exit 2; }; targets+=(--target "$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bootstrap: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
case "$preset" in release|debug|asan|coverage|aarch64|fuzz) ;; *) echo "bootstrap: unknown preset '$preset' (release, debug, asan, coverage, aarch64, fuzz)" >&2; exit 2 ;; esac

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

# The arm64 lane (scripts/emulated_pmu.sh, the aarch64 preset): a cross
# compiler, the arm64 builds of the libraries above (multiarch, beside the
# host's), qemu-user to run the arm64 tests, and QEMU's full-system Arm
# emulation, whose emulated PMU counts for real.
arm64_packages=(
  g++-aarch64-linux-gnu qemu-user qemu-system-arm cpio
  libpapi-dev:arm64 libpfm4-dev:arm64 libbenchmark-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64
  libboost-program-options-dev:arm64 libhwy-dev:arm64 libsleef-dev:arm64 libopenblas-dev:arm64
  libfmt-dev:arm64
)
[ "$preset" = aarch64 ] && packages+=("${arm64_packages[@]}")
[ "$preset" = coverage ] && packages+=(lcov)  # per-library line coverage from gcov's data
# The fuzz preset: Debian's clang and its compiler-rt, which holds libFuzzer
# and clang's ASan and UBSan runtimes.
[ "$preset" = fuzz ] && packages+=(clang-14 libclang-rt-14-dev)

# Installed for the architecture asked for: a bare name is the host's (or an
# architecture-independent package); an arm64 -dev package of the same name
# must not count as the host's.
native_arch=$(dpkg --print-architecture)
installed() {
  local name=${1%%:*} arch=${native_arch}
  [ "$name" != "$1" ] && arch=${1#*:}
  dpkg-query -W -f='${Architecture} ${Status}\n' "$name" 2>/dev/null | grep -Eq "^($arch|all) install ok installed"
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
need_arm64_arch=0
if [ "$preset" = aarch64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then need_arm64_arch=1; fi

if [ "$check" -eq 1 ]; then
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: missing Debian packages: ${missing[*]}"
    exit 1
  fi
  echo "bootstrap: all ${#packages[@]} Debian packages present"
  exit 0
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
    echo "bootstrap: not root, so install them yourself, then run this again:" >&2
    [ "$need_arm64_arch" -eq 1 ] && echo "  sudo dpkg --add-architecture arm64" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 2
  fi
  echo "bootstrap: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  [ "$need_arm64_arch" -eq 1 ] && dpkg --add-architecture arm64
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
