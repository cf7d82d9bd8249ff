#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/api.sh - berth's REST API (berth system service) side by side with Debian's podman
# system service, printing median milliseconds and ratios (berth / podman):
#   - the docker client: `docker ps -a` and `docker run --rm --network none` through each socket
#     (the docker CLI's own start-up is most of these numbers);
#   - one API call alone: the median of curl's time_total per request, one connection per
#     request as the docker CLI makes them, and on one keep-alive connection;
#   - wrk on /libpod/containers/json (keep-alive connections) against each, over tcp.
#
#   bench/api.sh [-n RUNS] [-b BUILD_DIR]
#
# Both list the same three created containers. podman gets bench/lib.sh's containers.conf (its
# defaults fail on this host). Must run as root.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
bench_init bench/api.sh 20 "$@"
[ "$have_podman" = 1 ] || { echo "bench/api.sh: podman cannot run containers here" >&2; exit 1; }
command -v docker >/dev/null || { echo "bench/api.sh: needs the docker client" >&2; exit 1; }

pids=()
api_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  bench_cleanup
}
trap api_cleanup EXIT
for i in 1 2 3; do
  B create --name "c$i" localhost/busybox true >/dev/null
  podman_ create --name "c$i" localhost/busybox true >/dev/null
done
# exec: $! is the server itself (berth execs berth-api), which the cleanup ends by pid
(exec "$build/src/berth" --root "$work/berth" --runroot "$work/berth-run" system service --time 0 \
  "unix://$work/b.sock") & pids+=($!)
(exec "$build/src/berth" --root "$work/berth" --runroot "$work/berth-run" system service --time 0 \
  tcp://127.0.0.1:18765) & pids+=($!)
(export CONTAINERS_CONF="$work/containers.conf"; exec podman --root "$work/podman" \
  --runroot "$work/podman-run" --storage-driver overlay system service --time 0 \
  "unix://$work/p.sock") & pids+=($!)
(export CONTAINERS_CONF="$work/containers.conf"; exec podman --root "$work/podman" \
  --runroot "$work/podman-run" --storage-driver overlay system service --time 0 \
  tcp://127.0.0.1:18766) & pids+=($!)
# poll until all four answer (never a fixed sleep: the machine may be busy)
for u in "--unix-socket $work/b.sock http://d" "--unix-socket $work/p.sock http://d" \
         "http://127.0.0.1:18765" "http://127.0.0.1:18766"; do
  for ((i = 0; i < 300; i++)); do
    # shellcheck disable=SC2086
    curl -sf -o /dev/null $u/_ping && break
    sleep 0.1
  done
done

# docker_ms SOCK ARGS...: median ms of RUNS runs of the docker client against SOCK (bench/timeit
# execs it directly: no shell start-up is counted)
docker_ms() {
  local sock=$1
  shift
  DOCKER_HOST=unix://$sock "$work/timeit" "$runs" docker "$@" 2>"$work/err" ||
    { echo "failed: $(head -c 80 "$work/err")"; return; }
}
# api_ms SOCK PATH [keep|head]: median ms of RUNS requests (after one warm-up), each on a new
# connection as the docker CLI makes them; keep: all on one keep-alive connection; head: HEAD
# requests on new connections (docker's first call)
api_ms() {
  local urls=() i opts=(-H 'Connection: close')
  curl -s -o /dev/null --unix-socket "$1" "http://d$2"
  for ((i = 0; i < runs; i++)); do urls+=("http://d$2" -o /dev/null); done
  case ${3:-} in
  keep) opts=() ;;
  head) opts+=(-I) ;;
  esac
  curl -s --unix-socket "$1" -w '%{time_total}\n' "${opts[@]}" "${urls[@]}" |
    sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] * 1000 }'
}
row() { printf '%-46s %10s %10s %8s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }

printf '%-46s %10s %10s %8s\n' "operation ($runs runs, ms each)" berth podman ratio
for what in "ps -a" "run --rm --network none localhost/busybox true"; do
  # shellcheck disable=SC2086
  row "docker $what" "$(docker_ms "$work/b.sock" $what)" "$(docker_ms "$work/p.sock" $what)"
done
for path in /v1.44/containers/json?all=1 /v1.44/images/json /v4.0.0/libpod/containers/json?all=true \
            /v1.44/containers/c1/json /_ping; do
  row "GET $path" "$(api_ms "$work/b.sock" "$path")" "$(api_ms "$work/p.sock" "$path")"
done
row "HEAD /_ping" "$(api_ms "$work/b.sock" /_ping head)" "$(api_ms "$work/p.sock" /_ping head)"
for path in /_ping /v1.44/containers/json?all=1; do
  row "GET $path (keep-alive)" "$(api_ms "$work/b.sock" "$path" keep)" \
    "$(api_ms "$work/p.sock" "$path" keep)"
done
# wrk: requests per second on 8 keep-alive connections; the ratio is podman's / berth's
# mean latency, as the rows above
wrk_lat() {
  wrk -t2 -c8 -d5s "http://127.0.0.1:$1/v4.0.0/libpod/containers/json?all=true" |
    awk '$1 == "Latency" { v = $2; if (v ~ /us$/) v /= 1000; else if (v ~ /ms$/) v += 0; else if (v ~ /s$/) v *= 1000; printf "%.2f", v }'
}
row "wrk libpod/containers/json latency" "$(wrk_lat 18765)" "$(wrk_lat 18766)"
