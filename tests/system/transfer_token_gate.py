#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""transfer_token_gate.py - a bearer-token gate in front of a real registry, for the transfer
tests: the protocol paths Debian's docker-registry does not offer by itself.

  transfer_token_gate.py PORT BACKEND_HOST:PORT USER PASSWORD [chunked]

- every /v2/ request needs "Authorization: Bearer <token>"; otherwise 401 with
  WWW-Authenticate: Bearer realm="http://127.0.0.1:PORT/token",service="gate",scope=...
- /token?service=gate&scope=S hands out a token for S (Basic USER:PASSWORD required for push
  scopes, anonymous pull allowed) and counts requests: GET /stats shows {"tokens": N}
- blob GETs are answered with a 307 redirect straight to the backend (as S3-backed registries do)
- /v1/search?q=T returns Docker Hub-style results for the backend's catalog entries matching T
- with "chunked": upload sessions announce OCI-Chunk-Min-Length, and a PUT that carries data
  is refused (416), so clients must PATCH their data; /stats counts the PATCHes
Everything else is forwarded to the backend unchanged.
"""
import base64
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, BACKEND, USER, PASSWORD = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
CHUNKED = len(sys.argv) > 5 and sys.argv[5] == "chunked"
TOKENS = {}
STATS = {"tokens": 0, "patches": 0}
LOCK = threading.Lock()


class Gate(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def scope_needed(self, path):
        parts = path.split("/")
        for marker in ("manifests", "blobs", "tags"):
            if marker in parts:
                name = "/".join(parts[2:parts.index(marker)])
                action = "pull" if self.command in ("GET", "HEAD") else "pull,push"
                return "repository:%s:%s" % (name, action)
        return None

    def authorized(self, scope):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Bearer "):
            return False
        with LOCK:
            granted = TOKENS.get(h[7:])
        if granted is None:
            return False
        if scope is None:
            return True
        name, _, actions = scope.rpartition(":")
        return granted.rpartition(":")[0] == name and set(actions.split(",")) <= set(
            granted.rpartition(":")[2].split(","))

    def token(self, query):
        q = urllib.parse.parse_qs(query)
        scope = q.get("scope", [""])[0]
        if q.get("service", [""])[0] != "gate":
            return self.reply(400, b'{"errors":[{"code":"DENIED","message":"wrong service"}]}')
        basic = self.headers.get("Authorization", "")
        ok_user = basic == "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        if basic and not ok_user:
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
        if "push" in scope and not ok_user:
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"push needs login"}]}')
        with LOCK:
            STATS["tokens"] += 1
            tok = "tok%d" % STATS["tokens"]
            TOKENS[tok] = scope
        self.reply(200, json.dumps({"token": tok, "expires_in": 300}).encode(),
                   {"Content-Type": "application/json"})

    def forward(self, path):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else None
        if CHUNKED and self.command == "PUT" and "/blobs/uploads/" in path and length:
            return self.reply(416, b'{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"send chunks"}]}')
        if self.command == "PATCH":
            with LOCK:
                STATS["patches"] += 1
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "host")}
        headers["Host"] = "127.0.0.1:%d" % PORT
        conn = http.client.HTTPConnection(BACKEND)
        conn.request(self.command, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        out = {k: v for k, v in resp.getheaders()
               if k.lower() not in ("content-length", "transfer-encoding", "connection")}
        if CHUNKED and self.command == "POST" and resp.status == 202:
            out["OCI-Chunk-Min-Length"] = "1"
        self.reply(resp.status, data, out)
        conn.close()

    def search(self, query):
        term = urllib.parse.parse_qs(query).get("q", [""])[0]
        conn = http.client.HTTPConnection(BACKEND)
        conn.request("GET", "/v2/_catalog")
        repos = json.loads(conn.getresponse().read()).get("repositories", [])
        conn.close()
        results = [{"name": r, "description": "the %s image" % r, "star_count": 7,
                    "is_official": r.startswith("library/"), "is_automated": False}
                   for r in repos if term in r]
        self.reply(200, json.dumps({"num_results": len(results), "results": results}).encode(),
                   {"Content-Type": "application/json"})

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/token":
            return self.token(url.query)
        if url.path == "/stats":
            return self.reply(200, json.dumps(STATS).encode())
        if url.path == "/v1/search":
            return self.search(url.query)
        scope = self.scope_needed(url.path)
        if url.path.startswith("/v2/") and not self.authorized(scope):
            length = int(self.headers.get("Content-Length", "0") or 0)
            if length:
                self.rfile.read(length)
            challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="gate"' % PORT
            if scope:
                challenge += ',scope="%s"' % scope
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"token needed"}]}',
                              {"WWW-Authenticate": challenge, "Content-Type": "application/json"})
        if self.command == "GET" and "/blobs/sha256:" in url.path:
            return self.reply(307, b"", {"Location": "http://%s%s" % (BACKEND, self.path)})
        self.forward(self.path)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


ThreadingHTTPServer(("127.0.0.1", PORT), Gate).serve_forever()
