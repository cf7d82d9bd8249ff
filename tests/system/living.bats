#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# living.bats - living with running containers: pause/unpause, top, port.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }

# counter NAME - the last number the counting container wrote
counter() {
  berth exec "$1" cat /tmp/n
}

@test "pause stops a counter, unpause resumes it" {
  [ "$(id -u)" -eq 0 ] || skip "the freezer needs root's cgroups"
  berth run -d --name counting localhost/busybox \
    sh -c 'i=0; while true; do i=$((i+1)); echo $i >/tmp/n; sleep 0.05; done'
  wait_for 50 bash -c "'$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT' exec counting test -s /tmp/n"
  run berth pause counting
  [ "$status" -eq 0 ]
  [ "$output" = counting ]
  # the freezer says frozen and the count stands still
  id=$(berth container inspect --format '{{.Id}}' counting)
  [ "$(cat /sys/fs/cgroup/freezer/berth/$id/freezer.state 2>/dev/null || cat /sys/fs/cgroup/berth/$id/cgroup.freeze)" != THAWED ]
  pid=$(berth container inspect --format '{{.State.Pid}}' counting)
  n1=$(cat /proc/$pid/root/tmp/n)
  sleep 0.5
  n2=$(cat /proc/$pid/root/tmp/n)
  [ "$n1" = "$n2" ]
  run berth pause counting
  [ "$status" -eq 125 ]
  [[ "$output" == *'"counting" is already paused'* ]]
  run berth unpause counting
  [ "$status" -eq 0 ]
  [ "$output" = counting ]
  sleep 0.5
  n3=$(cat /proc/$pid/root/tmp/n)
  [ "$n3" -gt "$n2" ]
  run berth unpause counting
  [ "$status" -eq 125 ]
  [[ "$output" == *'"counting" is not paused'* ]]
  # --all pauses every running one and stop still works on a paused container after unpause
  run berth pause --all
  [ "$status" -eq 0 ]
  [[ "$output" == *"$id"* ]]
  run berth unpause -a
  [ "$status" -eq 0 ]
  [[ "$output" == *"$id"* ]]
  berth rm -f -t 0 counting
}

@test "pause refuses a container that is not running" {
  berth create --name idle localhost/busybox true
  run berth pause idle
  [ "$status" -eq 125 ]
  [[ "$output" == *'"idle" is not running'* ]]
  run berth pause nosuch
  [ "$status" -eq 125 ]
  berth rm idle
}

@test "top lists the container's processes with ps descriptors" {
  berth run -d --name topped localhost/busybox sh -c 'sleep 1000 & sleep 1001; echo done'
  wait_for 50 bash -c "'$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT' top topped | grep -q 'sleep 1000'"
  run berth top topped
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "USER"*"PID"*"PPID"*"%CPU"*"ELAPSED"*"TTY"*"TIME"*"COMMAND" ]]
  [[ "${lines[1]}" == "root"*" 1 "*" 0 "*"sh -c sleep 1000 & sleep 1001; echo done" ]]
  [[ "$output" == *"sleep 1001"* ]]
  [ "${#lines[@]}" -eq 4 ]
  run berth top topped pid,comm hpid
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "PID"*"COMMAND"*"HPID" ]]
  pid=$(berth container inspect --format '{{.State.Pid}}' topped)
  [[ "${lines[1]}" == "1"*"sh"*"$pid" ]]
  run berth top topped bogus
  [ "$status" -eq 125 ]
  [[ "$output" == *"unknown descriptor: bogus"* ]]
  berth rm -f -t 0 topped
  run berth top topped
  [ "$status" -eq 125 ]
}

@test "port lists the published ports of a container" {
  berth create --name ported -p 127.0.0.1:18080:80 -p 18081:81/udp localhost/busybox true
  run berth port ported
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "80/tcp -> 127.0.0.1:18080" ]
  [ "${lines[1]}" = "81/udp -> 0.0.0.0:18081" ]
  run berth port ported 80
  [ "$status" -eq 0 ]
  [ "$output" = "127.0.0.1:18080" ]
  run berth port ported 81/udp
  [ "$output" = "0.0.0.0:18081" ]
  run berth port ported 82
  [ "$status" -eq 125 ]
  [[ "$output" == *'failed to find published port "82"'* ]]
  berth rm ported
}
