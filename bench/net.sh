#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/net.sh - published ports, berth vs Debian's podman, in one run (root):
#   1. time from `run -d -p` to the first HTTP answer on 127.0.0.1;
#   2. throughput of a 512 MiB download through the published port.
# Prints milliseconds, MB/s and ratios. podman needs CNI plugins for -p as root
# (containernetworking-plugins); where it cannot publish, its column says n/a.
#   bench/net.sh [-b BUILD_DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-}
[ "${1:-}" = -b ] && build=$2
[ -n "$build" ] || for d in "$top/build-ci" "$top"/build*; do [ -x "$d/src/berth" ] && { build=$d; break; }; done
[ "$(id -u)" -eq 0 ] || { echo "bench/net.sh: run as root" >&2; exit 1; }

work=$(mktemp -d /tmp/berth-bench-net.XXXXXX)
B() { "$build/src/berth" --root "$work/berth" --runroot "$work/berth-run" "$@"; }
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
P() { CONTAINERS_CONF="$work/containers.conf" podman --root "$work/podman" --runroot "$work/podman-run" "$@"; }
cleanup() {
  B rm -af -t 0 >/dev/null 2>&1 || true
  P rm -af -t 0 >/dev/null 2>&1 || true
  P system reset -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

tar=$("$top/tests/lib/make-busybox-tar")
B import "$tar" localhost/busybox >/dev/null
P import "$tar" localhost/busybox >/dev/null 2>&1 || true
serve='mkdir -p /www && dd if=/dev/zero of=/www/big bs=1M count=512 2>/dev/null && echo ok > /www/index.html && exec httpd -f -p 80 -h /www'

first_answer_ms() { # $1 = engine function, $2 = port
  local start end
  start=$(date +%s%N)
  "$1" run -d --name "bench-$2" -p "127.0.0.1:$2:80" localhost/busybox sh -c 'echo ok > /index.html; exec httpd -f -p 80 -h /' >/dev/null 2>&1 || { echo n/a; return; }
  for _ in $(seq 2000); do curl -sf --max-time 1 "http://127.0.0.1:$2/" >/dev/null 2>&1 && break; sleep 0.005; done
  end=$(date +%s%N)
  "$1" rm -f -t 0 "bench-$2" >/dev/null 2>&1
  echo $(( (end - start) / 1000000 ))
}

throughput_mbs() { # $1 = engine function, $2 = port
  "$1" run -d --name "bench-t$2" -p "127.0.0.1:$2:80" localhost/busybox sh -c "$serve" >/dev/null 2>&1 || { echo n/a; return; }
  for _ in $(seq 600); do curl -sf --max-time 1 "http://127.0.0.1:$2/index.html" >/dev/null 2>&1 && break; sleep 0.1; done
  local bps
  bps=$(curl -s -o /dev/null --max-time 60 -w '%{speed_download}' "http://127.0.0.1:$2/big" || echo 0)
  "$1" rm -f -t 0 "bench-t$2" >/dev/null 2>&1
  awk -v b="$bps" 'BEGIN { printf "%.0f", b / 1048576 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }

bf=$(first_answer_ms B 18301); pf=$(first_answer_ms P 18302)
bt=$(throughput_mbs B 18303); pt=$(throughput_mbs P 18304)
printf '%-34s %10s %10s %8s\n' "" berth podman ratio
printf '%-34s %10s %10s %8s\n' "run -d -p → first answer (ms)" "$bf" "$pf" "$(ratio "$bf" "$pf")"
printf '%-34s %10s %10s %8s\n' "512 MiB through the port (MB/s)" "$bt" "$pt" "$(ratio "$bt" "$pt")"
