#!/usr/bin/env bats
# store-rootless.bats - a rootless store: layers are unpacked inside the store's user namespace
# (files carry the mapped owners), removed from inside it, and the mapping is pinned.
# Runs as root and switches to the test user "berth-test" (with /etc/subuid ranges).

load helpers

setup_file() {
  berth_test_setup_file
  if [ "$(id -u)" -eq 0 ] && [ -x "$BERTH_TOP/tests/lib/rootless-user.sh" ]; then
    "$BERTH_TOP/tests/lib/rootless-user.sh" create berth-test >/dev/null || true
  fi
  if [ "$(id -u)" -ne 0 ] || ! id berth-test >/dev/null 2>&1 || ! grep -q '^berth-test:' /etc/subuid; then
    export BERTH_ROOTLESS_SKIP=1
    return 0
  fi
  RL_DIR=$(mktemp -d /tmp/berth-rootless.XXXXXX)
  chmod 0755 "$RL_DIR"
  chown berth-test: "$RL_DIR"
  export RL_DIR
}

teardown_file() {
  [ -n "${RL_DIR:-}" ] && rm -rf "$RL_DIR"
  berth_test_teardown_file
}

rl_berth() {
  # (this file's storage.conf is in root's temp dir: the user reads none)
  (cd /tmp && HOME=/tmp XDG_RUNTIME_DIR= CONTAINERS_STORAGE_CONF= setpriv --reuid berth-test --regid berth-test --init-groups -- \
    "$BERTH_BIN" --root "$RL_DIR/root" --runroot "$RL_DIR/run" "$@")
}

@test "rootless import maps owners through the store's id mapping" {
  [ -z "${BERTH_ROOTLESS_SKIP:-}" ] || skip "needs root and the berth-test user with subuids"
  mkdir -p "$RL_DIR/src/d"
  echo x >"$RL_DIR/src/d/f"
  tar -C "$RL_DIR/src" --numeric-owner --owner=1000 --group=1000 -cf "$RL_DIR/owned.tar" .
  chmod 0644 "$RL_DIR/owned.tar"
  run rl_berth import "$RL_DIR/owned.tar" owned
  [ "$status" -eq 0 ]
  start=$(awk -F: '$1 == "berth-test" { print $2; exit }' /etc/subuid)
  dir=$(rl_berth image inspect --format '{{.GraphDriver.Data.UpperDir}}' owned)
  [ "$(stat -c %u "$dir/d/f")" -eq $((start + 999)) ]
  [ "$(stat -c %u "$dir/d")" -eq $((start + 999)) ]
  # recorded mapping
  [[ "$(sqlite3 "$RL_DIR/root/berth.db" "SELECT value FROM meta WHERE key = 'idmap'")" == uid=0:$(id -u berth-test):1* ]]
  # the layer check walks it inside the user namespace: a 0700 dir of a subordinate owner
  chmod 0700 "$dir/d"
  run rl_berth system check
  [ "$status" -eq 0 ]
  echo more >>"$dir/d/f"
  run rl_berth system check
  [ "$status" -eq 125 ]
  [[ "$output" == *"its unpacked files hold 7 bytes, its record 2"* ]]
  run rl_berth rmi owned
  [ "$status" -eq 0 ]
  [ ! -e "$dir" ]
  run rl_berth system check
  [ "$status" -eq 0 ]
  [[ "$output" == *"No errors found"* ]]
}

@test "rootless store refuses a changed id mapping" {
  [ -z "${BERTH_ROOTLESS_SKIP:-}" ] || skip "needs root and the berth-test user with subuids"
  sqlite3 "$RL_DIR/root/berth.db" "UPDATE meta SET value = 'uid=0:1:1;gid=0:1:1' WHERE key = 'idmap'"
  run rl_berth import "$RL_DIR/owned.tar" again
  [ "$status" -eq 125 ]
  [[ "$output" == *"berth system migrate"* ]]
  sqlite3 "$RL_DIR/root/berth.db" "DELETE FROM meta WHERE key = 'idmap'"
  run rl_berth import "$RL_DIR/owned.tar" again
  [ "$status" -eq 0 ]
}
