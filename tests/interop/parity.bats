#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# podman parity: the walkthrough's commands on Debian's podman and on berth, with the same
# busybox image, the same names and a real docker-registry on 127.0.0.1, comparing what users
# see: column headers, exit codes, error lines and the pull/push progress lines. Deliberate
# differences are listed in README ("Differences from podman") and are not compared here.
#
# podman runs with a private store and a containers.conf that works on this host (runc,
# cgroupfs, file events, no raised ulimits), inside a mount namespace of its own with a private
# /dev/shm: its lock segment /libpod_lock is shared by every podman on the machine otherwise.
# When podman cannot run a container here, every test is skipped.

load ../system/helpers
load ../system/transfer_helpers
bats_require_minimum_version 1.5.0

setup_file() {
  berth_test_setup_file
  export REGISTRY_AUTH_FILE="$BERTH_TEST_DIR/auth.json"
  echo '{}' >"$REGISTRY_AUTH_FILE" # podman 4.3 fails on a missing one
  P=$(mktemp -d /tmp/bparity.XXXXXX) # podman refuses a runroot longer than 50 characters
  cp "$BERTH_TOP/tests/lib/podman-containers.conf" "$P/containers.conf"
  export P
  PODMAN_OK=0
  if command -v podman >/dev/null && command -v nsenter >/dev/null; then
    unshare -m --propagation private sh -c \
      'mount -t tmpfs tmpfs /dev/shm && touch /dev/shm/.parity && exec sleep 3600' 3>&- &
    echo $! >"$P/ns.pid"
    local i
    for i in $(seq 300); do # 30 s and more: CI is a loaded 2-core machine
      nsenter -t "$(cat "$P/ns.pid")" -m test -e /dev/shm/.parity 2>/dev/null && break
      sleep 0.1
    done
    if podman_ import --change 'CMD ["/bin/sh"]' "$(busybox_tarball)" localhost/busybox:latest >"$P/setup.log" 2>&1 &&
       podman_ run --rm --network none localhost/busybox true >/dev/null 2>&1; then
      PODMAN_OK=1
    fi
  fi
  export PODMAN_OK
  berth import --change 'CMD ["/bin/sh"]' "$(busybox_tarball)" localhost/busybox:latest >/dev/null
  if [ "$PODMAN_OK" = 1 ]; then
    start_docker_registry A
    printf 'unqualified-search-registries = ["%s"]\n[[registry]]\nlocation = "%s"\ninsecure = true\n' \
      "$REG_A" "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  fi
}

teardown_file() {
  if [ -n "$P" ] && [ -f "$P/ns.pid" ]; then
    podman_ rm -a -f -t 0 >/dev/null 2>&1 || true
    podman_ pod rm -a -f >/dev/null 2>&1 || true
    podman_ system reset -f >/dev/null 2>&1 || true
    kill "$(cat "$P/ns.pid")" 2>/dev/null || true
  fi
  berth_unmount_under "$P"
  [ -n "$P" ] && rm -rf "$P"
  berth rm -a -f -t 0 >/dev/null 2>&1 || true
  berth pod rm -a -f >/dev/null 2>&1 || true
  stop_registries
  berth_test_teardown_file
}

setup() {
  [ "$PODMAN_OK" = 1 ] || skip "podman cannot run a container here"
}

# podman_ ARGS... - Debian's podman on its own store, in the namespace made in setup_file.
podman_() {
  nsenter -t "$(cat "$P/ns.pid")" -m --wd="$PWD" env -u CONTAINERS_STORAGE_CONF CONTAINERS_CONF="$P/containers.conf" \
    podman --root "$P/root" --runroot "$P/run" --storage-driver overlay "$@"
}

# both NAME ARGS... - run ARGS on podman and on berth; sets p_status p_out b_status b_out
# (stdout and stderr together), with full and short container ids replaced by ID.
both() {
  local out
  p_status=0; out=$(podman_ "$@" 2>&1) || p_status=$?
  p_out=$(sed -E 's/[0-9a-f]{64}|[0-9a-f]{12}/ID/g' <<<"$out")
  b_status=0; out=$(berth "$@" 2>&1) || b_status=$?
  b_out=$(sed -E 's/[0-9a-f]{64}|[0-9a-f]{12}/ID/g' <<<"$out")
  echo "podman ($p_status): $p_out"
  echo "berth  ($b_status): $b_out"
}

# same_status ARGS... and same_output ARGS...: what both engines do with ARGS must match.
same_status() { both "$@"; [ "$p_status" = "$b_status" ]; }
same_output() { both "$@"; [ "$p_status" = "$b_status" ] && [ "$p_out" = "$b_out" ]; }

# header CMD... - the first line of CMD's output, runs of spaces squeezed.
header() { "$@" 2>/dev/null | head -1 | tr -s ' '; }

@test "parity: images, ps -a, ps --pod, pod ps column headers" {
  for c in "images" "ps -a" "ps -a --pod" "pod ps"; do
    [ "$(header podman_ $c)" = "$(header berth $c)" ] || { echo "$c"; header podman_ $c; header berth $c; false; }
  done
  # images: the same image name gives the same column positions (podman's tabwriter)
  [ "$(podman_ images | head -1 | grep -bo 'IMAGE ID')" = "$(berth images | head -1 | grep -bo 'IMAGE ID')" ]
}

@test "parity: ps -a fields of a created container; oldest first" {
  podman_ create --name pfirst -p 18080:8080 localhost/busybox sh -c 'echo hello world' >/dev/null
  berth create --name pfirst -p 18080:8080 localhost/busybox sh -c 'echo hello world' >/dev/null
  sleep 1.1
  podman_ create --name psecond localhost/busybox true >/dev/null
  berth create --name psecond localhost/busybox true >/dev/null
  f='{{.Names}}|{{.Image}}|{{.Command}}|{{.Ports}}|{{.Status}}'
  [ "$(podman_ ps -a --format "$f")" = "$(berth ps -a --format "$f")" ]
  # the table: same header and the same column positions for these rows
  [ "$(podman_ ps -a | head -1 | grep -bo 'CREATED')" = "$(berth ps -a | head -1 | grep -bo 'CREATED')" ]
  [ "$(podman_ ps -a --last 1 --format '{{.Names}}')" = "$(berth ps -a --last 1 --format '{{.Names}}')" ]
  podman_ rm pfirst psecond >/dev/null
  berth rm pfirst psecond >/dev/null
}

@test "parity: exit codes and error lines for missing containers, images and pods" {
  same_output rm nosuch
  same_output stop nosuch
  same_output start nosuch
  same_output logs nosuch
  same_output rmi nosuch
  same_output image rm nosuch
  same_output tag nosuch localhost/x
  same_output pod rm nosuch
  same_output pod stop nosuch
  same_output logout 127.0.0.1:1
  same_status inspect nosuch
  same_status image inspect nosuch
  same_status exec nosuch true
  same_status generate systemd nosuch
  same_status tag localhost/busybox BAD:name
}

@test "parity: run exit codes, rm of a running container, name in use" {
  same_status run --rm --network none localhost/busybox sh -c 'exit 3'
  [ "$b_status" = 3 ]
  same_status run --rm --network none localhost/busybox nosuchcmd
  [ "$b_status" = 127 ]
  same_output run --rm --network none -e A=1 -w /tmp localhost/busybox sh -c 'echo $A; pwd'
  podman_ run -d --network none --name busy localhost/busybox sleep 100 >/dev/null
  berth run -d --network none --name busy localhost/busybox sleep 100 >/dev/null
  same_output rm busy
  [ "$b_status" = 2 ]
  # podman adds "creating container storage: " in front; the rest is the same
  same_status run -d --network none --name busy localhost/busybox true
  [[ "$p_out" == *"$(sed 's/^Error: //' <<<"$b_out")" ]]
  same_output exec busy sh -c 'echo in; exit 4'
  [ "$b_status" = 4 ]
  same_status exec -d busy true
  same_output stop -t 0 busy
  same_output ps -q
  same_output rm busy
}

@test "parity: pod rm removes stopped members without -f, refuses running ones" {
  for e in podman_ berth; do
    $e pod create --name pp >/dev/null
    $e create --pod pp --name ppc localhost/busybox true >/dev/null
  done
  same_status pod rm pp
  [ "$b_status" = 0 ]
  same_status container exists ppc
  [ "$b_status" = 1 ]
}

# progress LOG - the kinds of podman's copy lines, in order, one per kind and digest.
progress() {
  sed -E 's/^(Copying (blob|config)) sha256:([0-9a-f]{64}).*/\1 \3/' "$1" | grep -v '^Trying to pull' |
    grep -vE '^[0-9a-f]{64}$' | uniq
}

@test "parity: push and pull progress lines against docker-registry" {
  podman_ push localhost/busybox "$REG_A/parity/p:v1" >"$BATS_TEST_TMPDIR/p.push" 2>&1
  berth push localhost/busybox "$REG_A/parity/b:v1" >"$BATS_TEST_TMPDIR/b.push" 2>&1
  cat "$BATS_TEST_TMPDIR/p.push" "$BATS_TEST_TMPDIR/b.push"
  for f in p b; do
    progress "$BATS_TEST_TMPDIR/$f.push" | sed -E 's/ [0-9a-f]{64}$//' >"$BATS_TEST_TMPDIR/$f.kinds"
  done
  diff "$BATS_TEST_TMPDIR/p.kinds" "$BATS_TEST_TMPDIR/b.kinds"
  [ "$(tail -1 "$BATS_TEST_TMPDIR/b.kinds")" = "Storing signatures" ]
  # a pull of what podman pushed: same lines, same layer digest, same image id printed last
  podman_ rmi -f localhost/busybox >/dev/null
  run podman_ pull "$REG_A/parity/p:v1"
  p_pull=$output
  podman_ tag "$REG_A/parity/p:v1" localhost/busybox:latest
  run berth pull "$REG_A/parity/p:v1"
  [ "$status" -eq 0 ]
  [ "$(echo "$p_pull" | tail -1)" = "$(echo "$output" | tail -1)" ]
  [ "$(echo "$p_pull" | grep -v '^Copying blob')" = "$(echo "$output" | grep -v '^Copying blob')" ]
  [ "$(echo "$p_pull" | grep -o '^Copying blob sha256:[0-9a-f]*')" = "$(echo "$output" | grep -o '^Copying blob sha256:[0-9a-f]*')" ]
  # run of an image not in the store pulls it first (--pull=missing), progress on stderr only
  podman_ rmi -f "$REG_A/parity/p:v1" >/dev/null
  berth rmi -f "$REG_A/parity/p:v1" >/dev/null
  run --separate-stderr podman_ run --rm --network none "$REG_A/parity/p:v1" echo ran
  p_run=$output p_err=$stderr
  run --separate-stderr berth run --rm --network none "$REG_A/parity/p:v1" echo ran
  [ "$status" -eq 0 ]
  [ "$output" = "$p_run" ]
  [ "$(head -2 <<<"$stderr")" = "$(head -2 <<<"$p_err")" ]
  [ "$(tail -1 <<<"$stderr")" = "Storing signatures" ]
  # a missing image: both fail with 125 (berth's message is shorter, see README)
  same_status pull "$REG_A/parity/nosuch:v1"
  [ "$b_status" = 125 ]
}

@test "parity: search and a short-name pull through unqualified-search-registries" {
  # berth's default columns are the walkthrough's (NAME DESCRIPTION STARS OFFICIAL); podman
  # 4.3 prints the first two unless asked: asked, its table is berth's to the byte
  local tbl='table {{.Name}}\t{{.Description}}\t{{.Stars}}\t{{.Official}}'
  for args in parity "--limit 1 $REG_A/parity/p"; do
    # shellcheck disable=SC2086
    [ "$(podman_ search --format "$tbl" $args 2>&1)" = "$(berth search $args 2>&1)" ] ||
      { echo "search $args"; podman_ search --format "$tbl" $args; berth search $args; false; }
  done
  # a short name: both name the search registries' file, then the one candidate, and fail alike
  same_status pull nosuchshortname
  [ "$(head -2 <<<"$p_out")" = "$(head -2 <<<"$b_out")" ]
  [[ "$b_out" == 'Resolving "nosuchshortname" using unqualified-search registries ('*')'* ]]
}

@test "parity: generate systemd --restart-policy=always -t 1 --files --name" {
  for e in podman_ berth; do
    $e create --name gsd --network none localhost/busybox sleep 100 >/dev/null
    mkdir -p "$BATS_TEST_TMPDIR/$e"
    (cd "$BATS_TEST_TMPDIR/$e" && $e generate systemd --restart-policy=always -t 1 --files --name gsd) \
      >"$BATS_TEST_TMPDIR/$e.out"
    $e rm gsd >/dev/null
  done
  [ "$(cat "$BATS_TEST_TMPDIR/podman_.out")" = "$BATS_TEST_TMPDIR/podman_/container-gsd.service" ]
  [ "$(cat "$BATS_TEST_TMPDIR/berth.out")" = "$BATS_TEST_TMPDIR/berth/container-gsd.service" ]
  keys='^(Restart|TimeoutStopSec|WantedBy|Wants|After)='
  diff <(grep -E "$keys" "$BATS_TEST_TMPDIR/podman_/container-gsd.service") \
    <(grep -E "$keys" "$BATS_TEST_TMPDIR/berth/container-gsd.service")
  same_status generate systemd --restart-policy=bogus nosuch
}

@test "parity: the walkthrough's flags are in both engines' --help" {
  while IFS='|' read -r cmd flags; do
    for f in $flags; do
      podman_ $cmd --help | grep -q -- "$f" || { echo "podman $cmd lacks $f"; false; }
      berth $cmd --help | grep -q -- "$f" || { echo "berth $cmd lacks $f"; false; }
    done
  done <<'EOF'
run|--name --publish --volume --detach --interactive --tty --env --workdir --user
exec|--interactive --tty --detach
ps|--all
stop|--time
generate systemd|--restart-policy --time --files --name
login|--username --password-stdin
image rm|--force
EOF
}
