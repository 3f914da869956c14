#!/usr/bin/env python3
"""Azure Blob client test against Azurite and a fault-injecting loopback proxy.

Installs Azurite (install.sh), starts it on 127.0.0.1 on a free port with its well-known
development account, and drives blob_tool (blob_tool.c) through: create container, Put Blob,
List Blobs with paging, streamed ranged GET of a multi-MB blob, block upload visible only after
Put Block List, Shared Key and SAS auth (the SAS is made here from the same key), error reporting,
and -- through a proxy written below -- 503/429 with Retry-After, connections dropped mid-body,
and uploads that finally fail leaving no committed blob.  Azurite is stopped at the end.

Exit: 0 pass, 1 fail, 77 skip (node/npm missing or the install failed; the reason is printed).
Only 127.0.0.1 is ever contacted.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import http.client
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

ACCOUNT = "devstoreaccount1"
# Azurite's published development key (documented in Azurite's README, not a secret).
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
SAS_VERSION = "2021-08-06"
MB = 1 << 20

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402  (expect, report)

CHECKS = f2ctest.Failures()  # this test's own list (tests importing it keep theirs)
failures, expect = CHECKS.items, CHECKS.expect


def skip(why):
    print(f"SKIP blob.azurite: {why}", flush=True)
    sys.exit(77)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def service_sas(container, permissions, key=KEY):
    """Container SAS per "Create a service SAS" (string-to-sign for version 2020-12-06+)."""
    expiry = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    fields = [permissions, "", expiry, f"/blob/{ACCOUNT}/{container}", "", "", "", SAS_VERSION,
              "c", "", "", "", "", "", "", ""]
    sig = base64.b64encode(hmac.new(base64.b64decode(key), "\n".join(fields).encode(),
                                    hashlib.sha256).digest()).decode()
    return urllib.parse.urlencode({"sv": SAS_VERSION, "sr": "c", "sp": permissions,
                                   "se": expiry, "sig": sig})


# ---- fault-injecting proxy ------------------------------------------------------------------

class Faults:
    """Rules consumed in order: (method, path substring, action, times, retry_after)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.log = []  # (time, method, path, action, x-ms-range, If-Match)

    def set(self, rules):
        with self.lock:
            self.rules = [list(r) for r in rules]
            self.log = []

    def take(self, method, path):
        with self.lock:
            for r in self.rules:
                if r[0] == method and r[1] in path and r[3] > 0:
                    r[3] -= 1
                    return r[2], r[4]
            return "pass", None

    def record(self, method, path, action, headers):
        with self.lock:
            self.log.append((time.monotonic(), method, path, action,
                             headers.get("x-ms-range", ""), headers.get("If-Match", "")))


def make_proxy(upstream_port, faults):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            action, retry_after = faults.take(self.command, self.path)
            faults.record(self.command, self.path, action, self.headers)
            if action in ("503", "429", "500"):
                msg = (b'<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code>'
                       b"<Message>injected by the test proxy</Message></Error>")
                self.send_response(int(action))
                self.send_header("x-ms-error-code", "ServerBusy")
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                self.wfile.write(msg)
                return
            if action == "reset":
                # Connection reset before any response: the request may or may not have reached
                # the service, which is what a real reset looks like to the client.
                self.close_connection = True
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.close()
                return
            up = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "connection", "content-length")}
            headers["Content-Length"] = str(len(body))
            up.request(self.command, self.path, body=body, headers=headers)
            resp = up.getresponse()
            data = resp.read()
            up.close()
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length", "date",
                                     "server"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if action == "drop" and len(data) > 1:
                # Promise the whole body, send part of it, then cut the connection.
                self.wfile.write(data[: len(data) // 3])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(data)

        do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = handle_any

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# ---- driver ---------------------------------------------------------------------------------


class Azurite:
    """Azurite (pinned, installed by install.sh) on a free loopback port, as a context manager:
    skips the test (exit 77) when Node.js is missing or the install fails; fails when it does
    not start; always stops it.  Shared with tests/batch."""

    def __init__(self, install, npm_prefix, work):
        for exe in ("node", "npm"):
            if not shutil.which(exe):
                skip(f"{exe} not found on PATH (Azurite needs Node.js)")
        r = subprocess.run(["bash", install, npm_prefix], capture_output=True, text=True)
        print(r.stdout, end="")
        if r.returncode != 0:
            skip("Azurite install failed:\n" + r.stderr)
        self.main_js = os.path.join(npm_prefix, "node_modules", "azurite", "dist", "src", "blob",
                                    "main.js")
        self.work = work
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)

    def __enter__(self):
        self.port = free_port()
        self.log_path = os.path.join(self.work, "azurite.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["node", self.main_js, "--blobHost", "127.0.0.1", "--blobPort", str(self.port),
             "--location", os.path.join(self.work, "data"), "--silent", "--disableTelemetry"],
            stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_port(self.port, self.proc):
            self.log.flush()
            print(open(self.log_path).read())
            self.__exit__(None, None, None)
            raise SystemExit("FAIL: Azurite did not start")
        print(f"azurite on 127.0.0.1:{self.port}")
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        return False

def azurite_test_args(argv=None):
    """The command line of a test that runs the transformer against Azurite (CTest passes
    these): --transform, --blob-tool, --install, --npm-prefix, --work, optional --shared.  The
    work folder is created."""
    ap = argparse.ArgumentParser()
    for name in ("--transform", "--blob-tool", "--install", "--npm-prefix", "--work"):
        ap.add_argument(name, required=True)
    ap.add_argument("--shared", default="")
    a = ap.parse_args(argv)
    os.makedirs(a.work, exist_ok=True)
    return a


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--install", required=True)
    ap.add_argument("--npm-prefix", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()

    proxy = None
    with Azurite(a.install, a.npm_prefix, a.work) as az:
        try:
            faults = Faults()
            proxy = make_proxy(az.port, faults)
            run_all(a.tool, az.port, proxy.server_address[1], faults)
        finally:
            if proxy:
                proxy.shutdown()
    return f2ctest.report(failures, "all blob steps passed")


def tool(toolpath, port, args, key=KEY, sas=None, attempts=6, expect_ok=True, expect_err=()):
    env = {k: v for k, v in os.environ.items() if not k.startswith("F2C_BLOB_")}
    env.update(F2C_BLOB_ENDPOINT=f"http://127.0.0.1:{port}/{ACCOUNT}", F2C_BLOB_ACCOUNT=ACCOUNT,
               F2C_BLOB_ATTEMPTS=str(attempts), F2C_BLOB_BASE_MS="50")
    if sas:
        env["F2C_BLOB_SAS"] = sas
    else:
        env["F2C_BLOB_KEY"] = key
    t0 = time.monotonic()
    r = subprocess.run([toolpath] + [str(x) for x in args], env=env, capture_output=True,
                       text=True, timeout=300)
    dt = time.monotonic() - t0
    name = " ".join(str(x) for x in args)
    ok = (r.returncode == 0) == expect_ok and all(s in r.stderr for s in expect_err)
    print(f"{'ok  ' if ok else 'FAIL'} {name}  ({dt:.2f}s, exit {r.returncode})", flush=True)
    for line in (r.stdout + r.stderr).strip().splitlines()[-6:]:
        print("      " + line)
    if not ok:
        failures.append(f"{name}: exit {r.returncode}, stderr: {r.stderr.strip()}")
    retries = 0
    for line in r.stdout.splitlines():
        if line.startswith("retries="):
            retries = int(line[8:])
    return r, retries


def run_all(t, port, pport, faults):
    big = 5 * MB + 12345
    tool(t, port, ["mkcontainer", "raw1"])
    r, _ = tool(t, port, ["mkcontainer", "raw1"])
    expect("created=0" in r.stdout, "creating an existing container is not an error")

    # Put Blob, listing, streamed ranged GET.
    tool(t, port, ["put", "raw1", "small.txt", 1000, 1])
    tool(t, port, ["list", "raw1", "small", 1, 0])
    tool(t, port, ["put", "raw1", "dir/big.bin", big, 2])
    r, _ = tool(t, port, ["get", "raw1", "dir/big.bin", 0, 0, 2])
    expect(f"total {big}" in r.stdout, "full GET reports the blob size")
    chunk = int(r.stdout.split("largest chunk ")[1].split()[0]) if "largest chunk" in r.stdout else 0
    expect(0 < chunk <= 256 * 1024, f"GET streams in small chunks (largest {chunk} bytes)")
    tool(t, port, ["get", "raw1", "dir/big.bin", 1234567, 2500000, 2])
    tool(t, port, ["get", "raw1", "dir/big.bin", big - 10, 10, 2])
    tool(t, port, ["get", "raw1", "dir/big.bin", 0, 100, 3], expect_ok=False)  # wrong seed

    # Block upload: invisible until Put Block List, then complete.
    tool(t, port, ["upload", "raw1", "out/part-0.csv", 3 * MB + 17, 3, MB])
    tool(t, port, ["get", "raw1", "out/part-0.csv", 0, 0, 3])
    tool(t, port, ["upload", "raw1", "out/empty.csv", 0, 3, MB])

    # Paging: 5 blobs under p/, 2 per page.
    for i in range(5):
        tool(t, port, ["put", "raw1", f"p/{i} name", 10 + i, i])
    r, _ = tool(t, port, ["list", "raw1", "p/", 5, 2])
    expect("in 3 pages" in r.stdout, "listing pages with NextMarker (5 blobs, 2 per page)")
    tool(t, port, ["get", "raw1", "p/3 name", 0, 0, 3])
    # Names needing percent-encoding in the URL (and signed in encoded form).
    odd = "enc/\u00fc a+b%20&c=d?e#f"
    tool(t, port, ["put", "raw1", odd, 77, 8])
    tool(t, port, ["list", "raw1", "enc/\u00fc", 1, 0])
    tool(t, port, ["get", "raw1", odd, 5, 20, 8])

    # Errors carry the HTTP status and the service's error code.
    tool(t, port, ["get", "raw1", "nope", 0, 0, 1], expect_ok=False,
         expect_err=("HTTP 404", "BlobNotFound"))
    wrong = base64.b64encode(b"x" * 64).decode()
    tool(t, port, ["list", "raw1", "", 0, 0], key=wrong, expect_ok=False,
         expect_err=("HTTP 403",))

    # SAS made here from the same key.
    sas = service_sas("raw1", "racwl")
    tool(t, port, ["list", "raw1", "p/", 5, 0], sas=sas)
    tool(t, port, ["get", "raw1", "dir/big.bin", 4 * MB, MB, 2], sas="?" + sas)
    tool(t, port, ["upload", "raw1", "sas/part.csv", MB + 5, 4, 256 * 1024], sas=sas)
    tool(t, port, ["put", "raw1", "sas/model.json", 300, 5], sas=sas)
    ro = service_sas("raw1", "rl")
    tool(t, port, ["put", "raw1", "sas/denied.json", 300, 5], sas=ro, expect_ok=False,
         expect_err=("HTTP 403",))
    bad_sig = service_sas("raw1", "racwl", key=wrong)
    tool(t, port, ["list", "raw1", "", 0, 0], sas=bad_sig, expect_ok=False,
         expect_err=("HTTP 403",))

    # ---- through the fault-injecting proxy ----
    faults.set([("GET", "big.bin", "503", 1, 1), ("GET", "big.bin", "429", 1, 1),
                ("GET", "big.bin", "drop", 1, None)])
    r, retries = tool(t, pport, ["get", "raw1", "dir/big.bin", 0, 0, 2])
    expect(retries == 3, f"GET retried after 503, 429 and a mid-body drop (retries={retries})")
    log = faults.log
    gaps_ok = len(log) >= 3 and log[1][0] - log[0][0] >= 0.9 and log[2][0] - log[1][0] >= 0.9
    expect(gaps_ok, "Retry-After: 1 was honoured before each retry")
    expect(len(log) == 4 and log[3][3] == "pass" and log[2][4] == "" and
           log[3][4] == f"bytes={big // 3}-" and log[3][5] != "",
           f"after the drop the GET resumed at byte {big // 3} with If-Match ({log[-1][4:]})")

    faults.set([("GET", "big.bin", "drop", 2, None)])
    tool(t, pport, ["get", "raw1", "dir/big.bin", 1000, 3 * MB, 2])

    faults.set([("PUT", "blockid=", "reset", 1, None), ("PUT", "blockid=", "500", 1, None),
                ("PUT", "comp=blocklist", "503", 1, 0)])
    r, retries = tool(t, pport, ["upload", "raw1", "out/part-1.csv", 2 * MB + 1, 6, MB])
    expect(retries == 3, f"upload retried a reset, a 500 and a 503 (retries={retries})")
    tool(t, port, ["get", "raw1", "out/part-1.csv", 0, 0, 6])

    faults.set([("PUT", "comp=blocklist", "503", 100, 0)])
    tool(t, pport, ["upload", "raw1", "out/failed-1.csv", 2 * MB, 7, MB], attempts=3,
         expect_ok=False, expect_err=("HTTP 503", "ServerBusy", "3 attempts"))
    tool(t, port, ["absent", "raw1", "out/failed-1.csv"])

    faults.set([("PUT", "blockid=", "reset", 100, None)])
    tool(t, pport, ["upload", "raw1", "out/failed-2.csv", 2 * MB, 7, MB], attempts=3,
         expect_ok=False, expect_err=("curl error",))
    tool(t, port, ["absent", "raw1", "out/failed-2.csv"])

    faults.set([("GET", "big.bin", "drop", 100, None)])
    tool(t, pport, ["get", "raw1", "dir/big.bin", 0, 0, 2], attempts=2, expect_ok=False)

    faults.set([("PUT", "model.json", "500", 100, None)])
    tool(t, pport, ["put", "raw1", "out/model.json", 100, 1], attempts=2, expect_ok=False,
         expect_err=("HTTP 500",))
    tool(t, port, ["absent", "raw1", "out/model.json"])
    faults.set([])


if __name__ == "__main__":
    sys.exit(main())
