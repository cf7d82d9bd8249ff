# SPDX-License-Identifier: Apache-2.0
# api_helpers.bash - start and stop `berth system service` for the API suites.

# api_start [ARGS...] - serve this file's store on $API_SOCK (never idle-exits unless told).
api_start() {
  export API_SOCK="$BERTH_TEST_DIR/api.sock"
  # The binary itself, not the `berth` shell function: $! must be the server's own pid.
  "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" system service --time 0 \
    "$@" "unix://$API_SOCK" >"$BERTH_TEST_DIR/api.log" 2>&1 3>&- &
  echo $! >"$BERTH_TEST_DIR/api.pid"
  wait_until 30 test -S "$API_SOCK" && return 0
  cat "$BERTH_TEST_DIR/api.log" >&2
  return 1
}

# api_stop - end the service this file started (by its pid).
api_stop() {
  [ -f "$BERTH_TEST_DIR/api.pid" ] || return 0
  kill "$(cat "$BERTH_TEST_DIR/api.pid")" 2>/dev/null || true
  rm -f "$BERTH_TEST_DIR/api.pid"
}

# api_curl ARGS... - curl through the service socket; prints the body, then the status code.
api_curl() {
  curl -sS -m 20 --unix-socket "$API_SOCK" -w '\n%{http_code}' "$@"
}
