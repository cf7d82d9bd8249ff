#!/usr/bin/env bats
# The "registry" image built offline by src/registry/build-image.sh: its config, and that its
# root file system really runs berth-registry and busybox (checked in a chroot).

load ../lib/registry-helpers.bash

setup() {
  unset REGISTRY_HTTP_ADDR
  IMG=$BATS_TEST_TMPDIR/image
  BERTH_REGISTRY=$(reg_bin) run "$REG_TOP/src/registry/build-image.sh" "$IMG" latest
  echo "$output"; [ "$status" -eq 0 ]
  DIGEST=$(echo "$output" | tail -1)
}

teardown() {
  reg_cleanup
}

@test "registry image: entrypoint, cmd, volume and port" {
  run skopeo inspect --config "oci:$IMG:latest"
  echo "$output"; [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -c .config.Entrypoint)" = '["/bin/berth-registry"]' ]
  [ "$(echo "$output" | jq -c .config.Cmd)" = '["serve","/etc/docker/registry/config.yml"]' ]
  [ "$(echo "$output" | jq -c '.config.Volumes | keys')" = '["/var/lib/registry"]' ]
  [ "$(echo "$output" | jq -c '.config.ExposedPorts | keys')" = '["5000/tcp"]' ]
  # reproducible: a second build gives the same manifest
  BERTH_REGISTRY=$(reg_bin) run "$REG_TOP/src/registry/build-image.sh" "$BATS_TEST_TMPDIR/again" latest
  [ "$(echo "$output" | tail -1)" = "$DIGEST" ]
}

@test "registry image: its root file system runs the registry and a shell" {
  [ "$(id -u)" = 0 ] || skip "chroot needs root"
  # the sanitizer runtime reads /proc at exit, which the bare chroot has not
  ! ldd "$(reg_bin)" | grep -q libasan || skip "a sanitizer build cannot run in a chroot without /proc"
  rootfs=$BATS_TEST_TMPDIR/rootfs
  mkdir -p "$rootfs"
  layer=$(jq -r '.layers[0].digest' "$IMG/blobs/sha256/${DIGEST#sha256:}")
  tar -C "$rootfs" -xzf "$IMG/blobs/sha256/${layer#sha256:}"
  run chroot "$rootfs" /bin/berth-registry --version
  echo "$output"; [ "$status" -eq 0 ]
  run chroot "$rootfs" /bin/sh -c 'ls /var/lib/registry && touch /var/lib/registry/file && ls /var/lib/registry'
  [ "$status" -eq 0 ]
  [ "$output" = file ]
  rm "$rootfs/var/lib/registry/file"
  # serve from inside the chroot with the image's own config, the port overridden by the
  # environment as a user of the image would, and push the image into itself
  REG_LOG=$BATS_TEST_TMPDIR/chroot.log
  REGISTRY_HTTP_ADDR=127.0.0.1:0 chroot "$rootfs" /bin/berth-registry serve /etc/docker/registry/config.yml 2>"$REG_LOG" &
  REG_PID=$!
  echo "$REG_PID" >>"$BATS_TEST_TMPDIR/pids"
  reg_port() { REG_PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$REG_LOG" | head -1); [ -n "$REG_PORT" ]; }
  wait_until 30 reg_port
  run skopeo copy --dest-tls-verify=false "oci:$IMG:latest" "docker://127.0.0.1:$REG_PORT/registry:latest"
  echo "$output"; [ "$status" -eq 0 ]
  [ -d "$rootfs/var/lib/registry/docker/registry/v2/repositories/registry" ]
}
