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
trap 'kill $bpid $ppid 2>/dev/null; rm -rf "$work"' EXIT
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
  i=0; while [ $i -lt "$runs" ]; do DOCKER_HOST=unix://$sock docker "$@" >/dev/null; i=$((i+1)); done
  echo $(( ($(date +%s%N) - start) / 1000000 / runs ))
}
for what in "ps -a" "run --rm localhost/busybox true"; do
  # shellcheck disable=SC2086
  b=$(timeit "$work/b.sock" $what); p=$(timeit "$work/p.sock" $what)
  echo "docker $what: berth ${b} ms, podman ${p} ms, ratio $(awk "BEGIN{printf \"%.2f\", $b/($p?$p:1)}")"
done
echo "wrk /v4.0.0/libpod/containers/json through berth (tcp://127.0.0.1):"
$B system service --time 0 tcp://127.0.0.1:18765 & tpid=$!
sleep 1
wrk -t2 -c8 -d5s http://127.0.0.1:18765/v4.0.0/libpod/containers/json | grep -E 'Requests/sec|Latency'
kill $tpid
