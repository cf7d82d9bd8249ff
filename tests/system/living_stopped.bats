#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# living_stopped.bats - cp to and from created and stopped containers (the overlay mounted
# privately for the copy, nothing left mounted), logs -f across fast rotation, and
# container diff under opaque directories.

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

# no_overlay_under DIR - nothing of DIR's store is mounted on the host
no_overlay_under() {
  ! grep -q " $1" /proc/self/mountinfo
}

@test "cp: a stopped and a created container, both directions and archives, nothing left mounted" {
  berth run --name cps localhost/busybox sh -c 'mkdir /data; echo old >/data/f; ln -s /../../../../etc /evil'
  out="$BERTH_TEST_DIR/cps"
  mkdir -p "$out"
  # container → host from an exited container
  berth cp cps:/data/f "$out/f"
  [ "$(cat "$out/f")" = old ]
  # host → container, through a symlink that points outside: resolved inside the root
  echo new >"$out/n"
  marker="berth-stopped-cp-$$"
  berth cp "$out/n" cps:/data/n
  berth cp "$out/n" "cps:/evil/$marker"
  [ ! -e "/etc/$marker" ]
  # archives both ways
  [ "$(berth cp cps:/data - | tar t | sort | tr '\n' ' ')" = "data/ data/f data/n " ]
  mkdir -p "$out/t" && echo tarred >"$out/t/a" && tar -C "$out/t" -c a | berth cp - cps:/data
  no_overlay_under "$BERTH_TEST_ROOT"
  [ "$(berth cp "cps:/etc/$marker" -  | tar xO)" = new ]
  berth rm cps
  # a created container (never started)
  berth create --name cpc localhost/busybox true
  berth cp "$out/n" cpc:/
  run berth cp cpc:/n "$out/back"
  [ "$status" -eq 0 ]
  [ "$(cat "$out/back")" = new ]
  no_overlay_under "$BERTH_TEST_ROOT"
  # errors leave nothing mounted either
  run berth cp cpc:/nonexistent "$out/x"
  [ "$status" -eq 125 ]
  [[ "$output" == *"could not find /nonexistent"* ]]
  run berth cp cpc:/nonexistent -
  [ "$status" -eq 125 ]
  no_overlay_under "$BERTH_TEST_ROOT"
  berth rm cpc
}

@test "cp into a stopped container is seen when it starts again" {
  berth create --name cpr localhost/busybox sh -c 'cat /etc/greeting /a'
  out="$BERTH_TEST_DIR/cpr"
  mkdir -p "$out/t"
  echo hello >"$out/greeting"
  echo tarred >"$out/t/a"
  berth cp "$out/greeting" cpr:/etc/greeting
  run berth cp - cpr:/nodir <"$out/greeting"
  [ "$status" -eq 125 ]
  mkdir -p "$out/t" && tar -C "$out/t" -c . | berth cp - cpr:/
  run berth start -a cpr
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'hello\ntarred')" ]
  no_overlay_under "$BERTH_TEST_ROOT"
  berth rm cpr
}

@test "logs -f across fast rotation: every line once, in order; the previous file is kept as .1" {
  berth run -d --name fastrot --log-opt max-size=1k localhost/busybox \
    sh -c 'while [ ! -e /tmp/go ]; do usleep 10000; done; i=0; while [ $i -lt 3000 ]; do echo line$i; i=$((i+1)); [ $((i % 10)) = 0 ] && usleep 10000; done; true'
  log="$BERTH_TEST_ROOT/containers/$(berth ps -aq --no-trunc --filter name=fastrot)/userdata/ctr.log"
  follow_logs fastrot "$BATS_TEST_TMPDIR/follow"
  # the output starts once the follower has announced itself (its lock on ctr.log.follow)
  wait_until 30 sh -c "[ -e '$log.follow' ] && ! flock -xn '$log.follow' true"
  ctr_go fastrot
  wait_until 120 pid_gone "$LOGS_PID"
  wait "$LOGS_PID"
  run cat "$BATS_TEST_TMPDIR/follow"
  diff <(echo "$output") <(seq 0 2999 | sed "s/^/line/")
  [ "$(stat -c %s "$log")" -le 1024 ]
  [ "$(stat -c %s "$log.1")" -le 1024 ]
  [ ! -e "$log.1.new" ]
  # plain logs shows the current file only, as podman does after a rotation
  run berth logs fastrot
  [ "${#lines[@]}" -lt 100 ]
  [ "${lines[-1]}" = line2999 ]
  berth rm fastrot
}

@test "container diff: what an opaque directory hides in the lower layers is D" {
  berth run --name opbase localhost/busybox sh -c 'mkdir -p /data/keep && echo a >/data/a && echo b >/data/b && echo c >/data/keep/c'
  berth commit -q opbase localhost/opbase >/dev/null
  # removing and making /data again turns it opaque in the upper dir
  berth run --name opq localhost/opbase sh -c 'rm -rf /data; mkdir /data; echo n >/data/new'
  run berth diff opq
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'C /data\nD /data/a\nD /data/b\nD /data/keep\nA /data/new')" ]
  run berth container diff --format json opq
  echo "$output" | jq -e '(.deleted | sort) == ["/data/a", "/data/b", "/data/keep"] and .changed == ["/data"]'
  # a plain change under a non-opaque directory still lists no D
  berth run --name opplain localhost/opbase sh -c 'echo more >>/data/a'
  run berth diff opplain
  [ "$output" = "$(printf 'C /data\nC /data/a')" ]
  berth rm opbase opq opplain
  berth rmi localhost/opbase
}

@test "cp into a stopped container that berth mount has mounted goes through that mount" {
  [ "$(id -u)" -eq 0 ] || skip "mount is for root"
  berth create --name cpm localhost/busybox cat /m
  mnt=$(berth mount cpm)
  echo via-mount >"$BATS_TEST_TMPDIR/m"
  berth cp "$BATS_TEST_TMPDIR/m" cpm:/m
  [ "$(cat "$mnt/m")" = via-mount ]
  # still mounted once: one unmount drops it
  berth unmount cpm
  ! grep -q " $mnt " /proc/self/mountinfo
  run berth start -a cpm
  [ "$output" = via-mount ]
  berth rm cpm
}

@test "logs -f misses nothing when the log rotates many times while the follower is blocked" {
  sig="$BERTH_TEST_DIR/fastgo"
  mkdir -p "$sig"
  # ~100-byte lines, 4k files: well over a hundred rotations while the follower's stdout is full
  berth run -d --name manyrot --log-opt max-size=4k -v "$sig:/sig" localhost/busybox \
    sh -c 'until [ -e /sig/go ]; do usleep 10000; done; pad=$(printf "%090d" 0); i=0; while [ $i -lt 5000 ]; do echo "l$i $pad"; i=$((i+1)); done'
  log="$BERTH_TEST_ROOT/containers/$(berth ps -aq --no-trunc --filter name=manyrot)/userdata/ctr.log"
  # the reader sleeps first: the follower blocks on a full pipe while the container writes on
  ( timeout 120 "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" logs -f manyrot |
    (sleep 2; cat) >"$BERTH_TEST_DIR/manyrot.out" ) &
  reader=$!
  # start writing once the follower has announced itself (its shared lock on ctr.log.follow)
  wait_until 300 sh -c "[ -e '$log.follow' ] && ! flock -xn '$log.follow' true"
  touch "$sig/go"
  wait "$reader"
  pad=$(printf "%090d" 0)
  diff <(cut -d' ' -f1 "$BERTH_TEST_DIR/manyrot.out") <(seq 0 4999 | sed "s/^/l/")
  [ "$(grep -c " $pad\$" "$BERTH_TEST_DIR/manyrot.out")" -eq 5000 ]
  # the generations kept for the follower are gone once it is done and the container stopped
  run ls "$(dirname "$log")"
  [[ "$output" != *ctr.log.g* ]]
  berth rm manyrot
}
