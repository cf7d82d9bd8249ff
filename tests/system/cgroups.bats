#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# cgroups.bats - root's containers get a cgroup (limits, device allow-list) that goes away with
# them. This machine is hybrid: v1 controllers under /sys/fs/cgroup/<controller>.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "cgroups are root's here (rootless on v1 gets none)"
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }

cg() { # $1 controller, $2 id: the container's cgroup dir (v1 or v2)
  if [ -d "/sys/fs/cgroup/$1/berth/$2" ]; then echo "/sys/fs/cgroup/$1/berth/$2"
  else echo "/sys/fs/cgroup/berth/$2"; fi
}

@test "--memory and --pids-limit land in the container's cgroup, which rm removes" {
  id=$(berth run -d --memory 64m --pids-limit 50 localhost/busybox sleep 1000)
  run cat "$(cg memory "$id")/memory.limit_in_bytes"
  [ "$output" = 67108864 ]
  run cat "$(cg pids "$id")/pids.max"
  [ "$output" = 50 ]
  berth rm -f -t 0 "$id"
  [ ! -d "$(cg memory "$id")" ]
  [ ! -d "$(cg pids "$id")" ]
}

@test "the device allow-list keeps a root container away from host devices despite CAP_MKNOD" {
  # /dev/kmsg is char 1:11: creating the node is refused by the devices cgroup.
  run berth run --rm localhost/busybox sh -c 'mknod /tmp/kmsg c 1 11 && head -c 1 /tmp/kmsg'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  # the allowed nodes still work
  run berth run --rm localhost/busybox sh -c 'head -c 4 /dev/zero | wc -c'
  [ "$status" -eq 0 ]
  [ "$output" = 4 ]
}
