#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/registry-push.py HOST:PORT IMAGES CONCURRENCY

Pushes IMAGES small images (a 2 KiB layer, a config, an OCI manifest: POST + PUT per blob, then
the manifest PUT) over CONCURRENCY keep-alive connections, and prints
"SECONDS FAILURES MEDIAN_MS MAX_MS" (the image push latencies). One process with threads: a curl
process per request would measure process start-up on a loaded machine, not the server.
"""
import hashlib
import http.client
import json
import os
import sys
import threading
import time
from urllib.parse import urlsplit

host, port = sys.argv[1].rsplit(":", 1)
images, conc = int(sys.argv[2]), int(sys.argv[3])
failures, latencies = [], []


def request(conn, method, path, body=None, ctype=None):
    headers = {"Content-Type": ctype} if ctype else {}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    resp.read()
    return resp


def push_blob(conn, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    resp = request(conn, "POST", f"/v2/{repo}/blobs/uploads/")
    loc = urlsplit(resp.getheader("Location") or "")
    query = (loc.query + "&" if loc.query else "") + "digest=" + digest
    resp = request(conn, "PUT", f"{loc.path}?{query}", data, "application/octet-stream")
    if resp.status != 201:
        failures.append(resp.status)
    return digest


def push_image(conn, i):
    repo = f"bench/p{i % 20}"
    layer = os.urandom(2048)
    config = json.dumps({"architecture": "amd64", "os": "linux", "n": os.urandom(8).hex()}).encode()
    start = time.monotonic()
    ldig, cdig = push_blob(conn, repo, layer), push_blob(conn, repo, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdig,
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ldig,
                    "size": len(layer)}]}).encode()
    resp = request(conn, "PUT", f"/v2/{repo}/manifests/t{i}", manifest,
                   "application/vnd.oci.image.manifest.v1+json")
    if resp.status != 201:
        failures.append(resp.status)
    latencies.append(time.monotonic() - start)


def pusher(first):
    conn = http.client.HTTPConnection(host, int(port), timeout=300)
    for i in range(first, images, conc):
        try:
            push_image(conn, i)
        except (OSError, http.client.HTTPException) as e:
            failures.append(str(e))
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=300)


start = time.monotonic()
threads = [threading.Thread(target=pusher, args=(w,)) for w in range(conc)]
for t in threads:
    t.start()
for t in threads:
    t.join()
latencies.sort()
mid = latencies[len(latencies) // 2] * 1e3 if latencies else 0
top = latencies[-1] * 1e3 if latencies else 0
print(f"{time.monotonic() - start:.2f} {len(failures)} {mid:.1f} {top:.1f}")
