#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# berth's registry client against berth's own registry (berth-registry): the walkthrough's push
# to a plain-HTTP registry, copy, pull into the store, inspect, search, and htpasswd login.
# Servers listen on 127.0.0.1 and are killed by pid in teardown.

bats_require_minimum_version 1.5.0

load helpers
load transfer_helpers
load ../lib/registry-helpers.bash

setup_file() {
  berth_test_setup_file
  LAYOUT="$BERTH_TEST_DIR/layout"
  transfer_oci_layout "$LAYOUT" v1 2 >"$BERTH_TEST_DIR/layout.digest"
  export LAYOUT
}

teardown_file() {
  berth_test_teardown_file
}

setup() {
  reg_bin >/dev/null || skip "berth-registry is not built"
  export REGISTRY_AUTH_FILE="$BATS_TEST_TMPDIR/auth.json"
  unset REGISTRY_AUTH_HTPASSWD_PATH REGISTRY_AUTH_HTPASSWD_REALM
  REG_ROOT=$BATS_TEST_TMPDIR/root
}

teardown() {
  reg_cleanup
}

@test "transfer/berth-registry: push over HTTPS to a plain-HTTP registry explains insecure" {
  reg_start
  run berth copy "oci:$LAYOUT:v1" "docker://127.0.0.1:$REG_PORT/app:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"copy 127.0.0.1:$REG_PORT/app:v1: the registry answered HTTP to an HTTPS request; mark it insecure = true in registries.conf or pass --tls-verify=false"* ]]
  # the walkthrough's fix: mark it insecure in registries.conf
  printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$REG_PORT" >"$CONTAINERS_REGISTRIES_CONF"
  run berth copy -q "oci:$LAYOUT:v1" "docker://127.0.0.1:$REG_PORT/app:v1"
  [ "$status" -eq 0 ]
  : >"$CONTAINERS_REGISTRIES_CONF"
}

@test "transfer/berth-registry: copy in, pull into the store, inspect, copy out" {
  reg_start
  local reg=127.0.0.1:$REG_PORT
  run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$reg/app:v1"
  [ "$status" -eq 0 ]
  run berth inspect --tls-verify=false "docker://$reg/app:v1"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .Digest)" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  [ "$(echo "$output" | jq -r '.RepoTags[0]')" = v1 ]
  run --separate-stderr berth pull --tls-verify=false "$reg/app:v1"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  run berth push -q --tls-verify=false "$reg/app:v1" "$reg/again/app:v2"
  [ "$status" -eq 0 ]
  run berth copy -q --src-tls-verify=false "docker://$reg/again/app:v2" "oci:$BERTH_TEST_DIR/out-$REG_PORT:x"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.manifests[0].digest' "$BERTH_TEST_DIR/out-$REG_PORT/index.json")" = "$(cat "$BERTH_TEST_DIR/layout.digest")" ]
  # an oci-layout file a crash left empty is written again by the next copy into the layout
  : >"$BERTH_TEST_DIR/out-$REG_PORT/oci-layout"
  run berth copy -q --src-tls-verify=false "docker://$reg/app:v1" "oci:$BERTH_TEST_DIR/out-$REG_PORT:y"
  [ "$status" -eq 0 ]
  [ "$(jq -r .imageLayoutVersion "$BERTH_TEST_DIR/out-$REG_PORT/oci-layout")" = 1.0.0 ]
  [ "$(jq -r '.manifests | length' "$BERTH_TEST_DIR/out-$REG_PORT/index.json")" = 2 ]
  # within one registry blobs are mounted, not sent again
  run berth copy --src-tls-verify=false --dest-tls-verify=false "docker://$reg/app:v1" "docker://$reg/mounted:m"
  [ "$status" -eq 0 ]
  [ "$(grep -c 'skipped: mounted from the source repository' <<<"$output")" = 2 ]
  # the config's line says "config", comes after the layers', as podman's and skopeo's do
  [[ "$(tail -3 <<<"$output" | head -1)" == "Copying config sha256:"* ]]
  [ "$(tail -1 <<<"$output")" = "Storing signatures" ]
  [ "$(grep 'Copying blob' <<<"$output" | grep -vc skipped)" = 0 ]
}

@test "transfer/berth-registry: htpasswd auth, 401 explained, login, search" {
  htpasswd -Bbc "$BATS_TEST_TMPDIR/htpasswd" dave d4ve >/dev/null 2>&1
  REGISTRY_AUTH_HTPASSWD_PATH="$BATS_TEST_TMPDIR/htpasswd" REGISTRY_AUTH_HTPASSWD_REALM=test reg_start
  local reg=127.0.0.1:$REG_PORT
  run berth copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$reg/private/app:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"authentication required: run berth login $reg"* ]]
  run berth login --tls-verify=false -u dave -p nope "$reg"
  [ "$status" -eq 125 ]
  run berth login --tls-verify=false -u dave -p d4ve "$reg"
  [ "$status" -eq 0 ]
  [ "$output" = "Login Succeeded!" ]
  run berth copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$reg/private/app:v1"
  [ "$status" -eq 0 ]
  run berth search --tls-verify=false "$reg/private"
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" == "$reg/private/app "* ]]
  run berth search --tls-verify=false --list-tags "$reg/private/app"
  [[ "${lines[1]}" == "$reg/private/app"*" v1" ]]
  run berth logout "$reg"
  [ "$status" -eq 0 ]
}

@test "transfer: a registry that answered only plain HTTP is asked over HTTP first, until it turns to TLS" {
  reg_start
  local reg=127.0.0.1:$REG_PORT memo=$XDG_CACHE_HOME/berth/plain-http
  [ ! -e "$memo/$reg" ]
  run berth copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$reg/app:v1"
  [ "$status" -eq 0 ]
  [ -e "$memo/$reg" ]
  # allowed plain HTTP and known to answer it: no HTTPS attempt first
  run berth --log-level debug inspect --tls-verify=false "docker://$reg/app:v1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"GET http://$reg/v2/"* ]]
  [[ "$output" != *"GET https://"* ]]
  # not allowed plain HTTP: the memo changes nothing, HTTPS is required
  run berth inspect "docker://$reg/app:v1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"answered HTTP to an HTTPS request"* ]]
  # the same port turns to TLS: the plain request fails, HTTPS is used and the memo dropped
  reg_stop
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$BATS_TEST_TMPDIR/key.pem" \
    -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
  REGISTRY_HTTP_ADDR=$reg REGISTRY_HTTP_TLS_CERTIFICATE=$BATS_TEST_TMPDIR/cert.pem \
    REGISTRY_HTTP_TLS_KEY=$BATS_TEST_TMPDIR/key.pem reg_start
  run berth --log-level debug copy -q --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$reg/app:v2"
  [ "$status" -eq 0 ]
  [[ "$output" == *"GET https://$reg/v2/"* ]]
  [ ! -e "$memo/$reg" ]
}
