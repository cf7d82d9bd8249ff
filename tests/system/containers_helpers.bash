# SPDX-License-Identifier: Apache-2.0
# containers_helpers.bash - shared by containers*.bats and run*.bats (lifecycle's suites).

# kill_test_processes - SIGKILL every process whose command line mentions this file's store
# (containers' monitors, and through them nothing else survives): by pid, one at a time.
kill_test_processes() {
  [ -n "${BERTH_TEST_DIR:-}" ] || return 0
  local p cmd
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    { cmd=$(tr '\0' ' ' <"/proc/$p/cmdline"); } 2>/dev/null || continue
    case "$cmd" in
    *"$BERTH_TEST_DIR"*) kill -9 "$p" 2>/dev/null || true ;;
    esac
  done
}

# containers_teardown_file - stop every container of this file's store, kill leftovers by pid,
# then remove the store.
containers_teardown_file() {
  if [ -n "${BERTH_TEST_DIR:-}" ] && [ -d "$BERTH_TEST_ROOT" ]; then
    local pid
    for pid in $(berth ps -a --format '{{.Pid}}' 2>/dev/null); do
      [ "$pid" -gt 0 ] 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    done
    kill_test_processes
    berth rm -a -f >/dev/null 2>&1 || true
  fi
  berth_test_teardown_file
}

# wait_for COUNT CMD... - retry CMD every 0.1 s up to COUNT times.
wait_for() {
  local n=$1 i
  shift
  for ((i = 0; i < n; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# ctr_state NAME - the container's State.Status.
ctr_state() {
  berth container inspect --format '{{.State.Status}}' "$1"
}

# berth_cli_pids - pids of berth CLI processes (not monitors) working on this file's store.
berth_cli_pids() {
  local p exe cmd
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    { exe=$(readlink "/proc/$p/exe"); cmd=$(tr '\0' ' ' <"/proc/$p/cmdline"); } 2>/dev/null || continue
    [ "${exe##*/}" = berth ] || continue
    case "$cmd" in *"$BERTH_TEST_ROOT"*) echo "$p" ;; esac
  done
}

# no_cli_left - true when no berth CLI process works on this file's store (for wait_for).
no_cli_left() {
  [ -z "$(berth_cli_pids)" ]
}
