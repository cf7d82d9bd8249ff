#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# api.bats - `berth system service`: the libpod and Docker REST APIs through curl.

load helpers
load api_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
  api_start
}

teardown_file() {
  api_stop
  berth rm -a -f >/dev/null 2>&1 || true
  berth_test_teardown_file
}

# a failed test must not leave its containers to the next one
teardown() {
  berth rm -a -f -t 0 >/dev/null 2>&1 || true
}

# stream_two URL - the first two lines of a stream of readings one second apart, in $lines: they
# come however slow the machine, and not sooner than the interval.
stream_two() {
  local start=$(date +%s%N)
  run bash -c "curl -sN -m 60 --unix-socket '$API_SOCK' '$1' | head -n 2"
  [ "${#lines[@]}" -eq 2 ]
  [ $(( ($(date +%s%N) - start) / 1000000 )) -ge 900 ]
}

# body/status of the last api_curl run
body() { printf '%s\n' "$output" | sed '$d'; }
code() { printf '%s\n' "$output" | tail -n1; }

@test "api: socket is mode 0600" {
  [ "$(stat -c %a "$API_SOCK")" = 600 ]
}

@test "api: _ping under every prefix, with Api-Version" {
  for p in /_ping /v1.44/_ping /v4.0.0/libpod/_ping /v1.12/libpod/_ping; do
    run api_curl "http://d$p"
    [ "$status" -eq 0 ]
    [ "$(code)" = 200 ]
    [ "$(body)" = OK ]
  done
  run curl -sS -I --unix-socket "$API_SOCK" http://d/_ping
  [[ "$output" == *"Api-Version: 1.44"* ]]
}

@test "api: version and info" {
  run api_curl http://d/v1.44/version
  [ "$(code)" = 200 ]
  [ "$(body | jq -r .ApiVersion)" = 1.44 ]
  [ "$(body | jq -r .MinAPIVersion)" = 1.24 ]
  run api_curl http://d/v4.0.0/libpod/info
  [ "$(code)" = 200 ]
  [ "$(body | jq -r .store.imageStore.number)" = 1 ]
  run api_curl http://d/info
  [ "$(body | jq -r .Images)" = 1 ]
}

@test "api: errors are JSON with the right status" {
  run api_curl http://d/v4.0.0/libpod/containers/nosuch/json
  [ "$(code)" = 404 ]
  [ "$(body | jq -r .response)" = 404 ]
  [[ "$(body | jq -r .cause)" == *nosuch* ]]
  run api_curl http://d/v1.44/containers/nosuch/json
  [ "$(code)" = 404 ]
  [[ "$(body | jq -r .message)" == *nosuch* ]]
  run api_curl http://d/v1.44/nowhere
  [ "$(code)" = 404 ]
}

@test "api: bad input is refused and changes nothing" {
  run api_curl -X POST -d '{bad' http://d/v1.44/containers/create
  [ "$(code)" = 400 ]
  run api_curl -X POST -d '{"image":"localhost/busybox","bogus":1}' http://d/v4.0.0/libpod/containers/create
  [ "$(code)" = 400 ]
  [[ "$(body | jq -r .message)" == *bogus* ]]
  run api_curl -X POST -d '{"Image":"localhost/busybox"}' "http://d/v1.44/containers/create?name=../x"
  [ "$(code)" = 400 ]
  run api_curl http://d/v1.44/containers/..%2F..%2Fetc/json
  [ "$(code)" = 400 ]
  run bash -c "head -c 2000000 /dev/zero | curl -sS --unix-socket '$API_SOCK' -o /dev/null -w '%{http_code}' -X POST --data-binary @- http://d/v1.44/containers/create"
  [ "$output" = 413 ]
  run api_curl -X POST -d '{"Image":"localhost/nosuchimage"}' http://d/v1.44/containers/create
  [ "$(code)" = 404 ]
  run berth ps -a -q
  [ -z "$output" ]
}

@test "api: libpod container life: create, start, json, logs, top, stop, delete" {
  run api_curl -X POST -d '{"image":"localhost/busybox","name":"lp","command":["sh","-c","echo lp-out; exec sleep 100"],"env":{"A":"1"}}' http://d/v4.0.0/libpod/containers/create
  [ "$(code)" = 201 ]
  id=$(body | jq -r .Id)
  run api_curl -X POST http://d/v1.12/libpod/containers/lp/start
  [ "$(code)" = 204 ]
  run api_curl http://d/v1.12/libpod/containers/json
  [ "$(body | jq -r '.[0].Names[0]')" = lp ]
  [ "$(body | jq -r '.[0].State')" = running ]
  run api_curl http://d/v1.12/libpod/containers/lp/json
  [ "$(body | jq -r .Id)" = "$id" ]
  [ "$(body | jq -r .State.Running)" = true ]
  run api_curl http://d/v1.12/libpod/containers/lp/exists
  [ "$(code)" = 204 ]
  run api_curl http://d/v1.12/libpod/containers/nope/exists
  [ "$(code)" = 404 ]
  # multiplexed frame: stream 1, length 7, "lp-out\n" (a loaded machine may take a while to run echo)
  lp_logs() { curl -sS --unix-socket "$API_SOCK" 'http://d/v1.12/libpod/containers/lp/logs?stdout=true' | od -An -tx1 | tr -d ' \n'; }
  lp_logged() { [ "$(lp_logs)" = "01000000000000076c702d6f75740a" ]; }
  wait_until 30 lp_logged || true
  run lp_logs
  echo "logs answered: $output"
  [ "$output" = "01000000000000076c702d6f75740a" ]
  run api_curl http://d/v1.12/libpod/containers/lp/top
  [[ "$(body)" == *"sleep 100"* ]]
  run api_curl -X POST http://d/v1.12/libpod/containers/lp/pause
  [ "$(code)" = 204 ]
  run api_curl -X POST http://d/v1.12/libpod/containers/lp/unpause
  [ "$(code)" = 204 ]
  run api_curl -X DELETE http://d/v1.12/libpod/containers/lp
  [ "$(code)" = 409 ]
  run api_curl -X POST "http://d/v1.12/libpod/containers/lp/stop?t=1"
  [ "$(code)" = 204 ]
  run api_curl -X POST "http://d/v1.12/libpod/containers/lp/stop?t=1"
  [ "$(code)" = 304 ]
  run api_curl -X POST http://d/v1.12/libpod/containers/lp/wait
  [ "$(code)" = 200 ]
  run api_curl -X DELETE http://d/v1.12/libpod/containers/lp
  [ "$(code)" = 200 ]
  run berth ps -a -q
  [ -z "$output" ]
}

@test "api: docker attach before start streams the output (what docker run does)" {
  run api_curl -X POST -d '{"Image":"localhost/busybox","Cmd":["sh","-c","echo out; echo err >&2; exit 3"]}' "http://d/v1.44/containers/create?name=att"
  [ "$(code)" = 201 ]
  # -v: curl says "< HTTP/1.1 101" on its (unbuffered) stderr once the attach is in place
  curl -sS -v -m 60 --unix-socket "$API_SOCK" -X POST -H 'Connection: Upgrade' -H 'Upgrade: tcp' \
    "http://d/v1.44/containers/att/attach?stream=1&stdout=1&stderr=1" -o "$BERTH_TEST_DIR/att.out" \
    2>"$BERTH_TEST_DIR/att.err" 3>&- &
  cpid=$!
  wait_until 30 grep -q '^< HTTP/1.1 101' "$BERTH_TEST_DIR/att.err"
  run api_curl -X POST http://d/v1.44/containers/att/start
  [ "$(code)" = 204 ]
  run api_curl -X POST http://d/v1.44/containers/att/wait
  [ "$(body | jq -r .StatusCode)" = 3 ]
  wait "$cpid" || true
  run bash -c "od -An -tx1 '$BERTH_TEST_DIR/att.out' | tr -d ' \n'"
  [[ "$output" == *"0100000000000004"*"6f75740a"* ]]
  [[ "$output" == *"0200000000000004"*"6572720a"* ]]
  run api_curl -X DELETE http://d/v1.44/containers/att
  [ "$(code)" = 204 ]
}

@test "api: images: list, inspect, history, tag, exists, delete" {
  run api_curl http://d/v1.44/images/json
  [ "$(body | jq -r '.[0].RepoTags[0]')" = localhost/busybox:latest ]
  run api_curl http://d/v1.44/images/localhost/busybox:latest/json
  [ "$(code)" = 200 ]
  [[ "$(body | jq -r .Id)" == sha256:* ]]
  run api_curl http://d/v1.12/libpod/images/localhost/busybox/history
  [ "$(code)" = 200 ]
  run api_curl -X POST "http://d/v1.44/images/localhost/busybox/tag?repo=localhost/other&tag=v1"
  [ "$(code)" = 201 ]
  run api_curl http://d/v1.12/libpod/images/localhost/other:v1/exists
  [ "$(code)" = 204 ]
  run api_curl -X DELETE http://d/v1.44/images/localhost/other:v1
  [ "$(code)" = 200 ]
  [ "$(body | jq -r '.[0].Untagged')" = localhost/other:v1 ]
  run api_curl http://d/v1.12/libpod/images/localhost/other:v1/exists
  [ "$(code)" = 404 ]
  run api_curl http://d/v1.12/libpod/images/nosuch/json
  [ "$(code)" = 404 ]
  run api_curl http://d/v1.12/libpod/pods/json
  [ "$(body)" = "[]" ]
}

@test "api: events stream (stream=false returns the past ones)" {
  run api_curl "http://d/v1.44/events?since=0&until=$(($(date +%s) + 1))"
  [ "$(code)" = 200 ]
  [[ "$(body)" == *'"Action":"start"'* ]] || [[ "$(body)" == *'"Action"'* ]]
  # followed without since: only what happens from now on (docker stats adds a row per start)
  run bash -c "curl -s -m 1.5 --unix-socket '$API_SOCK' 'http://d/v1.44/events'"
  [ "$status" -eq 28 ]
  [ -z "$output" ]
}

@test "api: containers/stats: podman's fields once, a reading per interval as a stream" {
  berth run -d --name st1 localhost/busybox sleep 100
  berth create --name st2 localhost/busybox true
  run api_curl "http://d/v4.0.0/libpod/containers/stats?stream=false"
  [ "$(code)" = 200 ]
  [ "$(body | jq -r .Error)" = null ]
  # only the running container without containers=
  [ "$(body | jq -r '.Stats | length')" = 1 ]
  [ "$(body | jq -r '.Stats[0].Name')" = st1 ]
  [ "$(body | jq -r '.Stats[0].ContainerID')" = "$(berth inspect --format '{{.Id}}' st1)" ]
  [ "$(body | jq -r '.Stats[0].PIDs')" = 1 ]
  [ "$(body | jq -r '.Stats[0].MemUsage > 0 and .Stats[0].MemLimit >= .Stats[0].MemUsage')" = true ]
  for f in AvgCPU CPU CPUNano CPUSystemNano SystemNano MemPerc NetInput NetOutput BlockInput BlockOutput UpTime Duration; do
    [ "$(body | jq -r ".Stats[0].$f | type")" = number ]
  done
  run api_curl "http://d/v1.12/libpod/containers/stats?stream=false&containers=st2&containers=st1"
  [ "$(body | jq -r '[.Stats[].Name] | join(" ")')" = "st2 st1" ]
  run api_curl "http://d/v1.12/libpod/containers/stats?stream=false&containers=nosuch"
  [ "$(code)" = 404 ]
  run api_curl "http://d/v1.12/libpod/containers/stats?interval=0"
  [ "$(code)" = 400 ]
  # a stream: a reading now and one every interval, until the client leaves
  stream_two 'http://d/v1.12/libpod/containers/stats?stream=true&interval=1&containers=st1'
  [ "$(printf '%s\n' "${lines[1]}" | jq -r '.Stats[0].Name')" = st1 ]
  run api_curl "http://d/v1.12/libpod/containers/stats?stream=false"
  [ "$(code)" = 200 ]
}

@test "api: docker containers/{id}/stats, once and streamed" {
  berth run -d --name dst localhost/busybox sleep 100
  run api_curl "http://d/v1.44/containers/dst/stats?stream=false"
  [ "$(code)" = 200 ]
  [ "$(body | jq -r .name)" = /dst ]
  [ "$(body | jq -r .id)" = "$(berth inspect --format '{{.Id}}' dst)" ]
  [ "$(body | jq -r '.memory_stats.usage > 0 and .memory_stats.limit > 0')" = true ]
  [ "$(body | jq -r '.cpu_stats.online_cpus > 0 and .cpu_stats.system_cpu_usage > 0')" = true ]
  [ "$(body | jq -r '.cpu_stats.cpu_usage.total_usage | type')" = number ]
  [ "$(body | jq -r .pids_stats.current)" = 1 ]
  [ "$(body | jq -r '.networks.eth0.rx_bytes | type')" = number ]
  [ "$(body | jq -r '.blkio_stats.io_service_bytes_recursive | length')" = 2 ]
  # as dockerd: stream=false answers a second reading with the first as precpu_stats (docker
  # stats --no-stream computes CPU % from both); one-shot=true answers the first alone
  [ "$(body | jq -r '.preread != "0001-01-01T00:00:00Z" and .precpu_stats.system_cpu_usage > 0')" = true ]
  [ "$(body | jq -r '.precpu_stats.online_cpus > 0 and .read > .preread')" = true ]
  run api_curl "http://d/v1.44/containers/dst/stats?stream=false&one-shot=true"
  [ "$(body | jq -r .preread)" = 0001-01-01T00:00:00Z ]
  # python3-docker spells it stream=False
  run api_curl "http://d/v1.44/containers/dst/stats?stream=False"
  [ "$(body | jq -r .name)" = /dst ]
  stream_two 'http://d/v1.44/containers/dst/stats'
  # the second reading carries the first as precpu_stats
  [ "$(printf '%s\n' "${lines[1]}" | jq -r '.precpu_stats.system_cpu_usage > 0 and .preread != "0001-01-01T00:00:00Z"')" = true ]
  run api_curl "http://d/v1.44/containers/nosuch/stats?stream=false"
  [ "$(code)" = 404 ]
}

@test "api: stats split CPU time into user and system (CPUSystemNano, usage_in_kernelmode)" {
  # forks in a loop: system time within a tick or two
  berth run -d --name sys1 localhost/busybox sh -c 'while :; do cat /proc/self/stat >/dev/null; done'
  for ((i = 0; i < 150; i++)); do
    run api_curl "http://d/v4.0.0/libpod/containers/stats?stream=false&containers=sys1"
    [ "$(body | jq -r '.Stats[0].CPUSystemNano > 0')" = true ] && break
    sleep 0.2
  done
  [ "$(body | jq -r '.Stats[0].CPUSystemNano > 0 and .Stats[0].CPUSystemNano <= .Stats[0].CPUNano')" = true ]
  run api_curl "http://d/v1.44/containers/sys1/stats?stream=false&one-shot=true"
  [ "$(body | jq -r '.cpu_stats.cpu_usage.usage_in_kernelmode > 0 and .cpu_stats.cpu_usage.usage_in_usermode >= 0')" = true ]
}

@test "api: create lays containers.conf's defaults (env, ulimits) under the body, as the CLI's" {
  local sock="$BERTH_TEST_DIR/conf.sock" conf="$BERTH_TEST_DIR/api-defaults.conf" pid i
  printf '[containers]\nenv = ["FROMCONF=1", "BOTH=conf"]\ndefault_ulimits = ["nofile=1000:1000"]\n' >"$conf"
  CONTAINERS_CONF=$conf "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
    system service --time 0 "unix://$sock" >"$BERTH_TEST_DIR/conf-api.log" 2>&1 3>&- &
  pid=$!
  for ((i = 0; i < 100; i++)); do [ -S "$sock" ] && break; sleep 0.1; done
  run curl -sS -m 20 --unix-socket "$sock" -H 'Content-Type: application/json' \
    -d '{"image":"localhost/busybox","name":"cc1","command":["sh","-c","echo $FROMCONF $BOTH $(ulimit -n)"]}' \
    http://d/v4.0.0/libpod/containers/create
  [ "$(printf '%s' "$output" | jq -r '.Id | length')" = 64 ]
  # the body's Env wins over containers.conf's
  run curl -sS -m 20 --unix-socket "$sock" -H 'Content-Type: application/json' \
    -d '{"Image":"localhost/busybox","Env":["BOTH=body"],"Cmd":["sh","-c","echo $FROMCONF $BOTH $(ulimit -n)"]}' \
    'http://d/v1.44/containers/create?name=cc2'
  [ "$(printf '%s' "$output" | jq -r '.Id | length')" = 64 ]
  kill "$pid"
  run berth start -a cc1
  [ "$output" = "1 conf 1000" ]
  run berth start -a cc2
  [ "$output" = "1 body 1000" ]
}

@test "api: rename (libpod and docker): 204, 409 when the name is taken, 404, 400" {
  berth create --name rn1 localhost/busybox true
  berth create --name rn2 localhost/busybox true
  run api_curl -X POST "http://d/v1.12/libpod/containers/rn1/rename?name=rn3"
  [ "$(code)" = 204 ]
  run berth inspect --format '{{.Name}}' rn3
  [ "$output" = rn3 ]
  run api_curl -X POST "http://d/v1.44/containers/rn3/rename?name=rn2"
  [ "$(code)" = 409 ]
  [[ "$(body | jq -r .message)" == *"already in use"* ]]
  run api_curl -X POST "http://d/v1.44/containers/rn3/rename?name=rn4"
  [ "$(code)" = 204 ]
  run api_curl -X POST "http://d/v1.44/containers/nosuch/rename?name=rn5"
  [ "$(code)" = 404 ]
  run api_curl -X POST "http://d/v1.44/containers/rn4/rename"
  [ "$(code)" = 400 ]
  run api_curl -X POST "http://d/v1.12/libpod/containers/rn4/rename?name=a%2Fb"
  [ "$(code)" = 400 ]
  [ "$(body | jq -r .response)" = 400 ]
  run berth ps -a --format '{{.Names}}' --filter name=rn
  [ "$(echo "$output" | sort | tr '\n' ' ')" = "rn2 rn4 " ]
}

@test "api: --time exits when idle; a root socket is 0600 even with a lax umask" {
  sock="$BERTH_TEST_DIR/idle.sock"
  (umask 0; berth system service --time 1 "unix://$sock") &
  pid=$!
  wait_until 30 test -S "$sock"
  [ "$(stat -c %a "$sock")" = 600 ]
  # it goes by itself (a second idle, however long a loaded machine takes for that)
  wait_until 30 pid_gone "$pid"
  [ ! -e "$sock" ]
}

@test "api: bad URI and flags are refused" {
  run berth system service --time 0 ftp://x
  [ "$status" -eq 125 ]
  [[ "$output" == *"unsupported URI"* ]]
  run berth system service --time -3
  [ "$status" -eq 125 ]
}

@test "api: systemd socket activation (LISTEN_FDS)" {
  command -v systemd-socket-activate >/dev/null || skip "no systemd-socket-activate"
  sock="$BERTH_TEST_DIR/act.sock"
  systemd-socket-activate -l "$sock" "$BERTH_BIN" --root "$BERTH_TEST_ROOT" \
    --runroot "$BERTH_TEST_RUNROOT" system service --time 0 3>&- >/dev/null 2>&1 &
  pid=$!
  wait_until 30 test -S "$sock"
  run curl -sS -m 30 --unix-socket "$sock" http://d/v4.0.0/libpod/_ping
  kill "$pid" 2>/dev/null || true
  [ "$output" = OK ]
}

# The workers serve plain requests themselves: calls that block (a stop's timeout: sleep as
# the container's pid 1 ignores SIGTERM), waits and quiet streams (events, logs -f) must leave
# them free for everyone else.
@test "api: blocked calls and quiet streams do not hold up other requests" {
  berth run -d --name sleeper localhost/busybox sleep 600 >/dev/null
  local pids=() i
  for i in 1 2 3 4; do
    curl -s -m 120 --unix-socket "$API_SOCK" -X POST "http://d/v1.44/containers/sleeper/stop?t=100" \
      >/dev/null 2>&1 & pids+=($!)
    curl -s -m 120 --unix-socket "$API_SOCK" -X POST "http://d/v1.44/containers/sleeper/wait" \
      >/dev/null 2>&1 & pids+=($!)
    curl -sN -m 120 --unix-socket "$API_SOCK" "http://d/v1.44/events" >/dev/null 2>&1 & pids+=($!)
    curl -sN -m 120 --unix-socket "$API_SOCK" \
      "http://d/v1.44/containers/sleeper/logs?follow=1&stdout=1" >/dev/null 2>&1 & pids+=($!)
  done
  for i in 1 2 3 4 5 6 7 8 9 10; do
    run curl -s -m 10 --unix-socket "$API_SOCK" http://d/_ping
    [ "$output" = OK ] || { kill "${pids[@]}"; false; }
    run curl -s -m 10 --unix-socket "$API_SOCK" "http://d/v1.44/containers/json"
    [[ "$output" == *sleeper* ]] || { kill "${pids[@]}"; false; }
  done
  kill "${pids[@]}" 2>/dev/null || true
}

# A keep-alive connection goes on after a call that ran off its worker (suspended, resumed).
@test "api: one connection: ping, a deferred call, ping again" {
  berth create --name made localhost/busybox true >/dev/null
  run curl -s -m 30 --unix-socket "$API_SOCK" -w ' %{num_connects}\n' http://d/_ping \
    --next -s -m 30 --unix-socket "$API_SOCK" -w ' %{num_connects}\n' -X POST \
    "http://d/v1.44/containers/made/rename?name=made2" \
    --next -s -m 30 --unix-socket "$API_SOCK" -w ' %{num_connects}\n' http://d/_ping
  [ "${lines[0]}" = "OK 1" ]
  [ "${lines[1]}" = " 0" ]
  [ "${lines[2]}" = "OK 0" ]
  run berth ps -a --format '{{.Names}}'
  [ "$output" = made2 ]
}
