#!/usr/bin/env python3
"""export.secrets: no secret reaches a message, whatever a server echoes (issue 13, part 3).

Why: servers echo what they receive -- our Authorization header, our token-request form, the
token they issued -- in OperationOutcomes, error_description and plain-text error bodies, and our
messages end up in logs.  This runs `fhir2cdm-transform export` against a loopback server (stdlib
only) whose token endpoint, kick-off, status, error file and file download answer errors (401,
400, 404, 500; OperationOutcome, OAuth JSON or plain text) that echo the request's line, headers
and body, with every kind of secret: a --bearer-token, a client secret in FHIR2CDM_CLIENT_SECRET
whose encodings differ (`ab+c/d=e&f g%41`) and a long one, a one-character secret, and SMART
Backend Services (an RS384 key made with the openssl command; skipped, loudly, without it).

For each run: no secret (nor the access token the server issued, nor any client assertion it
received) appears in stdout, stderr or any file written, raw, percent-encoded (upper- and
lower-case hex, %20 and +, '/' kept or not), JSON-escaped, base64 or base64url; the messages
still say what failed; with a one-character secret "a" the server text is withheld and no other
word loses its letters.  Only 127.0.0.1 is contacted.
"""
import argparse
import base64
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402  (expect, report)

CHECKS = f2ctest.Failures()  # this test's own list (tests importing it keep theirs)
failures, expect = CHECKS.items, CHECKS.expect


def forms(secret):
    """Every encoding of secret a message must not contain."""
    b = secret.encode()
    out = {secret}
    for safe in ("", "/"):
        q = urllib.parse.quote(secret, safe=safe)
        qp = urllib.parse.quote_plus(secret, safe=safe)
        out |= {q, qp, q.lower(), qp.lower()}
        # lower-case hex only (the letters of the secret keep their case)
        out |= {lowhex(q), lowhex(qp)}
    out.add(json.dumps(secret)[1:-1])
    out.add(json.dumps(secret)[1:-1].replace("/", "\\/"))
    for enc in (base64.b64encode(b), base64.urlsafe_b64encode(b)):
        out |= {enc.decode(), enc.decode().rstrip("=")}
    return {f for f in out if f}


def lowhex(s):
    r, i = [], 0
    while i < len(s):
        if s[i] == "%" and i + 2 < len(s):
            r.append(s[i:i + 3].lower())
            i += 3
        else:
            r.append(s[i])
            i += 1
    return "".join(r)


class Echo(http.server.ThreadingHTTPServer):
    daemon_threads = True


def make_handler(srv):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def echo(self, body):
            lines = [f"{self.command} {self.path}"]
            lines += [f"{k}: {v}" for k, v in self.headers.items()]
            return "\n".join(lines) + "\n\n" + body.decode(errors="replace")

        def send(self, status, ctype, data, extra=()):
            data = data.encode() if isinstance(data, str) else data
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def outcome(self, status, text, code="exception"):
            oo = {"resourceType": "OperationOutcome",
                  "issue": [{"severity": "error", "code": code, "diagnostics": text}]}
            self.send(status, "application/fhir+json", json.dumps(oo))

        def handle_one(self, body=b""):
            srv.log.append({"method": self.command, "path": self.path, "body": body.decode(
                errors="replace"), "headers": dict(self.headers.items())})
            mode = srv.modes
            p = urllib.parse.urlsplit(self.path).path
            echo = self.echo(body)
            if p == "/token":
                m = mode.get("token", "ok")
                if m == "ok":
                    return self.send(200, "application/json", json.dumps(
                        {"access_token": srv.issued, "token_type": "bearer", "expires_in": 3600}))
                if m == "401-json":
                    return self.send(401, "application/json", json.dumps(
                        {"error": "invalid_client", "error_description": "bad client: " + echo}))
                return self.send(400, "text/plain", "bad request: " + echo.replace("\n", " | "))
            if p == "/fhir/$export":
                m = mode.get("kickoff", "ok")
                if m == "ok":
                    return self.send(202, "application/fhir+json", "", [
                        ("Content-Location", srv.base + "/status")])
                if m == "401-oo":
                    return self.outcome(401, "unauthorized request: " + echo, "login")
                if m == "401-token-json":
                    # the issued token quoted as JSON (a server dumping its token table)
                    return self.outcome(401, json.dumps({"access_token": srv.issued,
                                                         "echo": echo}), "login")
                return self.send(400, "text/plain", "bad request: " + echo.replace("\n", " | "))
            if p == "/status":
                m = mode.get("status", "ok")
                if m == "ok":
                    man = {"transactionTime": "2024-01-01T00:00:00Z", "request": srv.base,
                           "requiresAccessToken": True,
                           "output": [{"type": "Patient",
                                       "url": srv.base + "/files/Patient.ndjson"}],
                           "error": [{"type": "OperationOutcome",
                                      "url": srv.base + "/files/err.ndjson"}]}
                    return self.send(200, "application/json", json.dumps(man))
                return self.outcome(500, "job failed for request: " + echo, "exception")
            if p == "/files/err.ndjson":
                oo = {"resourceType": "OperationOutcome",
                      "issue": [{"severity": "error", "code": "processing",
                                 "diagnostics": "could not export for: " + echo}]}
                return self.send(200, "application/fhir+ndjson", json.dumps(oo) + "\n")
            if p == "/files/Patient.ndjson":
                if mode.get("file", "ok") == "ok":
                    return self.send(200, "application/fhir+ndjson",
                                     '{"resourceType":"Patient","id":"p1"}\n')
                return self.send(404, "text/plain", "no such file for: " + echo)
            self.send(404, "text/plain", "not found")

        def do_GET(self):
            self.handle_one()

        def do_DELETE(self):
            self.handle_one()

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            self.handle_one(self.rfile.read(n))

    return H


class Server:
    def __init__(self, modes, issued):
        self.modes, self.issued, self.log = modes, issued, []
        self.httpd = Echo(("127.0.0.1", 0), make_handler(self))
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.t = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.t.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def written(folder):
    out = []
    for root, _, files in os.walk(folder):
        for f in files:
            try:
                with open(os.path.join(root, f), "rb") as fh:
                    out.append((os.path.join(root, f), fh.read().decode(errors="replace")))
            except OSError:
                pass
    return out


def run(ctx, name, modes, args, secrets, env=None, issued="iss-Tok+en/9w8v7u6t5s4r3q2p1o=="):
    work = os.path.join(ctx.work, name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    srv = Server(modes, issued)
    out = os.path.join(work, "cdm")
    cmd = [ctx.bin, "export", "--fhir-url", srv.base + "/fhir", "--config", ctx.config,
           "--output", out] + [a.replace("{token}", srv.base + "/token") for a in args]
    e = {k: v for k, v in os.environ.items() if not k.startswith("FHIR2CDM_")}
    e["TMPDIR"] = work
    e.update(env or {})
    print(f"--- {name}: {json.dumps(modes)}", flush=True)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=120)
        rc, so, se = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as x:
        rc, so, se = "timeout", str(x.stdout or ""), str(x.stderr or "")
    srv.stop()
    for ln in (so + se).strip().splitlines()[-8:]:
        print("      | " + ln)
    # Everything the server received that is a credential: the issued token, every client
    # assertion (a fresh one per token request).
    allsec = list(secrets) + [issued]
    for r in srv.log:
        q = urllib.parse.parse_qs(r["body"])
        allsec += q.get("client_assertion", []) + q.get("client_secret", [])
    texts = [("stdout", so), ("stderr", se)] + written(work)
    for s in set(allsec):
        if len(s) < 8:
            continue
        leaks = [(where, f) for f in forms(s) for where, t in texts if f in t]
        expect(not leaks, f"{name}: secret {s[:6]}... not shown in any form "
               f"({len(forms(s))} forms, {len(texts)} outputs){' -- leaked ' + repr(leaks[:3]) if leaks else ''}")
    return {"rc": rc, "stdout": so, "stderr": se, "log": srv.log}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transform", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()

    class Ctx:
        pass
    ctx = Ctx()
    ctx.bin, ctx.config = a.transform, os.path.join(a.root, "samples", "config")
    ctx.work = a.work
    os.makedirs(ctx.work, exist_ok=True)

    bearer = "brr-Ab+cD/eF=gH12345678901234567890"
    # 1. --bearer-token: kick-off 401 OperationOutcome echoing the request.
    r = run(ctx, "bearer-kickoff", {"kickoff": "401-oo"}, ["--bearer-token", bearer], [bearer])
    expect(r["rc"] != 0 and "kick-off" in r["stderr"] and "HTTP 401" in r["stderr"] and
           "unauthorized request" in r["stderr"],
           "bearer-kickoff: fails naming the kick-off, HTTP 401 and the server's diagnostics")
    expect("Authorization: <redacted>" in r["stderr"],
           "bearer-kickoff: the echoed Authorization header is shown as <redacted>")
    # 2. status 500 OperationOutcome echo; 3. plain-text 400 at the kick-off.
    r = run(ctx, "bearer-status", {"status": "500-oo"}, ["--bearer-token", bearer], [bearer])
    expect(r["rc"] != 0 and "HTTP 500" in r["stderr"] and "job failed" in r["stderr"],
           "bearer-status: fails with HTTP 500 and the server's text")
    r = run(ctx, "bearer-kickoff-text", {"kickoff": "400-text"}, ["--bearer-token", bearer],
            [bearer])
    expect(r["rc"] != 0 and "HTTP 400" in r["stderr"] and "bad request" in r["stderr"],
           "bearer-kickoff-text: fails with HTTP 400 and the server's text")
    # 4. the export's error file echoes the request (the run completes and writes the CDM
    #    folder: its files are checked too); a download answers 404 with an echo.
    r = run(ctx, "bearer-errorfile", {}, ["--bearer-token", bearer], [bearer])
    expect("could not export for" in r["stderr"] and "Authorization: <redacted>" in r["stderr"],
           "bearer-errorfile: the error file's issue is reported, the header <redacted>")
    r = run(ctx, "bearer-download", {"file": "404"}, ["--bearer-token", bearer], [bearer])
    expect(r["rc"] != 0 and "HTTP 404" in r["stderr"], "bearer-download: the failed download "
           "is reported")

    # 5. client secrets whose encodings differ, in FHIR2CDM_CLIENT_SECRET: the token endpoint
    #    answers 401 (OAuth JSON echoing the form) or 400 (plain text).
    oauth = ["--token-url", "{token}", "--client-id", "cdm-client"]
    for i, secret in enumerate(["ab+c/d=e&f g%41",
                                "Lo+ng/Se=cr&et with spaces%2F and ~*'()! 0123456789abcdef"]):
        for m in ("401-json", "400-text"):
            r = run(ctx, f"secret{i}-token-{m}", {"token": m}, oauth, [secret],
                    env={"FHIR2CDM_CLIENT_SECRET": secret})
            expect(r["rc"] != 0 and "token request to" in r["stderr"] and
                   ("HTTP 401" in r["stderr"] or "HTTP 400" in r["stderr"]),
                   f"secret{i}-token-{m}: fails naming the token request and its status")
            if m == "401-json":
                expect("invalid_client" in r["stderr"] and "client_secret=<redacted>" in
                       r["stderr"], f"secret{i}-token-{m}: the error is shown, the form's "
                       "client_secret as <redacted>")
        # the issued token echoed by the kick-off (header and JSON member)
        for m in ("401-oo", "401-token-json"):
            r = run(ctx, f"secret{i}-kickoff-{m}", {"kickoff": m}, oauth, [secret],
                    env={"FHIR2CDM_CLIENT_SECRET": secret})
            expect(r["rc"] != 0 and "kick-off" in r["stderr"] and "HTTP 401" in r["stderr"],
                   f"secret{i}-kickoff-{m}: fails naming the kick-off and HTTP 401")

    # 6. a one-character secret: not searched for (that would mangle the message and reveal it)
    #    but the server's text is withheld.
    r = run(ctx, "short-secret", {"token": "401-json"}, oauth, ["a"],
            env={"FHIR2CDM_CLIENT_SECRET": "a"})
    err = [ln for ln in r["stderr"].splitlines() if "token request to" in ln]
    expect(r["rc"] != 0 and err, "short-secret: fails naming the token request")
    line = err[0] if err else ""
    expect("*" not in line and "HTTP 401" in line and "127.0.0.1" in line,
           f"short-secret: message not mangled ({line!r})")
    expect("server response not shown" in line and "client secret" in line,
           "short-secret: the server's text is withheld, saying why")
    expect("client_secret=a" not in r["stderr"] and "bad client" not in r["stderr"],
           "short-secret: the echoed form is not shown")
    r = run(ctx, "short-bearer", {"kickoff": "401-oo"}, ["--bearer-token", "x1"], [])
    expect("server response not shown" in r["stderr"] and "x1" not in r["stderr"] and
           "kick-off" in r["stderr"], "short-bearer: kick-off text withheld, message intact")

    # 7. SMART Backend Services: the token endpoint echoes the form with the client assertion;
    #    then the kick-off echoes the issued token.
    if shutil.which("openssl") is None:
        print("SKIP smart: no openssl command", flush=True)
    else:
        key = os.path.join(ctx.work, "rs384.key.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", key], check=True, capture_output=True)
        smart = oauth + ["--private-key", key, "--key-id", "key-1"]
        r = run(ctx, "smart-token", {"token": "401-json"}, smart, [])
        expect(r["rc"] != 0 and "token request to" in r["stderr"] and
               "client_assertion=<redacted>" in r["stderr"],
               "smart-token: fails naming the token request, the assertion <redacted>")
        expect(any("client_assertion=" in x["body"] for x in r["log"]),
               "smart-token: the server received a client assertion (checked above)")
        r = run(ctx, "smart-kickoff", {"kickoff": "401-oo"}, smart, [])
        expect(r["rc"] != 0 and "HTTP 401" in r["stderr"], "smart-kickoff: fails with HTTP 401")

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
