#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# pods_rootless.bats - pods for an unprivileged user: the infra runs in the user's own user
# namespace with pasta (as the user) for the pod's ports; stop/rm -f leave nothing running.
# Members join the infra's user namespace first, then its net/uts/ipc namespaces.

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

@test "rootless: two containers in a pod reach each other on localhost; members share uts" {
  serve='mkdir -p /www && echo pod page >/www/index.html && exec httpd -f -p 8080 -h /www'
  as_user pod create --name rp2
  as_user run -d --pod rp2 --name rsrv localhost/busybox sh -c "$serve"
  run as_user pod ps --format '{{.Status}} {{.NumberOfContainers}}'
  [ "$output" = "Running 2" ]
  for i in $(seq 50); do
    out=$(as_user run --rm --pod rp2 localhost/busybox wget -qO- http://127.0.0.1:8080/ 2>/dev/null) && break
    sleep 0.1
  done
  [ "$out" = "pod page" ]
  run as_user run --rm --pod rp2 localhost/busybox hostname
  [ "$output" = rp2 ]
  # the member is root of the infra's user namespace (the same mapping): uid 0, own pid 1
  run as_user run --rm --pod rp2 localhost/busybox sh -c 'id -u; echo $$'
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 1 ]
  as_user exec rsrv true
  as_user pod rm -f rp2
  run as_user ps -a --format '{{.Names}}'
  [ -z "$output" ]
}

@test "rootless: run --pod new: and --network container:NAME" {
  serve='mkdir -p /www && echo ctr page >/www/index.html && exec httpd -f -p 8080 -h /www'
  as_user run -d --pod new:rp3 --name rsrv3 localhost/busybox sh -c "$serve"
  run as_user ps --pod --format '{{.Names}} {{.PodName}}'
  [[ "$output" == *"rsrv3 rp3"* ]]
  as_user run -d --name rnet localhost/busybox sh -c "$serve"
  for i in $(seq 50); do
    out=$(as_user run --rm --network container:rnet localhost/busybox wget -qO- http://127.0.0.1:8080/ 2>/dev/null) && break
    sleep 0.1
  done
  [ "$out" = "ctr page" ]
  as_user rm -f -t 0 rnet
  as_user pod rm -f rp3
  run as_user ps -a --format '{{.Names}}'
  [ -z "$output" ]
}
