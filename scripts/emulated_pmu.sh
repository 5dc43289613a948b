#!/usr/bin/env bash
# emulated_pmu.sh - run a command "on a machine with a hardware PMU".
#
# None of our machines has a usable hardware PMU (they are VMs), but QEMU's
# Arm full-system emulation (TCG) emulates an Arm PMUv3. This script builds a
# tiny arm64 Debian guest (kernel + initramfs, from Debian's archive only),
# boots it under qemu-system-aarch64 with -icount (so instruction counts are
# exact and cycles = instructions << shift), runs one command in it and
# returns that command's output and exit code. See docs in --help and the
# field notes the recipe is based on (EMULATED_PMU.md).
#
# Counts are exact; timings inside the guest are meaningless (TCG is tens of
# times slower than native). Cache and branch-predictor events open but
# always count 0: QEMU models neither.

set -euo pipefail
shopt -s inherit_errexit  # failures inside $(...) abort too
umask 022

SELF=$(readlink -f "${BASH_SOURCE[0]}")
readonly SELF

readonly PROG=emulated-pmu
# Part of the cache key: bump when the way the guest is assembled changes
# (and the package list and /init text did not), so old caches are rebuilt.
readonly RECIPE_VERSION=2

# What the guest's user space needs: a shell, the two reference tools
# (perf, papi_avail & co.) and the runtime libraries that our arm64 builds
# link against. Names are Debian 12 (bookworm) arm64 package names;
# libsde.so.1 is in libsde1 and Google Benchmark's runtime is libbenchmark1debian.
readonly GUEST_PACKAGES=(
    busybox-static linux-perf papi-tools
    libc6 libstdc++6 libgcc-s1
    libpapi7.0 libsde1 libpfm4
    libhwy1 libsleef3
    libopenblas0 libopenblas0-pthread libgfortran5
    libbenchmark1debian libboost-program-options1.74.0 libfmt9
)
# Dependencies we deliberately do not follow. They are only needed to install
# packages (maintainer scripts) or to run the perl/python interpreters, which
# the guest never does: perf links libperl/libpython for `perf script`
# extensions, but loading those libraries needs neither the interpreter nor
# its module tree. Pruning them keeps the guest at about half the size.
readonly PRUNED_PACKAGES=(
    dpkg install-info tar debconf
    perl perl-base perl-modules-5.36
    python3 python3-minimal python3.11 python3.11-minimal
    libpython3-stdlib libpython3.11-stdlib libpython3.11-minimal
    mailcap media-types mime-support readline-common
)
readonly KERNEL_METAPACKAGE=linux-image-arm64
readonly GUEST_ARCH=arm64

# Files of the extracted packages nobody reads in the guest: documentation;
# perl's module tree (only the perl interpreter, which the guest lacks, loads
# it); glibc's iconv charset modules (UTF-8, ASCII and Latin-1 are built into
# libc). Together about 50 MB of the ~120 MB.
readonly STRIPPED_DIRS=(
    usr/share/doc usr/share/man usr/share/info usr/share/locale usr/share/lintian
    usr/lib/aarch64-linux-gnu/perl usr/lib/aarch64-linux-gnu/gconv
)

readonly DEFAULT_TIMEOUT=300
readonly DEFAULT_SHIFT=1

# ---------------------------------------------------------------------------
# Messages and exit codes
# ---------------------------------------------------------------------------
readonly EXIT_FAILURE=1       # prepare failed
readonly EXIT_USAGE=2
readonly EXIT_SKIP=77         # this lane cannot run here (ctest SKIP_RETURN_CODE)
readonly EXIT_GUEST_FAILED=125  # the emulated machine failed; never a command's "0"

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "error: $*"; exit "$EXIT_FAILURE"; }
skip() { printf '%s: skipped: %s\n' "$PROG" "$*" >&2; exit "$EXIT_SKIP"; }
usage_error() {
    log "$*"
    echo "Try '$0 --help'." >&2
    exit "$EXIT_USAGE"
}

usage() {
    cat <<EOF
Usage:
  $0 prepare [--cache DIR]
  $0 run [--cache DIR] [--timeout SECONDS] [--shift N] [--verbose]
         [--add HOSTPATH=GUESTPATH]... -- COMMAND [ARGS...]
  $0 --help

Runs COMMAND on an emulated arm64 machine whose PMU (Arm PMUv3) works: QEMU
full-system emulation (qemu-system-aarch64 -M virt -cpu cortex-a57, TCG,
one vCPU, -icount shift=N). perf_event_open, perf, libpfm4 and PAPI see real
hardware counters there. Instructions retired count exactly and repeatably;
cycles are instructions << N. Cache/branch events open but always count 0
(QEMU models no caches or branch predictor); timings are meaningless.

prepare   Build the guest once, from Debian's archive only (apt-get download +
          dpkg-deb; no chroot, no binfmt; needs 'dpkg --add-architecture
          arm64' and 'apt-get update'): Debian's arm64 kernel (vmlinuz) and
          an initramfs (base.cpio.gz) with busybox, perf, papi-tools and the
          runtime libraries of our arm64 builds (libstdc++, PAPI, libpfm4,
          highway, sleef, OpenBLAS, Google Benchmark, Boost.Program_options,
          fmt) plus their dependency closure. Does nothing (and says so) when
          the cache is already complete for the same package versions and
          /init. About a minute and ~80 MB of downloads the first time.

run       Boot the guest, run COMMAND with ARGS in it (as root, cwd /tmp,
          stdin /dev/null), print what it writes between the guest's markers
          on stdout, and exit with its exit code. The guest's stdout and
          stderr both arrive through the serial console, so both go to this
          script's stdout (with the console's \\r removed). Runs 'prepare'
          first if the cache is missing or was made by another version of
          this script. A boot + trivial command takes a few seconds.

Options:
  --cache DIR      Guest cache (vmlinuz, base.cpio.gz, 'complete' stamp).
                   Default: \$ENGRAM_EMULATED_PMU_CACHE, else
                   \${XDG_CACHE_HOME:-\$HOME/.cache}/engram-perf/emulated-pmu.
  --timeout SECS   Hard limit for the whole run, boot included (default
                   $DEFAULT_TIMEOUT). QEMU is killed (timeout -k 5) when it is
                   reached; the guest itself kills COMMAND a little earlier
                   (SECS minus a boot allowance, in guest time) so the output
                   so far is still delivered.
  --shift N        -icount shift, 0..10 (default $DEFAULT_SHIFT): each guest
                   instruction takes 2^N ns of virtual time, so cycles =
                   instructions << N.
  --add HOST=GUEST Copy the host file or directory HOST to the absolute guest
                   path GUEST (directories recursively, modes kept), e.g.
                   --add build-arm64/bin=/engram/bin. Repeatable.
  --verbose        Also show the kernel's console output and the QEMU
                   command line on stderr.
  -h, --help       This text.

Inside the guest: ENGRAM_EMULATED_PMU=1, ENGRAM_ICOUNT_SHIFT=N,
/proc/sys/kernel/perf_event_paranoid=2 (Debian's default 3 disables PAPI's
perf_event component even for root), perf_user_access=1 where the kernel has
it, PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin.
Cross-compile with aarch64-linux-gnu-g++ and link dynamically against the
arm64 -dev packages; the guest has the matching runtime libraries.

Exit status:
  prepare: 0 done or already up to date; 1 failure (nothing half-written
           is left: the cache is either complete or absent/old).
  run:     COMMAND's exit code; 2 usage error; 77 skipped (qemu-system-aarch64
           missing, or the cache is not prepared and we are not root; the
           message starts with "$PROG: skipped:"); 125 the emulated machine
           failed: preparation failed, the guest did not boot, COMMAND hung
           or the guest crashed, or the time limit was hit.
EOF
}

# ---------------------------------------------------------------------------
# Temporary files: everything we create is removed on exit, and a QEMU we
# started is killed (it runs in its own process group, see cmd_run).
# ---------------------------------------------------------------------------
TEMP_DIRS=()
QEMU_PID=""

kill_qemu() {
    [[ -n $QEMU_PID ]] || return 0
    if kill -0 "$QEMU_PID" 2>/dev/null; then
        # QEMU_PID is `timeout`, the leader of the process group holding QEMU.
        kill -TERM -- "-$QEMU_PID" 2>/dev/null || kill -TERM "$QEMU_PID" 2>/dev/null || true
        local i
        for ((i = 0; i < 30; i++)); do
            kill -0 "$QEMU_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$QEMU_PID" 2>/dev/null || true
    fi
    wait "$QEMU_PID" 2>/dev/null || true
    QEMU_PID=""
}

cleanup() {
    # A second signal (e.g. a process-group-wide one) must not cut this short.
    trap '' INT TERM HUP PIPE
    kill_qemu
    local d
    for d in "${TEMP_DIRS[@]}"; do
        [[ -n $d ]] && rm -rf -- "$d"
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

default_cache_dir() {
    if [[ -n ${ENGRAM_EMULATED_PMU_CACHE:-} ]]; then
        printf '%s\n' "$ENGRAM_EMULATED_PMU_CACHE"
    else
        printf '%s\n' "${XDG_CACHE_HOME:-$HOME/.cache}/engram-perf/emulated-pmu"
    fi
}

# ---------------------------------------------------------------------------
# The guest's /init (busybox sh). Its text is part of the cache key.
# Kernel command line parameters it reads: engram.icount_shift=N (exported as
# ENGRAM_ICOUNT_SHIFT) and engram.timeout=SECONDS (guest-side limit).
# ---------------------------------------------------------------------------
guest_init_text() {
    cat <<'EOF'
#!/bin/busybox sh
# /init of the engram-perf emulated-PMU guest (made by scripts/emulated_pmu.sh).
# Runs /engram/run.sh once between marker lines on the console, powers off.
/bin/busybox mount -t proc proc /proc
# Applet links; --install needs /proc (it resolves /proc/self/exe).
/bin/busybox --install -s
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# /tmp stays part of the (writable) initramfs, not a tmpfs over it: files
# added under /tmp (a build tree in /tmp/...) must stay visible.
mkdir -p /tmp
chmod 1777 /tmp

# Debian's default 3 forbids perf_event_open even for PAPI's own checks
# ("perf_event support disabled by Linux with paranoid=3"); 2 is the upstream
# default and lets user space count its own events.
echo 2 > /proc/sys/kernel/perf_event_paranoid
# Let user space read counters directly (arm64, Linux >= 5.17).
if [ -e /proc/sys/kernel/perf_user_access ]; then
    echo 1 > /proc/sys/kernel/perf_user_access
fi

ENGRAM_ICOUNT_SHIFT=
limit=3600
for word in $(cat /proc/cmdline); do
    case $word in
        engram.icount_shift=*) ENGRAM_ICOUNT_SHIFT=${word#*=} ;;
        engram.timeout=*) limit=${word#*=} ;;
    esac
done
export ENGRAM_EMULATED_PMU=1 ENGRAM_ICOUNT_SHIFT

# While the command runs only alerts and emergencies (oops, panic) reach the
# console, so kernel chatter does not mix into the command's output.
echo 2 > /proc/sys/kernel/printk
echo @@ENGRAM-BEGIN@@
# Own session and process group, so the watchdog can kill the whole tree.
setsid sh /engram/run.sh &
pid=$!
(
    sleep "$limit"
    echo "@@ENGRAM-TIMEOUT $limit@@"
    kill -KILL -"$pid" 2>/dev/null || kill -KILL "$pid"
) &
watchdog=$!
# (2>/dev/null: no "Killed" job notice from this shell in the output.)
wait "$pid" 2>/dev/null
rc=$?
kill "$watchdog" 2>/dev/null
echo "@@ENGRAM-END $rc@@"
poweroff -f
EOF
}

# ---------------------------------------------------------------------------
# prepare: resolve packages, download, unpack, pack.
# ---------------------------------------------------------------------------
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (needed to build the guest)"
    done
}

check_apt_arm64() {
    if [[ $(dpkg --print-architecture) != "$GUEST_ARCH" ]] &&
        ! dpkg --print-foreign-architectures | grep -qx "$GUEST_ARCH"; then
        die "dpkg does not know the $GUEST_ARCH architecture; run: dpkg --add-architecture $GUEST_ARCH && apt-get update"
    fi
    apt-cache show --no-all-versions "busybox-static:$GUEST_ARCH" >/dev/null 2>&1 ||
        die "apt has no $GUEST_ARCH package lists; run: apt-get update"
}

is_pruned() {
    local name=${1%%:*} p
    for p in "${PRUNED_PACKAGES[@]}"; do
        [[ $name == "$p" ]] && return 0
    done
    return 1
}

# apt-cache calls are batched: each one costs about a second where apt keeps
# no binary cache (common in containers), and the closure has ~50 packages.

declare -A ARCH_OF=()   # package name (unqualified) -> Architecture of its candidate ("" = none)

# Record the Architecture of the candidates of the (unqualified) names given.
learn_arches() {
    local -a unknown=()
    local name arch
    for name in "$@"; do
        if [[ -z ${ARCH_OF[$name]+set} ]]; then
            ARCH_OF[$name]=""  # stays "" for purely virtual names
            unknown+=("$name")
        fi
    done
    ((${#unknown[@]})) || return 0
    while read -r name arch; do
        ARCH_OF[$name]=$arch
    done < <(apt-cache show --no-all-versions "${unknown[@]}" 2>/dev/null |
        awk '/^Package:/ { p = $2 } /^Architecture:/ { print p, $2 }')
}

# Set REPLY to the package a dependency on $1 (as apt-cache depends spells it)
# means for the arm64 guest, or to "" if it cannot be one (virtual package).
#  - "name:arm64": an arm64 package.
#  - "<name:arm64>": arm64 view of an Arch:all package (e.g. perl-modules), or a
#    real virtual package (skipped).
#  - "name" (from an Arch:all package's dependencies): apt resolved it to the
#    host's architecture; the guest wants the arm64 one, or the Arch:all one.
#  - "<name:any>", "<name>": virtual; skipped.
# Needs learn_arches for bare and <...> names first.
guest_package_for() {
    local dep=$1 virtual=0 name arch
    if [[ $dep == '<'*'>' ]]; then
        virtual=1
        dep=${dep#<}
        dep=${dep%>}
    fi
    name=${dep%%:*}
    arch=${ARCH_OF[$name]:-}
    if [[ $dep == *:any ]]; then
        REPLY=""
    elif ((!virtual)) && [[ $dep == *:"$GUEST_ARCH" ]]; then
        REPLY=$dep
    elif [[ $arch == all ]]; then
        REPLY=$name
    elif ((virtual)) || [[ -z $arch ]]; then
        REPLY=""
    else
        REPLY=$name:$GUEST_ARCH
    fi
}

# Dependency closure (Depends + Pre-Depends) of the packages given, picking the
# first alternative of each "a | b" group (what apt would install; following
# every alternative would e.g. pull all three OpenBLAS variants) and not
# following PRUNED_PACKAGES. Prints "name[:arm64]" lines, sorted.
resolve_closure() {
    local -A seen=()
    local -a queue=() next groups names
    local pkg group alt chosen
    for pkg in "$@"; do
        seen[$pkg]=1
        queue+=("$pkg")
    done
    while ((${#queue[@]})); do
        # One line per dependency group, alternatives separated by spaces.
        mapfile -t groups < <(apt-cache depends --no-recommends --no-suggests \
            --no-conflicts --no-breaks --no-replaces --no-enhances "${queue[@]}" |
            awk '
                function flush() { if (group != "") print group; group = ""; open = 0 }
                /^[^ ]/ { flush(); next }               # a package header
                /^ [ |](Pre)?Depends: / {
                    if (!open) flush()
                    open = (substr($0, 2, 1) == "|")  # "|" = an alternative follows
                    sub(/^ [ |](Pre)?Depends: /, "")
                    group = (group == "" ? $0 : group " " $0)
                }
                END { flush() }')
        # Architectures are needed for the names apt did not qualify with :arm64.
        mapfile -t names < <(printf '%s\n' "${groups[@]+"${groups[@]}"}" | tr ' ' '\n' |
            grep -v -x -e "[^<]*:$GUEST_ARCH" -e '.*:any>\{0,1\}' |
            sed -e 's/^<//' -e 's/>$//' -e 's/:.*//' | sort -u || true)
        learn_arches "${names[@]+"${names[@]}"}"
        next=()
        for group in "${groups[@]+"${groups[@]}"}"; do
            chosen=""
            for alt in $group; do
                guest_package_for "$alt"
                chosen=$REPLY
                [[ -n $chosen ]] && break
            done
            if [[ -z $chosen ]] || is_pruned "$chosen" || [[ -n ${seen[$chosen]+set} ]]; then
                continue
            fi
            seen[$chosen]=1
            next+=("$chosen")
        done
        queue=("${next[@]+"${next[@]}"}")
    done
    printf '%s\n' "${!seen[@]}" | LC_ALL=C sort
}

# "name=version" (candidate version) for each package given; fails if one
# has no candidate (unknown name, or no package lists for arm64).
with_versions() {
    local -A version_of=()
    local pkg arch key version
    while read -r pkg arch version; do
        version_of[$pkg:$arch]=$version
    done < <(apt-cache show --no-all-versions "$@" 2>/dev/null |
        awk '/^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Architecture:/ { a = $2 }
             /^$/ { if (p != "") print p, a, v; p = "" }
             END { if (p != "") print p, a, v }')
    for pkg in "$@"; do
        key=$pkg
        [[ $key == *:* ]] || key=$pkg:all
        version=${version_of[$key]:-}
        [[ -n $version ]] || die "no candidate version for $pkg (unknown package? apt-get update?)"
        printf '%s=%s\n' "$pkg" "$version"
    done
}

# The versioned kernel image package linux-image-arm64 depends on.
kernel_package() {
    local pkg
    pkg=$(apt-cache depends "$KERNEL_METAPACKAGE:$GUEST_ARCH" 2>/dev/null |
        awk '/^  Depends: linux-image-[0-9]/ { print $2; exit }')
    [[ -n $pkg ]] || die "cannot resolve $KERNEL_METAPACKAGE:$GUEST_ARCH to a kernel image package"
    printf '%s\n' "$pkg"
}

# Stamp = manifest: "key <sha256>" then the exact packages. The key covers the
# recipe version, the package list and the /init text, so `run` can check a
# cache against this script without asking apt anything.
manifest_body() { # packages... (name=version)
    printf 'recipe %s\n' "$RECIPE_VERSION"
    printf 'package %s\n' "$@"
}
compute_key() { # manifest body on stdin
    { cat; guest_init_text; } | sha256sum | cut -d' ' -f1
}

# Key recorded in DIR/complete, and whether it still matches this script.
cache_key() { [[ -f $1/complete ]] && awk '$1 == "key" { print $2; exit }' "$1/complete"; }
cache_is_current() {
    local dir=$1 recorded
    [[ -f $dir/complete && -f $dir/vmlinuz && -f $dir/base.cpio.gz ]] || return 1
    recorded=$(cache_key "$dir") || return 1
    [[ $recorded == "$(grep -v '^key ' "$dir/complete" | compute_key)" ]]
}

# Run a noisy command with its output in a log; show the log only on failure.
quietly() { # logfile description command...
    local logfile=$1 what=$2
    shift 2
    if ! "$@" >"$logfile" 2>&1; then
        tail -n 20 "$logfile" >&2
        die "$what failed"
    fi
}

download() { # dir packages... (name=version)
    local dir=$1
    shift
    local -a apt_opts=()
    # As root, apt downloads as user _apt, who cannot write to our private
    # (mode 700) build directory; apt then falls back to root with a warning.
    # Ask for root directly instead.
    if ((EUID == 0)); then
        apt_opts=(-o APT::Sandbox::User=root)
    fi
    cd "$dir"  # apt-get download saves into the current directory
    quietly "$dir/../apt.log" "apt-get download (network? stale lists: apt-get update?)" \
        apt-get "${apt_opts[@]}" download "$@"
    cd - >/dev/null
}

# Unpack a .deb's files like `dpkg-deb -x`, but through the usr-merged
# symlinks (/bin -> usr/bin, ...) rather than replacing them.
unpack_deb() { # deb root
    dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --keep-directory-symlink --no-same-owner
}

# Maintainer scripts never run (no chroot), but some create links the
# libraries are found by: libopenblas0-pthread registers libblas.so.3,
# liblapack.so.3 and libopenblas.so.0 with update-alternatives. Recreate the
# highest-priority `update-alternatives --install LINK NAME PATH PRIO`.
apply_alternatives() { # deb root
    local link target
    while read -r link target; do
        mkdir -p "$2$(dirname "$link")"
        ln -sfn "$target" "$2$link"
    done < <(dpkg-deb -I "$1" postinst 2>/dev/null |
        sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |
        awk '{
                for (i = 1; i + 4 <= NF; i++)
                    if ($i == "update-alternatives" && $(i + 1) == "--install") {
                        link = $(i + 2); path = $(i + 4); prio = $(i + 5) + 0
                        if (!(link in best) || prio > best[link]) { best[link] = prio; target[link] = path }
                    }
             }
             END { for (l in target) print l, target[l] }')
}

build_rootfs() { # root debs_dir
    local root=$1 debs=$2 deb d
    mkdir -p "$root"/usr/{bin,sbin,lib}
    # Debian 12 is usr-merged; so is the guest (interpreters and #! paths work
    # whichever of /lib or /usr/lib a package ships in).
    ln -s usr/bin "$root/bin"
    ln -s usr/sbin "$root/sbin"
    ln -s usr/lib "$root/lib"
    for deb in "$debs"/*.deb; do
        unpack_deb "$deb" "$root" || die "cannot unpack $(basename "$deb")"
        apply_alternatives "$deb" "$root"
    done
    for d in "${STRIPPED_DIRS[@]}"; do
        rm -rf -- "${root:?}/$d"
    done
    mkdir -p "$root"/{proc,sys,dev,tmp,run,root,etc,engram}
    chmod 1777 "$root/tmp"
    chmod 700 "$root/root"
    # Enough for tools that look up user and group names.
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\n' >"$root/etc/group"
    guest_init_text >"$root/init"
    chmod 755 "$root/init"
}

pack_cpio() { # dir -> newc archive on stdout; all files owned by root
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
}

cmd_prepare() {
    local cache
    cache=$(default_cache_dir)
    while (($#)); do
        case $1 in
            --cache) (($# >= 2)) || usage_error "--cache needs a directory"; cache=$2; shift 2 ;;
            --cache=*) cache=${1#*=}; shift ;;
            -h | --help) usage; exit 0 ;;
            *) usage_error "prepare: unknown option '$1'" ;;
        esac
    done
    prepare_cache "$cache"
}

prepare_cache() { # cache_dir
    local cache=$1
    require_tools apt-get apt-cache dpkg dpkg-deb tar cpio gzip sha256sum flock find
    check_apt_arm64
    mkdir -p "$cache" || die "cannot create $cache"
    cache=$(cd "$cache" && pwd)

    # One builder at a time; concurrent `run`s read under a shared lock.
    exec {lock_fd}>"$cache/.lock"
    flock -x "$lock_fd"

    log "resolving $GUEST_ARCH packages..."
    local kernel roots=() pkg
    kernel=$(kernel_package)
    for pkg in "${GUEST_PACKAGES[@]}"; do
        roots+=("$pkg:$GUEST_ARCH")
    done
    local closure pinned
    local -a packages kernel_spec
    closure=$(resolve_closure "${roots[@]}")
    # shellcheck disable=SC2086 # package names have no blanks
    pinned=$(with_versions "$kernel" $closure)
    mapfile -t packages <<<"$pinned"
    kernel_spec=("${packages[0]}")
    packages=("${packages[@]:1}")

    local body key
    body=$(manifest_body "${kernel_spec[@]}" "${packages[@]}")
    key=$(compute_key <<<"$body")
    if cache_is_current "$cache" && [[ $(cache_key "$cache") == "$key" ]]; then
        log "guest cache $cache is up to date (key ${key:0:12}); nothing to do"
        return 0
    fi

    local tmp
    tmp=$(mktemp -d "$cache/.build.XXXXXX") || die "cannot create a build directory in $cache"
    TEMP_DIRS+=("$tmp")
    mkdir "$tmp/debs" "$tmp/kernel" "$tmp/root"

    log "downloading ${#packages[@]} packages and ${kernel_spec[0]%%=*} from Debian's archive..."
    download "$tmp/debs" "${packages[@]}"
    download "$tmp/kernel" "${kernel_spec[@]}"

    log "unpacking the kernel..."
    # Only /boot/vmlinuz-* is needed: the drivers the guest uses (PL011 console,
    # PMU, initramfs) are built in, so the ~400 MB of modules are not unpacked.
    dpkg-deb --fsys-tarfile "$tmp"/kernel/*.deb |
        tar -x -C "$tmp/kernel" --wildcards './boot/vmlinuz-*' ||
        die "cannot unpack the kernel package"
    mv "$tmp"/kernel/boot/vmlinuz-* "$tmp/vmlinuz" || die "no /boot/vmlinuz-* in the kernel package"

    log "unpacking the root filesystem..."
    build_rootfs "$tmp/root" "$tmp/debs"
    log "packing base.cpio.gz ($(du -sh "$tmp/root" | cut -f1) uncompressed)..."
    pack_cpio "$tmp/root" | gzip -6 >"$tmp/base.cpio.gz" || die "cannot pack the initramfs"

    # Install: drop the stamp first, so an interrupted swap leaves a cache
    # that is recognisably incomplete; write the stamp last.
    rm -f "$cache/complete"
    mv -f "$tmp/vmlinuz" "$cache/vmlinuz"
    mv -f "$tmp/base.cpio.gz" "$cache/base.cpio.gz"
    printf 'key %s\n%s\n' "$key" "$body" >"$tmp/complete"
    mv -f "$tmp/complete" "$cache/complete"
    rm -rf -- "$tmp"
    log "guest cache ready in $cache ($(du -sh "$cache" | cut -f1), key ${key:0:12})"
}

# ---------------------------------------------------------------------------
# run: per-run archive, boot, console filter.
# ---------------------------------------------------------------------------

# Stage /engram/run.sh and the --add files in DIR.
stage_run_files() { # dir command_words... ; uses ADDS
    local stage=$1
    shift
    mkdir -p "$stage/engram"
    {
        echo '#!/bin/sh'
        echo 'cd /tmp || exit 125'
        # printf %q quotes for bash; busybox ash reads the same syntax
        # (including $'...' for control characters).
        printf 'exec'
        printf ' %q' "$@"
        printf '\n'
    } >"$stage/engram/run.sh"
    chmod 755 "$stage/engram/run.sh"

    local spec host guest
    for spec in "${ADDS[@]+"${ADDS[@]}"}"; do
        host=${spec%=*}
        guest=${spec##*=}
        if [[ -d $host ]]; then
            mkdir -p "$stage$guest"
            cp -a -- "$host/." "$stage$guest/"
        else
            mkdir -p "$stage$(dirname "$guest")"
            cp -pL -- "$host" "$stage$guest"
        fi
    done
}

# Guest-side limit: leave the boot (a few s) and power-off inside the host
# limit, so a command that runs too long is killed in the guest and its output
# and a TIMEOUT marker still arrive. Guest time follows -icount, not the wall
# clock, so this is only approximate; the host-side timeout is the hard one.
guest_limit() { # host_timeout
    local t=$1 allowance
    allowance=$((t / 10 > 10 ? t / 10 : 10))
    ((t - allowance >= 1)) && echo $((t - allowance)) || echo 1
}

# Per-line state of the console filter.
SAW_BEGIN=0
SAW_END=0
GUEST_RC=""
GUEST_TIMEOUT=""

# Console (stdin) -> command output (stdout); everything outside the markers
# is kept in CONSOLE_LOG (shown on failure) and, with --verbose, on stderr.
filter_console() {
    local line
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%$'\r'}
        if ((SAW_BEGIN && !SAW_END)); then
            # A marker can follow output that did not end in a newline.
            if [[ $line =~ ^(.*)@@ENGRAM-END\ ([0-9]+)@@$ ]]; then
                printf '%s' "${BASH_REMATCH[1]}"
                SAW_END=1
                GUEST_RC=${BASH_REMATCH[2]}
            elif [[ $line =~ ^(.*)@@ENGRAM-TIMEOUT\ ([0-9]+)@@$ ]]; then
                printf '%s' "${BASH_REMATCH[1]}"
                GUEST_TIMEOUT=${BASH_REMATCH[2]}
            else
                printf '%s\n' "$line"
            fi
            continue
        fi
        if ((!SAW_BEGIN)) && [[ $line == *@@ENGRAM-BEGIN@@ ]]; then
            SAW_BEGIN=1
            continue
        fi
        printf '%s\n' "$line" >>"$CONSOLE_LOG"
        if ((VERBOSE)); then
            printf '%s\n' "$line" >&2
        fi
    done
}

show_diagnostics() {
    if ((!VERBOSE)) && [[ -s $CONSOLE_LOG ]]; then
        log "last console lines:"
        tail -n 25 "$CONSOLE_LOG" >&2
    fi
    [[ -s $QEMU_LOG ]] && { log "qemu said:"; tail -n 10 "$QEMU_LOG" >&2; }
    return 0
}

cmd_run() {
    local cache timeout=$DEFAULT_TIMEOUT shift_n=$DEFAULT_SHIFT
    cache=$(default_cache_dir)
    VERBOSE=0
    ADDS=()
    while (($#)); do
        case $1 in
            --cache) (($# >= 2)) || usage_error "--cache needs a directory"; cache=$2; shift 2 ;;
            --cache=*) cache=${1#*=}; shift ;;
            --timeout) (($# >= 2)) || usage_error "--timeout needs seconds"; timeout=$2; shift 2 ;;
            --timeout=*) timeout=${1#*=}; shift ;;
            --shift) (($# >= 2)) || usage_error "--shift needs a number"; shift_n=$2; shift 2 ;;
            --shift=*) shift_n=${1#*=}; shift ;;
            --add) (($# >= 2)) || usage_error "--add needs HOSTPATH=GUESTPATH"; ADDS+=("$2"); shift 2 ;;
            --add=*) ADDS+=("${1#*=}"); shift ;;
            -v | --verbose) VERBOSE=1; shift ;;
            -h | --help) usage; exit 0 ;;
            --) shift; break ;;
            *) usage_error "run: unknown option '$1' (the command goes after --)" ;;
        esac
    done
    (($#)) || usage_error "run: no COMMAND (usage: run [OPTIONS] -- COMMAND [ARGS...])"
    [[ $timeout =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout must be a positive number of seconds, not '$timeout'"
    [[ $shift_n =~ ^([0-9]|10)$ ]] || usage_error "--shift must be 0..10, not '$shift_n'"
    local spec host guest
    for spec in "${ADDS[@]+"${ADDS[@]}"}"; do
        [[ $spec == *=* ]] || usage_error "--add needs HOSTPATH=GUESTPATH, not '$spec'"
        host=${spec%=*}
        guest=${spec##*=}
        [[ -e $host ]] || usage_error "--add: no such host file or directory: $host"
        [[ $guest == /?* && $guest != */ ]] || usage_error "--add: guest path must be absolute, like /engram/bin/x, not '$guest'"
        [[ $guest != /init && $guest != /engram/run.sh ]] || usage_error "--add: $guest is reserved"
    done

    command -v qemu-system-aarch64 >/dev/null 2>&1 ||
        skip "qemu-system-aarch64 not found (Debian: apt-get install qemu-system-arm)"

    if ! cache_is_current "$cache"; then
        if ((EUID != 0)); then
            skip "guest cache $cache is missing or outdated and we are not root (run: $0 prepare --cache $cache)"
        fi
        log "guest cache $cache is missing or outdated; preparing it (about a minute)..."
        # A separate process: its failure (exit 1, cleaned up) becomes ours (125).
        "$BASH" "$SELF" prepare --cache "$cache" || {
            log "error: could not prepare the guest"
            exit "$EXIT_GUEST_FAILED"
        }
    fi

    local tmp
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/engram-emulated-pmu.XXXXXX")
    TEMP_DIRS+=("$tmp")
    CONSOLE_LOG=$tmp/console.log
    QEMU_LOG=$tmp/qemu.log
    : >"$CONSOLE_LOG"

    # Private copies under the shared lock, so a concurrent `prepare` cannot
    # swap the files underneath this run.
    # (A read-only cache prepared by someone else has nobody swapping it.)
    local lock_fd=""
    if [[ -r $cache/.lock ]] && exec {lock_fd}<"$cache/.lock"; then
        flock -s "$lock_fd"
    fi
    cache_is_current "$cache" || { log "error: guest cache $cache changed while starting"; exit "$EXIT_GUEST_FAILED"; }
    cp "$cache/vmlinuz" "$tmp/vmlinuz"
    cp "$cache/base.cpio.gz" "$tmp/initrd"
    if [[ -n $lock_fd ]]; then
        exec {lock_fd}<&-
    fi

    # The kernel unpacks concatenated initramfs archives in turn; an
    # uncompressed cpio must start at a 4-byte-aligned offset, so pad the gzip
    # member with zeros (which the kernel skips).
    local size
    size=$(stat -c %s "$tmp/initrd")
    head -c $(((4 - size % 4) % 4)) /dev/zero >>"$tmp/initrd"
    stage_run_files "$tmp/stage" "$@"
    pack_cpio "$tmp/stage" >>"$tmp/initrd"

    local limit
    limit=$(guest_limit "$timeout")
    local -a qemu=(
        qemu-system-aarch64 -M virt -cpu cortex-a57 -accel tcg -smp 1 -m 1024
        -icount "shift=$shift_n" -nographic -no-reboot -nic none
        -kernel "$tmp/vmlinuz" -initrd "$tmp/initrd"
        -append "console=ttyAMA0 panic=-1 loglevel=4 engram.icount_shift=$shift_n engram.timeout=$limit"
    )
    if ((VERBOSE)); then
        log "running: timeout -k 5 $timeout ${qemu[*]}"
    fi

    # `timeout` puts itself and QEMU in a new process group (QEMU_PID is its
    # leader), which kill_qemu signals as a whole. stdin is /dev/null so QEMU
    # leaves the terminal alone; the console comes through a FIFO so this
    # shell can filter it line by line while it arrives.
    mkfifo "$tmp/console"
    timeout -k 5 "$timeout" "${qemu[@]}" </dev/null >"$tmp/console" 2>"$QEMU_LOG" &
    QEMU_PID=$!
    filter_console <"$tmp/console"
    local qemu_rc=0
    wait "$QEMU_PID" || qemu_rc=$?
    QEMU_PID=""

    if ((SAW_END)) && [[ -z $GUEST_TIMEOUT ]]; then
        return "$GUEST_RC"
    fi
    if [[ -n $GUEST_TIMEOUT ]]; then
        log "error: the command was killed in the guest after ${GUEST_TIMEOUT} s of guest time (--timeout $timeout)"
    elif ((qemu_rc == 124 || qemu_rc == 137)); then
        if ((SAW_BEGIN)); then
            log "error: killed after $timeout s (host-side timeout): the command hung or the guest stalled"
        else
            log "error: killed after $timeout s (host-side timeout): the guest never reached /init"
        fi
    elif ((!SAW_BEGIN)); then
        log "error: the guest did not boot (no @@ENGRAM-BEGIN@@ marker; qemu exit status $qemu_rc)"
    else
        log "error: the command hung or the guest crashed (@@ENGRAM-BEGIN@@ but no @@ENGRAM-END@@; qemu exit status $qemu_rc)"
    fi
    show_diagnostics
    exit "$EXIT_GUEST_FAILED"
}

main() {
    (($#)) || usage_error "no subcommand"
    local sub=$1
    shift
    case $sub in
        prepare) cmd_prepare "$@" ;;
        run) cmd_run "$@" ;;
        -h | --help | help) usage ;;
        *) usage_error "unknown subcommand or option '$sub'" ;;
    esac
}

main "$@"
