# SPDX-License-Identifier: Apache-2.0
# containers_helpers.bash - shared by containers*.bats and run*.bats (lifecycle's suites).

# test_process_pids - pids of the processes whose command line mentions this file's store
# (containers' monitors, berth commands), but not this shell.
test_process_pids() {
  [ -n "${BERTH_TEST_DIR:-}" ] || return 0
  local p cmd
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    { cmd=$(tr '\0' ' ' <"/proc/$p/cmdline"); } 2>/dev/null || continue
    case "$cmd" in *"$BERTH_TEST_DIR"*) echo "$p" ;; esac
  done
}

# kill_test_processes - SIGKILL every process of test_process_pids (and through the monitors
# nothing else survives): by pid, one at a time.
kill_test_processes() {
  local p
  for p in $(test_process_pids); do kill -9 "$p" 2>/dev/null || true; done
}

# no_test_processes - true when test_process_pids finds none (for wait_until).
no_test_processes() { [ -z "$(test_process_pids)" ]; }

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

# simulate_reboot - what a reboot does to this file's store: every container and berth process
# dies (monitors first: a monitor that sees its container die would apply the restart policy at
# once) and the runroot, a tmpfs on real hosts, comes back empty.
simulate_reboot() {
  local pids pid
  pids=$(berth ps --format '{{.Pid}}')
  kill_test_processes
  for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in $pids; do wait_until 30 pid_gone "$pid"; done
  wait_until 30 no_test_processes
  umount -R "$BERTH_TEST_RUNROOT" 2>/dev/null || true
  rm -rf "$BERTH_TEST_RUNROOT"
  mkdir -p "$BERTH_TEST_RUNROOT"
}

# ctr_state NAME - the container's State.Status.
ctr_state() {
  berth container inspect --format '{{.State.Status}}' "$1"
}

# ctr_has NAME PATH - true when PATH exists in the running container NAME, seen from the host
# through /proc (for wait_until; unlike exec it adds no events to the container's).
ctr_has() {
  local pid
  pid=$(berth container inspect --format '{{.State.Pid}}' "$1" 2>/dev/null) || return 1
  [ "${pid:-0}" -gt 0 ] && [ -e "/proc/$pid/root$2" ]
}

# follow_logs NAME OUT - `logs -f NAME` in the background (its pid in LOGS_PID), its output to
# OUT; returns once it holds the log open. A container that starts writing only when /tmp/go
# appears (ctr_go NAME) then loses no line to a rotation the follower would have come too late for.
follow_logs() {
  "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" logs -f "$1" >"$2" 3>&- &
  LOGS_PID=$!
  wait_until 30 holds_open "$LOGS_PID" /ctr.log
}

# ctr_go NAME - create /tmp/go in the running container NAME (from the host: no exec event).
ctr_go() {
  local pid
  pid=$(berth container inspect --format '{{.State.Pid}}' "$1") && touch "/proc/$pid/root/tmp/go"
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

# no_cli_left - true when no berth CLI process works on this file's store (for wait_until).
no_cli_left() {
  [ -z "$(berth_cli_pids)" ]
}
