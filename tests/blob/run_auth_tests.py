#!/usr/bin/env python3
"""Bearer-token auth of the Blob client (docs/azure-storage.md, "Token auth").

One loopback HTTP server plays three parts, each checking what the client sends:
  * the Microsoft Entra token endpoint  POST /<tenant>/oauth2/v2.0/token  (client credentials:
    form fields grant_type, client_id, client_secret, scope);
  * the Azure Instance Metadata Service  GET /metadata/identity/oauth2/token  (header
    Metadata: true, api-version, resource, optional client_id);
  * a fake Blob endpoint  /<account>/...  that accepts only "Authorization: Bearer <a token it
    issued and that has not expired>" plus x-ms-version (Azurite takes OAuth only over HTTPS).
Tokens are short-lived (EXPIRES seconds) so refresh is observable; every token request is
counted.  blob_auth_tool is run once per step and its output and messages are checked.
Nothing here contacts a non-loopback address.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TENANT = "contoso-tenant"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
SECRET = "S3cr3t~Value.With+Specials/&="
MI_CLIENT_ID = "mi-user-assigned"
EXPIRES = 6  # seconds; the client then refreshes after half of it (margin capped at lifetime/2)
ACCOUNT = "fakeacct"
KV_AUDIENCE = "https://vault.azure.net"
KV_NAME = "fhir-client-secret"
KV_SECRET = "Kv~Secret/Value+With&Specials=42"
base_url = [""]  # the server's base URL, once known


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.token_requests = 0
        self.issued = {}  # token -> expiry (epoch seconds)
        self.blob_requests = []  # (method, path, authorization, x-ms-version)
        self.blobs = {}
        self.problems = []  # protocol violations seen by the server
        self.serial = 0
        self.revoke_next_blob = False
        self.kv_requests = 0

    def issue(self, kind):
        with self.lock:
            self.serial += 1
            tok = "tok-%s-%d" % (kind, self.serial)
            self.issued[tok] = time.time() + EXPIRES
            return tok


def make_server(st):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, code, body=b"", ctype="application/json", headers=()):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def error_json(self, code, err, desc):
            body = json.dumps({"error": err, "error_description": desc,
                               "error_codes": [7000215]}).encode()
            self.send(code, body)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        # ---- Entra token endpoint ------------------------------------------------------
        def entra(self):
            with st.lock:
                st.token_requests += 1
            if self.headers.get("Content-Type", "").split(";")[0] != \
                    "application/x-www-form-urlencoded":
                st.problems.append("token POST content type %r" % self.headers.get("Content-Type"))
            form = urllib.parse.parse_qs(self.body().decode(), keep_blank_values=True,
                                         strict_parsing=True)
            f = {k: v[0] for k, v in form.items()}
            tenant = self.path.split("/")[1]
            if tenant == "flaky-" + TENANT and st.token_requests == 1:
                # The first request of a step fails as an overloaded service would.
                return self.error_json(503, "temporarily_unavailable", "AADSTS50196: busy")
            if tenant not in (TENANT, "flaky-" + TENANT):
                return self.error_json(400, "invalid_tenant",
                                       "AADSTS90002: Tenant '%s' not found." % tenant)
            if f.get("grant_type") != "client_credentials" or \
                    f.get("scope") != "https://storage.azure.com/.default":
                st.problems.append("token form %r" % sorted(f))
                return self.error_json(400, "invalid_request", "AADSTS900144: bad form")
            if f.get("client_id") != CLIENT_ID:
                return self.error_json(400, "unauthorized_client",
                                       "AADSTS700016: Application not found")
            if f.get("client_secret") != SECRET:
                # Like a careless server, echo what was sent: the client must scrub it.
                return self.error_json(401, "invalid_client",
                                       "AADSTS7000215: Invalid client secret provided: '%s'"
                                       % f.get("client_secret"))
            tok = st.issue("cc")
            self.send(200, json.dumps({"token_type": "Bearer", "expires_in": EXPIRES,
                                       "ext_expires_in": EXPIRES, "access_token": tok}).encode())

        # ---- IMDS ----------------------------------------------------------------------
        def imds(self, q):
            with st.lock:
                st.token_requests += 1
            if self.headers.get("Metadata") != "true":
                return self.error_json(400, "invalid_request",
                                       "Required metadata header not specified")
            if q.get("api-version") != "2018-02-01" or \
                    q.get("resource") not in ("https://storage.azure.com/", KV_AUDIENCE):
                st.problems.append("imds query %r" % q)
                return self.error_json(400, "invalid_request", "bad query")
            cid = q.get("client_id")
            if cid not in (None, MI_CLIENT_ID, "expires-on-only"):
                return self.error_json(400, "invalid_request", "Identity not found")
            tok = st.issue("mi" if q["resource"] != KV_AUDIENCE else "mi-kv")
            now = int(time.time())
            doc = {"access_token": tok, "expires_on": str(now + EXPIRES),
                   "not_before": str(now), "resource": q["resource"], "token_type": "Bearer"}
            if cid != "expires-on-only":
                doc["expires_in"] = str(EXPIRES)
            self.send(200, json.dumps(doc).encode())

        # ---- fake Blob endpoint --------------------------------------------------------
        def blob(self):
            auth = self.headers.get("Authorization", "")
            ver = self.headers.get("x-ms-version", "")
            data = self.body()
            with st.lock:
                st.blob_requests.append((self.command, self.path, auth, ver))
                exp = st.issued.get(auth[len("Bearer "):]) if auth.startswith("Bearer ") else None
                revoke = st.revoke_next_blob
                st.revoke_next_blob = False
            if not ver:
                st.problems.append("no x-ms-version on %s %s" % (self.command, self.path))
            if exp is None or exp <= time.time() or revoke:
                return self.send(401, b"", headers=[("x-ms-error-code",
                                                     "InvalidAuthenticationInfo")])
            u = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(u.query))
            key = u.path
            if self.command == "PUT":
                if q.get("restype") == "container":
                    return self.send(201)
                st.blobs[key] = data
                return self.send(201)
            if self.command == "GET" and q.get("comp") == "list":
                prefix = u.path + "/"
                items = "".join(
                    "<Blob><Name>%s</Name><Properties><Content-Length>%d</Content-Length>"
                    "</Properties></Blob>" % (k[len(prefix):], len(v))
                    for k, v in sorted(st.blobs.items()) if k.startswith(prefix))
                xml = ('<?xml version="1.0" encoding="utf-8"?><EnumerationResults>'
                       "<Blobs>%s</Blobs><NextMarker/></EnumerationResults>" % items)
                return self.send(200, xml.encode(), "application/xml")
            if self.command == "GET" and key in st.blobs:
                return self.send(200, st.blobs[key], "application/octet-stream",
                                 [("ETag", '"0x1"')])
            return self.send(404, b"", headers=[("x-ms-error-code", "BlobNotFound")])

        # ---- fake Key Vault: Get Secret (REST 7.4) ------------------------------------------
        def keyvault(self, u):
            auth = self.headers.get("Authorization", "")
            q = dict(urllib.parse.parse_qsl(u.query))
            with st.lock:
                st.kv_requests += 1
                ok = auth.startswith("Bearer tok-mi-kv-") and auth[7:] in st.issued
            if q.get("api-version") != "7.4":
                st.problems.append("key vault query %r" % q)
            if not ok:  # a token for another audience is refused, as Key Vault does
                return self.send(401, json.dumps({"error": {"code": "Unauthorized"}}).encode())
            name = u.path[len("/vault/secrets/"):]
            if name == "flaky" and st.kv_requests == 1:
                return self.send(503, b"{}", headers=[("Retry-After", "0")])
            if name == "garbage":
                return self.send(200, b"<html>not json</html>", "text/html")
            if name not in (KV_NAME, "flaky"):
                return self.send(404, json.dumps({"error": {"code": "SecretNotFound"}}).encode())
            self.send(200, json.dumps({"value": KV_SECRET, "id": base_url[0] + u.path + "/v1",
                                       "attributes": {"enabled": True}}).encode())

        def route(self):
            u = urllib.parse.urlsplit(self.path)
            if u.path.startswith("/vault/secrets/") and self.command == "GET":
                return self.keyvault(u)
            if u.path == "/metadata/identity/oauth2/token" and self.command == "GET":
                return self.imds(dict(urllib.parse.parse_qsl(u.query)))
            if u.path.endswith("/oauth2/v2.0/token") and self.command == "POST":
                return self.entra()
            if u.path.startswith("/%s/" % ACCOUNT):
                return self.blob()
            st.problems.append("unexpected %s %s" % (self.command, self.path))
            self.send(404)

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = route

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402  (expect, report)

CHECKS = f2ctest.Failures()  # this test's own list (tests importing it keep theirs)
failures, check = CHECKS.items, CHECKS.expect


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    args = ap.parse_args()
    st = State()
    srv = make_server(st)
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    base_url[0] = base

    # Only our variables: no proxy may divert loopback requests, and no outside setting leaks in.
    clean = {k: v for k, v in os.environ.items()
             if not k.lower().endswith("_proxy") and not k.startswith("F2C_")}

    def run(cmd, **env):
        e = dict(clean)
        e.update(env)
        p = subprocess.run([args.tool] + cmd, env=e, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def reset():
        with st.lock:
            st.token_requests = 0

    cc = {"F2C_AUTH_KIND": "secret", "F2C_AUTH_AUTHORITY": base + "/",
          "F2C_AUTH_TENANT": TENANT, "F2C_AUTH_CLIENT_ID": CLIENT_ID}
    mi = {"F2C_AUTH_KIND": "imds", "F2C_AUTH_IMDS": base}

    rc, out, err = run(["unit"])
    check(rc == 0, "unit: argument checks (%s)" % err.strip())

    # 1. Client credentials, secret from an environment variable: one fetch, reused.
    reset()
    rc, out, err = run(["token", "0", "0", "100"], F2C_AUTH_SECRET_ENV="MY_APP_SECRET",
                       MY_APP_SECRET=SECRET, **cc)
    toks = [l for l in out.splitlines() if l.startswith("token=")]
    check(rc == 0 and len(toks) == 3 and len(set(toks)) == 1 and "fetches=1" in out
          and st.token_requests == 1, "client credentials: fetched once, reused (%s %s)"
          % (out.split(), err.strip()))

    # 2. Refreshed before expiry: lifetime 6 s, refreshed after 3 s.
    reset()
    rc, out, err = run(["token", "0", "4000", "0"], F2C_AUTH_SECRET=SECRET, **cc)
    toks = [l for l in out.splitlines() if l.startswith("token=")]
    check(rc == 0 and len(toks) == 3 and toks[0] != toks[1] and toks[1] == toks[2]
          and "fetches=2" in out and st.token_requests == 2,
          "client credentials: refreshed after expiry window (%s %s)" % (out.split(), err.strip()))

    # 3. Wrong secret: 401 invalid_client in the message, the secret nowhere (even though the
    #    server echoed it).
    reset()
    wrong = "Wr0ng-Secret-Value-123"
    rc, out, err = run(["token", "0"], F2C_AUTH_SECRET_ENV="MY_APP_SECRET", MY_APP_SECRET=wrong,
                       **cc)
    check(rc == 1 and "invalid_client" in err and "HTTP 401" in err and wrong not in err
          and wrong not in out and SECRET not in err, "wrong secret: error code, no secret (%s)"
          % err.strip())

    # 4. Unknown tenant: 400 + the service's error code; not retried.
    reset()
    rc, out, err = run(["token", "0"], F2C_AUTH_SECRET=SECRET,
                       **dict(cc, F2C_AUTH_TENANT="no-such-tenant"))
    check(rc == 1 and "HTTP 400 invalid_tenant" in err and "AADSTS90002" in err
          and SECRET not in err and st.token_requests == 1,
          "bad tenant: 400 invalid_tenant reported once (%s)" % err.strip())

    # 4b. A 503 from the token endpoint is retried.
    reset()
    rc, out, err = run(["token", "0"], F2C_AUTH_SECRET=SECRET,
                       **dict(cc, F2C_AUTH_TENANT="flaky-" + TENANT))
    check(rc == 0 and "fetches=1" in out and st.token_requests == 2,
          "token endpoint 503 retried (%s %s)" % (out.split(), err.strip()))

    # 5. Managed identity (system-assigned): Metadata header, query; fetched once, reused.
    reset()
    rc, out, err = run(["token", "0", "0"], **mi)
    toks = [l for l in out.splitlines() if l.startswith("token=tok-mi-")]
    check(rc == 0 and len(toks) == 2 and len(set(toks)) == 1 and "fetches=1" in out
          and st.token_requests == 1, "managed identity: fetched once (%s %s)"
          % (out.split(), err.strip()))

    # 6. User-assigned identity answered with expires_on only: refresh by the absolute time.
    reset()
    rc, out, err = run(["token", "0", "0", "4000"],
                       **dict(mi, F2C_AUTH_CLIENT_ID="expires-on-only"))
    toks = [l for l in out.splitlines() if l.startswith("token=")]
    check(rc == 0 and len(toks) == 3 and toks[0] == toks[1] and toks[1] != toks[2]
          and "fetches=2" in out, "managed identity: expires_on refresh (%s %s)"
          % (out.split(), err.strip()))

    # 7. Unknown identity: IMDS 400 with its error code.
    reset()
    rc, out, err = run(["token", "0"], **dict(mi, F2C_AUTH_CLIENT_ID="nobody"))
    check(rc == 1 and "HTTP 400 invalid_request" in err and "Identity not found" in err,
          "managed identity: 400 reported (%s)" % err.strip())

    # 8. Blob operations carry the bearer token; refresh in the middle of a run; a revoked token
    #    (401) is replaced once.
    for name, env in (("client credentials", dict(cc, F2C_AUTH_SECRET=SECRET)),
                      ("managed identity", dict(mi, F2C_AUTH_CLIENT_ID=MI_CLIENT_ID))):
        reset()
        with st.lock:
            st.blob_requests.clear()
        rc, out, err = run(["blob", "cont", "dir/x.txt", "4000"], F2C_BLOB_ENDPOINT=base + "/"
                           + ACCOUNT, F2C_BLOB_ACCOUNT=ACCOUNT, **env)
        reqs = list(st.blob_requests)
        bearer = [r for r in reqs if r[2].startswith("Bearer tok-")]
        check(rc == 0 and len(reqs) == 6 and len(bearer) == 6
              and all(r[3] == "2021-08-06" for r in reqs)
              and len({r[2] for r in reqs}) == 2 and "fetches=2" in out
              and st.token_requests == 2,
              "%s: blob requests carry Bearer + x-ms-version, one refresh (%s %s %s)"
              % (name, out.split(), err.strip(), [(r[0], r[2]) for r in reqs]))

    reset()
    with st.lock:
        st.blob_requests.clear()
        st.revoke_next_blob = True
    rc, out, err = run(["blob", "cont2", "y.txt", "0"], F2C_BLOB_ENDPOINT=base + "/" + ACCOUNT,
                       F2C_BLOB_ACCOUNT=ACCOUNT, **mi)
    check(rc == 0 and "fetches=2" in out and "retries=1" in out and len(st.blob_requests) == 7,
          "401 from storage: token refetched once, request repeated (%s %s)"
          % (out.split(), err.strip()))

    # 9. Key Vault (f2c_keyvault): a managed-identity token for Key Vault's audience, the
    #    current secret, never printed; a 503 is retried; 404, a foreign audience and a
    #    non-JSON answer fail with a message; a bad name sends nothing.
    vault = base + "/vault/"
    kv = dict(mi, F2C_AUTH_CLIENT_ID=MI_CLIENT_ID, F2C_EXPECT_SECRET=KV_SECRET)
    for name, vault_uri in (("trailing slash", vault), ("no trailing slash", vault[:-1])):
        with st.lock:
            st.kv_requests = 0
        rc, out, err = run(["keyvault", vault_uri, KV_NAME], **kv)
        check(rc == 0 and "secret matches" in out and KV_SECRET not in out + err
              and "<redacted>" in err and st.kv_requests == 1,
              "key vault (%s): secret read, never shown (%s %s)" % (name, out.split(), err))
    with st.lock:
        st.kv_requests = 0
    rc, out, err = run(["keyvault", vault, "flaky"], **kv)
    check(rc == 0 and st.kv_requests == 2, "key vault: 503 retried (%s)" % err.strip())
    rc, out, err = run(["keyvault", vault, "missing"], **kv)
    check(rc == 1 and "HTTP 404" in err and "secrets/missing" in err,
          "key vault: 404 named (%s)" % err.strip())
    rc, out, err = run(["keyvault", vault, "garbage"], **kv)
    check(rc == 1 and "not a secret" in err, "key vault: non-JSON answer (%s)" % err.strip())
    with st.lock:
        before = st.kv_requests
    rc, out, err = run(["keyvault", vault, "bad_name!"], **kv)
    check(rc == 1 and "EUSAGE" in err.upper() and st.kv_requests == before,
          "key vault: malformed name refused before any request (%s)" % err.strip())
    rc, out, err = run(["keyvault", "ftp://vault.example/", KV_NAME], **kv)
    check(rc == 1 and "https vault URI" in err, "key vault: non-https URI refused (%s)"
          % err.strip())

    check(not st.problems, "server saw no protocol violations %r" % st.problems)
    srv.shutdown()
    return f2ctest.report(failures, "all auth checks passed")


if __name__ == "__main__":
    sys.exit(main())
