# SPDX-License-Identifier: Apache-2.0
# bench/lib.sh - set-up shared by bench/run.sh and bench/exec.sh (sourced, not run):
# options -n RUNS -b BUILD_DIR, a temp work dir, berth (B) and Debian's podman (podman_) on
# their own stores, timing helpers, the busybox image for both and the cleanup trap.
# Timings come from bench/timeit (built here with cc): it execs each command itself and prints
# the median of N runs, so neither engine pays for a bash fork per run.
#
#   bench_init NAME DEFAULT_RUNS "$@"   sets $top $runs $build $work $tar $have_podman

bench_init() {
  local name=$1 o
  runs=$2
  shift 2
  top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  build=""
  OPTIND=1
  while getopts "n:b:" o; do
    case "$o" in
    n) runs=$OPTARG ;;
    b) build=$OPTARG ;;
    *) echo "usage: $name [-n RUNS] [-b BUILD_DIR]" >&2; exit 2 ;;
    esac
  done
  if [ -z "$build" ]; then
    for d in "$top/build-ci" "$top"/build-*; do
      [ -x "$d/src/berth" ] && [ -x "$d/src/berth-monitor" ] && { build=$d; break; }
    done
  fi
  [ -x "$build/src/berth" ] || { echo "$name: build berth first (meson setup build-ci && ninja -C build-ci)" >&2; exit 1; }
  [ "$(id -u)" -eq 0 ] || { echo "$name: run as root" >&2; exit 1; }
  build=$(cd "$build" && pwd)
  work=$(mktemp -d /tmp/berth-bench.XXXXXX)
  trap bench_cleanup EXIT
  command -v cc >/dev/null || { echo "$name: needs cc to build bench/timeit.c" >&2; exit 1; }
  cc -O2 -o "$work/timeit" "$top/bench/timeit.c"
  B_cmd=("$build/src/berth" --root "$work/berth" --runroot "$work/berth-run")
  # --tmpdir: podman's own "alive" file, so another podman on the host (a test resetting
  # /run/libpod) cannot make this one re-"refresh" its containers in the middle of a run
  podman_cmd=(podman --root "$work/podman" --runroot "$work/podman-run" --tmpdir "$work/podman-tmp"
    --storage-driver overlay)
  # podman's defaults fail on this host (hybrid cgroups, no CAP_SYS_RESOURCE, no systemd)
  cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  [ -x "$top/tests/lib/make-busybox-tar" ] || { echo "$name: tests/lib/make-busybox-tar is missing" >&2; exit 1; }
  tar=$("$top/tests/lib/make-busybox-tar")
  B import --change 'CMD ["/bin/sh"]' "$tar" localhost/busybox:latest >/dev/null 2>&1
  have_podman=0
  if command -v podman >/dev/null && podman_ import "$tar" localhost/busybox:latest >/dev/null 2>&1 &&
     podman_ run --rm --network none localhost/busybox true >/dev/null 2>&1; then
    have_podman=1
  else
    echo "note: podman could not run a container here; its columns are skipped"
  fi
}

B() { "${B_cmd[@]}" "$@"; }
podman_() { CONTAINERS_CONF="$work/containers.conf" "${podman_cmd[@]}" "$@"; }

# Runs on any exit, a failed or interrupted bench too: nothing of either engine may stay behind.
bench_cleanup() {
  [ -n "${work:-}" ] && [ -d "$work" ] || return 0
  if [ -n "${B_cmd+x}" ]; then
    B rm -a -f -t 0 >/dev/null 2>&1 || true
  fi
  if [ -n "${podman_cmd+x}" ] && command -v podman >/dev/null; then
    podman_ pod rm -a -f -t 0 >/dev/null 2>&1 || true
    podman_ rm -a -f -t 0 >/dev/null 2>&1 || true
    podman_ system reset -f >/dev/null 2>&1 || true
  fi
  local m
  for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$work/" | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}

# time_ms N CMD... - median milliseconds of CMD over N runs (output discarded). CMD is a program,
# B ARGS or podman_ ARGS, or several of these joined by "::" (run in turn, timed as one run);
# a failing command is reported on stderr, its time still counted. A shell function (create +
# start, which needs the id create prints) is timed by a bash loop instead, for both engines.
time_ms() {
  local n=$1 a start=1 podman=0 i t0
  shift
  # (B and podman_ are functions too, but execed by timeit: a bash loop costs ~3 ms a run)
  if [ "$1" != B ] && [ "$1" != podman_ ] && declare -F "$1" >/dev/null; then
    t0=$(date +%s%N)
    for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 || true; done
    awk -v ns=$(($(date +%s%N) - t0)) -v n="$n" 'BEGIN { printf "%.1f\n", ns / n / 1e6 }'
    return
  fi
  local -a argv=()
  for a in "$@"; do
    if [ $start = 1 ] && [ "$a" = B ]; then
      argv+=("${B_cmd[@]}")
    elif [ $start = 1 ] && [ "$a" = podman_ ]; then
      argv+=("${podman_cmd[@]}")
      podman=1
    else
      argv+=("$a")
    fi
    start=0
    [ "$a" = "::" ] && start=1
  done
  if [ $podman = 1 ]; then
    CONTAINERS_CONF="$work/containers.conf" "$work/timeit" "$n" "${argv[@]}" || true
  else
    "$work/timeit" "$n" "${argv[@]}" || true
  fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
