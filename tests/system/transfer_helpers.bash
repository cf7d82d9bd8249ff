# SPDX-License-Identifier: Apache-2.0
# transfer_helpers.bash - registries and image layouts for the transfer suites (copy, push,
# pull, login, search). Load after helpers.bash.
#
#   start_docker_registry NAME [htpasswd-file]  Debian's docker-registry on 127.0.0.1:random;
#                                              sets REG_<NAME>=127.0.0.1:PORT, REGDIR_<NAME>;
#                                              serves TLS when REG_TLS_CERT/REG_TLS_KEY are set,
#                                              asks for a client certificate signed by
#                                              REG_TLS_CLIENTCA when that is set too
#   make_test_ca DIR                           DIR/ca.crt and a server cert DIR/server.{crt,key}
#                                              for 127.0.0.1
#   make_test_client_cert DIR NAME             DIR/NAME.{cert,key}, signed by DIR's CA
#   stop_registries                            kills every registry started (by pid)
#   transfer_oci_layout DIR TAG [NLAYERS]          an OCI layout (busybox rootfs + NLAYERS-1 small
#                                              layers) made with tar, gzip, sha256sum and jq
#   transfer_multiarch_layout SRC DIGEST DIR   an amd64 + arm64/v8 index of SRC's image in DIR

TRANSFER_PIDS_FILE=${BATS_FILE_TMPDIR:-/tmp}/transfer-registry.pids

# start_docker_registry NAME [HTPASSWD] - serve a fresh registry; waits until it answers.
# Another program may take the chosen port first: then it tries again on another one.
start_docker_registry() {
  local name=$1 htpasswd=${2:-} port dir pid attempt
  dir="$BERTH_TEST_DIR/registry-$name"
  mkdir -p "$dir/data"
  for attempt in 1 2 3 4 5; do
    port=$(random_port) || return 1
    {
      echo "version: 0.1"
      echo "log: {level: error}"
      echo "storage:"
      echo "  filesystem: {rootdirectory: $dir/data}"
      echo "  delete: {enabled: true}"
      echo "http:"
      echo "  addr: 127.0.0.1:$port"
      if [ -n "${REG_TLS_CERT:-}" ]; then
        echo "  tls: {certificate: $REG_TLS_CERT, key: $REG_TLS_KEY${REG_TLS_CLIENTCA:+, clientcas: [$REG_TLS_CLIENTCA]}}"
      fi
      if [ -n "$htpasswd" ]; then
        echo "auth:"
        echo "  htpasswd: {realm: berth-test, path: $htpasswd}"
      fi
    } >"$dir/config.yml"
    # distribution refuses podman's REGISTRY_AUTH_FILE: never pass it on
    env -u REGISTRY_AUTH_FILE docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
    pid=$!
    echo "$pid" >>"$TRANSFER_PIDS_FILE"
    if wait_for_port "$port" 30 2>/dev/null && kill -0 "$pid" 2>/dev/null; then
      sleep 0.1
      kill -0 "$pid" 2>/dev/null && break
    fi
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    [ "$attempt" = 5 ] && { cat "$dir/log" >&2; return 1; }
  done
  printf -v "REG_$name" '%s' "127.0.0.1:$port"
  printf -v "REGDIR_$name" '%s' "$dir"
  export "REG_$name" "REGDIR_$name"
}

# start_token_gate NAME BACKEND USER PASSWORD [chunked] - transfer_token_gate.py (bearer
# tokens, blob redirects, /v1/search, optionally chunked uploads only) in front of registry
# BACKEND (host:port); sets REG_<NAME>.
start_token_gate() {
  local name=$1 backend=$2 user=$3 pass=$4 mode=${5:-} port pid attempt
  for attempt in 1 2 3 4 5; do
    port=$(random_port) || return 1
    python3 "$BERTH_TOP/tests/system/transfer_token_gate.py" "$port" "$backend" "$user" "$pass" $mode \
      >"$BERTH_TEST_DIR/gate-$name.log" 2>&1 &
    pid=$!
    echo "$pid" >>"$TRANSFER_PIDS_FILE"
    if wait_for_port "$port" 30 2>/dev/null && sleep 0.1 && kill -0 "$pid" 2>/dev/null; then
      break
    fi
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    [ "$attempt" = 5 ] && { cat "$BERTH_TEST_DIR/gate-$name.log" >&2; return 1; }
  done
  printf -v "REG_$name" '%s' "127.0.0.1:$port"
  export "REG_$name"
}

# make_test_client_cert CADIR NAME - CADIR/NAME.cert and CADIR/NAME.key: a client certificate
# signed by make_test_ca's CA in CADIR.
make_test_client_cert() {
  local d=$1 n=$2
  openssl req -newkey rsa:2048 -nodes -subj "/CN=berth test client" \
    -keyout "$d/$n.key" -out "$d/$n.csr" >/dev/null 2>&1 || return 1
  printf 'extendedKeyUsage=clientAuth\n' >"$d/$n.ext"
  openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/$n.ext" -out "$d/$n.cert" >/dev/null 2>&1
}

# make_test_ca DIR - a CA and a server certificate for 127.0.0.1 signed by it.
make_test_ca() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=berth test CA" \
    -keyout "$d/ca.key" -out "$d/ca.crt" >/dev/null 2>&1 || return 1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1 || return 1
  printf 'subjectAltName=IP:127.0.0.1\n' >"$d/ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/ext" -out "$d/server.crt" >/dev/null 2>&1
}

# stop_registries - kill the registries this file started, by pid.
stop_registries() {
  local pid
  [ -f "$TRANSFER_PIDS_FILE" ] || return 0
  while read -r pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done <"$TRANSFER_PIDS_FILE"
  rm -f "$TRANSFER_PIDS_FILE"
}

# _blob DIR FILE - move FILE into DIR/blobs/sha256 by its digest; prints the hex.
_blob() {
  local dir=$1 file=$2 hex
  hex=$(sha256sum "$file" | cut -d' ' -f1)
  mv "$file" "$dir/blobs/sha256/$hex"
  echo "$hex"
}

# transfer_oci_layout DIR TAG [NLAYERS] - an image with the busybox rootfs as its base layer.
transfer_oci_layout() {
  local dir=$1 tag=$2 n=${3:-1} tmp i hex size diff layers="" diffs="" cfg man
  tmp=$(mktemp -d "$BERTH_TEST_DIR/layout.XXXXXX")
  mkdir -p "$dir/blobs/sha256"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  cp "$(busybox_tarball)" "$tmp/l0.tar"
  for i in $(seq 1 $((n - 1))); do
    mkdir -p "$tmp/c$i/data"
    echo "layer $i of $tag" >"$tmp/c$i/data/file$i"
    tar -C "$tmp/c$i" --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$tmp/l$i.tar" .
  done
  for i in $(seq 0 $((n - 1))); do
    diff=$(sha256sum "$tmp/l$i.tar" | cut -d' ' -f1)
    gzip -n -1 "$tmp/l$i.tar"
    size=$(stat -c %s "$tmp/l$i.tar.gz")
    hex=$(_blob "$dir" "$tmp/l$i.tar.gz")
    layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$hex\",\"size\":$size}"
    diffs="$diffs${diffs:+,}\"sha256:$diff\""
  done
  jq -cn --argjson diffs "[$diffs]" --arg tag "$tag" '{created:"2024-01-02T03:04:05Z",
    architecture:"amd64", os:"linux",
    config:{Env:["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            Cmd:["/bin/sh"], Labels:{"org.example.tag":$tag}},
    rootfs:{type:"layers", diff_ids:$diffs}, history:[]}' >"$tmp/config.json"
  size=$(stat -c %s "$tmp/config.json")
  cfg=$(_blob "$dir" "$tmp/config.json")
  echo "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$cfg\",\"size\":$size},\"layers\":[$layers]}" >"$tmp/manifest.json"
  size=$(stat -c %s "$tmp/manifest.json")
  man=$(_blob "$dir" "$tmp/manifest.json")
  jq -cn --arg d "sha256:$man" --argjson s "$size" --arg t "$tag" \
    '{schemaVersion:2, manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",
      digest:$d, size:$s, annotations:{"org.opencontainers.image.ref.name":$t}}]}' >"$dir/index.json"
  rm -rf "$tmp"
  echo "sha256:$man"
}

# transfer_multiarch_layout SRC DIGEST DIR - DIR: a copy of layout SRC whose index.json holds,
# as tag "multi", an OCI index of SRC's image DIGEST (linux/amd64) and of a linux/arm64/v8
# twin (its config says arm64); prints the twin's config hex (its image id).
transfer_multiarch_layout() {
  local src=$1 man=${2#sha256:} dir=$3 cfg twin m2 ih
  rm -rf "$dir"; cp -r "$src" "$dir"
  cfg=$(jq -r .config.digest <"$dir/blobs/sha256/$man" | cut -d: -f2)
  jq -c '.architecture = "arm64" | .variant = "v8"' <"$dir/blobs/sha256/$cfg" >"$dir/twin.cfg"
  twin=$(_blob "$dir" "$dir/twin.cfg")
  jq -c --arg d "sha256:$twin" --argjson s "$(stat -c %s "$dir/blobs/sha256/$twin")" \
    '.config.digest = $d | .config.size = $s' <"$dir/blobs/sha256/$man" >"$dir/twin.man"
  m2=$(_blob "$dir" "$dir/twin.man")
  jq -cn --arg a "sha256:$man" --argjson asz "$(stat -c %s "$dir/blobs/sha256/$man")" \
    --arg b "sha256:$m2" --argjson bsz "$(stat -c %s "$dir/blobs/sha256/$m2")" '{schemaVersion:2,
     mediaType:"application/vnd.oci.image.index.v1+json",
     manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$a,size:$asz,
                 platform:{os:"linux",architecture:"amd64"}},
                {mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$b,size:$bsz,
                 platform:{os:"linux",architecture:"arm64",variant:"v8"}}]}' >"$dir/index.blob"
  ih=$(_blob "$dir" "$dir/index.blob")
  jq -cn --arg d "sha256:$ih" --argjson s "$(stat -c %s "$dir/blobs/sha256/$ih")" \
    '{schemaVersion:2,manifests:[{mediaType:"application/vnd.oci.image.index.v1+json",
      digest:$d,size:$s,annotations:{"org.opencontainers.image.ref.name":"multi"}}]}' >"$dir/index.json"
  echo "$twin"
}
