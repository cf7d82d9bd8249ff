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

# man_page_gaps BERTH MANDIR [PATH] - walks `berth --help` (every visible command and subcommand
# of the table, recursively) and prints "no page: CMD" when MANDIR has no berth-CMD.1 (its own
# page or a ".so" link to the page that documents it), and "CMD: --opt not documented" for each
# long option of CMD's --help that the page does not mention.
man_page_gaps() {
  local bin=$1 mandir=$2 path=${3:-} page file text sub opt
  page="berth${path:+-${path// /-}}.1"
  file="$mandir/$page"
  if [ -f "$file" ] && [[ "$(head -1 "$file")" == ".so "* ]]; then
    file="$mandir/$(head -1 "$file" | sed 's|^\.so man1/||')"
  fi
  if [ ! -f "$file" ]; then
    echo "no page: berth${path:+ $path} ($page)"
  elif [ -n "$path" ]; then
    # roff escapes dashes (\-) and marks fonts (\fB): undo both before looking for --opt.
    text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$file")
    for opt in $("$bin" $path --help | sed -n '/^Options:/,$p' | grep -o -- ' --[a-z0-9-]*' | sort -u); do
      [ "$opt" = --help ] && continue
      grep -qF -- "$opt" <<<"$text" || echo "berth $path: $opt not documented in ${file##*/}"
    done
  fi
  for sub in $("$bin" $path --help | awk '/^Available Commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }'); do
    man_page_gaps "$bin" "$mandir" "${path:+$path }$sub"
  done
}

@test "every command and subcommand has an installed manual page documenting its options" {
  dest=$(mktemp -d "$BATS_FILE_TMPDIR/dest.XXXXXX")
  run meson install -C "$BERTH_BUILD" --destdir "$dest" --quiet
  [ "$status" -eq 0 ]
  prefix=$(meson introspect "$BERTH_BUILD" --buildoptions | jq -r '.[] | select(.name=="prefix") | .value')
  mandir=$dest$prefix/share/man/man1
  run man_page_gaps "$dest$prefix/bin/berth" "$mandir"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # the walk really reaches subcommands and options: a page removed is reported
  rm "$mandir/berth-volume.1"
  run man_page_gaps "$dest$prefix/bin/berth" "$mandir" volume
  [[ "$output" == *"no page: berth volume ls (berth-volume-ls.1)"* ]]
  sed -i 's/--sort//g' "$mandir/berth-images.1"
  run man_page_gaps "$dest$prefix/bin/berth" "$mandir" images
  [[ "$output" == *"berth images: --sort not documented in berth-images.1"* ]]
  # man itself follows the links
  if command -v man >/dev/null; then
    run env MANPATH="$dest$prefix/share/man" man -P cat berth-kill
    [[ "$output" == *"berth-stop"* ]]
  fi
  rm -rf "$dest"
}
