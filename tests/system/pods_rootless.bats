#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# pods_rootless.bats - pods for an unprivileged user: the infra runs in the user's own user
# namespace with pasta (as the user) for the pod's ports; stop/rm -f leave nothing running.
# Joining a rootless pod is refused with a clear message until the runtime can join a user
# namespace while creating a pid namespace.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "the rootless suite is driven by root (it creates the user)"
  RL_USER=$("$BERTH_TOP/tests/lib/rootless-user.sh" create berth-test)
  BERTH_TEST_DIR=$(mktemp -d /tmp/berth-rootless-pods.XXXXXX)
  export RL_USER BERTH_TEST_DIR BERTH_TEST_ROOT="$BERTH_TEST_DIR/root" BERTH_TEST_RUNROOT="$BERTH_TEST_DIR/run"
  chmod 755 "$BERTH_TEST_DIR"
  busybox_tarball >/dev/null
  chown -R "$RL_USER:" "$BERTH_TEST_DIR"
  as_user import "$BERTH_TEST_DIR/busybox.tar" localhost/busybox:latest >/dev/null
}

teardown_file() {
  [ -n "${BERTH_TEST_DIR:-}" ] || return 0
  kill_test_processes
  berth_unmount_under "$BERTH_TEST_DIR"
  rm -rf "$BERTH_TEST_DIR"
}

as_user() { # berth as the test user on this file's store
  local q="" a
  for a in "$@"; do q+=" $(printf '%q' "$a")"; done
  su "$RL_USER" -s /bin/sh -c "cd /tmp && XDG_RUNTIME_DIR= '$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT'$q" </dev/null
}

@test "rootless: a pod's infra holds its port through pasta run by the user; stop/rm leave nothing" {
  port=$(random_port)
  as_user pod create --name rp1 -p "127.0.0.1:$port:8080"
  as_user pod start rp1
  run as_user pod ps --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
  [ "$output" = "rp1 Running 1" ]
  pasta=$(pgrep -f "pasta .*$BERTH_TEST_RUNROOT" | head -1)
  [ -n "$pasta" ]
  [ "$(ps -o user= -p "$pasta")" = "$RL_USER" ]
  wait_for_port "$port"
  as_user pod stop -t 1 rp1
  [ -z "$(pgrep -f "pasta .*$BERTH_TEST_RUNROOT" || true)" ]
  run as_user pod ps --format '{{.Status}}'
  [ "$output" = Exited ]
  as_user pod rm -f rp1
  run as_user ps -a --format '{{.Names}}'
  [ -z "$output" ]
}

@test "rootless: joining a pod is refused clearly and leaves nothing behind" {
  run as_user run --pod new:rp2 --name rc2 localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"rootless containers cannot join a pod's namespaces yet"* ]]
  run as_user pod exists rp2
  [ "$status" -eq 1 ]
  run as_user ps -a --format '{{.Names}}'
  [ -z "$output" ]
}
