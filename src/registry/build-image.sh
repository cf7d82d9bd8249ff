#!/usr/bin/env bash
# build-image.sh - build the "registry" image offline, as an OCI image layout: busybox-static
# (the walkthrough runs sh, ls and touch inside it) plus berth-registry and the shared libraries
# it loads, with distribution's config at /etc/docker/registry/config.yml, ENTRYPOINT/CMD to
# serve it, VOLUME /var/lib/registry and EXPOSE 5000 - the same contract as Docker Hub's
# "registry" image.
#
#   build-image.sh OUT_DIR [TAG]      (TAG defaults to latest)
#   BERTH_REGISTRY=/path/to/berth-registry overrides the binary (default: next to this build)
#
# Load it with: berth pull oci:OUT_DIR:TAG  (or skopeo copy oci:OUT_DIR:TAG containers-storage:
# localhost/registry:TAG) and tag it localhost/registry.
set -euo pipefail

out=${1:?usage: build-image.sh OUT_DIR [TAG]}
tag=${2:-latest}
here=$(cd "$(dirname "$0")" && pwd)
bin=${BERTH_REGISTRY:-}
if [ -z "$bin" ]; then
  for b in ${BERTH_BUILD:+"$BERTH_BUILD/src/registry/berth-registry"} "$here/../../build/src/registry/berth-registry"; do
    [ -x "$b" ] && { bin=$b; break; }
  done
fi
[ -x "${bin:-}" ] || { echo "build-image.sh: berth-registry not found; set BERTH_REGISTRY" >&2; exit 1; }
busybox=/bin/busybox
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 ||
  { echo "build-image.sh: $busybox is not a static busybox (install busybox-static)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,etc/docker/registry,var/lib/registry,tmp,lib64,usr/lib}
chmod 1777 "$root/tmp"

cp "$busybox" "$root/bin/busybox"
for app in $("$busybox" --list); do
  [ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
install -m 0755 "$bin" "$root/bin/berth-registry"
# the dynamic loader and every library the binary loads, at the same paths as on the host
ldd "$bin" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | sort -u | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

cat >"$root/etc/docker/registry/config.yml" <<'CFG'
version: 0.1
log:
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
CFG
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

# one reproducible layer
tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/layer.tar" .
gzip -n -9 <"$work/layer.tar" >"$work/layer.tar.gz"
sha() { sha256sum "$1" | cut -d' ' -f1; }
diff_id=$(sha "$work/layer.tar")
layer=$(sha "$work/layer.tar.gz")

mkdir -p "$out/blobs/sha256"
cp "$work/layer.tar.gz" "$out/blobs/sha256/$layer"
printf '%s' "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],\"Entrypoint\":[\"/bin/berth-registry\"],\"Cmd\":[\"serve\",\"/etc/docker/registry/config.yml\"],\"ExposedPorts\":{\"5000/tcp\":{}},\"Volumes\":{\"/var/lib/registry\":{}},\"WorkingDir\":\"/\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$diff_id\"]},\"history\":[{\"created_by\":\"berth src/registry/build-image.sh\"}]}" >"$work/config.json"
config=$(sha "$work/config.json")
cp "$work/config.json" "$out/blobs/sha256/$config"
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config\",\"size\":$(stat -c %s "$work/config.json")},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$layer\",\"size\":$(stat -c %s "$work/layer.tar.gz")}]}" >"$work/manifest.json"
manifest=$(sha "$work/manifest.json")
cp "$work/manifest.json" "$out/blobs/sha256/$manifest"
echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
printf '%s\n' "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest\",\"size\":$(stat -c %s "$work/manifest.json"),\"annotations\":{\"org.opencontainers.image.ref.name\":\"$tag\"}}]}" >"$out/index.json"
echo "sha256:$manifest"
