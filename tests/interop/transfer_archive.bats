#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# berth copy to and from docker-archive: and oci-archive:, against Debian's skopeo (both
# directions), podman load, and a registry; and hostile tars refused with nothing written.

bats_require_minimum_version 1.5.0

load ../system/helpers
load ../system/transfer_helpers

setup_file() {
  berth_test_setup_file
  # blob-location hints stay in this run
  export XDG_CACHE_HOME="$BERTH_TEST_DIR/cache"
  export REGISTRY_AUTH_FILE="$BERTH_TEST_DIR/auth.json"
  start_docker_registry A
  LAYOUT="$BERTH_TEST_DIR/layout"
  transfer_oci_layout "$LAYOUT" v1 3 >"$BERTH_TEST_DIR/layout.digest"
  export LAYOUT
}

teardown() {
  # the small $TMPDIR of the in-place test, even when it failed half way
  if mountpoint -q "$BATS_TEST_TMPDIR/small" 2>/dev/null; then umount "$BATS_TEST_TMPDIR/small"; fi
}

teardown_file() {
  stop_registries
  berth_test_teardown_file
}

# the files of layer N of $LAYOUT's image (gzip'd blob), as "tar -t" lists them
layout_layer_files() {
  local man layer
  man=$(jq -r '.manifests[0].digest' "$LAYOUT/index.json")
  layer=$(jq -r ".layers[$1].digest" "$LAYOUT/blobs/sha256/${man#sha256:}")
  tar -tzf "$LAYOUT/blobs/sha256/${layer#sha256:}" | sort
}

@test "copy: oci: to docker-archive:, skopeo and podman load read it" {
  local t=$BATS_TEST_TMPDIR
  run berth copy "oci:$LAYOUT:v1" "docker-archive:$t/img.tar:example.com/app:v1"
  [ "$status" -eq 0 ]
  # docker save's layout: uncompressed layers named by diff_id, manifest.json naming the image
  run tar -tf "$t/img.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *manifest.json* ]]
  [ "$(tar -xOf "$t/img.tar" manifest.json | jq -r '.[0].RepoTags[0]')" = example.com/app:v1 ]
  [ "$(tar -xOf "$t/img.tar" manifest.json | jq -r '.[0].Layers | length')" = 3 ]
  local diff first
  diff=$(tar -xOf "$t/img.tar" manifest.json | jq -r '.[0].Config' | xargs -I{} tar -xOf "$t/img.tar" {} | jq -r '.rootfs.diff_ids[1]')
  first=$(tar -xOf "$t/img.tar" manifest.json | jq -r '.[0].Layers[1]')
  [ "$first" = "${diff#sha256:}.tar" ]
  [ "$(tar -xOf "$t/img.tar" "$first" | sha256sum | cut -d' ' -f1)" = "${diff#sha256:}" ]
  # skopeo reads it back: same config, same layers
  run skopeo inspect "docker-archive:$t/img.tar"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.Labels["org.example.tag"]')" = v1 ]
  [ "$(echo "$output" | jq -r '.Layers | length')" = 3 ]
  # and podman loads it (its own store under the test dir)
  run env -u CONTAINERS_STORAGE_CONF -u CONTAINERS_CONF podman --root "$t/podman" --runroot "$t/podman-run" --storage-driver vfs load -i "$t/img.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"example.com/app:v1"* ]]
  run env -u CONTAINERS_STORAGE_CONF -u CONTAINERS_CONF podman --root "$t/podman" --runroot "$t/podman-run" --storage-driver vfs image inspect --format '{{index .Labels "org.example.tag"}}' example.com/app:v1
  [ "$status" -eq 0 ]
  [ "$output" = v1 ]
}

@test "copy: skopeo's docker-archive into berth, to a registry and back to oci:" {
  local t=$BATS_TEST_TMPDIR reg=$REG_A
  run skopeo copy -q "oci:$LAYOUT:v1" "docker-archive:$t/sk.tar:example.com/sk:v2"
  [ "$status" -eq 0 ]
  run berth copy -q --dest-tls-verify=false "docker-archive:$t/sk.tar" "docker://$reg/sk:v2"
  [ "$status" -eq 0 ]
  run skopeo inspect --tls-verify=false "docker://$reg/sk:v2"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.Labels["org.example.tag"]')" = v1 ]
  # the archive's uncompressed layers reached the registry gzip'd, as skopeo sends them
  run skopeo inspect --tls-verify=false --raw "docker://$reg/sk:v2"
  [ "$(echo "$output" | jq -r '[.layers[].mediaType] | unique | .[]')" = application/vnd.oci.image.layer.v1.tar+gzip ]
  # by name, then to an OCI layout whose layers umoci unpacks
  run berth copy -q "docker-archive:$t/sk.tar:example.com/sk:v2" "oci:$t/out:v2"
  [ "$status" -eq 0 ]
  run umoci unpack --rootless --image "$t/out:v2" "$t/bundle"
  [ "$status" -eq 0 ]
  [ -x "$t/bundle/rootfs/bin/busybox" ]
  [ -f "$t/bundle/rootfs/data/file2" ]
  # a name the archive does not hold, and an index past its end
  run berth copy -q "docker-archive:$t/sk.tar:example.com/other:v2" "oci:$t/out2:x"
  [ "$status" -eq 125 ]
  [[ "$output" == *"no image named example.com/other:v2 in the archive"* ]]
  run berth copy -q "docker-archive:$t/sk.tar:@3" "oci:$t/out2:x"
  [ "$status" -eq 125 ]
  [[ "$output" == *"holds 1 images, no @3"* ]]
  [ ! -e "$t/out2" ]
}

@test "copy: oci-archive both ways with skopeo; digests survive" {
  local t=$BATS_TEST_TMPDIR digest
  digest=$(cat "$BERTH_TEST_DIR/layout.digest")
  run berth copy -q "oci:$LAYOUT:v1" "oci-archive:$t/o.tar:v1"
  [ "$status" -eq 0 ]
  tar -tf "$t/o.tar" | grep -qx index.json
  run skopeo inspect "oci-archive:$t/o.tar:v1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .Digest)" = "$digest" ]
  run skopeo copy -q "oci:$LAYOUT:v1" "oci-archive:$t/sk.tar:v1"
  [ "$status" -eq 0 ]
  run berth copy -q "oci-archive:$t/sk.tar:v1" "oci:$t/back:v1"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.manifests[0].digest' "$t/back/index.json")" = "$digest" ]
  # docker-archive → oci-archive → docker-archive keeps the layers' content
  run berth copy -q "oci-archive:$t/o.tar:v1" "docker-archive:$t/d.tar:example.com/x:1"
  [ "$status" -eq 0 ]
  run berth copy -q "docker-archive:$t/d.tar" "oci-archive:$t/o2.tar:v2"
  [ "$status" -eq 0 ]
  run skopeo inspect "oci-archive:$t/o2.tar:v2"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.Layers | length')" = 3 ]
  # the work dirs under TMPDIR are gone
  [ -z "$(ls "$TMPDIR" 2>/dev/null | grep berth-archive)" ]
}

@test "copy: hostile archives are refused and write nothing outside" {
  local t=$BATS_TEST_TMPDIR
  mkdir -p "$t/evil"
  echo '[{"Config":"../../../../etc/passwd","RepoTags":["x:1"],"Layers":[]}]' >"$t/evil/manifest.json"
  tar -C "$t/evil" -cf "$t/evil.tar" manifest.json
  run berth copy -q "docker-archive:$t/evil.tar" "oci:$t/o1:x"
  [ "$status" -eq 125 ]
  [[ "$output" == *"etc/passwd"* ]]
  [ ! -e "$t/o1" ]
  # an entry that climbs with ".."
  python3 - "$t/dotdot.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as tf:
    for name in ("manifest.json", "../../escaped-berth-test"):
        data = b"[]"
        ti = tarfile.TarInfo(name); ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
EOF
  run berth copy -q "docker-archive:$t/dotdot.tar" "oci:$t/o2:x"
  [ "$status" -eq 125 ]
  [[ "$output" == *"escaped-berth-test"* ]]
  [ ! -e "$t/../../escaped-berth-test" ]
  [ ! -e "$t/o2" ]
  # a symlink standing in for blobs/ in an oci-archive
  mkdir -p "$t/sl"
  ln -s / "$t/sl/blobs"
  echo '{"schemaVersion":2,"manifests":[]}' >"$t/sl/index.json"
  tar -C "$t/sl" -cf "$t/sl.tar" index.json blobs
  run berth copy -q "oci-archive:$t/sl.tar" "oci:$t/o3:x"
  [ "$status" -eq 125 ]
  [[ "$output" == *"not an oci-archive (blobs is missing or not a directory)"* ]]
  # a huge manifest.json
  mkdir -p "$t/huge"
  head -c 5000000 /dev/zero | tr '\0' ' ' >"$t/huge/manifest.json"
  tar -C "$t/huge" -cf "$t/huge.tar" manifest.json
  run berth copy -q "docker-archive:$t/huge.tar" "oci:$t/o4:x"
  [ "$status" -eq 125 ]
  [[ "$output" == *"manifest.json is larger than"* ]]
  # a layer that does not match the config's diff_id
  run berth copy -q "oci:$LAYOUT:v1" "docker-archive:$t/ok.tar"
  [ "$status" -eq 0 ]
  mkdir -p "$t/bad" && tar -C "$t/bad" -xf "$t/ok.tar"
  local l
  l=$(jq -r '.[0].Layers[2]' "$t/bad/manifest.json")
  echo tampered >>"$t/bad/$l"
  tar -C "$t/bad" -cf "$t/bad.tar" .
  run berth copy -q "docker-archive:$t/bad.tar" "oci:$t/o5:x"
  [ "$status" -eq 125 ]
  [[ "$output" == *"not to the config's diff_id"* ]]
  [ ! -e "$t/o5" ]
  # a failed copy into an archive leaves no file
  run berth copy -q "oci:$LAYOUT:nosuch" "docker-archive:$t/none.tar"
  [ "$status" -eq 125 ]
  [ ! -e "$t/none.tar" ]
}

@test "copy: docker-archive into the local store and runs; the store to an oci-archive podman loads" {
  local t=$BATS_TEST_TMPDIR
  run berth copy -q "oci:$LAYOUT:v1" "docker-archive:$t/a.tar:example.com/a:1"
  [ "$status" -eq 0 ]
  run berth copy -q "docker-archive:$t/a.tar" containers-storage:example.com/fromarc:1
  [ "$status" -eq 0 ]
  run berth run --rm example.com/fromarc:1 cat /data/file2
  [ "$status" -eq 0 ]
  [ "$output" = "layer 2 of v1" ]
  run berth copy -q containers-storage:example.com/fromarc:1 "oci-archive:$t/o.tar:fromarc"
  [ "$status" -eq 0 ]
  run env -u CONTAINERS_STORAGE_CONF -u CONTAINERS_CONF podman --root "$t/podman" --runroot "$t/podman-run" --storage-driver vfs load -i "$t/o.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: localhost/fromarc:latest"* ]]
  berth rmi example.com/fromarc:1 >/dev/null
}

@test "copy: archives larger than \$TMPDIR are read in place; symlinked and compressed ones too" {
  local t=$BATS_TEST_TMPDIR diff sdiff
  diff=$("$BERTH_TOP/tests/lib/make-big-docker-archive" "$t/big.tar" 12)
  sdiff=$("$BERTH_TOP/tests/lib/make-big-docker-archive" "$t/sym.tar" 12 --symlinked)
  run berth copy -q "docker-archive:$t/big.tar" "oci:$t/lay:big"
  [ "$status" -eq 0 ]
  tar -C "$t/lay" -cf "$t/big-oci.tar" .
  # a $TMPDIR of 4 MiB cannot hold a 12 MiB layer: reading the archives must not stage them
  mkdir -p "$t/small"
  mount -t tmpfs -o size=4m tmpfs "$t/small"
  export TMPDIR=$t/small
  run berth copy -q "docker-archive:$t/big.tar" "oci:$t/o1:x"
  [ "$status" -eq 0 ]
  run berth copy -q "docker-archive:$t/sym.tar" "oci:$t/o2:x"
  [ "$status" -eq 0 ]
  run berth copy -q "oci-archive:$t/big-oci.tar:big" "oci:$t/o3:x"
  [ "$status" -eq 0 ]
  run berth copy -q "docker-archive:$t/big.tar" containers-storage:example.com/big:1
  [ "$status" -eq 0 ]
  [ -z "$(ls -A "$t/small")" ]
  unset TMPDIR
  umount "$t/small"
  local o
  for o in o1:$diff o2:$sdiff o3:$diff; do
    [ "$(sha256sum <"$t/${o%%:*}/blobs/sha256/${o#*:sha256:}" | cut -d' ' -f1)" = "${o#*:sha256:}" ]
  done
  run berth image inspect --format '{{index .RootFS.Layers 0}}' example.com/big:1
  [ "$status" -eq 0 ]
  [ "$output" = "$diff" ]
  berth rmi example.com/big:1 >/dev/null
  # a compressed archive is decompressed into $TMPDIR once, then read the same way
  gzip -1 -k "$t/big.tar"
  run berth copy -q "docker-archive:$t/big.tar.gz" "oci:$t/o4:x"
  [ "$status" -eq 0 ]
  [ -f "$t/o4/blobs/sha256/${diff#sha256:}" ]
}
