#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# health.bats - health checks (--health-*, healthcheck run, State.Health, ps, events) and the
# exec sessions berth records.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers
load api_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
}
teardown_file() { api_stop; containers_teardown_file; }
# a failed test must not leave its containers (or its service) to the next one
teardown() {
  api_stop
  berth rm -a -f -t 0 >/dev/null 2>&1 || true
}

# body/status of the last api_curl run
body() { printf '%s\n' "$output" | sed '$d'; }
code() { printf '%s\n' "$output" | tail -n1; }

# health NAME - the health status inspect shows
health() {
  berth inspect --format '{{.State.Health.Status}}' "$1"
}

@test "a passing check turns the container healthy" {
  berth run -d --name hc-ok --health-cmd 'echo alive' --health-interval 1s localhost/busybox sleep 100
  # starting until the first check, 1 s on; a loaded machine may be past it already (the timer-less
  # hc-manual below shows starting for sure)
  [[ "$(health hc-ok)" =~ ^(starting|healthy)$ ]]
  wait_until 60 inspect_is hc-ok '{{.State.Health.Status}}' healthy
  run berth inspect --format '{{json .State.Health}}' hc-ok
  [[ "$output" == *'"FailingStreak":0'* ]]
  [[ "$output" == *'"ExitCode":0'* ]]
  [[ "$output" == *'"Output":"alive\n"'* ]]
  run berth inspect --format '{{json .Config.Healthcheck}}' hc-ok
  [ "$output" = '{"Test":["CMD-SHELL","echo alive"],"Interval":1000000000,"Timeout":30000000000,"Retries":3}' ]
  run berth ps --filter name=hc-ok
  [[ "$output" == *"ago (healthy)"* ]]
  run berth ps # the plain table, without filters, reads fewer create options
  [[ "$output" == *"ago (healthy)"*hc-ok* ]]
  run berth ps --filter health=healthy --format '{{.Names}}'
  [ "$output" = hc-ok ]
  # healthcheck run: a passing check says nothing and exits 0
  run berth healthcheck run hc-ok
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # only the last 5 results are kept
  for i in 1 2 3 4 5 6; do berth healthcheck run hc-ok; done
  run berth inspect --format '{{len .State.Health.Log}}' hc-ok
  [ "$output" = 5 ]
  berth rm -f hc-ok
}

@test "a failing check marks the container unhealthy after --health-retries failures" {
  berth run -d --name hc-bad --health-cmd false --health-interval 1s --health-retries 2 \
    localhost/busybox sleep 100
  wait_until 60 inspect_is hc-bad '{{.State.Health.Status}}' unhealthy
  run berth inspect --format '{{.State.Health.FailingStreak}} {{.State.Running}}' hc-bad
  [[ "$output" =~ ^[2-9]\ true$ ]]
  run berth ps --format '{{.Names}} {{.Status}}'
  [[ "$output" == *"hc-bad Up "*" ago (unhealthy)"* ]]
  run berth ps --filter health=unhealthy --format '{{.Names}}'
  [ "$output" = hc-bad ]
  # healthcheck run: podman prints "unhealthy" and exits 1
  run berth healthcheck run hc-bad
  [ "$status" -eq 1 ]
  [ "$output" = unhealthy ]
  # every check is a health_status event
  id=$(berth inspect --format '{{.Id}}' hc-bad)
  run berth events --stream=false --filter event=health_status
  [[ "$output" == *"container health_status $id (image=localhost/busybox:latest, name=hc-bad, health_status=unhealthy)"* ]]
  run berth events --stream=false --format json
  [[ "$output" == *'"Status":"health_status"'* ]]
  berth rm -f hc-bad
}

@test "healthcheck run: exit codes and podman's errors" {
  berth run -d --name hc-none localhost/busybox sleep 100
  id=$(berth inspect --format '{{.Id}}' hc-none)
  run berth healthcheck run hc-none
  [ "$status" -eq 125 ]
  [ "$output" = "Error: container $id has no defined healthcheck" ]
  run berth healthcheck run no-such-ctr
  [ "$status" -eq 125 ]
  [[ "$output" == *'no container with name or ID "no-such-ctr" found'* ]]
  # a check with the timer disabled runs only by hand; the output is kept
  berth run -d --name hc-manual --health-cmd '["sh","-c","echo out; echo err >&2; exit 3"]' \
    --health-interval disable --health-retries 1 localhost/busybox sleep 100
  run berth inspect --format '{{json .Config.Healthcheck.Test}}' hc-manual
  [ "$output" = '["CMD","sh","-c","echo out; echo err >&2; exit 3"]' ]
  sleep 1.2
  run berth inspect --format '{{.State.Health.Status}} {{len .State.Health.Log}}' hc-manual
  [ "$output" = "starting 0" ]
  run berth healthcheck run hc-manual
  [ "$status" -eq 1 ]
  [ "$output" = unhealthy ]
  run berth inspect --format '{{json .State.Health.Log}}' hc-manual
  [[ "$output" == *'"ExitCode":3'* ]]
  [[ "$output" == *'out\n'* ]]
  [[ "$output" == *'err\n'* ]]
  # a stopped container
  berth stop -t 0 hc-manual
  run berth healthcheck run hc-manual
  [ "$status" -eq 125 ]
  [[ "$output" == "Error: container "*" is not running" ]]
  berth rm -f hc-none hc-manual
}

@test "--health-timeout ends a check that hangs" {
  berth run -d --name hc-slow --health-cmd 'sleep 30' --health-interval disable \
    --health-timeout 1s --health-retries 1 localhost/busybox sleep 100
  start=$(date +%s)
  run berth healthcheck run hc-slow
  [ "$status" -eq 1 ]
  [ $(($(date +%s) - start)) -lt 25 ] # not the 30 s the check would take
  run berth inspect --format '{{json .State.Health.Log}}' hc-slow
  [[ "$output" == *'"ExitCode":-1'* ]]
  [[ "$output" == *'exceeded timeout of 1s'* ]]
  # the test's process is gone from the container
  run berth exec hc-slow ps
  [[ "$output" != *"sleep 30"* ]]
  berth rm -f hc-slow
}

@test "--health-on-failure kill kills the container once it is unhealthy" {
  berth run -d --name hc-kill --health-cmd false --health-interval 1s --health-retries 1 \
    --health-on-failure kill localhost/busybox sleep 100
  wait_until 60 inspect_is hc-kill '{{.State.Status}}' exited
  run berth inspect --format '{{.State.ExitCode}} {{.State.Health.Status}} {{.Config.HealthcheckOnFailureAction}}' hc-kill
  [ "$output" = "137 unhealthy kill" ]
  berth rm -f hc-kill
}

@test "--health-on-failure restart stops and starts the container again" {
  berth run -d --name hc-restart --health-cmd false --health-interval 1s --health-retries 1 \
    --health-on-failure restart --stop-timeout 1 localhost/busybox sleep 100
  id=$(berth inspect --format '{{.Id}}' hc-restart)
  started_twice() { [ "$(berth events --stream=false --filter event=start | grep -c "$id")" -ge 2 ]; }
  wait_until 90 started_twice
  # it was stopped (SIGTERM, then SIGKILL after --stop-timeout) before it started again
  run berth events --stream=false --filter event=died
  [[ "$output" == *"container died $id (image=localhost/busybox:latest, name=hc-restart, containerExitCode=137)"* ]]
  berth rm -f hc-restart
}

@test "the image's HEALTHCHECK applies; --no-healthcheck and bad flags" {
  run berth create --name hc-both --no-healthcheck --health-cmd true localhost/busybox
  [ "$status" -eq 125 ]
  [ "$output" = "Error: cannot specify both --no-healthcheck and --health-cmd" ]
  run berth create --health-cmd true --health-interval 5x localhost/busybox
  [ "$status" -eq 125 ]
  [[ "$output" == 'Error: invalid healthcheck-interval: time: invalid duration "5x"'* ]]
  run berth create --health-cmd true --health-retries 0 localhost/busybox
  [ "$status" -eq 125 ]
  [ "$output" = "Error: healthcheck-retries must be greater than 0" ]
  run berth create --health-cmd true --health-on-failure reboot localhost/busybox
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid on-failure action "reboot" for health check'* ]]
  run berth ps -a --format '{{.Names}}'
  [[ "$output" != *hc-both* ]]
  # an image with a HEALTHCHECK: busybox with one added to its config, through an OCI layout
  berth push localhost/busybox "oci:$BATS_TEST_TMPDIR/lay:hc"
  python3 - "$BATS_TEST_TMPDIR/lay" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
def blob(dg): return os.path.join(d, 'blobs', *dg.split(':'))
def put(data):
    dg = 'sha256:' + hashlib.sha256(data).hexdigest()
    open(blob(dg), 'wb').write(data)
    return dg, len(data)
idx = json.load(open(os.path.join(d, 'index.json')))
m = idx['manifests'][0]
man = json.load(open(blob(m['digest'])))
cfg = json.load(open(blob(man['config']['digest'])))
cfg['config']['Healthcheck'] = {'Test': ['CMD-SHELL', 'echo from-image'], 'Interval': 1000000000, 'Retries': 2}
man['config']['digest'], man['config']['size'] = put(json.dumps(cfg).encode())
m['digest'], m['size'] = put(json.dumps(man).encode())
json.dump(idx, open(os.path.join(d, 'index.json'), 'w'))
PY
  berth pull "oci:$BATS_TEST_TMPDIR/lay:hc"
  berth run -d --name hc-img localhost/hc sleep 100
  # the image's check, its missing Timeout made podman's default
  run berth inspect --format '{{json .Config.Healthcheck}}' hc-img
  [ "$output" = '{"Test":["CMD-SHELL","echo from-image"],"Interval":1000000000,"Retries":2,"Timeout":30000000000}' ]
  wait_until 60 inspect_is hc-img '{{.State.Health.Status}}' healthy
  run berth inspect --format '{{(index .State.Health.Log 0).Output}}' hc-img
  [ "$output" = from-image ]
  # --health-cmd replaces it, --no-healthcheck removes it
  berth create --name hc-img2 --health-cmd 'exit 0' localhost/hc
  run berth inspect --format '{{json .Config.Healthcheck.Test}}' hc-img2
  [ "$output" = '["CMD-SHELL","exit 0"]' ]
  berth rm -f hc-img hc-img2
  berth run -d --name hc-off --no-healthcheck localhost/hc sleep 100
  run berth inspect --format '{{json .Config.Healthcheck}}' hc-off
  [ "$output" = '{"Test":["NONE"]}' ]
  run berth healthcheck run hc-off
  [ "$status" -eq 125 ]
  [[ "$output" == *"has no defined healthcheck"* ]]
  berth rm -f hc-off
}

@test "exec sessions are recorded (events, exit codes, the API's exec json and resize); API healthcheck" {
  berth run -d --name ex --health-cmd true --health-interval 1s localhost/busybox sleep 100
  id=$(berth inspect --format '{{.Id}}' ex)
  run berth exec ex sh -c 'exit 3'
  [ "$status" -eq 3 ]
  sid=$(berth exec -d ex sh -c 'sleep 0.2; exit 5')
  [[ "$sid" =~ ^[0-9a-f]{64}$ ]]
  # a detached session's exit is recorded by its monitor's exit command
  exec_died_5() { berth events --stream=false | grep -q "exec_died $id .*execID=$sid, containerExitCode=5"; }
  wait_until 30 exec_died_5
  run berth events --stream=false --filter event=exec
  [[ "$output" == *"container exec $id (image=localhost/busybox:latest, name=ex, execID=$sid)"* ]]
  run berth events --stream=false --filter event=exec_died
  [[ "$output" == *"containerExitCode=3)"* ]]
  # the session's run dir goes once it ended (right after the event)
  wait_until 30 test ! -e "$BERTH_TEST_RUNROOT/containers/$id/exec/${sid:0:32}"

  api_start
  # the REST API's container list shows the health too
  wait_until 60 bash -c "curl -sS --unix-socket '$API_SOCK' http://d/v1.44/containers/json | grep -q 'ago (healthy)'"
  # a session the CLI started, seen by the API server (another process): it is in the store
  run api_curl "http://d/v4.0.0/libpod/exec/$sid/json"
  [ "$(code)" = 200 ]
  [[ "$(body)" == *'"Running": false'* || "$(body)" == *'"Running":false'* ]]
  body | grep -Eq '"ExitCode": ?5'
  body | grep -Eq '"ContainerID": ?"'"$id"'"'
  # the API's own: created (not started), started detached, then ended
  run api_curl -X POST -H 'Content-Type: application/json' \
    -d '{"Cmd":["sh","-c","exit 4"],"AttachStdout":true}' http://d/v1.44/containers/ex/exec
  [ "$(code)" = 201 ]
  aid=$(body | sed -n 's/.*"Id": *"\([0-9a-f]*\)".*/\1/p')
  [ -n "$aid" ]
  run api_curl "http://d/v1.44/exec/$aid/json"
  [ "$(code)" = 200 ]
  body | grep -Eq '"ExitCode": ?null'
  body | grep -Eq '"entrypoint": ?"sh"'
  run api_curl -X POST -H 'Content-Type: application/json' -d '{"Detach":true}' \
    "http://d/v1.44/exec/$aid/start"
  [ "$(code)" = 200 ]
  wait_until 30 bash -c "curl -sS --unix-socket '$API_SOCK' http://d/v1.44/exec/$aid/json | grep -Eq '\"ExitCode\": ?4'"
  # started once only
  run api_curl -X POST -H 'Content-Type: application/json' -d '{"Detach":true}' \
    "http://d/v1.44/exec/$aid/start"
  [ "$(code)" = 409 ]
  run api_curl "http://d/v1.44/exec/0000/json"
  [ "$(code)" = 404 ]
  # a resize reaches the terminal of a running session
  run api_curl -X POST -H 'Content-Type: application/json' \
    -d '{"Cmd":["sh","-c","while [ ! -e /tmp/go ]; do sleep 0.1; done; stty size"],"Tty":true,"AttachStdout":true}' \
    http://d/v1.44/containers/ex/exec
  tid=$(body | sed -n 's/.*"Id": *"\([0-9a-f]*\)".*/\1/p')
  curl -sS -m 60 --unix-socket "$API_SOCK" -X POST -H 'Content-Type: application/json' \
    -d '{"Detach":false,"Tty":true}' "http://d/v1.44/exec/$tid/start" >"$BATS_TEST_TMPDIR/tty.out" 3>&- &
  cpid=$!
  wait_until 60 bash -c "curl -sS --unix-socket '$API_SOCK' http://d/v1.44/exec/$tid/json | grep -Eq '\"Running\": ?true'"
  run api_curl -X POST "http://d/v1.44/exec/$tid/resize?h=33&w=77"
  [ "$(code)" = 201 ]
  berth exec ex touch /tmp/go
  wait "$cpid"
  grep -q '33 77' "$BATS_TEST_TMPDIR/tty.out"
  run api_curl -X POST "http://d/v1.44/exec/0000/resize?h=1&w=1"
  [ "$(code)" = 404 ]
  # libpod's healthcheck call runs the check and answers the state
  run api_curl http://d/v4.0.0/libpod/containers/ex/healthcheck
  [ "$(code)" = 200 ]
  body | grep -Eq '"Status": ?"healthy"'
  berth run -d --name ex-none localhost/busybox sleep 100
  run api_curl http://d/v4.0.0/libpod/containers/ex-none/healthcheck
  [ "$(code)" = 409 ]
  [[ "$(body)" == *"has no defined healthcheck"* ]]
  berth rm -f ex-none
  api_stop
  berth rm -f ex
}
