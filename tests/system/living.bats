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
# a failed test must not leave its containers to the next one
teardown() { berth rm -a -f -t 0 >/dev/null 2>&1 || true; }

# counter NAME - the last number the counting container wrote
counter() {
  berth exec "$1" cat /tmp/n
}

@test "pause stops a counter, unpause resumes it" {
  [ "$(id -u)" -eq 0 ] || skip "the freezer needs root's cgroups"
  berth run -d --name counting localhost/busybox \
    sh -c 'i=0; while true; do i=$((i+1)); echo $i >/tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.05; done'
  wait_until 30 berth exec counting test -s /tmp/n
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
  [ -n "$n1" ]
  [ "$n1" = "$n2" ]
  # ps and inspect tell the truth while frozen (the record itself still says running)
  [ "$(berth ps --format '{{.Status}}' --filter name=counting)" = Paused ]
  [ "$(berth container inspect --format '{{.State.Status}} {{.State.Paused}}' counting)" = "paused true" ]
  run berth pause counting
  [ "$status" -eq 125 ]
  [[ "$output" == *'"counting" is already paused'* ]]
  run berth unpause counting
  [ "$status" -eq 0 ]
  [ "$output" = counting ]
  # it counts on (however long a loaded machine takes to run it again)
  counted_on() { local n; n=$(cat "/proc/$pid/root/tmp/n" 2>/dev/null); [ -n "$n" ] && [ "$n" -gt "$n2" ]; }
  wait_until 30 counted_on
  run berth unpause counting
  [ "$status" -eq 125 ]
  [[ "$output" == *'"counting" is not paused'* ]]
  run berth events --stream=false
  [[ "$output" == *"container pause $id"* ]]
  [[ "$output" == *"container unpause $id"* ]]
  # --all pauses every running one and stop still works on a paused container after unpause
  run berth pause --all
  [ "$status" -eq 0 ]
  [[ "$output" == *"$id"* ]]
  run berth unpause -a
  [ "$status" -eq 0 ]
  [[ "$output" == *"$id"* ]]
  # stop thaws a paused container first (frozen processes would not die), and the freezer
  # cgroup goes with the container's exit
  berth pause counting
  SECONDS=0
  berth stop -t 1 counting
  [ "$SECONDS" -le 20 ] # frozen, it would never end
  [ "$(ctr_state counting)" = exited ]
  wait_until 30 test ! -d "/sys/fs/cgroup/freezer/berth/$id"
  run berth events --stream=false --filter event=stop
  [[ "$output" == *"container stop $id"* ]]
  berth rm counting
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
  # both sleeps started (sh starts the second after the first)
  both_sleeps() { local o; o=$(berth top topped) && [[ "$o" == *"sleep 1000"* && "$o" == *"sleep 1001"* ]]; }
  wait_until 30 both_sleeps
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

@test "--restart on-failure:3: a crashing container runs 4 times, RestartCount 3" {
  berth run -d --name crashing --restart on-failure:3 localhost/busybox \
    sh -c 'echo run; sleep 0.2; exit 2'
  wait_until 60 inspect_is crashing '{{.RestartCount}}' 3
  wait_until 30 inspect_is crashing '{{.State.Status}}' exited
  sleep 1
  [ "$(berth inspect --format '{{.RestartCount}}' crashing)" = 3 ]
  [ "$(berth inspect --format '{{.State.ExitCode}}' crashing)" = 2 ]
  [ "$(ctr_state crashing)" = exited ]
  run berth logs crashing
  [ "$output" = "$(printf 'run\nrun\nrun\nrun')" ]
  run berth events --stream=false
  [ "$(grep -c "container restart .*name=crashing" <<<"$output")" -eq 3 ]
  berth rm crashing
}

@test "--restart always restarts after exits but not after an explicit stop" {
  berth run -d --name always --restart always localhost/busybox sh -c 'sleep 0.3; exit 0'
  restarted_twice() { [ "$(berth inspect --format '{{.RestartCount}}' always)" -ge 2 ]; }
  wait_until 60 restarted_twice
  # most likely between an exit and the restart that waits out its back-off: the stop cancels it
  wait_until 30 inspect_is always '{{.State.Status}}' exited
  berth stop -t 0 always
  [ "$(ctr_state always)" = exited ]
  n=$(berth inspect --format '{{.RestartCount}}' always)
  sleep 6 # longer than the longest back-off (5 s): no restart came
  [ "$(berth inspect --format '{{.RestartCount}}' always)" = "$n" ]
  [ "$(ctr_state always)" = exited ]
  berth rm always
}

@test "--restart: bad policies and --rm are refused" {
  run berth create --restart sometimes localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid restart policy "sometimes"'* ]]
  run berth create --restart on-failure:x localhost/busybox true
  [ "$status" -eq 125 ]
  run berth create --rm --restart always localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--rm option conflicts with --restart"* ]]
}

@test "reboot: start --all --filter restart-policy=always brings containers back with their data" {
  berth run -d --name keeper --restart always localhost/busybox \
    sh -c 'echo boot >> /boots; sleep 1000'
  berth run -d --name plain localhost/busybox sleep 1000
  wait_until 30 berth exec keeper test -s /boots
  simulate_reboot
  run berth start --all --filter restart-policy=always
  [ "$status" -eq 0 ]
  id=$(berth inspect --format '{{.Id}}' keeper)
  [ "$output" = "$id" ]
  [ "$(ctr_state keeper)" = running ]
  [ "$(ctr_state plain)" = exited ]
  booted_twice() { [ "$(berth exec keeper cat /boots | wc -l)" = 2 ]; }
  wait_until 30 booted_twice
  run berth start --all --filter bogus=1
  [ "$status" -eq 125 ]
  berth rm -f -t 0 keeper plain
}

@test "cp: both directions, directories, and a symlink pointing outside resolves inside the root" {
  berth run -d --name cpy localhost/busybox sh -c \
    'mkdir -p /data/sub; echo inside >/data/f; echo deep >/data/sub/g; ln -s /../../../../../etc /evil; sleep 1000'
  wait_until 30 berth exec cpy test -L /evil
  out="$BERTH_TEST_DIR/cpout"
  mkdir -p "$out"
  # container → host: a file to a new name, a directory into an existing directory
  berth cp cpy:/data/f "$out/f.copy"
  [ "$(cat "$out/f.copy")" = inside ]
  berth cp cpy:/data "$out"
  [ "$(cat "$out/data/sub/g")" = deep ]
  # host → container
  echo from-host >"$out/h"
  berth cp "$out/h" cpy:/data/h
  run berth exec cpy cat /data/h
  [ "$output" = from-host ]
  # the symlink /evil → /../../../../../etc is the container's /etc, never the host's
  marker="berth-living-cp-$$"
  berth cp "$out/h" "cpy:/evil/$marker"
  [ ! -e "/etc/$marker" ]
  run berth exec cpy cat "/etc/$marker"
  [ "$output" = from-host ]
  berth cp cpy:/evil/hostname "$out/hn"
  [ "$(cat "$out/hn")" = "$(berth exec cpy cat /etc/hostname)" ]
  [ "$(cat "$out/hn")" != "$(cat /etc/hostname)" ]
  # errors
  run berth cp cpy:/nonexistent "$out/x"
  [ "$status" -eq 125 ]
  [[ "$output" == *"could not find /nonexistent"* ]]
  run berth cp "$out/h" "$out/h2"
  [ "$status" -eq 125 ]
  [[ "$output" == *"exactly one of source and destination"* ]]
  # "-" is a tar archive on stdout (stats.bats tests archives in depth)
  [ "$(berth cp cpy:/data/f - | tar t)" = f ]
  berth rm -f -t 0 cpy
}
