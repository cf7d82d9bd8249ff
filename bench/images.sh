#!/usr/bin/env bash
# bench/images.sh - `images` with N images (default 200), berth vs Debian's podman, side by side.
# Prints the mean wall time and peak RSS of each and the berth/podman ratios.
#
# Usage: bench/images.sh [N] [RUNS]     (defaults 200 and 5; BERTH_BUILD=dir picks a build,
#                                       default build-ci)
# podman gets its own --root/--runroot and a containers.conf (runtime crun, cgroupfs, file
# events, no raised ulimits), so neither the host's podman store nor its config is touched.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-200}
runs=${2:-5}
build=${BERTH_BUILD:-}
if [ -z "$build" ]; then
  for d in "$top/build-ci" "$top"/build-*; do [ -x "$d/src/berth" ] && { build=$d; break; }; done
fi
berth_bin="$build/src/berth"
[ -x "$berth_bin" ] || { echo "bench/images.sh: no berth binary; build first" >&2; exit 1; }
command -v podman >/dev/null || { echo "bench/images.sh: podman is not installed (scripts/install-deps)" >&2; exit 1; }

work=$(mktemp -d /tmp/berth-bench.XXXXXX)
cleanup() {
  # podman's overlay driver leaves its root's overlay/ mounted on itself
  awk '{print $5}' /proc/self/mountinfo | grep "^$work/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
runtime=crun; command -v runc >/dev/null && runtime=runc
cat >"$work/containers.conf" <<CONF
[engine]
runtime = "$runtime"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$work/containers.conf"
B=("$berth_bin" --root "$work/berth/root" --runroot "$work/berth/run")
P=(podman --root "$work/podman/root" --runroot "$work/podman/run")

# Each image gets its own small layer: images that all share one layer hit a quadratic path in
# podman 4.3's parent/child detection (minutes for 200 images), which is not what users see.
mkdir -p "$work/rootfs/etc"
head -c 65536 /dev/urandom >"$work/rootfs/etc/data"
echo "creating $n images in each store (one small layer each)..."
for i in $(seq 1 "$n"); do
  echo "$i" >"$work/rootfs/etc/bench-id"
  tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
  "${B[@]}" import -q -m "image $i" "$work/rootfs.tar" "bench/img$i:v$i" >/dev/null
  "${P[@]}" import -q -m "image $i" "$work/rootfs.tar" "bench/img$i:v$i" >/dev/null 2>"$work/podman.err" ||
    { echo "podman import $i failed:" >&2; cat "$work/podman.err" >&2; exit 1; }
done
[ "$("${B[@]}" images -q | wc -l)" -eq "$n" ] || { echo "berth: wrong image count" >&2; exit 1; }
pn=$("${P[@]}" images -q 2>"$work/podman.err" | wc -l) || true
[ "$pn" -eq "$n" ] || { echo "podman: $pn images instead of $n" >&2; cat "$work/podman.err" >&2; exit 1; }

# measure CMD...: prints "mean_ms peak_rss_kb" over $runs runs
measure() {
  local total=0 peak=0 t0 t1 rss
  "$@" >/dev/null 2>&1 # warm the page cache
  for _ in $(seq 1 "$runs"); do
    t0=$(date +%s%N)
    rss=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
    t1=$(date +%s%N)
    total=$((total + t1 - t0))
    [ "$rss" -gt "$peak" ] && peak=$rss
  done
  echo "$((total / runs / 1000)) $peak"
}

read -r b_us b_rss < <(measure "${B[@]}" images)
read -r p_us p_rss < <(measure "${P[@]}" images)
read -r bj_us bj_rss < <(measure "${B[@]}" images --format json)
read -r pj_us pj_rss < <(measure "${P[@]}" images --format json)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
printf '%-28s %12s %12s %10s\n' "images ($n images)" berth podman ratio
printf '%-28s %10.1fms %10.1fms %10sx\n' "wall time (mean of $runs)" "$(awk -v v="$b_us" 'BEGIN{print v/1000}')" \
  "$(awk -v v="$p_us" 'BEGIN{print v/1000}')" "$(ratio "$b_us" "$p_us")"
printf '%-28s %10dkB %10dkB %10sx\n' "peak RSS" "$b_rss" "$p_rss" "$(ratio "$b_rss" "$p_rss")"
printf '%-28s %10.1fms %10.1fms %10sx\n' "--format json wall time" "$(awk -v v="$bj_us" 'BEGIN{print v/1000}')" \
  "$(awk -v v="$pj_us" 'BEGIN{print v/1000}')" "$(ratio "$bj_us" "$pj_us")"
printf '%-28s %10dkB %10dkB %10sx\n' "--format json peak RSS" "$bj_rss" "$pj_rss" "$(ratio "$bj_rss" "$pj_rss")"
