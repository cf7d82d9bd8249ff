# SPDX-License-Identifier: Apache-2.0
# wait.bash - polling for bats suites, sourced by tests/system/helpers.bash and
# tests/lib/registry-helpers.bash.

# wait_until SECONDS CMD... - run CMD (a command or a shell function) every 0.1 s until it
# succeeds; after SECONDS say what never came true and fail. Tests poll with it instead of
# sleeping a fixed time: CI is a loaded 2-core machine, so give it 20-30 s or more.
wait_until() {
  local secs=$1 deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "wait_until: still false after ${secs}s: $*" >&2
      return 1
    fi
    sleep 0.1
  done
}
