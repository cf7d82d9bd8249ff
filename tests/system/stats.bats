#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# stats.bats - stats, rename, mount/unmount, cp with tar archives, logs -f across rotation.

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

@test "stats --no-stream: podman's columns, PIDS and memory from the cgroup" {
  [ "$(id -u)" -eq 0 ] || skip "rootless on cgroups v1 has no cgroup to read"
  berth run -d --name st1 localhost/busybox sh -c 'sleep 1000 & sleep 1000 & wait'
  berth run -d --name st2 localhost/busybox sleep 1000
  run berth stats --no-stream
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(printf '%-14s%-12s%-12s%-19s%-12s%-12s%-12s%-12s%-14s%s' ID NAME 'CPU %' \
    'MEM USAGE / LIMIT' 'MEM %' 'NET IO' 'BLOCK IO' PIDS 'CPU TIME' 'AVG CPU %')" ] ||
    [[ "${lines[0]}" == "ID  "*"NAME  "*"CPU %  "*"MEM USAGE / LIMIT  "*"MEM %  "*"NET IO  "*"BLOCK IO  "*"PIDS  "*"CPU TIME  "*"AVG CPU %" ]]
  [ "${#lines[@]}" -eq 3 ]
  # the named container: three processes (sh and two sleeps), a memory reading over 0
  three_pids() { [ "$(berth stats --no-stream --format '{{.PIDs}}' st1)" = 3 ]; }
  wait_until 30 three_pids
  run berth stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}} {{.CPUPerc}}' st1
  [ "$status" -eq 0 ]
  read -r name pids mem _ lim pct <<<"$output"
  [ "$name" = st1 ]
  [ "$pids" -eq 3 ]
  [[ "$mem" =~ ^[0-9.]+[kMG]?B$ ]]
  [ "$mem" != 0B ]
  [[ "$lim" =~ ^[0-9.]+[kMG]B$ ]]
  [[ "$pct" =~ ^[0-9]+\.[0-9][0-9]%$ ]]
  # a --memory limit is the LIMIT
  berth run -d --name st3 --memory 64m localhost/busybox sleep 1000
  run berth stats --no-stream --format '{{.MemUsage}}' st3
  [[ "$output" == *" / 67.11MB" ]]
  # json: podman's keys
  run berth stats --no-stream --format json st2
  [ "$status" -eq 0 ]
  [ "$(jq -r '.[0].name' <<<"$output")" = st2 ]
  [ "$(jq -r '.[0].pids' <<<"$output")" = 1 ]
  [ "$(jq -r '.[0] | keys | join(",")' <<<"$output")" = \
    "avg_cpu,block_io,cpu_percent,cpu_time,id,mem_percent,mem_usage,name,net_io,pids" ]
  # only running containers, unless -a; a stopped one reads as zeros
  berth create --name st4 localhost/busybox true
  run berth stats --no-stream --format '{{.Name}}'
  [[ "$output" != *st4* ]]
  run berth stats --no-stream -a --format '{{.Name}} {{.PIDS}} {{.MemUsage}}'
  [[ "$output" == *"st4 0 0B / 0B"* ]]
  run berth stats --no-stream nosuch
  [ "$status" -eq 125 ]
  [[ "$output" == *'no container with name or ID "nosuch" found'* ]]
  berth rm -f -t 0 st1 st2 st3 st4
}

@test "stats streams a new table every --interval and stops on a signal" {
  berth run -d --name st5 localhost/busybox sleep 1000
  "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" stats -i 1 \
    --format '{{.Name}}' st5 >"$BATS_TEST_TMPDIR/out" 3>&- &
  pid=$!
  two_rounds() { [ "$(grep -c '^st5$' "$BATS_TEST_TMPDIR/out")" -ge 2 ]; }
  wait_until 30 two_rounds
  kill "$pid"
  wait "$pid" || true
  # a pipe gets no screen clearing, and at least two rounds
  [ "$(grep -c $'\033' "$BATS_TEST_TMPDIR/out")" -eq 0 ]
  [ "$(grep -c '^st5$' "$BATS_TEST_TMPDIR/out")" -ge 2 ]
  berth rm -f -t 0 st5
}

@test "rename: ps and inspect know the new name; a taken or bad name is refused" {
  berth run -d --name old localhost/busybox sleep 1000
  berth create --name taken localhost/busybox true
  id=$(berth inspect --format '{{.Id}}' old)
  berth rename old new
  run berth ps -a --format '{{.Names}}'
  grep -qx new <<<"$output"
  [ "$(grep -cx old <<<"$output")" -eq 0 ]
  [ "$(berth inspect --format '{{.Name}} {{.Id}}' new)" = "new $id" ]
  run berth inspect old
  [ "$status" -eq 125 ]
  run berth container rename new taken
  [ "$status" -eq 125 ]
  [[ "$output" == *'the container name "taken" is already in use by'* ]]
  run berth rename new 'bad/name'
  [ "$status" -eq 125 ]
  [[ "$output" == *'names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*'* ]]
  run berth events --stream=false
  [[ "$output" == *"container rename $id"*"name=new"* ]]
  # the renamed container still works under its new name
  [ "$(berth exec new echo ok)" = ok ]
  berth rm -f -t 0 new taken
}

@test "mount shows the image's files on the host; unmount removes the mount" {
  [ "$(id -u)" -eq 0 ] || skip "mount is for root"
  berth create --name mnt localhost/busybox true
  path=$(berth mount mnt)
  [[ "$path" == "$BERTH_TEST_ROOT"/*/merged ]]
  [ -x "$path/bin/busybox" ]
  grep -q " $path " /proc/self/mountinfo
  # counted: a second mount needs a second unmount
  [ "$(berth container mount mnt)" = "$path" ]
  run berth mount
  [[ "$output" == *"$path"* ]]
  [ "$(berth mount --format json | jq -r '.[0].Names[0]')" = mnt ]
  berth umount mnt
  grep -q " $path " /proc/self/mountinfo
  berth unmount mnt
  [ "$(grep -c " $path " /proc/self/mountinfo)" -eq 0 ]
  [ -z "$(berth mount)" ]
  # rm drops a mount that is left
  berth mount mnt
  berth rm mnt
  [ "$(grep -c " $path " /proc/self/mountinfo)" -eq 0 ]
}

@test "cp with archives: CTR:PATH - writes a tar, - CTR:DIR unpacks one inside the root" {
  berth run -d --name cpa localhost/busybox sh -c 'mkdir -p /data/sub; echo one >/data/sub/f; sleep 1000'
  wait_until 30 berth exec cpa test -f /data/sub/f
  berth cp cpa:/data - >"$BATS_TEST_TMPDIR/out.tar"
  run tar tf "$BATS_TEST_TMPDIR/out.tar"
  [[ "$output" == *"data/sub/f"* ]]
  [ "$(tar xOf "$BATS_TEST_TMPDIR/out.tar" data/sub/f)" = one ]
  [ "$(berth cp cpa:/data/sub/f - | tar t)" = f ]
  # in: a tar from stdin lands in the directory
  mkdir -p "$BATS_TEST_TMPDIR/src/in"
  echo two >"$BATS_TEST_TMPDIR/src/in/g"
  tar -C "$BATS_TEST_TMPDIR/src" -cf - in | berth cp - cpa:/data
  [ "$(berth exec cpa cat /data/in/g)" = two ]
  # ../ entries are refused and nothing is written
  python3 - "$BATS_TEST_TMPDIR" <<'PY'
import io, sys, tarfile
d = sys.argv[1]
def add(t, name, data=b'x', typ=tarfile.REGTYPE, link=''):
    i = tarfile.TarInfo(name); i.type = typ; i.linkname = link
    if typ == tarfile.REGTYPE:
        i.size = len(data); t.addfile(i, io.BytesIO(data))
    else:
        t.addfile(i)
with tarfile.open(d + '/dotdot.tar', 'w') as t:
    add(t, '../../escaped', b'bad')
with tarfile.open(d + '/link.tar', 'w') as t:
    add(t, 'etc', typ=tarfile.DIRTYPE)
    add(t, 'out', typ=tarfile.SYMTYPE, link='/etc')
    add(t, 'out/planted', b'inside')
PY
  berth exec cpa mkdir -p /data/deep/er
  run berth cp - cpa:/data/deep/er <"$BATS_TEST_TMPDIR/dotdot.tar"
  [ "$status" -eq 125 ]
  [[ "$output" == *'"../../escaped"'* ]]
  run berth exec cpa find / -xdev -name escaped
  [ -z "$output" ]
  # a symlink to /etc followed by out/planted: resolved inside the destination, never /etc
  berth exec cpa mkdir /data/l
  berth cp - cpa:/data/l <"$BATS_TEST_TMPDIR/link.tar"
  [ "$(berth exec cpa cat /data/l/etc/planted)" = inside ]
  run berth exec cpa test -e /etc/planted
  [ "$status" -eq 1 ]
  # errors
  run berth cp - cpa:/etc/passwd <"$BATS_TEST_TMPDIR/link.tar"
  [ "$status" -eq 125 ]
  [[ "$output" == *"must be a directory"* ]]
  run berth cp cpa:/nonexistent -
  [ "$status" -eq 125 ]
  berth rm -f -t 0 cpa
}

@test "logs -f follows across log rotation (--log-opt max-size)" {
  berth run -d --name rot --log-opt max-size=2k localhost/busybox \
    sh -c 'while [ ! -e /tmp/go ]; do usleep 10000; done; i=0; while [ $i -lt 300 ]; do echo line$i; i=$((i+1)); sleep 0.01; done'
  follow_logs rot "$BATS_TEST_TMPDIR/follow"
  ctr_go rot
  wait_until 120 pid_gone "$LOGS_PID"
  wait "$LOGS_PID"
  run cat "$BATS_TEST_TMPDIR/follow"
  [ "${#lines[@]}" -eq 300 ]
  [ "${lines[0]}" = line0 ]
  [ "${lines[299]}" = line299 ]
  # the file itself was rotated: plain logs has only the tail
  run berth logs rot
  [ "${#lines[@]}" -lt 300 ]
  berth rm -f -t 0 rot
}
