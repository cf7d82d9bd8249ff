#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# build_rootless.bats - commit, diff, export and build as an unprivileged user with /etc/subuid
# ranges: layers are read and written inside the store's user namespace, so owners come out as
# the container sees them.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "the rootless suite is driven by root (it creates the user)"
  RL_USER=$("$BERTH_TOP/tests/lib/rootless-user.sh" create berth-test)
  export RL_USER
  BERTH_TEST_DIR=$(mktemp -d /tmp/berth-rootless.XXXXXX)
  export BERTH_TEST_DIR BERTH_TEST_ROOT="$BERTH_TEST_DIR/root" BERTH_TEST_RUNROOT="$BERTH_TEST_DIR/run"
  chmod 755 "$BERTH_TEST_DIR"
  busybox_tarball >/dev/null
  chown -R "$RL_USER:" "$BERTH_TEST_DIR"
  ub import "$BERTH_TEST_DIR/busybox.tar" localhost/busybox:latest >/dev/null
}

teardown_file() {
  [ -n "${BERTH_TEST_DIR:-}" ] || return 0
  kill_test_processes
  berth_unmount_under "$BERTH_TEST_DIR"
  rm -rf "$BERTH_TEST_DIR"
}

# ub ARGS... - berth as the rootless user on this file's store
ub() {
  local q a
  q=""
  for a in "$@"; do q+=" $(printf '%q' "$a")"; done
  su "$RL_USER" -s /bin/sh -c "cd /tmp && XDG_RUNTIME_DIR= '$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT'$q" </dev/null
}

@test "rootless: commit keeps the owners the container gave its files; diff and export work" {
  ub run --name w localhost/busybox sh -c 'echo x >/f; chown 1234:4321 /f; mkdir -m 700 /priv; echo p >/priv/q; rm /bin/vi'
  run ub commit -q w localhost/rl-commit
  [ "$status" -eq 0 ]
  run ub run --rm localhost/rl-commit sh -c 'stat -c %u:%g /f; cat /priv/q; test -e /bin/vi || echo gone'
  [ "$output" = "$(printf '1234:4321\np\ngone')" ]
  run ub diff w
  [[ "$output" == *"A /f"* ]]
  [[ "$output" == *"A /priv/q"* ]]
  [[ "$output" == *"D /bin/vi"* ]]
  ub export -o "$BERTH_TEST_DIR/w.tar" w
  run tar -tvf "$BERTH_TEST_DIR/w.tar"
  [[ "$output" == *"1234/4321"*" f"* ]]
  [[ "$output" == *"bin/busybox"* ]]
  ub rm w
}

@test "rootless: build with RUN and COPY --chown" {
  d="$BERTH_TEST_DIR/ctx"
  mkdir -p "$d"
  echo data >"$d/data.txt"
  printf 'FROM localhost/busybox\nCOPY --chown=100:200 data.txt /data.txt\nRUN chown 7:8 /data.txt && echo ran >/ran\nCMD ["sh", "-c", "stat -c %%u:%%g /data.txt; cat /ran"]\n' >"$d/Containerfile"
  chown -R "$RL_USER:" "$d"
  run ub build -q -t localhost/rl-build "$d"
  [ "$status" -eq 0 ]
  run ub run --rm localhost/rl-build
  [ "$output" = "$(printf '7:8\nran')" ]
}
