#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/api.sh - the docker client through berth's API vs through Debian's podman system
# service, in one run, printing ratios; then wrk on /libpod/containers/json against berth.
# Usage: bench/api.sh [BUILD_DIR] [RUNS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
runs=${2:-10}
work=$(mktemp -d /tmp/berth-bench-api.XXXXXX)
bpid= ppid=
cleanup() {
  kill $bpid $ppid 2>/dev/null || true
  # a failed podman run can leave its container mounted: remove it before the files
  podman --root "$work/proot" --runroot "$work/prun" rm -af >/dev/null 2>&1 || true
  awk '{print $5}' /proc/self/mountinfo | grep "^$work/" | sort -r | xargs -r umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export CONTAINERS_CONF=$work/c.conf CONTAINERS_STORAGE_CONF=$work/s.conf
: >"$CONTAINERS_CONF"
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/proot"\nrunroot = "%s/prun"\n' \
  "$work" "$work" >"$CONTAINERS_STORAGE_CONF"
B="$build/src/berth --root $work/broot --runroot $work/brun"
mkdir -p "$work/bb/bin"; cp /bin/busybox "$work/bb/bin/"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$work/bb/bin/$a"; done
tar -C "$work/bb" -cf "$work/bb.tar" .
$B import "$work/bb.tar" localhost/busybox:latest >/dev/null
podman --root "$work/proot" --runroot "$work/prun" import "$work/bb.tar" localhost/busybox:latest >/dev/null
$B system service --time 0 "unix://$work/b.sock" & bpid=$!
podman --root "$work/proot" --runroot "$work/prun" system service --time 0 "unix://$work/p.sock" & ppid=$!
sleep 2

# ms TOTAL for RUNS runs of "docker ARGS" against SOCK
timeit() {
  sock=$1; shift
  start=$(date +%s%N)
  i=0; while [ $i -lt "$runs" ]; do
    DOCKER_HOST=unix://$sock docker "$@" >/dev/null 2>"$work/err" || { echo "failed ($(head -c 80 "$work/err"))"; return; }
    i=$((i+1))
  done
  echo $(( ($(date +%s%N) - start) / 1000000 / runs ))
}
for what in "ps -a" "run --rm localhost/busybox true"; do
  # shellcheck disable=SC2086
  b=$(timeit "$work/b.sock" $what); p=$(timeit "$work/p.sock" $what)
  case "$b$p" in *failed*) echo "docker $what: berth ${b} ms, podman ${p} ms"; continue ;; esac
  echo "docker $what: berth ${b} ms, podman ${p} ms, ratio $(awk "BEGIN{printf \"%.2f\", $b/($p?$p:1)}")"
done
# The docker CLI's own start-up dominates the numbers above: time the API call alone too,
# curl's time_total per request (one connection per request, as the docker CLI makes).
apitime() { # SOCK PATH: mean ms of RUNS requests
  curl -s -o /dev/null --unix-socket "$1" "http://d$2" # warm-up: podman's first answer is slow
  i=0 urls=
  while [ $i -lt "$runs" ]; do urls="$urls http://d$2"; i=$((i+1)); done
  # shellcheck disable=SC2086
  curl -s -o /dev/null --unix-socket "$1" -w '%{time_total}\n' -H 'Connection: close' $urls |
    awk '{s += $1} END {printf "%.2f", s * 1000 / NR}'
}
for path in /v1.44/containers/json?all=1 /v1.44/images/json /v4.0.0/libpod/containers/json?all=true; do
  b=$(apitime "$work/b.sock" "$path"); p=$(apitime "$work/p.sock" "$path")
  echo "GET $path (curl): berth ${b} ms, podman ${p} ms, ratio $(awk "BEGIN{printf \"%.2f\", $b/($p>0?$p:1)}")"
done
echo "wrk /v4.0.0/libpod/containers/json through berth (tcp://127.0.0.1):"
$B system service --time 0 tcp://127.0.0.1:18765 & tpid=$!
sleep 1
wrk -t2 -c8 -d5s http://127.0.0.1:18765/v4.0.0/libpod/containers/json | grep -E 'Requests/sec|Latency'
kill $tpid
