#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# cockpit.bats - Debian's cockpit-podman page, unchanged, managing berth's containers and images.
#
# berth serves podman's root socket path, /run/podman/podman.sock, inside a private mount
# namespace (a tmpfs on /run/podman: a real podman socket on the host is never touched);
# cockpit-ws runs a local bridge there, and playwright-core drives Debian's chromium headless
# (tests/cockpit/session.sh and drive.js). One browser session runs in setup_file (cockpit-ws
# serves one session per start); each test below checks one step of it. Screenshots of every
# step stay in $BERTH_ARTIFACTS/cockpit (default: the build dir's test-artifacts/cockpit).

load ../system/helpers
load ../lib/registry-helpers

COCKPIT_DIR="$BERTH_TOP/tests/cockpit"

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "cockpit's system Podman page needs root"
  [ -x /usr/lib/cockpit/cockpit-ws ] && command -v cockpit-bridge >/dev/null || skip "no cockpit-ws"
  [ -f /usr/share/cockpit/podman/manifest.json ] || skip "no cockpit-podman"
  command -v chromium >/dev/null || skip "no chromium"
  command -v npm >/dev/null || skip "no npm"
  berth_test_setup_file
  export COCKPIT_OUT="${BERTH_ARTIFACTS:-$BERTH_BUILD/test-artifacts}/cockpit"
  rm -rf "$COCKPIT_OUT"
  mkdir -p "$COCKPIT_OUT"
  echo "$(date +%T) start" >"$COCKPIT_OUT/setup.log"
  # playwright-core, pinned by package-lock.json (the browser itself is Debian's); npm ci
  # again only when the installed one is not the locked one
  local want have
  want=$(jq -r '.packages["node_modules/playwright-core"].version' "$COCKPIT_DIR/package-lock.json")
  have=$(jq -r .version "$COCKPIT_DIR/node_modules/playwright-core/package.json" 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    (cd "$COCKPIT_DIR" && npm ci --no-audit --no-fund --loglevel=error) >"$COCKPIT_OUT/npm.log" 2>&1 ||
      { cat "$COCKPIT_OUT/npm.log" >&2; return 1; }
  fi
  echo "$(date +%T) npm done" >>"$COCKPIT_OUT/setup.log"
  busybox_image
  berth run -d --name web localhost/busybox sh -c 'while :; do echo tick; sleep 1; done' >/dev/null
  echo "$(date +%T) container running" >>"$COCKPIT_OUT/setup.log"

  # a local registry with an image for the page to pull; registries.conf marks it plain HTTP
  REG_ROOT="$BERTH_TEST_DIR/registry" BATS_TEST_TMPDIR="$BERTH_TEST_DIR" reg_start
  echo "$REG_PID" >"$BERTH_TEST_DIR/registry.pid"
  export REG_PORT
  printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$REG_PORT" \
    >"$CONTAINERS_REGISTRIES_CONF"
  # an image of its own (another config, so another id) for the page to list once pulled
  berth import --change 'CMD ["echo", "pulled"]' "$(busybox_tarball)" \
    "127.0.0.1:$REG_PORT/cockpit/pulled:latest" >/dev/null
  berth push "127.0.0.1:$REG_PORT/cockpit/pulled:latest" >/dev/null
  berth rmi "127.0.0.1:$REG_PORT/cockpit/pulled:latest" >/dev/null

  # the mount point for the private tmpfs (removed again if this test made it)
  if [ ! -d /run/podman ]; then
    mkdir /run/podman
    touch "$BERTH_TEST_DIR/made-run-podman"
  fi
  echo "$(date +%T) registry ready" >>"$COCKPIT_OUT/setup.log"
  BERTH_CTR=web BERTH_PULL="127.0.0.1:$REG_PORT/cockpit/pulled" \
    timeout -k 10 320 unshare -m --propagation private "$COCKPIT_DIR/session.sh" "$COCKPIT_OUT" \
    "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" --log-level debug \
    >"$COCKPIT_OUT/session.out" 2>&1 3>&- || true
  echo "$(date +%T) session done" >>"$COCKPIT_OUT/setup.log"
}

teardown_file() {
  [ -n "${BERTH_TEST_DIR:-}" ] || return 0
  if [ -f "$BERTH_TEST_DIR/registry.pid" ]; then
    kill "$(cat "$BERTH_TEST_DIR/registry.pid")" 2>/dev/null || true
  fi
  [ -f "$BERTH_TEST_DIR/made-run-podman" ] && rmdir /run/podman 2>/dev/null
  berth rm -a -f >/dev/null 2>&1 || true
  berth_test_teardown_file
}

# step NAME - pass when the session reported "ok NAME"; else show what it printed.
step() {
  grep -qx "ok $1" "$COCKPIT_OUT/session.out" && return 0
  echo "step $1 failed; session output:" >&2
  cat "$COCKPIT_OUT/session.out" >&2
  return 1
}

@test "cockpit: the Podman page lists the running container" { step containers; }
@test "cockpit: the CPU and Memory columns show the running container's readings" { step stats; }
@test "cockpit: the Podman page lists the images" { step images; }
@test "cockpit: stop the container from the page" {
  step stop
}
@test "cockpit: start it again from the page" {
  step start
  run berth inspect --format '{{.State.Status}}' web
  [ "$output" = running ]
}
@test "cockpit: the Logs tab shows the container's output" { step logs; }
@test "cockpit: the Console tab runs echo hi and shows hi" { step console; }
@test "cockpit: an image is pulled from a local registry through the page" {
  step pull
  run berth image exists "127.0.0.1:$REG_PORT/cockpit/pulled:latest"
  [ "$status" -eq 0 ]
}
@test "cockpit: a screenshot of every step is kept" {
  for s in containers images stop start logs console; do
    [ -s "$COCKPIT_OUT/$s.png" ]
  done
}
