# SPDX-License-Identifier: Apache-2.0
# setup_suite.bash - once per bats run of tests/system: the rootless suites create the test
# users (tests/lib/rootless-user.sh) as they need them; at the end of the run those users and
# their /etc/subuid and /etc/subgid lines are removed again, unless another run still holds them.

setup_suite() {
  if [ "$(id -u)" -eq 0 ]; then
    "$(dirname "${BASH_SOURCE[0]}")/../lib/rootless-user.sh" hold "$BATS_ROOT_PID"
  fi
}

teardown_suite() {
  if [ "$(id -u)" -eq 0 ]; then
    "$(dirname "${BASH_SOURCE[0]}")/../lib/rootless-user.sh" release "$BATS_ROOT_PID"
  fi
}
