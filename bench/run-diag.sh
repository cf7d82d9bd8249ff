#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/run.sh - berth's container start-up and listing side by side with Debian's podman and
# bare `runc run`, printing milliseconds per operation (median of the runs) and ratios (berth / other).
#
#   bench/run.sh [-n RUNS] [-b BUILD_DIR]
#
# Each engine gets its own store under a temp dir; podman gets a containers.conf with
# runtime="runc", cgroup_manager="cgroupfs", events_logger="file" and no raised ulimits (its
# defaults fail on this host: hybrid cgroups, no CAP_SYS_RESOURCE, no systemd). Both run
# `--network none` so that neither pays for network setup. Must run as root.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init bench/run.sh 10 "$@"

have_runc=0
if command -v runc >/dev/null; then
  mkdir -p "$work/bundle/rootfs"
  tar -C "$work/bundle/rootfs" -xf "$tar"
  (cd "$work/bundle" && runc spec)
  jq '.process.args = ["true"] | .process.terminal = false |
      .linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{"type":"network"}]' \
    "$work/bundle/config.json" >"$work/bundle/config.json.new" && mv "$work/bundle/config.json.new" "$work/bundle/config.json"
  runc_run=(runc --root "$work/runc-state" run --bundle "$work/bundle" benchrunc)
  "${runc_run[@]}" >/dev/null 2>&1 && have_runc=1
fi

printf '%-34s %10s %10s %10s %12s %12s\n' "operation ($runs runs)" "berth ms" "podman ms" "runc ms" "berth/podman" "berth/runc"

b=$(time_ms "$runs" B run --rm --network none localhost/busybox true)
p=0; r=0
[ $have_podman = 1 ] && p=$(time_ms "$runs" podman_ run --rm --network none localhost/busybox true)
[ $have_runc = 1 ] && r=$(time_ms "$runs" "${runc_run[@]}")
printf '%-34s %10s %10s %10s %12s %12s\n' "run --rm busybox true" "$b" "$p" "$r" "$(ratio "$b" "$p")" "$(ratio "$b" "$r")"

cs_berth() { B start "$(B create --network none localhost/busybox true)"; }
cs_podman() { podman_ start "$(podman_ create --network none localhost/busybox true)"; }
b=$(time_ms "$runs" cs_berth)
p=0
[ $have_podman = 1 ] && p=$(time_ms "$runs" cs_podman)
printf '%-34s %10s %10s %10s %12s %12s\n' "create + start" "$b" "$p" "-" "$(ratio "$b" "$p")" "-"

for ((i = $(B ps -aq | wc -l); i < 50; i++)); do B create --network none localhost/busybox true >/dev/null; done
if [ $have_podman = 1 ]; then
  for ((i = $(podman_ ps -aq | wc -l); i < 50; i++)); do podman_ create --network none localhost/busybox true >/dev/null; done
fi
# the creates above leave writeback (podman's most): let it finish before each engine is timed,
# so that neither pays for the other's disk work
settle() { sync; sleep 2; }
settle
b=$(time_ms "$runs" B ps -a)
echo "DIAG berth ps: $b"; "$work/timeit" 30 "${B_cmd[@]}" ps -a; perf stat -r 30 -e task-clock,page-faults "${B_cmd[@]}" ps -a 2>&1 >/dev/null | grep -E "clock|faults|elapsed"
ls -la "$work/berth/"; strace -c "${B_cmd[@]}" ps -a 2>&1 >/dev/null | head -12
cp -a "$work/berth" /tmp/diag-berth; cp -a "$work/berth-run" /tmp/diag-berth-run
echo "B_cmd: ${B_cmd[*]}"
p=0
p=1; exit 0
printf '%-34s %10s %10s %10s %12s %12s\n' "ps -a (50 containers)" "$b" "$p" "-" "$(ratio "$b" "$p")" "-"

large=${BENCH_PS_LARGE:-500} # podman needs minutes to create 500: BENCH_PS_LARGE=0 skips the row
[ "$large" -gt 50 ] && for ((i = $(B ps -aq | wc -l); i < large; i++)); do B create --network none localhost/busybox true >/dev/null; done
if [ "$large" -gt 50 ]; then
  if [ $have_podman = 1 ]; then
    for ((i = $(podman_ ps -aq | wc -l); i < large; i++)); do podman_ create --network none localhost/busybox true >/dev/null; done
  fi
  b=$(time_ms "$runs" B ps -a)
  p=0
  [ $have_podman = 1 ] && p=$(time_ms "$runs" podman_ ps -a)
  printf '%-34s %10s %10s %10s %12s %12s\n' "ps -a ($large containers)" "$b" "$p" "-" "$(ratio "$b" "$p")" "-"
fi

# peak RSS of the CLI (ps -a) and of a monitor
rss_b=$( { /usr/bin/time -f '%M' "${B_cmd[@]}" ps -a >/dev/null; } 2>&1 | tail -1)
rss_p=0
[ $have_podman = 1 ] && rss_p=$( { CONTAINERS_CONF="$work/containers.conf" /usr/bin/time -f '%M' "${podman_cmd[@]}" ps -a >/dev/null; } 2>&1 | tail -1)
printf '%-34s %10s %10s %10s %12s %12s\n' "peak RSS of ps -a (KB)" "$rss_b" "$rss_p" "-" "$(ratio "$rss_b" "$rss_p")" "-"
id=$(B run -d --network none localhost/busybox sleep 60)
mon=$(B container inspect --format '{{.State.ConmonPid}}' "$id")
rss_m=$(awk '/VmHWM/ {print $2}' "/proc/$mon/status" 2>/dev/null || echo 0)
printf '%-34s %10s %10s %10s %12s %12s\n' "peak RSS of a monitor (KB)" "$rss_m" "-" "-" "-" "-"
B rm -f "$id" >/dev/null
