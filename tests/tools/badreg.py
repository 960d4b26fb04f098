#!/usr/bin/env python3
"""A deliberately bad OCI registry for tests/pull-faults.test.

usage: badreg.py PORT PORT2 LOG [LAYOUT]

Plain HTTP on 127.0.0.1:PORT (the registry) and 127.0.0.1:PORT2 (a second
"blob storage" origin that redirected blob requests land on). LAYOUT is an
OCI image layout (default build/fixtures/busybox); its first manifest is
served as tag 1 of every repository MODE/.../bb, with digests computed from
the files. MODE, the repository's first component, picks the fault:

  ok               a correct registry
  digest-mismatch  the layer's bytes differ from its digest (the same
                   gzip stream with another header MTIME: still a valid
                   gzip tar with the right diff_id)
  badconfig        the config's bytes differ from its digest
  truncated        layer bodies end (connection closed) at the blob's
                   midpoint, every time; Range is honoured up to there
  resume           the first layer request is cut at the midpoint, later
                   ones honour Range (206 + Content-Range)
  norange          the first layer request is cut at the midpoint, later
                   ones ignore Range (200, the whole body)
  stall            layer bodies stop at the midpoint and the connection
                   stays open, silent (for 10 minutes)
  e500             500 on the first manifest request, then correct
  e429             429 with Retry-After: 1 on the first blob request
  e503             503 to every manifest and blob request (a registry
                   that is down behind its proxy)
  nolayer          the layer blob is unknown (404); the manifest and
                   config are served (a mirror that lost a blob)
  redirect         Basic auth md:pw required (401 + WWW-Authenticate
                   Basic); blobs are answered with 307 to PORT2
  badjson          the manifest is malformed JSON
  huge             a 5 MiB manifest (valid JSON, Content-Length)
  huge-chunked     the same, chunked (no Content-Length)
  schema1          a Docker schema 1 manifest (v1+prettyjws)
  ambiguous        a manifest with both "manifests" and "layers"
  dcd              a Docker-Content-Digest that is not the body's digest
  difid            the config's rootfs.diff_ids[0] is wrong (the manifest
                   names that config by its right digest)
  zstd             the layer's mediaType is tar+zstd
  pin              any digest reference is answered with the manifest plus
                   a trailing newline (so its digest is not the one asked)
  together         a layer request is held until every layer of the image
                   is being requested (the client pulls them all at once),
                   then served; after 10 s of waiting, 404 instead

State ("the first request") is kept per repository name, so a test can use
a fresh name (e.g. resume/2/bb) to start over. Every request is logged to
LOG as one line: TIME LISTENER METHOD PATH RANGE AUTH, where TIME is
seconds (float, wall clock), LISTENER is "reg" or "store", RANGE the Range
value or "-", AUTH "auth" or "noauth". Python 3 standard library only.
"""
import base64
import hashlib
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

T_INDEX = "application/vnd.oci.image.index.v1+json"
T_OCI = "application/vnd.oci.image.manifest.v1+json"
T_V1 = "application/vnd.docker.distribution.manifest.v1+prettyjws"
ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
BASIC_OK = "Basic " + base64.b64encode(b"md:pw").decode()


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


class Image:
    """The layout's image and the per-mode variants of its documents."""

    def __init__(self, layout):
        def blob(d):
            with open(os.path.join(layout, "blobs", *d.split(":")), "rb") as f:
                b = f.read()
            if sha(b) != d:
                sys.exit("badreg: %s: blob %s has digest %s" % (layout, d, sha(b)))
            return b

        with open(os.path.join(layout, "index.json"), "rb") as f:
            index = json.load(f)
        self.manifest = blob(index["manifests"][0]["digest"])
        m = json.loads(self.manifest)
        self.blobs = {}
        self.config_digest = m["config"]["digest"]
        self.config = blob(self.config_digest)
        self.blobs[self.config_digest] = self.config
        self.layers = [l["digest"] for l in m["layers"]]
        for d in self.layers:
            self.blobs[d] = blob(d)
        self.layer = self.layers[0]
        lb = self.blobs[self.layer]
        if lb[:2] != b"\x1f\x8b":
            sys.exit("badreg: the first layer is not gzip")
        # Same gzip stream, another MTIME in the header: valid, same size,
        # same uncompressed bytes, another digest.
        self.layer_other = lb[:4] + bytes(b ^ 0x5A for b in lb[4:8]) + lb[8:]

        def doc(o):
            return json.dumps(o, separators=(",", ":")).encode()

        # difid: a config with a wrong diff_id, named by its right digest.
        c = json.loads(self.config)
        c["rootfs"]["diff_ids"][0] = sha(b"not the layer")
        self.config_difid = doc(c)
        self.blobs[sha(self.config_difid)] = self.config_difid
        md = json.loads(self.manifest)
        md["config"]["digest"] = sha(self.config_difid)
        md["config"]["size"] = len(self.config_difid)
        self.m_difid = doc(md)

        mz = json.loads(self.manifest)
        mz["layers"][0]["mediaType"] = ZSTD
        self.m_zstd = doc(mz)

        ma = json.loads(self.manifest)
        ma["manifests"] = [{"mediaType": T_OCI, "digest": sha(self.manifest),
                            "size": len(self.manifest),
                            "platform": {"os": "linux", "architecture": "amd64"}}]
        self.m_ambiguous = doc(ma)

        mh = json.loads(self.manifest)
        mh["annotations"] = {"pad": "x" * (5 << 20)}
        self.m_huge = doc(mh)

        self.m_badjson = self.manifest[: len(self.manifest) // 2]

        v1c = json.dumps({"id": "0" * 64, "architecture": "amd64", "os": "linux"})
        self.m_schema1 = json.dumps({
            "schemaVersion": 1, "name": "schema1/bb", "tag": "1",
            "architecture": "amd64",
            "fsLayers": [{"blobSum": self.layer}],
            "history": [{"v1Compatibility": v1c}],
            "signatures": [{"header": {"alg": "ES256"}, "signature": "AAAA",
                            "protected": "e30"}]}, indent=3).encode()


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.cond = threading.Condition()
        self.asked = {}

    def together(self, repo, digest, n):
        """Waits until n distinct layers of repo are asked for; False
        after 10 s."""
        with self.cond:
            asked = self.asked.setdefault(repo, set())
            asked.add(digest)
            self.cond.notify_all()
            return self.cond.wait_for(lambda: len(asked) >= n, timeout=10)

    def bump(self, key):
        """How many times key was seen before (0 the first time)."""
        with self.lock:
            n = self.counts.get(key, 0)
            self.counts[key] = n + 1
            return n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "badreg/1"

    def log_message(self, *a):
        pass

    def handle(self):
        # md tries https first on an insecure registry: a TLS ClientHello
        # (0x16) gets the connection closed at once, as Go's server does.
        try:
            first = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if first[:1] == b"\x16":
            return
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass

    # ---- helpers ----
    def log_req(self):
        srv = self.server
        line = "%.3f %s %s %s %s %s\n" % (
            time.time(), srv.name, self.command, self.path,
            (self.headers.get("Range") or "-").replace(" ", ""),
            "auth" if self.headers.get("Authorization") else "noauth")
        with srv.logmu:
            with open(srv.logpath, "a") as f:
                f.write(line)

    def reply(self, status, body=b"", ctype=None, headers=(), send_body=True):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, msg, headers=()):
        body = json.dumps({"errors": [{"code": code, "message": msg}]}).encode()
        self.reply(status, body, "application/json", headers)

    def cut(self, body, status=200, headers=(), start=0, end=None, stall=False):
        """Announces body[start:] (whole length), sends body[start:end]
        and then closes the connection (or stalls)."""
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        if end is not None and end > start:
            self.wfile.write(body[start:end])
        elif end is None:
            self.wfile.write(body[start:])
            return
        self.wfile.flush()
        if stall:
            time.sleep(600)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def range_start(self, size):
        v = self.headers.get("Range")
        if not v or not v.startswith("bytes=") or not v.endswith("-"):
            return None
        try:
            n = int(v[6:-1])
        except ValueError:
            return None
        return n if 0 <= n < size else None

    def send_blob(self, body, honour_range=True, headers=()):
        start = self.range_start(len(body)) if honour_range else None
        if start is None:
            self.reply(200, body, "application/octet-stream", headers)
            return
        self.reply(206, body[start:], "application/octet-stream",
                   tuple(headers) + (("Content-Range", "bytes %d-%d/%d" % (
                       start, len(body) - 1, len(body))),))

    # ---- dispatch ----
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.log_req()
        if self.server.name == "store":
            return self.store_get()
        path = self.path.split("?")[0]
        if path in ("/v2", "/v2/"):
            return self.reply(200, b"{}", "application/json")
        parts = path.split("/")
        # /v2/REPO.../manifests/REF or /v2/REPO.../blobs/DIGEST
        if len(parts) < 5 or parts[1] != "v2" or parts[-2] not in ("manifests", "blobs"):
            return self.error(404, "NAME_UNKNOWN", "no such path")
        repo = "/".join(parts[2:-2])
        kind, ref = parts[-2], parts[-1]
        mode = parts[2]
        if parts[-3] != "bb" or mode not in MODES:
            return self.error(404, "NAME_UNKNOWN", "repository name not known")
        if mode == "e503":
            return self.error(503, "UNAVAILABLE", "service unavailable")
        if mode == "redirect" and self.headers.get("Authorization") != BASIC_OK:
            return self.error(401, "UNAUTHORIZED", "authentication required",
                              (("WWW-Authenticate", 'Basic realm="badreg"'),))
        if kind == "manifests":
            return self.manifest(mode, repo, ref)
        return self.blob(mode, repo, ref)

    def manifest(self, mode, repo, ref):
        img = self.server.img
        st = self.server.state
        body, ctype, dcd = img.manifest, T_OCI, None
        if mode == "pin" and ref.startswith("sha256:"):
            body = img.manifest + b"\n"
        elif ref.startswith("sha256:"):
            if ref != sha(img.manifest) and not (
                    mode == "difid" and ref == sha(img.m_difid)):
                return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        elif ref != "1":
            return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        if mode == "e500" and st.bump((repo, "manifest")) == 0:
            return self.error(500, "UNKNOWN", "injected failure")
        if mode == "difid":
            body = img.m_difid
        elif mode == "zstd":
            body = img.m_zstd
        elif mode == "ambiguous":
            body = img.m_ambiguous
        elif mode == "badjson":
            body = img.m_badjson
        elif mode == "schema1":
            body, ctype = img.m_schema1, T_V1
        elif mode == "dcd":
            dcd = sha(body + b" ")
        elif mode == "huge-chunked":
            return self.chunked(img.m_huge, ctype)
        elif mode == "huge":
            body = img.m_huge
        if mode != "pin":
            dcd = dcd or sha(body)
        hdrs = (("Docker-Content-Digest", dcd),) if dcd else ()
        self.reply(200, body, ctype, hdrs)

    def chunked(self, body, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(body), 65536):
            c = body[i:i + 65536]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
        self.wfile.write(b"0\r\n\r\n")

    def blob(self, mode, repo, digest):
        img = self.server.img
        st = self.server.state
        body = img.blobs.get(digest)
        if body is None or (digest == sha(img.config_difid) and mode != "difid") or (
                mode == "nolayer" and digest == img.layer):
            return self.error(404, "BLOB_UNKNOWN", "blob unknown")
        if mode == "e429" and st.bump((repo, "blob")) == 0:
            return self.error(429, "TOOMANYREQUESTS", "slow down",
                              (("Retry-After", "1"),))
        if mode == "redirect":
            port2 = self.server.peer.server_address[1]
            return self.reply(307, b"", None, (
                ("Location", "http://127.0.0.1:%d/store/%s/%s" % (port2, repo, digest)),))
        if mode == "badconfig" and digest == img.config_digest:
            return self.reply(200, img.config.replace(b"{", b"{ ", 1),
                              "application/octet-stream")
        if mode == "together" and digest in img.layers:
            if not st.together(repo, digest, len(set(img.layers))):
                return self.error(404, "BLOB_UNKNOWN", "the other layers "
                                  "were not asked for meanwhile")
        if digest != img.layer:
            return self.send_blob(body)
        half = len(body) // 2
        if mode == "digest-mismatch":
            return self.send_blob(img.layer_other)
        if mode in ("truncated", "stall"):
            start = self.range_start(len(body))
            if start is None:
                return self.cut(body, end=half, stall=mode == "stall")
            return self.cut(body, 206, (("Content-Range", "bytes %d-%d/%d" % (
                start, len(body) - 1, len(body))),), start, max(half, start),
                stall=mode == "stall")
        if mode in ("resume", "norange"):
            if st.bump((repo, "layer")) == 0:
                return self.cut(body, end=half)
            return self.send_blob(body, honour_range=mode == "resume")
        self.send_blob(body)

    def store_get(self):
        # /store/REPO.../DIGEST: blob storage, no authentication.
        parts = self.path.split("?")[0].split("/")
        body = self.server.img.blobs.get(parts[-1]) if len(parts) > 3 else None
        if body is None:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown")
        self.send_blob(body)


MODES = {"ok", "digest-mismatch", "badconfig", "truncated", "resume",
         "norange", "stall", "e500", "e429", "e503", "nolayer", "redirect",
         "badjson", "huge", "huge-chunked", "schema1", "ambiguous", "dcd",
         "difid", "zstd", "pin",
         "together"}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.split("\n\n")[1])
    port, port2, logpath = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    layout = sys.argv[4] if len(sys.argv) == 5 else os.path.join(
        top, "build", "fixtures", "busybox")
    img = Image(layout)
    state = State()
    logmu = threading.Lock()
    open(logpath, "a").close()
    reg = Server(("127.0.0.1", port), Handler)
    store = Server(("127.0.0.1", port2), Handler)
    for s, name, peer in ((reg, "reg", store), (store, "store", reg)):
        s.name, s.peer, s.img, s.state = name, peer, img, state
        s.logpath, s.logmu = logpath, logmu
    threading.Thread(target=store.serve_forever, daemon=True).start()
    try:
        reg.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
