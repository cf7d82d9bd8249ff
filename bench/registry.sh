#!/usr/bin/env bash
# berth-registry vs Debian's docker-registry (distribution 2.8), side by side on 127.0.0.1:
# manifest GET and small-blob GET with wrk, HEAD with hey (wrk cannot count HEAD), 50
# connections each, parallel pushes of small images, one large blob GET, and the servers' memory.
# Prints requests/s for both and the ratio berth/distribution, and the server CPU time per request
# (the machine may be shared: that number depends much less on the load than requests/s).
#   BENCH_SECONDS (default 5)   BENCH_CONNS (default 50)   BENCH_BIG_MB (default 1024; 0 skips)
#   BENCH_IMAGES (default 200; 0 skips)  BERTH_BUILD (build dir holding src/registry/berth-registry)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${BENCH_SECONDS:-5} conns=${BENCH_CONNS:-50} big_mb=${BENCH_BIG_MB:-1024} images=${BENCH_IMAGES:-200}
bin=
for b in ${BERTH_BUILD:+"$BERTH_BUILD/src/registry/berth-registry"} "$top/build-registry/src/registry/berth-registry" \
         "$top/build/src/registry/berth-registry"; do
  [ -x "$b" ] && { bin=$b; break; }
done
[ -n "$bin" ] || { echo "bench/registry.sh: berth-registry is not built; set BERTH_BUILD" >&2; exit 1; }
for t in wrk hey docker-registry curl jq; do
  command -v "$t" >/dev/null || { echo "bench/registry.sh: $t is missing (scripts/install-deps)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/berth-bench-registry.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_berth() {
  local port; port=$(free_port)
  REGISTRY_HTTP_ADDR=127.0.0.1:$port REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=$work/berth \
    REGISTRY_LOG_ACCESSLOG_DISABLED=true "$bin" serve 2>"$work/berth.log" &
  pids+=($!); BERTH_PID=$!; BERTH=http://127.0.0.1:$port
}
start_dist() {
  local port; port=$(free_port)
  cat >"$work/dist.yml" <<CFG
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/dist
http:
  addr: 127.0.0.1:$port
CFG
  env -i PATH=/usr/bin:/bin docker-registry serve "$work/dist.yml" >"$work/dist.log" 2>&1 &
  pids+=($!); DIST_PID=$!; DIST=http://127.0.0.1:$port
}
wait_up() { local i; for i in $(seq 100); do curl -sf "$1/v2/" >/dev/null && return 0; sleep 0.1; done; return 1; }

sha() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }
push_blob() { # URL REPO FILE: POST + PUT (distribution ignores a body on POST ?digest=)
  local loc sep
  loc=$(curl -sf -X POST -D - -o /dev/null "$1/v2/$2/blobs/uploads/" | awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')
  [ -n "$loc" ] || return 1
  [[ "$loc" == http* ]] || loc=$1$loc
  [[ "$loc" == *\?* ]] && sep='&' || sep='?'
  # --upload-file streams (--data-binary would hold a 1 GB file in memory)
  curl -sf -X PUT -H "Content-Type: application/octet-stream" --upload-file "$3" "$loc${sep}digest=$(sha "$3")" -o /dev/null
}
push_image() { # URL REPO TAG DIR
  local u=$1 repo=$2 tag=$3 d=$4
  mkdir -p "$d"
  head -c 2048 /dev/urandom >"$d/layer"
  printf '{"architecture":"amd64","os":"linux","n":"%s"}' "$RANDOM$RANDOM" >"$d/config"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}' \
    "$(sha "$d/config")" "$(stat -c %s "$d/config")" "$(sha "$d/layer")" "$(stat -c %s "$d/layer")" >"$d/manifest"
  push_blob "$u" "$repo" "$d/layer" && push_blob "$u" "$repo" "$d/config" &&
    curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
      --data-binary @"$d/manifest" "$u/v2/$repo/manifests/$tag" -o /dev/null
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# CPU time (user + system, clock ticks) a server has used so far: the machine is shared, so
# requests/s alone depends on the load; CPU time per request does much less.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
us_per_req() { # TICKS_BEFORE PID REQUESTS -> microseconds of server CPU per request
  awk -v a="$1" -v b="$(cpu_ticks "$2")" -v n="$3" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1e6 / hz / n; else print "n/a" }'
}
wrk_rps() { # URL PID -> "requests/s errors cpu-us/request"
  local t0; t0=$(cpu_ticks "$2")
  local out; out=$(wrk -t2 -c"$conns" -d"${secs}s" -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$1" 2>&1)
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  local n; n=$(awk '/requests in/ {print $1}' <<<"$out")
  local errs; errs=$(awk '/Non-2xx or 3xx responses/ {n += $5} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n+0}' <<<"$out")
  echo "${rps:-0} ${errs:-0} $(us_per_req "$t0" "$2" "${n:-0}")"
}
hey_rps() { # URL PID -> "requests/s non-200 cpu-us/request"
  local t0; t0=$(cpu_ticks "$2")
  local out; out=$(hey -z "${secs}s" -c "$conns" -m HEAD "$1" 2>&1)
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  local n; n=$(awk '/^  \[[0-9]+\]/ {n += $2} END {print n+0}' <<<"$out")
  local non200; non200=$(awk '/^  \[[0-9]+\]/ {gsub(/[\[\]]/, "", $1); if ($1 != 200) n += $2} END {print n+0}' <<<"$out")
  echo "${rps:-0} ${non200:-0} $(us_per_req "$t0" "$2" "$n")"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
row() { printf '%-28s %14s %14s %8s   %s\n' "$@"; }

start_berth; start_dist
wait_up "$BERTH"; wait_up "$DIST"
echo "bench/registry.sh: ${secs}s per test, $conns connections, on $(nproc) cores"
row test berth distribution ratio errors
for srv in BERTH DIST; do
  push_image "${!srv}" bench/app v1 "$work/img-$srv"
done
mdig=$(sha "$work/img-BERTH/manifest")
ldig_b=$(sha "$work/img-BERTH/layer") ldig_d=$(sha "$work/img-DIST/layer")

measure() { # LABEL TOOL BERTH-URL DIST-URL
  local b be bc d de dc
  read -r b be bc < <("$2" "$3" "$BERTH_PID")
  read -r d de dc < <("$2" "$4" "$DIST_PID")
  row "$1 (req/s)" "$b" "$d" "$(ratio "$b" "$d")" "berth $be, dist $de"
  row "  CPU per request (us)" "$bc" "$dc" "$(ratio "$dc" "$bc")" "(ratio: dist / berth)"
}
measure "manifest GET" wrk_rps "$BERTH/v2/bench/app/manifests/v1" "$DIST/v2/bench/app/manifests/v1"
measure "small blob GET" wrk_rps "$BERTH/v2/bench/app/blobs/$ldig_b" "$DIST/v2/bench/app/blobs/$ldig_d"
measure "blob HEAD" hey_rps "$BERTH/v2/bench/app/blobs/$ldig_b" "$DIST/v2/bench/app/blobs/$ldig_d"

# Pushes through bench/registry-push.py (one process, keep-alive connections): with a curl
# process per request, the run measured process start-up on the loaded machine, not the servers.
[ "$images" -gt 0 ] && for srv in BERTH DIST; do
  pid_var=${srv}_PID
  t0=$(cpu_ticks "${!pid_var}")
  read -r secs_ fails_ med_ max_ < <(python3 "$top/bench/registry-push.py" "${!srv#http://}" "$images" 25)
  eval "push_$srv=$secs_ pushfail_$srv=$fails_ pushmed_$srv=$med_"
  eval "pushcpu_$srv=$(us_per_req "$t0" "${!pid_var}" $((images * 5)))"
done
[ "$images" -gt 0 ] && {
  row "$images pushes, 25 at once (s)" "$push_BERTH" "$push_DIST" "$(ratio "$push_DIST" "$push_BERTH")" "berth $pushfail_BERTH, dist $pushfail_DIST (ratio: dist time / berth time)"
  row "  median image push (ms)" "$pushmed_BERTH" "$pushmed_DIST" "$(ratio "$pushmed_DIST" "$pushmed_BERTH")"
  row "  CPU per request (us)" "$pushcpu_BERTH" "$pushcpu_DIST" "$(ratio "$pushcpu_DIST" "$pushcpu_BERTH")" "(ratio: dist / berth)"
}

[ "$big_mb" -gt 0 ] && {
head -c $((big_mb * 1024 * 1024)) /dev/urandom >"$work/big"
for srv in BERTH DIST; do
  start=$(date +%s.%N)
  push_blob "${!srv}" bench/big "$work/big"
  eval "bigput_$srv=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')"
done
row "${big_mb} MB blob PUT (s)" "$bigput_BERTH" "$bigput_DIST" "$(ratio "$bigput_DIST" "$bigput_BERTH")" "(ratio: dist time / berth time; includes curl's POST)"
bdig=$(sha "$work/big"); rm -f "$work/big"
tb=$(curl -sf -o /dev/null -w '%{time_total}' "$BERTH/v2/bench/big/blobs/$bdig")
td=$(curl -sf -o /dev/null -w '%{time_total}' "$DIST/v2/bench/big/blobs/$bdig")
row "${big_mb} MB blob GET (s)" "$tb" "$td" "$(ratio "$td" "$tb")" "(ratio: dist time / berth time)"
}
rb=$(rss_kb "$BERTH_PID") rd=$(rss_kb "$DIST_PID")
row "RSS after the run (kB)" "$rb" "$rd" "$(ratio "$rd" "$rb")" "(ratio: dist / berth)"
