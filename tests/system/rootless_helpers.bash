# SPDX-License-Identifier: Apache-2.0
# rootless_helpers.bash - for the suites that root drives as an unprivileged user: the user
# (tests/lib/rootless-user.sh, with /etc/subuid ranges), a store it owns, berth run as it.
#
#   load helpers
#   load containers_helpers
#   load rootless_helpers
#   setup_file()    { rootless_setup_file; }
#   teardown_file() { rootless_teardown_file; }
#   @test "..." { run as_user run --rm localhost/busybox true; }

# rootless_setup_file - the user (RL_USER), and a store it owns with localhost/busybox in it,
# outside bats' root-only temp dirs (BERTH_TEST_DIR, BERTH_TEST_ROOT, BERTH_TEST_RUNROOT).
rootless_setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "the rootless suite is driven by root (it creates the user)"
  RL_USER=$("$BERTH_TOP/tests/lib/rootless-user.sh" create berth-test)
  BERTH_TEST_DIR=$(mktemp -d /tmp/berth-rootless.XXXXXX)
  export RL_USER BERTH_TEST_DIR BERTH_TEST_ROOT="$BERTH_TEST_DIR/root" BERTH_TEST_RUNROOT="$BERTH_TEST_DIR/run"
  chmod 755 "$BERTH_TEST_DIR"
  busybox_tarball >/dev/null # leaves $BERTH_TEST_DIR/busybox.tar
  chown -R "$RL_USER:" "$BERTH_TEST_DIR"
  as_user import "$BERTH_TEST_DIR/busybox.tar" localhost/busybox:latest >/dev/null
}

# rootless_teardown_file - kill what is left of the store's processes (by pid), unmount, remove.
rootless_teardown_file() {
  [ -n "${BERTH_TEST_DIR:-}" ] || return 0
  kill_test_processes
  berth_unmount_under "$BERTH_TEST_DIR"
  rm -rf "$BERTH_TEST_DIR"
}

# as_user ARGS... - berth as the test user on this file's store (no stdin)
as_user() {
  local q="" a
  for a in "$@"; do q+=" $(printf '%q' "$a")"; done
  su "$RL_USER" -s /bin/sh -c "cd /tmp && XDG_RUNTIME_DIR= '$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT'$q" </dev/null
}
