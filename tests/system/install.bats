#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# install.bats - `meson install` lays out the programs, manual pages and systemd units, and the
# installed berth finds its helper programs next to itself.

load helpers

@test "meson install puts programs, man pages and units in place" {
  dest=$(mktemp -d "$BATS_FILE_TMPDIR/dest.XXXXXX")
  run meson install -C "$BERTH_BUILD" --destdir "$dest" --quiet
  [ "$status" -eq 0 ]
  prefix=$(meson introspect "$BERTH_BUILD" --buildoptions | jq -r '.[] | select(.name=="prefix") | .value')
  for p in berth berth-transfer berth-monitor berth-registry berth-api; do
    [ -x "$dest$prefix/bin/$p" ]
  done
  [ -f "$dest$prefix/share/man/man1/berth-generate-systemd.1" ]
  grep -q "^ExecStart=$prefix/bin/berth start --all --filter restart-policy=always$" \
    "$dest$prefix/lib/systemd/system/berth-restart.service"
  [ -f "$dest$prefix/lib/systemd/user/berth-restart.service" ]
  # copy runs in berth-transfer: found next to the installed berth, it reports the bad source.
  run "$dest$prefix/bin/berth" --root "$BATS_FILE_TMPDIR/r" --runroot "$BATS_FILE_TMPDIR/rr" \
    copy oci:/nonexistent/layout:x dir:"$BATS_FILE_TMPDIR/out"
  [ "$status" -eq 125 ]
  [[ "$output" != *"cannot run"* ]]
  [[ "$output" == *nonexistent* ]]
  rm -rf "$dest"
}
