#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# completion.bats - the walkthrough starts by pressing Tab twice: `berth completion bash`
# offers commands with their descriptions, options, and names from the store.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  berth_test_setup_file
  busybox_image
  berth create --name comp-one localhost/busybox true >/dev/null
}
teardown_file() {
  berth rm -f comp-one >/dev/null 2>&1 || true
  berth_test_teardown_file
}

# tab_complete WORDS... - what double-Tab offers after WORDS (the last word is being typed)
tab_complete() {
  source <("$BERTH_BIN" completion bash)
  COMP_WORDS=("$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" "$@")
  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
  COMPREPLY=()
  _berth
  printf '%s\n' "${COMPREPLY[@]}"
}

@test "double-Tab lists commands with one-line descriptions" {
  run tab_complete ""
  [ "$status" -eq 0 ]
  [[ "$output" == *"run "*"(Run a command in a new container)"* ]]
  [[ "$output" == *"images "*"(List images in local storage)"* ]]
  [[ "$output" != *__complete* ]]
}

@test "a prefix narrows the list; a single match is inserted bare" {
  run tab_complete ima
  [[ "$output" == *"image "*"(Manage images)"* ]]
  [[ "$output" == *"images "* ]]
  [[ "$output" != *"run "* ]]
  run tab_complete gener
  [ "$output" = generate ]
  run tab_complete generate ""
  [[ "$output" == systemd ]]
}

@test "options, container and image names complete" {
  run tab_complete run --na
  [ "${lines[0]}" = --name ]
  run tab_complete stop ""
  [[ "$output" == *comp-one* ]]
  run tab_complete run -d --name x ""
  [[ "$output" == *localhost/busybox:latest* ]]
}

@test "completion refuses other shells" {
  run "$BERTH_BIN" completion fish
  [ "$status" -eq 125 ]
  [[ "$output" == *"unsupported shell fish"* ]]
}
