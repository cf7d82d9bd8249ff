# SPDX-License-Identifier: Apache-2.0
# bench/lib.sh - set-up shared by bench/run.sh and bench/exec.sh (sourced, not run):
# options -n RUNS -b BUILD_DIR, a temp work dir, berth (B) and Debian's podman (podman_) on
# their own stores, timing helpers, the busybox image for both and the cleanup trap.
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

B() { "$build/src/berth" --root "$work/berth" --runroot "$work/berth-run" "$@"; }
podman_() {
  CONTAINERS_CONF="$work/containers.conf" podman --root "$work/podman" --runroot "$work/podman-run" \
    --storage-driver overlay "$@"
}

bench_cleanup() {
  B rm -a -f -t 0 >/dev/null 2>&1 || true
  podman_ rm -a -f -t 0 >/dev/null 2>&1 || true
  podman_ system reset -f >/dev/null 2>&1 || true
  local m
  for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$work/" | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}

now_ns() { date +%s%N; }
# time_ms N CMD... - average milliseconds of CMD over N runs (output discarded)
time_ms() {
  local n=$1 i start end
  shift
  start=$(now_ns)
  for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
  end=$(now_ns)
  echo $(( (end - start) / n / 1000000 ))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
