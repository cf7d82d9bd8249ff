#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# build_rootless.bats - commit, diff, export and build as an unprivileged user with /etc/subuid
# ranges: layers are read and written inside the store's user namespace, so owners come out as
# the container sees them.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers
load rootless_helpers

setup_file() { rootless_setup_file; }
teardown_file() { rootless_teardown_file; }

@test "rootless: commit keeps the owners the container gave its files; diff and export work" {
  as_user run --name w localhost/busybox sh -c 'echo x >/f; chown 1234:4321 /f; mkdir -m 700 /priv; echo p >/priv/q; rm /bin/vi'
  run as_user commit -q w localhost/rl-commit
  [ "$status" -eq 0 ]
  run as_user run --rm localhost/rl-commit sh -c 'stat -c %u:%g /f; cat /priv/q; test -e /bin/vi || echo gone'
  [ "$output" = "$(printf '1234:4321\np\ngone')" ]
  run as_user diff w
  [[ "$output" == *"A /f"* ]]
  [[ "$output" == *"A /priv/q"* ]]
  [[ "$output" == *"D /bin/vi"* ]]
  as_user export -o "$BERTH_TEST_DIR/w.tar" w
  run tar -tvf "$BERTH_TEST_DIR/w.tar"
  [[ "$output" == *"1234/4321"*" f"* ]]
  [[ "$output" == *"bin/busybox"* ]]
  as_user commit -q --squash w localhost/rl-squash
  run as_user run --rm localhost/rl-squash sh -c 'stat -c %u:%g /f; test -e /bin/vi || echo gone'
  [ "$output" = "$(printf '1234:4321\ngone')" ]
  as_user rm w
}

@test "rootless: build with RUN and COPY --chown" {
  d="$BERTH_TEST_DIR/ctx"
  mkdir -p "$d"
  echo data >"$d/data.txt"
  printf 'FROM localhost/busybox\nCOPY --chown=100:200 data.txt /data.txt\nRUN chown 7:8 /data.txt && echo ran >/ran\nCMD ["sh", "-c", "stat -c %%u:%%g /data.txt; cat /ran"]\n' >"$d/Containerfile"
  chown -R "$RL_USER:" "$d"
  run as_user build -q -t localhost/rl-build "$d"
  [ "$status" -eq 0 ]
  run as_user run --rm localhost/rl-build
  [ "$output" = "$(printf '7:8\nran')" ]
}
