# Helpers for berth-registry's bats suites (tests/system/registry*.bats, tests/interop/registry*).
# Every server is started on 127.0.0.1 port 0 (the kernel picks a free port; the server reports
# it) with a storage root under the test's tmpdir, and is killed by pid in teardown.

REG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$REG_TOP/tests/lib/wait.bash"

reg_bin() {
  local b
  for b in ${BERTH_BUILD:+"$BERTH_BUILD/src/registry/berth-registry"} \
           "$REG_TOP/build-registry/src/registry/berth-registry" \
           "$REG_TOP/build/src/registry/berth-registry"; do
    [ -x "$b" ] && { echo "$b"; return 0; }
  done
  echo "berth-registry not built (set BERTH_BUILD)" >&2
  return 1
}

# reg_start [ARGS...]: serve with REG_ROOT (default: a fresh dir) and the environment given by
# the caller; sets REG_PID, REG_PORT, REG_URL, REG_LOG. Extra args go to "serve".
reg_start() {
  local bin; bin=$(reg_bin) || return 1
  : "${REG_ROOT:=$BATS_TEST_TMPDIR/root}"
  REG_LOG=$BATS_TEST_TMPDIR/registry.$RANDOM.log
  REGISTRY_HTTP_ADDR=${REGISTRY_HTTP_ADDR:-127.0.0.1:0} \
  REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=${REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY:-$REG_ROOT} \
    "$bin" serve "$@" 2>"$REG_LOG" 3>&- &
  REG_PID=$!
  echo "$REG_PID" >>"$BATS_TEST_TMPDIR/pids"
  echo "$REG_LOG" >>"$BATS_TEST_TMPDIR/logs"
  # up to 30 s: a loaded machine (or a sanitizer build) is slow to start
  local deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    REG_PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$REG_LOG" | head -1)
    [ -n "$REG_PORT" ] && break
    kill -0 "$REG_PID" 2>/dev/null || { cat "$REG_LOG" >&2; return 1; }
    sleep 0.05
  done
  [ -n "$REG_PORT" ] || { cat "$REG_LOG" >&2; return 1; }
  REG_URL=http://127.0.0.1:$REG_PORT
}

# forget_pid PID: a stopped server's pid may be reused by an unrelated process: never kill it again.
forget_pid() {
  [ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
  grep -vx "$1" "$BATS_TEST_TMPDIR/pids" >"$BATS_TEST_TMPDIR/pids.new" || true
  mv "$BATS_TEST_TMPDIR/pids.new" "$BATS_TEST_TMPDIR/pids"
}

reg_stop() {
  [ -n "${REG_PID:-}" ] || return 0
  kill "$REG_PID" 2>/dev/null || true
  wait "$REG_PID" 2>/dev/null || true
  forget_pid "$REG_PID"
  REG_PID=
}

# Kill every server the test started (teardown); fails when a sanitizer build reported an error
# or a leak in any server's log.
reg_cleanup() {
  local p l bad=0
  if [ -f "$BATS_TEST_TMPDIR/pids" ]; then
    while read -r p; do
      # only our own children: a pid that died on its own may belong to someone else by now
      [ "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" = "$BASHPID" ] || continue
      kill "$p" 2>/dev/null || continue
      wait "$p" 2>/dev/null || true
    done <"$BATS_TEST_TMPDIR/pids"
  fi
  if [ -f "$BATS_TEST_TMPDIR/logs" ]; then
    while read -r l; do
      if grep -qE 'Sanitizer|runtime error:' "$l" 2>/dev/null; then
        echo "sanitizer report in $l:" >&2; cat "$l" >&2; bad=1
      fi
    done <"$BATS_TEST_TMPDIR/logs"
  fi
  return $bad
}

sha256_of() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

# curl that prints "STATUS" on the last line and keeps headers in $BATS_TEST_TMPDIR/h, body in
# $BATS_TEST_TMPDIR/b.
rcurl() {
  curl -s --path-as-is -o "$BATS_TEST_TMPDIR/b" -D "$BATS_TEST_TMPDIR/h" -w '%{http_code}' "$@"
}
hdr() { # hdr NAME: a response header's value from the last rcurl
  grep -i "^$1:" "$BATS_TEST_TMPDIR/h" | head -1 | cut -d' ' -f2- | tr -d '\r'
}
body() { cat "$BATS_TEST_TMPDIR/b"; }
err_code() { jq -r '.errors[0].code' "$BATS_TEST_TMPDIR/b"; }

# push_blob REPO FILE: monolithic upload; prints the digest.
push_blob() {
  local d; d=$(sha256_of "$2")
  local code; code=$(rcurl -X POST --data-binary @"$2" -H 'Content-Type: application/octet-stream' \
    "$REG_URL/v2/$1/blobs/uploads/?digest=$d")
  [ "$code" = 201 ] || { echo "push_blob $1 $2: HTTP $code $(body)" >&2; return 1; }
  echo "$d"
}

# make_image DIR [MEDIATYPE [ARCH]]: writes DIR/config.json, DIR/layer.tar (from files it creates) and
# DIR/manifest.json (OCI) referencing them.
make_image() {
  local dir=$1 mt=${2:-application/vnd.oci.image.manifest.v1+json} arch=${3:-amd64}
  local cmt=application/vnd.oci.image.config.v1+json lmt=application/vnd.oci.image.layer.v1.tar
  if [ "$mt" = application/vnd.docker.distribution.manifest.v2+json ]; then
    cmt=application/vnd.docker.container.image.v1+json
    lmt=application/vnd.docker.image.rootfs.diff.tar
  fi
  mkdir -p "$dir/rootfs/etc"
  echo "hello from $dir $RANDOM" >"$dir/rootfs/etc/motd"
  tar -C "$dir/rootfs" --owner=0 --group=0 --mtime=@0 -cf "$dir/layer.tar" etc
  local ldig; ldig=$(sha256_of "$dir/layer.tar")
  printf '{"architecture":"%s","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$arch" "$ldig" >"$dir/config.json"
  local cdig; cdig=$(sha256_of "$dir/config.json")
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%d},"layers":[{"mediaType":"%s","digest":"%s","size":%d}]}' \
    "$mt" "$cmt" "$cdig" "$(stat -c %s "$dir/config.json")" "$lmt" "$ldig" "$(stat -c %s "$dir/layer.tar")" \
    >"$dir/manifest.json"
}

# push_image REPO TAG DIR [MEDIATYPE]: make_image + upload blobs + PUT the manifest.
push_image() {
  local repo=$1 tag=$2 dir=$3 mt=${4:-application/vnd.oci.image.manifest.v1+json}
  make_image "$dir" "$mt"
  push_blob "$repo" "$dir/layer.tar" >/dev/null || return 1
  push_blob "$repo" "$dir/config.json" >/dev/null || return 1
  local code; code=$(rcurl -X PUT -H "Content-Type: $mt" --data-binary @"$dir/manifest.json" \
    "$REG_URL/v2/$repo/manifests/$tag")
  [ "$code" = 201 ] || { echo "push_image $repo:$tag: HTTP $code $(body)" >&2; return 1; }
}

# make_oci_layout DIR: an OCI image layout (for skopeo's oci: transport) holding one image.
make_oci_layout() {
  local dir=$1 tag=${2:-latest} src=$BATS_TEST_TMPDIR/img.$RANDOM
  make_image "$src"
  mkdir -p "$dir/blobs/sha256"
  local f d
  for f in layer.tar config.json manifest.json; do
    d=$(sha256_of "$src/$f"); cp "$src/$f" "$dir/blobs/sha256/${d#sha256:}"
  done
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$(sha256_of "$src/manifest.json")" "$(stat -c %s "$src/manifest.json")" "$tag" >"$dir/index.json"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# dreg_start ROOT: Debian's docker-registry (distribution 2.8) on 127.0.0.1, a fresh port, with a
# generated config and a clean environment (it refuses unknown REGISTRY_* variables such as
# podman's REGISTRY_AUTH_FILE). Sets DREG_PID, DREG_PORT.
dreg_start() {
  local root=$1 cfg=$BATS_TEST_TMPDIR/dreg.$RANDOM.yml
  DREG_PORT=$(free_port)
  cat >"$cfg" <<CFG
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $root
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$DREG_PORT
CFG
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$BATS_TEST_TMPDIR" \
    docker-registry serve "$cfg" >"$BATS_TEST_TMPDIR/dreg.log" 2>&1 3>&- &
  DREG_PID=$!
  echo "$DREG_PID" >>"$BATS_TEST_TMPDIR/pids"
  local i
  for i in $(seq 300); do # up to 30 s and more on a loaded machine
    curl -sf "http://127.0.0.1:$DREG_PORT/v2/" >/dev/null && return 0
    kill -0 "$DREG_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$BATS_TEST_TMPDIR/dreg.log" >&2
  return 1
}

dreg_stop() {
  [ -n "${DREG_PID:-}" ] || return 0
  kill "$DREG_PID" 2>/dev/null || true
  wait "$DREG_PID" 2>/dev/null || true
  forget_pid "$DREG_PID"
  DREG_PID=
}
