#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# rootless_user.bats - tests/lib/rootless-user.sh leaves the host as found: the users it made are
# removed with their subuid/subgid lines once the last run holding them releases them, and users
# that were there before are kept. (setup_suite.bash holds and releases for every bats run.)

load helpers

setup() {
  [ "$(id -u)" -eq 0 ] || skip "needs root (it adds users)"
  tool="$BERTH_TOP/tests/lib/rootless-user.sh"
  # A state dir of its own, so the run's real holder (setup_suite) does not keep these users.
  export BERTH_ROOTLESS_STATE="$BATS_TEST_TMPDIR/state"
}

teardown() {
  for p in ${holders:-}; do kill "$p" 2>/dev/null || true; done
  for u in berth-tcln1 berth-tcln2; do
    getent passwd "$u" >/dev/null && "$tool" remove "$u"
  done
  true
}

@test "release removes the users create made, their ranges, once no holder is alive" {
  sleep 1000 3>&- & h1=$!
  sleep 1000 3>&- & h2=$!
  holders="$h1 $h2"
  "$tool" hold "$h1"
  "$tool" hold "$h2"
  [ "$("$tool" create berth-tcln1)" = berth-tcln1 ]
  grep -q '^berth-tcln1:' /etc/subuid
  grep -q '^berth-tcln1:' /etc/subgid
  "$tool" release "$h1"
  getent passwd berth-tcln1          # h2 still holds it
  kill "$h2"; wait "$h2" 2>/dev/null || true
  "$tool" release "$h1"              # a dead holder does not count
  run getent passwd berth-tcln1
  [ "$status" -ne 0 ]
  run grep -c '^berth-tcln1:' /etc/subuid /etc/subgid
  [ "$output" = "$(printf '/etc/subuid:0\n/etc/subgid:0')" ]
  [ ! -e /home/berth-tcln1 ]
}

@test "a user that existed before is kept" {
  useradd --shell /bin/sh --user-group berth-tcln2
  sleep 1000 3>&- & h1=$!
  holders=$h1
  "$tool" hold "$h1"
  "$tool" create berth-tcln2 >/dev/null
  grep -q '^berth-tcln2:' /etc/subuid
  "$tool" release "$h1"
  getent passwd berth-tcln2
}
