#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# berth pull / push between the local store and Debian's docker-registry, with skopeo and
# podman as peers, on 127.0.0.1 only. Registries are killed by pid in teardown_file.

bats_require_minimum_version 1.5.0

load ../system/helpers
load ../system/transfer_helpers

setup_file() {
  berth_test_setup_file
  # blob-location hints stay in this run
  export XDG_CACHE_HOME="$BERTH_TEST_DIR/cache"
  export REGISTRY_AUTH_FILE="$BERTH_TEST_DIR/auth.json"
  start_docker_registry A
  htpasswd -Bbc "$BERTH_TEST_DIR/htpasswd" bob pa55word >/dev/null 2>&1
  start_docker_registry AUTH "$BERTH_TEST_DIR/htpasswd"
  LAYOUT="$BERTH_TEST_DIR/layout"
  transfer_oci_layout "$LAYOUT" v1 3 >"$BERTH_TEST_DIR/layout.digest"
  export LAYOUT
  skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_A/library/app:v1"
  skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_A/library/app:v2"
  # the config digest is the image id
  CONFIG_ID=$(jq -r .config.digest <"$LAYOUT/blobs/sha256/$(cut -d: -f2 "$BERTH_TEST_DIR/layout.digest")" | cut -d: -f2)
  export CONFIG_ID
}

teardown_file() {
  stop_registries
  [ ! -s "$BERTH_TEST_DIR/authhome.path" ] || rm -rf "$(cat "$BERTH_TEST_DIR/authhome.path")"
  berth_test_teardown_file
}

# image_ids - the ids of the local images, one per line.
image_ids() { berth images -q --no-trunc 2>/dev/null | sed 's/^sha256://' | sort -u; }

@test "pull: a full reference; the image id on stdout, progress on stderr" {
  run --separate-stderr berth pull --tls-verify=false "$REG_A/library/app:v1"
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  [[ "$stderr" == *"Trying to pull $REG_A/library/app:v1..."* ]]
  [[ "$stderr" == *"Copying config sha256:$CONFIG_ID"* ]]
  [[ "$stderr" == *"Writing manifest to image destination"* ]]
  run berth images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
  [[ "$output" == *"$REG_A/library/app:v1 ${CONFIG_ID:0:12}"* ]]
  # again: every blob is in the store already
  run berth pull -q --tls-verify=false "$REG_A/library/app:v1"
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
}

@test "pull: by digest; the image is found by that name; an unknown digest is refused" {
  local st=(--root "$BERTH_TEST_DIR/bydigest" --runroot "$BERTH_TEST_DIR/bydigest-run") d
  d=$(cat "$BERTH_TEST_DIR/layout.digest")
  run --separate-stderr "$BERTH_BIN" "${st[@]}" pull -q --tls-verify=false "$REG_A/library/app@$d"
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  run "$BERTH_BIN" "${st[@]}" images --digests --format '{{.Repository}} {{.Tag}} {{.Digest}}'
  [ "$output" = "$REG_A/library/app <none> $d" ]
  run "$BERTH_BIN" "${st[@]}" image inspect --format '{{.Id}}' "$REG_A/library/app@$d"
  [ "$output" = "$CONFIG_ID" ]
  run "$BERTH_BIN" "${st[@]}" pull -q --tls-verify=false "$REG_A/library/app@sha256:$(printf '0%.0s' $(seq 64))"
  [ "$status" -eq 125 ]
  [[ "$output" == *"manifest unknown"* ]]
}

@test "pull: short names through aliases and unqualified-search registries" {
  printf 'unqualified-search-registries = ["%s"]\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG_A" "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  run --separate-stderr berth pull library/app:v2
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  [[ "$stderr" == *"Trying to pull $REG_A/library/app:v2..."* ]]
  printf '[aliases]\n"myapp" = "%s/library/app"\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG_A" "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  run --separate-stderr berth pull myapp:v1
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"Trying to pull $REG_A/library/app:v1..."* ]]
  : >"$CONTAINERS_REGISTRIES_CONF"
  run berth pull app
  [ "$status" -eq 125 ]
  [[ "$output" == *'short-name "app" did not resolve to an alias and no unqualified-search registries are defined'* ]]
}

@test "pull: --platform, --arch, --os and --variant choose from an index; -q prints only the id" {
  local idx="$BERTH_TEST_DIR/multiarch" twin
  twin=$(transfer_multiarch_layout "$LAYOUT" "$(cat "$BERTH_TEST_DIR/layout.digest")" "$idx")
  skopeo copy -q --all --dest-tls-verify=false "oci:$idx:multi" "docker://$REG_A/library/multi:latest"
  local st=(--root "$BERTH_TEST_DIR/plat" --runroot "$BERTH_TEST_DIR/plat-run")
  run --separate-stderr "$BERTH_BIN" "${st[@]}" pull -q --tls-verify=false "$REG_A/library/multi"
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  [ -z "$stderr" ]
  run --separate-stderr "$BERTH_BIN" "${st[@]}" pull -q --arch arm64 --tls-verify=false "$REG_A/library/multi"
  [ "$status" -eq 0 ]
  [ "$output" = "$twin" ]
  run "$BERTH_BIN" "${st[@]}" image inspect --format '{{.Architecture}}' "$REG_A/library/multi"
  [ "$output" = arm64 ]
  run "$BERTH_BIN" "${st[@]}" pull -q --platform linux/amd64 --tls-verify=false "$REG_A/library/multi"
  [ "$output" = "$CONFIG_ID" ]
  run "$BERTH_BIN" "${st[@]}" pull -q --platform linux/arm64/v8 --tls-verify=false "$REG_A/library/multi"
  [ "$output" = "$twin" ]
  run "$BERTH_BIN" "${st[@]}" pull -q --os linux --arch arm64 --variant v8 --tls-verify=false "$REG_A/library/multi"
  [ "$output" = "$twin" ]
  run "$BERTH_BIN" "${st[@]}" pull -q --arch s390x --tls-verify=false "$REG_A/library/multi"
  [ "$status" -eq 125 ]
  [[ "$output" == *"no image for linux/s390x in the manifest list (it has: linux/amd64, linux/arm64/v8)"* ]]
  run "$BERTH_BIN" "${st[@]}" pull --platform linux --tls-verify=false "$REG_A/library/multi"
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid --platform linux: use OS/ARCH[/VARIANT]"* ]]
}

# copy_and_inspect_through_conf DIR: berth copy and inspect reach example.invalid/lib/app:v1
# through the registries.conf in place (the image lands in DIR, inspect names its digest)
copy_and_inspect_through_conf() {
  run berth copy -q docker://example.invalid/lib/app:v1 "dir:$1"
  [ "$status" -eq 0 ]
  [ -s "$1/manifest.json" ]
  run berth inspect --format '{{.Digest}}' docker://example.invalid/lib/app:v1
  [ "$status" -eq 0 ]
  [ "$output" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
}

@test "pull, copy and inspect: a [[registry]] prefix's location and its mirrors use their own insecure; blocked refuses before any mirror" {
  # the name asked for is a secure host; only the location (or mirror) is marked insecure
  printf '[[registry]]\nprefix = "example.invalid/lib"\nlocation = "%s/library"\ninsecure = true\n' "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  local st=(--root "$BERTH_TEST_DIR/mirror" --runroot "$BERTH_TEST_DIR/mirror-run")
  run --separate-stderr "$BERTH_BIN" "${st[@]}" pull -q example.invalid/lib/app:v1
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  # copy, inspect and manifest inspect read from the location too, as skopeo does
  copy_and_inspect_through_conf "$BERTH_TEST_DIR/prefix-dir"
  run berth manifest inspect example.invalid/lib/app:v1
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .schemaVersion)" = 2 ]
  # the location does not answer: the insecure mirror serves the image, which keeps its name
  printf '[[registry]]\nprefix = "example.invalid/lib"\nlocation = "127.0.0.1:1/lib"\n[[registry.mirror]]\nlocation = "%s/library"\ninsecure = true\n' "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  "$BERTH_BIN" "${st[@]}" rmi -a -f >/dev/null
  run --separate-stderr "$BERTH_BIN" "${st[@]}" pull example.invalid/lib/app:v2
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  [[ "$stderr" == *"Trying to pull example.invalid/lib/app:v2..."* ]]
  run "$BERTH_BIN" "${st[@]}" images --format '{{.Repository}}:{{.Tag}}'
  [ "$output" = example.invalid/lib/app:v2 ]
  # a mirror that does not answer is passed over for the next source, the insecure location
  printf '[[registry]]\nprefix = "example.invalid/lib"\nlocation = "%s/library"\ninsecure = true\n[[registry.mirror]]\nlocation = "127.0.0.1:1/lib"\n' "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  "$BERTH_BIN" "${st[@]}" rmi -a -f >/dev/null
  run --separate-stderr "$BERTH_BIN" "${st[@]}" pull -q example.invalid/lib/app:v1
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  # copy and inspect pass over that mirror too, as skopeo does
  copy_and_inspect_through_conf "$BERTH_TEST_DIR/mirror-dir"
  # ... and read from a mirror that has the image while the location is dead
  printf '[[registry]]\nprefix = "example.invalid/lib"\nlocation = "127.0.0.1:1/lib"\n[[registry.mirror]]\nlocation = "%s/library"\ninsecure = true\n' "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  copy_and_inspect_through_conf "$BERTH_TEST_DIR/mirror-dir2"
  # a mirror that lacks the image is passed over for the location
  printf '[[registry]]\nprefix = "example.invalid/lib"\nlocation = "%s/library"\ninsecure = true\n[[registry.mirror]]\nlocation = "%s/empty"\ninsecure = true\n' "$REG_A" "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  copy_and_inspect_through_conf "$BERTH_TEST_DIR/mirror-dir3"
  # blocked: refused with the mirror still listed
  printf '[[registry]]\nprefix = "example.invalid/lib"\nlocation = "127.0.0.1:1/lib"\nblocked = true\n[[registry.mirror]]\nlocation = "%s/library"\ninsecure = true\n' "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  run "$BERTH_BIN" "${st[@]}" pull example.invalid/lib/app:v1
  [ "$status" -eq 125 ]
  [[ "$output" == *"Error: pull example.invalid/lib/app:v1: the registry is blocked in registries.conf"* ]]
  run berth copy docker://example.invalid/lib/app:v1 "dir:$BERTH_TEST_DIR/blocked-dir"
  [ "$status" -eq 125 ]
  [[ "$output" == *"copy example.invalid/lib/app:v1: the registry is blocked in registries.conf"* ]]
  [ ! -e "$BERTH_TEST_DIR/blocked-dir" ]
  run berth inspect docker://example.invalid/lib/app:v1
  [ "$status" -eq 125 ]
  [[ "$output" == *"the registry is blocked in registries.conf"* ]]
  : >"$CONTAINERS_REGISTRIES_CONF"
}

@test "registries.conf.d: drop-ins in ~/.config/containers/registries.conf.d add search registries and aliases, later files win" {
  local h="$BERTH_TEST_DIR/dropin-home" st=(--root "$BERTH_TEST_DIR/dropin" --runroot "$BERTH_TEST_DIR/dropin-run")
  mkdir -p "$h/.config/containers/registries.conf.d"
  printf 'unqualified-search-registries = ["example.invalid"]\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  printf 'unqualified-search-registries = ["%s"]\n' "$REG_A" >"$h/.config/containers/registries.conf.d/50-search.conf"
  printf '[aliases]\n"dropapp" = "example.invalid/app"\n' >"$h/.config/containers/registries.conf.d/60-alias.conf"
  printf '[aliases]\n"dropapp" = "%s/library/app"\n' "$REG_A" >"$h/.config/containers/registries.conf.d/70-alias.conf"
  run --separate-stderr env -u XDG_CONFIG_HOME HOME="$h" "$BERTH_BIN" "${st[@]}" pull library/app:v1
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  [[ "$stderr" == *"Trying to pull $REG_A/library/app:v1..."* ]]
  [[ "$stderr" != *example.invalid* ]]
  run --separate-stderr env -u XDG_CONFIG_HOME HOME="$h" "$BERTH_BIN" "${st[@]}" pull dropapp:v2
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"Trying to pull $REG_A/library/app:v2..."* ]]
  # a drop-in that does not parse is named
  printf 'unqualified-search-registries = [\n' >"$h/.config/containers/registries.conf.d/80-bad.conf"
  run env -u XDG_CONFIG_HOME HOME="$h" "$BERTH_BIN" "${st[@]}" pull library/app:v1
  [ "$status" -eq 125 ]
  [[ "$output" == *"80-bad.conf:"* ]]
  : >"$CONTAINERS_REGISTRIES_CONF"
}

@test "pull: short-name-mode enforcing prompts on a terminal, refuses without one, and records the choice" {
  command -v script >/dev/null || skip "script (util-linux) is not installed"
  start_docker_registry B
  skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_B/library/app:v1"
  printf 'short-name-mode = "enforcing"\nunqualified-search-registries = ["%s", "%s"]\n[[registry]]\nlocation = "%s"\ninsecure = true\n[[registry]]\nlocation = "%s"\ninsecure = true\n' \
    "$REG_A" "$REG_B" "$REG_A" "$REG_B" >"$CONTAINERS_REGISTRIES_CONF"
  # no terminal: podman's error
  run berth pull library/app:v1
  [ "$status" -eq 125 ]
  [[ "$output" == *"short-name resolution enforced but cannot prompt without a TTY"* ]]
  # a terminal (script gives one), in a mount namespace of our own so root's alias cache
  # (/var/cache/containers/short-name-aliases.conf) is a tmpfs, not the host's
  local root="$BATS_TEST_TMPDIR/s" cmd
  cmd="$BERTH_BIN --root $root/root --runroot $root/run pull library/app:v1"
  run unshare -m --propagation private sh -c '
    mount -t tmpfs none /var/cache || exit 99
    printf "x\n2\n" | script -qec "$1" /dev/null
    echo "status=$?"
    echo "--- cache"; cat /var/cache/containers/short-name-aliases.conf
    # the alias now answers without a prompt, even without a terminal
    $2 --root '"$root"'/root --runroot '"$root"'/run pull -q library/app:v1 </dev/null
    echo "again=$?"' sh "$cmd" "$BERTH_BIN"
  [ "$status" -eq 0 ]
  [[ "$output" == *"? Please select an image:"* ]]
  [[ "$output" == *"1) $REG_A/library/app:v1"* ]]
  [[ "$output" == *"2) $REG_B/library/app:v1"* ]]
  [[ "$output" == *'"x" is not a number from 1 to 2'* ]]
  [[ "$output" == *"Trying to pull $REG_B/library/app:v1..."* ]]
  [[ "$output" != *"Trying to pull $REG_A/library/app:v1..."* ]]
  [[ "$output" == *"status=0"* ]]
  [[ "$output" == *"\"library/app\" = \"$REG_B/library/app\""* ]]
  [[ "$output" == *"again=0"* ]]
  # the host's cache was not touched
  ! grep -qs "$REG_B" /var/cache/containers/short-name-aliases.conf
  # disabled: no prompt, every registry in turn
  sed -i 's/enforcing/disabled/' "$CONTAINERS_REGISTRIES_CONF"
  run script -qec "$BERTH_BIN --root $root/root --runroot $root/run pull library/app:v1" /dev/null </dev/null
  [ "$status" -eq 0 ]
  [[ "$output" != *"Please select"* ]]
  [[ "$output" == *"Trying to pull $REG_A/library/app:v1..."* ]]
  : >"$CONTAINERS_REGISTRIES_CONF"
}

@test "pull: errors leave no image; a corrupted layer is refused" {
  local before; before=$(image_ids)
  run berth pull --tls-verify=false "$REG_A/library/app:nosuch"
  [ "$status" -eq 125 ]
  [[ "$output" == *"pull $REG_A/library/app:nosuch: manifest unknown"* ]]
  run berth pull "$REG_A/library/app:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"answered HTTP to an HTTPS request"* ]]
  # a registry whose copy of the smallest layer is damaged on disk
  start_docker_registry BAD
  skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_BAD/bad:v1"
  local small data
  small=$(jq -r '.layers | sort_by(.size) | .[0].digest' <"$LAYOUT/blobs/sha256/$(cut -d: -f2 "$BERTH_TEST_DIR/layout.digest")" | cut -d: -f2)
  data="$REGDIR_BAD/data/docker/registry/v2/blobs/sha256/${small:0:2}/$small/data"
  printf 'X' | dd of="$data" bs=1 seek=10 conv=notrunc 2>/dev/null
  run berth --root "$BERTH_TEST_DIR/fresh" --runroot "$BERTH_TEST_DIR/fresh-run" pull --tls-verify=false "$REG_BAD/bad:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"blob sha256:$small arrived with digest sha256:"*"refusing it"* ]]
  run "$BERTH_BIN" --root "$BERTH_TEST_DIR/fresh" --runroot "$BERTH_TEST_DIR/fresh-run" images -q
  [ -z "$output" ]
  # no half-written blob or layer: nothing in tmp, the damaged blob nowhere, the store clean
  [ -z "$(ls -A "$BERTH_TEST_DIR/fresh/tmp" 2>/dev/null)" ]
  [ ! -e "$BERTH_TEST_DIR/fresh/blobs/sha256/$small" ]
  run "$BERTH_BIN" --root "$BERTH_TEST_DIR/fresh" --runroot "$BERTH_TEST_DIR/fresh-run" system check
  [ "$status" -eq 0 ]
  [[ "$output" == *"No errors found"* ]]
}

@test "push: --digestfile, --format v2s2; skopeo and podman read the result" {
  berth pull -q --tls-verify=false "$REG_A/library/app:v1"
  run berth push --tls-verify=false --digestfile "$BERTH_TEST_DIR/digest" "$REG_A/library/app:v1" "$REG_A/pushed/app:oci"
  [ "$status" -eq 0 ]
  [ "$(cat "$BERTH_TEST_DIR/digest")" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  run skopeo inspect --tls-verify=false "docker://$REG_A/pushed/app:oci"
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  run berth push --tls-verify=false --format v2s2 "$REG_A/library/app:v1" "docker://$REG_A/pushed/app:v2s2"
  [ "$status" -eq 0 ]
  skopeo inspect --tls-verify=false --raw "docker://$REG_A/pushed/app:v2s2" >"$BERTH_TEST_DIR/raw"
  [ "$(jq -r .mediaType "$BERTH_TEST_DIR/raw")" = application/vnd.docker.distribution.manifest.v2+json ]
  [ "$(jq -r .config.mediaType "$BERTH_TEST_DIR/raw")" = application/vnd.docker.container.image.v1+json ]
  [ "$(jq -r '.layers[0].mediaType' "$BERTH_TEST_DIR/raw")" = application/vnd.docker.image.rootfs.diff.tar.gzip ]
  # podman pulls what berth pushed
  local prun; prun=$(mktemp -d /tmp/podrun.XXXXXX)
  run env -u CONTAINERS_STORAGE_CONF -u CONTAINERS_CONF -u REGISTRY_AUTH_FILE podman --root "$BERTH_TEST_DIR/podman" --runroot "$prun" pull -q --tls-verify=false "$REG_A/pushed/app:v2s2"
  local st=$status out=$output
  env -u CONTAINERS_STORAGE_CONF -u CONTAINERS_CONF podman --root "$BERTH_TEST_DIR/podman" --runroot "$prun" rmi -a -f >/dev/null 2>&1 || true
  rm -rf "$prun"
  [ "$st" -eq 0 ]
  [ "$out" = "$CONFIG_ID" ]
  # Docker schema2 has no zstd layer type: refused with the reason
  run berth push --tls-verify=false --format v2s2 --compression-format zstd "$REG_A/library/app:v1" "$REG_A/pushed/app:z"
  [ "$status" -eq 125 ]
  [[ "$output" == *"has no equivalent in application/vnd.docker.distribution.manifest.v2+json; push with --format oci"* ]]
}

@test "push --compression-format zstd: recompressed layers that skopeo and berth pull" {
  berth pull -q --tls-verify=false "$REG_A/library/app:v1"
  run berth push -q --tls-verify=false --compression-format zstd "$REG_A/library/app:v1" "$REG_A/pushed/app:zstd"
  [ "$status" -eq 0 ]
  skopeo inspect --tls-verify=false --raw "docker://$REG_A/pushed/app:zstd" >"$BATS_TEST_TMPDIR/raw"
  [ "$(jq -r .mediaType "$BATS_TEST_TMPDIR/raw")" = application/vnd.oci.image.manifest.v1+json ]
  [ "$(jq -r '[.layers[].mediaType] | unique | .[]' "$BATS_TEST_TMPDIR/raw")" = application/vnd.oci.image.layer.v1.tar+zstd ]
  [ "$(jq -r .config.digest "$BATS_TEST_TMPDIR/raw")" = "sha256:$CONFIG_ID" ]
  # the blobs really are zstd frames
  local l; l=$(jq -r '.layers[0].digest' "$BATS_TEST_TMPDIR/raw")
  curl -sf "http://$REG_A/v2/pushed/app/blobs/$l" | head -c 4 | od -An -tx1 | grep -q "28 b5 2f fd"
  # skopeo reads the zstd layers
  run skopeo copy -q --src-tls-verify=false "docker://$REG_A/pushed/app:zstd" "oci:$BATS_TEST_TMPDIR/z:1"
  [ "$status" -eq 0 ]
  # berth pulls it into a fresh store: the same image id, and the files are there
  local root="$BATS_TEST_TMPDIR/store2"
  run "$BERTH_BIN" --root "$root/root" --runroot "$root/run" pull -q --tls-verify=false "$REG_A/pushed/app:zstd"
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  run "$BERTH_BIN" --root "$root/root" --runroot "$root/run" run --rm "$REG_A/pushed/app:zstd" cat /data/file2
  [ "$status" -eq 0 ]
  [ "$output" = "layer 2 of v1" ]
  # its zstd layers go back out as gzip when asked; the image id stays
  run "$BERTH_BIN" --root "$root/root" --runroot "$root/run" push -q --tls-verify=false --compression-format gzip "$REG_A/pushed/app:zstd" "$REG_A/pushed/app:gz"
  [ "$status" -eq 0 ]
  skopeo inspect --tls-verify=false --raw "docker://$REG_A/pushed/app:gz" >"$BATS_TEST_TMPDIR/raw"
  [ "$(jq -r '[.layers[].mediaType] | unique | .[]' "$BATS_TEST_TMPDIR/raw")" = application/vnd.oci.image.layer.v1.tar+gzip ]
  [ "$(jq -r .config.digest "$BATS_TEST_TMPDIR/raw")" = "sha256:$CONFIG_ID" ]
  l=$(jq -r '.layers[0].digest' "$BATS_TEST_TMPDIR/raw")
  curl -sf "http://$REG_A/v2/pushed/app/blobs/$l" | gzip -dc | tar -t >/dev/null
  # and copy --dest-compress-format zstd as skopeo's
  run berth copy -q --dest-compress-format zstd "oci:$LAYOUT:v1" "oci:$BATS_TEST_TMPDIR/c:1"
  [ "$status" -eq 0 ]
  run skopeo inspect --raw "oci:$BATS_TEST_TMPDIR/c:1"
  [ "$(echo "$output" | jq -r '.layers[2].mediaType')" = application/vnd.oci.image.layer.v1.tar+zstd ]
  run berth copy -q --dest-compress-format lz4 "oci:$LAYOUT:v1" "oci:$BATS_TEST_TMPDIR/c:2"
  [ "$status" -eq 125 ]
  [[ "$output" == *"unsupported --dest-compress-format lz4: use gzip or zstd"* ]]
}

@test "push and pull with htpasswd auth: 401 explained, then login" {
  berth pull -q --tls-verify=false "$REG_A/library/app:v1"
  run berth push --tls-verify=false "$REG_A/library/app:v1" "$REG_AUTH/private/app:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"push $REG_AUTH/private/app:v1: authentication required: run berth login $REG_AUTH"* ]]
  run berth login --tls-verify=false -u bob -p pa55word "$REG_AUTH"
  [ "$status" -eq 0 ]
  run berth push --tls-verify=false "$REG_A/library/app:v1" "$REG_AUTH/private/app:v1"
  [ "$status" -eq 0 ]
  run berth --root "$BERTH_TEST_DIR/auth-store" --runroot "$BERTH_TEST_DIR/auth-run" pull -q --tls-verify=false "$REG_AUTH/private/app:v1"
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  berth logout "$REG_AUTH"
}

@test "auth.json search paths: ~/.config/containers/auth.json before the read-only ~/.docker/config.json; --authfile" {
  berth pull -q --tls-verify=false "$REG_A/library/app:v1" >/dev/null
  berth push -q --tls-verify=false --creds bob:pa55word "$REG_A/library/app:v1" "$REG_AUTH/paths/app:v1"
  local h="$BERTH_TEST_DIR/authhome" st=(--root "$BERTH_TEST_DIR/paths" --runroot "$BERTH_TEST_DIR/paths-run")
  mkdir -p "$h/.docker" "$h/.config/containers"
  # no REGISTRY_AUTH_FILE, no XDG_CONFIG_HOME: podman's default files under HOME
  pull_home() { env -u REGISTRY_AUTH_FILE -u XDG_CONFIG_HOME -u DOCKER_CONFIG HOME="$h" "$BERTH_BIN" "${st[@]}" pull -q --tls-verify=false "$REG_AUTH/paths/app:v1"; }
  run pull_home
  [ "$status" -eq 125 ]
  [[ "$output" == *"authentication required"* ]]
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_AUTH" "$(printf bob:pa55word | base64)" >"$h/.docker/config.json"
  cp "$h/.docker/config.json" "$BERTH_TEST_DIR/docker-config.before"
  run pull_home
  [ "$status" -eq 0 ]
  [ "$output" = "$CONFIG_ID" ]
  # containers' own file comes first: a wrong password there wins over docker's right one
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_AUTH" "$(printf bob:wrong | base64)" >"$h/.config/containers/auth.json"
  run pull_home
  [ "$status" -eq 125 ]
  # login writes --authfile (mode 0600), never docker's file
  run env -u REGISTRY_AUTH_FILE HOME="$h" "$BERTH_BIN" login --tls-verify=false --authfile "$BERTH_TEST_DIR/flag-auth.json" -u bob -p pa55word "$REG_AUTH"
  [ "$status" -eq 0 ]
  [ "$(stat -c %a "$BERTH_TEST_DIR/flag-auth.json")" = 600 ]
  cmp "$h/.docker/config.json" "$BERTH_TEST_DIR/docker-config.before"
  run env -u REGISTRY_AUTH_FILE HOME="$h" "$BERTH_BIN" "${st[@]}" pull -q --tls-verify=false --authfile "$BERTH_TEST_DIR/flag-auth.json" "$REG_AUTH/paths/app:v1"
  [ "$status" -eq 0 ]
  run env -u REGISTRY_AUTH_FILE HOME="$h" "$BERTH_BIN" login --get-login --authfile "$BERTH_TEST_DIR/flag-auth.json" "$REG_AUTH"
  [ "$output" = bob ]
}

@test "auth.json search paths for a user: login writes \$XDG_RUNTIME_DIR/containers/auth.json, then ~/.config is read" {
  [ "$(id -u)" -eq 0 ] || skip "needs root to create the test user"
  local user h rt
  user=$("$BERTH_TOP/tests/lib/rootless-user.sh" create berth-test)
  # the user cannot reach bats' root-only temp dirs; teardown_file removes this one
  h=$(mktemp -d /tmp/berth-authhome.XXXXXX); rt="$h/run"
  echo "$h" >"$BERTH_TEST_DIR/authhome.path"
  mkdir -p "$h/home/.docker" "$rt"
  printf '{"auths":{"other.invalid":{"auth":"eDp5"}}}\n' >"$h/home/.docker/config.json"
  chown -R "$user:" "$h"; chmod 700 "$rt" "$h"
  as_auth_user() {
    local q="" a
    for a in "$@"; do q+=" $(printf '%q' "$a")"; done
    su "$user" -s /bin/sh -c "cd /tmp && env -u REGISTRY_AUTH_FILE -u XDG_CONFIG_HOME -u XDG_CACHE_HOME -u CONTAINERS_CONF -u CONTAINERS_STORAGE_CONF -u CONTAINERS_REGISTRIES_CONF HOME='$h/home' XDG_RUNTIME_DIR=\"\$RT\" '$BERTH_BIN'$q" </dev/null
  }
  export RT="$rt"
  run as_auth_user login --tls-verify=false -u bob -p pa55word "$REG_AUTH"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$(stat -c %a "$rt/containers/auth.json")" = 600 ]
  [ "$(stat -c %U "$rt/containers/auth.json")" = "$user" ]
  [ "$(jq -r '.auths | keys | join(" ")' "$h/home/.docker/config.json")" = other.invalid ]
  run as_auth_user login --get-login "$REG_AUTH"
  [ "$output" = bob ]
  # the runtime file gone (a reboot): ~/.config/containers/auth.json is read next
  mkdir -p "$h/home/.config/containers"
  mv "$rt/containers/auth.json" "$h/home/.config/containers/auth.json"
  chown -R "$user:" "$h/home/.config"
  run as_auth_user login --get-login "$REG_AUTH"
  [ "$output" = bob ]
  rm -rf "$h"
}

@test "run/create --pull=missing|always|newer|never" {
  printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  local st=(--root "$BERTH_TEST_DIR/policy" --runroot "$BERTH_TEST_DIR/policy-run") other img="$REG_A/library/policy:latest"
  skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$img"
  other=$(transfer_oci_layout "$BERTH_TEST_DIR/layout-other" other 1)
  other=$(jq -r .config.digest <"$BERTH_TEST_DIR/layout-other/blobs/sha256/${other#sha256:}" | cut -d: -f2)
  run "$BERTH_BIN" "${st[@]}" create --pull=never "$img" true
  [ "$status" -eq 125 ]
  [[ "$output" == *"image not known"* ]]
  run --separate-stderr "$BERTH_BIN" "${st[@]}" create "$img" true
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"Trying to pull $img..."* ]]
  [ "$("$BERTH_BIN" "${st[@]}" inspect --format '{{.Image}}' "$output")" = "$CONFIG_ID" ]
  # the tag moves on the registry; missing (the default) keeps using the local image
  skopeo copy -q --dest-tls-verify=false "oci:$BERTH_TEST_DIR/layout-other:other" "docker://$img"
  run --separate-stderr "$BERTH_BIN" "${st[@]}" create --pull=missing "$img" true
  [ "$status" -eq 0 ]
  [[ "$stderr" != *"Trying to pull"* ]]
  [ "$("$BERTH_BIN" "${st[@]}" inspect --format '{{.Image}}' "$output")" = "$CONFIG_ID" ]
  run --separate-stderr "$BERTH_BIN" "${st[@]}" create --pull=always "$img" true
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"Trying to pull $img..."* ]]
  [ "$("$BERTH_BIN" "${st[@]}" inspect --format '{{.Image}}' "$output")" = "$other" ]
  skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$img"
  run --separate-stderr "$BERTH_BIN" "${st[@]}" run --rm --pull=newer "$img" true
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"Trying to pull $img..."* ]]
  run "$BERTH_BIN" "${st[@]}" images --format '{{.ID}}' "$img"
  [ "$output" = "${CONFIG_ID:0:12}" ]
  # always: a failed pull fails, even with the image in the store
  run "$BERTH_BIN" "${st[@]}" create --pull=always "$REG_A/library/policy:nosuch" true
  [ "$status" -eq 125 ]
  run "$BERTH_BIN" "${st[@]}" tag "$img" "$REG_A/library/gone:latest"
  run "$BERTH_BIN" "${st[@]}" create --pull=always "$REG_A/library/gone:latest" true
  [ "$status" -eq 125 ]
  [[ "$output" == *"manifest unknown"* ]]
  # newer: as podman, a failed pull is no error while the store has the image
  run --separate-stderr "$BERTH_BIN" "${st[@]}" create --pull=newer "$REG_A/library/gone:latest" true
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"pull $REG_A/library/gone:latest failed: using the local image"* ]]
  run "$BERTH_BIN" "${st[@]}" create --pull=newer "$REG_A/library/nothere:latest" true
  [ "$status" -eq 125 ]
  run "$BERTH_BIN" "${st[@]}" create --pull=sometimes "$img" true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid --pull sometimes: use always, missing, never or newer"* ]]
  "$BERTH_BIN" "${st[@]}" rm -a -f >/dev/null
  : >"$CONTAINERS_REGISTRIES_CONF"
}

@test "pull --all-tags" {
  run berth --root "$BERTH_TEST_DIR/all" --runroot "$BERTH_TEST_DIR/all-run" pull -q --all-tags --tls-verify=false "$REG_A/library/app"
  [ "$status" -eq 0 ]
  run "$BERTH_BIN" --root "$BERTH_TEST_DIR/all" --runroot "$BERTH_TEST_DIR/all-run" images --format '{{.Tag}}'
  [ "$(sort <<<"$output" | tr '\n' ' ')" = "v1 v2 " ]
}

@test "copy: to and from containers-storage:, and no half-written layout on failure" {
  berth pull -q --tls-verify=false "$REG_A/library/app:v1"
  run berth copy -q "containers-storage:$REG_A/library/app:v1" "oci:$BERTH_TEST_DIR/from-store:x"
  [ "$status" -eq 0 ]
  run skopeo inspect "oci:$BERTH_TEST_DIR/from-store:x"
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  run berth copy -q "oci:$BERTH_TEST_DIR/from-store:x" containers-storage:localhost/copied:latest
  [ "$status" -eq 0 ]
  run berth images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
  [[ "$output" == *"localhost/copied:latest ${CONFIG_ID:0:12}"* ]]
  run berth copy --src-tls-verify=false "docker://$REG_A/library/app:nosuch" "dir:$BERTH_TEST_DIR/never-made"
  [ "$status" -eq 125 ]
  [ ! -e "$BERTH_TEST_DIR/never-made" ]
}

@test "pull on a terminal: one progress bar per layer, redrawn in place; plain lines otherwise" {
  command -v script >/dev/null || skip "script (util-linux) is not installed"
  local root="$BERTH_TEST_DIR/tty"
  run script -qec "$BERTH_BIN --root $root/root --runroot $root/run pull --tls-verify=false $REG_A/library/app:v1" /dev/null </dev/null
  [ "$status" -eq 0 ]
  # three layers: three bars that end "done", redrawn with cursor-up and erase-line escapes
  [ "$(grep -ao 'Copying blob sha256:[0-9a-f]\{12\} done' <<<"$output" | sort -u | wc -l)" = 3 ]
  [[ "$output" == *$'\e[K'* ]]
  [[ "$output" =~ $'\e'\[[0-9]+A ]]
  [[ "$output" == *"Writing manifest to image destination"* ]]
  # without a terminal: podman's plain lines, no escapes
  run "$BERTH_BIN" --root "$root/root2" --runroot "$root/run2" pull --tls-verify=false "$REG_A/library/app:v1"
  [ "$status" -eq 0 ]
  [ "$(grep -cE '^Copying blob sha256:[0-9a-f]{64}$' <<<"$output")" = 3 ]
  [[ "$output" != *$'\e'* ]]
}

@test "pull: two pulls of one image at once fetch each blob once" {
  local st="$BERTH_TEST_DIR/concurrent"
  "$BERTH_BIN" --root "$st/root" --runroot "$st/run" pull --tls-verify=false "$REG_A/library/app:v1" >"$st.1" 2>&1 &
  local p1=$!
  "$BERTH_BIN" --root "$st/root" --runroot "$st/run" pull --tls-verify=false "$REG_A/library/app:v1" >"$st.2" 2>&1 &
  local p2=$!
  local rc1=0 rc2=0
  wait "$p1" || rc1=$?
  wait "$p2" || rc2=$?
  [ "$rc1" -eq 0 ] || { cat "$st.1"; false; }
  [ "$rc2" -eq 0 ] || { cat "$st.2"; false; }
  # 3 layers: each fetched by exactly one of the two; both print the config's line, as podman does
  [ "$(cat "$st.1" "$st.2" | grep -cE '^Copying blob sha256:[0-9a-f]{64}$')" = 3 ]
  [ "$(cat "$st.1" "$st.2" | grep -cE '^Copying config sha256:[0-9a-f]{64}$')" = 2 ]
  [ "$(cat "$st.1" "$st.2" | grep -c "^$CONFIG_ID$")" = 2 ]
  # the per-blob fetch locks go with the fetch: the store's tmp/ is left empty
  [ -z "$(ls -A "$st/root/tmp")" ]
}
