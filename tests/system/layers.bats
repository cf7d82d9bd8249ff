#!/usr/bin/env bats
# layers.bats - the test image (tests/lib/make-busybox-tar, make-layers-tar), safe layer
# extraction through the real programs (hostile tarballs change nothing outside the layer),
# save/load in docker-archive and oci-archive formats, many-layer images, and archive interop
# with Debian's podman.

load helpers

setup_file() { berth_test_setup_file; }
teardown_file() {
  PODMAN_DIR=$(cat "$BERTH_TEST_DIR/podman-dir" 2>/dev/null || true)
  if [ -n "${PODMAN_DIR:-}" ] && [ -d "$PODMAN_DIR" ]; then
    berth_unmount_under "$PODMAN_DIR"
    rm -rf "$PODMAN_DIR"
  fi
  local lc
  lc=$(cat "$BERTH_TEST_DIR/layouts-dir" 2>/dev/null || true)
  [ -z "$lc" ] || rm -rf "$lc"
  berth_test_teardown_file
}

# hostile_tar NAME PYTHON-BODY - write $BATS_TEST_TMPDIR/NAME.tar with python's tarfile; the body
# gets `t` (the open TarFile) and helpers file(name, data), link(name, target), sym(name, target).
hostile_tar() {
  local out="$BATS_TEST_TMPDIR/$1.tar"
  python3 - "$out" <<EOF
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
def file(name, data=b"pwned\n"):
    i = tarfile.TarInfo(name); i.size = len(data); i.mode = 0o644
    t.addfile(i, io.BytesIO(data))
def sym(name, target):
    i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target
    t.addfile(i)
def link(name, target):
    i = tarfile.TarInfo(name); i.type = tarfile.LNKTYPE; i.linkname = target
    t.addfile(i)
def dev(name, major, minor):
    i = tarfile.TarInfo(name); i.type = tarfile.CHRTYPE; i.devmajor = major; i.devminor = minor
    t.addfile(i)
$2
t.close()
EOF
  echo "$out"
}

canary_setup() {
  CANARY="$BATS_TEST_TMPDIR/canary"
  mkdir -p "$CANARY"
  echo orig >"$CANARY/file"
}

canary_untouched() {
  [ "$(ls -A "$CANARY")" = "file" ]
  [ "$(cat "$CANARY/file")" = orig ]
  [ "$(stat -c %h "$CANARY/file")" = 1 ]
}

@test "make-busybox-tar is deterministic and holds every applet link" {
  a=$(BERTH_TEST_CACHE="$BATS_TEST_TMPDIR/c1" "$BERTH_TOP/tests/lib/make-busybox-tar")
  b=$(BERTH_TEST_CACHE="$BATS_TEST_TMPDIR/c2" "$BERTH_TOP/tests/lib/make-busybox-tar")
  [ "$a" = "$BATS_TEST_TMPDIR/c1/busybox.tar" ]
  [ "$(sha256sum <"$a")" = "$(sha256sum <"$b")" ]
  # a second call reuses the cache
  c=$(BERTH_TEST_CACHE="$BATS_TEST_TMPDIR/c1" "$BERTH_TOP/tests/lib/make-busybox-tar")
  [ "$c" = "$a" ]
  run tar -tvf "$a"
  [ "$status" -eq 0 ]
  [[ "$output" == *"./bin/busybox"* ]]
  [[ "$output" == *"./bin/sh -> busybox"* ]]
  [[ "$output" == *"./usr/bin/wget -> ../../bin/busybox"* ]]
  [[ "$output" =~ drwxrwxrwt\ 0/0\ +0\ 1970-01-01\ 00:00\ \./tmp/ ]]
  [[ "$output" =~ drwx------\ 0/0\ +0\ 1970-01-01\ 00:00\ \./root/ ]]
  n=$(/bin/busybox --list-full | grep -vc -e '^bin/busybox$' -e '^linuxrc$')
  [ "$(tar -tf "$a" | grep -c -- '')" -ge "$n" ]
  run tar -xOf "$a" ./etc/passwd
  [ "${lines[0]}" = "root:x:0:0:root:/root:/bin/sh" ]
  [[ "$output" == *"nobody:x:65534:65534:"* ]]
}

@test "the busybox image unpacks with its links, modes and owners" {
  busybox_image
  run berth image inspect --format '{{.GraphDriver.Data.UpperDir}}' localhost/busybox
  [ "$status" -eq 0 ]
  d=$output
  [ -x "$d/bin/busybox" ]
  [ "$(readlink "$d/bin/sh")" = busybox ]
  [ "$(readlink "$d/usr/bin/wget")" = ../../bin/busybox ]
  [ "$(stat -c %a "$d/tmp")" = 1777 ]
  [ "$(stat -c %a "$d/root")" = 700 ]
  [ "$(stat -c %Y "$d/etc/passwd")" = 0 ]
  if ! is_rootless; then
    [ "$(stat -c %u:%g "$d/bin/busybox")" = 0:0 ]
  fi
}

@test "make-layers-tar makes N ordered layers with whiteouts" {
  dir=$(BERTH_TEST_CACHE="$BATS_TEST_TMPDIR/c" "$BERTH_TOP/tests/lib/make-layers-tar" 12)
  [ "$(ls "$dir" | grep -c '^layer-.*\.tar$')" -eq 12 ]
  run tar -tf "$dir/layer-0010.tar"
  [[ "$output" == *"./layers/.wh.0005"* ]]
  run tar -xOf "$dir/layer-0012.tar" ./layers/top
  [ "$output" = 12 ]
  run "$BERTH_TOP/tests/lib/make-layers-tar" 0
  [ "$status" -ne 0 ]
  [[ "$output" == *usage* ]]
}

@test "a tarball with .. is refused and writes nothing outside" {
  canary_setup
  tar=$(hostile_tar dotdot "file('ok'); file('../../../../../../../$CANARY/x'); file('../x')")
  run berth import "$tar" evil-dotdot
  [ "$status" -eq 125 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "${lines[0]}" == Error:* ]]
  [[ "$output" == *'".."'* ]]
  canary_untouched
  run berth image exists evil-dotdot
  [ "$status" -ne 0 ]
}

@test "absolute names and escaping symlinks are neutralised inside the layer" {
  canary_setup
  tar=$(hostile_tar abs "
file('/abs/path', b'inside\n')
sym('evil', '/')
file('evil/etc/shadow', b'inside\n')
sym('up', '../../../../../../../../..')
file('up/x', b'inside\n')
sym('can', '$CANARY/file')
file('can', b'replaced the symlink\n')
")
  run berth import "$tar" neutral
  [ "$status" -eq 0 ]
  canary_untouched
  d=$(berth image inspect --format '{{.GraphDriver.Data.UpperDir}}' neutral)
  [ "$(cat "$d/abs/path")" = inside ]
  [ "$(cat "$d/etc/shadow")" = inside ]
  [ "$(cat "$d/x")" = inside ]
  [ ! -L "$d/can" ]
  [ "$(cat "$d/can")" = "replaced the symlink" ]
  ! grep -q inside /etc/shadow
  [ ! -e /abs/path ]
}

@test "hardlinks to files outside the layer are refused" {
  canary_setup
  for target in /etc/shadow ../x "$CANARY/file"; do
    tar=$(hostile_tar hl "file('a'); link('b', '$target')")
    run berth import "$tar" evil-link
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *'"b"'* ]]
  done
  # and through a symlink that points out, resolved inside the root: still not found
  tar=$(hostile_tar hl2 "sym('out', '$CANARY'); link('b', 'out/file')")
  run berth import "$tar" evil-link
  [ "$status" -eq 125 ]
  [[ "$output" == *"not in the layer"* ]]
  canary_untouched
}

@test "a symlink loop and a corrupt or truncated stream are refused cleanly" {
  tar=$(hostile_tar loop "sym('a', 'b'); sym('b', 'a'); file('a/x')")
  run berth import "$tar" loop
  [ "$status" -eq 125 ]
  [[ "$output" == *"symlink loop"* ]]

  tar=$(busybox_tarball)
  gzip -c "$tar" | head -c 300000 >"$BATS_TEST_TMPDIR/trunc.tar.gz"
  run berth import "$BATS_TEST_TMPDIR/trunc.tar.gz" trunc
  [ "$status" -eq 125 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"corrupt or truncated"* ]]

  head -c 5000 /dev/urandom >"$BATS_TEST_TMPDIR/junk"
  run berth import "$BATS_TEST_TMPDIR/junk" junk
  [ "$status" -eq 125 ]
  [[ "$output" == *"not a valid tar stream"* ]]
  run berth image exists trunc
  [ "$status" -ne 0 ]
}

@test "whiteouts and opaque dirs become overlayfs whiteouts" {
  tar=$(hostile_tar wh "
file('d/.wh..wh..opq', b'')
file('d/kept', b'k')
file('.wh.gone', b'')
")
  run berth import "$tar" whiteouts
  [ "$status" -eq 0 ]
  d=$(berth image inspect --format '{{.GraphDriver.Data.UpperDir}}' whiteouts)
  [ -c "$d/gone" ]
  [ "$(stat -c %t:%T "$d/gone")" = 0:0 ]
  [ ! -e "$d/.wh.gone" ]
  [ ! -e "$d/d/.wh..wh..opq" ]
  if is_rootless; then
    [ "$(getfattr --only-values -n user.overlay.opaque "$d/d" 2>/dev/null)" = y ] ||
      [ "$(python3 -c "import os,sys; print(os.getxattr(sys.argv[1], 'user.overlay.opaque').decode())" "$d/d")" = y ]
  else
    [ "$(python3 -c "import os,sys; print(os.getxattr(sys.argv[1], 'trusted.overlay.opaque').decode())" "$d/d")" = y ]
  fi
}

@test "device nodes: created as root, skipped rootless" {
  tar=$(hostile_tar dev "dev('null', 1, 3); file('f', b'x')")
  run berth import "$tar" devnode
  [ "$status" -eq 0 ]
  d=$(berth image inspect --format '{{.GraphDriver.Data.UpperDir}}' devnode)
  if is_rootless; then
    [ ! -e "$d/null" ]
  else
    [ -c "$d/null" ]
    [ "$(stat -c %t:%T "$d/null")" = 1:3 ]
  fi
}

@test "save and load round-trip a docker-archive" {
  busybox_image
  id=$(berth image inspect --format '{{.Id}}' localhost/busybox)
  run berth save -o "$BATS_TEST_TMPDIR/bb.tar" localhost/busybox
  [ "$status" -eq 0 ]
  run tar -tf "$BATS_TEST_TMPDIR/bb.tar"
  [[ "$output" == *manifest.json* ]]
  [[ "$output" == *"$id.json"* ]]
  [[ "$output" == *repositories* ]]
  run tar -xOf "$BATS_TEST_TMPDIR/bb.tar" manifest.json
  [ "$(echo "$output" | jq -r '.[0].RepoTags[0]')" = localhost/busybox:latest ]
  # the layer is the uncompressed tar whose digest is the diff_id
  layer=$(echo "$output" | jq -r '.[0].Layers[0]')
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/bb.tar" "$layer" | sha256sum | cut -c1-64).tar" = "$layer" ]

  berth tag localhost/busybox keepme
  berth rmi localhost/busybox
  run berth load -i "$BATS_TEST_TMPDIR/bb.tar"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "Loaded image: localhost/busybox:latest" ]
  [ "$(berth image inspect --format '{{.Id}}' localhost/busybox)" = "$id" ]
}

@test "save and load round-trip an oci-archive through stdout and stdin" {
  busybox_image
  id=$(berth image inspect --format '{{.Id}}' localhost/busybox)
  berth save --format oci-archive -q localhost/busybox >"$BATS_TEST_TMPDIR/bb-oci.tar"
  run tar -xOf "$BATS_TEST_TMPDIR/bb-oci.tar" index.json
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]')" = localhost/busybox:latest ]
  run tar -xOf "$BATS_TEST_TMPDIR/bb-oci.tar" oci-layout
  [[ "$output" == *'"imageLayoutVersion":"1.0.0"'* ]]

  berth untag localhost/busybox
  run berth load -q <"$BATS_TEST_TMPDIR/bb-oci.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/busybox:latest" ]
  [ "$(berth image inspect --format '{{.Id}}' localhost/busybox)" = "$id" ]
}

@test "several images share one archive, common layers written once" {
  busybox_image
  archive=$(BERTH_TEST_CACHE="$BATS_TEST_TMPDIR/c" "$BERTH_TOP/tests/lib/make-layers-tar" 3 --docker-archive)
  berth load -q -i "$archive"
  for fmt in docker-archive oci-archive; do
    run berth save -q -m --format $fmt -o "$BATS_TEST_TMPDIR/multi.tar" localhost/busybox localhost/layers:3
    [ "$status" -eq 0 ]
    base=$(sha256sum <"$(busybox_tarball)" | cut -c1-64)
    [ "$(tar -tf "$BATS_TEST_TMPDIR/multi.tar" | grep -c "$base")" -eq 1 ]
    berth rmi localhost/busybox localhost/layers:3
    run berth load -q -i "$BATS_TEST_TMPDIR/multi.tar"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Loaded image: localhost/busybox:latest" ]
    [ "${lines[1]}" = "Loaded image: localhost/layers:3" ]
  done
  run berth events --stream=false --filter event=loadfromarchive --format '{{.Name}}'
  [[ "$output" == *localhost/layers:3* ]]
}

@test "save refuses a terminal and an unknown format; load refuses bad archives" {
  busybox_image
  run berth save --format tarball -o "$BATS_TEST_TMPDIR/x.tar" localhost/busybox
  [ "$status" -eq 125 ]
  [[ "$output" == *"unknown format"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/x.tar" ]
  run berth save -o "$BATS_TEST_TMPDIR/x.tar" no-such-image
  [ "$status" -eq 125 ]
  [ ! -e "$BATS_TEST_TMPDIR/x.tar" ]
  [ -z "$(ls "$BATS_TEST_TMPDIR" | grep berth-tmp)" ]

  # a manifest.json that points outside the archive
  m="$BATS_TEST_TMPDIR/evil-archive"
  mkdir -p "$m"
  echo '[{"Config":"../../../../../../etc/passwd","RepoTags":["evil:1"],"Layers":["/etc/shadow"]}]' >"$m/manifest.json"
  tar -C "$m" -cf "$BATS_TEST_TMPDIR/evil-archive.tar" manifest.json
  run berth load -i "$BATS_TEST_TMPDIR/evil-archive.tar"
  [ "$status" -eq 125 ]
  [[ "$output" == *"etc/passwd"* ]]

  # a layer that does not match the config's diff_id
  run berth save -o "$BATS_TEST_TMPDIR/good.tar" localhost/busybox
  [ "$status" -eq 0 ]
  t="$BATS_TEST_TMPDIR/tampered"
  mkdir -p "$t"
  tar -C "$t" -xf "$BATS_TEST_TMPDIR/good.tar"
  layer=$(jq -r '.[0].Layers[0]' "$t/manifest.json")
  hostile_tar other "file('etc/passwd', b'root::0:0::/:/bin/sh\n')" >/dev/null
  rm -f "$t/$layer"
  cp "$BATS_TEST_TMPDIR/other.tar" "$t/$layer"
  tar -C "$t" -cf "$BATS_TEST_TMPDIR/tampered.tar" .
  run berth load -i "$BATS_TEST_TMPDIR/tampered.tar"
  [ "$status" -eq 125 ]
  [[ "$output" == *diff_id* ]]

  head -c 3000 /dev/urandom >"$BATS_TEST_TMPDIR/junk.tar"
  run berth load -i "$BATS_TEST_TMPDIR/junk.tar"
  [ "$status" -eq 125 ]
  [ "${#lines[@]}" -eq 1 ]
  run berth load -i "$BATS_TEST_TMPDIR/no-such-file"
  [ "$status" -eq 125 ]
  [[ "$output" == *no-such-file* ]]
  # nothing of the failed loads is left in the store's tmp/
  [ -z "$(ls -A "$BERTH_TEST_ROOT/tmp" 2>/dev/null | grep '^load-')" ]
}

@test "an image of 121 layers loads with its order and whiteouts" {
  archive=$("$BERTH_TOP/tests/lib/make-layers-tar" 120 --docker-archive)
  run berth load -q -i "$archive"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/layers:120" ]
  run berth image inspect localhost/layers:120
  [ "$(echo "$output" | jq '.[0].RootFS.Layers | length')" -eq 121 ]
  top=$(echo "$output" | jq -r '.[0].GraphDriver.Data.UpperDir')
  [ "$(cat "$top/layers/top")" = 120 ]
  lower=$(echo "$output" | jq -r '.[0].GraphDriver.Data.LowerDir')
  [ "$(echo "$lower" | tr ':' '\n' | grep -c .)" -eq 120 ]
  # layer 10 (the 11th dir from the base) whites out /layers/0005
  l10=$(echo "$lower" | tr ':' '\n' | tac | sed -n 11p)
  [ -c "$l10/layers/0005" ]
  [ -f "$l10/layers/0010" ]
  # and it saves back to the same layers
  run berth save -q -o "$BATS_TEST_TMPDIR/l120.tar" localhost/layers:120
  [ "$status" -eq 0 ]
  [ "$(tar -xOf "$BATS_TEST_TMPDIR/l120.tar" manifest.json | jq -c '.[0].Layers')" = \
    "$(tar -xOf "$archive" manifest.json | jq -c '.[0].Layers')" ]
}

# podman with its own store and config under a temp dir (root only: podman rootless needs
# more of the host than these machines give).
podman_t() {
  CONTAINERS_CONF="$PODMAN_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf" \
    podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" --storage-driver vfs "$@"
}

podman_setup() {
  command -v podman >/dev/null || skip "podman is not installed"
  is_rootless && skip "podman interop runs as root"
  # podman refuses a runroot longer than 50 characters: a short dir of its own
  PODMAN_DIR=$(cat "$BERTH_TEST_DIR/podman-dir" 2>/dev/null || true)
  if [ -z "$PODMAN_DIR" ] || [ ! -d "$PODMAN_DIR" ]; then
    PODMAN_DIR=$(mktemp -d /tmp/berth-pm.XXXXXX)
    echo "$PODMAN_DIR" >"$BERTH_TEST_DIR/podman-dir"
  fi
  export PODMAN_DIR
  local runtime=runc
  command -v runc >/dev/null || runtime=crun
  printf '[engine]\nruntime = "%s"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' \
    "$runtime" >"$PODMAN_DIR/containers.conf"
  printf '[storage]\ndriver = "vfs"\nrunroot = "%s/run"\ngraphroot = "%s/root"\n' \
    "$PODMAN_DIR" "$PODMAN_DIR" >"$PODMAN_DIR/storage.conf"
}

@test "podman loads berth's docker-archive and oci-archive" {
  podman_setup
  busybox_image
  id=$(berth image inspect --format '{{.Id}}' localhost/busybox)
  berth save -q -o "$BATS_TEST_TMPDIR/d.tar" localhost/busybox
  berth save -q --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" localhost/busybox
  run podman_t load -i "$BATS_TEST_TMPDIR/d.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: localhost/busybox:latest"* ]]
  run podman_t images --format '{{.ID}}' localhost/busybox
  [ "$output" = "${id:0:12}" ]
  run podman_t rmi -f localhost/busybox
  run podman_t load -i "$BATS_TEST_TMPDIR/o.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: localhost/busybox:latest"* ]]
  run podman_t image mount localhost/busybox
  [ "$status" -eq 0 ]
  [ -x "$output/bin/busybox" ]
  [ "$(readlink "$output/bin/sh")" = busybox ]
  podman_t image unmount -a >/dev/null || true
}

@test "berth loads podman's docker-archive and oci-archive" {
  podman_setup
  archive=$("$BERTH_TOP/tests/lib/make-layers-tar" 12 --docker-archive)
  podman_t load -q -i "$archive" >/dev/null
  podman_t save -q -o "$BATS_TEST_TMPDIR/pd.tar" localhost/layers:12
  podman_t save -q --format oci-archive -o "$BATS_TEST_TMPDIR/po.tar" localhost/layers:12
  pid=$(podman_t images --format '{{.ID}}' localhost/layers:12)
  run berth load -i "$BATS_TEST_TMPDIR/pd.tar"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "Loaded image: localhost/layers:12" ]
  [ "$(berth image inspect --format '{{.Id}}' localhost/layers:12 | cut -c1-12)" = "$pid" ]
  berth rmi localhost/layers:12
  run berth load -q -i "$BATS_TEST_TMPDIR/po.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/layers:12" ]
  top=$(berth image inspect --format '{{.GraphDriver.Data.UpperDir}}' localhost/layers:12)
  [ "$(cat "$top/layers/top")" = 12 ]
}

@test "save --format oci-dir|docker-dir writes a layout that load, skopeo and umoci read back" {
  busybox_image
  id=$(berth image inspect --format '{{.Id}}' localhost/busybox)
  berth save -q --format oci-dir -o "$BATS_TEST_TMPDIR/od" busybox
  run jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$BATS_TEST_TMPDIR/od/index.json"
  [ "$output" = localhost/busybox:latest ]
  berth save -q --format docker-dir -o "$BATS_TEST_TMPDIR/dd" localhost/busybox
  [ "$(jq -r .mediaType "$BATS_TEST_TMPDIR/dd/manifest.json")" = application/vnd.docker.distribution.manifest.v2+json ]
  [ "$(skopeo inspect --raw --config "dir:$BATS_TEST_TMPDIR/dd" | sha256sum | cut -c1-64)" = "$id" ]
  umoci unpack --image "$BATS_TEST_TMPDIR/od:localhost/busybox:latest" "$BATS_TEST_TMPDIR/unpacked" >/dev/null
  [ -x "$BATS_TEST_TMPDIR/unpacked/rootfs/bin/busybox" ]
  berth untag localhost/busybox
  run berth load -q -i "$BATS_TEST_TMPDIR/od"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/busybox:latest" ]
  [ "$(berth image inspect --format '{{.Id}}' localhost/busybox)" = "$id" ]
  run berth load -q -i "$BATS_TEST_TMPDIR/dd"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: sha256:$id" ]
  # bad input: no -o, two images, an unknown image (no directory left), an empty directory
  run berth save --format oci-dir localhost/busybox
  [ "$status" -eq 125 ]
  [[ "$output" == *"--format oci-dir needs -o DIRECTORY"* ]]
  run berth save --format docker-dir -o "$BATS_TEST_TMPDIR/two" localhost/busybox localhost/busybox
  [ "$status" -eq 125 ]
  run berth save --format oci-dir -o "$BATS_TEST_TMPDIR/none" no-such-image
  [ "$status" -eq 125 ]
  [ ! -e "$BATS_TEST_TMPDIR/none" ]
  mkdir "$BATS_TEST_TMPDIR/empty"
  run berth load -i "$BATS_TEST_TMPDIR/empty"
  [ "$status" -eq 125 ]
  [[ "$output" == *"neither an OCI layout (index.json) nor a dir: layout (manifest.json)"* ]]
}

@test "podman loads berth's oci-dir and docker-dir; berth loads podman's" {
  podman_setup
  busybox_image
  # podman 4.3 reads an OCI layout's path as an image name: it must be lowercase
  d="/tmp/berth-layouts-$(date +%s%N)"
  echo "$d" >"$BERTH_TEST_DIR/layouts-dir"
  mkdir "$d"
  id=$(berth image inspect --format '{{.Id}}' localhost/busybox)
  berth save -q --format oci-dir -o "$d/od" localhost/busybox
  berth save -q --format docker-dir -o "$d/dd" localhost/busybox
  run podman_t load -i "$d/od"
  [ "$status" -eq 0 ]
  # (podman 4.3 names the image after the layout's path, not its ref.name)
  podman_t images --format '{{.ID}}' | grep -qx "${id:0:12}"
  podman_t rmi -f "${id:0:12}" >/dev/null
  run podman_t load -i "$d/dd"
  [ "$status" -eq 0 ]
  [[ "$output" == *"$id"* ]]
  podman_t tag "$id" localhost/busybox
  podman_t save -q --format oci-dir -o "$d/pod" localhost/busybox
  podman_t save -q --format docker-dir -o "$d/pdd" localhost/busybox
  berth rmi -f localhost/busybox
  run berth load -q -i "$d/pod"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/busybox:latest" ]
  run berth run --rm localhost/busybox echo from-podman-oci-dir
  [ "$output" = from-podman-oci-dir ]
  run berth load -q -i "$d/pdd"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: sha256:$id" ]
}
