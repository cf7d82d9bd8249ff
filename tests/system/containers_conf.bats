#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# containers_conf.bats - containers.conf's [containers] and [engine] defaults reach the
# containers `run`/`create` make, under the command line's flags (podman's precedence). Each
# test writes its own file and points CONTAINERS_CONF at it.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }

# conf TEXT - write TEXT as this test's containers.conf and use it
conf() {
  export CONTAINERS_CONF="$BERTH_TEST_DIR/containers-$BATS_TEST_NUMBER.conf"
  printf '%s\n' "$1" >"$CONTAINERS_CONF"
}

@test "containers.conf env is the base: the image's env and -e override it" {
  tar=$(busybox_tarball)
  berth import --change 'ENV FROMIMAGE=image' --change 'ENV SHARED=image' "$tar" localhost/envimg >/dev/null
  conf '[containers]
env = ["FROMCONF=conf", "SHARED=conf", "CLI=conf"]'
  run berth run --rm -e CLI=cli localhost/envimg env
  [ "$status" -eq 0 ]
  echo "$output"
  [[ "$output" == *FROMCONF=conf* ]]
  [[ "$output" == *SHARED=image* ]]
  [[ "$output" == *FROMIMAGE=image* ]]
  [[ "$output" == *CLI=cli* ]]
  [[ "$output" != *SHARED=conf* ]]
  [[ "$output" != *CLI=conf* ]]
}

@test "default_ulimits apply, clamped to the hard limit held; --ulimit overrides them" {
  hard=$(ulimit -Hn)
  conf '[containers]
default_ulimits = ["nofile=500:999999999", "nproc=321:321"]'
  run berth run --rm localhost/busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -u'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '500\n%s\n321' "$hard")" ]
  run berth run --rm --ulimit nofile=300:400 localhost/busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -u'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '300\n400\n321')" ]
}

@test "default_capabilities replace the default set (CapEff)" {
  conf '[containers]
default_capabilities = ["CHOWN", "net_raw"]'
  run berth run --rm localhost/busybox grep CapEff /proc/self/status
  [ "$status" -eq 0 ]
  # CAP_CHOWN (0) and CAP_NET_RAW (13)
  [ "$output" = "$(printf 'CapEff:\t0000000000002001')" ]
  run berth run --rm --cap-add KILL localhost/busybox grep CapEff /proc/self/status
  [ "$output" = "$(printf 'CapEff:\t0000000000002021')" ]
}

@test "pids_limit lands in the cgroup; --pids-limit wins" {
  [ "$(id -u)" -eq 0 ] || skip "cgroups are root's here"
  conf '[containers]
pids_limit = 77'
  cgdir() { if [ -d /sys/fs/cgroup/pids/berth/"$1" ]; then echo /sys/fs/cgroup/pids/berth/"$1"; else echo /sys/fs/cgroup/berth/"$1"; fi; }
  id=$(berth run -d localhost/busybox sleep 1000)
  run cat "$(cgdir "$id")/pids.max"
  [ "$output" = 77 ]
  berth rm -f -t 0 "$id"
  id=$(berth run -d --pids-limit 50 localhost/busybox sleep 1000)
  run cat "$(cgdir "$id")/pids.max"
  [ "$output" = 50 ]
  berth rm -f -t 0 "$id"
}

@test "[engine] stop_timeout is the stop timeout of new containers" {
  conf '[engine]
stop_timeout = 1'
  id=$(berth run -d localhost/busybox sh -c 'trap "" TERM; touch /tmp/ready; while true; do sleep 0.1; done')
  # a SIGTERM before the trap is set would end it at once
  wait_until 30 ctr_has "$id" /tmp/ready
  run berth inspect --format '{{.Config.StopTimeout}}' "$id"
  [ "$output" = 1 ]
  start=$(date +%s%N)
  berth stop "$id"
  took=$((($(date +%s%N) - start) / 1000000))
  echo "stop took ${took} ms"
  [ "$took" -ge 900 ] && [ "$took" -lt 8000 ] # not the default 10 s
  berth rm -f "$id"
}

@test "default_sysctls as Debian ships them work in a private and in the host's network" {
  conf '[containers]
default_sysctls = ["net.ipv4.ping_group_range=0 0"]'
  run berth run --rm localhost/busybox cat /proc/sys/net/ipv4/ping_group_range
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tr -s ' \t' ' ')" = "0 0" ]
  # the host's network is not the container's to change: the sysctl is left out
  host=$(tr -s ' \t' ' ' </proc/sys/net/ipv4/ping_group_range)
  run berth run --rm --network host localhost/busybox cat /proc/sys/net/ipv4/ping_group_range
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | tr -s ' \t' ' ')" = "$host" ]
}

@test "volumes, annotations, dns_servers, umask, tz and read_only apply; flags win" {
  mkdir -p "$BERTH_TEST_DIR/vol"
  echo hello >"$BERTH_TEST_DIR/vol/f"
  conf "[containers]
volumes = [\"$BERTH_TEST_DIR/vol:/confvol:ro\"]
annotations = [\"org.example.from=conf\"]
dns_servers = [\"192.0.2.53\"]
umask = \"0027\"
tz = \"Asia/Tokyo\"
read_only = true"
  run berth run --rm localhost/busybox sh -c 'cat /confvol/f; grep nameserver /etc/resolv.conf; umask; date +%Z; touch /x'
  echo "$output"
  [ "$status" -ne 0 ]
  [ "${lines[0]}" = hello ]
  [ "${lines[1]}" = "nameserver 192.0.2.53" ]
  [ "${lines[2]}" = 0027 ]
  [ "${lines[3]}" = JST ]
  [[ "${lines[4]}" == *Read-only* ]]
  run berth run --rm --read-only=false localhost/busybox touch /x
  [ "$status" -eq 0 ]
  id=$(berth create localhost/busybox true)
  run berth inspect --format '{{json .Config.Annotations}}' "$id"
  [[ "$output" == *'"org.example.from":"conf"'* ]] || [[ "$output" == *'"org.example.from": "conf"'* ]]
  berth rm "$id"
}

@test "[engine] events_logger = none writes no events" {
  conf '[engine]
events_logger = "none"'
  before=$(cat "$BERTH_TEST_RUNROOT/events/events.log" 2>/dev/null | wc -l)
  berth run --rm --name quiet localhost/busybox true
  after=$(cat "$BERTH_TEST_RUNROOT/events/events.log" 2>/dev/null | wc -l)
  [ "$before" -eq "$after" ]
}

@test "a malformed containers.conf fails create with the file and line named, creating nothing" {
  conf '[containers]
env = ["A=1"
pids_limit = 5'
  run berth run --rm localhost/busybox true
  [ "$status" -eq 125 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "Error: $CONTAINERS_CONF:3:"* ]]
  conf '[containers]
pids_limit = "many"'
  run berth create localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == "Error: $CONTAINERS_CONF: "*pids_limit* ]]
  # ps does not read containers.conf at all
  run berth ps -a -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "rootless: Debian's default_sysctls, default_ulimits and env apply in the user's namespaces" {
  [ "$(id -u)" -eq 0 ] || skip "driven by root (it creates the user)"
  user=$("$BERTH_TOP/tests/lib/rootless-user.sh" create berth-test)
  dir=$(mktemp -d /tmp/berth-conf-rl.XXXXXX)
  chmod 755 "$dir"
  cp "$(busybox_tarball)" "$dir/bb.tar"
  printf '[containers]\nenv = ["FROMCONF=yes"]\ndefault_ulimits = ["nofile=600:700"]\ndefault_sysctls = [\n  "net.ipv4.ping_group_range=0 0",\n]\n' >"$dir/containers.conf"
  chown -R "$user:" "$dir"
  ubc() { su "$user" -s /bin/sh -c "cd /tmp && CONTAINERS_CONF='$dir/containers.conf' CONTAINERS_STORAGE_CONF= XDG_RUNTIME_DIR= '$BERTH_BIN' --root '$dir/root' --runroot '$dir/run' $*" </dev/null; }
  ubc import "$dir/bb.tar" localhost/busybox >/dev/null
  run ubc run --rm localhost/busybox sh -c "'cat /proc/sys/net/ipv4/ping_group_range; ulimit -n; echo \$FROMCONF'"
  berth_unmount_under "$dir"
  rm -rf "$dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[0]}" | tr -s ' \t' ' ')" = "0 0" ]
  [ "${lines[1]}" = 600 ]
  [ "${lines[2]}" = yes ]
}

@test "shm_size sizes /dev/shm; --shm-size overrides it; a bad value names the file" {
  run berth run --rm localhost/busybox df -k /dev/shm
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[1]}" | awk '{print $2}')" = 65536 ] # podman's 64m
  conf '[containers]
shm_size = "2m"'
  run berth run --rm localhost/busybox df -k /dev/shm
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[1]}" | awk '{print $2}')" = 2048 ]
  run berth run --rm --shm-size 3m localhost/busybox df -k /dev/shm
  [ "$(echo "${lines[1]}" | awk '{print $2}')" = 3072 ]
  conf '[containers]
shm_size = "lots"'
  run berth run --rm localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"containers-$BATS_TEST_NUMBER.conf: shm_size \"lots\""* ]]
}

@test "devices from containers.conf appear in every container; --device at the same path wins" {
  conf '[containers]
devices = ["/dev/null:/dev/confnull"]'
  run berth run --rm localhost/busybox stat -c '%F %t:%T' /dev/confnull
  [ "$status" -eq 0 ]
  [ "$output" = "character special file 1:3" ]
  run berth run --rm --device /dev/zero:/dev/confnull localhost/busybox stat -c '%t:%T' /dev/confnull
  [ "$output" = "1:5" ]
  conf '[containers]
devices = ["/etc/hostname"]'
  run berth run --rm localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"devices: device /etc/hostname is not a device node"* ]]
}

@test "log_driver = journald falls back to k8s-file with a warning; --log-driver journald is refused" {
  conf '[containers]
log_driver = "journald"'
  run --separate-stderr berth run --name jd localhost/busybox echo logged
  [ "$status" -eq 0 ]
  [ "$output" = logged ]
  [[ "$stderr" == *'log_driver "journald" is not supported by berth (no journald): logging to k8s-file instead'* ]]
  run berth logs jd
  [ "$output" = logged ]
  run berth inspect --format '{{.HostConfig.LogConfig.Type}}' jd
  [ "$output" = k8s-file ]
  berth rm jd
  run berth run --rm --log-driver journald localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'log driver "journald" is not supported: berth runs without systemd'* ]]
}

@test "storage.conf named by CONTAINERS_STORAGE_CONF sets graphroot, runroot and driver; flags win" {
  store="$BATS_TEST_TMPDIR/confstore"
  export CONTAINERS_STORAGE_CONF="$BATS_TEST_TMPDIR/storage.conf"
  printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/root"\nrunroot = "%s/run"\n' "$store" "$store" \
    >"$CONTAINERS_STORAGE_CONF"
  run "$BERTH_BIN" info --format '{{.Store.GraphRoot}} {{.Store.RunRoot}} {{.Store.GraphDriverName}}'
  [ "$status" -eq 0 ]
  [ "$output" = "$store/root $store/run vfs" ]
  "$BERTH_BIN" import "$(busybox_tarball)" localhost/confbox >/dev/null
  [ -f "$store/root/berth.db" ]
  run "$BERTH_BIN" run --rm localhost/confbox echo from-conf-store
  [ "$output" = from-conf-store ]
  # the command line's store wins over the file's, as in podman
  run berth images --format '{{.Repository}}'
  [[ "$output" != *confbox* ]]
  run "$BERTH_BIN" --storage-driver overlay info --format '{{.Store.GraphDriverName}}'
  [ "$output" = overlay ]
  printf '[storage]\ngraphroot = "relative/path"\n' >"$CONTAINERS_STORAGE_CONF"
  run "$BERTH_BIN" images
  [ "$status" -eq 125 ]
  [[ "$output" == *'graphroot = "relative/path" must be an absolute path'* ]]
  "$BERTH_BIN" --root "$store/root" --runroot "$store/run" --storage-driver vfs rmi localhost/confbox >/dev/null
}
