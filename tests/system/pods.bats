#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# pods.bats - pods (root): the built-in infra holds net/uts/ipc, members reach each other on
# localhost, the pod's published port answers from the host, and stop/rm -f leave nothing
# running; --network container:NAME and ns:PATH share a network namespace.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }
# a failed test must not leave its pods and containers to the next one
teardown() {
  local p
  for p in $(berth pod ps --format '{{.Name}}' 2>/dev/null); do berth pod rm -f -t 0 "$p" >/dev/null 2>&1 || true; done
  berth rm -a -f -t 0 >/dev/null 2>&1 || true
}

# serves NETWORK - true when a container in NETWORK (pod:NAME or container:NAME) gets the page
serves() {
  local how=--network=$1
  [ "${1%%:*}" = pod ] && how=--pod=${1#pod:}
  [ "$(berth run --rm "$how" localhost/busybox wget -qO- http://127.0.0.1:8080/ 2>/dev/null)" = "pod page" ]
}

serve_cmd='mkdir -p /www && echo "pod page" > /www/index.html && exec httpd -f -p 8080 -h /www'

no_pasta() { [ -z "$(pgrep -f "pasta .*$BERTH_TEST_RUNROOT" || true)" ]; }

infra_pid() { # $1 = pod: host pid of its infra's catatonit, or nothing
  local infra
  infra=$(berth pod inspect --format '{{.InfraContainerID}}' "$1")
  berth inspect --format '{{.State.Pid}}' "$infra" 2>/dev/null | grep -v '^0$' || true
}

@test "pod create, ps, inspect, exists and rm" {
  id=$(berth pod create --name p1 --label team=blue)
  [ ${#id} -eq 64 ]
  berth pod exists p1
  run berth pod exists nosuchpod
  [ "$status" -eq 1 ]
  run berth pod ps
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "POD ID"*"NAME"*"STATUS"*"CREATED"*"INFRA ID"*"# OF CONTAINERS" ]]
  [[ "$output" == *"${id:0:12}"*p1*Created* ]]
  run berth pod ls --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}' --filter name=p1
  [ "$output" = "p1 Created 1" ]
  run berth pod inspect --format '{{.Name}} {{.State}}' p1
  [ "$output" = "p1 Created" ]
  run berth pod create --name p1
  [ "$status" -eq 125 ]
  [[ "$output" == *"pod p1 already exists"* ]]
  berth pod rm p1
  run berth pod exists p1
  [ "$status" -eq 1 ]
  run berth ps -a --format '{{.Names}}'
  [[ "$output" != *infra* ]]
}

@test "two containers in a pod reach each other on localhost" {
  berth pod create --name p2
  berth run -d --pod p2 --name srv localhost/busybox sh -c "$serve_cmd"
  run berth pod ps --format '{{.Status}} {{.NumberOfContainers}}' --filter name=p2
  [ "$output" = "Running 2" ]
  wait_until 60 serves pod:p2
  # the pod shares uts: members see the pod's hostname
  run berth run --rm --pod p2 localhost/busybox hostname
  [ "$output" = p2 ]
  pid=$(infra_pid p2)
  [ -n "$pid" ]
  berth pod rm -f p2
  ! kill -0 "$pid" 2>/dev/null
  run berth ps -a --format '{{.Names}}'
  [[ "$output" != *srv* ]]
}

@test "a container outside the pod does not see the pod's localhost" {
  berth pod create --name p3
  berth run -d --pod p3 --name srv3 localhost/busybox sh -c "$serve_cmd"
  wait_until 60 serves pod:p3 # it does serve, in the pod
  run berth run --rm localhost/busybox wget -T 2 -qO- http://127.0.0.1:8080/
  [ "$status" -ne 0 ]
  berth pod rm -f p3
}

@test "run --pod new:NAME creates the pod; ps --pod shows it" {
  berth run -d --pod new:p4 --name c4 localhost/busybox sleep 1000
  berth pod exists p4
  run berth pod ps --format '{{.Name}} {{.Status}}' --filter name=p4
  [ "$output" = "p4 Running" ]
  podid=$(berth pod inspect --format '{{.Id}}' p4)
  run berth ps --pod
  [[ "${lines[0]}" == *NAMES*"POD ID"*PODNAME ]]
  [[ "$output" == *"c4"*"${podid:0:12}"*p4* ]]
  run berth ps --format '{{.Names}} {{.PodName}}'
  [[ "$output" == *"c4 p4"* ]]
  berth pod rm -f p4
  run berth ps -a --format '{{.Names}}'
  [[ "$output" != *c4* ]]
}

@test "a pod's published port answers curl from the host; stop/start/rm -f leave nothing" {
  port=$(random_port)
  berth pod create --name p5 -p "127.0.0.1:$port:8080"
  berth run -d --pod p5 --name web5 localhost/busybox sh -c "$serve_cmd"
  wait_until 30 http_ok "http://127.0.0.1:$port/"
  run curl -sf --max-time 30 "http://127.0.0.1:$port/"
  [ "$status" -eq 0 ]
  [ "$output" = "pod page" ]
  pid=$(infra_pid p5)
  [ -n "$pid" ]
  [ -n "$(pgrep -f "pasta .*$BERTH_TEST_RUNROOT" || true)" ]
  berth pod stop -t 1 p5
  ! kill -0 "$pid" 2>/dev/null
  [ -z "$(pgrep -f "pasta .*$BERTH_TEST_RUNROOT" || true)" ]
  run berth pod ps --format '{{.Status}}' --filter name=p5
  [ "$output" = Exited ]
  run curl -s --max-time 2 "http://127.0.0.1:$port/"
  [ "$status" -ne 0 ]
  berth pod start p5
  wait_until 30 http_ok "http://127.0.0.1:$port/"
  run curl -sf --max-time 30 "http://127.0.0.1:$port/"
  [ "$output" = "pod page" ]
  pid=$(infra_pid p5)
  berth pod rm -f p5
  ! kill -0 "$pid" 2>/dev/null
  [ -z "$(pgrep -f "pasta .*$BERTH_TEST_RUNROOT" || true)" ]
  run berth pod exists p5
  [ "$status" -eq 1 ]
}

@test "pod rm without -f removes stopped members, refuses running ones (podman's rule)" {
  berth pod create --name p6
  berth create --pod p6 --name c6 localhost/busybox true
  berth pod rm p6
  run berth container exists c6
  [ "$status" -eq 1 ]
  berth pod create --name p6b
  berth run -d --pod p6b --name c6b localhost/busybox sleep 100
  run berth pod rm p6b
  [ "$status" -eq 125 ]
  [[ "$output" == *"pod p6b has running containers (c6b)"*"--force"* ]]
  berth pod rm -f -t 0 p6b
  run berth pod rm p6b
  [ "$status" -eq 1 ]
}

@test "--network container:NAME shares the other container's network namespace" {
  berth run -d --name netsrv localhost/busybox sh -c "$serve_cmd"
  wait_until 60 serves container:netsrv
  run berth run --rm --network container:nosuch localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *nosuch* ]]
  berth rm -f -t 0 netsrv
}

@test "--network ns:PATH joins a namespace the test made" {
  ns=berthtest$$
  ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip addr add 127.0.0.7/8 dev lo || true
  run berth run --rm --network "ns:/run/netns/$ns" localhost/busybox ip addr show lo
  ip netns del "$ns"
  [ "$status" -eq 0 ]
  [[ "$output" == *"127.0.0.7"* ]]
}

# A server on the host's 127.0.0.1, killed by pid in the test.
start_host_server() {
  mkdir -p "$BATS_TEST_TMPDIR/www"
  echo host-page >"$BATS_TEST_TMPDIR/www/index.html"
  hport=$(random_port)
  busybox httpd -f -p "127.0.0.1:$hport" -h "$BATS_TEST_TMPDIR/www" &
  hpid=$!
  wait_for_port "$hport"
}
# The monitor configures the namespace before the process runs: its first request must work
# (given time on a loaded machine); one that must fail may fail fast.
fetch_once='timeout 20 wget -qO- "$0" 2>/dev/null'
fetch_fails='timeout 3 wget -qO- "$0" 2>/dev/null'

@test "--network pasta:--map-gw reaches the host's 127.0.0.1; without it the container cannot" {
  start_host_server
  run berth run --rm --network pasta:--map-gw localhost/busybox sh -c "$fetch_once" "http://host.containers.internal:$hport/"
  ok1=$status out1=$output
  gw=$(ip -4 route show default | awk '{print $3; exit}')
  run berth run --rm --network pasta localhost/busybox sh -c "$fetch_fails" "http://$gw:$hport/"
  ok2=$status
  run berth run --rm localhost/busybox sh -c "$fetch_fails" "http://$gw:$hport/"
  ok3=$status
  kill "$hpid"; wait "$hpid" 2>/dev/null || true
  [ "$ok1" -eq 0 ]
  [ "$out1" = host-page ]
  [ "$ok2" -ne 0 ]
  [ "$ok3" -ne 0 ]
  # the monitor ends pasta right after the container's exit is reported
  wait_until 30 no_pasta
}

@test "--network pasta gives the container the host's address and routes" {
  # no retry: the route is there before the container's first instruction
  run berth run --rm --network pasta localhost/busybox ip -4 route
  [ "$status" -eq 0 ]
  [[ "$output" == *default* ]]
  run berth run --rm localhost/busybox ip -4 route
  [[ "$output" != *default* ]]
}

@test "pod top lists the processes of every running member; pause, unpause, kill and restart" {
  berth pod create --name ptop
  berth run -d --pod ptop --name ptop-a localhost/busybox sleep 1001
  berth run -d --pod ptop --name ptop-b localhost/busybox sleep 1002
  run berth pod top ptop
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "USER "*"PID "*"COMMAND"* ]]
  [ "$(grep -c '^USER' <<<"$output")" -eq 1 ]
  [[ "$output" == *catatonit* ]]
  [[ "$output" == *"sleep 1001"* ]]
  [[ "$output" == *"sleep 1002"* ]]
  run berth pod top ptop pid,args
  [[ "${lines[0]}" =~ ^PID\ +COMMAND$ ]]
  berth pod pause ptop
  run berth pod ps --format '{{.Status}}' --filter name=ptop
  [ "$output" = Paused ]
  berth pod unpause ptop
  run berth pod ps --format '{{.Status}}' --filter name=ptop
  [ "$output" = Running ]
  berth pod kill ptop
  pod_exited() { [ "$(berth pod ps --format '{{.Status}}' --filter name=ptop)" = Exited ]; }
  wait_until 30 pod_exited
  run berth pod top ptop
  [ "$status" -eq 125 ]
  [[ "$output" == *"pod ptop has no running containers; start it first"* ]]
  berth pod restart ptop
  run berth pod top ptop
  [[ "$output" == *"sleep 1002"* ]]
  run berth pod top nosuchpod
  [ "$status" -eq 125 ]
  berth pod rm -f ptop
}

@test "pod stats shows a row per running container of the pod" {
  berth pod create --name pstat
  berth run -d --pod pstat --name pstat-a localhost/busybox sleep 1000
  run berth pod stats --no-stream pstat
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "POD "*"CID "*"NAME "*"CPU %"*"MEM USAGE / LIMIT"*"PIDS" ]]
  [ "${#lines[@]}" -eq 3 ] # the header, the member and the infra
  pod=$(berth pod inspect --format '{{.Id}}' pstat)
  run berth pod stats --no-stream --format '{{.Pod}} {{.Name}} {{.PIDS}}' pstat
  [[ "$output" == *"${pod:0:12} pstat-a 1"* ]]
  run berth pod stats --no-stream nosuchpod
  [ "$status" -eq 125 ]
  [[ "$output" == *nosuchpod* ]]
  berth pod rm -f pstat
}
