#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# rootless-user.sh - create or remove an unprivileged user for berth's rootless test runs.
#
#   tests/lib/rootless-user.sh create [NAME] [--no-subids]   prints NAME (default berth-test)
#   tests/lib/rootless-user.sh remove [NAME]
#   tests/lib/rootless-user.sh hold PID            the test run PID may use the test users
#   tests/lib/rootless-user.sh release PID         PID is done: once no live holder is left,
#                                                  remove every user "create" made (not users
#                                                  that existed before), leaving the host as found
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
[[ "$cmd" == hold || "$cmd" == release || "$name" =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] || die "bad user name \"$name\""

exec 9>/run/lock/berth-rootless-user.lock
flock 9
touch /etc/subuid /etc/subgid
# Users "create" made (one file per name) and the runs holding them (one file per pid).
state=${BERTH_ROOTLESS_STATE:-/run/lock/berth-rootless-user.d}
mkdir -p "$state/made" "$state/holders"

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

remove_user() { # $1 = name: the user, its home, its ranges
  local name=$1 p
  drop_ranges /etc/subuid
  drop_ranges /etc/subgid
  if getent passwd "$name" >/dev/null; then
    for p in $(pgrep -u "$name" || true); do kill -9 "$p" 2>/dev/null || true; done
    userdel --remove "$name" >/dev/null 2>&1 || userdel "$name"
  fi
  rm -f "$state/made/$name"
}

case "$cmd" in
create)
  if ! getent passwd "$name" >/dev/null; then
    useradd --create-home --shell /bin/sh --user-group "$name" >/dev/null
    : >"$state/made/$name"
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
  remove_user "$name"
  ;;
hold | release)
  [[ "$name" =~ ^[0-9]+$ ]] || die "usage: rootless-user.sh $cmd PID"
  if [ "$cmd" = hold ]; then
    : >"$state/holders/$name"
    exit 0
  fi
  rm -f "$state/holders/$name"
  for h in "$state"/holders/*; do # holders that died without releasing do not count
    [ -e "$h" ] || continue
    kill -0 "${h##*/}" 2>/dev/null && exit 0
    rm -f "$h"
  done
  for m in "$state"/made/*; do
    [ -e "$m" ] || continue
    remove_user "${m##*/}"
  done
  ;;
*)
  die "usage: rootless-user.sh create [NAME] [--no-subids] | remove [NAME] | hold PID | release PID"
  ;;
esac
