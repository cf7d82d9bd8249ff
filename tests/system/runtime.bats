#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# runtime.bats - berth's built-in OCI runtime through tests/runtime-driver, before the monitor
# exists: one busybox rootfs, one bundle per test (config.json written with jq), each case run as
# root and, when the suite runs as root, again rootless as the user from tests/lib/rootless-user.sh
# (own user namespace, newuidmap ranges). Every mount the tests make is inside a container's own
# mount namespace; teardown_file unmounts anything left under the suite dir anyway.

load helpers
bats_require_minimum_version 1.5.0

# The driver: $RUNTIME_DRIVER, else the one in $BERTH_BUILD, build-ci or any other build dir.
rt_driver() {
  local d
  [ -n "${RUNTIME_DRIVER:-}" ] && { echo "$RUNTIME_DRIVER"; return 0; }
  for d in "${BERTH_BUILD:-}" "$BERTH_TOP/build-ci" "$BERTH_TOP"/build-*; do
    [ -n "$d" ] && [ -x "$d/tests/runtime-driver" ] && { echo "$d/tests/runtime-driver"; return 0; }
  done
  echo "runtime.bats: no tests/runtime-driver built" >&2
  return 1
}

setup_file() {
  RT_DRIVER=$(rt_driver)
  RT_DIR=$(mktemp -d /tmp/berth-rt.XXXXXX)
  chmod 755 "$RT_DIR"
  mkdir -p "$RT_DIR/rootfs"
  local tar
  tar=$("$BERTH_TOP/tests/lib/make-busybox-tar")
  tar -C "$RT_DIR/rootfs" -xf "$tar"
  # As root: root mode, then rootless as the test user. As a user: rootless as ourselves.
  if [ "$(id -u)" -eq 0 ]; then
    RT_USER=$("$BERTH_TOP/tests/lib/rootless-user.sh" create berth-test)
  else
    RT_USER=$(id -un)
  fi
  export RT_DRIVER RT_DIR RT_USER
}

teardown_file() {
  [ -n "${RT_DIR:-}" ] && [ -d "$RT_DIR" ] || return 0
  berth_unmount_under "$RT_DIR"
  rm -rf "$RT_DIR"
}

# Base config: podman's usual mounts and namespaces, sh -c "$1".
base_config() {
  jq -n --arg root "$RT_DIR/rootfs" --arg cmd "$1" '{
    ociVersion: "1.0.2",
    process: {args: ["sh", "-c", $cmd], cwd: "/", env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
      user: {uid: 0, gid: 0}},
    root: {path: $root}, hostname: "rtbox",
    mounts: [
      {destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]},
      {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
      {destination: "/dev/pts", type: "devpts", source: "devpts",
       options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
      {destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
      {destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]},
      {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]},
      {destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]}],
    linux: {namespaces: [{type: "mount"}, {type: "pid"}, {type: "uts"}, {type: "ipc"}, {type: "network"}, {type: "cgroup"}],
      maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware", "/proc/scsi"],
      readonlyPaths: ["/proc/sys", "/proc/bus", "/proc/sysrq-trigger"]}}'
}

# bundle NAME CMD [JQ-FILTER] - write $RT_DIR/NAME-MODE/config.json; prints the bundle dir.
# In rootless mode the config gets a user namespace with the test user's mapping.
bundle() {
  local name=$1 cmd=$2 filter=${3:-.} dir="$RT_DIR/$1-$MODE"
  mkdir -p "$dir"
  base_config "$cmd" | jq "$filter" >"$dir/config.json.tmp"
  if [ "$MODE" = rootless ]; then
    local u g su sg
    u=$(id -u "$RT_USER"); g=$(id -g "$RT_USER")
    su=$(awk -F: -v n="$RT_USER" '$1 == n {print $2 ":" $3; exit}' /etc/subuid)
    sg=$(awk -F: -v n="$RT_USER" '$1 == n {print $2 ":" $3; exit}' /etc/subgid)
    # 0 -> the user, 1..N -> the first subordinate range (the store's mapping), or only 0.
    jq --argjson u "$u" --argjson g "$g" --arg su "$su" --arg sg "$sg" '
      def sub($r): if $r == "" then [] else [{containerID: 1, hostID: ($r | split(":")[0] | tonumber),
                                            size: ($r | split(":")[1] | tonumber)}] end;
      .linux.namespaces += [{type: "user"}]
      | .linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}] + sub($su)
      | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}] + sub($sg)' \
      "$dir/config.json.tmp" >"$dir/config.json"
    rm "$dir/config.json.tmp"
    [ "$(id -u)" -eq 0 ] && chown -R "$RT_USER:" "$dir"
  else
    mv "$dir/config.json.tmp" "$dir/config.json"
  fi
  echo "$dir"
}

# drive ARGS... - run the driver as root or as the rootless user (stdin from /dev/null).
drive() {
  if [ "$MODE" = rootless ] && [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid="$RT_USER" --regid="$RT_USER" --init-groups "$RT_DRIVER" "$@" </dev/null
  else
    "$RT_DRIVER" "$@" </dev/null
  fi
}

# in_modes FN - run FN once per mode (root, then rootless when possible), MODE set.
in_modes() {
  local fn=$1 m
  for m in root rootless; do
    [ "$m" = rootless ] && [ -z "$RT_USER" ] && continue
    [ "$m" = root ] && [ "$(id -u)" -ne 0 ] && continue
    MODE=$m
    echo "# mode: $m" >&3
    "$fn"
  done
}

t_exit_codes() {
  run drive "$(bundle exit0 'exit 0')"
  [ "$status" -eq 0 ]
  run drive "$(bundle exit3 'echo out; echo err >&2; exit 3')"
  [ "$status" -eq 3 ]
  [[ "$output" == *out*err* ]]
}
@test "runtime: exit codes of the container are passed through" { in_modes t_exit_codes; }

t_not_found() {
  run -127 drive "$(bundle nf 'x' '.process.args = ["no-such-command", "a"]')"
  [ "$status" -eq 127 ]
  [[ "$output" == *"no-such-command: executable file not found in \$PATH"* ]]
  run -127 drive "$(bundle nf2 'x' '.process.args = ["/bin/nope"]')"
  [ "$status" -eq 127 ]
  run drive "$(bundle noexec 'x' '.process.args = ["/etc/passwd"]')"
  [ "$status" -eq 126 ]
  [[ "$output" == *"/etc/passwd: Permission denied"* ]]
  run drive "$(bundle dir 'x' '.process.args = ["/etc"]')"
  [ "$status" -eq 126 ]
}
@test "runtime: 127 for a missing command, 126 for one that cannot run" { in_modes t_not_found; }

t_bad_config() {
  local b
  b=$(bundle badcfg 'x' '.process.cwd = "relative"')
  run drive "$b"
  [ "$status" -eq 125 ]
  [[ "$output" == *"config.json: process.cwd \"relative\" is not an absolute path"* ]]
  run drive "$RT_DIR/does-not-exist"
  [ "$status" -eq 125 ]
  [[ "$output" == *"bundle $RT_DIR/does-not-exist"* ]]
  b=$(bundle badcwd 'x' '.process.cwd = "/no/such/dir"')
  run drive "$b"
  [ "$status" -eq 125 ]
  [[ "$output" == *"process.cwd /no/such/dir in the container: No such file or directory"* ]]
}
@test "runtime: bad bundles fail with 125 and a message naming the field" { in_modes t_bad_config; }

t_pid_host_proc_dev() {
  run drive "$(bundle basics 'echo pid=$$; hostname; ls /proc | grep -c "^[0-9]"; ls /dev; ls /dev/pts; cat /proc/1/cmdline; echo; test -c /dev/null && echo devnull-ok; echo hi >/dev/null && echo write-ok')"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "pid=1" ]
  [ "${lines[1]}" = "rtbox" ]
  [ "${lines[2]}" -le 3 ] # sh, ls, grep: no host process in /proc
  for n in null zero full tty random urandom ptmx fd stdin stdout stderr pts shm mqueue; do
    [[ " ${lines[*]} " == *" $n "* ]] || { echo "missing /dev/$n"; return 1; }
  done
  [[ "$output" == *devnull-ok* ]]
  [[ "$output" == *write-ok* ]]
  run drive "$(bundle sysro 'touch /sys/x 2>&1; grep " /sys " /proc/self/mounts')"
  [[ "$output" == *"Read-only file system"* ]]
}
@test "runtime: pid 1, hostname, private /proc, /dev with nodes and ptmx" { in_modes t_pid_host_proc_dev; }

t_cwd_fds() {
  # An fd the driver inherits (7) must not reach the container; neither may the host cwd.
  cd "$RT_DIR"
  exec 7</etc/hostname
  run drive "$(bundle fds 'ls /proc/self/fd; readlink /proc/self/cwd; pwd' '.process.cwd = "/etc"')"
  exec 7<&-
  [ "$status" -eq 0 ]
  # ls itself holds one fd for the directory it reads (3)
  [ "${lines[0]}" = "0" ] && [ "${lines[1]}" = "1" ] && [ "${lines[2]}" = "2" ] && [ "${lines[3]}" = "3" ]
  [ "${lines[4]}" = "/etc" ]
  [ "${lines[5]}" = "/etc" ]
  [ "${#lines[@]}" -eq 6 ]
}
@test "runtime: no host fd or cwd leaks into the container" { in_modes t_cwd_fds; }

t_overlay() {
  local l="$RT_DIR/layers-$MODE" b i
  rm -rf "$l"; mkdir -p "$l/l1/etc" "$l/l2/etc" "$l/l3" "$l/upper" "$l/work" "$l/mnt"
  echo one >"$l/l1/etc/layer"; echo base >"$l/l1/etc/only1"
  echo two >"$l/l2/etc/layer"; echo three >"$l/l3/top"
  cp -a "$RT_DIR/rootfs/." "$l/l1/"
  echo one >"$l/l1/etc/layer"
  # rootless layers are unpacked with the user's mapping (the store does it via util/userns)
  [ "$MODE" = rootless ] && chown -R "$RT_USER:" "$l"
  b=$(bundle overlay 'cat /etc/layer /etc/only1 /top; echo new >/etc/written; ls /' \
    ".root.path = \"$l/mnt\" | .annotations = {
      \"io.berth.rootfs.lowerdirs\": ([\"$l/l3\", \"$l/l2\", \"$l/l1\"] | tojson),
      \"io.berth.rootfs.upperdir\": \"$l/upper\", \"io.berth.rootfs.workdir\": \"$l/work\"}")
  run drive "$b"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = two ] && [ "${lines[1]}" = base ] && [ "${lines[2]}" = three ]
  # the write landed in the upper dir, and nothing stays mounted on the host
  [ "$(cat "$l/upper/etc/written")" = new ]
  ! grep -q " $l/mnt " /proc/self/mountinfo
}
@test "runtime: overlay rootfs from several layers, writes go to the upper dir" { in_modes t_overlay; }

t_overlay_120() {
  local l="$RT_DIR/many-$MODE" b i lowers="[]"
  rm -rf "$l"; mkdir -p "$l/upper" "$l/work" "$l/mnt"
  # 120 layers with long paths: far beyond what the legacy option string could hold.
  for i in $(seq 1 120); do
    local d="$l/layer-$(printf '%03d' "$i")-padding-padding-padding-padding-padding-padding"
    mkdir -p "$d/layers"; echo "$i" >"$d/layers/$i"; echo "$i" >"$d/last"
    lowers=$(jq -c --arg d "$d" '[$d] + .' <<<"$lowers")
  done
  lowers=$(jq -c --arg d "$RT_DIR/rootfs" '. + [$d]' <<<"$lowers")
  [ "$MODE" = rootless ] && chown -R "$RT_USER:" "$l/upper" "$l/work" "$l/mnt"
  b=$(bundle many 'ls /layers | wc -l; cat /last' ".root.path = \"$l/mnt\" | .annotations = {
      \"io.berth.rootfs.lowerdirs\": ($lowers | tojson),
      \"io.berth.rootfs.upperdir\": \"$l/upper\", \"io.berth.rootfs.workdir\": \"$l/work\"}")
  run drive "$b"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 120 ]
  [ "${lines[1]}" = 120 ]
}
@test "runtime: an image with 120 layers" { in_modes t_overlay_120; }

t_readonly_root() {
  run drive "$(bundle ro 'touch /newfile 2>&1; echo ok >/tmp/x && cat /tmp/x' '.root.readonly = true')"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"Read-only file system"* ]]
  [ "${lines[1]}" = ok ]
  [ ! -e "$RT_DIR/rootfs/newfile" ]
}
@test "runtime: read-only rootfs" { in_modes t_readonly_root; }

t_bind_mounts() {
  local v="$RT_DIR/vol-$MODE" b
  rm -rf "$v"; mkdir -p "$v/rw" "$v/ro"; echo host >"$v/ro/file"
  [ "$MODE" = rootless ] && chown -R "$RT_USER:" "$v"
  b=$(bundle bind 'echo fromctr >/data/out; cat /ro/file; echo x >/ro/file 2>&1; cat /deep/new/dir/file' \
    ".mounts += [{destination: \"/data\", type: \"bind\", source: \"$v/rw\", options: [\"rbind\", \"rw\"]},
                 {destination: \"/ro\", type: \"bind\", source: \"$v/ro\", options: [\"bind\", \"ro\"]},
                 {destination: \"/deep/new/dir/file\", type: \"bind\", source: \"$v/ro/file\", options: [\"bind\"]}]")
  run drive "$b"
  [ "$status" -eq 0 ]
  [ "$(cat "$v/rw/out")" = fromctr ]
  [ "${lines[0]}" = host ]
  [[ "${lines[1]}" == *"Read-only file system"* ]]
  [ "${lines[2]}" = host ]
  [ "$(cat "$v/ro/file")" = host ]
}
@test "runtime: bind mounts (rw seen on the host, ro refused, missing mount points made)" { in_modes t_bind_mounts; }

t_bind_symlink_escape() {
  # A symlink in the rootfs pointing at a host path must resolve inside the rootfs.
  local r="$RT_DIR/evil-$MODE" v="$RT_DIR/evilvol-$MODE" b
  rm -rf "$r" "$v"; cp -a "$RT_DIR/rootfs" "$r"; mkdir -p "$v" "$r/real"
  ln -s "$RT_DIR/escape-target-$MODE" "$r/link"
  echo secret >"$v/f"
  [ "$MODE" = rootless ] && chown -R "$RT_USER:" "$v"
  b=$(bundle evil 'ls /link/' ".root.path = \"$r\" | .mounts |= map(select(.destination != \"/tmp\")) | .mounts += [{destination: \"/link\", type: \"bind\", source: \"$v\", options: [\"bind\"]}]")
  run drive "$b"
  [ "$status" -eq 0 ]
  [ "$output" = f ]
  [ ! -e "$RT_DIR/escape-target-$MODE" ] # created inside the rootfs, not on the host
  [ -d "$r/$RT_DIR/escape-target-$MODE" ]
}
@test "runtime: mount destinations are resolved inside the rootfs (CVE-2021-30465 class)" { in_modes t_bind_symlink_escape; }

t_masked() {
  run drive "$(bundle masked 'wc -c </proc/timer_list; ls -A /sys/firmware | wc -l; echo 1 >/proc/sys/kernel/domainname 2>&1; grep -c "" /proc/keys')"
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  [[ "${lines[2]}" == *"Read-only file system"* ]]
  [ "${lines[3]}" = 0 ]
}
@test "runtime: masked and read-only paths" { in_modes t_masked; }

t_caps() {
  run drive "$(bundle caps 'grep -E "^Cap(Bnd|Eff|Prm|Inh|Amb)" /proc/self/status' \
    '.process.capabilities = {bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
       effective: ["CAP_CHOWN", "CAP_KILL"], permitted: ["CAP_CHOWN", "CAP_KILL"], inheritable: [], ambient: []}')"
  [ "$status" -eq 0 ]
  [[ "$output" == *"CapBnd:	0000000000000421"* ]]
  # uid 0 gets the whole bounding set on execve (the kernel's rule for root, as with runc)
  [[ "$output" == *"CapEff:	0000000000000421"* ]]
  [[ "$output" == *"CapInh:	0000000000000000"* ]]
  # A non-root user keeps only ambient capabilities.
  run drive "$(bundle capsuser 'id -u; grep -E "^Cap(Eff|Amb)" /proc/self/status' \
    '.process.user = {uid: 1000, gid: 1000, additionalGids: [10]} | .process.capabilities = {bounding: ["CAP_CHOWN", "CAP_KILL"],
       effective: ["CAP_KILL"], permitted: ["CAP_KILL"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"]}')"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1000 ]
  [[ "$output" == *"CapEff:	0000000000000020"* ]]
  [[ "$output" == *"CapAmb:	0000000000000020"* ]]
  run drive "$(bundle nocaps 'id; grep CapEff /proc/self/status' '.process.user = {uid: 1000, gid: 1000, additionalGids: [10]}')"
  [ "$status" -eq 0 ]
  [[ "$output" == *"uid=1000 gid=1000 groups=10"* ]]
  [[ "$output" == *"CapEff:	0000000000000000"* ]]
}
@test "runtime: capabilities dropped to the requested sets, user and groups set" { in_modes t_caps; }

t_seccomp() {
  local prof
  prof='{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
         syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
  run drive "$(bundle seccomp 'mkdir /tmp/d 2>&1; echo still-running' ".linux.seccomp = $prof")"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"Operation not permitted"* ]]
  [ "${lines[1]}" = still-running ]
  # The same with no_new_privs (the filter is then loaded last).
  run drive "$(bundle seccompnnp 'mkdir /tmp/d 2>&1; grep NoNewPrivs /proc/self/status' ".linux.seccomp = $prof | .process.noNewPrivileges = true")"
  [[ "${lines[0]}" == *"Operation not permitted"* ]]
  [[ "${lines[1]}" == *"NoNewPrivs:	1"* ]]
}
@test "runtime: seccomp filter from the OCI object blocks a denied syscall" { in_modes t_seccomp; }

t_seccomp_default_profile() {
  local caps='["CAP_CHOWN", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_SETUID", "CAP_SETGID"]' prof
  # converted without CAP_SYS_CHROOT: chroot is denied by the profile even though the cap is held
  prof=$("$RT_DRIVER" --seccomp /usr/share/containers/seccomp.json 0)
  run drive "$(bundle seccompdef 'chroot / true 2>&1; echo rc=$?; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status' \
    ".linux.seccomp = $prof | .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}")"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  [[ "$output" == *"Seccomp:	2"* ]]
  [[ "$output" == *"NoNewPrivs:	0"* ]]
  prof=$("$RT_DRIVER" --seccomp /usr/share/containers/seccomp.json 40000)
  run drive "$(bundle seccompdef2 'chroot / true && echo chroot-ok' \
    ".linux.seccomp = $prof | .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}")"
  [ "$status" -eq 0 ]
  [ "$output" = chroot-ok ]
}
@test "runtime: podman's default profile from containers-common (ENOSYS default, cap-gated rules)" { in_modes t_seccomp_default_profile; }

t_rlimits() {
  run drive "$(bundle rlim 'ulimit -n; ulimit -Hn' '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 123, hard: 456}]')"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 123 ] && [ "${lines[1]}" = 456 ]
  local hard
  hard=$(ulimit -Hn)
  run drive "$(bundle rlimhigh 'ulimit -n; ulimit -Hn' '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1048576, hard: 1048576}]')"
  [ "$status" -eq 0 ]
  [[ "$output" == *"RLIMIT_NOFILE: hard limit 1048576 is above this host's $hard"*"; using $hard"* ]]
  [ "${lines[-2]}" = "$hard" ] && [ "${lines[-1]}" = "$hard" ]
}
@test "runtime: rlimits set, and clamped with a warning above the hard limit" { in_modes t_rlimits; }

t_terminal() {
  run drive "$(bundle tty 'tty; test -t 0 && test -t 1 && echo is-a-tty; stat -c "console %t:%T" /dev/console' '.process.terminal = true')"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == /dev/pts/0* ]]
  [[ "$output" == *is-a-tty* ]]
  [[ "$output" == *"console 88:0"* ]] # the pty (major 136) bound on /dev/console
}
@test "runtime: process.terminal gives a pty from the container's devpts" { in_modes t_terminal; }

t_exec() {
  local b
  b=$(bundle exec 'sleep 30')
  run drive --exec "$b" sh -c 'echo pid=$$; cat /proc/1/cmdline | tr "\0" " "; echo; hostname; ls /proc/self/fd; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; exit 5'
  [ "$status" -eq 5 ]
  [ "${lines[0]}" != "pid=1" ]
  [[ "${lines[1]}" == "sleep 30"* ]]
  [ "${lines[2]}" = rtbox ]
  [ "${lines[3]}" = 0 ] && [ "${lines[6]}" = 3 ] && [[ "${lines[7]}" == CapEff* ]]
  run -127 drive --exec "$b" nosuchcmd
  [ "$status" -eq 127 ]
}
@test "runtime: exec joins the running container's namespaces" { in_modes t_exec; }

t_exec_security() {
  local b
  b=$(bundle execsec 'sleep 30' '.process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]} | .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 77, hard: 88}] | .process.noNewPrivileges = true')
  run drive --exec "$b" sh -c 'grep -E "^(CapBnd|CapEff|NoNewPrivs|Dumpable)" /proc/self/status; ulimit -n'
  [ "$status" -eq 0 ]
  [[ "$output" == *"CapBnd:	0000000000000020"* ]]
  [[ "$output" == *"CapEff:	0000000000000020"* ]]
  [[ "$output" == *"NoNewPrivs:	1"* ]]
  [ "${lines[-1]}" = 77 ]
}
@test "runtime: exec gets the container's capabilities, rlimits and no_new_privs" { in_modes t_exec_security; }

t_sysctl_ipc() {
  run drive "$(bundle sysctl 'cat /proc/sys/kernel/msgmax' '.linux.sysctl = {"kernel.msgmax": "12345"} | .linux.readonlyPaths = []')"
  [ "$status" -eq 0 ]
  [ "$output" = 12345 ]
}
@test "runtime: sysctls in the container's ipc namespace" { in_modes t_sysctl_ipc; }

@test "runtime: cgroup limits (v1 hybrid as root; rootless gets a warning)" {
  local id="berth-rt-test-$$"
  t_cgroup() {
    run drive "$(bundle cgroup "cat /proc/self/cgroup" ".linux.cgroupsPath = \"berth/$id\" | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 42}, cpu: {quota: 50000, period: 100000}}")"
    [ "$status" -eq 0 ]
    if [ "$MODE" = rootless ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
      [[ "$output" == *"rootless containers get no cgroup"* ]]
      return 0
    fi
    # in its own cgroup namespace the container's cgroup is "/"
    [[ "$output" == *":memory:/"$'\n'* || "$output" == *"0::/" ]]
    [[ "$output" != *"berth/$id"* ]]
  }
  in_modes t_cgroup
  # while running, the limits are in place; afterwards the cgroup is gone
  if [ "$(id -u)" -eq 0 ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
    MODE=root
    local b
    b=$(bundle cgroup2 "sleep 60" ".linux.cgroupsPath = \"berth/$id\" | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 42}, cpu: {quota: 50000, period: 100000}}")
    "$RT_DRIVER" "$b" </dev/null 3>&- & local pid=$!
    # the container runs once its process is in the cgroup (however slow the machine)
    # (cgroup files have no size: read them)
    in_cgroup() { [ -n "$(cat "/sys/fs/cgroup/pids/berth/$id/cgroup.procs" 2>/dev/null)" ]; }
    wait_until 30 in_cgroup
    local mem pids quota procs
    mem=$(cat "/sys/fs/cgroup/memory/berth/$id/memory.limit_in_bytes")
    pids=$(cat "/sys/fs/cgroup/pids/berth/$id/pids.max")
    quota=$(cat "/sys/fs/cgroup/cpu/berth/$id/cpu.cfs_quota_us")
    procs=$(wc -l <"/sys/fs/cgroup/pids/berth/$id/cgroup.procs")
    kill -9 $(cat "/sys/fs/cgroup/pids/berth/$id/cgroup.procs")
    wait "$pid" || true
    [ "$mem" = 67108864 ] && [ "$pids" = 42 ] && [ "$quota" = 50000 ] && [ "$procs" -ge 1 ]
    [ ! -d "/sys/fs/cgroup/memory/berth/$id" ]
    # an exec'd process joins the container's cgroup
    b=$(bundle cgroup3 "sleep 30" ".linux.cgroupsPath = \"berth/$id\" | .linux.resources = {pids: {limit: 42}}")
    run drive --exec "$b" cat /proc/self/cgroup
    [ "$status" -eq 0 ]
    # "/" only when it is both in the container's cgroup and in its cgroup namespace
    # (outside the cgroup it would read "/.." or the host path)
    [[ "$output" == *":pids:/"$'\n'* ]]
    [ ! -d "/sys/fs/cgroup/pids/berth/$id" ]
  fi
}

@test "runtime: joins a network namespace by path (as a pod would)" {
  [ "$(id -u)" -eq 0 ] || skip "needs root to make the namespace"
  unshare --net sleep 60 3>&- &
  local holder=$! want
  # unshare has made the namespace once its process is in another one than ours
  own_ns() { want=$(readlink "/proc/$holder/ns/$1") && [ "$want" != "$(readlink "/proc/self/ns/$1")" ]; }
  wait_until 30 own_ns net
  MODE=root
  run drive "$(bundle joinnet 'readlink /proc/self/ns/net' ".linux.namespaces |= map(if .type == \"network\" then .path = \"/proc/$holder/ns/net\" else . end)")"
  kill "$holder"; wait "$holder" || true
  [ "$status" -eq 0 ]
  [ "$output" = "$want" ]
}

t_nosubids() {
  run drive "$(bundle nosub 'id; cat /proc/self/uid_map; ls /dev/null /dev/pts/ptmx; echo ok >/tmp/f && cat /tmp/f; exit 4')"
  [ "$status" -eq 4 ]
  [[ "${lines[0]}" == "uid=0(root) gid=0(root)"* ]]
  [ "$(echo "${lines[1]}" | awk '{print $1, $2, $3}')" = "0 $(id -u "$RT_USER") 1" ]
  [[ "$output" == *"/dev/pts/ptmx"* ]]
  [ "${lines[-1]}" = ok ]
}
@test "runtime: rootless with a single-id mapping (a user without /etc/subuid ranges)" {
  [ "$(id -u)" -eq 0 ] || skip "needs root to make the test user"
  local saved=$RT_USER
  RT_USER=$("$BERTH_TOP/tests/lib/rootless-user.sh" create berth-test-nosub --no-subids)
  MODE=rootless-single
  bundle() { # the single-id variant of bundle(): uid and gid map only the user's own id
    local dir="$RT_DIR/$1-$MODE"
    mkdir -p "$dir"
    base_config "$2" | jq --argjson u "$(id -u "$RT_USER")" --argjson g "$(id -g "$RT_USER")" \
      '.linux.namespaces += [{type: "user"}]
       | .linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}]
       | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}]' >"$dir/config.json"
    chown -R "$RT_USER:" "$dir"
    echo "$dir"
  }
  drive() { setpriv --reuid="$RT_USER" --regid="$RT_USER" --init-groups "$RT_DRIVER" "$@" </dev/null; }
  t_nosubids
  "$BERTH_TOP/tests/lib/rootless-user.sh" remove berth-test-nosub
  RT_USER=$saved
}

t_signals() {
  # The caller ignores SIGPIPE/SIGHUP (as a monitor may): the container must start clean.
  local b
  b=$(bundle sigs 'grep -E "^Sig(Blk|Ign)" /proc/self/status; umask' '.process.user.umask = 63')
  MODE=$MODE RT_USER=$RT_USER RT_DRIVER=$RT_DRIVER run bash -c "$(declare -f drive); trap '' PIPE HUP; drive '$b'"
  [ "$status" -eq 0 ]
  [[ "$output" == *"SigBlk:	0000000000000000"* ]]
  [[ "$output" == *"SigIgn:	0000000000000000"* ]]
  [ "${lines[-1]}" = 0077 ]
}
@test "runtime: signal dispositions and mask are reset, process.user.umask applied" { in_modes t_signals; }

@test "runtime: joins a user and network namespace by path (a rootless pod's infra)" {
  [ "$(id -u)" -eq 0 ] || skip "needs root to make the namespaces"
  unshare --user --map-root-user --net sleep 60 3>&- &
  local holder=$! want
  own_ns() { want=$(readlink "/proc/$holder/ns/$1") && [ "$want" != "$(readlink "/proc/self/ns/$1")" ]; }
  wait_until 30 own_ns user
  MODE=root
  run drive "$(bundle joinuser 'readlink /proc/self/ns/user; readlink /proc/self/ns/net; hostname' \
    ".linux.namespaces = [{type: \"user\", path: \"/proc/$holder/ns/user\"}, {type: \"network\", path: \"/proc/$holder/ns/net\"},
                          {type: \"mount\"}, {type: \"uts\"}, {type: \"ipc\"}]")"
  local wantnet
  wantnet=$(readlink "/proc/$holder/ns/net")
  kill "$holder"; wait "$holder" || true
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$want" ]
  [ "${lines[1]}" = "$wantnet" ]
  [ "${lines[2]}" = rtbox ]
}

t_cgroup_mount() {
  run drive "$(bundle cgmount 'ls /sys/fs/cgroup; mkdir /sys/fs/cgroup/pids/x 2>&1; true' \
    '.mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"]}]')"
  [ "$status" -eq 0 ]
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    [[ "$output" == *cgroup.controllers* ]]
  else
    # v1/hybrid: the host's hierarchy, read-only
    [[ "$output" == *memory* && "$output" == *pids* ]]
    [[ "$output" == *"Read-only file system"* ]]
  fi
}
@test "runtime: a cgroup mount shows the hierarchy read-only" { in_modes t_cgroup_mount; }

t_cwd_fd_escape() {
  # CVE-2024-21626: a host directory fd inherited by the runtime, named as process.cwd.
  local b
  b=$(bundle cwdfd 'pwd; ls' '.process.cwd = "/proc/self/fd/7"')
  exec 7<"$RT_DIR"
  run drive "$b"
  exec 7<&-
  [ "$status" -eq 125 ]
  [[ "$output" == *"process.cwd /proc/self/fd/7"* ]]
  [[ "$output" != *rootfs* ]]
}
@test "runtime: process.cwd cannot reach a host directory through an inherited fd" { in_modes t_cwd_fd_escape; }

t_exec_user_tty() {
  local b
  b=$(bundle execuser 'sleep 30' '.process.user = {uid: 0, gid: 0, additionalGids: [10]}')
  RT_EXEC_USER=1000:1000 RT_EXEC_CWD=/tmp run drive --exec "$b" sh -c 'id; pwd; grep CapEff /proc/self/status'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "uid=1000 gid=1000" ] # not the container's groups
  [ "${lines[1]}" = /tmp ]
  [[ "${lines[2]}" == *"0000000000000000"* ]]
  RT_EXEC_TTY=1 run drive --exec "$b" sh -c 'tty; exit 6'
  [ "$status" -eq 6 ]
  [[ "$output" == /dev/pts/* ]]
}
@test "runtime: exec as another user, in another cwd, with a terminal" { in_modes t_exec_user_tty; }

@test "runtime: devices cgroup (v1): CAP_MKNOD cannot open other host devices" {
  [ "$(id -u)" -eq 0 ] || skip "root containers only (a user namespace forbids device nodes)"
  [ -d /sys/fs/cgroup/devices ] || skip "no v1 devices controller"
  local id="berth-rt-dev-$$"
  # /dev/kmsg (c 1:11) opens for root on the host; not in a container's allow list
  MODE=root
  run drive "$(bundle devcg "mknod /dev/kmsgx c 1 11 && dd if=/dev/kmsgx of=/dev/null bs=4096 count=1 2>&1; head -c 4 /dev/zero | wc -c" \
    ".linux.cgroupsPath = \"berth/$id\"")"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"can't open '/dev/kmsgx': Operation not permitted"* ]]
  [ "${lines[-1]}" = 4 ] # the default devices still work
  [ ! -d "/sys/fs/cgroup/devices/berth/$id" ]
}
