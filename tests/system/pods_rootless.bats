#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# pods_rootless.bats - pods for an unprivileged user: the infra runs in the user's own user
# namespace with pasta (as the user) for the pod's ports; stop/rm -f leave nothing running.
# Members join the infra's user namespace first, then its net/uts/ipc namespaces.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers
load rootless_helpers

setup_file() { rootless_setup_file; }
teardown_file() { rootless_teardown_file; }

# rl_serves FLAG VALUE PAGE - true when a container run with FLAG VALUE gets PAGE from localhost:8080
rl_serves() {
  [ "$(as_user run --rm "$1" "$2" localhost/busybox wget -qO- http://127.0.0.1:8080/ 2>/dev/null)" = "$3" ]
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
  wait_until 60 rl_serves --pod rp2 "pod page"
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
  wait_until 60 rl_serves --network container:rnet "ctr page"
  as_user rm -f -t 0 rnet
  as_user pod rm -f rp3
  run as_user ps -a --format '{{.Names}}'
  [ -z "$output" ]
}
