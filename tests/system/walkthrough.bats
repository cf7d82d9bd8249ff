#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# walkthrough.bats - the local-registry lesson end to end, as root: the registry image built
# offline, run as a container with -p and -v, used with tag/push/pull/search/copy, restarted,
# and its data found again on the host.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
  export PORT=$(random_port)
  export REGDIR="$BERTH_TEST_DIR/registry"
  export CONTAINERS_REGISTRIES_CONF="$BERTH_TEST_DIR/registries.conf"
  export REGISTRY_AUTH_FILE="$BERTH_TEST_DIR/auth.json"
  : >"$CONTAINERS_REGISTRIES_CONF"
  mkdir -p "$REGDIR"
  BERTH_REGISTRY="$BERTH_BUILD/src/registry/berth-registry" \
    "$BERTH_TOP/src/registry/build-image.sh" "$BERTH_TEST_DIR/registry-oci" latest >/dev/null
  berth copy "oci:$BERTH_TEST_DIR/registry-oci:latest" containers-storage:localhost/registry:latest >/dev/null
}
teardown_file() { containers_teardown_file; }

@test "run the registry container with -p and -v:Z, detached" {
  run berth run --name myregistry -p "$PORT:5000" -v "$REGDIR:/var/lib/registry:Z" -d registry
  [ "$status" -eq 0 ]
  # the port listens (pasta) before the registry behind it does: wait for the registry
  wait_until 60 http_ok "http://127.0.0.1:$PORT/v2/"
  run berth ps --format '{{.Names}} {{.Ports}}'
  [[ "$output" == *"myregistry 0.0.0.0:$PORT->5000/tcp"* ]]
  run nc -zv -w 3 127.0.0.1 "$PORT"
  [ "$status" -eq 0 ]
  run berth logs myregistry
  [[ "$output" == *"listening"* ]]
}

@test "exec runs commands inside; exec -d writes into the volume seen on the host" {
  run berth exec myregistry ls /bin
  [[ "$output" == *sh* ]]
  berth exec -d myregistry touch /var/lib/registry/file
  wait_until 30 test -e "$REGDIR/file"
  rm "$REGDIR/file"
}

@test "push to a plain-HTTP registry fails until registries.conf marks it insecure" {
  berth tag localhost/busybox:latest "127.0.0.1:$PORT/busybox"
  run berth push "127.0.0.1:$PORT/busybox:latest"
  [ "$status" -eq 125 ]
  [[ "$output" == *"answered HTTP to an HTTPS request"*"insecure = true"* ]]
  printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$PORT" >"$CONTAINERS_REGISTRIES_CONF"
  run berth push "127.0.0.1:$PORT/busybox:latest"
  [ "$status" -eq 0 ]
  [ -d "$REGDIR/docker/registry/v2/repositories/busybox" ]
}

@test "remove the local image, find it with search, pull it back and run it" {
  berth rmi "127.0.0.1:$PORT/busybox:latest"
  run berth images --format '{{.Repository}}'
  [[ "$output" != *"127.0.0.1:$PORT/busybox"* ]]
  run berth search "127.0.0.1:$PORT/busybox"
  [ "$status" -eq 0 ]
  # the columns the walkthrough reads to pick an image
  [[ "${lines[0]}" =~ ^NAME\ +DESCRIPTION\ +STARS\ +OFFICIAL$ ]]
  [[ "$output" == *"127.0.0.1:$PORT/busybox"* ]]
  run berth pull "127.0.0.1:$PORT/busybox"
  [ "$status" -eq 0 ]
  run berth run --rm "127.0.0.1:$PORT/busybox" echo pulled-back
  [ "$output" = pulled-back ]
}

@test "copy between repositories of the registry without local storage" {
  run berth copy "docker://127.0.0.1:$PORT/busybox" "docker://127.0.0.1:$PORT/httpd"
  [ "$status" -eq 0 ]
  run berth search "127.0.0.1:$PORT/httpd"
  [[ "$output" == *"127.0.0.1:$PORT/httpd"* ]]
  run berth image inspect "127.0.0.1:$PORT/httpd:latest"
  [ "$status" -ne 0 ]
}

@test "stop and start the registry: the data is still there" {
  berth stop -t 1 myregistry
  run nc -z -w 1 127.0.0.1 "$PORT"
  [ "$status" -ne 0 ]
  berth start myregistry
  wait_until 60 http_ok "http://127.0.0.1:$PORT/v2/"
  berth rmi -f "127.0.0.1:$PORT/busybox:latest"
  run berth pull "127.0.0.1:$PORT/httpd"
  [ "$status" -eq 0 ]
  berth rm -f -t 1 myregistry
  [ -d "$REGDIR/docker/registry/v2/repositories/httpd" ]
}
