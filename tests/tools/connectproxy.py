#!/usr/bin/env python3
"""A minimal HTTP proxy for tests: CONNECT tunnels (for https) and plain
absolute-URI GETs are forwarded, to 127.0.0.1 only. Each request is
logged as one line ("CONNECT host:port" or "GET url") to LOG.

usage: connectproxy.py PORT LOG
"""
import socket, sys, threading

PORT, LOG = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()

def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")

def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

def handle(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(4096)
        if not d:
            c.close(); return
        head += d
    line = head.split(b"\r\n", 1)[0].decode()
    method, target, _ = line.split(" ", 2)
    log("%s %s" % (method, target))
    if method == "CONNECT":
        host, port = target.rsplit(":", 1)
        if host not in ("127.0.0.1", "localhost"):
            c.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n"); c.close(); return
        u = socket.create_connection(("127.0.0.1", int(port)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        rest = head.split(b"\r\n\r\n", 1)[1]
        if rest:
            u.sendall(rest)
    else:
        c.sendall(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n")
        c.close(); return
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    pipe(u, c)

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", PORT))
s.listen(16)
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
