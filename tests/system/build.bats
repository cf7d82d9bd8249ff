#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# build.bats - images made from containers and Containerfiles: commit, build, diff, export.

bats_require_minimum_version 1.5.0
load helpers
load containers_helpers

setup_file() {
  berth_test_setup_file
  busybox_image
}
teardown_file() { containers_teardown_file; }

@test "commit: a file the container wrote is in the new image" {
  berth run --name wrote localhost/busybox sh -c 'echo committed >/hello; rm /bin/vi'
  run berth commit -q -m "my message" -a "Jane <j@example.com>" wrote localhost/wrote:v1
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  run berth run --rm localhost/wrote:v1 cat /hello
  [ "$status" -eq 0 ]
  [ "$output" = committed ]
  # the deletion is carried by a whiteout
  run berth run --rm localhost/wrote:v1 test -e /bin/vi
  [ "$status" -eq 1 ]
  run berth image inspect --format '{{.Author}} {{len .RootFS.Layers}}' localhost/wrote:v1
  [ "$output" = "Jane <j@example.com> 2" ]
  run berth history --format '{{.Comment}}' localhost/wrote:v1
  [[ "${lines[0]}" == "my message" ]]
  # the mount-point placeholders are not part of the layer
  run berth run --rm localhost/wrote:v1 cat /etc/hostname
  [ "$output" != "" ]
  berth rm wrote
}

@test "commit --change CMD and ENV, --format docker" {
  berth run --name ch localhost/busybox sh -c 'echo from-cmd >/msg'
  run berth commit -q --format docker -c 'CMD ["cat", "/msg"]' -c 'ENV GREETING=hi' ch changed
  [ "$status" -eq 0 ]
  run berth run --rm localhost/changed
  [ "$status" -eq 0 ]
  [ "$output" = from-cmd ]
  run berth run --rm localhost/changed sh -c 'echo $GREETING'
  [ "$output" = hi ]
  run berth image inspect --format '{{.ManifestType}}' localhost/changed
  [[ "$output" == *docker* ]]
  run berth commit -c 'BOGUS x' ch bad
  [ "$status" -ne 0 ]
  [[ "$output" == *'BOGUS is not one of'* ]]
  run berth image exists localhost/bad
  [ "$status" -eq 1 ]
  run berth commit nosuchcontainer x
  [ "$status" -eq 125 ]
  berth rm ch
}

@test "diff shows A, C and D" {
  berth run --name df localhost/busybox sh -c 'echo new >/added; echo x >>/etc/passwd; rm /bin/cat'
  run berth diff df
  [ "$status" -eq 0 ]
  [[ "$output" == *"A /added"* ]]
  [[ "$output" == *"C /etc/passwd"* ]]
  [[ "$output" == *"C /etc"* ]]
  [[ "$output" == *"D /bin/cat"* ]]
  # mount points are not changes
  [[ "$output" != *"/etc/hosts"* ]]
  run berth container diff --format json df
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.added == ["/added"] and (.deleted | index("/bin/cat")) != null'
  berth rm df
}

@test "export writes a tar of the whole root filesystem" {
  berth run --name ex localhost/busybox sh -c 'echo e >/exported; rm /bin/vi'
  berth export -o "$BATS_TEST_TMPDIR/ex.tar" ex
  run tar -tf "$BATS_TEST_TMPDIR/ex.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"bin/busybox"* ]]
  [[ "$output" == *"exported"* ]]
  [[ "$output" != *"bin/vi"* ]]
  berth container export ex >"$BATS_TEST_TMPDIR/ex2.tar"
  tar -tf "$BATS_TEST_TMPDIR/ex2.tar" | grep -qx 'bin/busybox'
  run berth export -o "$BATS_TEST_TMPDIR/none.tar" nosuch
  [ "$status" -ne 0 ]
  [ ! -e "$BATS_TEST_TMPDIR/none.tar" ]
  berth rm ex
}

# ctx DIR - a fresh build context
new_context() {
  local d="$BATS_TEST_TMPDIR/$1"
  mkdir -p "$d"
  echo "$d"
}

@test "build: FROM, RUN, COPY, ENV, WORKDIR, CMD, then run the image" {
  d=$(new_context app)
  echo "from the context" >"$d/hello.txt"
  mkdir -p "$d/conf"; echo "k=v" >"$d/conf/app.conf"
  echo "must not be copied" >"$d/secret.txt"
  printf 'secret.txt\n' >"$d/.containerignore"
  cat >"$d/Containerfile" <<'CF'
# a comment
FROM localhost/busybox
ARG WHO=world
ENV APP_DIR=/app \
    MODE=prod
WORKDIR $APP_DIR
COPY hello.txt ./
COPY conf/ ./conf/
COPY --chown=1000:1000 hello.txt /owned.txt
RUN echo "hello $WHO in $(pwd)" >/app/greeting && \
    cat /app/hello.txt
EXPOSE 8080
LABEL org.example.app=demo
CMD ["cat", "/app/greeting"]
CF
  run berth build -t localhost/app:1 --build-arg WHO=berth "$d"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "STEP 1/11: FROM localhost/busybox" ]]
  [[ "$output" == *"from the context"* ]]
  [[ "$output" == *"COMMIT localhost/app:1"* ]]
  [[ "$output" == *"Successfully tagged localhost/app:1"* ]]
  [[ "${lines[-1]}" =~ ^[0-9a-f]{64}$ ]]
  run berth run --rm localhost/app:1
  [ "$status" -eq 0 ]
  [ "$output" = "hello berth in /app" ]
  run berth run --rm localhost/app:1 sh -c 'echo $MODE; cat conf/app.conf; stat -c %u:%g /owned.txt; test -e secret.txt || echo no-secret; echo "[$WHO]"'
  [ "${lines[0]}" = prod ]
  [ "${lines[1]}" = "k=v" ]
  [ "${lines[2]}" = "1000:1000" ]
  [ "${lines[3]}" = no-secret ]
  [ "${lines[4]}" = "[]" ]
  run berth image inspect --format '{{.Config.WorkingDir}} {{index .Config.Labels "org.example.app"}}' localhost/app:1
  [ "$output" = "/app demo" ]
  # no intermediate images or build containers stay behind
  run berth images -a --format '{{.Repository}}'
  [[ "$output" != *"<none>"* ]]
  run berth ps -a --format '{{.Names}}'
  [[ "$output" != *berth-build* ]]
}

@test "build: a COPY that leaves the context fails clearly" {
  d=$(new_context esc)
  printf 'FROM localhost/busybox\nCOPY ../../etc/shadow /x\n' >"$d/Containerfile"
  run berth build -t localhost/escape "$d"
  [ "$status" -eq 125 ]
  [[ "$output" == *"../../etc/shadow is outside the build context"* ]]
  ln -s /etc "$d/etclink"
  printf 'FROM localhost/busybox\nCOPY etclink/shadow /x\n' >"$d/Containerfile"
  run berth build -t localhost/escape "$d"
  [ "$status" -eq 125 ]
  [[ "$output" == *"outside the build context"* ]]
  run berth image exists localhost/escape
  [ "$status" -eq 1 ]
}

@test "build: a failing RUN fails with its exit code and leaves no image" {
  d=$(new_context fail)
  printf 'FROM localhost/busybox\nRUN echo partial >/p\nRUN exit 7\nCMD ["true"]\n' >"$d/Containerfile"
  before=$(berth images -a -q | sort)
  run berth build -t localhost/failed "$d"
  [ "$status" -eq 7 ]
  [[ "$output" == *'building at STEP "RUN exit 7"'* ]]
  [[ "$output" != *"STEP 4/4"* ]]
  run berth image exists localhost/failed
  [ "$status" -eq 1 ]
  [ "$(berth images -a -q | sort)" = "$before" ]
  run berth ps -a --format '{{.Names}}'
  [[ "$output" != *berth-build* ]]
}

@test "build: multi-stage COPY --from, scratch, ENTRYPOINT, -q and -f" {
  d=$(new_context multi)
  cat >"$d/build.cf" <<'CF'
FROM localhost/busybox AS builder
RUN mkdir /out && echo built >/out/artifact
FROM scratch
COPY --from=builder /bin/busybox /bin/busybox
COPY --from=builder /out/artifact /artifact
ENTRYPOINT ["/bin/busybox"]
CMD ["cat", "/artifact"]
CF
  run berth build -q -f "$d/build.cf" -t localhost/multi "$d"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  run berth run --rm localhost/multi
  [ "$status" -eq 0 ]
  [ "$output" = built ]
  run berth image inspect --format '{{len .RootFS.Layers}}' localhost/multi
  [ "$output" = 2 ]
}

@test "build: ADD extracts a local tar archive; remote sources are refused" {
  d=$(new_context add)
  mkdir -p "$d/t/dir"; echo inside >"$d/t/dir/f"
  tar -C "$d/t" -czf "$d/files.tar.gz" dir
  printf 'FROM localhost/busybox\nADD files.tar.gz /opt/\n' >"$d/Containerfile"
  berth build -q -t localhost/added "$d"
  run berth run --rm localhost/added cat /opt/dir/f
  [ "$output" = inside ]
  printf 'FROM localhost/busybox\nADD http://example.com/x /x\n' >"$d/Containerfile"
  run berth build "$d"
  [ "$status" -eq 125 ]
  [[ "$output" == *"remote sources are not supported"* ]]
}
