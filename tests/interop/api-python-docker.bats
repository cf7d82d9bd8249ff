#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# api-python-docker.bats - Debian's python3-docker (the Docker SDK for Python) scripted against
# `berth system service`: version, images, run, a detached container's life, push and pull
# through a local registry, errors (tests/interop/api_python_docker.py).

load ../system/helpers
load ../system/api_helpers
load ../lib/registry-helpers

setup_file() {
  python3 -c 'import docker' 2>/dev/null || skip "no python3-docker"
  berth_test_setup_file
  busybox_image
  REG_ROOT="$BERTH_TEST_DIR/registry" BATS_TEST_TMPDIR="$BERTH_TEST_DIR" reg_start
  echo "$REG_PID" >"$BERTH_TEST_DIR/registry.pid"
  printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$REG_PORT" \
    >"$CONTAINERS_REGISTRIES_CONF"
  api_start
  timeout -s KILL 300 python3 "$BERTH_TOP/tests/interop/api_python_docker.py" "$API_SOCK" \
    "127.0.0.1:$REG_PORT" >"$BERTH_TEST_DIR/py.out" 2>&1 3>&- || true
}

teardown_file() {
  api_stop
  [ -f "$BERTH_TEST_DIR/registry.pid" ] && kill "$(cat "$BERTH_TEST_DIR/registry.pid")" 2>/dev/null
  berth rm -a -f >/dev/null 2>&1 || true
  berth_test_teardown_file
}

check() {
  grep -qx "ok $1" "$BERTH_TEST_DIR/py.out" && return 0
  cat "$BERTH_TEST_DIR/py.out" >&2
  return 1
}

@test "python3-docker: ping and version 1.44" { check version; }
@test "python3-docker: images.list" { check images; }
@test "python3-docker: containers.run(remove=True) returns the output" { check run; }
@test "python3-docker: detached run, logs, exec_run, stop, remove" { check "container life"; }
@test "python3-docker: push to and pull from a local registry" { check "push and pull"; }
@test "python3-docker: an unknown container raises NotFound" { check errors; }
