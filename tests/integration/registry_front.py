#!/usr/bin/python3
"""A registry front with Bearer auth that sends blobs to "storage" elsewhere.

registry_front.py PORT UPSTREAM LOG
/v2/...: 401 + Bearer challenge without "Authorization: Bearer T"; manifests
are fetched from UPSTREAM (http://host:port of a real registry); blob GETs
answer 307 to http://localhost:PORT/storage/<digest> (another host name, as
S3 or a CDN would be). /storage/ serves the bytes (honouring Range) and logs
"storage auth=<yes|no> range=<header>" so the test sees the token was not
sent along. /token hands out T.
"""
import http.server, json, sys, urllib.request

port, upstream, logf = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def log(s):
    with open(logf, "a") as f:
        f.write(s + "\n")


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def upstream(self, path, headers):
        req = urllib.request.Request(upstream + path, headers=headers)
        with urllib.request.urlopen(req) as r:
            return r.status, r.read(), r.headers

    def do_GET(self):
        p = self.path
        if p.startswith("/token"):
            return self.reply(200, json.dumps({"token": "T"}).encode(),
                              [("Content-Type", "application/json")])
        if p.startswith("/storage/"):
            repo, digest = p.split("/", 2)[2].rsplit("/", 1)
            hdrs = {}
            if self.headers.get("Range"):
                hdrs["Range"] = self.headers["Range"]
            log("storage auth=%s range=%s" % ("yes" if self.headers.get("Authorization") else "no",
                                                self.headers.get("Range", "")))
            st, body, h = self.upstream("/v2/%s/blobs/%s" % (repo, digest), hdrs)
            extra = [("Content-Range", h["Content-Range"])] if h.get("Content-Range") else []
            return self.reply(st, body, extra)
        if self.headers.get("Authorization") != "Bearer T":
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"token"}]}', [
                ("WWW-Authenticate",
                 'Bearer realm="http://127.0.0.1:%d/token",service="front"' % port)])
        if "/blobs/" in p:
            repo, digest = p[4:].split("/blobs/")
            return self.reply(307, b"", [("Location", "http://localhost:%d/storage/%s/%s" %
                                          (port, repo, digest))])
        try:
            st, body, h = self.upstream(p, {"Accept": ", ".join(self.headers.get_all("Accept", []))})
        except urllib.error.HTTPError as e:
            return self.reply(e.code, e.read())
        return self.reply(st, body, [("Content-Type", h["Content-Type"]),
                                     ("Docker-Content-Digest", h["Docker-Content-Digest"])])


http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
