#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# rootless-user.sh - create or remove an unprivileged user for berth's rootless test runs.
#
#   tests/lib/rootless-user.sh create [NAME] [--no-subids]   prints NAME (default berth-test)
#   tests/lib/rootless-user.sh remove [NAME]
#
# "create" is idempotent: it adds the user (home /home/NAME, shell /bin/sh) if missing and, unless
# --no-subids, one 65536-id range in /etc/subuid and /etc/subgid that overlaps no other line
# (first free slot from 200000 on). With --no-subids any ranges of NAME are removed instead, for
# testing the single-id fallback. "remove" deletes the user, its home and its ranges. Concurrent
# callers are serialised with flock on /run/lock/berth-rootless-user.lock. Must run as root.
set -euo pipefail

die() { echo "rootless-user.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (it edits /etc/passwd, /etc/subuid, /etc/subgid)"

cmd=${1:-}
name=berth-test
subids=1
shift || true
for a in "$@"; do
  case "$a" in
  --no-subids) subids=0 ;;
  -*) die "unknown option $a" ;;
  *) name=$a ;;
  esac
done
[[ "$name" =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] || die "bad user name \"$name\""

exec 9>/run/lock/berth-rootless-user.lock
flock 9
touch /etc/subuid /etc/subgid

drop_ranges() { # $1 = file
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  grep -v "^$name:" "$1" >"$tmp" || true
  chmod 644 "$tmp"
  mv "$tmp" "$1"
}

# first_free FILE - a 65536-aligned start >= 200000 that no line of FILE overlaps
first_free() {
  local start=200000 size=65536 s c ok
  while :; do
    ok=1
    while IFS=: read -r _ s c; do
      [[ "$s" =~ ^[0-9]+$ && "$c" =~ ^[0-9]+$ ]] || continue
      if ((s < start + size && start < s + c)); then ok=0; break; fi
    done <"$1"
    ((ok)) && { echo "$start"; return; }
    start=$((start + size))
  done
}

case "$cmd" in
create)
  if ! getent passwd "$name" >/dev/null; then
    useradd --create-home --shell /bin/sh --user-group "$name" >/dev/null
  fi
  if ((subids)); then
    for f in /etc/subuid /etc/subgid; do
      grep -q "^$name:" "$f" || echo "$name:$(first_free "$f"):65536" >>"$f"
    done
  else
    drop_ranges /etc/subuid
    drop_ranges /etc/subgid
  fi
  echo "$name"
  ;;
remove)
  drop_ranges /etc/subuid
  drop_ranges /etc/subgid
  if getent passwd "$name" >/dev/null; then
    pkill_pids=$(pgrep -u "$name" || true)
    for p in $pkill_pids; do kill -9 "$p" 2>/dev/null || true; done
    userdel --remove "$name" >/dev/null 2>&1 || userdel "$name"
  fi
  ;;
*)
  die "usage: rootless-user.sh create [NAME] [--no-subids] | remove [NAME]"
  ;;
esac
