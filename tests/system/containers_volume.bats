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

# An image whose VOLUME /srv/data holds files owned by 1234:5678 (podman's copy-up source).
copyup_image() {
  berth image exists localhost/copyup && return 0
  local d="$BATS_FILE_TMPDIR/copyup" tar="$BATS_FILE_TMPDIR/copyup.tar"
  mkdir -p "$d/srv/data/sub"
  echo from-image >"$d/srv/data/hello"
  echo deep >"$d/srv/data/sub/deeper"
  chmod 0640 "$d/srv/data/hello"
  ln -s hello "$d/srv/data/link"
  cp "$(busybox_tarball)" "$tar"
  tar -C "$d" --owner=1234 --group=5678 --numeric-owner -rf "$tar" ./srv
  berth import --change 'VOLUME /srv/data' --change 'CMD ["/bin/sh"]' "$tar" localhost/copyup >/dev/null
}

@test "new volumes get the image's content at their path, owners kept (copy-up)" {
  copyup_image
  # anonymous volume for the image's VOLUME
  run berth run --rm localhost/copyup sh -c 'stat -c "%u:%g %a" /srv/data/hello; cat /srv/data/hello /srv/data/sub/deeper; readlink /srv/data/link'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '1234:5678 640\nfrom-image\ndeep\nhello')" ]
  # a named volume on first use is filled; later uses see its own data, not the image's
  run berth run --rm -v cu-named:/srv/data localhost/copyup sh -c 'cat /srv/data/hello; echo changed >/srv/data/hello; rm /srv/data/sub/deeper'
  [ "$output" = "from-image" ]
  run berth run --rm -v cu-named:/srv/data localhost/copyup sh -c 'cat /srv/data/hello; ls /srv/data/sub'
  [ "$output" = "changed" ]
  dir=$(berth volume inspect --format '{{.Mountpoint}}' cu-named)
  [ "$(stat -c %u:%g "$dir/sub")" = "$(stat -c %u:%g "$dir/hello")" ]
  # an empty volume made by `volume create` is filled on first use too
  berth volume create cu-pre >/dev/null
  run berth run --rm -v cu-pre:/srv/data localhost/copyup cat /srv/data/hello
  [ "$output" = "from-image" ]
  # a path the image does not have leaves the volume empty
  run berth run --rm -v cu-other:/nothing-here localhost/copyup ls -A /nothing-here
  [ "$output" = "" ]
  berth volume rm cu-named cu-pre cu-other
}

@test "system prune removes stopped containers, idle pods and (with --volumes) unused volumes" {
  berth run --name spdone -v spold:/data localhost/busybox true
  berth run -d --name sprun -v spused:/data localhost/busybox sleep 1000
  berth pod create --name spidle >/dev/null
  run berth system prune -f --volumes
  [ "$status" -eq 0 ]
  [[ "$output" == "Deleted Pods"*"Deleted Containers"*"Deleted Volumes"*"Deleted Images"*"Total reclaimed space:"* ]]
  run berth container exists spdone
  [ "$status" -eq 1 ]
  berth container exists sprun
  run berth pod exists spidle
  [ "$status" -eq 1 ]
  run berth volume exists spold
  [ "$status" -eq 1 ]
  berth volume exists spused
  # without --volumes, volumes stay
  berth volume create spkeep >/dev/null
  berth system prune -f >/dev/null
  berth volume exists spkeep
  berth rm -f -t 0 sprun
  berth volume rm spused spkeep
}

@test "system df counts what containers write and which volumes they use; -v lists each" {
  berth volume create dfused >/dev/null
  berth volume create dfidle >/dev/null
  berth run --rm -v dfidle:/d localhost/busybox sh -c 'head -c 100000 /dev/zero >/d/f'
  berth run -d --name dfrun -v dfused:/data localhost/busybox \
    sh -c 'head -c 300000 /dev/zero >/data/x; head -c 50000 /dev/zero >/big; touch /tmp/go; sleep 1000'
  wait_until 30 ctr_has dfrun /tmp/go
  berth create --name dfcreated localhost/busybox true >/dev/null
  run berth system df --format '{{.Type}}|{{.Total}}|{{.Active}}|{{.RawSize}}|{{.RawReclaimable}}'
  echo "$output"
  [ "${lines[1]}" = "Containers|2|1|50000|0" ]
  [ "${lines[2]}" = "Local Volumes|2|1|400000|100000" ]
  run berth system df -v
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Images space usage:" ]
  [[ "${lines[1]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE\ +SHARED\ SIZE\ +UNIQUE\ SIZE\ +CONTAINERS$ ]]
  [[ "$output" == *$'\nContainers space usage:\n'* ]]
  [[ "$output" =~ dfrun ]] && [[ "$output" =~ dfcreated ]]
  [[ "$(grep ' dfrun$' <<<"$output")" =~ \ 1\ +50\ kB\ + ]]
  [[ "$output" == *$'\nLocal Volumes space usage:\n'* ]]
  [[ "$(grep '^dfused ' <<<"$output")" =~ ^dfused\ +1\ +300\ kB$ ]]
  [[ "$(grep '^dfidle ' <<<"$output")" =~ ^dfidle\ +0\ +100\ kB$ ]]
  run berth system df -v --format json
  [ "$status" -eq 125 ]
  berth rm -f -t 0 dfrun dfcreated
  berth volume rm dfused dfidle
}
