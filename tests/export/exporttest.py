"""Plumbing shared by tests/export/test_server.py and tests/export/test_export.py.

Why: both tests start bulk_server.py on a free loopback port in a temporary folder, read its
request log, make HTTP requests and sign JWTs; one copy lives here.  Assertions stay in the
tests.  Python stdlib only (plus the `openssl` command for keys and signatures).

  expect(cond, what)         f2ctest (tests/pylib) Failures.expect: print "ok   what" or
                             "FAIL what", record the failure, return cond
  failures                   the list of failed `what`s
  Server(tmp, data, *switches)
                             context manager: bulk_server.py over `data` (None: the switches
                             give --history) with the switches;
                             .base (http://127.0.0.1:P/fhir), .origin, .token_url, .log()
                             (the request log, a list of dicts), .stop()
  request(method, url, headers, body)
                             (status, headers dict with lower-case names, body bytes); never
                             raises for HTTP statuses; a body cut short is returned as read
  genkey(folder, kind)       "RS384" or "ES384": (private PEM path, public PEM path)
  make_jws(key, alg, claims, header_extra)
                             compact JWS signed with `openssl dgst -sha384 -sign`
"""
import base64
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "bulk_server.py")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402  (expect, report)

CHECKS = f2ctest.Failures()  # this test's own list (tests importing it keep theirs)
failures, expect = CHECKS.items, CHECKS.expect


class Server:
    def __init__(self, tmp, data, *switches):
        self.dir = tmp
        os.makedirs(tmp, exist_ok=True)
        self.port_file = os.path.join(tmp, "port")
        self.log_path = os.path.join(tmp, "requests.jsonl")
        for p in (self.port_file, self.log_path):
            if os.path.exists(p):
                os.remove(p)
        # data None: the switches name the content (--history FILE).
        self.cmd = [sys.executable, "-B", SERVER] + (["--data", data] if data else []) + \
            ["--port", "0", "--port-file", self.port_file, "--log", self.log_path] + list(switches)
        self.stderr = open(os.path.join(tmp, "server.stderr"), "ab")
        self.proc = subprocess.Popen(self.cmd, stdout=self.stderr, stderr=self.stderr)
        deadline = time.time() + 20
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("bulk_server.py did not start: " + " ".join(self.cmd) +
                                   "\n" + open(os.path.join(tmp, "server.stderr")).read())
            time.sleep(0.05)
        self.port = int(open(self.port_file).read())
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base = self.origin + "/fhir"
        self.token_url = self.origin + "/token"

    def log(self):
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path, encoding="utf-8") as f:
            return [json.loads(ln) for ln in f if ln.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def request(method, url, headers=None, body=None, timeout=30):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        conn.request(method, u.path + ("?" + u.query if u.query else ""), body=body,
                     headers=headers or {})
        r = conn.getresponse()
        try:
            data = r.read()
        except http.client.IncompleteRead as e:
            data = e.partial
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def copy_ndjson(src, dst, mtime, names=None, transform=None):
    """Copies the *.ndjson files of src (all, or those in `names`) into dst with mtime `mtime`
    (what a server without meta.lastUpdated dates them by); `transform` (name, bytes) -> bytes
    may change a file's content.  Returns dst."""
    os.makedirs(dst, exist_ok=True)
    for n in sorted(os.listdir(src)):
        if n.endswith(".ndjson") and (names is None or n in names):
            with open(os.path.join(src, n), "rb") as f:
                data = f.read()
            if transform:
                data = transform(n, data)
            with open(os.path.join(dst, n), "wb") as f:
                f.write(data)
            os.utime(os.path.join(dst, n), (mtime, mtime))
    return dst


def openssl(*args):
    p = subprocess.run(["openssl"] + list(args), capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("openssl " + " ".join(args) + ": " + p.stderr.decode(errors="replace"))
    return p.stdout


def genkey(folder, kind, name=None):
    name = name or kind.lower()
    priv = os.path.join(folder, name + ".key.pem")
    pub = os.path.join(folder, name + ".pub.pem")
    if kind == "RS384":
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", priv)
    else:
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", priv)
    openssl("pkey", "-in", priv, "-pubout", "-out", pub)
    return priv, pub


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def der_to_raw(der):
    """DER ECDSA-Sig-Value -> r||s, 48 bytes each (JWS ES384)."""
    assert der[0] == 0x30
    i = 2
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        v = der[i + 2:i + 2 + n].lstrip(b"\0")
        out += v.rjust(48, b"\0")
        i += 2 + n
    return out


def make_jws(key, alg, claims, header_extra=None, folder=None):
    header = {"alg": alg, "typ": "JWT", "kid": "k1"}
    header.update(header_extra or {})
    header = {k: v for k, v in header.items() if v is not None}  # {"kid": None}: without kid
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    folder = folder or os.path.dirname(key)
    data = os.path.join(folder, "jws.in")
    with open(data, "w") as f:
        f.write(signing_input)
    sig = openssl("dgst", "-sha384", "-sign", key, data)
    if alg == "ES384":
        sig = der_to_raw(sig)
    return signing_input + "." + b64url(sig)


def jwk_of(pem, kid, private=True):
    """The private key in PEM file pem as a JWK (RFC 7518 §6.2.2 EC P-384 / §6.3.2 RSA), built
    from `openssl pkey -text` (an oracle independent of the code under test and of libjose)."""
    text = subprocess.run(["openssl", "pkey", "-in", pem, "-text", "-noout"], check=True,
                          capture_output=True, text=True).stdout
    fields, cur = {}, None
    for ln in text.splitlines():
        if ln.startswith(" ") and cur:
            fields[cur] += ln.strip().replace(":", "")
        elif ln.endswith(":"):
            cur = ln[:-1]
            fields[cur] = ""
        else:
            cur = None
            if ln.startswith("publicExponent:"):
                fields["publicExponent"] = "%x" % int(ln.split()[1])

    def num(name, size=None):
        h = fields[name]
        b = bytes.fromhex(h if len(h) % 2 == 0 else "0" + h).lstrip(b"\0")
        return b64url(b.rjust(size, b"\0") if size else b)
    if "priv" in fields:
        pub = bytes.fromhex(fields["pub"])[1:]
        jwk = {"kty": "EC", "crv": "P-384", "x": b64url(pub[:48]), "y": b64url(pub[48:]),
               "d": num("priv", 48)}
    else:
        jwk = {"kty": "RSA", "n": num("modulus"), "e": num("publicExponent"),
               "d": num("privateExponent"), "p": num("prime1"), "q": num("prime2"),
               "dp": num("exponent1"), "dq": num("exponent2"), "qi": num("coefficient")}
    if not private:
        jwk = {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y", "n", "e")}
    if kid:
        jwk["kid"] = kid
    return jwk
