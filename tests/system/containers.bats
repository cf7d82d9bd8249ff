#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# containers.bats - a container's life without a daemon: create/start, ps, logs, stop, kill,
# wait, rm, inspect, prune, and the truth of the records when processes die under us.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }
# a failed test must not leave its containers to the next one (prune counts what is left)
teardown() { berth rm -a -f -t 0 >/dev/null 2>&1 || true; }

@test "run -d: ps shows it Up, no berth CLI process remains, logs has its output" {
  id=$(berth run -d --name ticker localhost/busybox sh -c 'echo started; while true; do sleep 0.1; done')
  [ ${#id} -eq 64 ]
  # nothing but the monitor is left of berth: no CLI process (allow the CLI a moment to exit)
  wait_until 30 no_cli_left || { ps -o pid,ppid,stat,args -p "$(berth_cli_pids | tr '\n' ,)0"; false; }
  run pgrep -f "berth-monitor --id $id"
  [ "$status" -eq 0 ]
  run berth ps
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "CONTAINER ID  IMAGE"*"COMMAND"*"CREATED"*"STATUS"*"PORTS"*"NAMES" ]]
  [[ "${lines[1]}" == "${id:0:12}  localhost/busybox:latest"*"Up "*"ticker" ]]
  wait_until 30 bash -c "'$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT' logs ticker | grep -q started"
  run berth ps -q
  [ "$output" = "${id:0:12}" ]
  run berth ps -q --no-trunc
  [ "$output" = "$id" ]
  run berth ps --format '{{.Names}} {{.State}}'
  [ "$output" = "ticker running" ]
  # --noheading keeps podman's aligned columns, only without the header line
  run berth ps
  header_less=("${lines[@]:1}")
  run berth ps --noheading
  [ "${#lines[@]}" -eq 1 ]
  [[ "${lines[0]}" != *$'\t'* ]]
  [[ "${lines[0]}" == "${header_less[0]:0:40}"* ]]
  run berth container inspect --format '{{.State.Running}} {{.Name}}' ticker
  [ "$output" = "true ticker" ]
  berth rm -f ticker
}

@test "stop -t 1 ends a container that ignores SIGTERM in about a second" {
  berth run -d --name stubborn localhost/busybox sh -c 'trap "" TERM; touch /tmp/ready; while true; do sleep 0.1; done'
  # a SIGTERM before the trap is set would end it at once: wait for the trap
  wait_until 30 ctr_has stubborn /tmp/ready
  start=$(date +%s%N)
  run berth stop -t 1 stubborn
  end=$(date +%s%N)
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "WARN[0000] StopSignal SIGTERM failed to stop container stubborn in 1 seconds, resorting to SIGKILL" ]
  [ "${lines[1]}" = "stubborn" ]
  ms=$(( (end - start) / 1000000 ))
  echo "stop took ${ms} ms"
  # at least the 1 s asked for; well under the default 10 s even on a loaded machine
  [ "$ms" -ge 900 ] && [ "$ms" -lt 8000 ]
  run berth ps -a --filter name=stubborn --format '{{.Status}}'
  [[ "$output" == "Exited (137) "*" ago" ]]
  berth rm stubborn
}

@test "a long stop holds no lock: kill and rm -f go on meanwhile, and the stop ends with them" {
  berth run -d --name slowstop localhost/busybox sh -c 'trap "touch /tmp/termed" TERM; touch /tmp/ready; while true; do sleep 0.1; done'
  wait_until 30 ctr_has slowstop /tmp/ready
  "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" stop -t 100 slowstop 3>&- &
  stopper=$!
  # the container notes the SIGTERM and goes on: the stop is waiting out its 100 s
  wait_until 30 ctr_has slowstop /tmp/termed
  run timeout 20 "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" kill slowstop
  [ "$status" -eq 0 ]
  wait_until 30 pid_gone "$stopper"
  wait "$stopper"
  run berth container inspect --format '{{.State.Status}} {{.State.ExitCode}}' slowstop
  [ "$output" = "exited 137" ]
  # and rm -f during a long stop removes the container; the stop then ends without an error
  berth start slowstop >/dev/null
  wait_until 30 ctr_has slowstop /tmp/ready
  berth exec slowstop rm -f /tmp/termed
  "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" stop -t 100 slowstop 3>&- &
  stopper=$!
  wait_until 30 ctr_has slowstop /tmp/termed
  run timeout 20 "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" rm -f -t 0 slowstop
  [ "$status" -eq 0 ]
  wait_until 30 pid_gone "$stopper"
  wait "$stopper"
  run berth container exists slowstop
  [ "$status" -eq 1 ]
}

@test "stop uses the stop signal and a container that handles it exits at once" {
  berth run -d --name polite localhost/busybox sh -c 'trap "exit 0" TERM; touch /tmp/ready; while true; do sleep 0.1; done'
  wait_until 30 ctr_has polite /tmp/ready
  start=$(date +%s%N)
  berth stop polite
  end=$(date +%s%N)
  # not the default 10 s stop timeout (a loaded machine may take a few seconds all the same)
  [ $(( (end - start) / 1000000 )) -lt 8000 ]
  run berth container inspect --format '{{.State.ExitCode}} {{.State.Status}}' polite
  [ "$output" = "0 exited" ]
  berth rm polite
}

@test "logs -f follows new output and ends when the container exits" {
  berth run -d --name chatty localhost/busybox sh -c 'for i in 1 2 3 4 5; do echo line$i; sleep 0.3; done'
  run timeout 60 "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" logs -f chatty
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'line1\nline2\nline3\nline4\nline5')" ]
  run berth logs --tail 2 chatty
  [ "$output" = "$(printf 'line4\nline5')" ]
  run berth logs -t --tail 1 chatty
  [[ "$output" =~ ^20[0-9-]+T[0-9:.]+Z\ line5$ ]]
  berth rm chatty
}

@test "logs -f survives rotation (--log-opt max-size)" {
  berth run -d --name rot --log-opt max-size=2k localhost/busybox sh -c 'sleep 0.5; i=0; while [ $i -lt 200 ]; do echo "row $i"; i=$((i+1)); sleep 0.005; done'
  run timeout 90 "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" logs -f rot
  [ "$status" -eq 0 ]
  [[ "$output" == *"row 199" ]]
  [ "$(stat -c %s "$BERTH_TEST_ROOT/containers/$(berth ps -aq --no-trunc --filter name=rot)/userdata/ctr.log")" -le 2048 ]
  berth rm rot
}

@test "create + start -a returns the exit code; wait prints it" {
  id=$(berth create --name later localhost/busybox sh -c 'echo from-start; exit 7')
  run berth ps -a --filter name=later --format '{{.Status}}'
  [ "$output" = "Created" ]
  run berth start -a later
  [ "$status" -eq 7 ]
  [ "$output" = "from-start" ]
  run berth wait later
  [ "$output" = "7" ]
  run berth ps -a --filter name=later --format '{{.Status}}'
  [[ "$output" == "Exited (7) "* ]]
  berth rm later
}

@test "kill -s sends the signal; the exit code says so" {
  berth run -d --name victim localhost/busybox sh -c 'trap "exit 3" USR1; touch /tmp/ready; while true; do sleep 0.1; done'
  wait_until 30 ctr_has victim /tmp/ready
  berth kill -s USR1 victim
  run berth wait victim
  [ "$output" = "3" ]
  run berth kill victim
  [ "$status" -eq 125 ]
  [[ "$output" == *"can only kill running containers"* ]]
  # podman's lifecycle events: create, init, start, kill, died
  run berth events --stream=false --filter container=victim --format '{{.Status}}'
  [ "$(echo "$output" | tr '\n' ' ')" = "create init start kill died " ]
  berth rm victim
}

@test "the container outlives the CLI that started it" {
  berth run -d --name survivor localhost/busybox sleep 1000
  wait_until 30 no_cli_left
  sleep 1
  run berth ps --filter name=survivor --format '{{.Status}}'
  [[ "$output" == "Up "* ]]
  berth rm -f survivor
}

@test "ps tells the truth after the monitor is killed" {
  id=$(berth run -d --name orphan localhost/busybox sleep 1000)
  pid=$(berth container inspect --format '{{.State.Pid}}' orphan)
  mon=$(berth container inspect --format '{{.State.ConmonPid}}' orphan)
  [ "$pid" -gt 0 ] && [ "$mon" -gt 0 ]
  kill -9 "$mon"
  wait_until 30 pid_gone "$mon"
  run berth ps --filter name=orphan --format '{{.Status}}'
  [[ "$output" == "Up "* ]]
  kill -9 "$pid"
  wait_until 30 pid_gone "$pid"
  run berth ps -a --filter name=orphan --format '{{.State}}'
  [ "$output" = "exited" ]
  run berth ps --filter name=orphan -q
  [ -z "$output" ]
  berth rm orphan
}

@test "a pid reused by another process does not read as alive" {
  id=$(berth create --name reused localhost/busybox true)
  sleep 1000 &
  other=$!
  # forge a record that says running with the other process's pid but a wrong start time
  sqlite3 "$BERTH_TEST_ROOT/berth.db" \
    "UPDATE containers SET state='running', pid=$other, pid_start=1, started_at=1 WHERE id='$id'"
  run berth ps -a --filter name=reused --format '{{.State}}'
  [ "$output" = "exited" ]
  kill -0 "$other"
  kill "$other"
  berth rm reused
}

@test "rm refuses a running container without -f; rm -f removes it and its files" {
  id=$(berth run -d --name busy localhost/busybox sleep 1000)
  run berth rm busy
  [ "$status" -eq 2 ] # podman rm: 2 running, 1 no such container
  [[ "$output" == *"cannot remove container $id as it is running"* ]]
  run berth rm -f busy
  [ "$status" -eq 0 ]
  [ ! -e "$BERTH_TEST_ROOT/containers/$id" ]
  [ ! -e "$BERTH_TEST_ROOT/overlay-containers/$id" ]
  [ ! -e "$BERTH_TEST_RUNROOT/containers/$id" ]
  run berth container exists busy
  [ "$status" -eq 1 ]
  run berth rm busy
  [ "$status" -eq 1 ]
  [[ "$output" == 'Error: no container with name or ID "busy" found: no such container' ]]
}

@test "inspect shows podman's fields; config.json is a standard bundle" {
  id=$(berth create --name insp -e FOO=bar -w /tmp --label app=web localhost/busybox echo hi)
  run berth container inspect insp
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.[0].Id == "'$id'"'
  echo "$output" | jq -e '.[0].Path == "echo" and .[0].Args == ["hi"]'
  echo "$output" | jq -e '.[0].State.Status == "created"'
  echo "$output" | jq -e '.[0].Config.Env | index("FOO=bar") != null'
  echo "$output" | jq -e '.[0].Config.WorkingDir == "/tmp"'
  echo "$output" | jq -e '.[0].Config.Labels.app == "web"'
  echo "$output" | jq -e '.[0].ImageName == "localhost/busybox:latest"'
  jq -e '.ociVersion and .process.args == ["echo","hi"] and .linux.seccomp.defaultAction' \
    "$BERTH_TEST_ROOT/containers/$id/userdata/config.json"
  run berth ps -a --filter label=app=web --format '{{.Names}}'
  [ "$output" = "insp" ]
  run berth ps -a --filter ancestor=localhost/busybox --filter id=${id:0:6} -q
  [ "$output" = "${id:0:12}" ]
  berth rm insp
}

@test "restart and container prune" {
  berth run -d --name again localhost/busybox sleep 1000
  berth create --name idle localhost/busybox true >/dev/null
  berth run --name done localhost/busybox true
  run berth restart -t 0 again
  [ "$status" -eq 0 ]
  run berth ps --filter name=again --format '{{.State}}'
  [ "$output" = "running" ]
  run berth container prune -f
  [ "$status" -eq 0 ]
  run berth ps -a --format '{{.Names}}'
  [ "$output" = "again" ]
  berth rm -f again
}

@test "exec runs in the running container with -e, -w, -u, -i, -d and its exit code" {
  berth run -d --name host localhost/busybox sh -c 'echo inside >/tmp/mark; sleep 1000'
  wait_until 30 berth exec host test -e /tmp/mark
  run berth exec host cat /tmp/mark
  [ "$status" -eq 0 ]
  [ "$output" = "inside" ]
  run berth exec -e X=1 -w /tmp -u nobody host sh -c 'echo $X $(pwd) $(id -u); exit 5'
  [ "$status" -eq 5 ]
  [ "$output" = "1 /tmp 65534" ]
  run bash -c "echo piped | '$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT' exec -i host cat"
  [ "$output" = "piped" ]
  run berth exec -d host sh -c 'echo bg >/tmp/bg'
  [ "$status" -eq 0 ]
  [ ${#output} -eq 64 ]
  wait_until 30 berth exec host test -e /tmp/bg
  run -127 berth exec host /no/such/cmd
  [[ "$output" == Error:* ]]
  # the exec'd process sees the container's pid namespace (sh exec'd its last command)
  run berth exec host sh -c 'cat /proc/1/cmdline | tr "\0" " "'
  [[ "$output" == "sleep 1000"* ]]
  berth stop -t 0 host
  run berth exec host true
  [ "$status" -eq 125 ]
  [[ "$output" == *"can only create exec sessions on running containers"* ]]
  berth rm host
}

@test "inspect picks a container, else an image" {
  berth create --name pick localhost/busybox true >/dev/null
  run berth inspect --format '{{.Name}} {{.State.Status}}' pick
  [ "$status" -eq 0 ]
  [ "$output" = "pick created" ]
  run berth inspect --format '{{.Id}}' localhost/busybox
  [ "$status" -eq 0 ]
  [ ${#output} -eq 64 ]
  run berth inspect no-such-thing
  [ "$status" -eq 125 ]
  berth rm pick
}

@test "run -t gives the process a terminal; exec -t too" {
  run berth run --rm -t localhost/busybox sh -c 'tty; echo $TERM'
  [ "$status" -eq 0 ]
  [[ "$output" == /dev/pts/0* ]]
  [[ "$output" == *xterm* ]]
  berth run -d --name termy localhost/busybox sleep 1000
  run berth exec -t termy tty
  [[ "$output" == /dev/pts/* ]]
  berth rm -f termy
}

@test "a start the CLI never recorded (CLI killed) is adopted from the monitor's pid file" {
  id=$(berth run -d --name unrec localhost/busybox sleep 1000)
  pid=$(berth container inspect --format '{{.State.Pid}}' unrec)
  # what the record looks like when the CLI dies between starting and recording
  sqlite3 "$BERTH_TEST_ROOT/berth.db" \
    "UPDATE containers SET state='created', pid=0, pid_start=0, started_at=0 WHERE id='$id'"
  run berth ps --filter name=unrec --format '{{.State}} {{.Pid}}'
  [ "$output" = "running $pid" ]
  kill -9 "$pid"
  wait_until 30 bash -c "'$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT' ps -a --filter name=unrec --format '{{.State}}' | grep -qx exited"
  run berth ps -a --filter name=unrec --format '{{.Status}}'
  [[ "$output" == "Exited (137) "* ]]
  berth rm unrec
}
