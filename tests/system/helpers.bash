# SPDX-License-Identifier: Apache-2.0
# helpers.bash - shared by every bats suite of berth.
#
# Each .bats file gets its own store: berth_test_setup_file makes a temp dir with root/ and
# runroot/ in it and exports BERTH_TEST_ROOT / BERTH_TEST_RUNROOT; the `berth` function passes
# them as --root/--runroot. berth_test_teardown_file unmounts anything left under that dir and
# removes it. Typical file:
#
#   load helpers
#   setup_file()    { berth_test_setup_file; }
#   teardown_file() { berth_test_teardown_file; }
#   @test "..." { busybox_image; run berth images; [ "$status" -eq 0 ]; }

BERTH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The build to test: $BERTH_BUILD, else build-ci, else the first other build dir that has a berth.
berth_find_build() {
  if [ -n "${BERTH_BUILD:-}" ] && [ -x "$BERTH_BUILD/src/berth" ]; then
    echo "$BERTH_BUILD"; return 0
  fi
  local d
  for d in "$BERTH_TOP/build-ci" "$BERTH_TOP"/build-* "$BERTH_TOP/build"; do
    [ -x "$d/src/berth" ] && { echo "$d"; return 0; }
  done
  echo "helpers.bash: no berth binary found: build first (meson setup build-ci && ninja -C build-ci)" >&2
  return 1
}
BERTH_BUILD=$(berth_find_build) || true
export BERTH_BUILD
BERTH_BIN=${BERTH_BIN:-$BERTH_BUILD/src/berth}

# berth_test_setup_file - per-file store dirs (call from setup_file).
berth_test_setup_file() {
  BERTH_TEST_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/berth-test.XXXXXX")
  export BERTH_TEST_DIR
  export BERTH_TEST_ROOT="$BERTH_TEST_DIR/root"
  export BERTH_TEST_RUNROOT="$BERTH_TEST_DIR/runroot"
  mkdir -p "$BERTH_TEST_ROOT" "$BERTH_TEST_RUNROOT"
  # Never let a test read the host's configuration by accident.
  export CONTAINERS_CONF="$BERTH_TEST_DIR/containers.conf"
  export CONTAINERS_STORAGE_CONF="$BERTH_TEST_DIR/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$BERTH_TEST_DIR/registries.conf"
  : >"$CONTAINERS_CONF"; : >"$CONTAINERS_STORAGE_CONF"; : >"$CONTAINERS_REGISTRIES_CONF"
  # berth's caches (blob locations, plain-HTTP registries) stay in the test's dir, not ~/.cache
  export XDG_CACHE_HOME="$BERTH_TEST_DIR/cache"
}

# berth_unmount_under DIR - lazily unmount every mount point below DIR, deepest first.
berth_unmount_under() {
  local dir=$1 m
  [ -n "$dir" ] || return 0
  awk '{print $5}' /proc/self/mountinfo | grep "^$dir/" | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

# berth_test_teardown_file - unmount and remove the per-file dirs (call from teardown_file).
berth_test_teardown_file() {
  [ -n "${BERTH_TEST_DIR:-}" ] && [ -d "$BERTH_TEST_DIR" ] || return 0
  berth_unmount_under "$BERTH_TEST_DIR"
  chattr -R -i "$BERTH_TEST_DIR" 2>/dev/null || true
  rm -rf "$BERTH_TEST_DIR"
}

# berth ARGS... - run the berth under test against this file's store.
berth() {
  "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" "$@"
}

# busybox_tarball - print the path of a busybox rootfs tarball (made once per file).
busybox_tarball() {
  local tar="$BERTH_TEST_DIR/busybox.tar"
  if [ ! -s "$tar" ]; then
    if [ -x "$BERTH_TOP/tests/lib/make-busybox-tar" ]; then
      local made
      made=$("$BERTH_TOP/tests/lib/make-busybox-tar") || return 1
      cp "$made" "$tar" || return 1
    else
      # Fallback until tests/lib/make-busybox-tar exists: /bin/busybox plus its applet links.
      local d="$BERTH_TEST_DIR/busybox-rootfs" a
      rm -rf "$d"; mkdir -p "$d/bin" "$d/etc" "$d/tmp" "$d/root" "$d/dev" "$d/proc" "$d/sys"
      cp /bin/busybox "$d/bin/busybox"
      for a in $(/bin/busybox --list); do
        [ "$a" = busybox ] || ln -sf busybox "$d/bin/$a"
      done
      printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$d/etc/passwd"
      printf 'root:x:0:\nnobody:x:65534:\n' >"$d/etc/group"
      chmod 1777 "$d/tmp"
      tar -C "$d" --numeric-owner --owner=0 --group=0 -cf "$tar" . || return 1
    fi
  fi
  echo "$tar"
}

# busybox_image - import localhost/busybox:latest once per store (idempotent).
busybox_image() {
  if berth image exists localhost/busybox:latest 2>/dev/null; then
    return 0
  fi
  local tar
  tar=$(busybox_tarball) || return 1
  berth import --change 'CMD ["/bin/sh"]' "$tar" localhost/busybox:latest >/dev/null
}

# random_port - print a free TCP port on 127.0.0.1.
random_port() {
  local p i
  for i in $(seq 1 50); do
    p=$(( (RANDOM % 20000) + 30000 ))
    if ! port_open "$p"; then
      echo "$p"; return 0
    fi
  done
  echo "random_port: no free port found" >&2
  return 1
}

# wait_until SECONDS CMD... (tests/lib/wait.bash)
. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.bash"

# pid_gone PID - true when process PID has ended: no such process, or a zombie its parent has
# not reaped yet (for wait_until).
pid_gone() {
  local st
  kill -0 "$1" 2>/dev/null || return 0
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
  [ "${st:0:1}" = Z ]
}

# holds_open PID SUFFIX - true when process PID, or a child of it (timeout's), has a file whose
# path ends in SUFFIX open: a follower (logs -f, events) has started reading (for wait_until).
holds_open() {
  local p
  for p in "$1" $(pgrep -P "$1"); do
    ls -l "/proc/$p/fd" 2>/dev/null | grep -q -- "$2\$" && return 0
  done
  return 1
}

# port_open PORT - true when something listens on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for_port PORT [TIMEOUT_SECONDS] - wait until something listens on 127.0.0.1:PORT.
wait_for_port() {
  wait_until "${2:-30}" port_open "$1"
}

# http_ok URL - true when URL answers 2xx (for wait_until: a published port listens before the
# server behind it does, and a request in between gets no answer).
http_ok() { curl -sf --max-time 10 -o /dev/null "$1"; }

# inspect_is NAME FORMAT VALUE - true when `berth inspect --format FORMAT NAME` prints VALUE
# (for wait_until).
inspect_is() {
  [ "$(berth inspect --format "$2" "$1" 2>/dev/null)" = "$3" ]
}

# is_rootless - true when the tests run as an unprivileged user.
is_rootless() { [ "$(id -u)" -ne 0 ]; }
