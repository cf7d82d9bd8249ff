#!/usr/bin/env bats
# berth-registry driven with curl: every endpoint of the OCI Distribution spec, the storage
# layout on disk, and the errors for bad input.

load ../lib/registry-helpers.bash

V2=docker/registry/v2
OCI_MT=application/vnd.oci.image.manifest.v1+json
OCI_INDEX=application/vnd.oci.image.index.v1+json
D2_MT=application/vnd.docker.distribution.manifest.v2+json
D2_LIST=application/vnd.docker.distribution.manifest.list.v2+json

setup() {
  REG_ROOT=$BATS_TEST_TMPDIR/root
  unset REGISTRY_HTTP_ADDR REGISTRY_STORAGE_DELETE_ENABLED REGISTRY_AUTH_HTPASSWD_PATH \
    REGISTRY_AUTH_HTPASSWD_REALM REGISTRY_HTTP_TLS_CERTIFICATE REGISTRY_HTTP_TLS_KEY
}

teardown() {
  reg_cleanup
}

@test "registry: --version, --help and unknown commands" {
  run "$(reg_bin)" --version
  [ "$status" -eq 0 ]
  [[ "$output" == "berth-registry version "* ]]
  run "$(reg_bin)" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"garbage-collect"* ]]
  run "$(reg_bin)" frobnicate
  [ "$status" -eq 125 ]
  [[ "$output" == *"unknown command frobnicate"* ]]
}

@test "registry: ping answers with the API version header" {
  reg_start
  [ "$(rcurl "$REG_URL/v2/")" = 200 ]
  [ "$(hdr Docker-Distribution-API-Version)" = registry/2.0 ]
  [ "$(body)" = "{}" ]
  [ "$(rcurl -I "$REG_URL/v2/")" = 200 ]
  # the access log names the request
  grep -q '"GET /v2/" 200' "$REG_LOG"
}

@test "registry: monolithic upload, GET, HEAD and the layout on disk" {
  reg_start
  echo "some layer content" >"$BATS_TEST_TMPDIR/blob"
  d=$(push_blob app/one "$BATS_TEST_TMPDIR/blob")
  hex=${d#sha256:}
  [ "$(hdr Location)" = "/v2/app/one/blobs/$d" ]
  [ "$(hdr Docker-Content-Digest)" = "$d" ]
  [ -f "$REG_ROOT/$V2/blobs/sha256/${hex:0:2}/$hex/data" ]
  [ "$(cat "$REG_ROOT/$V2/repositories/app/one/_layers/sha256/$hex/link")" = "$d" ]
  [ "$(rcurl "$REG_URL/v2/app/one/blobs/$d")" = 200 ]
  cmp "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/blob"
  [ "$(hdr Docker-Content-Digest)" = "$d" ]
  [ "$(rcurl -I "$REG_URL/v2/app/one/blobs/$d")" = 200 ]
  [ "$(hdr Content-Length)" = "$(stat -c %s "$BATS_TEST_TMPDIR/blob")" ]
  # another repository does not see it
  [ "$(rcurl -I "$REG_URL/v2/app/two/blobs/$d")" = 404 ]
  [ "$(rcurl "$REG_URL/v2/app/two/blobs/$d")" = 404 ]
  [ "$(err_code)" = BLOB_UNKNOWN ]
  # no upload left behind
  [ -z "$(ls "$REG_ROOT/$V2/repositories/app/one/_uploads")" ]
}

@test "registry: POST then PUT with the body" {
  reg_start
  head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/blob"
  d=$(sha256_of "$BATS_TEST_TMPDIR/blob")
  [ "$(rcurl -X POST "$REG_URL/v2/app/blobs/uploads/")" = 202 ]
  loc=$(hdr Location)
  [[ "$loc" == /v2/app/blobs/uploads/* ]]
  [ -n "$(hdr Docker-Upload-UUID)" ]
  [ "$(hdr Range)" = 0-0 ]
  uuid=$(hdr Docker-Upload-UUID)
  [ -f "$REG_ROOT/$V2/repositories/app/_uploads/$uuid/startedat" ]
  [ "$(rcurl -X PUT --data-binary @"$BATS_TEST_TMPDIR/blob" "$REG_URL$loc?digest=$d")" = 201 ]
  [ "$(hdr Docker-Content-Digest)" = "$d" ]
  [ "$(rcurl "$REG_URL/v2/app/blobs/$d")" = 200 ]
  cmp "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/blob"
  [ ! -e "$REG_ROOT/$V2/repositories/app/_uploads/$uuid" ]
}

@test "registry: chunked PATCH with Content-Range, status, out-of-order chunks" {
  reg_start
  printf 'first-chunk,' >"$BATS_TEST_TMPDIR/c1"
  printf 'second-chunk' >"$BATS_TEST_TMPDIR/c2"
  cat "$BATS_TEST_TMPDIR/c1" "$BATS_TEST_TMPDIR/c2" >"$BATS_TEST_TMPDIR/all"
  d=$(sha256_of "$BATS_TEST_TMPDIR/all")
  [ "$(rcurl -X POST "$REG_URL/v2/chunky/blobs/uploads/")" = 202 ]
  loc=$(hdr Location)
  [ "$(rcurl -X PATCH -H 'Content-Range: 0-11' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$BATS_TEST_TMPDIR/c1" "$REG_URL$loc")" = 202 ]
  [ "$(hdr Range)" = 0-11 ]
  # status
  [ "$(rcurl "$REG_URL$loc")" = 204 ]
  [ "$(hdr Range)" = 0-11 ]
  # a chunk that does not start at the current end
  [ "$(rcurl -X PATCH -H 'Content-Range: 5-16' --data-binary @"$BATS_TEST_TMPDIR/c2" "$REG_URL$loc")" = 416 ]
  [ "$(hdr Range)" = 0-11 ]
  # a Content-Range that does not match the length
  [ "$(rcurl -X PATCH -H 'Content-Range: 12-30' --data-binary @"$BATS_TEST_TMPDIR/c2" "$REG_URL$loc")" = 416 ]
  [ "$(rcurl -X PATCH -H 'Content-Range: 12-23' --data-binary @"$BATS_TEST_TMPDIR/c2" "$REG_URL$loc")" = 202 ]
  [ "$(hdr Range)" = 0-23 ]
  # a streamed chunk without Content-Range, then finish with an empty PUT
  [ "$(rcurl -X PUT "$REG_URL$loc?digest=$d")" = 201 ]
  [ "$(rcurl "$REG_URL/v2/chunky/blobs/$d")" = 200 ]
  cmp "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/all"
}

@test "registry: a streamed PATCH without Content-Range, finished after a restart" {
  reg_start
  head -c 300000 /dev/urandom >"$BATS_TEST_TMPDIR/p1"
  head -c 5000 /dev/urandom >"$BATS_TEST_TMPDIR/p2"
  cat "$BATS_TEST_TMPDIR/p1" "$BATS_TEST_TMPDIR/p2" >"$BATS_TEST_TMPDIR/all"
  d=$(sha256_of "$BATS_TEST_TMPDIR/all")
  [ "$(rcurl -X POST "$REG_URL/v2/restart/blobs/uploads/")" = 202 ]
  loc=$(hdr Location)
  [ "$(rcurl -X PATCH --data-binary @"$BATS_TEST_TMPDIR/p1" "$REG_URL$loc")" = 202 ]
  [ "$(hdr Range)" = 0-299999 ]
  # kill -9: the running hash is lost, the data is not; nothing sits at the digest path
  kill -9 "$REG_PID"; wait "$REG_PID" 2>/dev/null || true; forget_pid "$REG_PID"
  hex=${d#sha256:}
  [ ! -e "$REG_ROOT/$V2/blobs/sha256/${hex:0:2}/$hex" ]
  reg_start
  [ "$(rcurl -X PUT --data-binary @"$BATS_TEST_TMPDIR/p2" "$REG_URL$loc?digest=$d")" = 201 ]
  [ "$(rcurl "$REG_URL/v2/restart/blobs/$d")" = 200 ]
  cmp "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/all"
}

@test "registry: a wrong digest stores nothing" {
  reg_start
  echo "real content" >"$BATS_TEST_TMPDIR/blob"
  echo "other content" >"$BATS_TEST_TMPDIR/other"
  wrong=$(sha256_of "$BATS_TEST_TMPDIR/other")
  [ "$(rcurl -X POST --data-binary @"$BATS_TEST_TMPDIR/blob" "$REG_URL/v2/app/blobs/uploads/?digest=$wrong")" = 400 ]
  [ "$(err_code)" = DIGEST_INVALID ]
  hex=${wrong#sha256:}
  [ ! -e "$REG_ROOT/$V2/blobs/sha256/${hex:0:2}/$hex" ]
  [ -z "$(ls "$REG_ROOT/$V2/repositories/app/_uploads")" ]
  [ "$(rcurl -I "$REG_URL/v2/app/blobs/$wrong")" = 404 ]
  # the same through POST + PUT
  [ "$(rcurl -X POST "$REG_URL/v2/app/blobs/uploads/")" = 202 ]
  loc=$(hdr Location)
  [ "$(rcurl -X PUT --data-binary @"$BATS_TEST_TMPDIR/blob" "$REG_URL$loc?digest=$wrong")" = 400 ]
  [ "$(err_code)" = DIGEST_INVALID ]
  [ ! -e "$REG_ROOT/$V2/blobs/sha256/${hex:0:2}/$hex" ]
  # malformed digests
  [ "$(rcurl "$REG_URL/v2/app/blobs/sha256:1234")" = 400 ]
  [ "$(err_code)" = DIGEST_INVALID ]
  [ "$(rcurl "$REG_URL/v2/app/blobs/md5:d41d8cd98f00b204e9800998ecf8427e")" = 400 ]
  [ "$(rcurl -X POST "$REG_URL/v2/app/blobs/uploads/?digest=sha256:XYZ")" = 400 ]
  [ "$(err_code)" = DIGEST_INVALID ]
  [ "$(rcurl -X POST "$REG_URL/v2/app/blobs/uploads/")" = 202 ]
  [ "$(rcurl -X PUT --data-binary @"$BATS_TEST_TMPDIR/blob" "$REG_URL$(hdr Location)")" = 400 ]
  [ "$(err_code)" = DIGEST_INVALID ]
}

@test "registry: Range requests" {
  reg_start
  printf '0123456789' >"$BATS_TEST_TMPDIR/blob"
  d=$(push_blob r "$BATS_TEST_TMPDIR/blob")
  [ "$(rcurl -H 'Range: bytes=2-5' "$REG_URL/v2/r/blobs/$d")" = 206 ]
  [ "$(body)" = 2345 ]
  [ "$(hdr Content-Range)" = "bytes 2-5/10" ]
  [ "$(rcurl -H 'Range: bytes=7-' "$REG_URL/v2/r/blobs/$d")" = 206 ]
  [ "$(body)" = 789 ]
  [ "$(rcurl -H 'Range: bytes=-3' "$REG_URL/v2/r/blobs/$d")" = 206 ]
  [ "$(body)" = 789 ]
  [ "$(rcurl -H 'Range: bytes=10-20' "$REG_URL/v2/r/blobs/$d")" = 416 ]
  [ "$(hdr Content-Range)" = "bytes */10" ]
  [ "$(rcurl -H 'Range: bytes=5-2' "$REG_URL/v2/r/blobs/$d")" = 416 ]
  [ "$(rcurl -H 'Range: lines=1-2' "$REG_URL/v2/r/blobs/$d")" = 416 ]
}

@test "registry: a 24 MiB blob streamed in one PUT; GET and Range GET return the exact bytes" {
  reg_start
  f=$BATS_TEST_TMPDIR/big
  head -c $((24 * 1024 * 1024 + 12345)) /dev/urandom >"$f"
  d=$(sha256_of "$f")
  [ "$(rcurl -X POST "$REG_URL/v2/big/blobs/uploads/")" = 202 ]
  loc=$(hdr Location)
  # --upload-file streams: the server sees it in many pieces, writing it back as it goes
  [ "$(rcurl -X PUT -H 'Content-Type: application/octet-stream' --upload-file "$f" "$REG_URL$loc?digest=$d")" = 201 ]
  [ "$(rcurl "$REG_URL/v2/big/blobs/$d")" = 200 ]
  cmp "$BATS_TEST_TMPDIR/b" "$f"
  [ "$(rcurl -H 'Range: bytes=1000000-17000000' "$REG_URL/v2/big/blobs/$d")" = 206 ]
  [ "$(hdr Content-Range)" = "bytes 1000000-17000000/$(stat -c %s "$f")" ]
  tail -c +1000001 "$f" | head -c 16000001 | cmp - "$BATS_TEST_TMPDIR/b"
  [ "$(rcurl -H 'Range: bytes=-100000' "$REG_URL/v2/big/blobs/$d")" = 206 ]
  tail -c 100000 "$f" | cmp - "$BATS_TEST_TMPDIR/b"
  [ "$(rcurl -H 'Range: bytes=25165824-' "$REG_URL/v2/big/blobs/$d")" = 206 ]
  tail -c 12345 "$f" | cmp - "$BATS_TEST_TMPDIR/b"
}

upload_bytes() { # UUID: bytes the server has written for that upload so far
  stat -c %s "$REG_ROOT/$V2/repositories/killed/_uploads/$1/data" 2>/dev/null || echo 0
}
upload_started() { [ "$(upload_bytes "$1")" -gt 1000000 ]; }

@test "registry: a killed upload leaves nothing at the digest path" {
  reg_start
  f=$BATS_TEST_TMPDIR/big
  head -c $((32 * 1024 * 1024)) /dev/urandom >"$f"
  d=$(sha256_of "$f") hex=$(sha256sum "$f" | cut -d' ' -f1)
  # the client dies in the middle of its PUT
  [ "$(rcurl -X POST "$REG_URL/v2/killed/blobs/uploads/")" = 202 ]
  loc=$(hdr Location) uuid=$(hdr Docker-Upload-UUID)
  curl -s --limit-rate 4M -X PUT --upload-file "$f" "$REG_URL$loc?digest=$d" -o /dev/null &
  cpid=$!
  wait_until 30 upload_started "$uuid"
  kill -9 "$cpid"; wait "$cpid" 2>/dev/null || true
  [ ! -e "$REG_ROOT/$V2/blobs/sha256/${hex:0:2}/$hex" ]
  [ "$(rcurl -I "$REG_URL/v2/killed/blobs/$d")" = 404 ]
  # the server dies (kill -9) in the middle of a PUT
  [ "$(rcurl -X POST "$REG_URL/v2/killed/blobs/uploads/")" = 202 ]
  loc=$(hdr Location) uuid=$(hdr Docker-Upload-UUID)
  curl -s --limit-rate 4M -X PUT --upload-file "$f" "$REG_URL$loc?digest=$d" -o /dev/null &
  cpid=$!
  wait_until 30 upload_started "$uuid"
  kill -9 "$REG_PID"; wait "$REG_PID" 2>/dev/null || true; forget_pid "$REG_PID"
  wait "$cpid" 2>/dev/null || true
  [ "$(upload_bytes "$uuid")" -lt $((32 * 1024 * 1024)) ]
  [ ! -e "$REG_ROOT/$V2/blobs/sha256/${hex:0:2}/$hex" ]
  reg_start
  [ "$(rcurl -I "$REG_URL/v2/killed/blobs/$d")" = 404 ]
  [ "$(rcurl "$REG_URL/v2/killed/blobs/$d")" = 404 ]
  # a whole upload afterwards is stored and served
  [ "$(rcurl -X POST "$REG_URL/v2/killed/blobs/uploads/")" = 202 ]
  [ "$(rcurl -X PUT --upload-file "$f" "$REG_URL$(hdr Location)?digest=$d")" = 201 ]
  [ "$(rcurl "$REG_URL/v2/killed/blobs/$d")" = 200 ]
  cmp "$BATS_TEST_TMPDIR/b" "$f"
}

@test "registry: cancel an upload" {
  reg_start
  [ "$(rcurl -X POST "$REG_URL/v2/app/blobs/uploads/")" = 202 ]
  loc=$(hdr Location) uuid=$(hdr Docker-Upload-UUID)
  [ "$(rcurl -X DELETE "$REG_URL$loc")" = 204 ]
  [ ! -e "$REG_ROOT/$V2/repositories/app/_uploads/$uuid" ]
  [ "$(rcurl "$REG_URL$loc")" = 404 ]
  [ "$(err_code)" = BLOB_UPLOAD_UNKNOWN ]
  [ "$(rcurl -X PATCH --data-binary x "$REG_URL$loc")" = 404 ]
  [ "$(rcurl -X DELETE "$REG_URL$loc")" = 404 ]
  [ "$(rcurl "$REG_URL/v2/app/blobs/uploads/not-a-uuid!")" = 404 ]
}

@test "registry: cross-repository mount" {
  reg_start
  echo "shared layer" >"$BATS_TEST_TMPDIR/blob"
  d=$(push_blob src/repo "$BATS_TEST_TMPDIR/blob")
  [ "$(rcurl -X POST "$REG_URL/v2/dst/repo/blobs/uploads/?mount=$d&from=src/repo")" = 201 ]
  [ "$(hdr Location)" = "/v2/dst/repo/blobs/$d" ]
  [ "$(rcurl -I "$REG_URL/v2/dst/repo/blobs/$d")" = 200 ]
  # from a repository without the blob: a regular upload session instead
  [ "$(rcurl -X POST "$REG_URL/v2/third/blobs/uploads/?mount=$d&from=nothere")" = 202 ]
  [ -n "$(hdr Docker-Upload-UUID)" ]
  [ "$(rcurl -I "$REG_URL/v2/third/blobs/$d")" = 404 ]
}

@test "registry: OCI manifest by tag and by digest, Accept, layout links" {
  reg_start
  push_image app/web v1 "$BATS_TEST_TMPDIR/img"
  md=$(sha256_of "$BATS_TEST_TMPDIR/img/manifest.json")
  [ "$(hdr Docker-Content-Digest)" = "$md" ]
  [ "$(hdr Location)" = "/v2/app/web/manifests/$md" ]
  hex=${md#sha256:}
  r=$REG_ROOT/$V2/repositories/app/web/_manifests
  [ "$(cat "$r/revisions/sha256/$hex/link")" = "$md" ]
  [ "$(cat "$r/tags/v1/current/link")" = "$md" ]
  [ "$(cat "$r/tags/v1/index/sha256/$hex/link")" = "$md" ]
  [ -f "$REG_ROOT/$V2/blobs/sha256/${hex:0:2}/$hex/data" ]
  [ "$(rcurl -H "Accept: $OCI_MT" "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  cmp "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/img/manifest.json"
  [ "$(hdr Content-Type)" = "$OCI_MT" ]
  [ "$(hdr Docker-Content-Digest)" = "$md" ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/$md")" = 200 ]
  cmp "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/img/manifest.json"
  [ "$(rcurl -I "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  [ "$(hdr Content-Length)" = "$(stat -c %s "$BATS_TEST_TMPDIR/img/manifest.json")" ]
  # several Accept headers, as Go clients send them
  [ "$(rcurl -H "Accept: $D2_MT" -H "Accept: $OCI_MT" "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  # a client that accepts only Docker schema2 does not get an OCI manifest
  [ "$(rcurl -H "Accept: $D2_MT" "$REG_URL/v2/app/web/manifests/v1")" = 404 ]
  [ "$(err_code)" = MANIFEST_UNKNOWN ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v2")" = 404 ]
  [ "$(err_code)" = MANIFEST_UNKNOWN ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/sha256:$(printf '%064d' 0)")" = 404 ]
  # pushing by digest works, with a matching digest only
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary @"$BATS_TEST_TMPDIR/img/manifest.json" \
    "$REG_URL/v2/app/web/manifests/$md")" = 201 ]
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary @"$BATS_TEST_TMPDIR/img/manifest.json" \
    "$REG_URL/v2/app/web/manifests/sha256:$(printf '%064d' 1)")" = 400 ]
  [ "$(err_code)" = DIGEST_INVALID ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/bad:tag")" = 400 ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/-bad")" = 400 ]
  [ "$(err_code)" = TAG_INVALID ]
}

@test "registry: Docker schema2 manifests and manifest lists" {
  reg_start
  push_image d2/app amd64 "$BATS_TEST_TMPDIR/img" "$D2_MT"
  md=$(sha256_of "$BATS_TEST_TMPDIR/img/manifest.json")
  size=$(stat -c %s "$BATS_TEST_TMPDIR/img/manifest.json")
  [ "$(rcurl -H "Accept: $D2_MT" "$REG_URL/v2/d2/app/manifests/amd64")" = 200 ]
  [ "$(hdr Content-Type)" = "$D2_MT" ]
  printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"%s","size":%d,"platform":{"architecture":"amd64","os":"linux"}}]}' \
    "$D2_LIST" "$D2_MT" "$md" "$size" >"$BATS_TEST_TMPDIR/list.json"
  [ "$(rcurl -X PUT -H "Content-Type: $D2_LIST" --data-binary @"$BATS_TEST_TMPDIR/list.json" "$REG_URL/v2/d2/app/manifests/latest")" = 201 ]
  [ "$(rcurl -H "Accept: $D2_LIST" "$REG_URL/v2/d2/app/manifests/latest")" = 200 ]
  [ "$(hdr Content-Type)" = "$D2_LIST" ]
  # an index naming a manifest the repository does not have
  printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"sha256:%064d","size":1}]}' \
    "$OCI_INDEX" "$OCI_MT" 7 >"$BATS_TEST_TMPDIR/bad.json"
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_INDEX" --data-binary @"$BATS_TEST_TMPDIR/bad.json" "$REG_URL/v2/d2/app/manifests/bad")" = 400 ]
  [ "$(err_code)" = MANIFEST_BLOB_UNKNOWN ]
  [ ! -e "$REG_ROOT/$V2/repositories/d2/app/_manifests/tags/bad" ]
  # Content-Type and mediaType that disagree
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_INDEX" --data-binary @"$BATS_TEST_TMPDIR/list.json" "$REG_URL/v2/d2/app/manifests/x")" = 400 ]
  [ "$(err_code)" = MANIFEST_INVALID ]
}

@test "registry: invalid manifests are refused and nothing is stored" {
  reg_start
  make_image "$BATS_TEST_TMPDIR/img"
  # blobs not uploaded
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary @"$BATS_TEST_TMPDIR/img/manifest.json" "$REG_URL/v2/m/manifests/v1")" = 400 ]
  [ "$(err_code)" = MANIFEST_BLOB_UNKNOWN ]
  [ ! -e "$REG_ROOT/$V2/repositories/m/_manifests" ]
  # not JSON
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary '{"schemaVersion":2,' "$REG_URL/v2/m/manifests/v1")" = 400 ]
  [ "$(err_code)" = MANIFEST_INVALID ]
  # schema1 / wrong schemaVersion, missing layers, bad descriptor digest
  [ "$(rcurl -X PUT --data-binary '{"schemaVersion":1,"name":"m","tag":"v1"}' "$REG_URL/v2/m/manifests/v1")" = 400 ]
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary '{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:00","size":1}}' "$REG_URL/v2/m/manifests/v1")" = 400 ]
  [ "$(err_code)" = MANIFEST_INVALID ]
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary '{"schemaVersion":2,"mediaType":"text/plain","config":{},"layers":[]}' "$REG_URL/v2/m/manifests/v1")" = 400 ]
  # over 4 MiB
  head -c $((4 * 1024 * 1024 + 10)) /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/huge"
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary @"$BATS_TEST_TMPDIR/huge" "$REG_URL/v2/m/manifests/v1")" = 413 ]
  [ "$(err_code)" = MANIFEST_INVALID ]
  # the same size streamed without a Content-Length
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" -H 'Transfer-Encoding: chunked' --data-binary @"$BATS_TEST_TMPDIR/huge" "$REG_URL/v2/m/manifests/v1")" = 413 ]
  [ ! -e "$REG_ROOT/$V2/repositories/m/_manifests" ]
  [ "$(rcurl "$REG_URL/v2/m/tags/list")" = 404 ] || [ "$(body | jq -r '.tags | length')" = 0 ]
}

@test "registry: bad repository names" {
  reg_start
  for name in UPPER/case 'a/../b' '../etc' 'a//b' '-lead' 'trail-' 'a..b' "$(printf 'a%.0s' $(seq 256))"; do
    [ "$(rcurl "$REG_URL/v2/$name/tags/list")" = 400 ] || { echo "name $name"; false; }
    [ "$(err_code)" = NAME_INVALID ]
    [ "$(rcurl -X POST "$REG_URL/v2/$name/blobs/uploads/")" = 400 ]
  done
  # the longest valid name
  long=$(printf 'a%.0s' $(seq 255))
  [ "$(rcurl -X POST "$REG_URL/v2/$long/blobs/uploads/")" = 202 ]
  [ "$(rcurl "$REG_URL/v2/a.b_c__d--e/f/tags/list")" = 404 ]
  [ "$(err_code)" = NAME_UNKNOWN ]
  [ ! -e "$BATS_TEST_TMPDIR/etc" ] && [ ! -e "$REG_ROOT/$V2/b" ]
  [ "$(rcurl "$REG_URL/v3/whatever")" = 404 ]
}

@test "registry: tags list and catalog with pagination" {
  reg_start
  push_image pag/one v1 "$BATS_TEST_TMPDIR/i1"
  for t in v2 v3 latest; do
    [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary @"$BATS_TEST_TMPDIR/i1/manifest.json" "$REG_URL/v2/pag/one/manifests/$t")" = 201 ]
  done
  push_image pag/two v1 "$BATS_TEST_TMPDIR/i2"
  push_image aaa v1 "$BATS_TEST_TMPDIR/i3"
  [ "$(rcurl "$REG_URL/v2/pag/one/tags/list")" = 200 ]
  [ "$(body | jq -c .)" = '{"name":"pag/one","tags":["latest","v1","v2","v3"]}' ]
  [ "$(rcurl "$REG_URL/v2/pag/one/tags/list?n=2")" = 200 ]
  [ "$(body | jq -c .tags)" = '["latest","v1"]' ]
  [ "$(hdr Link)" = '</v2/pag/one/tags/list?last=v1&n=2>; rel="next"' ]
  [ "$(rcurl "$REG_URL/v2/pag/one/tags/list?n=2&last=v1")" = 200 ]
  [ "$(body | jq -c .tags)" = '["v2","v3"]' ]
  [ -z "$(hdr Link)" ]
  [ "$(rcurl "$REG_URL/v2/pag/one/tags/list?n=abc")" = 400 ]
  [ "$(err_code)" = PAGINATION_NUMBER_INVALID ]
  [ "$(rcurl "$REG_URL/v2/_catalog")" = 200 ]
  [ "$(body | jq -c .)" = '{"repositories":["aaa","pag/one","pag/two"]}' ]
  [ "$(rcurl "$REG_URL/v2/_catalog?n=1")" = 200 ]
  [ "$(body | jq -c .repositories)" = '["aaa"]' ]
  [ "$(hdr Link)" = '</v2/_catalog?last=aaa&n=1>; rel="next"' ]
  [ "$(rcurl "$REG_URL/v2/_catalog?n=5&last=pag/one")" = 200 ]
  [ "$(body | jq -c .repositories)" = '["pag/two"]' ]
}

@test "registry: referrers API with artifactType filter" {
  reg_start
  push_image ref/app v1 "$BATS_TEST_TMPDIR/img"
  md=$(sha256_of "$BATS_TEST_TMPDIR/img/manifest.json")
  size=$(stat -c %s "$BATS_TEST_TMPDIR/img/manifest.json")
  printf '{}' >"$BATS_TEST_TMPDIR/empty"
  ed=$(push_blob ref/app "$BATS_TEST_TMPDIR/empty")
  for kind in sbom sig; do
    printf '{"schemaVersion":2,"mediaType":"%s","artifactType":"application/vnd.example.%s","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[],"subject":{"mediaType":"%s","digest":"%s","size":%d},"annotations":{"kind":"%s"}}' \
      "$OCI_MT" "$kind" "$ed" "$OCI_MT" "$md" "$size" "$kind" >"$BATS_TEST_TMPDIR/$kind.json"
    [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary @"$BATS_TEST_TMPDIR/$kind.json" \
      "$REG_URL/v2/ref/app/manifests/$(sha256_of "$BATS_TEST_TMPDIR/$kind.json")")" = 201 ]
    [ "$(hdr OCI-Subject)" = "$md" ]
  done
  [ "$(rcurl "$REG_URL/v2/ref/app/referrers/$md")" = 200 ]
  [ "$(hdr Content-Type)" = "$OCI_INDEX" ]
  [ "$(body | jq -r '.manifests | length')" = 2 ]
  [ "$(body | jq -r '[.manifests[].artifactType] | sort | join(",")')" = "application/vnd.example.sbom,application/vnd.example.sig" ]
  [ "$(rcurl "$REG_URL/v2/ref/app/referrers/$md?artifactType=application/vnd.example.sig")" = 200 ]
  [ "$(hdr OCI-Filters-Applied)" = artifactType ]
  [ "$(body | jq -r '.manifests | length')" = 1 ]
  [ "$(body | jq -r '.manifests[0].annotations.kind')" = sig ]
  [ "$(body | jq -r '.manifests[0].digest')" = "$(sha256_of "$BATS_TEST_TMPDIR/sig.json")" ]
  # no referrers: an empty index, not an error
  [ "$(rcurl "$REG_URL/v2/ref/app/referrers/sha256:$(printf '%064d' 3)")" = 200 ]
  [ "$(body | jq -r '.manifests | length')" = 0 ]
  [ "$(rcurl "$REG_URL/v2/ref/app/referrers/latest")" = 400 ]
}

@test "registry: deletion is refused unless enabled" {
  reg_start
  push_image del/app v1 "$BATS_TEST_TMPDIR/img"
  md=$(sha256_of "$BATS_TEST_TMPDIR/img/manifest.json")
  [ "$(rcurl -X DELETE "$REG_URL/v2/del/app/manifests/$md")" = 405 ]
  [ "$(err_code)" = UNSUPPORTED ]
  [ "$(rcurl -I "$REG_URL/v2/del/app/manifests/v1")" = 200 ]
}

@test "registry: manifest, tag and blob DELETE when enabled" {
  REGISTRY_STORAGE_DELETE_ENABLED=true reg_start
  push_image del/app v1 "$BATS_TEST_TMPDIR/img"
  md=$(sha256_of "$BATS_TEST_TMPDIR/img/manifest.json")
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary @"$BATS_TEST_TMPDIR/img/manifest.json" "$REG_URL/v2/del/app/manifests/v2")" = 201 ]
  # delete a tag: the manifest stays
  [ "$(rcurl -X DELETE "$REG_URL/v2/del/app/manifests/v2")" = 202 ]
  [ "$(rcurl -I "$REG_URL/v2/del/app/manifests/v2")" = 404 ]
  [ "$(rcurl -I "$REG_URL/v2/del/app/manifests/$md")" = 200 ]
  # delete by digest: the manifest and its tags go
  [ "$(rcurl -X DELETE "$REG_URL/v2/del/app/manifests/$md")" = 202 ]
  [ "$(rcurl -I "$REG_URL/v2/del/app/manifests/$md")" = 404 ]
  [ "$(rcurl -I "$REG_URL/v2/del/app/manifests/v1")" = 404 ]
  [ "$(rcurl "$REG_URL/v2/del/app/tags/list")" = 200 ]
  [ "$(body | jq -c .tags)" = '[]' ]
  [ "$(rcurl -X DELETE "$REG_URL/v2/del/app/manifests/$md")" = 404 ]
  [ "$(err_code)" = MANIFEST_UNKNOWN ]
  ld=$(sha256_of "$BATS_TEST_TMPDIR/img/layer.tar")
  [ "$(rcurl -X DELETE "$REG_URL/v2/del/app/blobs/$ld")" = 202 ]
  [ "$(rcurl -I "$REG_URL/v2/del/app/blobs/$ld")" = 404 ]
  [ "$(rcurl -X DELETE "$REG_URL/v2/del/app/blobs/$ld")" = 404 ]
  [ "$(err_code)" = BLOB_UNKNOWN ]
}

@test "registry: /v1/search answers from the repositories on disk" {
  reg_start
  push_image library/alpine v1 "$BATS_TEST_TMPDIR/i1"
  push_image team/alpine-tools v1 "$BATS_TEST_TMPDIR/i2"
  push_image other v1 "$BATS_TEST_TMPDIR/i3"
  [ "$(rcurl "$REG_URL/v1/search?q=alpine&n=25")" = 200 ]
  [ "$(body | jq -r '.num_results')" = 2 ]
  [ "$(body | jq -r '[.results[].name] | join(",")')" = "library/alpine,team/alpine-tools" ]
  # library/ repositories are the official ones, as on Docker Hub
  [ "$(body | jq -c '[.results[] | [.description, .star_count, .is_official]]')" = '[["",0,true],["",0,false]]' ]
  [ "$(rcurl "$REG_URL/v1/search?q=alpine&n=1")" = 200 ]
  [ "$(body | jq -r '.results | length')" = 1 ]
  [ "$(rcurl "$REG_URL/v1/search?q=nothing")" = 200 ]
  [ "$(body | jq -r '.num_results')" = 0 ]
}

@test "registry: htpasswd basic auth" {
  htpasswd -Bbn alice s3cret >"$BATS_TEST_TMPDIR/htpasswd"
  REGISTRY_AUTH_HTPASSWD_PATH=$BATS_TEST_TMPDIR/htpasswd REGISTRY_AUTH_HTPASSWD_REALM="Berth Realm" reg_start
  [ "$(rcurl "$REG_URL/v2/")" = 401 ]
  [ "$(err_code)" = UNAUTHORIZED ]
  [ "$(hdr WWW-Authenticate)" = 'Basic realm="Berth Realm"' ]
  [ "$(rcurl -u alice:wrong "$REG_URL/v2/")" = 401 ]
  [ "$(rcurl -u bob:s3cret "$REG_URL/v2/")" = 401 ]
  [ "$(rcurl -u alice:s3cret "$REG_URL/v2/")" = 200 ]
  echo data >"$BATS_TEST_TMPDIR/blob"
  d=$(sha256_of "$BATS_TEST_TMPDIR/blob")
  [ "$(rcurl -X POST --data-binary @"$BATS_TEST_TMPDIR/blob" "$REG_URL/v2/a/blobs/uploads/?digest=$d")" = 401 ]
  [ ! -e "$REG_ROOT/$V2/repositories/a" ]
  [ "$(rcurl -u alice:s3cret -X POST --data-binary @"$BATS_TEST_TMPDIR/blob" "$REG_URL/v2/a/blobs/uploads/?digest=$d")" = 201 ]
  # a cached credential must not let a wrong password through
  [ "$(rcurl -u alice:s3cret2 "$REG_URL/v2/")" = 401 ]
  # a non-bcrypt htpasswd is refused at start with a clear message
  htpasswd -mbn bob pw >"$BATS_TEST_TMPDIR/md5"
  REGISTRY_HTTP_ADDR=127.0.0.1:0 REGISTRY_AUTH_HTPASSWD_PATH=$BATS_TEST_TMPDIR/md5 \
    REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=$REG_ROOT run "$(reg_bin)" serve
  [ "$status" -eq 1 ]
  [[ "$output" == *"bcrypt"* ]]
}

@test "registry: read-only mode" {
  reg_start
  push_image ro/app v1 "$BATS_TEST_TMPDIR/img"
  reg_stop
  REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED=true reg_start
  [ "$(rcurl -X POST "$REG_URL/v2/ro/app/blobs/uploads/")" = 405 ]
  [ "$(err_code)" = UNSUPPORTED ]
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary @"$BATS_TEST_TMPDIR/img/manifest.json" "$REG_URL/v2/ro/app/manifests/v2")" = 405 ]
  [ "$(rcurl "$REG_URL/v2/ro/app/manifests/v1")" = 200 ]
}

@test "registry: configuration file, environment overrides, unknown variables" {
  mkdir -p "$BATS_TEST_TMPDIR/fromfile"
  cat >"$BATS_TEST_TMPDIR/config.yml" <<EOF
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $BATS_TEST_TMPDIR/fromfile
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  unset REG_ROOT
  REGISTRY_AUTH_FILE=/nonexistent REGISTRY_SOMETHING_ELSE=1 REG_ROOT=$BATS_TEST_TMPDIR/fromfile \
    REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=$BATS_TEST_TMPDIR/fromfile reg_start "$BATS_TEST_TMPDIR/config.yml"
  grep -q "storage $BATS_TEST_TMPDIR/fromfile" "$REG_LOG"
  push_image cfg/app v1 "$BATS_TEST_TMPDIR/img"
  [ -d "$BATS_TEST_TMPDIR/fromfile/$V2/repositories/cfg/app" ]
  # delete.enabled came from the file
  [ "$(rcurl -X DELETE "$REG_URL/v2/cfg/app/manifests/v1")" = 202 ]
  reg_stop
  # the environment wins over the file
  REGISTRY_STORAGE_DELETE_ENABLED=false reg_start "$BATS_TEST_TMPDIR/config.yml"
  [ "$(rcurl -X DELETE "$REG_URL/v2/cfg/app/manifests/v1")" = 405 ]
  reg_stop
  # bad files
  printf 'version: 0.1\nstorage: [\n' >"$BATS_TEST_TMPDIR/bad.yml"
  run "$(reg_bin)" serve "$BATS_TEST_TMPDIR/bad.yml"
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad.yml"* ]]
  printf 'version: 0.2\n' >"$BATS_TEST_TMPDIR/v.yml"
  run "$(reg_bin)" serve "$BATS_TEST_TMPDIR/v.yml"
  [ "$status" -eq 1 ]
  [[ "$output" == *"version must be 0.1"* ]]
  printf 'version: 0.1\nstorage:\n  delete:\n    enabled: maybe\n' >"$BATS_TEST_TMPDIR/b.yml"
  run "$(reg_bin)" serve "$BATS_TEST_TMPDIR/b.yml"
  [ "$status" -eq 1 ]
  [[ "$output" == *"storage/delete/enabled must be true or false"* ]]
  printf 'version: 0.1\nstorage:\n  s3:\n    bucket: x\n' >"$BATS_TEST_TMPDIR/s3.yml"
  run "$(reg_bin)" serve "$BATS_TEST_TMPDIR/s3.yml"
  [ "$status" -eq 1 ]
  [[ "$output" == *"s3 is not supported"* ]]
  run "$(reg_bin)" serve "$BATS_TEST_TMPDIR/missing.yml"
  [ "$status" -eq 1 ]
  REGISTRY_HTTP_ADDR=nonsense run "$(reg_bin)" serve
  [ "$status" -eq 1 ]
  [[ "$output" == *"listen address nonsense"* ]]
}

@test "registry: garbage-collect removes only unreferenced blobs" {
  reg_start
  push_image gc/app v1 "$BATS_TEST_TMPDIR/img"
  echo orphan >"$BATS_TEST_TMPDIR/orphan"
  od=$(push_blob gc/app "$BATS_TEST_TMPDIR/orphan")
  reg_stop
  oh=${od#sha256:}
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$REG_ROOT" >"$BATS_TEST_TMPDIR/c.yml"
  run "$(reg_bin)" garbage-collect --dry-run "$BATS_TEST_TMPDIR/c.yml"
  [ "$status" -eq 0 ]
  [[ "$output" == *"blob eligible for deletion: $od"* ]]
  [[ "$output" == *"3 blobs marked, 1 blobs and 0 manifests eligible for deletion"* ]]
  [ -f "$REG_ROOT/$V2/blobs/sha256/${oh:0:2}/$oh/data" ]
  run "$(reg_bin)" garbage-collect "$BATS_TEST_TMPDIR/c.yml"
  [ "$status" -eq 0 ]
  [ ! -e "$REG_ROOT/$V2/blobs/sha256/${oh:0:2}/$oh" ]
  reg_start
  [ "$(rcurl "$REG_URL/v2/gc/app/manifests/v1")" = 200 ]
  ld=$(sha256_of "$BATS_TEST_TMPDIR/img/layer.tar")
  [ "$(rcurl "$REG_URL/v2/gc/app/blobs/$ld")" = 200 ]
  [ "$(rcurl -I "$REG_URL/v2/gc/app/blobs/$od")" = 404 ]
  run "$(reg_bin)" garbage-collect --bogus
  [ "$status" -eq 125 ]
}

@test "registry: TLS" {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$BATS_TEST_TMPDIR/key.pem" \
    -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
  REGISTRY_HTTP_TLS_CERTIFICATE=$BATS_TEST_TMPDIR/cert.pem REGISTRY_HTTP_TLS_KEY=$BATS_TEST_TMPDIR/key.pem reg_start
  grep -q '(TLS)' "$REG_LOG"
  [ "$(rcurl --cacert "$BATS_TEST_TMPDIR/cert.pem" "https://127.0.0.1:$REG_PORT/v2/")" = 200 ]
  [ "$(hdr Docker-Distribution-API-Version)" = registry/2.0 ]
  # plain HTTP to a TLS port gets no answer
  [ "$(rcurl --max-time 5 "http://127.0.0.1:$REG_PORT/v2/")" != 200 ]
  REGISTRY_HTTP_ADDR=127.0.0.1:0 REGISTRY_HTTP_TLS_CERTIFICATE=$BATS_TEST_TMPDIR/cert.pem \
    REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=$REG_ROOT run "$(reg_bin)" serve
  [ "$status" -eq 1 ]
  [[ "$output" == *"TLS needs both"* ]]
}

@test "registry: many parallel uploads and reads" {
  reg_start
  for i in $(seq 20); do
    ( head -c $((1000 + i * 3000)) /dev/urandom >"$BATS_TEST_TMPDIR/p$i"
      d=$(sha256_of "$BATS_TEST_TMPDIR/p$i")
      curl -sf -X POST --data-binary @"$BATS_TEST_TMPDIR/p$i" "$REG_URL/v2/par/r$((i % 3))/blobs/uploads/?digest=$d" >/dev/null &&
      curl -sf "$REG_URL/v2/par/r$((i % 3))/blobs/$d" | cmp - "$BATS_TEST_TMPDIR/p$i" && echo ok >"$BATS_TEST_TMPDIR/ok$i" ) &
    pids+=($!)
  done
  wait "${pids[@]}"  # not a bare wait: the server is a child too
  [ "$(ls "$BATS_TEST_TMPDIR"/ok* | wc -l)" = 20 ]
  kill -0 "$REG_PID"
}

@test "registry: a corrupted manifest on disk is never served" {
  reg_start
  push_image bad/app v1 "$BATS_TEST_TMPDIR/img"
  md=$(sha256_of "$BATS_TEST_TMPDIR/img/manifest.json")
  reg_stop
  hex=${md#sha256:}
  echo '{"schemaVersion":2,"evil":true}' >"$REG_ROOT/$V2/blobs/sha256/${hex:0:2}/$hex/data"
  reg_start
  [ "$(rcurl "$REG_URL/v2/bad/app/manifests/v1")" = 500 ]
  [ "$(err_code)" = UNKNOWN ]
  grep -q "holds content with digest" "$REG_LOG"
  # a link file with garbage reads as unknown
  echo "not a digest" >"$REG_ROOT/$V2/repositories/bad/app/_manifests/tags/v1/current/link"
  [ "$(rcurl "$REG_URL/v2/bad/app/manifests/v1")" = 404 ]
}

@test "registry: uploads older than a week are purged at start" {
  reg_start
  [ "$(rcurl -X POST "$REG_URL/v2/old/blobs/uploads/")" = 202 ]
  old=$(hdr Docker-Upload-UUID)
  [ "$(rcurl -X POST "$REG_URL/v2/nested/new/blobs/uploads/")" = 202 ]
  new=$(hdr Docker-Upload-UUID)
  reg_stop
  touch -d '8 days ago' "$REG_ROOT/$V2/repositories/old/_uploads/$old/startedat"
  reg_start
  [ ! -e "$REG_ROOT/$V2/repositories/old/_uploads/$old" ]
  [ -d "$REG_ROOT/$V2/repositories/nested/new/_uploads/$new" ]
  [ "$(rcurl "$REG_URL/v2/nested/new/blobs/uploads/$new")" = 204 ]
}

@test "registry: the access log cannot be forged through the path" {
  reg_start
  [ "$(rcurl "$REG_URL/v2/x%0a127.0.0.1%20-%20-%20forged/tags/list")" = 400 ]
  ! grep -q '^127.0.0.1 - - forged' "$REG_LOG"
  grep -q 'x?127.0.0.1 - - forged' "$REG_LOG"
}

# The link cache trusts a link only once it is older than a second (see linkcache.c): let every
# link written so far age past that, so the next GET caches it. Not a wait for another process.
age_links() { sleep 2; }

# push_two: images "one" and "two" as app/web:v1 and :v2; their digests in d1 and d2.
push_two() {
  push_image app/web v1 "$BATS_TEST_TMPDIR/one"
  push_image app/web v2 "$BATS_TEST_TMPDIR/two"
  d1=$(sha256_of "$BATS_TEST_TMPDIR/one/manifest.json")
  d2=$(sha256_of "$BATS_TEST_TMPDIR/two/manifest.json")
}

@test "registry: a tag re-pointed on disk by another writer is served with the new digest" {
  reg_start
  push_two
  link=$REG_ROOT/$V2/repositories/app/web/_manifests/tags/v1/current/link
  age_links
  for i in 1 2; do  # the second GET comes from the cache
    [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
    [ "$(hdr Docker-Content-Digest)" = "$d1" ]
  done
  # rewritten in place, as distribution's filesystem driver does (same inode, same size)
  ino=$(stat -c %i "$link")
  printf '%s' "$d2" >"$link"
  [ "$(stat -c %i "$link")" = "$ino" ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  [ "$(hdr Docker-Content-Digest)" = "$d2" ]
  cmp "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/two/manifest.json"
  # rewritten in place with the old mtime put back: the ctime still tells
  age_links
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  [ "$(hdr Docker-Content-Digest)" = "$d2" ]
  touch -r "$link" "$BATS_TEST_TMPDIR/stamp"
  printf '%s' "$d1" >"$link"
  touch -m -r "$BATS_TEST_TMPDIR/stamp" "$link"
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  [ "$(hdr Docker-Content-Digest)" = "$d1" ]
  # replaced by a rename, as berth-registry writes
  age_links
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  printf '%s' "$d2" >"$link.new"
  mv "$link.new" "$link"
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  [ "$(hdr Docker-Content-Digest)" = "$d2" ]
  # re-pointed through the API: no stale answer either, even within the same second
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary @"$BATS_TEST_TMPDIR/one/manifest.json" \
    "$REG_URL/v2/app/web/manifests/v1")" = 201 ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  [ "$(hdr Docker-Content-Digest)" = "$d1" ]
}

@test "registry: manifests, tags and layers removed on disk by another writer give 404" {
  reg_start
  push_two
  l1=$(sha256_of "$BATS_TEST_TMPDIR/one/layer.tar")
  m=$REG_ROOT/$V2/repositories/app/web/_manifests
  age_links
  for i in 1 2; do
    [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
    [ "$(rcurl "$REG_URL/v2/app/web/manifests/$d1")" = 200 ]
    [ "$(rcurl -I "$REG_URL/v2/app/web/manifests/v2")" = 200 ]
    [ "$(rcurl "$REG_URL/v2/app/web/blobs/$l1")" = 200 ]
  done
  # the revision goes (distribution deletes a manifest so): by digest and by tag it is unknown
  rm -rf "$m/revisions/sha256/${d1#sha256:}"
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/$d1")" = 404 ]
  [ "$(err_code)" = MANIFEST_UNKNOWN ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 404 ]
  # the tag goes
  rm -rf "$m/tags/v2"
  [ "$(rcurl -I "$REG_URL/v2/app/web/manifests/v2")" = 404 ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/$d2")" = 200 ]
  # the layer link goes
  rm -rf "$REG_ROOT/$V2/repositories/app/web/_layers/sha256/${l1#sha256:}"
  [ "$(rcurl "$REG_URL/v2/app/web/blobs/$l1")" = 404 ]
  [ "$(err_code)" = BLOB_UNKNOWN ]
  [ "$(rcurl -I "$REG_URL/v2/app/web/blobs/$l1")" = 404 ]
}

@test "registry: a manifest deleted through the API is gone from the cache at once" {
  REGISTRY_STORAGE_DELETE_ENABLED=true reg_start
  push_image app/web v1 "$BATS_TEST_TMPDIR/one"
  d1=$(sha256_of "$BATS_TEST_TMPDIR/one/manifest.json")
  age_links
  for i in 1 2; do
    [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
    [ "$(rcurl "$REG_URL/v2/app/web/manifests/$d1")" = 200 ]
  done
  [ "$(rcurl -X DELETE "$REG_URL/v2/app/web/manifests/$d1")" = 202 ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/$d1")" = 404 ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 404 ]
  # pushed again: found again
  [ "$(rcurl -X PUT -H "Content-Type: $OCI_MT" --data-binary @"$BATS_TEST_TMPDIR/one/manifest.json" \
    "$REG_URL/v2/app/web/manifests/v1")" = 201 ]
  [ "$(rcurl "$REG_URL/v2/app/web/manifests/v1")" = 200 ]
  [ "$(hdr Docker-Content-Digest)" = "$d1" ]
}
