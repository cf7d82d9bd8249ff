#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# api-docker.bats - the real docker client (/usr/bin/docker) against `berth system service`.

load ../system/helpers
load ../system/api_helpers

setup_file() {
  command -v docker >/dev/null || skip "no docker client"
  berth_test_setup_file
  busybox_image
  api_start
  export DOCKER_HOST="unix://$API_SOCK"
}

teardown_file() {
  api_stop
  berth rm -a -f >/dev/null 2>&1 || true
  berth_test_teardown_file
}

# a failed test must not leave its containers to the next one
teardown() { berth rm -a -f -t 0 >/dev/null 2>&1 || true; }

dk() { timeout -s KILL 60 docker "$@"; }

@test "docker: version negotiates 1.44" {
  run dk version --format '{{.Server.APIVersion}} {{.Server.MinAPIVersion}}'
  [ "$status" -eq 0 ]
  [ "$output" = "1.44 1.24" ]
}

@test "docker: images" {
  run dk images --format '{{.Repository}}:{{.Tag}}'
  [ "$status" -eq 0 ]
  [ "$output" = localhost/busybox:latest ]
}

@test "docker: run --rm prints the output and passes the exit code" {
  run dk run --rm localhost/busybox echo hi
  [ "$status" -eq 0 ]
  [ "$output" = hi ]
  run dk run --rm localhost/busybox sh -c 'exit 3'
  [ "$status" -eq 3 ]
  run dk ps -a -q
  [ -z "$output" ]
}

@test "docker: run -d, ps, logs -f, exec, inspect, stop, rm" {
  run dk run -d --name web localhost/busybox sh -c 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done'
  [ "$status" -eq 0 ]
  run dk ps --format '{{.Names}}'
  [ "$output" = web ]
  # follows from the start: the first line comes however slow the machine (grep ends it)
  run bash -c "timeout -s KILL 60 docker logs -f web | grep -m1 '^tick 0$'"
  [ "$output" = "tick 0" ]
  run dk exec web echo inside
  [ "$status" -eq 0 ]
  [ "$output" = inside ]
  run dk exec web sh -c 'exit 7'
  [ "$status" -eq 7 ]
  run bash -c "echo hello | timeout -s KILL 10 docker exec -i web cat"
  [ "$output" = hello ]
  run dk inspect -f '{{.State.Status}} {{.Name}}' web
  [ "$output" = "running /web" ]
  run dk stop -t 1 web
  [ "$status" -eq 0 ]
  run dk inspect -f '{{.State.Status}}' web
  [ "$output" = exited ]
  run dk rm web
  [ "$status" -eq 0 ]
  run dk ps -a -q
  [ -z "$output" ]
}

@test "docker: stats --no-stream shows the container's memory; rename" {
  run dk run -d --name dstat localhost/busybox sleep 100
  [ "$status" -eq 0 ]
  run dk stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}'
  [ "$status" -eq 0 ]
  # a real reading, not the zero docker prints when the body is empty
  [[ "$output" =~ ^dstat\ [0-9.]+[KMG]?i?B\ /\ [0-9.]+[KMGT]iB\ 1$ ]]
  [[ "$output" != "dstat 0B / 0B"* ]]
  run dk stats --no-stream
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"MEM USAGE / LIMIT"* ]]
  [[ "${lines[1]}" == *dstat* ]]
  run dk rename dstat dstat2
  [ "$status" -eq 0 ]
  run dk ps --format '{{.Names}}'
  [ "$output" = dstat2 ]
  run dk rename nosuch x
  [ "$status" -ne 0 ]
  run dk rm -f dstat2
  [ "$status" -eq 0 ]
}

@test "docker: stats --no-stream measures CPU over a second; live stats stream readings" {
  run dk run -d --name dbusy localhost/busybox sh -c 'while :; do :; done'
  [ "$status" -eq 0 ]
  # CPU % comes from the reading against precpu_stats: a busy loop is never 0.00%
  run dk stats --no-stream --format '{{.Name}} {{.CPUPerc}}' dbusy
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^dbusy\ [0-9.]+%$ ]]
  [ "$output" != "dbusy 0.00%" ]
  # the live table (docker wants a terminal): readings, never the "--" of a stalled stream
  timeout 6 script -qc "docker stats --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}}' dbusy" \
    /dev/null >"$BATS_TEST_TMPDIR/live" 2>&1 || true
  run bash -c "sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' '$BATS_TEST_TMPDIR/live' | tr '\r' '\n' | grep -a '^dbusy'"
  [ "${#lines[@]}" -ge 2 ]
  for l in "${lines[@]}"; do
    [[ "$l" =~ ^dbusy\ [0-9.]+%\ [0-9.]+[KMG]?i?B\ /\ [0-9.]+[KMGT]iB ]]
  done
  run dk rm -f dbusy
  [ "$status" -eq 0 ]
}

@test "docker: errors come back as messages" {
  run dk inspect nosuch
  [ "$status" -ne 0 ]
  [[ "$output" == *nosuch* ]]
  run dk run --rm localhost/nosuchimage true
  [ "$status" -ne 0 ]
}

# A run that hangs or loses its end shows up only now and then: loop it, plain, with a tty
# (docker sends stdin and a resize, which the server must read before it closes, or the client
# reads ECONNRESET instead of the end of the output) and -i, while another client follows
# the events stream. Each run has its own deadline, so a hang fails the test.
@test "docker: run --rm, plain, -t and -i, 25 times each beside an events stream" {
  command -v script >/dev/null || skip "no script(1)"
  timeout -s KILL 600 docker events >/dev/null 2>&1 &
  local ev=$! i out
  for ((i = 0; i < 25; i++)); do
    out=$(timeout -s KILL 30 docker run --rm localhost/busybox echo plain$i 2>&1) ||
      { kill "$ev"; echo "plain run $i: $out"; return 1; }
    [ "$out" = "plain$i" ] || { kill "$ev"; echo "plain run $i: $out"; return 1; }
    out=$(timeout -s KILL 30 script -qec "docker run --rm -t localhost/busybox echo tty$i" \
      /dev/null </dev/null 2>&1) || { kill "$ev"; echo "tty run $i: $out"; return 1; }
    [[ "$out" == *tty$i* ]] || { kill "$ev"; echo "tty run $i: $out"; return 1; }
    out=$(echo in$i | timeout -s KILL 30 docker run --rm -i localhost/busybox cat 2>&1) ||
      { kill "$ev"; echo "stdin run $i: $out"; return 1; }
    [ "$out" = "in$i" ] || { kill "$ev"; echo "stdin run $i: $out"; return 1; }
  done
  kill "$ev"
  run dk ps -a -q
  [ -z "$output" ]
}
