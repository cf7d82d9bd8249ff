#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# session.sh - one cockpit browser session against berth, run by tests/interop/cockpit.bats as
#   unshare -m --propagation private session.sh OUTDIR BERTH_ARGS...
# In this private mount namespace a tmpfs covers /run/podman, so berth can serve podman's socket
# path there without touching a real podman socket on the host. It starts berth's API service on
# /run/podman/podman.sock, cockpit-ws with a local bridge on a free 127.0.0.1 port, then drives
# chromium with playwright-core (drive.js). Every process it starts is ended by its own pid.
# Environment read by drive.js: BERTH_CTR (a running container's name), BERTH_PULL (an image to
# pull through the page). Output: drive.js's "ok STEP"/"fail STEP" lines; screenshots in OUTDIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1; shift
pids=()
cleanup() {
  local p
  # cockpit-ws runs in a session of its own (setsid): its bridge goes with it
  [ -z "${ws_pid:-}" ] || kill -- "-$ws_pid" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap "exit 143" TERM INT

mount -t tmpfs -o mode=0700 berth-cockpit-test /run/podman
"$@" system service --time 0 unix:///run/podman/podman.sock >"$out/berth-api.log" 2>&1 3>&- &
pids+=($!)
for _ in $(seq 300); do [ -S /run/podman/podman.sock ] && break; sleep 0.1; done
[ -S /run/podman/podman.sock ] || { echo "fail berth-api: no socket"; cat "$out/berth-api.log"; exit 1; }

# cockpit-ws takes the port it is given; pick one that is free now and check it came up.
port=
for _ in $(seq 20); do
  p=$(( (RANDOM % 20000) + 30000 ))
  (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
  setsid /usr/lib/cockpit/cockpit-ws --no-tls --local-session=cockpit-bridge -a 127.0.0.1 -p "$p" \
    >"$out/cockpit-ws.log" 2>&1 3>&- &
  ws_pid=$!
  pids+=($!)
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && { port=$p; break; }
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] && break
done
[ -n "$port" ] || { echo "fail cockpit-ws: did not start"; cat "$out/cockpit-ws.log"; exit 1; }

COCKPIT_URL="http://127.0.0.1:$port" ARTIFACTS="$out" NODE_PATH="$here/node_modules" \
  node "$here/drive.js" 3>&-
