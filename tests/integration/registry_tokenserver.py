#!/usr/bin/python3
"""A Bearer token server for docker-registry, for the registry_token suite.

registry_tokenserver.py PORT KEY CERT SERVICE ISSUER USER PASS LOG
GET /token?service=..&scope=repository:NAME:ACTIONS: anonymous callers get
"pull" only, USER:PASS (Basic) gets what it asks for, wrong credentials get
401. Tokens are RS256 JWTs with the signing certificate in x5c (the registry
trusts it through rootcertbundle). LOG gets "anon|user|denied SCOPE" lines.
"""
import base64, http.server, json, sys, time, urllib.parse, uuid

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

port, keyf, certf, service, issuer, user, password, logf = sys.argv[1:9]
key = open(keyf, "rb").read()
cert = x509.load_pem_x509_certificate(open(certf, "rb").read())
x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        who = "anon"
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            u_p = base64.b64decode(auth[6:]).decode()
            if u_p != user + ":" + password:
                with open(logf, "a") as f:
                    f.write("denied %s\n" % q.get("scope", [""])[0])
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            who = "user"
        access = []
        for scope in q.get("scope", []):
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            actions = parts[-1].split(",")
            if who == "anon":
                actions = [a for a in actions if a == "pull"]
            access.append({"type": parts[0], "name": ":".join(parts[1:-1]), "actions": actions})
        now = int(time.time())
        claims = {"iss": issuer, "sub": who, "aud": service, "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": str(uuid.uuid4()), "access": access}
        tok = jwt.encode(claims, key, algorithm="RS256", headers={"x5c": [x5c]})
        body = json.dumps({"token": tok, "access_token": tok, "expires_in": 300}).encode()
        with open(logf, "a") as f:
            f.write("%s %s\n" % (who, ",".join(q.get("scope", []))))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), H).serve_forever()
