#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/net.sh - published ports, berth vs Debian's podman 4.3, root and rootless, in one run:
#   1. time from `run -d -p 127.0.0.1:PORT:80` to the first HTTP answer on 127.0.0.1:PORT;
#   2. throughput of a 1 GiB download (curl from the host, busybox httpd in the container)
#      through the published port.
# Prints medians over RUNS (engines interleaved in every round, so that load from other users
# of the machine hits all of them alike), MB/s, and ratios (>1 is better for berth on both rows:
# podman ms / berth ms, berth MB/s / podman MB/s).
#
# Paths compared (podman 4.3 has no pasta network mode, so no like-for-like pasta column):
#   root      berth: pasta (passt package) joins the container's netns and binds the ports;
#             the host's own clients go through the kernel instead: a veth pair and an
#             nftables DNAT on the output hook (src/lib/network/local_forward.h).
#             podman: CNI bridge + portmap plugin (iptables DNAT, route_localnet), the kernel
#             forwards through a veth pair; conmon holds the host port.
#   rootless  berth: pasta as the user, in the container's user namespace (same splice path).
#             podman: slirp4netns for outbound traffic + rootlessport (a userspace proxy
#             that accepts on the host and connects into the namespace).
#
#   bench/net.sh [-n RUNS] [-b BUILD_DIR]      (root; creates and removes a test user)
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init bench/net.sh 5 "$@"

# rootless: a user of our own, with berth's and podman's stores under $work
rl_user=$("$top/tests/lib/rootless-user.sh" create berth-bench-net)
"$top/tests/lib/rootless-user.sh" hold $$
bench_net_cleanup() {
  RB rm -a -f -t 0 >/dev/null 2>&1 || true
  RP rm -a -f -t 0 >/dev/null 2>&1 || true
  RP system reset -f >/dev/null 2>&1 || true
  bench_cleanup
  "$top/tests/lib/rootless-user.sh" release $$ || true
}
trap bench_net_cleanup EXIT
chmod 755 "$work"
rl="$work/rl"
mkdir -p "$rl/xdg"
chmod 700 "$rl/xdg"
cp "$work/containers.conf" "$tar" "$rl/"
chown -R "$rl_user:" "$rl"
as_user() { # CMD... as the test user (arguments quoted through su)
  local q="" a
  for a in "$@"; do q+=" $(printf '%q' "$a")"; done
  su "$rl_user" -s /bin/sh -c "cd /tmp && export XDG_RUNTIME_DIR='$rl/xdg' CONTAINERS_CONF='$rl/containers.conf';$q" </dev/null
}
RB() { as_user "$build/src/berth" --root "$rl/berth" --runroot "$rl/berth-run" "$@"; }
RP() { as_user podman --root "$rl/podman" --runroot "$rl/podman-run" "$@"; }
RB import "$rl/${tar##*/}" localhost/busybox:latest >/dev/null 2>&1
have_rp=0
RP import "$rl/${tar##*/}" localhost/busybox:latest >/dev/null 2>&1 && have_rp=1

# 1 GiB sparse file: no disk, and reading it costs the server next to nothing
serve='mkdir -p /www && echo ok > /www/index.html && dd if=/dev/zero of=/www/big bs=1 count=0 seek=1073741824 2>/dev/null && exec httpd -f -p 80 -h /www'
hello='echo ok > /index.html; exec httpd -f -p 80 -h /'

now_ns() { date +%s%N; }

first_answer_ms() { # $1 = engine function, $2 = port
  local start end
  start=$(now_ns)
  "$1" run -d --name "bench-$2" -p "127.0.0.1:$2:80" localhost/busybox sh -c "$hello" >/dev/null 2>&1 || { echo n/a; return; }
  for _ in $(seq 4000); do curl -sf --max-time 1 "http://127.0.0.1:$2/" >/dev/null 2>&1 && break; sleep 0.005; done
  end=$(now_ns)
  "$1" rm -f -t 0 "bench-$2" >/dev/null 2>&1
  echo $(((end - start) / 1000000))
}

serve_big() { # $1 = engine function, $2 = port: a server for the transfers
  "$1" run -d --name "bench-t$2" -p "127.0.0.1:$2:80" localhost/busybox sh -c "$serve" >/dev/null 2>&1 || return 1
  for _ in $(seq 600); do
    if curl -sf --max-time 1 "http://127.0.0.1:$2/index.html" >/dev/null 2>&1; then
      # one untimed download: the first one of each server runs at a third of the speed
      curl -s -o /dev/null --max-time 120 "http://127.0.0.1:$2/big" || true
      return 0
    fi
    sleep 0.1
  done
  return 1
}

mbs() { # $1 = port: MB/s of one 1 GiB download (0 when incomplete)
  curl -s -o /dev/null --max-time 120 -w '%{size_download} %{speed_download}\n' "http://127.0.0.1:$1/big" |
    awk '{ if ($1 == 1073741824) printf "%.0f\n", $2 / 1000000; else print 0 }' || echo 0
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0 || a[1] == "n/a") print "n/a"; else print a[int((NR + 1) / 2)] }'; }
better() { # $1 = berth, $2 = podman, $3 = higher|lower is better: ratio > 1 means berth wins
  awk -v b="$1" -v p="$2" -v d="$3" 'BEGIN {
    if (b == "n/a" || p == "n/a" || b == 0 || p == 0) print "n/a";
    else printf "%.2f", d == "lower" ? p / b : b / p }'
}

engines=(B podman_ RB RP)
declare -A ok=([B]=1 [podman_]=$have_podman [RB]=1 [RP]=$have_rp)
declare -A fa tp
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
for ((i = 0; i < runs; i++)); do
  p=0
  for e in "${engines[@]}"; do
    p=$((p + 1))
    ((ok[$e])) || continue
    fa[$e]+="$(first_answer_ms "$e" $((18300 + p))) "
  done
done
p=0
for e in "${engines[@]}"; do
  p=$((p + 1))
  ((ok[$e])) && serve_big "$e" $((18310 + p)) || ok[$e]=0
done
for ((i = 0; i < runs; i++)); do
  p=0
  for e in "${engines[@]}"; do
    p=$((p + 1))
    ((ok[$e])) || continue
    tp[$e]+="$(mbs $((18310 + p))) "
  done
done
for e in "${engines[@]}"; do "$e" rm -a -f -t 0 >/dev/null 2>&1 || true; done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"

row() { # label, berth samples, podman samples, higher|lower
  local b p
  b=$(tr ' ' '\n' <<<"$2" | grep . | median)
  p=$(tr ' ' '\n' <<<"$3" | grep . | median)
  printf '%-36s %8s %8s %6s   berth: %s| podman: %s\n' "$1" "$b" "${p:-n/a}" "$(better "$b" "${p:-n/a}" "$4")" "$2" "${3:-n/a }"
}
printf '%-36s %8s %8s %6s   %s\n' "median of $runs" berth podman ratio samples
row "root: run -d -p → first answer (ms)" "${fa[B]:-}" "${fa[podman_]:-}" lower
row "rootless: same (ms)" "${fa[RB]:-}" "${fa[RP]:-}" lower
row "root: 1 GiB through the port (MB/s)" "${tp[B]:-}" "${tp[podman_]:-}" higher
row "rootless: same (MB/s)" "${tp[RB]:-}" "${tp[RP]:-}" higher
