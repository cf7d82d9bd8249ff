#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# api_images_pods.bats - the API calls served through berth child processes: image pull, push,
# search and prune against a local berth-registry, commit's input checks, and pods.

load helpers
load api_helpers
load ../lib/registry-helpers

setup_file() {
  berth_test_setup_file
  busybox_image
  REG_ROOT="$BERTH_TEST_DIR/registry" BATS_TEST_TMPDIR="$BERTH_TEST_DIR" reg_start
  echo "$REG_PID" >"$BERTH_TEST_DIR/registry.pid"
  export REG_PORT
  printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$REG_PORT" \
    >"$CONTAINERS_REGISTRIES_CONF"
  api_start
}

teardown_file() {
  api_stop
  [ -f "$BERTH_TEST_DIR/registry.pid" ] && kill "$(cat "$BERTH_TEST_DIR/registry.pid")" 2>/dev/null
  berth pod rm -a -f >/dev/null 2>&1 || true
  berth rm -a -f >/dev/null 2>&1 || true
  berth_test_teardown_file
}

body() { printf '%s\n' "$output" | sed '$d'; }
code() { printf '%s\n' "$output" | tail -n1; }

@test "api: Docker push, then libpod pull with NDJSON progress ending in the image id" {
  local ref="127.0.0.1:$REG_PORT/api/pushed"
  berth tag localhost/busybox:latest "$ref:v1"
  run api_curl -X POST "http://d/v1.44/images/$ref/push?tag=v1"
  [ "$(code)" = 200 ]
  ! body | jq -e 'select(.error)' >/dev/null
  berth rmi "$ref:v1" >/dev/null
  run api_curl -X POST "http://d/v1.12/libpod/images/pull?reference=$ref:v1"
  [ "$(code)" = 200 ]
  body | grep . | head -n -1 | jq -e .stream >/dev/null || { body >&2; false; }
  id=$(body | grep . | tail -n1 | jq -r .id)
  [ "$id" = "$(berth image inspect --format '{{.Id}}' "$ref:v1")" ]
}

@test "api: Docker images/create pulls fromImage and tag" {
  local ref="127.0.0.1:$REG_PORT/api/created"
  berth tag localhost/busybox:latest "$ref:v2"
  berth push "$ref:v2" >/dev/null
  berth rmi "$ref:v2" >/dev/null
  run api_curl -X POST "http://d/v1.44/images/create?fromImage=$ref&tag=v2"
  [ "$(code)" = 200 ]
  body | jq -e .status >/dev/null
  berth image exists "$ref:v2"
}

@test "api: a failed pull ends its stream with the error; bad references are refused" {
  run api_curl -X POST "http://d/v1.12/libpod/images/pull?reference=127.0.0.1:$REG_PORT/api/nosuch:v1"
  [ "$(code)" = 200 ]
  [[ "$(body | grep . | tail -n1 | jq -r .error)" == *nosuch* ]] || { body >&2; false; }
  run api_curl -X POST "http://d/v1.44/images/create?fromImage=127.0.0.1:$REG_PORT/nosuch"
  [ "$(body | grep . | tail -n1 | jq -r .errorDetail.message)" != null ]
  run api_curl -X POST "http://d/v1.12/libpod/images/pull?reference=../../etc"
  [ "$(code)" = 400 ]
  run api_curl -X POST "http://d/v1.12/libpod/images/pull"
  [ "$(code)" = 400 ]
  run api_curl -X POST "http://d/v1.12/libpod/images/pull?reference=-rf"
  [ "$(code)" = 400 ]
  run api_curl -X POST "http://d/v1.44/images/create?fromSrc=-"
  [ "$(code)" = 501 ]
}

@test "api: images/search finds a repository in the local registry" {
  berth tag localhost/busybox:latest "127.0.0.1:$REG_PORT/api/searchme:v1"
  berth push "127.0.0.1:$REG_PORT/api/searchme:v1" >/dev/null
  run api_curl "http://d/v1.12/libpod/images/search?term=127.0.0.1:$REG_PORT/searchme"
  [ "$(code)" = 200 ]
  [ "$(body | jq -r '.[0].Name')" = "127.0.0.1:$REG_PORT/api/searchme" ]
  run api_curl "http://d/v1.44/images/search?term=127.0.0.1:$REG_PORT/searchme"
  [ "$(body | jq -r '.[0].name')" = "127.0.0.1:$REG_PORT/api/searchme" ]
  run api_curl "http://d/v1.12/libpod/images/search?term=--list-tags"
  [ "$(code)" = 400 ]
  run api_curl "http://d/v1.12/libpod/images/search"
  [ "$(code)" = 400 ]
}

@test "api: images/prune?all=true removes unused images, keeps used ones" {
  berth tag localhost/busybox:latest localhost/keep:v1
  berth create --name user localhost/busybox true >/dev/null
  berth import --change 'CMD ["true"]' "$(busybox_tarball)" localhost/unused:v1 >/dev/null
  run api_curl -X POST "http://d/v1.12/libpod/images/prune?all=true"
  [ "$(code)" = 200 ]
  [ "$(body | jq length)" -ge 1 ]
  run berth image exists localhost/unused:v1
  [ "$status" -ne 0 ]
  berth image exists localhost/busybox:latest
  berth rm -f user >/dev/null
}

@test "api: commit refuses bad input and unknown containers" {
  run api_curl -X POST "http://d/v1.12/libpod/commit"
  [ "$(code)" = 400 ]
  run api_curl -X POST "http://d/v1.12/libpod/commit?container=../x"
  [ "$(code)" = 400 ]
  run api_curl -X POST "http://d/v1.44/commit?container=nosuch&repo=localhost/c"
  [[ "$(code)" = 404 || "$(code)" = 500 ]]
  [ "$(body | jq -r .message)" != null ]
  run berth image exists localhost/c
  [ "$status" -ne 0 ]
}

@test "api: pods: create, list, start, stop, delete" {
  run api_curl -X POST -d '{"name":"apipod"}' http://d/v1.12/libpod/pods/create
  [ "$(code)" = 201 ]
  id=$(body | jq -r .Id)
  [ -n "$id" ] && [ "$id" != null ]
  run api_curl http://d/v1.12/libpod/pods/json
  [ "$(body | jq -r '.[] | select(.Name=="apipod") | .Id')" = "$id" ]
  run api_curl http://d/v1.12/libpod/pods/apipod/exists
  [ "$(code)" = 204 ]
  run api_curl -X POST http://d/v1.12/libpod/pods/apipod/start
  [ "$(code)" = 200 ]
  [ "$(body | jq -r '.Errs | length')" = 0 ]
  run berth pod ps --format '{{.Status}}'
  [ "$output" = Running ]
  run api_curl -X POST http://d/v1.12/libpod/pods/apipod/stop
  [ "$(code)" = 200 ]
  run api_curl -X DELETE "http://d/v1.12/libpod/pods/apipod?force=true"
  [ "$(code)" = 200 ]
  run berth pod exists apipod
  [ "$status" -ne 0 ]
}

@test "api: pods: bad input is refused and changes nothing" {
  run api_curl -X POST -d '{bad' http://d/v1.12/libpod/pods/create
  [ "$(code)" = 400 ]
  run api_curl -X POST -d '{"name":"../x"}' http://d/v1.12/libpod/pods/create
  [ "$(code)" = 400 ]
  run api_curl -X POST http://d/v1.12/libpod/pods/nosuch/start
  [ "$(code)" = 404 ]
  run api_curl -X POST http://d/v1.12/libpod/pods/..%2Fx/start
  [ "$(code)" = 400 ]
  run api_curl http://d/v1.12/libpod/pods/nosuch/exists
  [ "$(code)" = 404 ]
  run berth pod ps -q
  [ -z "$output" ]
}

@test "api: libpod untag removes one name, or every name" {
  berth tag localhost/busybox:latest localhost/untag:a localhost/untag:b localhost/untag:c
  run api_curl -X POST "http://d/v1.12/libpod/images/localhost/untag:a/untag?repo=localhost/untag&tag=a"
  [ "$(code)" = 201 ]
  run berth image exists localhost/untag:a
  [ "$status" -ne 0 ]
  berth image exists localhost/untag:b
  run api_curl -X POST "http://d/v1.12/libpod/images/localhost/untag:b/untag?repo=localhost/untag&tag=nosuch"
  [ "$(code)" = 404 ]
  run api_curl -X POST "http://d/v1.12/libpod/images/localhost/untag:b/untag?repo=../x"
  [ "$(code)" = 400 ]
  berth image exists localhost/untag:b
  berth import "$(busybox_tarball)" localhost/untag-all:v1 >/dev/null
  berth tag localhost/untag-all:v1 localhost/untag-all:v2
  id=$(berth image inspect --format '{{.Id}}' localhost/untag-all:v1)
  run api_curl -X POST "http://d/v1.12/libpod/images/$id/untag"
  [ "$(code)" = 201 ]
  run berth image exists localhost/untag-all:v2
  [ "$status" -ne 0 ]
  berth image exists "$id"
}
