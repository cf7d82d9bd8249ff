#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# network_rootless.bats - published ports for an unprivileged user (pasta joins the container's
# user namespace), and the refusal of privileged host ports with the walkthrough's advice.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers
load rootless_helpers

setup_file() { rootless_setup_file; }
teardown_file() { rootless_teardown_file; }

@test "rootless: a published port answers on the host's loopback" {
  port=$(random_port)
  as_user run -d --name rweb -p "$port:80" localhost/busybox \
    sh -c 'mkdir -p /www && echo rootless-web > /www/index.html && exec httpd -f -p 80 -h /www'
  wait_until 30 http_ok "http://127.0.0.1:$port/"
  run curl -sf --max-time 30 "http://127.0.0.1:$port/"
  [ "$status" -eq 0 ]
  [ "$output" = rootless-web ]
  # pasta runs as the user, not as root
  owner=$(ps -o user= -p "$(pgrep -f "pasta .*$BERTH_TEST_RUNROOT" | head -1)")
  [ "$owner" = "$RL_USER" ]
  # root's kernel path (a veth and nftables) is not a rootless user's to make
  run as_user exec rweb ls /sys/class/net
  [ "$status" -eq 0 ]
  [[ "$output" == *lo* && "$output" != *berth-host* ]]
  as_user rm -f -t 0 rweb
  [ -z "$(pgrep -f "pasta .*$BERTH_TEST_RUNROOT" || true)" ]
}

@test "rootless: the process starts with pasta's network configured" {
  port=$(random_port)
  run as_user run --rm -p "127.0.0.1:$port:80" localhost/busybox cat /proc/net/route
  [ "$status" -eq 0 ]
  [ -n "$(awk '$2 == "00000000"' <<<"$output")" ]
}

@test "rootless: a taken port is refused, and no pasta is left behind" {
  port=$(random_port)
  as_user run -d --name rhold -p "127.0.0.1:$port:80" localhost/busybox sleep 1000
  run as_user run -d --name rtake -p "127.0.0.1:$port:80" localhost/busybox sleep 1000
  [ "$status" -eq 125 ]
  [[ "$output" == *"already in use on the host"* ]]
  [ "$(pgrep -fc "pasta .*$BERTH_TEST_RUNROOT" || true)" -eq 1 ]
  as_user rm -f -t 0 rhold rtake
}

@test "rootless: a host port below 1024 is refused with the walkthrough's advice" {
  run as_user run --name rlow -p 80:80 localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot publish host port 80: ports below 1024 are privileged"* ]]
  [[ "$output" == *"firewall-cmd --add-forward-port=port=80:proto=tcp"* ]]
  run as_user ps -a --format '{{.Names}}'
  [[ "$output" != *rlow* ]]
}

@test "rootless: slirp4netns (run as the user) publishes a port; rm ends it" {
  port=$(random_port)
  as_user run -d --name rslirp --network slirp4netns:port_handler=slirp4netns -p "127.0.0.1:$port:80" localhost/busybox \
    sh -c 'mkdir -p /www && echo rootless-slirp > /www/index.html && exec httpd -f -p 80 -h /www'
  wait_until 30 http_ok "http://127.0.0.1:$port/"
  run curl -sf --max-time 30 "http://127.0.0.1:$port/"
  [ "$status" -eq 0 ]
  [ "$output" = rootless-slirp ]
  pid=$(pgrep -x slirp4netns -u "$RL_USER" | head -1)
  [ -n "$pid" ]
  as_user rm -f -t 0 rslirp
  ! kill -0 "$pid" 2>/dev/null
}
