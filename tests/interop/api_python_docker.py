#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# api_python_docker.py SOCKET REGISTRY - Debian's python3-docker (the Docker SDK) against
# `berth system service`: each check prints "ok NAME" or raises. REGISTRY is a local
# plain-HTTP registry (host:port) that registries.conf marks insecure.
import sys
import time

import docker

sock, registry = sys.argv[1], sys.argv[2]
client = docker.DockerClient(base_url="unix://" + sock, version="auto", timeout=60)


def ok(name):
    print("ok " + name, flush=True)


assert client.ping()
v = client.version()
assert v["ApiVersion"] == "1.44", v
ok("version")

tags = [t for img in client.images.list() for t in img.tags]
assert "localhost/busybox:latest" in tags, tags
ok("images")

out = client.containers.run("localhost/busybox", ["echo", "hi"], remove=True)
assert out == b"hi\n", out
ok("run")

c = client.containers.run("localhost/busybox", ["sh", "-c", "echo ready; sleep 100"],
                          detach=True, name="pyd")
deadline = time.time() + 60  # a loaded machine may take a while to run echo
while b"ready" not in c.logs() and time.time() < deadline:
    time.sleep(0.1)
assert c.logs() == b"ready\n", c.logs()
c.reload()
assert c.status == "running", c.status
code, out = c.exec_run(["echo", "from-exec"])
assert (code, out) == (0, b"from-exec\n"), (code, out)
c.stop(timeout=1)
c.reload()
assert c.status == "exited", c.status
c.remove()
assert "pyd" not in [x.name for x in client.containers.list(all=True)]
ok("container life")

img = client.images.get("localhost/busybox:latest")
assert img.tag(registry + "/py/busybox", "v1")
for line in client.images.push(registry + "/py/busybox", tag="v1", stream=True, decode=True):
    assert "error" not in line, line
client.images.remove(registry + "/py/busybox:v1")
pulled = client.images.pull(registry + "/py/busybox", tag="v1")
assert registry + "/py/busybox:v1" in pulled.tags, pulled.tags
ok("push and pull")

try:
    client.containers.get("nosuch")
    raise AssertionError("nosuch found")
except docker.errors.NotFound:
    ok("errors")
