#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# terminal.bats - real terminals (tmux panes) in front of run -it, exec -it, start -ai and
# attach: typing, Ctrl+D, exit codes, resizes reaching `stty size`, detach keys, two clients.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  command -v tmux >/dev/null || skip "tmux is not installed (scripts/install-deps)"
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }

setup() {
  TMUX_SOCK="berth-living-$$-$BATS_TEST_NUMBER"
}
teardown() {
  tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
}

# B - the berth command line of this store, for tmux panes
B() {
  echo "$BERTH_BIN --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT"
}

# pane NAME CMD - a detached 100x30 tmux session running CMD, then "EXIT=<code>"
pane() {
  tmux -L "$TMUX_SOCK" new-session -d -s "$1" -x 100 -y 30 "$2; echo EXIT=\$?; sleep 60"
}
keys() { tmux -L "$TMUX_SOCK" send-keys -t "$@"; }
screen() { tmux -L "$TMUX_SOCK" capture-pane -t "$1" -p; }
# screen_shows NAME TEXT - true when TEXT is on the pane
screen_shows() { screen "$1" | grep -qF -- "$2"; }
# screen_has NAME TEXT - wait (up to 30 s: a loaded machine is slow) for TEXT on the pane
screen_has() {
  wait_until 30 screen_shows "$1" "$2" && return 0
  screen "$1" >&2
  return 1
}
# prompts NAME N - true when the pane shows N shell prompts or more (the shell is ready for more)
prompts() { [ "$(screen "$1" | grep -c '^/ #')" -ge "$2" ]; }
# size_shown NAME "ROWS COLS" - type `clear; stty size` and see whether it answers that size (a
# resize travels through berth to the container's terminal: on a loaded machine it takes a while)
size_shown() {
  keys "$1" 'clear; stty size' Enter
  sleep 0.5
  screen "$1" | grep -qx -- "$2"
}
# echo_seen FROM TO WORD - type `echo WORD` on pane FROM and see whether pane TO shows it (TO's
# client may still be on its way to attach)
echo_seen() {
  keys "$1" "echo ${3:0:3}\"\"${3:3}" Enter
  sleep 0.5
  screen "$2" | grep -qx -- "$3"
}

@test "run -it sh: typing echo hi shows hi, TERM is set, Ctrl+D exits with the shell's code" {
  pane one "$(B) run -it --rm --name t1 localhost/busybox sh"
  screen_has one '/ #'
  keys one 'echo h""i; echo term=$TERM' Enter
  screen_has one 'term=xterm'
  screen one | grep -qx 'hi'
  keys one 'false' Enter
  wait_until 30 prompts one 3 # Ctrl+D at the next prompt
  keys one C-d
  screen_has one 'EXIT=1'
}

@test "run -it: resizing the terminal reaches stty size" {
  pane one "$(B) run -it --rm localhost/busybox sh"
  screen_has one '/ #'
  keys one 'stty size' Enter
  screen_has one '30 100'
  tmux -L "$TMUX_SOCK" resize-window -t one -x 80 -y 24
  wait_until 30 size_shown one '24 80'
  keys one 'exit 3' Enter
  screen_has one 'EXIT=3'
}

@test "exec -it NAME sh: works inside, resize reaches it, Ctrl+D leaves; the container runs on" {
  berth run -d --name myregistry localhost/busybox sleep 1000
  pane one "$(B) exec -it myregistry sh"
  screen_has one '/ #'
  tmux -L "$TMUX_SOCK" resize-window -t one -x 90 -y 25
  wait_until 30 size_shown one '25 90'
  keys one 'echo $TERM' Enter
  screen_has one 'xterm'
  keys one C-d
  screen_has one 'EXIT=0'
  [ "$(ctr_state myregistry)" = running ]
}

@test "exec into a stopped container fails with podman's message and 125" {
  berth create --name stopped localhost/busybox sleep 1000
  run berth exec stopped true
  [ "$status" -eq 125 ]
  [[ "$output" == *"can only create exec sessions on running containers: container state improper"* ]]
  run berth exec -it stopped sh
  [ "$status" -eq 125 ]
}

@test "attach: two clients see the output, ctrl-p,ctrl-q detaches one and the container runs on" {
  berth run -dit --name shared localhost/busybox sh
  pane one "$(B) attach shared"
  pane two "$(B) attach shared"
  wait_until 30 echo_seen one two world
  screen_has one 'world'
  keys one C-p C-q
  screen_has one 'EXIT=0'
  [ "$(ctr_state shared)" = running ]
  # the other client is still attached and can type
  keys two 'echo sec""ond' Enter
  screen_has two 'second'
  # a custom detach sequence, and a ctrl-p alone still reaches the container
  pane three "$(B) attach --detach-keys ctrl-x shared"
  sleep 1
  keys three C-x
  screen_has three 'EXIT=0'
  [ "$(ctr_state shared)" = running ]
  # the last client ends the shell: attach returns its code
  keys two 'exit 4' Enter
  screen_has two 'EXIT=4'
  run berth attach shared
  [ "$status" -eq 125 ]
  [[ "$output" == *"you can only attach to running containers"* ]]
  run berth attach --detach-keys ctrl-1 shared
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid detach keys"* ]]
}

@test "start -ai attaches a terminal to a created container" {
  berth create -it --name later localhost/busybox sh
  pane one "$(B) start -ai later"
  screen_has one '/ #'
  keys one 'echo st""arted; exit 7' Enter
  screen_has one 'started'
  screen_has one 'EXIT=7'
}

@test "run -it and start -ai: ctrl-p,ctrl-q detaches and the container runs on" {
  pane one "$(B) run -it --name dk1 localhost/busybox sh"
  screen_has one '/ #'
  keys one C-p C-q
  screen_has one 'EXIT=0'
  run berth ps --format '{{.Names}} {{.State}}'
  [[ "$output" == *"dk1 running"* ]]
  # start -ai on a created container, with keys of our own
  berth create -it --name dk2 localhost/busybox sh
  pane two "$(B) start -ai --detach-keys ctrl-x,a dk2"
  screen_has two '/ #'
  keys two C-x a
  screen_has two 'EXIT=0'
  run berth ps --format '{{.Names}} {{.State}}'
  [[ "$output" == *"dk2 running"* ]]
  berth rm -f -t 0 dk1 dk2
}

@test "exec -it: ctrl-p,ctrl-q leaves the session running; --detach-keys \"\" disables detaching" {
  berth run -d --name dk3 localhost/busybox sleep 1000
  pane one "$(B) exec -it dk3 sh -c 'echo ready; sleep 1000'"
  screen_has one 'ready'
  keys one C-p C-q
  screen_has one 'EXIT=0'
  # the exec'd sleep is still there after the client left
  run berth top dk3 args
  [[ "$output" == *"sleep 1000"* ]]
  run berth exec -it --detach-keys 'ctrl-' dk3 true
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid detach keys'* ]]
  # with "" ctrl-p,ctrl-q reach the shell as typed; Ctrl+D still ends it
  pane two "$(B) exec -it --detach-keys '' dk3 sh"
  screen_has two '/ #'
  keys two C-p C-q
  sleep 0.3
  screen two | grep -q 'EXIT=' && false
  keys two C-d
  screen_has two 'EXIT=0'
  berth rm -f -t 0 dk3
}
