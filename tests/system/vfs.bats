#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# vfs.bats - --storage-driver vfs: a container's rootfs is a plain directory holding a full copy
# of its image's layers (whiteouts applied), with no overlay mount.

load helpers

setup_file() { berth_test_setup_file; }
teardown_file() { berth_test_teardown_file; }

vfs() { berth --storage-driver vfs "$@"; }

@test "vfs: the rootfs is a copy of the layers, not an overlay; writes stay in the container" {
  busybox_image
  layer_dir=$(berth image inspect --format '{{.GraphDriver.Data.UpperDir}}' busybox)
  run vfs run --rm busybox awk '$5 == "/"' /proc/self/mountinfo
  [ "$status" -eq 0 ]
  [[ "$output" != *" - overlay "* ]]
  [[ "$output" == *"/merged / "* ]]
  vfs run -d --name vfs1 busybox sh -c 'echo written >/etc/vfs-file; rm /bin/vi; touch /tmp/done; sleep 1000'
  id=$(berth inspect --format '{{.Id}}' vfs1)
  wait_until 30 test -e "$BERTH_TEST_ROOT/overlay-containers/$id/merged/tmp/done"
  [ "$(cat "$BERTH_TEST_ROOT/overlay-containers/$id/merged/etc/vfs-file")" = written ]
  # the image's layer is untouched
  [ ! -e "$layer_dir/etc/vfs-file" ]
  [ -L "$layer_dir/bin/vi" ]
  run berth exec vfs1 sh -c 'cat /etc/vfs-file; test -e /bin/vi || echo gone'
  [ "$output" = "$(printf 'written\ngone')" ]
  berth rm -f vfs1
  [ ! -e "$BERTH_TEST_ROOT/overlay-containers/$id" ]
}

@test "vfs: layers are applied in order with their whiteouts" {
  archive=$("$BERTH_TOP/tests/lib/make-layers-tar" 12 --docker-archive)
  berth load -i "$archive" >/dev/null
  run vfs run --rm localhost/layers:12 sh -c 'cat /layers/top; ls /layers | tr "\n" " "'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 12 ]
  [[ "${lines[1]}" == *0004* ]]
  [[ "${lines[1]}" != *0005* ]]
  [[ "${lines[1]}" == *0012* ]]
}

@test "an unknown storage driver is refused" {
  run berth --storage-driver btrfs images
  [ "$status" -eq 125 ]
  [ "$output" = "Error: unsupported --storage-driver btrfs: use overlay or vfs" ]
}
