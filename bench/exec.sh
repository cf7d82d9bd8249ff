#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/exec.sh - `exec true` into a running container, `top`, `pause`+`unpause` and
# `stats --no-stream` with 20 containers, berth vs
# Debian's podman (own --root/--runroot, runc, cgroupfs; the host's store is not touched).
# Target (issue 4): berth exec <= 0.1x podman's.
#
# Usage: bench/exec.sh [-n RUNS] [-b BUILD_DIR]     (as root; defaults 20 and the first build)
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init bench/exec.sh 20 "$@"

B run -d --name benchexec --network none localhost/busybox sleep 100000 >/dev/null
[ $have_podman = 1 ] && ! podman_ run -d --name benchexec --network none localhost/busybox sleep 100000 >/dev/null 2>&1 &&
  have_podman=0

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
b=$(time_ms "$runs" B pause benchexec :: B unpause benchexec); p=0
[ $have_podman = 1 ] && p=$(time_ms "$runs" podman_ pause benchexec :: podman_ unpause benchexec)
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
