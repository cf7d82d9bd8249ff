#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/transfer.sh - push and pull speed of berth against skopeo (and podman) on one machine,
# side by side in one run, against Debian's docker-registry on 127.0.0.1.
#
# Images: "big" (one ~105 MB incompressible layer) and "many" (20 small layers), as OCI layouts.
# push = copy oci: → docker://; pull = docker:// → oci: (berth copy vs skopeo copy), and
# pull into the local store (berth pull vs podman pull). Each figure is the median of $RUNS runs
# (default 3). Prints seconds and the ratio peer/berth (> 1: berth is faster), for wall-clock
# time and for CPU time (user + sys of the tool and its children): on a shared machine the wall
# clock mostly measures the others' load, the CPU time what each tool itself costs.
#
# The last columns are the registry's own CPU time during the run (median): when the client's
# CPU time is far below its wall time, that column says whether the server was the one working.
#
# Usage: bench/transfer.sh [BUILD_DIR]      (default: build-ci, else the first build-* found)
#   BENCH_REGISTRY=berth serves with the build's berth-registry instead of Debian's
#   docker-registry (same configuration file), to see the clients without distribution's cost.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-}
if [ -z "$build" ]; then
  for d in "$top/build-ci" "$top"/build-*; do [ -x "$d/src/berth" ] && { build=$d; break; }; done
fi
berth_bin="$build/src/berth"
[ -x "$berth_bin" ] || { echo "bench/transfer.sh: build berth first (no $berth_bin)" >&2; exit 1; }
RUNS=${RUNS:-3}

work=$(mktemp -d /var/tmp/berth-bench.XXXXXX)
reg_pid=
cleanup() {
  if [ -n "$reg_pid" ]; then kill "$reg_pid" 2>/dev/null; wait "$reg_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export CONTAINERS_REGISTRIES_CONF="$work/registries.conf" REGISTRY_AUTH_FILE="$work/auth.json"
export XDG_CACHE_HOME="$work/cache" # berth's caches stay in the bench's dir
: >"$CONTAINERS_REGISTRIES_CONF"
echo '{"auths":{}}' >"$REGISTRY_AUTH_FILE"

port=$(( (RANDOM % 20000) + 30000 ))
mkdir -p "$work/reg"
printf 'version: 0.1\nlog: {level: error}\nstorage:\n  filesystem: {rootdirectory: %s}\nhttp: {addr: 127.0.0.1:%s}\n' \
  "$work/reg" "$port" >"$work/reg.yml"
if [ "${BENCH_REGISTRY:-}" = berth ]; then
  env -u REGISTRY_AUTH_FILE "$build/src/registry/berth-registry" serve "$work/reg.yml" >"$work/reg.log" 2>&1 &
else
  env -u REGISTRY_AUTH_FILE docker-registry serve "$work/reg.yml" >"$work/reg.log" 2>&1 &
fi
reg_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
reg=127.0.0.1:$port

# layout DIR N SIZE_KB - an OCI layout with N layers of SIZE_KB random kilobytes each.
layout() {
  local dir=$1 n=$2 kb=$3 i hex size diff layers="" diffs=""
  mkdir -p "$dir/blobs/sha256" "$work/tmp"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  for i in $(seq 1 "$n"); do
    rm -rf "$work/tmp/c"; mkdir -p "$work/tmp/c"
    head -c "${kb}K" /dev/urandom >"$work/tmp/c/data$i"
    tar -C "$work/tmp/c" -cf "$work/tmp/l.tar" .
    diff=$(sha256sum <"$work/tmp/l.tar" | cut -d' ' -f1)
    gzip -1 -n -f "$work/tmp/l.tar"
    hex=$(sha256sum <"$work/tmp/l.tar.gz" | cut -d' ' -f1); size=$(stat -c %s "$work/tmp/l.tar.gz")
    mv "$work/tmp/l.tar.gz" "$dir/blobs/sha256/$hex"
    layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$hex\",\"size\":$size}"
    diffs="$diffs${diffs:+,}\"sha256:$diff\""
  done
  printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" >"$work/tmp/cfg"
  hex=$(sha256sum <"$work/tmp/cfg" | cut -d' ' -f1); size=$(stat -c %s "$work/tmp/cfg")
  mv "$work/tmp/cfg" "$dir/blobs/sha256/$hex"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$hex" "$size" "$layers" >"$work/tmp/man"
  hex=$(sha256sum <"$work/tmp/man" | cut -d' ' -f1); size=$(stat -c %s "$work/tmp/man")
  mv "$work/tmp/man" "$dir/blobs/sha256/$hex"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$hex" "$size" >"$dir/index.json"
}

echo "preparing images (big: 1 x 105 MB layer, many: 20 x 64 KB layers)..."
layout "$work/big" 1 $((105 * 1024))
layout "$work/many" 20 64

seq_id=0
reg_ticks() { awk '{print $14 + $15}' "/proc/$reg_pid/stat"; }
# timed CMD... - "wall cpu registry-cpu" seconds of one run (cpu: user + sys of CMD and its
# children; registry-cpu: what the registry spent meanwhile)
timed() {
  local t0; t0=$(reg_ticks)
  /usr/bin/time -o "$work/time" -f "%e %U %S" "$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; return 1; }
  awk -v r=$(( $(reg_ticks) - t0 )) -v hz="$(getconf CLK_TCK)" '{printf "%.4f %.4f %.4f\n", $1, $2 + $3, r / hz}' "$work/time"
}
# median - the median of each column, each on its own
median() {
  local rows c; rows=$(cat)
  for c in 1 2 3; do
    printf '%s ' "$(cut -d' ' -f$c <<<"$rows" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}')"
  done
}

# measure NAME -- prints the median of $RUNS runs of the command built by bench_cmd NAME RUN
measure() {
  local kind=$1 tool=$2 img=$3 i
  for i in $(seq 1 "$RUNS"); do
    seq_id=$((seq_id + 1))
    local repo="$reg/bench/$img-$tool-$seq_id"
    case "$kind/$tool" in
      push/berth)  timed "$berth_bin" copy -q --dest-tls-verify=false "oci:$work/$img:latest" "docker://$repo:t" ;;
      push/skopeo) timed skopeo copy -q --dest-tls-verify=false "oci:$work/$img:latest" "docker://$repo:t" ;;
      pull/berth)  rm -rf "$work/out"; timed "$berth_bin" copy -q --src-tls-verify=false "docker://$reg/bench/$img-src:t" "oci:$work/out:t" ;;
      pull/skopeo) rm -rf "$work/out"; timed skopeo copy -q --src-tls-verify=false "docker://$reg/bench/$img-src:t" "oci:$work/out:t" ;;
      store/berth)
        rm -rf "$work/bs"; mkdir -p "$work/bs"
        timed "$berth_bin" --root "$work/bs/root" --runroot "$work/bs/run" pull -q --tls-verify=false "$reg/bench/$img-src:t" ;;
      store/podman)
        rm -rf "$work/ps" /tmp/bench-prun; mkdir -p "$work/ps" /tmp/bench-prun
        timed env -u CONTAINERS_CONF -u CONTAINERS_STORAGE_CONF podman --root "$work/ps/root" --runroot /tmp/bench-prun \
          --storage-driver vfs pull -q --tls-verify=false "$reg/bench/$img-src:t" ;;
    esac
  done | median
}

for img in big many; do
  "$berth_bin" copy -q --dest-tls-verify=false "oci:$work/$img:latest" "docker://$reg/bench/$img-src:t"
done

echo "registry: ${BENCH_REGISTRY:-docker-registry}; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-28s %8s %8s %8s   %8s %8s %8s   %9s %9s\n' "operation" "berth s" "peer s" "ratio" "berth cpu" "peer cpu" "ratio" \
  "reg cpu b" "reg cpu p"
ratio() { awk -v p="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", p / b; else print "?"}'; }
row() {
  local label=$1 kind=$2 peer=$3 img=$4 b p
  b=$(measure "$kind" berth "$img") || b="nan nan nan"
  p=$(measure "$kind" "$peer" "$img") || p="nan nan nan"
  set -- $b $p
  printf '%-28s %8s %8s %8s   %8s %8s %8s   %9s %9s\n' "$label" "$1" "$4" "$(ratio "$4" "$1")" "$2" "$5" \
    "$(ratio "$5" "$2")" "$3" "$6"
}
row "push big (skopeo)" push skopeo big
row "push many (skopeo)" push skopeo many
row "pull big to oci: (skopeo)" pull skopeo big
row "pull many to oci: (skopeo)" pull skopeo many
row "pull big to store (podman)" store podman big
row "pull many to store (podman)" store podman many
rm -rf /tmp/bench-prun
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
