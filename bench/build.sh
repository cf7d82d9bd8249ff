#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/build.sh - `build` of a small Containerfile (ENV, WORKDIR, COPY, RUN, CMD) and `commit`
# of a container that wrote a file, berth vs Debian's podman (overlay; --isolation chroot and
# --layers=false, since podman's crun refuses this host's hybrid cgroups), printing ratios.
# Usage: bench/build.sh [BUILD_DIR] [RUNS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
runs=${2:-3}
work=$(mktemp -d /tmp/berth-bench-build.XXXXXX)
B="$build/src/berth --root $work/broot --runroot $work/brun"
P="podman --root $work/proot --runroot $work/prun --storage-driver overlay"
trap '$P system reset -f >/dev/null 2>&1 || true; $B rm -af >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export CONTAINERS_CONF=$work/c.conf CONTAINERS_STORAGE_CONF=$work/s.conf
: >"$CONTAINERS_CONF"
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/proot"\nrunroot = "%s/prun"\n' \
  "$work" "$work" >"$CONTAINERS_STORAGE_CONF"
tar=$("$top/tests/lib/make-busybox-tar")
$B import "$tar" localhost/busybox:latest >/dev/null
$P import "$tar" localhost/busybox:latest >/dev/null 2>&1
mkdir -p "$work/ctx"; echo hello >"$work/ctx/hello.txt"
cat >"$work/ctx/Containerfile" <<'CF'
FROM localhost/busybox
ENV APP=/app
WORKDIR /app
COPY hello.txt .
RUN echo built >stamp
CMD ["cat", "/app/hello.txt"]
CF
$B run --name c localhost/busybox sh -c 'echo x >/y'
$P create --name c localhost/busybox sh -c 'echo x >/y' >/dev/null

# ms per run of "$@"
timeit() {
  start=$(date +%s%N)
  i=0; while [ $i -lt "$runs" ]; do "$@" >/dev/null 2>&1; i=$((i+1)); done
  echo $(( ($(date +%s%N) - start) / 1000000 / runs ))
}
b=$(timeit $B build -q -t b "$work/ctx"); p=$(timeit $P build -q --isolation chroot --layers=false -t p "$work/ctx")
echo "build: berth ${b} ms, podman ${p} ms, ratio $(awk "BEGIN{printf \"%.2f\", $b/($p?$p:1)}")"
b=$(timeit $B commit -q c); p=$(timeit $P commit -q c)
echo "commit: berth ${b} ms, podman ${p} ms, ratio $(awk "BEGIN{printf \"%.2f\", $b/($p?$p:1)}")"
