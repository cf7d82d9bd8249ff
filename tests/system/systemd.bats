#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# systemd.bats - berth generate systemd: units that systemd accepts and that really manage the
# container (no systemd runs as PID 1 here, so the unit's Exec lines are run as systemd would).

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }

setup() {
  unitdir=$(mktemp -d "$BATS_FILE_TMPDIR/units.XXXXXX")
  cd "$unitdir"
}

verify_unit() {
  run systemd-analyze verify --man=no "$1"
  echo "$output"
  [ "$status" -eq 0 ]
  # Unknown keys are only warnings for systemd-analyze: refuse them here.
  ! grep -q "Unknown key" <<<"$output"
}

@test "generate systemd --files writes a unit systemd accepts" {
  berth run -d --name gsd1 localhost/busybox sleep 1000
  run berth generate systemd --restart-policy=always -t 1 --files --name gsd1
  [ "$status" -eq 0 ]
  [ "$output" = "$unitdir/container-gsd1.service" ]
  [ -f container-gsd1.service ]
  grep -q '^Restart=always$' container-gsd1.service
  grep -q '^TimeoutStopSec=61$' container-gsd1.service
  grep -q "^ExecStart=.*/berth --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT start gsd1\$" container-gsd1.service
  verify_unit container-gsd1.service
  berth rm -f -t 0 gsd1
}

@test "generate systemd without --name uses the id; --new recreates from the create command" {
  id=$(berth create --name gsd2 -e A=1 localhost/busybox sleep 1000)
  run berth generate systemd "$id"
  [ "$status" -eq 0 ]
  [[ "$output" == *"# container-$id.service"* ]]
  run berth generate systemd --new --name gsd2 --files
  [ "$status" -eq 0 ]
  grep -q -- '--cidfile=%t/%n.ctr-id' container-gsd2.service
  grep -q -- '^	-e \\$' container-gsd2.service
  grep -q -- '^	A=1 \\$' container-gsd2.service
  verify_unit container-gsd2.service
  berth rm -f gsd2
}

@test "generate systemd --format json prints the units by name" {
  berth create --name gsd3 localhost/busybox true
  run berth generate systemd --name --format json gsd3
  [ "$status" -eq 0 ]
  jq -e '."container-gsd3.service" | contains("start gsd3")' <<<"$output"
  berth rm gsd3
}

@test "generate systemd refuses bad input with a clear error" {
  run berth generate systemd nosuchthing
  [ "$status" -eq 125 ]
  [[ "$output" == *"nosuchthing does not refer to a container or pod"* ]]
  berth create --name gsd4 --rm localhost/busybox true
  run berth generate systemd --name gsd4
  [ "$status" -eq 125 ]
  [[ "$output" == *"created with --rm"*"--new"* ]]
  run berth generate systemd --restart-policy=sometimes gsd4 --new
  [ "$status" -eq 125 ]
  [[ "$output" == *"sometimes is not a valid restart policy"* ]]
  # Even root cannot create files in /proc: an unwritable --files directory.
  cd /proc
  run berth generate systemd --new --name --files gsd4
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot write container-gsd4.service"* ]]
  cd "$unitdir"
  [ -z "$(ls "$unitdir")" ]
  berth rm gsd4
}

@test "a unit's Exec lines start the container, notify READY with a live MAINPID, and stop it" {
  port=$(random_port)
  berth run -d --name gsd5 -p "127.0.0.1:$port:80" localhost/busybox httpd -f -p 80
  berth stop -t 1 gsd5
  berth generate systemd --name -t 1 --files gsd5
  run "$BATS_TEST_DIRNAME/../lib/systemd-exec" --runtime-dir "$unitdir" container-gsd5.service start
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[-1]}" == "READY MAINPID="* ]]
  wait_for_port "$port"
  nc -z -w 3 127.0.0.1 "$port"
  run berth ps --format '{{.Names}} {{.State}}'
  [[ "$output" == *"gsd5 running"* ]]
  start=$(date +%s)
  "$BATS_TEST_DIRNAME/../lib/systemd-exec" --runtime-dir "$unitdir" container-gsd5.service stop
  [ $(( $(date +%s) - start )) -le 20 ] # -t 1, not the default 10 s (twice over)
  run berth ps -a --format '{{.Names}} {{.State}}'
  [[ "$output" == *"gsd5 exited"* ]]
  berth rm gsd5
}

@test "a --new unit creates the container, and its stop removes it" {
  port=$(random_port)
  berth create --name gsd6 -p "127.0.0.1:$port:80" localhost/busybox httpd -f -p 80
  berth generate systemd --new --name -t 1 --files gsd6
  berth rm gsd6
  run "$BATS_TEST_DIRNAME/../lib/systemd-exec" --runtime-dir "$unitdir" container-gsd6.service start
  echo "$output"
  [ "$status" -eq 0 ]
  wait_for_port "$port"
  [ -s "$unitdir/container-gsd6.service.ctr-id" ]
  run berth ps --format '{{.Names}}'
  [[ "$output" == *gsd6* ]]
  "$BATS_TEST_DIRNAME/../lib/systemd-exec" --runtime-dir "$unitdir" container-gsd6.service stop
  run berth ps -a --format '{{.Names}}'
  [[ "$output" != *gsd6* ]]
}

@test "reboot: the walkthrough's --restart-policy=always unit brings the container back with its data" {
  port=$(random_port)
  www="$BATS_TEST_TMPDIR/www"
  mkdir -p "$www" && echo kept >"$www/index.html"
  berth run -d --name gsdboot -p "127.0.0.1:$port:80" -v "$www:/www:Z" localhost/busybox httpd -f -p 80 -h /www
  wait_until 30 http_ok "http://127.0.0.1:$port/index.html"
  berth generate systemd --restart-policy=always -t 1 --files --name gsdboot
  verify_unit container-gsdboot.service
  grep -q '^Restart=always$' container-gsdboot.service
  simulate_reboot
  ! port_open "$port"
  # at boot the user manager starts the enabled unit
  run "$BATS_TEST_DIRNAME/../lib/systemd-exec" --runtime-dir "$unitdir" container-gsdboot.service start
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[-1]}" == "READY MAINPID="* ]]
  wait_until 30 http_ok "http://127.0.0.1:$port/index.html"
  [ "$(curl -sf "http://127.0.0.1:$port/index.html")" = kept ]
  "$BATS_TEST_DIRNAME/../lib/systemd-exec" --runtime-dir "$unitdir" container-gsdboot.service stop
  [ "$(ctr_state gsdboot)" = exited ]
  berth rm gsdboot
}

@test "reboot: the shipped berth-restart.service starts the --restart=always containers" {
  sed "s|@BINDIR@|$(dirname "$BERTH_BIN")|" "$BATS_TEST_DIRNAME/../../contrib/systemd/berth-restart.service" \
    >berth-restart.service
  verify_unit berth-restart.service
  berth run -d --name gsdalways --restart always localhost/busybox sleep 1000
  berth run -d --name gsdonce localhost/busybox sleep 1000
  simulate_reboot
  # the unit's command carries no store options: this store is found through storage.conf
  printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
    "$BERTH_TEST_ROOT" "$BERTH_TEST_RUNROOT" >"$BATS_TEST_TMPDIR/storage.conf"
  CONTAINERS_STORAGE_CONF="$BATS_TEST_TMPDIR/storage.conf" \
    run "$BATS_TEST_DIRNAME/../lib/systemd-exec" --runtime-dir "$unitdir" berth-restart.service start
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(ctr_state gsdalways)" = running ]
  [ "$(ctr_state gsdonce)" = exited ]
  berth rm -f -t 0 gsdalways gsdonce
}

@test "a pod gets a unit per container and a pod unit that starts them" {
  berth pod create --name gsdpod >/dev/null
  berth create --pod gsdpod --name gsd7 localhost/busybox sleep 1000 >/dev/null
  run berth generate systemd --name --files gsdpod
  [ "$status" -eq 0 ]
  [ -f container-gsd7.service ] && [ -f pod-gsdpod.service ]
  grep -q '^BindsTo=pod-gsdpod.service$' container-gsd7.service
  grep -q '^Wants=container-gsd7.service$' pod-gsdpod.service
  verify_unit container-gsd7.service
  verify_unit pod-gsdpod.service
  run "$BATS_TEST_DIRNAME/../lib/systemd-exec" --runtime-dir "$unitdir" pod-gsdpod.service start
  [ "$status" -eq 0 ]
  run berth ps --format '{{.Names}} {{.State}}'
  [[ "$output" == *"gsd7 running"* ]]
  "$BATS_TEST_DIRNAME/../lib/systemd-exec" --runtime-dir "$unitdir" pod-gsdpod.service stop
  run berth ps --format '{{.Names}}'
  [[ "$output" != *gsd7* ]]
  berth pod rm -f gsdpod
}

# notify_reader SOCKET OUT - collect sd_notify datagrams on SOCKET into OUT (one per line, "|"
# between fields) until one carries READY=1, for at most 60 s.
notify_reader() {
  python3 - "$1" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "w") as out:
    end = time.time() + 60
    while time.time() < end:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            break
        out.write(msg.replace("\n", "|") + "\n"); out.flush()
        if "READY=1" in msg.split("\n"):
            break
PY
}

@test "run --sdnotify=container: the container's READY and STATUS reach systemd, with the monitor as MAINPID" {
  helper="$BERTH_BUILD/tests/sd-notify-send"
  [ -x "$helper" ]
  sock="$BATS_TEST_TMPDIR/notify.sock"
  notify_reader "$sock" "$BATS_TEST_TMPDIR/notes" 3>&- &
  reader=$!
  wait_until 30 test -S "$sock"
  NOTIFY_SOCKET="$sock" berth run -d --name sdn1 --sdnotify=container -v "$helper:/usr/bin/sd-notify-send:ro" \
    localhost/busybox sh -c 'echo "$NOTIFY_SOCKET" >/tmp/ns; sleep 1; sd-notify-send STATUS=warming; sleep 1; sd-notify-send READY=1 MAINPID=1; exec sleep 1000'
  wait "$reader"
  run cat "$BATS_TEST_TMPDIR/notes"
  echo "$output"
  [ "${#lines[@]}" -eq 2 ]
  [ "${lines[0]}" = "STATUS=warming" ]
  # READY comes when the container says so (not when it starts), and MAINPID is the monitor's
  [[ "${lines[1]}" =~ ^READY=1\|MAINPID=([0-9]+)$ ]]
  mainpid=${BASH_REMATCH[1]}
  [ "$(cat /proc/$mainpid/comm)" = berth-monitor ]
  run berth exec sdn1 cat /tmp/ns
  [ "$output" = /run/notify/notify.sock ]
  berth rm -f -t 0 sdn1
}

@test "run --sdnotify=conmon notifies at start; ignore sends nothing; bad values are refused" {
  sock="$BATS_TEST_TMPDIR/notify.sock"
  notify_reader "$sock" "$BATS_TEST_TMPDIR/notes" 3>&- &
  reader=$!
  wait_until 30 test -S "$sock"
  NOTIFY_SOCKET="$sock" berth run -d --name sdn2 localhost/busybox sleep 1000
  wait "$reader"
  [[ "$(cat "$BATS_TEST_TMPDIR/notes")" =~ ^MAINPID=[0-9]+\|READY=1$ ]]
  berth rm -f -t 0 sdn2
  run berth run --sdnotify=sometimes localhost/busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"--sdnotify=sometimes is not supported: use conmon, container or ignore"* ]]
}
