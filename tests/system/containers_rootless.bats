#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# containers_rootless.bats - the container life cycle as an unprivileged user with /etc/subuid
# ranges (made by tests/lib/rootless-user.sh): each container in its own user namespace with the
# store's mapping, layers removed from inside that namespace.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers
load rootless_helpers

setup_file() { rootless_setup_file; }
teardown_file() { rootless_teardown_file; }

# a failed test must not leave its containers to the next one
teardown() { as_user rm -a -f -t 0 >/dev/null 2>&1 || true; }

@test "rootless: run prints output as root of its user namespace and passes the exit code" {
  run as_user run --rm localhost/busybox sh -c 'id -u; echo hi; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = "$(printf '0\nhi')" ]
  # on the host the process ran as the user, not as root
  run as_user run --rm localhost/busybox cat /proc/self/uid_map
  uid=$(id -u "$RL_USER")
  [[ "$(echo "$output" | head -1 | tr -s ' ')" == " 0 $uid 1" ]]
}

@test "rootless: the seccomp caches in the run root are the user's alone, and a cached filter still applies" {
  run as_user run --rm localhost/busybox sh -c 'grep ^Seccomp: /proc/self/status'
  [ "$output" = "Seccomp:	2" ]
  # the caches the first run left (a converted profile and a compiled filter) filter the next
  run as_user run --rm localhost/busybox sh -c 'grep ^Seccomp: /proc/self/status'
  [ "$output" = "Seccomp:	2" ]
  cache=$BERTH_TEST_RUNROOT/seccomp
  [ "$(ls "$cache" | grep -c '\.oci$')" -ge 1 ]
  [ "$(ls "$cache" | grep -c '\.bpf$')" -ge 1 ]
  [ "$(stat -c '%U %a' "$cache")" = "$RL_USER 700" ]
  for f in "$cache"/*; do
    [ "$(stat -c '%U %a' "$f")" = "$RL_USER 600" ]
  done
}

@test "rootless: --device binds the host's node; --shm-size sizes /dev/shm" {
  run as_user run --rm --device /dev/null:/dev/mynull --shm-size 2m localhost/busybox sh -c 'echo x >/dev/mynull && stat -c "%F %t:%T" /dev/mynull && df -k /dev/shm | tail -1'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "character special file 1:3" ]
  [ "$(echo "${lines[1]}" | awk '{print $2}')" = 2048 ]
}

@test "rootless: run -d, ps, exec, stop -t 1, rm leave nothing behind" {
  id=$(as_user run -d --name rl localhost/busybox sh -c 'trap "" TERM; echo up >/tmp/m; while true; do sleep 0.1; done')
  run as_user ps --format '{{.Names}} {{.State}}'
  [ "$output" = "rl running" ]
  [ "$(stat -c %U "/proc/$(as_user container inspect --format '{{.State.Pid}}' rl)")" = "$RL_USER" ]
  wait_until 30 as_user exec rl test -e /tmp/m
  run as_user exec -u nobody rl id -u
  [ "$output" = "65534" ]
  start=$(date +%s%N)
  as_user stop -t 1 rl
  [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 8000 ] # not the default 10 s
  run as_user ps -a --format '{{.Status}}'
  [[ "$output" == "Exited (137) "* ]]
  as_user rm rl
  [ ! -e "$BERTH_TEST_ROOT/overlay-containers/$id" ]
  [ ! -e "$BERTH_TEST_ROOT/containers/$id" ]
}

@test "rootless: a volume write is seen on the host, owned by the user" {
  mkdir -p "$BERTH_TEST_DIR/vol"
  chown "$RL_USER:" "$BERTH_TEST_DIR/vol"
  as_user run --rm -v "$BERTH_TEST_DIR/vol:/data" localhost/busybox sh -c 'echo w >/data/f'
  [ "$(cat "$BERTH_TEST_DIR/vol/f")" = "w" ]
  [ "$(stat -c %U "$BERTH_TEST_DIR/vol/f")" = "$RL_USER" ]
}

@test "rootless: run --rm removes the writable layer (files of subordinate ids included)" {
  as_user run --rm --name tidy localhost/busybox sh -c 'mkdir /x && chown 1000:1000 /x && touch /x/f'
  run as_user container exists tidy
  [ "$status" -eq 1 ]
  [ -z "$(ls -A "$BERTH_TEST_ROOT/overlay-containers" 2>/dev/null)" ]
}

@test "rootless: stats reads what it can (-- without a cgroup), mount is refused, rename and cp - work" {
  as_user run -d --name rls localhost/busybox sleep 1000
  run as_user stats --no-stream --format '{{.Name}} {{.NetIO}} {{.PIDS}}' rls
  [ "$status" -eq 0 ]
  if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
    [ "$output" = "rls 0B / 0B --" ]
  else
    [[ "$output" == "rls 0B / 0B "* ]]
  fi
  run as_user mount rls
  [ "$status" -eq 125 ]
  [[ "$output" == *'in rootless mode, must execute `berth unshare` first'* ]]
  as_user rename rls rls2
  [ "$(as_user ps --format '{{.Names}}')" = rls2 ]
  printf 'hi\n' >"$BERTH_TEST_DIR/hi"
  tar -C "$BERTH_TEST_DIR" -cf - hi | su "$RL_USER" -s /bin/sh -c "cd /tmp && XDG_RUNTIME_DIR= '$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT' cp - rls2:/tmp"
  [ "$(as_user exec rls2 cat /tmp/hi)" = hi ]
  [ "$(as_user cp rls2:/tmp/hi - | tar xOf - hi)" = hi ]
  as_user rm -f -t 0 rls2
}

@test "rootless: the API's containers/stats answers podman's refusal on cgroups v1" {
  as_user run -d --name rapi localhost/busybox sleep 1000
  local sock="$BERTH_TEST_DIR/api.sock" pid
  # setpriv execs: $! is the service's own pid
  setpriv --reuid "$RL_USER" --regid "$(id -g "$RL_USER")" --init-groups env XDG_RUNTIME_DIR= \
    "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" system service \
    --time 0 "unix://$sock" >"$BERTH_TEST_DIR/api.log" 2>&1 3>&- &
  pid=$!
  wait_until 30 test -S "$sock"
  run curl -sS -m 30 --unix-socket "$sock" -w '\n%{http_code}' "http://d/v1.12/libpod/containers/stats?stream=false"
  kill "$pid"
  as_user rm -f -t 0 rapi >/dev/null
  if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
    [ "${lines[1]}" = 409 ]
    # the cause cockpit-podman checks before it leaves the CPU and memory columns empty
    [ "$(printf '%s\n' "${lines[0]}" | jq -r .cause)" = "Container stats resource only available for cgroup v2" ]
  else
    [ "${lines[1]}" = 200 ]
    [ "$(printf '%s\n' "${lines[0]}" | jq -r '.Stats[0].Name')" = rapi ]
  fi
}

@test "rootless: a health check runs on the monitor's timer and marks the container unhealthy" {
  as_user run -d --name rlhc --health-cmd 'test -e /nonexistent' --health-interval 1s \
    --health-retries 2 localhost/busybox sleep 100
  rl_unhealthy() { [ "$(as_user inspect --format '{{.State.Health.Status}}' rlhc)" = unhealthy ]; }
  wait_until 60 rl_unhealthy
  run as_user ps --format '{{.Names}} {{.Status}}'
  [[ "$output" == *"rlhc Up "*"(unhealthy)"* ]]
  run as_user healthcheck run rlhc
  [ "$status" -eq 1 ]
  [ "$output" = unhealthy ]
  as_user rm -f rlhc
}

@test "rootless: volume copy-up keeps the image's owners (subordinate ids); vfs copies the layers" {
  d="$BERTH_TEST_DIR/cu"
  mkdir -p "$d/srv/data"
  echo from-image >"$d/srv/data/hello"
  cp "$BERTH_TEST_DIR/busybox.tar" "$BERTH_TEST_DIR/cu.tar"
  tar -C "$d" --owner=1234 --group=5678 --numeric-owner -rf "$BERTH_TEST_DIR/cu.tar" ./srv
  chown "$RL_USER:" "$BERTH_TEST_DIR/cu.tar"
  as_user import --change 'VOLUME /srv/data' "$BERTH_TEST_DIR/cu.tar" localhost/rlcopyup >/dev/null
  run as_user run --rm localhost/rlcopyup sh -c 'stat -c "%u:%g" /srv/data/hello; cat /srv/data/hello'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '1234:5678\nfrom-image')" ]
  run as_user --storage-driver vfs run --rm localhost/rlcopyup sh -c 'stat -c "%u:%g" /srv/data/hello; awk "\$5 == \"/\" {print \$9}" /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1234:5678" ]
  [ "${lines[1]}" != overlay ]
}

@test "rootless: cp to and from a stopped container, also as an archive; nothing stays mounted" {
  as_user run --name rlcp localhost/busybox sh -c 'mkdir /data && echo old >/data/f && chown 1000:1000 /data'
  printf 'new\n' >"$BERTH_TEST_DIR/new"
  chown "$RL_USER:" "$BERTH_TEST_DIR/new"
  as_user cp "$BERTH_TEST_DIR/new" rlcp:/data/new
  as_user cp rlcp:/data/f "$BERTH_TEST_DIR/f"
  [ "$(cat "$BERTH_TEST_DIR/f")" = old ]
  [ "$(stat -c %U "$BERTH_TEST_DIR/f")" = "$RL_USER" ]
  [ "$(as_user cp rlcp:/data/new - | tar xOf - new)" = new ]
  tar -C "$BERTH_TEST_DIR" -cf - new | su "$RL_USER" -s /bin/sh -c "cd /tmp && XDG_RUNTIME_DIR= '$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT' cp - rlcp:/"
  run as_user cp rlcp:/nonexistent "$BERTH_TEST_DIR/x"
  [ "$status" -eq 125 ]
  [[ "$output" == *"could not find /nonexistent"* ]]
  ! grep -q " $BERTH_TEST_ROOT" /proc/self/mountinfo
  as_user rm rlcp
  # what is copied into a created container is there when it starts
  id=$(as_user create localhost/busybox cat /new /etc/new)
  as_user cp "$BERTH_TEST_DIR/new" "$id:/new"
  as_user cp "$BERTH_TEST_DIR/new" "$id:/etc"
  run as_user start -a "$id"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'new\nnew')" ]
  as_user rm "$id"
}

@test "rootless: container diff lists what an opaque directory (user.overlay.opaque) hides as D" {
  as_user run --name rlopb localhost/busybox sh -c 'mkdir /data && echo a >/data/a && echo b >/data/b'
  as_user commit -q rlopb localhost/rlopb >/dev/null
  as_user run --name rlopq localhost/rlopb sh -c 'rm -rf /data; mkdir /data; echo n >/data/new'
  run as_user diff rlopq
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'C /data\nD /data/a\nD /data/b\nA /data/new')" ]
  as_user rm rlopb rlopq
  as_user rmi localhost/rlopb
}
