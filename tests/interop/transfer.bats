#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# berth copy / inspect / manifest inspect / login / logout against Debian's docker-registry
# (distribution 2.8) and skopeo, on 127.0.0.1 only. Registries are started per file and killed by
# pid in teardown_file.

load ../system/helpers
load ../system/transfer_helpers

setup_file() {
  berth_test_setup_file
  # blob-location hints stay in this run
  export XDG_CACHE_HOME="$BERTH_TEST_DIR/cache"
  export REGISTRY_AUTH_FILE="$BERTH_TEST_DIR/auth.json"
  start_docker_registry A
  start_docker_registry B
  htpasswd -Bbc "$BERTH_TEST_DIR/htpasswd" alice s3cret >/dev/null 2>&1
  start_docker_registry AUTH "$BERTH_TEST_DIR/htpasswd"
  LAYOUT="$BERTH_TEST_DIR/layout"
  transfer_oci_layout "$LAYOUT" v1 3 >"$BERTH_TEST_DIR/layout.digest"
  export LAYOUT
}

teardown_file() {
  stop_registries
  berth_test_teardown_file
}

@test "copy: plain-HTTP registry over HTTPS gives the insecure hint" {
  run berth copy "oci:$LAYOUT:v1" "docker://$REG_A/app:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"copy $REG_A/app:v1: the registry answered HTTP to an HTTPS request; mark it insecure = true in registries.conf or pass --tls-verify=false"* ]]
}

@test "copy: oci layout to registry, skopeo reads the same digest back" {
  run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_A/app:v1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Copying config sha256:"* ]]
  [[ "$output" == *"Writing manifest to image destination"* ]]
  run skopeo inspect --tls-verify=false "docker://$REG_A/app:v1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  [ "$(echo "$output" | jq -r '.Layers | length')" = 3 ]
  # a second push skips every blob
  run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_A/app:v1"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'skipped: already exists' <<<"$output")" = 3 ] # the config's line is podman's plain one
  [ "$(grep -c '^Copying config sha256:' <<<"$output")" = 1 ]
}

@test "registries.conf: insecure = true allows plain HTTP, blocked = true refuses pulls" {
  printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  run berth copy "oci:$LAYOUT:v1" "docker://$REG_A/conf:v1"
  [ "$status" -eq 0 ]
  run berth inspect "docker://$REG_A/conf:v1"
  [ "$status" -eq 0 ]
  # an explicit --tls-verify=true wins over the file
  run berth inspect --tls-verify=true "docker://$REG_A/conf:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"answered HTTP to an HTTPS request"* ]]
  printf '[[registry]]\nlocation = "%s"\ninsecure = true\nblocked = true\n' "$REG_A" >"$CONTAINERS_REGISTRIES_CONF"
  run berth copy "docker://$REG_A/conf:v1" "oci:$BERTH_TEST_DIR/blocked:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"copy $REG_A/conf:v1: the registry is blocked in registries.conf"* ]]
  : >"$CONTAINERS_REGISTRIES_CONF"
}

@test "copy: registry to registry, and a mount within one registry" {
  berth copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_A/app:v1"
  run berth copy --src-tls-verify=false --dest-tls-verify=false "docker://$REG_A/app:v1" "docker://$REG_B/copied/app:c"
  [ "$status" -eq 0 ]
  skopeo inspect --tls-verify=false --raw "docker://$REG_B/copied/app:c" >"$BERTH_TEST_DIR/raw"
  [ "$(sha256sum <"$BERTH_TEST_DIR/raw" | cut -d' ' -f1)" = "$(cut -d: -f2 "$BERTH_TEST_DIR/layout.digest")" ]
  run berth copy --src-tls-verify=false --dest-tls-verify=false "docker://$REG_A/app:v1" "docker://$REG_A/team/mounted:m"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'mounted from the source repository' <<<"$output")" = 3 ]
}

@test "copy: skopeo pushes, berth pulls to oci: and dir:, umoci unpacks, skopeo reads them" {
  skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_B/from-skopeo:s"
  run berth copy --src-tls-verify=false "docker://$REG_B/from-skopeo:s" "oci:$BERTH_TEST_DIR/out:mytag"
  [ "$status" -eq 0 ]
  run skopeo inspect "oci:$BERTH_TEST_DIR/out:mytag"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  run umoci unpack --rootless --image "$BERTH_TEST_DIR/out:mytag" "$BERTH_TEST_DIR/bundle"
  [ "$status" -eq 0 ]
  [ -x "$BERTH_TEST_DIR/bundle/rootfs/bin/busybox" ]
  [ -f "$BERTH_TEST_DIR/bundle/rootfs/data/file2" ]
  run berth copy "oci:$BERTH_TEST_DIR/out:mytag" "dir:$BERTH_TEST_DIR/dirimg"
  [ "$status" -eq 0 ]
  [ -f "$BERTH_TEST_DIR/dirimg/manifest.json" ]
  [ -f "$BERTH_TEST_DIR/dirimg/version" ]
  run skopeo inspect "dir:$BERTH_TEST_DIR/dirimg"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  # and back into a registry from dir:
  run berth copy --dest-tls-verify=false "dir:$BERTH_TEST_DIR/dirimg" "docker://$REG_B/from-dir:d"
  [ "$status" -eq 0 ]
  run skopeo inspect --tls-verify=false "docker://$REG_B/from-dir:d"
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
}

@test "copy: a second image in the same oci layout keeps the first" {
  berth copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_A/app:v1"
  berth copy -q --src-tls-verify=false "docker://$REG_A/app:v1" "oci:$BERTH_TEST_DIR/two:a"
  berth copy -q --src-tls-verify=false "docker://$REG_A/app:v1" "oci:$BERTH_TEST_DIR/two:b"
  run jq -r '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | join(",")' "$BERTH_TEST_DIR/two/index.json"
  [ "$output" = "a,b" ]
  run berth copy -q "oci:$BERTH_TEST_DIR/two" "dir:$BERTH_TEST_DIR/never"
  [ "$status" -eq 125 ]
  [[ "$output" == *"the layout holds 2 images; name one with oci:"* ]]
}

@test "inspect: skopeo's fields, --raw and --config" {
  berth copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_A/app:v1"
  run berth inspect --tls-verify=false "docker://$REG_A/app:v1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .Name)" = "$REG_A/app" ]
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  [ "$(echo "$output" | jq -r '.RepoTags | index("v1")')" != null ]
  [ "$(echo "$output" | jq -r .Architecture)/$(echo "$output" | jq -r .Os)" = amd64/linux ]
  [ "$(echo "$output" | jq -r '.Labels["org.example.tag"]')" = v1 ]
  [ "$(echo "$output" | jq -r '.Env[0]')" = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ]
  [ "$(echo "$output" | jq -r .Created)" = 2024-01-02T03:04:05Z ]
  # the same fields as skopeo's (Debian's skopeo 1.9 predates LayersData)
  [ "$(echo "$output" | jq -c 'del(.RepoTags, .LayersData)')" = "$(skopeo inspect --tls-verify=false "docker://$REG_A/app:v1" | jq -c 'del(.RepoTags, .LayersData)')" ]
  [ "$(echo "$output" | jq -r '.LayersData[0].MIMEType')" = application/vnd.oci.image.layer.v1.tar+gzip ]
  [ "$(berth inspect --tls-verify=false --raw "docker://$REG_A/app:v1")" = "$(skopeo inspect --tls-verify=false --raw "docker://$REG_A/app:v1")" ]
  run berth inspect --tls-verify=false --config "docker://$REG_A/app:v1"
  [ "$(echo "$output" | jq -r '.rootfs.type')" = layers ]
  run berth inspect --tls-verify=false --format '{{.Digest}} {{.Os}}' "docker://$REG_A/app:v1"
  [ "$output" = "$(cat "$BERTH_TEST_DIR/layout.digest") linux" ]
  run berth manifest inspect --tls-verify=false "$REG_A/app:v1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.layers | length')" = 3 ]
}

@test "errors: unknown manifest, refused connection, unknown host" {
  run berth inspect --tls-verify=false "docker://$REG_A/app:nosuchtag"
  [ "$status" -eq 125 ]
  [[ "$output" == *"inspect $REG_A/app:nosuchtag: manifest unknown"* ]]
  run berth copy --src-tls-verify=false "docker://127.0.0.1:1/app:v1" "oci:$BERTH_TEST_DIR/x:y"
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot connect to 127.0.0.1:1"*"is the registry running there?"* ]]
  run berth inspect "docker://registry.invalid/app:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"unknown host registry.invalid"* ]]
}

@test "errors: a blob corrupted on the registry's disk is refused, nothing is written" {
  berth copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_B/corrupt:v1"
  # the smallest layer: overwrite its data file on disk with other bytes of the same length
  local small data
  small=$(jq -r '.layers | sort_by(.size) | .[0].digest' <"$LAYOUT/blobs/sha256/$(cut -d: -f2 "$BERTH_TEST_DIR/layout.digest")" | cut -d: -f2)
  data="$REGDIR_B/data/docker/registry/v2/blobs/sha256/${small:0:2}/$small/data"
  [ -f "$data" ]
  head -c "$(stat -c %s "$data")" /dev/zero >"$data"
  run berth copy --src-tls-verify=false "docker://$REG_B/corrupt:v1" "oci:$BERTH_TEST_DIR/corrupt:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"sha256:$small"*"refusing it"* ]]
  [ ! -e "$BERTH_TEST_DIR/corrupt/blobs/sha256/$small" ]
  [ "$(jq '.manifests | length' "$BERTH_TEST_DIR/corrupt/index.json" 2>/dev/null || echo 0)" = 0 ]
}

@test "errors: a damaged blob in a local layout is not pushed" {
  local bad="$BERTH_TEST_DIR/damaged" small
  cp -r "$LAYOUT" "$bad"
  small=$(jq -r '.layers | sort_by(.size) | .[0].digest' <"$bad/blobs/sha256/$(cut -d: -f2 "$BERTH_TEST_DIR/layout.digest")" | cut -d: -f2)
  chmod u+w "$bad/blobs/sha256/$small"
  printf 'X' | dd of="$bad/blobs/sha256/$small" bs=1 seek=3 conv=notrunc 2>/dev/null
  # with no blob-location hints: earlier tests put these blobs on REG_B, which a push would
  # mount (the registry's good copy) instead of reading the damaged file
  XDG_CACHE_HOME=$BATS_TEST_TMPDIR/nocache run berth copy --dest-tls-verify=false "oci:$bad:v1" "docker://$REG_B/damaged:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"blob sha256:$small"* ]]
  run skopeo inspect --tls-verify=false "docker://$REG_B/damaged:v1"
  [ "$status" -ne 0 ]
  # to a local layout the source is checked before anything is written
  run berth copy "oci:$bad:v1" "oci:$BERTH_TEST_DIR/damaged-copy:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"blob sha256:$small"* ]]
}

@test "push: a blob the registry holds in another repository is mounted, not uploaded" {
  local hints="$BATS_TEST_TMPDIR/hints"
  XDG_CACHE_HOME=$hints run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_A/mnt/one:v1"
  [ "$status" -eq 0 ]
  [[ "$output" != *"skipped: mounted"* ]]
  ls "$hints/berth/blob-locations" | grep -q .
  XDG_CACHE_HOME=$hints run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_A/mnt/two:v1"
  [ "$status" -eq 0 ]
  [ "$(grep -c "skipped: mounted" <<<"$output")" -ge 3 ]
  run skopeo inspect --tls-verify=false "docker://$REG_A/mnt/two:v1"
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  # a stale hint (a repository that never held the blob) falls back to an upload
  for f in "$hints"/berth/blob-locations/*; do echo "$REG_A/mnt/never" >"$f"; done
  XDG_CACHE_HOME=$hints run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_A/mnt/three:v1"
  [ "$status" -eq 0 ]
  [[ "$output" != *"skipped: mounted"* ]]
  run skopeo inspect --tls-verify=false "docker://$REG_A/mnt/three:v1"
  [ "$status" -eq 0 ]
}

@test "login: 401 without credentials, wrong password, login, --get-login, logout" {
  run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_AUTH/private:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"authentication required: run berth login $REG_AUTH"* ]]
  run berth login --tls-verify=false -u alice -p wrong "$REG_AUTH"
  [ "$status" -eq 125 ]
  [[ "$output" == *"rejected the credentials for alice"* ]]
  [ ! -e "$REGISTRY_AUTH_FILE" ] || ! grep -q "$REG_AUTH" "$REGISTRY_AUTH_FILE"
  run bash -c "echo s3cret | '$BERTH_BIN' login --tls-verify=false -u alice --password-stdin '$REG_AUTH'"
  [ "$status" -eq 0 ]
  [ "$output" = "Login Succeeded!" ]
  [ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
  [ "$(jq -r --arg h "$REG_AUTH" '.auths[$h].auth' "$REGISTRY_AUTH_FILE" | base64 -d)" = alice:s3cret ]
  run berth login --get-login "$REG_AUTH"
  [ "$output" = alice ]
  run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_AUTH/private:v1"
  [ "$status" -eq 0 ]
  run skopeo inspect --tls-verify=false --creds alice:s3cret "docker://$REG_AUTH/private:v1"
  [ "$status" -eq 0 ]
  run berth inspect --tls-verify=false "docker://$REG_AUTH/private:v1"
  [ "$status" -eq 0 ]
  run berth logout "$REG_AUTH"
  [ "$status" -eq 0 ]
  [ "$output" = "Removed login credentials for $REG_AUTH" ]
  run berth logout "$REG_AUTH"
  [ "$status" -eq 125 ]
  [[ "$output" == *"not logged into $REG_AUTH"* ]]
  run berth inspect --tls-verify=false "docker://$REG_AUTH/private:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"authentication required: run berth login $REG_AUTH"* ]]
  # --creds works without a login
  run berth inspect --tls-verify=false --creds alice:s3cret "docker://$REG_AUTH/private:v1"
  [ "$status" -eq 0 ]
  # copy: each side has its own credentials
  run berth copy --src-tls-verify=false --dest-tls-verify=false --src-creds alice:s3cret \
    "docker://$REG_AUTH/private:v1" "docker://$REG_AUTH/copied:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"copy $REG_AUTH/copied:v1: authentication required"* ]]
  run berth copy -q --src-tls-verify=false --dest-tls-verify=false --src-creds alice:s3cret \
    --dest-creds alice:s3cret "docker://$REG_AUTH/private:v1" "docker://$REG_AUTH/copied:v1"
  [ "$status" -eq 0 ]
  run skopeo inspect --tls-verify=false --creds alice:s3cret "docker://$REG_AUTH/copied:v1"
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  # logout --all forgets every registry
  berth login --tls-verify=false -u alice -p s3cret "$REG_AUTH" >/dev/null
  berth login --tls-verify=false -u alice -p s3cret "$REG_A" >/dev/null
  [ "$(jq '.auths | length' "$REGISTRY_AUTH_FILE")" = 2 ]
  run berth logout --all
  [ "$output" = "Removed login credentials for all registries" ]
  [ "$(jq '.auths | length' "$REGISTRY_AUTH_FILE")" = 0 ]
  run berth login --get-login "$REG_AUTH"
  [ "$status" -eq 125 ]
}

@test "copy --all keeps an index; without it the host's platform is chosen" {
  local idx="$BERTH_TEST_DIR/multi" man size
  cp -r "$LAYOUT" "$idx"
  man=$(cat "$BERTH_TEST_DIR/layout.digest")
  size=$(stat -c %s "$idx/blobs/sha256/${man#sha256:}")
  # an index naming the same image for amd64 and (pretending) arm64
  jq -cn --arg d "$man" --argjson s "$size" '{schemaVersion:2,
     mediaType:"application/vnd.oci.image.index.v1+json",
     manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$s,
                 platform:{os:"linux",architecture:"arm64"}},
                {mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$s,
                 platform:{os:"linux",architecture:"amd64"}}]}' >"$BERTH_TEST_DIR/index.blob"
  size=$(stat -c %s "$BERTH_TEST_DIR/index.blob")
  local ih; ih=$(sha256sum "$BERTH_TEST_DIR/index.blob" | cut -d' ' -f1)
  mv "$BERTH_TEST_DIR/index.blob" "$idx/blobs/sha256/$ih"
  jq -cn --arg d "sha256:$ih" --argjson s "$size" '{schemaVersion:2,manifests:[{mediaType:"application/vnd.oci.image.index.v1+json",digest:$d,size:$s,annotations:{"org.opencontainers.image.ref.name":"multi"}}]}' >"$idx/index.json"
  run berth copy --all --dest-tls-verify=false "oci:$idx:multi" "docker://$REG_A/multi:all"
  [ "$status" -eq 0 ]
  run skopeo inspect --tls-verify=false --raw "docker://$REG_A/multi:all"
  [ "$(echo "$output" | jq -r .mediaType)" = application/vnd.oci.image.index.v1+json ]
  run berth copy --dest-tls-verify=false "oci:$idx:multi" "docker://$REG_A/multi:one"
  [ "$status" -eq 0 ]
  run skopeo inspect --tls-verify=false --raw "docker://$REG_A/multi:one"
  [ "$(echo "$output" | jq -r .mediaType)" = application/vnd.oci.image.manifest.v1+json ]
  run berth copy --override-arch s390x --dest-tls-verify=false "oci:$idx:multi" "docker://$REG_A/multi:none"
  [ "$status" -eq 125 ]
  [[ "$output" == *"no image for linux/s390x in the manifest list (it has: linux/arm64, linux/amd64)"* ]]
}

@test "search: catalog filtered like podman, --list-tags, --format, search registries" {
  berth copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_B/searchme/web:1"
  berth copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_B/searchme/web:2"
  berth copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_B/other:1"
  run berth search --tls-verify=false "$REG_B/searchme"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(printf '%-*s%-13s%-12s%s' $(( ${#REG_B} + 15 )) NAME DESCRIPTION STARS OFFICIAL)" ]
  [[ "${lines[1]}" == "$REG_B/searchme/web "* ]]
  [ "${#lines[@]}" -eq 2 ]
  # the same table as podman's with the walkthrough's columns (podman 4.3 shows two by default)
  local prun; prun=$(mktemp -d /tmp/podrun.XXXXXX)
  local want; want=$(env -u CONTAINERS_STORAGE_CONF -u CONTAINERS_CONF -u REGISTRY_AUTH_FILE podman --root "$BERTH_TEST_DIR/podman" --runroot "$prun" search --tls-verify=false \
    --format 'table {{.Name}}\t{{.Description}}\t{{.Stars}}\t{{.Official}}' "$REG_B/searchme")
  rm -rf "$prun"
  [ "$output" = "$want" ]
  run berth search --tls-verify=false --list-tags "$REG_B/searchme/web"
  [ "${lines[0]}" = "$(printf '%-*s%s' $(( ${#REG_B} + 15 )) NAME TAG)" ]
  [ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $1, $2}' | sort | tr '\n' ' ')" = "$REG_B/searchme/web 1 $REG_B/searchme/web 2 " ]
  run berth search --tls-verify=false --list-tags --limit 1 "$REG_B/searchme/web"
  [ "${#lines[@]}" -eq 2 ]
  run berth search --tls-verify=false --format '{{.Index}} {{.Name}} {{.Stars}}' "$REG_B/other"
  [ "$output" = "$REG_B $REG_B/other 0" ]
  run berth search --tls-verify=false --format json "$REG_B/other"
  [ "$(echo "$output" | jq -r '.[0].Name')" = "$REG_B/other" ]
  # a bare term goes to the unqualified-search registries
  printf 'unqualified-search-registries = ["%s"]\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG_B" "$REG_B" >"$CONTAINERS_REGISTRIES_CONF"
  run berth search searchme
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" == "$REG_B/searchme/web "* ]]
  : >"$CONTAINERS_REGISTRIES_CONF"
  run berth search searchme
  [ "$status" -eq 125 ]
  [[ "$output" == *"no unqualified-search-registries in registries.conf"* ]]
}

@test "TLS: an unknown CA is refused with the certs.d hint; --cert-dir or --tls-verify=false work" {
  make_test_ca "$BERTH_TEST_DIR/ca"
  REG_TLS_CERT="$BERTH_TEST_DIR/ca/server.crt" REG_TLS_KEY="$BERTH_TEST_DIR/ca/server.key" start_docker_registry TLS
  run berth copy "oci:$LAYOUT:v1" "docker://$REG_TLS/secure:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"copy $REG_TLS/secure:v1: the TLS certificate of $REG_TLS is not trusted"*"put its CA in /etc/containers/certs.d/$REG_TLS/ca.crt or pass --tls-verify=false"* ]]
  mkdir -p "$BERTH_TEST_DIR/certs"
  cp "$BERTH_TEST_DIR/ca/ca.crt" "$BERTH_TEST_DIR/certs/ca.crt"
  run berth copy --dest-cert-dir "$BERTH_TEST_DIR/certs" "oci:$LAYOUT:v1" "docker://$REG_TLS/secure:v1"
  [ "$status" -eq 0 ]
  run berth inspect --cert-dir "$BERTH_TEST_DIR/certs" "docker://$REG_TLS/secure:v1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  run berth inspect --tls-verify=false "docker://$REG_TLS/secure:v1"
  [ "$status" -eq 0 ]
  # skopeo agrees on what was pushed over TLS
  run skopeo inspect --cert-dir "$BERTH_TEST_DIR/certs" "docker://$REG_TLS/secure:v1"
  [ "$status" -eq 0 ]
}

@test "TLS: certs.d/HOST:PORT under ~/.config/containers with ca.crt, client.cert and client.key" {
  make_test_ca "$BERTH_TEST_DIR/mca"
  make_test_client_cert "$BERTH_TEST_DIR/mca" client
  REG_TLS_CERT="$BERTH_TEST_DIR/mca/server.crt" REG_TLS_KEY="$BERTH_TEST_DIR/mca/server.key" \
    REG_TLS_CLIENTCA="$BERTH_TEST_DIR/mca/ca.crt" start_docker_registry MTLS
  local cfg="$BERTH_TEST_DIR/mtls-config" d
  d="$cfg/containers/certs.d/$REG_MTLS"
  mkdir -p "$d"
  cp "$BERTH_TEST_DIR/mca/ca.crt" "$d/ca.crt"
  # the CA alone: the server refuses a client without a certificate
  run env XDG_CONFIG_HOME="$cfg" "$BERTH_BIN" copy "oci:$LAYOUT:v1" "docker://$REG_MTLS/mtls:v1"
  [ "$status" -eq 125 ]
  # (not "answered HTTP": Go's TLS server answers a plain-HTTP probe with a 400)
  [[ "$output" == *"copy $REG_MTLS/mtls:v1: talking to $REG_MTLS: "*"; $REG_MTLS refused the TLS handshake: if it asks for a client certificate, put client.cert and client.key in /etc/containers/certs.d/$REG_MTLS/ or pass --cert-dir"* ]]
  [[ "$output" != *"answered HTTP"* ]]
  cp "$BERTH_TEST_DIR/mca/client.cert" "$d/client.cert"
  cp "$BERTH_TEST_DIR/mca/client.key" "$d/client.key"
  run env XDG_CONFIG_HOME="$cfg" "$BERTH_BIN" copy -q "oci:$LAYOUT:v1" "docker://$REG_MTLS/mtls:v1"
  [ "$status" -eq 0 ]
  run env XDG_CONFIG_HOME="$cfg" "$BERTH_BIN" --root "$BERTH_TEST_DIR/mtls-store" --runroot "$BERTH_TEST_DIR/mtls-run" pull -q "$REG_MTLS/mtls:v1"
  [ "$status" -eq 0 ]
  run env XDG_CONFIG_HOME="$cfg" "$BERTH_BIN" search --list-tags "$REG_MTLS/mtls"
  [ "$status" -eq 0 ]
  [[ "$output" == *v1* ]]
  # skopeo reads the same directory layout
  run skopeo inspect --cert-dir "$d" "docker://$REG_MTLS/mtls:v1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  # a client certificate without its key is named
  rm "$d/client.key"
  run env XDG_CONFIG_HOME="$cfg" "$BERTH_BIN" inspect "docker://$REG_MTLS/mtls:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"client certificate without its key"* ]]
}

@test "bearer tokens: anonymous pull, push after login, token cache, blob redirects, /v1/search" {
  start_docker_registry BACK
  start_token_gate GATE "$REG_BACK" carol t0ken
  run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_GATE/library/gated:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"copy $REG_GATE/library/gated:v1: authentication required: run berth login $REG_GATE"* ]]
  run berth login --tls-verify=false -u carol -p wrong "$REG_GATE"
  [ "$status" -eq 125 ]
  run berth login --tls-verify=false -u carol -p t0ken "$REG_GATE"
  [ "$status" -eq 0 ]
  local before; before=$(curl -s "http://$REG_GATE/stats" | jq .tokens)
  run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG_GATE/library/gated:v1"
  [ "$status" -eq 0 ]
  # one token for the whole push (4 blobs, HEADs, uploads, the manifest)
  [ "$(curl -s "http://$REG_GATE/stats" | jq .tokens)" -eq $((before + 1)) ]
  berth logout "$REG_GATE"
  # anonymous pull token; blobs come through a 307 to the backend
  run berth copy --src-tls-verify=false "docker://$REG_GATE/library/gated:v1" "oci:$BERTH_TEST_DIR/gated:v1"
  [ "$status" -eq 0 ]
  run skopeo inspect "oci:$BERTH_TEST_DIR/gated:v1"
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  # /v1/search is used when the registry has it
  run berth search --tls-verify=false "$REG_GATE/gated"
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" =~ ^"$REG_GATE/library/gated"\ +"the library/gated image"\ +7\ +\[OK\]$ ]]
  run berth search --tls-verify=false --format '{{.Name}} {{.Stars}} {{.Official}} {{.Automated}}|' "$REG_GATE/gated"
  [ "$output" = "$REG_GATE/library/gated 7 [OK] |" ]
}

@test "chunked uploads: PATCH then PUT when the registry asks for chunks" {
  start_docker_registry BACK2
  start_token_gate CHUNK "$REG_BACK2" erin pw chunked
  run berth copy --dest-tls-verify=false --dest-creds erin:pw "oci:$LAYOUT:v1" "docker://$REG_CHUNK/chunky:v1"
  [ "$status" -eq 0 ]
  [ "$(curl -s "http://$REG_CHUNK/stats" | jq .patches)" -eq 4 ]
  run skopeo inspect --tls-verify=false "docker://$REG_BACK2/chunky:v1"
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
}
