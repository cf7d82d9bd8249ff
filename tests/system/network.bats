#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# network.bats - published ports through pasta: traffic from the host's 127.0.0.1 reaches the
# container, a taken port is refused, the PORTS column and no pasta left behind. (UDP is not
# tested: Debian's busybox-static has no UDP listener.)

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }

serve_cmd='mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www'

pasta_pids_for() { # $1 = container id: pasta processes started for it
  pgrep -f "pasta .*--pid $BERTH_TEST_RUNROOT/containers/$1/pasta.pid" || true
}

@test "a published port answers on the host's loopback" {
  port=$(random_port)
  id=$(berth run -d --name web1 -p "127.0.0.1:$port:80" localhost/busybox sh -c "$serve_cmd")
  wait_for_port "$port"
  run curl -sf --max-time 5 "http://127.0.0.1:$port/"
  [ "$status" -eq 0 ]
  [[ "$output" == "hello from ${id:0:12}" ]]
  run berth ps --format '{{.Names}} {{.Ports}}'
  [[ "$output" == *"web1 127.0.0.1:$port->80/tcp"* ]]
  [ -n "$(pasta_pids_for "$id")" ]
  berth stop -t 1 web1
  # pasta held the namespace: it must be gone with the container.
  [ -z "$(pasta_pids_for "$id")" ]
  run curl -s --max-time 2 "http://127.0.0.1:$port/"
  [ "$status" -ne 0 ]
  berth rm web1
}

@test "the walkthrough's nc -zv localhost PORT answers for -p PORT:PORT" {
  port=$(random_port)
  berth run -d --name web2 -p "$port:$port" localhost/busybox httpd -f -p "$port"
  wait_for_port "$port"
  run nc -zv -w 3 127.0.0.1 "$port"
  [ "$status" -eq 0 ]
  berth rm -f -t 0 web2
}

@test "a host port already taken is refused with a clear error and nothing left running" {
  port=$(random_port)
  berth run -d --name holder -p "127.0.0.1:$port:80" localhost/busybox sleep 1000
  run berth run -d --name taker -p "127.0.0.1:$port:80" localhost/busybox sleep 1000
  [ "$status" -eq 125 ]
  [[ "$output" == *"already in use on the host"* ]]
  run berth ps --format '{{.Names}}'
  [[ "$output" != *taker* ]]
  berth rm -f -t 0 holder taker
}

@test "bad -p values are refused before anything is created" {
  run berth run --name badp -p 80:70000 localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid port mapping 80:70000"* ]]
  run berth run --name badp --network none -p 8080:80 localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot publish ports with --network none"* ]]
  run berth ps -a --format '{{.Names}}'
  [[ "$output" != *badp* ]]
}
