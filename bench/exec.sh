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
# an array, not only a function, so that timeout(1) can run it in cleanup
podman_argv=(env "CONTAINERS_CONF=$work/containers.conf" podman --root "$work/podman"
  --runroot "$work/podman-run" --storage-driver overlay)
podman_() { "${podman_argv[@]}" "$@"; }
podman_ids=()
podman_pids=() # "PID ID": each container's process and its conmon, for a last-resort kill
# podman_run NAME ARGS... - start a podman container and remember its id and pids for cleanup
podman_run() {
  local p
  id=$(podman_ run -d --name "$@") || return 1
  podman_ids+=("$id")
  for p in $(podman_ inspect --format '{{.State.Pid}} {{.State.ConmonPid}}' "$id"); do
    podman_pids+=("$p $id")
  done
}
# kill_leftover PID ID - kill PID if it is still ID's process or conmon (not a reused pid)
kill_leftover() {
  [ "$1" -gt 0 ] 2>/dev/null || return 0
  grep -qs "$2" "/proc/$1/cgroup" || { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null |
    grep -q -- "-c $2" || return 0
  kill -9 "$1" 2>/dev/null
}
# unmount_work - unmount everything below $work, deepest first, until nothing is left
unmount_work() {
  local m _
  for _ in 1 2 3 4 5; do
    m=$(awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    [ -n "$m" ] || return 0
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done <<<"$m"
  done
  ! awk -v w="$work/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo
}
cleaned=0
cleanup() {
  local p
  [ $cleaned = 0 ] || return 0
  cleaned=1
  set +e
  trap '' INT TERM HUP
  timeout 60 "$build/src/berth" --root "$work/berth" --runroot "$work/berth-run" \
    rm -a -f -t 0 >/dev/null 2>&1
  # podman's containers by the ids it printed (and any other of this private store, e.g. one
  # whose start failed): unpaused first, as rm -f may refuse a frozen one
  if [ -d "$work/podman" ]; then
    mapfile -t -O "${#podman_ids[@]}" podman_ids < <(timeout 30 "${podman_argv[@]}" ps -aq --no-trunc 2>/dev/null)
  fi
  if [ ${#podman_ids[@]} -gt 0 ]; then
    timeout 30 "${podman_argv[@]}" unpause --all >/dev/null 2>&1
    timeout 120 "${podman_argv[@]}" rm -f -t 0 "${podman_ids[@]}" >/dev/null 2>&1
  fi
  # whatever rm could not end, by pid
  for p in "${podman_pids[@]}"; do kill_leftover "${p% *}" "${p#* }"; done
  if [ -d "$work/podman" ]; then
    timeout 30 "${podman_argv[@]}" rm -a -f -t 0 >/dev/null 2>&1
    timeout 30 "${podman_argv[@]}" umount -a -f >/dev/null 2>&1
    timeout 60 "${podman_argv[@]}" system reset -f >/dev/null 2>&1
  fi
  if unmount_work; then
    rm -rf --one-file-system "$work"
  else
    echo "bench/exec.sh: mounts are left under $work; not removing it" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

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
   podman_run benchexec --network none localhost/busybox sleep 100000 >/dev/null 2>&1; then
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
    podman_run "benchstat$i" --network none localhost/busybox sleep 100000 >/dev/null
done
[ "$(B stats --no-stream --format '{{.Name}}' | wc -l)" -eq 20 ] ||
  { echo "bench/exec.sh: berth stats does not show 20 containers" >&2; exit 1; }
row "stats --no-stream (20 ctrs)" stats --no-stream
