#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# run.bats - berth run: output, exit codes, flags, errors, --rm, concurrency.

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

@test "run echo prints the output" {
  run berth run --rm localhost/busybox echo hello world
  [ "$status" -eq 0 ]
  [ "$output" = "hello world" ]
}

@test "run propagates the container's exit code" {
  run berth run --rm localhost/busybox sh -c 'exit 42'
  [ "$status" -eq 42 ]
  # pid 1 cannot SIGKILL itself: a child does, and sh passes the 128+9 on
  run berth run --rm localhost/busybox sh -c 'sh -c "kill -9 \$\$"; exit $?'
  [ "$status" -eq 137 ]
}

@test "run keeps stdout and stderr apart" {
  run --separate-stderr berth run --rm localhost/busybox sh -c 'echo out; echo err >&2'
  [ "$status" -eq 0 ]
  [ "$output" = "out" ]
  [ "$stderr" = "err" ]
}

@test "missing command exits 127, non-executable 126, both with one Error line" {
  run -127 berth run --rm localhost/busybox /no/such/thing
  [ "$status" -eq 127 ]
  [[ "$output" == Error:* ]]
  [ "${#lines[@]}" -eq 1 ]
  run -126 berth run --rm localhost/busybox /etc/passwd
  [ "$status" -eq 126 ]
  [[ "$output" == Error:* ]]
}

@test "unknown image gives podman's message and 125" {
  run berth run --rm localhost/nope:latest true
  [ "$status" -eq 125 ]
  [[ "$output" == "Error: localhost/nope:latest: image not known"* ]]
}

@test "a taken name is refused with podman's message and leaves nothing behind" {
  berth create --name taken localhost/busybox true >/dev/null
  before=$(ls "$BERTH_TEST_ROOT/containers" | wc -l)
  run berth run --name taken localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'the container name "taken" is already in use by'* ]]
  [[ "$output" == *"You have to remove that container to be able to reuse that name: that name is already in use"* ]]
  [ "$(ls "$BERTH_TEST_ROOT/containers" | wc -l)" -eq "$before" ]
  berth rm taken
}

@test "-p is checked before anything is created" {
  before=$(berth ps -aq | wc -l)
  run berth run --rm --network none -p 8080:80 localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == Error:*"cannot publish ports with --network none"* ]]
  run berth run --rm -p not-a-port localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == Error:* ]]
  [ "$(berth ps -aq | wc -l)" -eq "$before" ]
}

@test "run --rm leaves no container, bundle or layer" {
  berth run --rm --name gone localhost/busybox true
  run berth container exists gone
  [ "$status" -eq 1 ]
  [ -z "$(ls -A "$BERTH_TEST_ROOT/containers" 2>/dev/null | grep -v -f <(berth ps -aq --no-trunc) || true)" ]
}

@test "-e, --env-file, -w, -u, --hostname and --entrypoint reach the process" {
  printf 'FROMFILE=yes\n# comment\n' >"$BATS_TEST_TMPDIR/envfile"
  run berth run --rm -e A=1 --env-file "$BATS_TEST_TMPDIR/envfile" -w /tmp -u 65534:65534 \
    --hostname box localhost/busybox sh -c 'echo $A $FROMFILE $(pwd) $(id -u):$(id -g) $(hostname)'
  [ "$status" -eq 0 ]
  [ "$output" = "1 yes /tmp 65534:65534 box" ]
  run berth run --rm -u nobody localhost/busybox id -u
  [ "$output" = "65534" ]
  run berth run --rm --entrypoint /bin/echo localhost/busybox via entrypoint
  [ "$output" = "via entrypoint" ]
  run berth run --rm -u nosuchuser localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"unable to find user nosuchuser"* ]]
}

@test "-u UID that the image's passwd lacks gets an entry, as podman adds one; the image stays untouched" {
  run berth run --rm -u 1000 localhost/busybox sh -c 'id; whoami; grep "^1000:" /etc/passwd'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "uid=1000(1000) gid=0(root)" ]
  [ "${lines[1]}" = 1000 ]
  [ "${lines[2]}" = "1000:*:1000:0:container user:/:/bin/sh" ]
  run berth run --rm -u 1000:100 -w /tmp localhost/busybox grep "^1000:" /etc/passwd
  [ "$output" = "1000:*:1000:100:container user:/tmp:/bin/sh" ]
  # a listed user gets no entry, and the image's own file is unchanged
  run berth run --rm -u 65534 localhost/busybox grep -c "container user" /etc/passwd
  [ "$output" = 0 ]
  id=$(berth run -d -u 1000 localhost/busybox sleep 1000)
  wait_until 30 inspect_is "$id" '{{.State.Status}}' running
  run berth diff "$id"
  [ -z "$output" ]
  berth rm -f -t 0 "$id"
}

@test "-i forwards stdin" {
  run bash -c "printf 'line1\nline2\n' | '$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT' run --rm -i localhost/busybox wc -l"
  [ "$status" -eq 0 ]
  [ "$output" = "2" ]
}

@test "a volume write is seen on the host; :ro is read-only" {
  mkdir -p "$BATS_TEST_TMPDIR/vol"
  berth run --rm -v "$BATS_TEST_TMPDIR/vol:/data:Z" localhost/busybox sh -c 'echo written >/data/f'
  [ "$(cat "$BATS_TEST_TMPDIR/vol/f")" = "written" ]
  run berth run --rm -v "$BATS_TEST_TMPDIR/vol:/data:ro" localhost/busybox sh -c 'echo x >/data/g'
  [ "$status" -ne 0 ]
  [ ! -e "$BATS_TEST_TMPDIR/vol/g" ]
  run berth run --rm -v "$BATS_TEST_TMPDIR/missing:/data" localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid volume source"* ]]
}

@test "--read-only, --tmpfs and --network none" {
  run berth run --rm --read-only localhost/busybox touch /x
  [ "$status" -ne 0 ]
  run berth run --rm --read-only --tmpfs /scratch localhost/busybox sh -c 'touch /scratch/x && echo ok'
  [ "$output" = "ok" ]
  run berth run --rm --network none localhost/busybox sh -c 'ls /sys/class/net'
  [ "$output" = "lo" ]
}

@test "--init runs the command under catatonit" {
  run berth run --rm --init localhost/busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "'
  [ "$status" -eq 0 ]
  [[ "$output" == "/run/berth-init -- sh"* ]]
}

@test "20 concurrent run --rm succeed" {
  local i pids=()
  for i in $(seq 1 20); do
    berth run --rm localhost/busybox sh -c "echo c$i" >"$BATS_TEST_TMPDIR/out.$i" 2>&1 &
    pids+=($!)
  done
  local fails=0
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fails=$((fails + 1))
  done
  [ "$fails" -eq 0 ]
  for i in $(seq 1 20); do
    [ "$(cat "$BATS_TEST_TMPDIR/out.$i")" = "c$i" ]
  done
  none_left() { [ -z "$(berth ps -aq)" ]; }
  wait_until 30 none_left
}

@test "an image with 120 layers runs, layers in order, whiteouts applied" {
  archive=$("$BERTH_TOP/tests/lib/make-layers-tar" 120 --docker-archive)
  berth load -i "$archive" >/dev/null
  run berth run --rm localhost/layers:120 sh -c 'cat /layers/top; test -e /layers/0005 || echo gone; cat /layers/0004'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '120\ngone\nlayer 0004')" ]
}

@test "a seccomp profile is compiled once, reused from the runroot, and a bad cached copy is not" {
  prof=$BATS_TEST_TMPDIR/deny-mkdir.json
  printf '%s\n' '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' >"$prof"
  cache=$BERTH_TEST_RUNROOT/seccomp
  rm -rf "$cache"
  deny() {
    run berth run --rm --security-opt seccomp="$prof" localhost/busybox sh -c 'mkdir /tmp/d 2>&1; echo rc=$?'
    [ "$status" -eq 0 ]
    [[ "$output" == *"Operation not permitted"*"rc=1" ]]
  }
  deny
  [ "$(ls "$cache" | grep -c '\.bpf$')" -eq 1 ]
  f=$(ls "$cache"/*.bpf)
  deny # from the cache
  # a copy others may write is not trusted: compiled again and replaced by a private one
  chmod 0666 "$f"
  deny
  [ "$(stat -c %a "$f")" = 600 ]
  # a torn program is compiled again and replaced
  truncate -s -3 "$f"
  size=$(stat -c %s "$f")
  deny
  [ "$(stat -c %s "$f")" -eq $((size + 3)) ]
  # another profile gets its own entry; the default profile still filters
  run berth run --rm localhost/busybox grep '^Seccomp:' /proc/self/status
  [ "$output" = "Seccomp:	2" ]
  [ "$(ls "$cache" | grep -c '\.bpf$')" -eq 2 ]
}

@test "a converted profile is cached by its file's contents: same errno from the cache, a change or a corrupt copy is seen" {
  # containers-common format (archMap, includes), as /usr/share/containers/seccomp.json
  prof=$BATS_TEST_TMPDIR/deny-mkdir-cc.json
  write_prof() { # $1 = errnoRet (two digits: the file keeps its size)
    printf '%s\n' '{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":'"$1"',"includes":{"caps":["CAP_CHOWN"]}}]}' >"$prof"
  }
  write_prof 13
  cache=$BERTH_TEST_RUNROOT/seccomp
  rm -rf "$cache"
  denied() { # $1 = the message of the errno the profile gives
    run berth run --rm --security-opt seccomp="$prof" localhost/busybox sh -c 'mkdir /tmp/d 2>&1; echo rc=$?'
    [ "$status" -eq 0 ]
    [[ "$output" == *"$1"*"rc=1" ]]
  }
  denied "Permission denied" # EACCES, converted and compiled
  [ "$(ls "$cache" | grep -c '\.oci$')" -eq 1 ]
  oci=$(ls "$cache"/*.oci)
  [ "$(stat -c '%a %u' "$oci")" = "600 $(id -u)" ]
  denied "Permission denied" # both from the cache
  # the conversion follows the capabilities: without CAP_CHOWN the rule does not apply
  run berth run --rm --cap-drop CHOWN --security-opt seccomp="$prof" localhost/busybox sh -c 'mkdir /tmp/d && echo made'
  [ "$output" = "made" ]
  # same size, same mtime, other contents: not the cached conversion
  touch -r "$prof" "$BATS_TEST_TMPDIR/stamp"
  write_prof 30
  touch -r "$BATS_TEST_TMPDIR/stamp" "$prof"
  denied "Read-only file system" # EROFS
  # the newest copies (this profile's) with a changed byte (same size) are ignored and rewritten
  for f in $(ls -t "$cache"/*.oci | head -1) $(ls -t "$cache"/*.bpf | head -1); do
    good=$(md5sum <"$f")
    printf 'X' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") - 20)) conv=notrunc status=none
    [ "$(md5sum <"$f")" != "$good" ]
    denied "Read-only file system"
    [ "$(md5sum <"$f")" = "$good" ]
  done
  # a cache directory others may write is neither read nor written
  n=$(ls "$cache" | wc -l)
  chmod 0777 "$cache"
  write_prof 13
  denied "Permission denied"
  [ "$(ls "$cache" | wc -l)" -eq "$n" ]
  chmod 0700 "$cache"
}

@test "run --rm whose CLI is killed is still cleaned up by the monitor" {
  "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
    run --rm --name orphan localhost/busybox sleep 10 >/dev/null 3>&- &
  cli=$!
  # (it runs long enough to be seen running however slow the machine)
  orphan_running() { berth ps --format '{{.Names}}' | grep -qx orphan; }
  wait_until 30 orphan_running
  kill -9 "$cli"
  wait "$cli" || true
  # no DONE came from the CLI: the monitor's own cleanup removes the container
  orphan_gone() { ! berth ps -a --format '{{.Names}}' | grep -qx orphan; }
  wait_until 90 orphan_gone
}

@test "run --shm-size sizes /dev/shm (podman's 64m by default); a bad size is refused" {
  run berth run --rm localhost/busybox df -k /dev/shm
  [ "$(echo "${lines[1]}" | awk '{print $2}')" = 65536 ]
  run berth run --rm --shm-size 1m localhost/busybox df -k /dev/shm
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[1]}" | awk '{print $2}')" = 1024 ]
  run berth run --rm --shm-size lots localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == "Error: invalid --shm-size lots"* ]]
}

@test "run --device makes the host's node at the container path, with a cgroup rule for its permissions" {
  run berth run --rm --device /dev/null:/dev/mynull localhost/busybox sh -c 'echo x >/dev/mynull && stat -c "%F %t:%T" /dev/mynull'
  [ "$status" -eq 0 ]
  [ "$output" = "character special file 1:3" ]
  id=$(berth create --device /dev/null:/dev/mynull:rw --shm-size 2m localhost/busybox true)
  run berth inspect --format '{{.HostConfig.ShmSize}} {{range .HostConfig.Devices}}{{.PathOnHost}}:{{.PathInContainer}}:{{.CgroupPermissions}}{{end}}' "$id"
  [ "$output" = "2097152 /dev/null:/dev/mynull:rw" ]
  berth rm "$id"
  # /dev/kmsg (1:11) is not in the default allow-list: the rule follows --device's permissions
  if [ -d /sys/fs/cgroup/devices ]; then
    run berth run --rm --device /dev/kmsg:/dev/kmsg:rw localhost/busybox sh -c ': >>/dev/kmsg && echo opened'
    [ "$output" = opened ]
    run berth run --rm --device /dev/kmsg:/dev/kmsg:r localhost/busybox sh -c ': >>/dev/kmsg && echo opened'
    [[ "$output" == *"Operation not permitted"* ]]
  fi
  run berth run --rm --device /etc/passwd localhost/busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "Error: device /etc/passwd is not a device node: --device takes a character or block device, or a directory of them (use -v to share files)" ]
  run berth run --rm --device /dev/nonexistent localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == "Error: device /dev/nonexistent: No such file or directory"* ]]
  run berth ps -a -q
  [ -z "$output" ]
}

@test "run --device DIR brings every node beneath it (not files, not symlinks) to the container path" {
  dir="$BATS_TEST_TMPDIR/devdir"
  mkdir -p "$dir/sub" "$BATS_TEST_TMPDIR/nodevs"
  mknod "$dir/null" c 1 3
  mknod "$dir/sub/zero" c 1 5
  ln -s /dev/kmsg "$dir/link"
  touch "$dir/plain"
  run berth run --rm --device "$dir:/dev/mine" localhost/busybox sh -c \
    'echo x >/dev/mine/null && head -c 4 /dev/mine/sub/zero | wc -c && ls /dev/mine | tr "\n" " "'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 4 ]
  [ "${lines[1]}" = "null sub " ]
  run berth run --rm --device "$BATS_TEST_TMPDIR/nodevs" localhost/busybox true
  [ "$status" -eq 125 ]
  [ "$output" = "Error: device directory $BATS_TEST_TMPDIR/nodevs holds no device nodes" ]
}
