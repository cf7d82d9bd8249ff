#!/usr/bin/env bats
# berth-registry against Debian's skopeo, podman and docker-registry (distribution 2.8), on
# 127.0.0.1 only.

load ../lib/registry-helpers.bash

setup() {
  REG_ROOT=$BATS_TEST_TMPDIR/root
  unset REGISTRY_HTTP_ADDR REGISTRY_STORAGE_DELETE_ENABLED REGISTRY_AUTH_HTPASSWD_PATH
  export REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/auth.json  # as podman users have it
  echo '{}' >"$REGISTRY_AUTH_FILE"
  SK="skopeo --registries-conf /dev/null"
}

teardown() {
  reg_cleanup
}

# motd_of OCI_DIR: the /etc/motd inside the single layer of the image in an oci: layout.
motd_of() {
  local dir=$1 m l
  m=$(jq -r '.manifests[0].digest' "$dir/index.json")
  l=$(jq -r '.layers[0].digest' "$dir/blobs/sha256/${m#sha256:}")
  tar -xOf "$dir/blobs/sha256/${l#sha256:}" etc/motd
}

@test "interop: skopeo copy oci: -> berth-registry -> oci:, inspect, list-tags" {
  reg_start
  make_oci_layout "$BATS_TEST_TMPDIR/src" latest
  run $SK copy --dest-tls-verify=false "oci:$BATS_TEST_TMPDIR/src:latest" "docker://127.0.0.1:$REG_PORT/interop/app:v1"
  echo "$output"; [ "$status" -eq 0 ]
  run $SK inspect --tls-verify=false "docker://127.0.0.1:$REG_PORT/interop/app:v1"
  echo "$output"; [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .Architecture)" = amd64 ]
  run $SK copy --dest-tls-verify=false "oci:$BATS_TEST_TMPDIR/src:latest" "docker://127.0.0.1:$REG_PORT/interop/app:v2"
  [ "$status" -eq 0 ]
  run $SK list-tags --tls-verify=false "docker://127.0.0.1:$REG_PORT/interop/app"
  echo "$output"; [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -c .Tags)" = '["v1","v2"]' ]
  run $SK copy --src-tls-verify=false "docker://127.0.0.1:$REG_PORT/interop/app:v1" "oci:$BATS_TEST_TMPDIR/back:v1"
  echo "$output"; [ "$status" -eq 0 ]
  [ "$(motd_of "$BATS_TEST_TMPDIR/back")" = "$(cat "$BATS_TEST_TMPDIR"/img.*/rootfs/etc/motd)" ]
}

@test "interop: skopeo copy as Docker schema2, and --all with an index" {
  reg_start
  make_oci_layout "$BATS_TEST_TMPDIR/src" latest
  run $SK copy --format v2s2 --dest-tls-verify=false "oci:$BATS_TEST_TMPDIR/src:latest" "docker://127.0.0.1:$REG_PORT/d2/app:v1"
  echo "$output"; [ "$status" -eq 0 ]
  run $SK inspect --raw --tls-verify=false "docker://127.0.0.1:$REG_PORT/d2/app:v1"
  [ "$(echo "$output" | jq -r .mediaType)" = application/vnd.docker.distribution.manifest.v2+json ]

  # an index of two images
  src=$BATS_TEST_TMPDIR/multi
  mkdir -p "$src/blobs/sha256"
  entries=
  for arch in amd64 arm64; do
    make_image "$BATS_TEST_TMPDIR/$arch" application/vnd.oci.image.manifest.v1+json "$arch"
    for f in layer.tar config.json manifest.json; do
      d=$(sha256_of "$BATS_TEST_TMPDIR/$arch/$f"); cp "$BATS_TEST_TMPDIR/$arch/$f" "$src/blobs/sha256/${d#sha256:}"
    done
    entries+=$(printf '%s{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"architecture":"%s","os":"linux"}}' \
      "${entries:+,}" "$(sha256_of "$BATS_TEST_TMPDIR/$arch/manifest.json")" "$(stat -c %s "$BATS_TEST_TMPDIR/$arch/manifest.json")" "$arch")
  done
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s]}' "$entries" >"$BATS_TEST_TMPDIR/index.json"
  id=$(sha256_of "$BATS_TEST_TMPDIR/index.json")
  cp "$BATS_TEST_TMPDIR/index.json" "$src/blobs/sha256/${id#sha256:}"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$src/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$id" "$(stat -c %s "$BATS_TEST_TMPDIR/index.json")" >"$src/index.json"
  run $SK copy --all --dest-tls-verify=false "oci:$src:latest" "docker://127.0.0.1:$REG_PORT/multi/app:latest"
  echo "$output"; [ "$status" -eq 0 ]
  run $SK inspect --raw --tls-verify=false "docker://127.0.0.1:$REG_PORT/multi/app:latest"
  [ "$(echo "$output" | jq -r '.manifests | length')" = 2 ]
  run $SK copy --all --src-tls-verify=false "docker://127.0.0.1:$REG_PORT/multi/app:latest" "oci:$BATS_TEST_TMPDIR/back:latest"
  echo "$output"; [ "$status" -eq 0 ]
  run $SK inspect --override-arch arm64 --tls-verify=false "docker://127.0.0.1:$REG_PORT/multi/app:latest"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .Architecture)" = arm64 ]
}

@test "interop: skopeo delete" {
  REGISTRY_STORAGE_DELETE_ENABLED=true reg_start
  make_oci_layout "$BATS_TEST_TMPDIR/src" latest
  run $SK copy --dest-tls-verify=false "oci:$BATS_TEST_TMPDIR/src:latest" "docker://127.0.0.1:$REG_PORT/gone/app:v1"
  [ "$status" -eq 0 ]
  run $SK delete --tls-verify=false "docker://127.0.0.1:$REG_PORT/gone/app:v1"
  echo "$output"; [ "$status" -eq 0 ]
  run $SK inspect --tls-verify=false "docker://127.0.0.1:$REG_PORT/gone/app:v1"
  [ "$status" -ne 0 ]
}

@test "interop: podman search finds repositories" {
  reg_start
  push_image library/busybox v1 "$BATS_TEST_TMPDIR/i1"
  push_image tools/busybox-extras v1 "$BATS_TEST_TMPDIR/i2"
  push_image unrelated v1 "$BATS_TEST_TMPDIR/i3"
  run podman search --tls-verify=false --format '{{.Name}}' "127.0.0.1:$REG_PORT/busybox"
  echo "$output"; [ "$status" -eq 0 ]
  [[ "$output" == *"127.0.0.1:$REG_PORT/library/busybox"* ]]
  [[ "$output" == *"127.0.0.1:$REG_PORT/tools/busybox-extras"* ]]
  [[ "$output" != *unrelated* ]]
}

@test "interop: podman pull and push" {
  reg_start
  make_oci_layout "$BATS_TEST_TMPDIR/src" latest
  run $SK copy --dest-tls-verify=false "oci:$BATS_TEST_TMPDIR/src:latest" "docker://127.0.0.1:$REG_PORT/pod/app:v1"
  [ "$status" -eq 0 ]
  P="podman --root $BATS_TEST_TMPDIR/proot --runroot $BATS_TEST_TMPDIR/prun --storage-driver vfs"
  run $P pull --tls-verify=false "127.0.0.1:$REG_PORT/pod/app:v1"
  echo "$output"; [ "$status" -eq 0 ]
  run $P push --tls-verify=false "127.0.0.1:$REG_PORT/pod/app:v1" "docker://127.0.0.1:$REG_PORT/pod/copy:v2"
  echo "$output"; [ "$status" -eq 0 ]
  run $P rmi -a -f
  run $P pull --tls-verify=false "127.0.0.1:$REG_PORT/pod/copy:v2"
  echo "$output"; [ "$status" -eq 0 ]
  run $P images --format '{{.Repository}}:{{.Tag}}'
  [[ "$output" == *"127.0.0.1:$REG_PORT/pod/copy:v2"* ]]
  $P rmi -a -f >/dev/null 2>&1 || true
}

@test "interop: a storage written by docker-registry is served by berth-registry" {
  command -v docker-registry
  dreg_start "$REG_ROOT"
  make_oci_layout "$BATS_TEST_TMPDIR/src" latest
  run $SK copy --dest-tls-verify=false "oci:$BATS_TEST_TMPDIR/src:latest" "docker://127.0.0.1:$DREG_PORT/from/dist:v1"
  echo "$output"; [ "$status" -eq 0 ]
  # an upload distribution left unfinished
  curl -sf -X POST "http://127.0.0.1:$DREG_PORT/v2/from/dist/blobs/uploads/" -D "$BATS_TEST_TMPDIR/uh" -o /dev/null
  loc=$(grep -i '^Location:' "$BATS_TEST_TMPDIR/uh" | cut -d' ' -f2 | tr -d '\r')
  dreg_stop
  reg_start
  run $SK inspect --tls-verify=false "docker://127.0.0.1:$REG_PORT/from/dist:v1"
  echo "$output"; [ "$status" -eq 0 ]
  run $SK list-tags --tls-verify=false "docker://127.0.0.1:$REG_PORT/from/dist"
  [ "$(echo "$output" | jq -c .Tags)" = '["v1"]' ]
  run $SK copy --src-tls-verify=false "docker://127.0.0.1:$REG_PORT/from/dist:v1" "oci:$BATS_TEST_TMPDIR/back:v1"
  echo "$output"; [ "$status" -eq 0 ]
  [ "$(motd_of "$BATS_TEST_TMPDIR/back")" = "$(cat "$BATS_TEST_TMPDIR"/img.*/rootfs/etc/motd)" ]
  [ "$(rcurl "$REG_URL/v2/_catalog")" = 200 ]
  [ "$(body | jq -c .repositories)" = '["from/dist"]' ]
  # finish distribution's upload through berth-registry
  uuid=${loc##*/uploads/}; uuid=${uuid%%\?*}
  echo "finished elsewhere" >"$BATS_TEST_TMPDIR/blob"
  d=$(sha256_of "$BATS_TEST_TMPDIR/blob")
  [ "$(rcurl -X PUT --data-binary @"$BATS_TEST_TMPDIR/blob" "$REG_URL/v2/from/dist/blobs/uploads/$uuid?digest=$d")" = 201 ]
}

@test "interop: a storage written by berth-registry is served by docker-registry" {
  command -v docker-registry
  REGISTRY_STORAGE_DELETE_ENABLED=true reg_start
  make_oci_layout "$BATS_TEST_TMPDIR/src" latest
  run $SK copy --dest-tls-verify=false "oci:$BATS_TEST_TMPDIR/src:latest" "docker://127.0.0.1:$REG_PORT/from/berth:v1"
  echo "$output"; [ "$status" -eq 0 ]
  run $SK copy --format v2s2 --dest-tls-verify=false "oci:$BATS_TEST_TMPDIR/src:latest" "docker://127.0.0.1:$REG_PORT/from/berth:d2"
  [ "$status" -eq 0 ]
  reg_stop
  dreg_start "$REG_ROOT"
  for t in v1 d2; do
    run $SK copy --src-tls-verify=false "docker://127.0.0.1:$DREG_PORT/from/berth:$t" "oci:$BATS_TEST_TMPDIR/back-$t:$t"
    echo "$output"; [ "$status" -eq 0 ]
  done
  [ "$(motd_of "$BATS_TEST_TMPDIR/back-v1")" = "$(cat "$BATS_TEST_TMPDIR"/img.*/rootfs/etc/motd)" ]
  run curl -sf "http://127.0.0.1:$DREG_PORT/v2/from/berth/tags/list"
  [ "$(echo "$output" | jq -c '.tags | sort')" = '["d2","v1"]' ]
  run curl -sf "http://127.0.0.1:$DREG_PORT/v2/_catalog"
  [ "$(echo "$output" | jq -c .repositories)" = '["from/berth"]' ]
  dreg_stop
  # distribution's garbage collector finds every blob berth wrote referenced
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$REG_ROOT" >"$BATS_TEST_TMPDIR/gc.yml"
  run env -i PATH=/usr/bin:/bin docker-registry garbage-collect --dry-run "$BATS_TEST_TMPDIR/gc.yml"
  echo "$output"; [ "$status" -eq 0 ]
  [[ "$output" == *" 0 blobs and 0 manifests eligible for deletion"* ]]
  run "$(reg_bin)" garbage-collect --dry-run "$BATS_TEST_TMPDIR/gc.yml"
  echo "$output"; [ "$status" -eq 0 ]
  [[ "$output" == *" 0 blobs and 0 manifests eligible for deletion"* ]]
}

@test "interop: docker-registry re-pointing and deleting on a storage berth-registry serves" {
  command -v docker-registry
  reg_start
  dreg_start "$REG_ROOT"
  push_image app/web v1 "$BATS_TEST_TMPDIR/one"
  d1=$(sha256_of "$BATS_TEST_TMPDIR/one/manifest.json")
  # berth's link cache trusts only links older than a second (linkcache.c): let them age
  sleep 2
  for i in 1 2; do
    [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
    [ "$(hdr Docker-Content-Digest)" = "$d1" ]
  done
  # distribution puts another manifest under the same tag (its blobs sent through berth: the
  # storage is shared): berth answers with it at once
  DREG_URL=http://127.0.0.1:$DREG_PORT
  make_image "$BATS_TEST_TMPDIR/two"
  push_blob app/web "$BATS_TEST_TMPDIR/two/layer.tar" >/dev/null
  push_blob app/web "$BATS_TEST_TMPDIR/two/config.json" >/dev/null
  [ "$(rcurl -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary @"$BATS_TEST_TMPDIR/two/manifest.json" "$DREG_URL/v2/app/web/manifests/v1")" = 201 ]
  d2=$(sha256_of "$BATS_TEST_TMPDIR/two/manifest.json")
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  [ "$(hdr Docker-Content-Digest)" = "$d2" ]
  cmp "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/two/manifest.json"
  sleep 2
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/$d2")" = 200 ]
  # distribution deletes it: berth no longer has it, by digest or by tag
  [ "$(rcurl -X DELETE "$DREG_URL/v2/app/web/manifests/$d2")" = 202 ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/$d2")" = 404 ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 404 ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/$d1")" = 200 ]
}
