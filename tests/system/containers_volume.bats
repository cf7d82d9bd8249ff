#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# containers_volume.bats - named and anonymous volumes: volume create/ls/inspect/rm/prune/exists,
# -v NAME:/path, the image's VOLUMEs, rm -v and run --rm.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
  berth import --change 'VOLUME /vol' --change 'CMD ["/bin/sh"]' "$(busybox_tarball)" localhost/withvol:latest >/dev/null
}
teardown_file() { containers_teardown_file; }

@test "volume create, ls, inspect, exists" {
  run berth volume create --label team=a named1
  [ "$status" -eq 0 ]
  [ "$output" = "named1" ]
  run berth volume ls
  [[ "${lines[0]}" == "DRIVER"*"VOLUME NAME" ]]
  [[ "$output" == *"local"*"named1"* ]]
  run berth volume inspect --format '{{.Name}} {{.Driver}} {{.Mountpoint}}' named1
  [ "$output" = "named1 local $BERTH_TEST_ROOT/volumes/named1/_data" ]
  run berth volume ls --filter label=team=a -q
  [ "$output" = "named1" ]
  berth volume exists named1
  run berth volume exists nope
  [ "$status" -eq 1 ]
  run berth volume create named1
  [ "$status" -eq 125 ]
  [[ "$output" == *"already exists"* ]]
  run berth volume create 'bad/name'
  [ "$status" -eq 125 ]
}

@test "-v NAME:/path keeps data across containers and creates missing volumes" {
  berth run --rm -v keep:/data localhost/busybox sh -c 'echo persisted >/data/f'
  run berth run --rm -v keep:/data:ro localhost/busybox cat /data/f
  [ "$output" = "persisted" ]
  [ "$(cat "$BERTH_TEST_ROOT/volumes/keep/_data/f")" = "persisted" ]
  run berth volume exists keep
  [ "$status" -eq 0 ]
}

@test "a volume in use is not removed without -f; prune keeps used ones" {
  berth create --name holder -v used:/data localhost/busybox true >/dev/null
  run berth container inspect --format '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}' holder
  [ "$output" = "volume used /data" ]
  run berth volume rm used
  [ "$status" -eq 125 ]
  [[ "$output" == *"volume used is being used by the following container(s)"* ]]
  berth volume create spare >/dev/null
  run berth volume prune -f
  [[ "$output" == *spare* ]]
  [[ "$output" != *used* ]]
  berth volume exists used
  run berth volume rm -f used
  [ "$status" -eq 0 ]
  run berth container exists holder
  [ "$status" -eq 1 ]
}

@test "the image's VOLUMEs get anonymous volumes; rm -v and run --rm remove them" {
  before=$(berth volume ls -q | wc -l)
  id=$(berth create localhost/withvol true)
  run berth volume ls -q
  [ "$(echo "$output" | wc -l)" -eq $((before + 1)) ]
  berth rm -v "$id"
  [ "$(berth volume ls -q | wc -l)" -eq "$before" ]
  berth run --rm localhost/withvol sh -c 'echo x >/vol/f'
  [ "$(berth volume ls -q | wc -l)" -eq "$before" ]
  # a -v on the same path replaces the anonymous volume
  berth run --rm -v "$BATS_TEST_TMPDIR:/vol" localhost/withvol sh -c 'echo y >/vol/g'
  [ "$(cat "$BATS_TEST_TMPDIR/g")" = "y" ]
  [ "$(berth volume ls -q | wc -l)" -eq "$before" ]
}
