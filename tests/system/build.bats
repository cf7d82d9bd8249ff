#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# build.bats - images made from containers and Containerfiles: commit, build, diff, export.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }

@test "commit: a file the container wrote is in the new image" {
  berth run --name wrote localhost/busybox sh -c 'echo committed >/hello; rm /bin/vi'
  run berth commit -q -m "my message" -a "Jane <j@example.com>" wrote localhost/wrote:v1
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  run berth run --rm localhost/wrote:v1 cat /hello
  [ "$status" -eq 0 ]
  [ "$output" = committed ]
  # the deletion is carried by a whiteout
  run berth run --rm localhost/wrote:v1 test -e /bin/vi
  [ "$status" -eq 1 ]
  run berth image inspect --format '{{.Author}} {{len .RootFS.Layers}}' localhost/wrote:v1
  [ "$output" = "Jane <j@example.com> 2" ]
  run berth history --format '{{.Comment}}' localhost/wrote:v1
  [[ "${lines[0]}" == "my message" ]]
  # the mount-point placeholders are not part of the layer
  run berth run --rm localhost/wrote:v1 cat /etc/hostname
  [ "$output" != "" ]
  berth rm wrote
}

@test "commit --change CMD and ENV, --format docker" {
  berth run --name ch localhost/busybox sh -c 'echo from-cmd >/msg'
  run berth commit -q --format docker -c 'CMD ["cat", "/msg"]' -c 'ENV GREETING=hi' ch changed
  [ "$status" -eq 0 ]
  run berth run --rm localhost/changed
  [ "$status" -eq 0 ]
  [ "$output" = from-cmd ]
  run berth run --rm localhost/changed sh -c 'echo $GREETING'
  [ "$output" = hi ]
  run berth image inspect --format '{{.ManifestType}}' localhost/changed
  [[ "$output" == *docker* ]]
  run berth commit -c 'BOGUS x' ch bad
  [ "$status" -ne 0 ]
  [[ "$output" == *'BOGUS is not one of'* ]]
  run berth image exists localhost/bad
  [ "$status" -eq 1 ]
  run berth commit nosuchcontainer x
  [ "$status" -eq 125 ]
  berth rm ch
}

@test "diff shows A, C and D" {
  berth run --name df localhost/busybox sh -c 'echo new >/added; echo x >>/etc/passwd; rm /bin/cat'
  run berth diff df
  [ "$status" -eq 0 ]
  [[ "$output" == *"A /added"* ]]
  [[ "$output" == *"C /etc/passwd"* ]]
  [[ "$output" == *"C /etc"* ]]
  [[ "$output" == *"D /bin/cat"* ]]
  # mount points are not changes
  [[ "$output" != *"/etc/hosts"* ]]
  run berth container diff --format json df
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.added == ["/added"] and (.deleted | index("/bin/cat")) != null'
  berth rm df
}

@test "export writes a tar of the whole root filesystem" {
  berth run --name ex localhost/busybox sh -c 'echo e >/exported; rm /bin/vi'
  berth export -o "$BATS_TEST_TMPDIR/ex.tar" ex
  run tar -tf "$BATS_TEST_TMPDIR/ex.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"bin/busybox"* ]]
  [[ "$output" == *"exported"* ]]
  [[ "$output" != *"bin/vi"* ]]
  berth container export ex >"$BATS_TEST_TMPDIR/ex2.tar"
  tar -tf "$BATS_TEST_TMPDIR/ex2.tar" | grep -qx 'bin/busybox'
  run berth export -o "$BATS_TEST_TMPDIR/none.tar" nosuch
  [ "$status" -ne 0 ]
  [ ! -e "$BATS_TEST_TMPDIR/none.tar" ]
  berth rm ex
}
