#!/usr/bin/env python3
"""A Bearer token service for docker-registry's `auth: token` mode, for
tests: HTTPS on 127.0.0.1 (REGDIR/srv.crt), issuing RS256 JWTs signed with
REGDIR/token.key (its certificate, REGDIR/token.crt, is the registry's
rootcertbundle and rides in the x5c header). Anonymous requests get pull
access to any repository except ones under private/; with Basic
credentials md:s3cret pass, everything. Bad credentials get 401.
Every request is logged to stdout as one line: the query and whether it
carried credentials.

usage: tokenserver.py PORT REGDIR
"""
import base64, http.server, json, os, ssl, subprocess, sys, time, urllib.parse

PORT, REG = int(sys.argv[1]), sys.argv[2]

def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def cert_der():
    pem = open(os.path.join(REG, "token.crt")).read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END")[0]
    return "".join(body.split())

def sign(msg):
    return subprocess.run(["openssl", "dgst", "-sha256", "-sign",
                           os.path.join(REG, "token.key")], input=msg,
                          capture_output=True, check=True).stdout

def token(service, scopes):
    now = int(time.time())
    access = []
    for s in scopes:
        typ, name, actions = s.split(":", 2) if s.count(":") >= 2 else (None, None, None)
        if typ:
            access.append({"type": typ, "name": name, "actions": actions.split(",")})
    hdr = {"typ": "JWT", "alg": "RS256", "x5c": [cert_der()]}
    claims = {"iss": "md-test-issuer", "sub": "md", "aud": service,
              "exp": now + 300, "nbf": now - 10, "iat": now,
              "jti": b64(os.urandom(8)), "access": access}
    msg = (b64(json.dumps(hdr).encode()) + "." +
           b64(json.dumps(claims).encode())).encode()
    return msg.decode() + "." + b64(sign(msg))

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        q = urllib.parse.urlparse(self.path)
        args = urllib.parse.parse_qs(q.query)
        auth = self.headers.get("Authorization", "")
        user = None
        if auth.startswith("Basic "):
            user = base64.b64decode(auth[6:]).decode()
            if user != "md:s3cret pass":
                print("REFUSED", q.query, flush=True)
                self.send_response(401); self.end_headers(); return
        scopes = args.get("scope", [])
        if not user:
            scopes = [s for s in scopes if ":private/" not in s]
        print("TOKEN", q.query, "creds" if user else "anonymous", flush=True)
        body = json.dumps({"token": token(args.get("service", [""])[0], scopes),
                           "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

srv = http.server.HTTPServer(("127.0.0.1", PORT), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.path.join(REG, "srv.crt"), os.path.join(REG, "srv.key"))
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
