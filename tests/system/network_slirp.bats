#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# network_slirp.bats - --network slirp4netns[:OPTIONS] (the fallback when pasta is missing):
# ports published through its API socket, host loopback only with allow_host_loopback=true,
# bad options and taken ports refused, nothing left running.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }

serve_cmd='mkdir -p /www && echo "slirp page" > /www/index.html && exec httpd -f -p 80 -h /www'

slirp_for() { # [$1 = container id]: slirp4netns processes of this store (they run in the rundir)
  local p
  for p in $(pgrep -x slirp4netns || true); do
    case "$(readlink "/proc/$p/cwd" 2>/dev/null)" in
    "$BERTH_TEST_RUNROOT/containers/${1:-}"*) echo "$p" ;;
    esac
  done
}

@test "slirp4netns publishes a port on the host's loopback; stop ends it" {
  port=$(random_port)
  id=$(berth run -d --name sweb --network slirp4netns:port_handler=slirp4netns -p "127.0.0.1:$port:80" localhost/busybox sh -c "$serve_cmd")
  [ -n "$(slirp_for "$id")" ]
  wait_until 30 http_ok "http://127.0.0.1:$port/"
  run curl -sf --max-time 30 "http://127.0.0.1:$port/"
  [ "$status" -eq 0 ]
  [ "$output" = "slirp page" ]
  run berth ps --format '{{.Names}} {{.Ports}}'
  [[ "$output" == *"sweb 127.0.0.1:$port->80/tcp"* ]]
  run berth port sweb
  [[ "$output" == *"80/tcp -> 127.0.0.1:$port"* ]]
  # the container has slirp4netns's address, route and DNS before its first instruction
  run berth run --rm --network slirp4netns localhost/busybox sh -c 'ip -4 addr show tap0; ip -4 route; cat /etc/resolv.conf'
  [[ "$output" == *"10.0.2.100/24"* ]]
  [[ "$output" == *"default via 10.0.2.2"* ]]
  [[ "$output" == *"nameserver 10.0.2.3"* ]]
  berth stop -t 1 sweb
  [ -z "$(slirp_for "$id")" ]
  berth rm sweb
}

@test "slirp4netns: the host's 127.0.0.1 only with allow_host_loopback=true" {
  mkdir -p "$BATS_TEST_TMPDIR/www"
  echo host-page >"$BATS_TEST_TMPDIR/www/index.html"
  hport=$(random_port)
  busybox httpd -f -p "127.0.0.1:$hport" -h "$BATS_TEST_TMPDIR/www" 3>&- &
  hpid=$!
  wait_for_port "$hport"
  run berth run --rm --network slirp4netns:allow_host_loopback=true localhost/busybox \
    timeout 20 wget -qO- "http://host.containers.internal:$hport/"
  ok1=$status out1=$output
  run berth run --rm --network slirp4netns localhost/busybox timeout 3 wget -qO- "http://10.0.2.2:$hport/"
  ok2=$status
  kill "$hpid"; wait "$hpid" 2>/dev/null || true
  [ "$ok1" -eq 0 ]
  [ "$out1" = host-page ]
  [ "$ok2" -ne 0 ]
}

@test "slirp4netns: a taken host port and bad options are refused; nothing is left" {
  port=$(random_port)
  mkdir -p "$BATS_TEST_TMPDIR/www"
  busybox httpd -f -p "127.0.0.1:$port" -h "$BATS_TEST_TMPDIR/www" 3>&- &
  hpid=$!
  wait_for_port "$port"
  run berth run -d --name staken --network slirp4netns -p "127.0.0.1:$port:80" localhost/busybox sleep 100
  kill "$hpid"; wait "$hpid" 2>/dev/null || true
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot publish port $port/tcp through slirp4netns"*"choose another host port"* ]]
  run berth ps --format '{{.Names}}'
  [[ "$output" != *staken* ]]
  [ -z "$(slirp_for)" ]
  run berth run --rm --network slirp4netns:mtu=9 localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"mtu must be 68..65521"* ]]
  run berth run --rm --network slirp4netns:cidr=10.9.0.0/24 localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'unknown option "cidr"'* ]]
}
