#!/usr/bin/env bats
# images.bats - the local image commands: import, images, image inspect, history, tag, untag,
# rmi, image prune, image exists, system df/check/prune/reset, events, info.

bats_require_minimum_version 1.5.0

load helpers

setup_file() { berth_test_setup_file; }
teardown_file() { berth_test_teardown_file; }

# A small rootfs tarball with one file, named $1 (content $2).
small_tar() {
  local d="$BATS_TEST_TMPDIR/rootfs-$1"
  mkdir -p "$d/etc"
  echo "${2:-$1}" >"$d/etc/hello"
  tar -C "$d" --numeric-owner -cf "$BATS_TEST_TMPDIR/$1.tar" .
  echo "$BATS_TEST_TMPDIR/$1.tar"
}

@test "import a tarball with --change and --message" {
  tar=$(busybox_tarball)
  run berth import --change 'CMD ["/bin/sh"]' --change 'ENV FOO=bar' --change 'LABEL a=b' \
    --change 'EXPOSE 8080' --change 'WORKDIR /srv' --change 'USER nobody' -m "my message" \
    "$tar" imported
  [ "$status" -eq 0 ]
  [[ "${lines[-1]}" =~ ^sha256:[0-9a-f]{64}$ ]]
  id=${lines[-1]#sha256:}
  run berth image inspect --format '{{.Id}} {{json .Config.Cmd}} {{.Config.WorkingDir}} {{.Config.User}} {{.Comment}}' imported
  [ "$status" -eq 0 ]
  [ "$output" = "$id [\"/bin/sh\"] /srv nobody my message" ]
  run berth image inspect --format '{{json .Config.Env}} {{json .Labels}} {{json .Config.ExposedPorts}}' localhost/imported:latest
  [ "$output" = '["FOO=bar"] {"a":"b"} {"8080/tcp":{}}' ]
  # ENTRYPOINT in both forms (the last one wins), VOLUME as a path and as a JSON array
  run berth import --change 'ENTRYPOINT ["/bin/echo", "x"]' --change 'VOLUME /data' \
    --change 'VOLUME ["/a", "/b"]' --change 'ENTRYPOINT /bin/true' "$tar" imported-ep
  [ "$status" -eq 0 ]
  run berth image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Volumes}}' imported-ep
  [ "$output" = '["/bin/sh","-c","/bin/true"] {"/data":{},"/a":{},"/b":{}}' ]
  run berth import --change 'FROM x' "$tar" imported-bad
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid --change "FROM x": FROM is not one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR'* ]]
  berth rmi imported-ep >/dev/null
  # the unpacked layer holds the tarball's files
  run berth image inspect --format '{{.GraphDriver.Data.UpperDir}}' imported
  [ -x "$output/bin/busybox" ]
}

@test "import from stdin and without a name gives a dangling image" {
  tar=$(small_tar stdin)
  run berth import - <"$tar"
  [ "$status" -eq 0 ]
  id=${lines[-1]#sha256:}
  run berth images --format '{{.ID}} {{.Repository}} {{.Tag}}' --filter dangling=true
  [[ "$output" == *"${id:0:12} <none> <none>"* ]]
}

@test "import refuses bad input with a clear error" {
  run berth import /nonexistent/x.tar
  [ "$status" -eq 125 ]
  [[ "$output" == *"Error: "*"/nonexistent/x.tar"* ]]
  printf 'this is not a tar archive at all, not even close; definitely garbage\n%.0s' {1..20} >"$BATS_TEST_TMPDIR/bad.tar"
  run berth import "$BATS_TEST_TMPDIR/bad.tar" bad
  [ "$status" -eq 125 ]
  [[ "$output" == Error:* ]]
  run berth image exists bad
  [ "$status" -eq 1 ]
  tar=$(small_tar ch)
  run berth import --change 'FROBNICATE x' "$tar" x
  [ "$status" -eq 125 ]
  [[ "$output" == *"FROBNICATE is not one of"* ]]
  run berth import "$tar" 'UPPER/Case'
  [ "$status" -eq 125 ]
  [[ "$output" == *"must be lowercase"* ]]
  run berth system check
  [ "$status" -eq 0 ]
}

@test "import refuses a tarball whose entries escape the layer" {
  python3 - "$BATS_TEST_TMPDIR/evil.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"pwned\n"
    i = tarfile.TarInfo("../../../../../../tmp/berth-evil-escape")
    i.size = len(data)
    t.addfile(i, io.BytesIO(data))
EOF
  rm -f /tmp/berth-evil-escape
  run berth import "$BATS_TEST_TMPDIR/evil.tar" evil
  [ "$status" -eq 125 ]
  [ ! -e /tmp/berth-evil-escape ]
  run berth image exists evil
  [ "$status" -eq 1 ]
}

@test "images lists names, ids, sizes; -q, --no-trunc, --digests, --noheading" {
  busybox_image
  run berth images
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
  [[ "$output" =~ localhost/busybox\ +latest\ +[0-9a-f]{12}\ +.*\ +[0-9.]+\ MB ]]
  run berth images -q
  [[ "${lines[0]}" =~ ^[0-9a-f]{12}$ ]]
  run berth images -q --no-trunc
  [[ "${lines[0]}" =~ ^sha256:[0-9a-f]{64}$ ]]
  run berth images --digests
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID ]]
  [[ "$output" == *"sha256:"* ]]
  run berth images --noheading
  [[ "${lines[0]}" != REPOSITORY* ]]
  run berth image ls localhost/busybox
  [ "${#lines[@]}" -eq 2 ]
  run berth image list --format json
  [ "$(echo "$output" | jq -r '.[] | select(.Names[]? == "localhost/busybox:latest") | .Id' | wc -c)" -eq 65 ]
}

@test "images --filter reference= and dangling=, bad filters" {
  busybox_image
  berth tag busybox quay.io/org/filtered:v1
  # as podman 4: a matching image is listed with all its names
  run berth images --format '{{.Repository}}:{{.Tag}}' --filter reference=quay.io/org/*
  [[ "$output" == *"quay.io/org/filtered:v1"* ]]
  [[ "$output" == *"localhost/busybox:latest"* ]]
  run berth images --format '{{.Repository}}:{{.Tag}}' --filter reference=filtered
  [[ "$output" == *"quay.io/org/filtered:v1"* ]]
  tar=$(small_tar unrelated)
  berth import "$tar" unrelated
  run berth images --format '{{.Repository}}:{{.Tag}}' --filter reference=filtered
  [[ "$output" != *"unrelated"* ]]
  run berth images --format '{{.Repository}}' --filter dangling=false --filter reference=unrelated
  [ "$output" = "localhost/unrelated" ]
  run berth images --format '{{.Repository}}' --filter dangling=true --filter reference=unrelated
  [ "$output" = "" ]
  berth rmi unrelated
  # label=, since=, before=
  berth import --change 'LABEL tier=web' "$(small_tar labeled)" labeled
  run berth images --format '{{.Repository}}' --filter label=tier=web
  [ "$output" = "localhost/labeled" ]
  run berth images --format '{{.Repository}}' --filter label=tier
  [ "$output" = "localhost/labeled" ]
  run berth images --format '{{.Repository}}' --filter label=tier=db
  [ "$output" = "" ]
  run berth images --format '{{.Repository}}' --filter since=busybox
  [[ "$output" == *"localhost/labeled"* ]]
  [[ "$output" != *"localhost/busybox"* ]]
  run berth images --format '{{.Repository}}' --filter before=labeled
  [[ "$output" == *"localhost/busybox"* ]]
  [[ "$output" != *"localhost/labeled"* ]]
  # until=, after=, digest=, containers=, readonly=, intermediate=
  run berth images --format '{{.Repository}}' --filter until=2000-01-01T00:00:00Z
  [ "$output" = "" ]
  run berth images --format '{{.Repository}}' --filter until=$(( $(date +%s) + 3600 )) --filter reference=labeled
  [ "$output" = "localhost/labeled" ]
  run berth images --format '{{.Repository}}' --filter until=1h --filter reference=labeled
  [ "$output" = "" ]
  run berth images --format '{{.Repository}}' --filter after=busybox --filter reference=labeled
  [ "$output" = "localhost/labeled" ]
  run berth images --format '{{.Repository}}' --filter "digest=$(berth image inspect --format '{{.Digest}}' labeled)"
  [ "$output" = "localhost/labeled" ]
  berth create --name filter-user labeled true >/dev/null
  run berth images --format '{{.Repository}}' --filter containers=true
  [ "$output" = "localhost/labeled" ]
  run berth images --format '{{.Repository}}' --filter containers=false
  [[ "$output" != *"localhost/labeled"* ]]
  [[ "$output" == *"localhost/busybox"* ]]
  berth rm filter-user >/dev/null
  run berth images --format '{{.Repository}}' --filter readonly=true
  [ "$output" = "" ]
  run berth images --format '{{.Repository}}' --filter readonly=false --filter intermediate=false --filter reference=labeled
  [ "$output" = "localhost/labeled" ]
  run berth images --filter until=soon
  [ "$status" -eq 125 ]
  berth rmi labeled
  run berth images --filter nonsense=1
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid filter"* ]]
  run berth images --filter dangling=maybe
  [ "$status" -eq 125 ]
  berth untag busybox quay.io/org/filtered:v1
}

@test "short names resolve as podman: localhost/NAME, then */NAME" {
  busybox_image
  id=$(berth images -q --no-trunc localhost/busybox | head -1)
  berth tag busybox myhost:5000/team/registry:2
  run berth image inspect --format '{{.Id}}' registry:2
  [ "$status" -eq 0 ]
  [ "sha256:$output" = "$id" ]
  run berth image inspect --format '{{.Id}}' team/registry:2
  [ "sha256:$output" = "$id" ]
  # by id prefix and full id
  run berth image inspect --format '{{.Id}}' "${id:7:5}"
  [ "sha256:$output" = "$id" ]
  run berth image inspect --format '{{.Id}}' "$id"
  [ "sha256:$output" = "$id" ]
  # by name@digest
  digest=$(berth image inspect --format '{{.Digest}}' busybox)
  run berth image inspect --format '{{.Id}}' "localhost/busybox@$digest"
  [ "sha256:$output" = "$id" ]
  # run and create find it the same way, without trying a registry (issue 2's example)
  berth tag busybox myhost:5000/registry
  run --separate-stderr berth run --rm registry true
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  run berth create --name short-named registry:latest true
  [ "$status" -eq 0 ]
  [ "$(berth inspect --format '{{.ImageName}}' short-named)" = myhost:5000/registry:latest ]
  berth rm short-named >/dev/null
  berth untag busybox myhost:5000/registry
  berth untag busybox myhost:5000/team/registry:2
  run berth image inspect registry:2
  [ "$status" -eq 125 ]
}

@test "unknown images: podman's messages and exit codes" {
  run berth image inspect nonexist
  [ "$status" -eq 125 ]
  [ "${lines[-1]}" = "Error: inspecting object: nonexist: image not known" ]
  run berth rmi nonexist
  [ "$status" -eq 1 ]
  [ "$output" = "Error: nonexist: image not known" ]
  run berth rmi -i nonexist
  [ "$status" -eq 0 ]
  run berth tag nonexist foo
  [ "$status" -eq 125 ]
  [ "$output" = "Error: nonexist: image not known" ]
  run berth history nonexist
  [ "$status" -eq 125 ]
  run berth image exists nonexist
  [ "$status" -eq 1 ]
  [ "$output" = "" ]
  run berth image exists
  [ "$status" -eq 125 ]
}

@test "image inspect shows podman's fields" {
  busybox_image
  run berth image inspect busybox
  [ "$status" -eq 0 ]
  for f in Id Digest RepoTags RepoDigests Created Config Architecture Os Size RootFS History Labels; do
    echo "$output" | jq -e ".[0] | has(\"$f\")" >/dev/null
  done
  [ "$(echo "$output" | jq -r '.[0].RootFS.Layers | length')" -eq 1 ]
  [ "$(echo "$output" | jq -r '.[0].RepoTags[0]')" = "localhost/busybox:latest" ]
  [ "$(echo "$output" | jq -r '.[0].Os')" = "linux" ]
}

@test "history lists the import" {
  busybox_image
  run berth history busybox
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^ID\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
  [[ "${lines[1]}" == *"/bin/sh -c #(nop) ADD file:"*"  imported from tarball" ]]
  run berth image inspect --format '{{.Comment}}' busybox
  [ "$output" = "imported from tarball" ]
  run berth history --no-trunc --format '{{.ID}}|{{.Comment}}' busybox
  [ "$output" = "$(berth image inspect --format '{{.Id}}' busybox)|imported from tarball" ]
  run berth history --format json busybox
  [ "$(echo "$output" | jq -r '.[0].size')" -gt 1000 ]
  run berth history -q busybox
  [[ "${lines[0]}" =~ ^[0-9a-f]{12}$ ]]
}

@test "tag and untag; tags move between images" {
  busybox_image
  tar=$(small_tar tagme)
  berth import "$tar" other
  berth tag busybox moving:1
  run berth image inspect --format '{{.Id}}' moving:1
  [ "$output" = "$(berth image inspect --format '{{.Id}}' busybox)" ]
  berth tag other moving:1
  a=$(berth image inspect --format '{{.Id}}' moving:1)
  b=$(berth image inspect --format '{{.Id}}' other)
  [ "$a" = "$b" ]
  run berth untag other notthere
  [ "$status" -eq 125 ]
  [ "$output" = "Error: localhost/notthere:latest: tag not known" ]
  berth untag other moving:1
  run berth image exists moving:1
  [ "$status" -eq 1 ]
  run berth tag busybox 'Bad:Name'
  [ "$status" -eq 125 ]
  berth rmi other
}

@test "rmi removes layers and blobs; several names only untag" {
  tar=$(small_tar rmme)
  berth import "$tar" rmme
  berth tag rmme rmme2
  run berth rmi rmme2
  [ "$status" -eq 0 ]
  [ "$output" = "Untagged: localhost/rmme2:latest" ]
  id=$(berth image inspect --format '{{.Id}}' rmme)
  upper=$(berth image inspect --format '{{.GraphDriver.Data.UpperDir}}' rmme)
  [ -d "$upper" ]
  blobs_before=$(ls "$BERTH_TEST_ROOT/blobs/sha256" | wc -l)
  run berth rmi rmme
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Untagged: localhost/rmme:latest" ]
  [ "${lines[1]}" = "Deleted: $id" ]
  [ ! -e "$upper" ]
  [ "$(ls "$BERTH_TEST_ROOT/blobs/sha256" | wc -l)" -eq $((blobs_before - 3)) ]
  run berth system check
  [ "$status" -eq 0 ]
  [[ "$output" == *"No errors found"* ]]
}

@test "rmi refuses an image a container uses" {
  tar=$(small_tar used)
  berth import "$tar" used
  id=$(berth image inspect --format '{{.Id}}' used)
  sqlite3 "$BERTH_TEST_ROOT/berth.db" \
    "INSERT INTO containers(id, name, image_id, created, state) VALUES ('c0ffee', 'user1', '$id', 0, 'created')"
  run berth rmi used
  [ "$status" -eq 2 ]
  [ "$output" = "Error: image is in use by a container: c0ffee; remove it first with berth rm" ]
  run berth image prune -a -f
  [ "$status" -eq 0 ]
  run berth image exists used
  [ "$status" -eq 0 ]
  sqlite3 "$BERTH_TEST_ROOT/berth.db" "DELETE FROM containers WHERE id = 'c0ffee'"
  berth rmi used
}

@test "rmi -f removes the containers that use the image first, as podman" {
  tar=$(busybox_tarball)
  berth import --change 'CMD ["/bin/sh"]' "$tar" forced
  berth create --name forced-c1 forced true
  berth run -d --name forced-c2 forced sleep 1000
  run berth rmi forced
  [ "$status" -eq 2 ]
  [[ "$output" == "Error: image is in use by a container: "* ]]
  run berth rmi -f forced
  [ "$status" -eq 0 ]
  [[ "${lines[-1]}" == Deleted:* ]]
  run berth container exists forced-c1
  [ "$status" -eq 1 ]
  run berth container exists forced-c2
  [ "$status" -eq 1 ]
  run berth image exists forced
  [ "$status" -eq 1 ]
  run berth system check
  [ "$status" -eq 0 ]
}

@test "images --sort created|id|repository|size|tag" {
  for n in sortb sorta sortc; do berth import "$(small_tar $n)" "$n:t-$n" >/dev/null; sleep 1; done
  berth tag sortb:t-sortb sortb:a-tag
  run berth images --filter reference='sort*' --format '{{.Repository}}:{{.Tag}}'
  [ "${lines[0]}" = "localhost/sortc:t-sortc" ]
  [ "${lines[2]}" = "localhost/sortb:t-sortb" ] || [ "${lines[3]}" = "localhost/sortb:t-sortb" ]
  run berth images --sort repository --filter reference='sort*' --format '{{.Repository}}'
  [ "$(echo "$output" | tr '\n' ' ')" = "localhost/sorta localhost/sortb localhost/sortb localhost/sortc " ]
  run berth images --sort tag --filter reference='sort*' --format '{{.Tag}}'
  [ "$(echo "$output" | tr '\n' ' ')" = "a-tag t-sorta t-sortb t-sortc " ]
  run berth images --sort id --filter reference='sort*' -q
  [ "$output" = "$(echo "$output" | sort)" ]
  big=$(small_tar sortbig "$(head -c 300000 /dev/zero | tr '\0' x)")
  berth import "$big" sortbig >/dev/null
  run berth images --sort size --filter reference='sort*' --format '{{.Repository}}'
  [ "${lines[-1]}" = "localhost/sortbig" ]
  run berth images --sort name
  [ "$status" -eq 125 ]
  [ "$output" = 'Error: "name" is not a valid value for sorting images; must be one of: created, id, repository, size, tag' ]
}

@test "image prune removes dangling images only (-a: all unused)" {
  busybox_image
  tar=$(small_tar dangling)
  id=$(berth import "$tar" | tail -1)
  run berth image prune -f
  [ "$status" -eq 0 ]
  [[ "$output" == *"${id#sha256:}"* ]]
  run berth image exists "${id#sha256:}"
  [ "$status" -eq 1 ]
  run berth image exists busybox
  [ "$status" -eq 0 ]
  # without -f it asks; "n" keeps everything
  tar=$(small_tar dangling2)
  id=$(berth import "$tar" | tail -1)
  run bash -c "echo n | '$BERTH_BIN' --root '$BERTH_TEST_ROOT' --runroot '$BERTH_TEST_RUNROOT' image prune"
  [ "$status" -eq 0 ]
  berth image exists "${id#sha256:}"
  berth image prune -f
  # --filter: podman's until= and label= (the filters of images)
  berth import --change 'LABEL keep=no' "$(small_tar prune-label)" prune-label >/dev/null
  berth import "$(small_tar prune-other)" prune-other >/dev/null
  run berth image prune -a -f --filter label=keep=no
  [ "$status" -eq 0 ]
  run berth image exists prune-label
  [ "$status" -eq 1 ]
  berth image exists prune-other
  berth image exists busybox
  run berth image prune -a -f --filter until=2000-01-01T00:00:00Z
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  berth image exists prune-other
  run berth image prune -f --filter nonsense=1
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid filter"* ]]
  berth rmi prune-other >/dev/null
}

@test "rmi -a, system df, system prune" {
  tar=$(small_tar dfimg)
  berth import "$tar" dfimg
  run berth system df
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^TYPE\ +TOTAL\ +ACTIVE\ +SIZE\ +RECLAIMABLE$ ]]
  [[ "${lines[1]}" =~ ^Images\ +[1-9] ]]
  run berth system df --format '{{.Type}}={{.Total}}'
  [[ "${lines[2]}" == "Local Volumes=0" ]]
  run berth rmi -a nonexist
  [ "$status" -eq 125 ]
  # a filter it cannot apply is refused, not ignored: nothing is removed
  run berth system prune -a -f --filter until=1h
  [ "$status" -eq 125 ]
  [[ "$output" == *"system prune --filter is not supported yet"* ]]
  berth image exists dfimg
  run berth system prune -a -f
  [ "$status" -eq 0 ]
  [[ "$output" == *"Total reclaimed space"* ]]
  run berth images -q
  [ "$output" = "" ]
  [ -z "$(ls "$BERTH_TEST_ROOT/overlay")" ]
  [ -z "$(ls "$BERTH_TEST_ROOT/blobs/sha256")" ]
}

@test "events records image events; filters, --since/--until, --format" {
  tar=$(small_tar ev)
  start=$(date +%s)
  berth import "$tar" evimg
  berth tag evimg evimg:2
  berth rmi -f evimg
  run berth events --stream=false --since "$start"
  [ "$status" -eq 0 ]
  [[ "$output" == *" image import "*"localhost/evimg:latest"* ]]
  [[ "$output" == *" image tag "*"localhost/evimg:2"* ]]
  [[ "$output" == *" image remove "* ]]
  run berth events --stream=false --since "$start" --filter event=tag --format '{{.Status}} {{.Name}}'
  [ "$output" = "tag localhost/evimg:2" ]
  run berth events --stream=false --since "$start" --filter type=container
  [ "$output" = "" ]
  run berth events --stream=false --until 1000
  [ "$output" = "" ]
  run berth events --stream=false --since "$start" --format json
  echo "${lines[0]}" | jq -e '.Type == "image" and (.timeNano | type) == "number"'
  run berth events --stream=false --since yesterday
  [ "$status" -eq 125 ]
  # streaming: a new event shows up while it waits, then --until ends it
  until=$(( $(date +%s) + 20 ))
  berth events --since 1s --until "$until" --filter type=image --format '{{.Status}} {{.Name}}' \
    >"$BATS_TEST_TMPDIR/stream" 3>&- &
  pid=$!
  wait_until 15 holds_open "$pid" /events.log
  berth import "$tar" evimg2 >/dev/null
  wait "$pid"
  run cat "$BATS_TEST_TMPDIR/stream"
  [[ "$output" == *"import localhost/evimg2:latest"* ]]
  [ "$(date +%s)" -ge "$until" ]
}

@test "events --filter label= matches a container's labels; unknown filters are refused" {
  busybox_image
  start=$(date +%s)
  berth create --name ev-web --label tier=web busybox true >/dev/null
  berth create --name ev-db --label tier=db busybox true >/dev/null
  run berth events --stream=false --since "$start" --filter label=tier=web --format '{{.Status}} {{.Name}}'
  [ "$output" = "create ev-web" ]
  run berth events --stream=false --since "$start" --filter label=tier --filter event=create --format '{{.Name}}'
  [ "$(sort <<<"$output" | tr '\n' ' ')" = "ev-db ev-web " ]
  run berth events --stream=false --since "$start" --filter type=container --format json
  echo "${lines[0]}" | jq -e '.Attributes.tier == "web"'
  run berth events --stream=false --filter bogus=1
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid filter "bogus=1"'* ]]
  berth rm ev-web ev-db >/dev/null
}

@test "the events file is rotated at containers.conf's events_logfile_max_size, as podman" {
  export CONTAINERS_CONF="$BATS_TEST_TMPDIR/containers.conf"
  printf '[engine]\nevents_logfile_max_size = "3k"\n' >"$CONTAINERS_CONF"
  log="$BERTH_TEST_RUNROOT/events/events.log"
  berth import "$(small_tar rot)" rot >/dev/null
  # a follower goes on across rotations
  timeout 300 "$BERTH_BIN" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" events \
    --filter event=tag --format '{{.Name}}' >"$BATS_TEST_TMPDIR/follow.out" 3>&- &
  follower=$!
  wait_until 30 holds_open "$follower" /events.log
  for i in $(seq 1 40); do berth tag rot "rot:t$i"; done
  [ "$(stat -c %s "$log")" -lt 3000 ]
  run berth events --stream=false --filter event=log-rotation --format '{{.Type}} {{.Status}} {{.Name}}'
  [[ "${lines[-1]}" == "system log-rotation $log" ]]
  # every line is whole JSON, the newest tag is kept, the oldest is gone
  run jq -c .Status "$log"
  [ "$status" -eq 0 ]
  run berth events --stream=false --filter event=tag --format '{{.Name}}'
  [[ "$output" == *"localhost/rot:t40"* ]]
  [[ "$output" != *"localhost/rot:t1"$'\n'* ]]
  wait_until 30 grep -q 'rot:t40$' "$BATS_TEST_TMPDIR/follow.out"
  kill "$follower"; wait "$follower" || true
  [ "$(grep -c '^localhost/rot:t' "$BATS_TEST_TMPDIR/follow.out")" -eq 40 ]
  # 0 means no limit
  printf '[engine]\nevents_logfile_max_size = 0\n' >"$CONTAINERS_CONF"
  size=$(stat -c %s "$log")
  for i in $(seq 41 60); do berth tag rot "rot:t$i"; done
  [ "$(stat -c %s "$log")" -gt "$size" ]
  [ "$(stat -c %s "$log")" -gt 3000 ]
}

@test "info reports the store" {
  run berth info
  [ "$status" -eq 0 ]
  [[ "$output" == *"graphRoot: $BERTH_TEST_ROOT"* ]]
  run berth info --format '{{.Store.GraphRoot}}'
  [ "$output" = "$BERTH_TEST_ROOT" ]
  run berth info --format json
  echo "$output" | jq -e '.store.imageStore.number >= 0'
}

@test "system check finds and repairs a corrupt blob" {
  tar=$(small_tar corrupt)
  berth import "$tar" corrupt
  digest=$(berth image inspect --format '{{.Digest}}' corrupt)
  echo garbage >>"$BERTH_TEST_ROOT/blobs/sha256/${digest#sha256:}"
  run berth system check
  [ "$status" -eq 125 ]
  [[ "$output" == *"is corrupt"* ]]
  run berth system check --repair
  [ "$status" -eq 0 ]
  run berth image exists corrupt
  [ "$status" -eq 1 ]
  run berth system check
  [ "$status" -eq 0 ]
  [[ "$output" == *"No errors found"* ]]
}

@test "system check finds a damaged unpacked layer (its files against the record); --repair removes the image" {
  busybox_image
  berth tag localhost/busybox localhost/layercheck
  run berth system check
  [ "$status" -eq 0 ]
  diff=$(berth image inspect --format '{{.GraphDriver.Data.UpperDir}}' localhost/layercheck)
  layer=$(basename "$(dirname "$diff")")
  # a file truncated (same names, same blob): only the unpacked layer shows it
  : >"$diff/etc/passwd"
  run berth system check
  [ "$status" -eq 125 ]
  [[ "$output" == *"layer ${layer:0:12}: its unpacked files hold "*" bytes, its record "*": the layer was changed or damaged after unpacking"* ]]
  run berth system check --repair
  [ "$status" -eq 0 ]
  run berth image exists localhost/layercheck
  [ "$status" -eq 1 ]
  [ ! -e "$diff" ]
  run berth system check
  [ "$status" -eq 0 ]
  busybox_image
}

@test "system reset --force empties the store, stopping containers first" {
  busybox_image
  berth run -d --name resetme busybox sleep 1000
  pid=$(berth inspect --format '{{.State.Pid}}' resetme)
  kill -0 "$pid"
  run berth system reset --force
  [ "$status" -eq 0 ]
  run kill -0 "$pid"
  [ "$status" -ne 0 ]
  run grep -c "$BERTH_TEST_ROOT" /proc/self/mountinfo
  [ "$output" = 0 ]
  run berth images -q
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  run berth ps -aq
  [ "$output" = "" ]
}
