#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/exec.sh - `exec true` into a running container, `top`, `pause`+`unpause` and
# `stats --no-stream` with 20 containers, berth vs
# Debian's podman (own --root/--runroot, runc, cgroupfs; the host's store is not touched).
# Target (issue 4): berth exec <= 0.1x podman's.
#
# Usage: bench/exec.sh [-n RUNS] [-b BUILD_DIR]     (as root; defaults 20 and the first build)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=20
build=""
while getopts "n:b:" o; do
  case "$o" in
  n) runs=$OPTARG ;;
  b) build=$OPTARG ;;
  *) echo "usage: $0 [-n RUNS] [-b BUILD_DIR]" >&2; exit 2 ;;
  esac
done
if [ -z "$build" ]; then
  for d in "$top/build-ci" "$top"/build-*; do
    [ -x "$d/src/berth" ] && [ -x "$d/src/berth-monitor" ] && { build=$d; break; }
  done
fi
[ -x "$build/src/berth" ] || { echo "bench/exec.sh: build berth first (meson setup build-ci && ninja -C build-ci)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench/exec.sh: run as root" >&2; exit 1; }

work=$(mktemp -d /tmp/berth-bench.XXXXXX)
B() { "$build/src/berth" --root "$work/berth" --runroot "$work/berth-run" "$@"; }
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
podman_() {
  CONTAINERS_CONF="$work/containers.conf" podman --root "$work/podman" --runroot "$work/podman-run" \
    --storage-driver overlay "$@"
}
cleanup() {
  B rm -a -f -t 0 >/dev/null 2>&1 || true
  podman_ rm -a -f -t 0 >/dev/null 2>&1 || true
  podman_ system reset -f >/dev/null 2>&1 || true
  for m in $(awk '{print $5}' /proc/self/mountinfo | grep "^$work/" | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
time_ms() {
  local n=$1 i start end
  shift
  start=$(now_ns)
  for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
  end=$(now_ns)
  echo $(( (end - start) / n / 1000000 ))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

tar=$("$top/tests/lib/make-busybox-tar")
B import --change 'CMD ["/bin/sh"]' "$tar" localhost/busybox:latest >/dev/null
B run -d --name benchexec --network none localhost/busybox sleep 100000 >/dev/null
have_podman=0
if command -v podman >/dev/null && podman_ import "$tar" localhost/busybox:latest >/dev/null 2>&1 &&
   podman_ run -d --name benchexec --network none localhost/busybox sleep 100000 >/dev/null 2>&1; then
  have_podman=1
else
  echo "note: podman could not run a container here; its column is skipped"
fi

printf '%-28s %10s %10s %12s\n' "operation ($runs runs)" "berth ms" "podman ms" "berth/podman"
row() {
  local name=$1 b p=0
  shift
  b=$(time_ms "$runs" B "$@")
  [ $have_podman = 1 ] && p=$(time_ms "$runs" podman_ "$@")
  printf '%-28s %10s %10s %12s\n' "$name" "$b" "$p" "$(ratio "$b" "$p")"
}
row "exec true" exec benchexec true
row "top" top benchexec
pu_berth() { B pause benchexec && B unpause benchexec; }
b=$(time_ms "$runs" pu_berth); p=0
pu_podman() { podman_ pause benchexec && podman_ unpause benchexec; }
[ $have_podman = 1 ] && p=$(time_ms "$runs" pu_podman)
printf '%-28s %10s %10s %12s\n' "pause + unpause" "$b" "$p" "$(ratio "$b" "$p")"

# stats --no-stream with 20 running containers (issue 4); benchexec is one of them
for i in $(seq 1 19); do
  B run -d --name "benchstat$i" --network none localhost/busybox sleep 100000 >/dev/null
  [ $have_podman = 1 ] &&
    podman_ run -d --name "benchstat$i" --network none localhost/busybox sleep 100000 >/dev/null
done
[ "$(B stats --no-stream --format '{{.Name}}' | wc -l)" -eq 20 ] ||
  { echo "bench/exec.sh: berth stats does not show 20 containers" >&2; exit 1; }
row "stats --no-stream (20 ctrs)" stats --no-stream
