#!/usr/bin/env bats
# store-crash.bats - kill -9 at every point of import, load and rmi leaves a store that system check
# reports clean (and that keeps working); two berth processes on one store never corrupt it.
#
# The kill points are named in the store code (store_crash_point()); $BERTH_STORE_CRASH_AT
# makes the process SIGKILL itself there, exactly as a kill -9 at that moment would.

load helpers

setup_file() { berth_test_setup_file; }
teardown_file() { berth_test_teardown_file; }

mktar() { # NAME [SIZE_KB]: a rootfs tarball with some content
  local d="$BATS_TEST_TMPDIR/rootfs-$1"
  mkdir -p "$d/data"
  echo "$1" >"$d/data/name"
  head -c "$(( ${2:-64} * 1024 ))" /dev/urandom >"$d/data/blob"
  tar -C "$d" -cf "$BATS_TEST_TMPDIR/$1.tar" .
  echo "$BATS_TEST_TMPDIR/$1.tar"
}

assert_clean() {
  run berth system check
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"No errors found"* ]]
  # nothing left behind: every blob, layer dir and temp entry is referenced or gone
  [ -z "$(ls -A "$BERTH_TEST_ROOT/tmp")" ]
  local layers dirs
  layers=$(sqlite3 "$BERTH_TEST_ROOT/berth.db" "SELECT count(*) FROM layers")
  dirs=$(ls "$BERTH_TEST_ROOT/overlay" | wc -l)
  [ "$layers" -eq "$dirs" ]
}

@test "kill -9 at each point of import leaves a clean store" {
  for point in blob-before-rename blob-after-rename layer-after-extract layer-before-rename \
               layer-before-commit image-before-record; do
    tar=$(mktar "imp-$point")
    run env BERTH_STORE_CRASH_AT=$point "$BERTH_BIN" --root "$BERTH_TEST_ROOT" \
      --runroot "$BERTH_TEST_RUNROOT" import "$tar" "imp-$point"
    echo "point $point: status $status"
    [ "$status" -eq 137 ]
    run berth image exists "imp-$point"
    [ "$status" -eq 1 ]
    assert_clean
    # and the same import works afterwards
    berth import "$tar" "imp-$point" >/dev/null
    berth image exists "imp-$point"
    assert_clean
  done
}

@test "kill -9 at each point of load (docker-archive and oci-archive) leaves a clean store" {
  local tar
  tar=$(mktar load-src)
  berth import "$tar" localhost/load-src >/dev/null
  berth save -o "$BATS_TEST_TMPDIR/load.docker.tar" localhost/load-src
  berth save --format oci-archive -o "$BATS_TEST_TMPDIR/load.oci.tar" localhost/load-src
  berth rmi localhost/load-src >/dev/null
  assert_clean
  for fmt in docker oci; do
    for point in blob-before-rename blob-after-rename layer-after-extract layer-before-rename \
                 layer-before-commit image-before-record; do
      run env BERTH_STORE_CRASH_AT=$point "$BERTH_BIN" --root "$BERTH_TEST_ROOT" \
        --runroot "$BERTH_TEST_RUNROOT" load -q -i "$BATS_TEST_TMPDIR/load.$fmt.tar"
      echo "$fmt point $point: status $status"
      [ "$status" -eq 137 ]
      run berth image exists localhost/load-src
      [ "$status" -eq 1 ]
      assert_clean
    done
    run berth load -q -i "$BATS_TEST_TMPDIR/load.$fmt.tar"
    [ "$status" -eq 0 ]
    berth image exists localhost/load-src
    assert_clean
    berth rmi localhost/load-src >/dev/null
  done
}

@test "kill -9 at each point of rmi leaves a clean store" {
  for point in rmi-before-delete rmi-after-commit layer-remove-after-rename rmi-after-layers; do
    tar=$(mktar "rm-$point")
    berth import "$tar" "rm-$point" >/dev/null
    run env BERTH_STORE_CRASH_AT=$point "$BERTH_BIN" --root "$BERTH_TEST_ROOT" \
      --runroot "$BERTH_TEST_RUNROOT" rmi "rm-$point"
    echo "point $point: status $status"
    [ "$status" -eq 137 ]
    assert_clean
    berth rmi -i "rm-$point" >/dev/null
    run berth image exists "rm-$point"
    [ "$status" -eq 1 ]
    assert_clean
  done
}

@test "kill -9 at random moments of a large import leaves a clean store" {
  tar=$(mktar big 20000)
  for delay in 0.05 0.15 0.3 0.5; do
    "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" import "$tar" big \
      >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" || true
    assert_clean
  done
  berth rmi -i big >/dev/null
  assert_clean
}

@test "two concurrent imports on one store" {
  a=$(mktar conc-a 4000)
  b=$(mktar conc-b 4000)
  berth import "$a" conc-a >"$BATS_TEST_TMPDIR/a.out" 2>&1 &
  pa=$!
  berth import "$b" conc-b >"$BATS_TEST_TMPDIR/b.out" 2>&1 &
  pb=$!
  # the same tarball twice at once: one layer, one image, both succeed
  berth import "$a" conc-a2 >"$BATS_TEST_TMPDIR/c.out" 2>&1 &
  pc=$!
  wait "$pa"
  wait "$pb"
  wait "$pc"
  berth image exists conc-a
  berth image exists conc-b
  berth image exists conc-a2
  [ "$(berth image inspect --format '{{.Id}}' conc-a)" = "$(berth image inspect --format '{{.Id}}' conc-a2)" ] ||
    [ "$(berth image inspect --format '{{json .RootFS.Layers}}' conc-a)" = "$(berth image inspect --format '{{json .RootFS.Layers}}' conc-a2)" ]
  assert_clean
}

@test "concurrent import, rmi and system check never corrupt the store" {
  for i in 1 2 3; do mktar "mix-$i" 2000 >/dev/null; done
  for i in 1 2 3; do
    berth import "$BATS_TEST_TMPDIR/mix-$i.tar" "mix-$i" >/dev/null 2>&1 &
  done
  berth system check >/dev/null 2>&1 &
  wait
  for i in 1 2 3; do berth image exists "mix-$i"; done
  for i in 1 2; do berth rmi "mix-$i" >/dev/null 2>&1 & done
  berth import "$BATS_TEST_TMPDIR/mix-1.tar" mix-again >/dev/null 2>&1 &
  wait
  berth image exists mix-3
  berth image exists mix-again
  assert_clean
  [ "$(sqlite3 "$BERTH_TEST_ROOT/berth.db" 'PRAGMA integrity_check')" = ok ]
}
