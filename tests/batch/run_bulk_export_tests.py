"""End-to-end test of the Batch mode's Bulk Data side (docs/azure.md section 5): `bulk-export`,
`transform-data` with `exportManifest` + `fileIndex`, `finalize` with `exportManifest`.

Why: the Data Factory pipeline runs the $export inside our binary (ADF's Web activity needs JSON
bodies and caps its output at 4 MB), so the kick-off, the polling, the stored manifest,
outputs.json (the activity's customOutput), the fan-out by index and the job's DELETE are ours
to get right.  Everything runs on loopback: Azurite (tests/blob's helpers, as batch.azurite) and
tests/export/bulk_server.py, a Bulk Data v2 server whose 202 bodies, failures and manifest size
are switches.

Cases: the full round trip (202 kick-off without a body, in-progress 202s with text/plain
bodies, a bearer token required everywhere) through the exact Custom activity command lines
with activity.json: bulk-export -> outputs.json checked -> transform-data for every fileIndex ->
finalize -> the cdm container equals a local run byte for byte, the state blob holds the
manifest's transactionTime, the job got a DELETE; 202 bodies of every kind (text/plain, HTML,
JSON, none) with _type/_since/Group level; a failed job (OperationOutcome text in the message,
nothing stored), a refused kick-off, a 200 whose body is not JSON, the --max-wait deadline; a
manifest over 4 MB (40,000 entries for missing files, then the real ones): fileCount right,
outputs.json small, the LAST index transforms the right file; fileIndex out of range and not a
number (non-zero exit, nothing published); finalize with a transactionTime or fileCount that
disagrees with the manifest (exit 2); the managed identity (a loopback IMDS) as the FHIR
server's token source.  No token appears in stdout, stderr, outputs.json or any blob.
"""
import argparse
import calendar
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import run_batch_tests as bt  # noqa: E402  (Azurite, Store, run, comparisons; shares failures)

rb, armcheck, f2ctest = bt.rb, bt.armcheck, bt.f2ctest
expect, failures = bt.expect, bt.failures

OPID = "bx-run-0001"
TT = "2024-05-01T12:00:00Z"
TOKEN = "bulk-token-3f9a1c77e5"       # the FHIR server's bearer token: must never be printed
MI_TOKEN = "bulk-mi-token-0b5d2e94aa"  # what the loopback IMDS issues for the FHIR audience
KV_AUDIENCE = "https://vault.azure.net"
KV_TOKEN = "bulk-kv-token-77c1e0d3f2"  # what it issues for Key Vault
KV_SECRET = "Fhir~Client/Secret+From&KeyVault=9"  # the FHIR client secret the vault holds
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
BULK_SERVER = os.path.join(ROOT, "tests", "export", "bulk_server.py")
# The Custom activities' keys when tests/pipeline/armcheck.py does not (yet) list them.
FALLBACK = {"BulkExport": ("bulk-export", {"fhirUrl", "exportTypes", "since", "groupId"}),
            "TransformData": ("transform-data", {"exportManifest", "fileIndex", "fhirUrl"}),
            "Finalize": ("finalize", {"exportManifest"}),
            "GenerateSchema": ("generate-schema", set())}


def skip(why):
    print(f"SKIP batch.bulk_export: {why}", flush=True)
    sys.exit(77)


class BulkServer:
    """tests/export/bulk_server.py over `data` with `switches`, as a context manager; .base is
    the FHIR base URL, .log() the requests it got."""

    def __init__(self, work, name, data, switches):
        self.dir = os.path.join(work, "servers", name)
        os.makedirs(self.dir)
        self.cmd = [sys.executable, "-B", BULK_SERVER, "--data", data, "--port-file",
                    os.path.join(self.dir, "port"), "--log", os.path.join(self.dir, "log.jsonl"),
                    "--transaction-time", TT] + switches

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, stderr=open(os.path.join(self.dir, "stderr"), "w"))
        port_file = os.path.join(self.dir, "port")
        for _ in range(200):
            if os.path.exists(port_file) or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(port_file):
            raise RuntimeError("bulk_server.py did not start: " +
                               open(os.path.join(self.dir, "stderr")).read())
        self.base = f"http://127.0.0.1:{open(port_file).read().strip()}/fhir"
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def log(self):
        path = os.path.join(self.dir, "log.jsonl")
        return [json.loads(ln) for ln in open(path)] if os.path.exists(path) else []


class Imds(http.server.ThreadingHTTPServer):
    """A loopback IMDS: /metadata/identity/oauth2/token gives MI_TOKEN for resource=audience."""
    daemon_threads = True

    def __init__(self, audience):
        super().__init__(("127.0.0.1", 0), ImdsHandler)
        self.audience, self.asked, self.vault_reads = audience, [], []


class ImdsHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path.startswith("/vault/secrets/"):
            return self.vault(u)
        res = (urllib.parse.parse_qs(u.query).get("resource") or [""])[0]
        self.server.asked.append(res)
        ok = (u.path == "/metadata/identity/oauth2/token" and
              self.headers.get("Metadata") == "true" and res in (self.server.audience,
                                                                 KV_AUDIENCE))
        tok = KV_TOKEN if res == KV_AUDIENCE else MI_TOKEN
        body = json.dumps({"access_token": tok, "expires_in": "3600", "token_type": "Bearer"}
                          if ok else {"error": "invalid_resource"}).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def vault(self, u):
        """Key Vault "Get Secret" (REST 7.4): only with the Key Vault token."""
        name = u.path[len("/vault/secrets/"):]
        self.server.vault_reads.append(name)
        ok = self.headers.get("Authorization") == "Bearer " + KV_TOKEN and \
            urllib.parse.parse_qs(u.query).get("api-version") == ["7.4"]
        code = 401 if not ok else 200 if name == "fhir-client-secret" else 404
        body = json.dumps({"value": KV_SECRET, "id": "x"} if code == 200 else
                          {"error": {"code": "SecretNotFound"}}).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Ctx:
    """What every case needs: the tool paths, Azurite, the environment, the outputs seen."""

    def __init__(self, a, port):
        self.a, self.port = a, port
        self.st = bt.Store(port)
        self.endpoint = f"http://127.0.0.1:{port}/{rb.ACCOUNT}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FHIR2CDM_")}
        env.update(FHIR2CDM_STORAGE_ENDPOINT=self.endpoint, FHIR2CDM_STORAGE_KEY=rb.KEY,
                   TMPDIR=os.path.join(a.work, "tmp"))
        os.makedirs(env["TMPDIR"])
        self.env = env
        self.tok_env = dict(env, FHIR2CDM_FHIR_TOKEN=TOKEN)
        self.seen = []  # every stdout/stderr/outputs.json text, checked for tokens at the end
        shared = os.path.join(a.work, "node-shared")
        os.makedirs(os.path.join(shared, "fhir2cdm", "bin"))
        os.symlink(os.path.abspath(a.transform),
                   os.path.join(shared, "fhir2cdm", "bin", "fhir2cdm-transform"))
        self.shared = shared

    def mkcontainer(self, name):
        rb.tool(self.a.blob_tool, self.port, ["mkcontainer", name])
        failures.extend(rb.failures)
        rb.failures.clear()

    def run(self, args, env, cwd=None, expect_ok=True, what=None):
        r = bt.run(args, env, cwd=cwd, expect_ok=expect_ok, what=what)
        self.seen += [(what or "", r.stdout), (what or "", r.stderr)]
        return r

    def flags(self, container, sub, opid=OPID):
        f = ["--adlsAccount", rb.ACCOUNT, "--cdmFileSystem", container, "--operationId", opid]
        return [self.a.transform, sub] + f + (
            ["--configurationContainer", "config"] if sub != "bulk-export" else [])

    def task(self, activity, values, name, env):
        """Runs a Custom activity's exact command line in a fresh task folder with activity.json
        (the contract's keys for it, each with a value from values)."""
        sub, keys = contract(activity)
        folder = os.path.join(self.a.work, "tasks", name)
        os.makedirs(folder)
        props = {}
        for k in sorted(keys):
            if k not in values:
                failures.append(f"{activity}: no test value for extendedProperties key {k}")
                continue
            props[k] = values[k]
        with open(os.path.join(folder, "activity.json"), "w") as f:
            json.dump({"name": activity, "type": "Custom", "typeProperties": {
                "command": armcheck.command(sub), "extendedProperties": props}}, f,
                indent=1)
        r = self.run(["/bin/bash", "-c", armcheck.command(sub)],
                     dict(env, AZ_BATCH_NODE_SHARED_DIR=self.shared), cwd=folder,
                     what=f"{sub} --adf-activity ({name})")
        return r, folder

    def export_dir(self, name):
        folder = os.path.join(self.a.work, "tasks", name)
        os.makedirs(folder)
        return folder


def contract(activity):
    """(subcommand, extendedProperties keys) of a Custom activity: tests/pipeline's CONTRACT."""
    c = getattr(armcheck, "CONTRACT", {})
    if "BulkExport" in c and activity in c:
        return c[activity]
    sub, extra = FALLBACK[activity]
    return sub, set(armcheck.COMMON_KEYS) | extra


def common(container):
    return {"operationId": OPID, "adlsAccount": rb.ACCOUNT,
            "storageEndpointSuffix": "core.windows.net", "cdmFileSystem": container,
            "configurationContainer": "config", "configurationKind": "tables", "maxDepth": "3",
            "managedIdentityClientId": "00000000-0000-0000-0000-000000000000"}


def manifest_blob():
    return f".fhir2cdm/exports/{OPID}/manifest.json"


def read_outputs(folder):
    path = os.path.join(folder, "outputs.json")
    if not os.path.exists(path):
        return None, b""
    raw = open(path, "rb").read()
    return json.loads(raw), raw


def export_records(ctx, container):
    return sorted(n for n in ctx.st.list(container, ".fhir2cdm/exports/"))


# ---- cases ----------------------------------------------------------------------------------

def round_trip(ctx, inputs, local_out):
    """bulk-export -> outputs.json -> transform-data per fileIndex -> finalize, all through the
    Custom activity command lines; the container equals the local run; the job got a DELETE."""
    c = "cdmbx"
    ctx.mkcontainer(c)
    nd = os.path.join(ROOT, "samples", "ndjson")
    with BulkServer(ctx.a.work, "round-trip", nd, ["--require-token", TOKEN, "--slow", "2",
                                                   "--kickoff-body", "empty",
                                                   "--progress-body", "text"]) as srv:
        # A first attempt whose task ADF then retries: the retry DELETEs the job it started.
        ctx.run(ctx.flags(c, "bulk-export") + ["--fhirUrl", srv.base], ctx.tok_env,
                cwd=ctx.export_dir("bulk-export-attempt-1"), what="bulk-export attempt 1 (flags)")
        first = [e["job"] for e in srv.log() if e.get("kickoff")]
        n_before = len(srv.log())
        # ADF writes secure values as objects; fhirUrl as one here.
        r, folder = ctx.task("BulkExport",
                             dict(common(c), fhirUrl={"type": "SecureString", "value": srv.base},
                                  exportTypes="", since="", groupId=""), "bulk-export",
                             ctx.tok_env)
        out, raw = read_outputs(folder)
        ctx.seen.append(("outputs.json", raw.decode()))
        want = {"manifest": manifest_blob(), "fileCount": len(inputs), "transactionTime": TT,
                "requiresAccessToken": True}
        expect(r.returncode == 0 and out == want, f"outputs.json is exactly {want}: {out}")
        log = srv.log()[n_before:]
        dels = [e for e in log if e["method"] == "DELETE"]
        expect(len(first) == 1 and len(dels) == 1 and dels[0]["path"] == f"/fhir/jobs/{first[0]}",
               f"the retried bulk-export DELETEd the job of its earlier attempt ({dels})")
        kick = [e for e in log if e.get("kickoff")]
        expect(len(kick) == 1 and "respond-async" in kick[0]["headers"].get("Prefer", "") and
               "application/fhir+json" in kick[0]["headers"].get("Accept", "") and
               kick[0]["kickoff"]["level"] == "system" and not kick[0]["query"],
               "one system-level kick-off with Accept/Prefer and no parameters")
        polls = [e for e in log if e["method"] == "GET" and "/jobs/" in e["path"]]
        codes = [e["status"] for e in polls]
        expect(codes == [202, 202, 200],
               f"polled through two text/plain 202s to the manifest: {codes}")
        gaps = [b["time"] - a["time"] for a, b in zip(polls, polls[1:])]
        expect(gaps and min(gaps) >= 0.9, f"Retry-After: 1 followed between polls ({gaps})")
        job = polls[-1]["path"]
        served = urllib.request.urlopen(urllib.request.Request(
            srv.base.rsplit("/fhir", 1)[0] + job, headers={"Authorization": f"Bearer {TOKEN}"}),
            timeout=30).read()
        stored = ctx.st.get(c, manifest_blob())
        expect(stored == served, f"manifest blob = the server's bytes ({len(stored)} bytes)")
        status = json.loads(ctx.st.get(c, f".fhir2cdm/exports/{OPID}/status.json"))
        expect(status.get("statusUrl", "").endswith(job), f"status.json names the job: {status}")

        ctx.task("GenerateSchema", common(c), "generate-schema", ctx.env)
        for i in range(out["fileCount"] if out else 0):
            if i % 2:
                ctx.run(ctx.flags(c, "transform-data") + ["--exportManifest", manifest_blob(),
                                                          "--fileIndex", str(i)], ctx.tok_env,
                        what=f"transform-data flags fileIndex {i}")
            else:
                ctx.task("TransformData", dict(common(c), exportManifest=out["manifest"],
                                               fileIndex=str(i), fhirUrl=srv.base),
                         f"transform-data-{i}", ctx.tok_env)
        n_before = len(srv.log())
        r, _ = ctx.task("Finalize", dict(common(c), exportManifest=out["manifest"] if out else ""),
                        "finalize", ctx.tok_env)
        dels = [e for e in srv.log()[n_before:] if e["method"] == "DELETE"]
        expect(len(dels) == 1 and dels[0]["path"] == job and dels[0]["status"] == 202 and
               "deleted the export job" in r.stdout,
               f"finalize DELETEd the export job after its commit: {dels}")
    local = bt.folder_files(local_out)
    remote = bt.published_blobs(ctx.st, c)
    expect(sorted(local) == sorted(remote), f"round trip: same file set ({len(local)} local, "
           f"{len(remote)} remote)")
    diff = [n for n in local if n in remote and local[n] != remote[n]]
    expect(not diff, f"round trip: every file byte-identical to the local run (differing: {diff})")
    state = json.loads(ctx.st.get(c, bt.STATE_BLOB))
    expect(state == {"transactionTime": TT, "operationId": OPID},
           f"finalize recorded the manifest's transactionTime: {state}")
    # finalize's values must agree with the manifest's.
    model = ctx.st.get(c, "model.json")
    for flag, value in (("--transactionTime", "2030-01-01T00:00:00Z"), ("--fileCount", "99")):
        r = ctx.run(ctx.flags(c, "finalize") + ["--exportManifest", manifest_blob(), flag, value],
                    ctx.tok_env, expect_ok=False, what=f"finalize: {flag} disagrees")
        expect(r.returncode == 2 and "disagrees" in r.stderr and
               ctx.st.get(c, "model.json") == model, f"{flag} disagreeing: exit 2, model.json kept")
    r = ctx.run(ctx.flags(c, "finalize") + ["--exportManifest", manifest_blob(),
                                            "--transactionTime", TT, "--fileCount",
                                            str(len(inputs))], ctx.tok_env,
                what="finalize again with agreeing values")
    expect(ctx.st.get(c, "model.json") == model, "a repeated finalize rewrites model.json as is")
    # The FHIR server is gone now: the DELETE fails, which is a warning, not a failure.
    r = ctx.run(ctx.flags(c, "finalize") + ["--exportManifest", manifest_blob()], ctx.tok_env,
                what="finalize with the FHIR server unreachable")
    expect(r.returncode == 0 and "warning: could not delete the export job" in r.stderr and
           ctx.st.get(c, "model.json") == model, "DELETE failing: a warning, exit 0")
    return c


def body_kinds(ctx, inputs):
    """Whatever a 202's body (none, text/plain, HTML, JSON), the status URL comes from
    Content-Location and progress from headers; _type, _since and groupId reach the kick-off."""
    nd = os.path.join(ROOT, "samples", "ndjson")
    c = "cdmkinds"
    ctx.mkcontainer(c)
    for kick, prog in (("text", "empty"), ("html", "html"), ("json", "text"), ("empty", "json")):
        name = f"kick-{kick}-progress-{prog}"
        errfile = ["--error-file"] if kick == "text" else []
        with BulkServer(ctx.a.work, name, nd, ["--slow", "1", "--kickoff-body", kick,
                                               "--progress-body", prog] + errfile) as srv:
            folder = ctx.export_dir(name)
            r = ctx.run(ctx.flags(c, "bulk-export", opid=name) + [
                "--fhirUrl", srv.base, "--exportTypes", "Patient, Observation",
                "--since", "2000-01-01T00:00:00Z", "--groupId", "g-1"], ctx.tok_env, cwd=folder,
                what=f"bulk-export: kick-off 202 body {kick}, in-progress body {prog}")
            out, raw = read_outputs(folder)
            ctx.seen.append(("outputs.json", raw.decode()))
            kickoff = [e for e in srv.log() if e.get("kickoff")]
            ko = kickoff[0]["kickoff"] if kickoff else {}
            expect(r.returncode == 0 and out and out["fileCount"] == 2 and
                   out["requiresAccessToken"] is False and ko.get("level") == "group" and
                   ko.get("group") == "g-1" and ko["params"].get("_type") == ["Patient,Observation"]
                   and ko["params"].get("_since") == ["2000-01-01T00:00:00Z"],
                   f"{name}: exported Patient+Observation at Group g-1 since 2000 ({out}, {ko})")
            expect("X-Progress: 1 of 1" in r.stdout and "earlier attempt" not in r.stdout,
                   f"{name}: progress from X-Progress")
            if errfile:
                warn = [ln for ln in r.stderr.splitlines() if "warning: the export reports" in ln]
                gets = [e for e in srv.log() if "/files/" in e["path"]]
                expect(len(warn) == 1 and "OperationOutcome" in warn[0] and not gets,
                       f"{name}: error[] printed as a warning, nothing downloaded ({warn})")


def failures_nothing_stored(ctx):
    """An error status, a refused kick-off, a 200 that is not JSON, the deadline: non-zero exit,
    a clear message, no manifest, no outputs.json, no status record left."""
    nd = os.path.join(ROOT, "samples", "ndjson")
    c = "cdmfail"
    ctx.mkcontainer(c)
    cases = [("failed-job", ["--fail-job"], [], "export failed: disk full"),
             ("refused-kickoff", ["--fail-kickoff"], [], "export not permitted for this client"),
             ("not-json", ["--manifest-not-json"], [], "not JSON"),
             ("deadline", ["--slow", "1000"], ["--max-wait", "2"], "--max-wait")]
    for name, switches, extra, text in cases:
        with BulkServer(ctx.a.work, name, nd, switches + ["--require-token", TOKEN]) as srv:
            folder = ctx.export_dir(name)
            t0 = time.monotonic()
            r = ctx.run(ctx.flags(c, "bulk-export") + ["--fhirUrl", srv.base] + extra,
                        ctx.tok_env, cwd=folder, expect_ok=False, what=f"bulk-export: {name}")
            took = time.monotonic() - t0
            err = r.stderr.strip().splitlines()
            line = next((ln for ln in err if ": error: " in ln or "error:" in ln), "")
            expect(r.returncode == 1 and text in line and "?" not in line.split("error:", 1)[-1],
                   f"{name}: exit 1, one error line naming it ({line!r})")
            expect(not export_records(ctx, c) and
                   not os.path.exists(os.path.join(folder, "outputs.json")),
                   f"{name}: no manifest, no status record, no outputs.json")
            if name != "refused-kickoff":
                dels = [e for e in srv.log() if e["method"] == "DELETE"]
                expect(len(dels) == 1, f"{name}: the abandoned job was DELETEd ({len(dels)})")
            if name == "deadline":
                expect(took < 30, f"deadline: gave up after {took:.1f}s (--max-wait 2)")
    r = ctx.run(ctx.flags(c, "bulk-export") + ["--fhirUrl", "http://127.0.0.1:9/fhir",
                                               "--since", "yesterday"], ctx.env, expect_ok=False,
                what="bulk-export: since not an instant")
    expect(r.returncode == 2 and "since" in r.stderr, "a bad since: exit 2, nothing sent")
    r = ctx.run(ctx.flags(c, "bulk-export"), ctx.env, expect_ok=False,
                what="bulk-export: no fhirUrl")
    expect(r.returncode == 2 and "fhirUrl" in r.stderr, "no fhirUrl: exit 2")


def big_manifest(ctx, inputs):
    """A manifest over 4 MB (40,000 entries for files that do not exist, then the real ones):
    bulk-export stores it and keeps outputs.json small; the LAST index transforms the last file;
    an index past the end, or not a number, fails and publishes nothing."""
    nd = os.path.join(ROOT, "samples", "ndjson")
    c = "cdmbig"
    ctx.mkcontainer(c)
    pad = 40000
    with BulkServer(ctx.a.work, "big", nd, ["--pad-output", str(pad), "--require-token",
                                            TOKEN]) as srv:
        folder = ctx.export_dir("big")
        r = ctx.run(ctx.flags(c, "bulk-export") + ["--fhirUrl", srv.base], ctx.tok_env,
                    cwd=folder, what="bulk-export: 40,000-entry manifest")
        out, raw = read_outputs(folder)
        ctx.seen.append(("outputs.json", raw.decode()))
        n = pad + len(inputs)
        size = len(ctx.st.get(c, manifest_blob())) if r.returncode == 0 else 0
        expect(out and out["fileCount"] == n and len(raw) < 512 and size > 4 * 1024 * 1024,
               f"fileCount {out and out['fileCount']} == {n}, outputs.json {len(raw)} bytes, "
               f"manifest blob {size} bytes (> 4 MiB)")
        ctx.run(ctx.flags(c, "transform-data") + ["--exportManifest", manifest_blob(),
                                                  "--fileIndex", str(n - 1)], ctx.tok_env,
                what="transform-data: the last fileIndex")
        stem = inputs[-1][:-len(".ndjson")]
        names = [x for x in ctx.st.list(c, "data/")]
        expect(names and all(f"-{stem}-{OPID}" in x for x in names),
               f"the last index transformed {inputs[-1]}: {names}")
        before = sorted(ctx.st.list(c))
        for idx in (str(n), "-1", "x1"):
            r = ctx.run(ctx.flags(c, "transform-data") + ["--exportManifest", manifest_blob(),
                                                      "--fileIndex", idx], ctx.tok_env,
                        expect_ok=False, what=f"transform-data: fileIndex {idx}")
            expect(r.returncode == 2 and sorted(ctx.st.list(c)) == before and
                   ("out of range" in r.stderr if idx == str(n) else "fileIndex" in r.stderr),
                   f"fileIndex {idx}: exit 2, nothing published")
        r = ctx.run(ctx.flags(c, "transform-data") + ["--exportManifest", "no/such.json",
                                                  "--fileIndex", "0"], ctx.tok_env,
                    expect_ok=False, what="transform-data: a missing manifest blob")
        expect(r.returncode != 0 and "no/such.json" in r.stderr and
               sorted(ctx.st.list(c)) == before, "a missing manifest: non-zero, named, nothing "
               "published")


def managed_identity(ctx):
    """Without FHIR2CDM_FHIR_TOKEN the FHIR server's token comes from the managed identity for
    resource = fhirUrl (a loopback IMDS); also for finalize's DELETE (audience from status.json)."""
    nd = os.path.join(ROOT, "samples", "ndjson")
    c = "cdmmi"
    ctx.mkcontainer(c)
    with BulkServer(ctx.a.work, "mi", nd, ["--require-token", MI_TOKEN]) as srv:
        imds = Imds(srv.base)
        threading.Thread(target=imds.serve_forever, daemon=True).start()
        env = dict(ctx.env, FHIR2CDM_IMDS_ENDPOINT=f"http://127.0.0.1:{imds.server_address[1]}")
        try:
            folder = ctx.export_dir("mi")
            r = ctx.run(ctx.flags(c, "bulk-export") + ["--fhirUrl", srv.base], env, cwd=folder,
                        what="bulk-export: managed identity")
            out, raw = read_outputs(folder)
            ctx.seen.append(("outputs.json", raw.decode()))
            expect(r.returncode == 0 and out and out["requiresAccessToken"] is True and
                   imds.asked and set(imds.asked) == {srv.base},
                   f"managed identity: token for resource=fhirUrl ({imds.asked})")
            for i in range(out["fileCount"] if out else 0):
                ctx.run(ctx.flags(c, "transform-data") + ["--exportManifest", manifest_blob(),
                                                          "--fileIndex", str(i), "--fhirUrl",
                                                          srv.base], env,
                        what=f"transform-data managed identity fileIndex {i}")
            r = ctx.run(ctx.flags(c, "finalize") + ["--exportManifest", manifest_blob()], env,
                        what="finalize: managed identity DELETE")
            dels = [e for e in srv.log() if e["method"] == "DELETE"]
            expect(len(dels) == 1 and dels[0]["status"] == 202,
                   f"finalize DELETEd with the managed identity's token ({dels})")
        finally:
            imds.shutdown()
            imds.server_close()


def client_secret_from_key_vault(ctx):
    """clientId + tenantId without FHIR2CDM_FHIR_CLIENT_SECRET: the secret is read from Key Vault
    with the managed identity (a token for https://vault.azure.net), then client credentials at
    the authority's token endpoint give the FHIR token; the secret appears nowhere.  An unknown
    secret name fails before anything is sent to the FHIR server."""
    nd = os.path.join(ROOT, "samples", "ndjson")
    c = "cdmkv"
    ctx.mkcontainer(c)
    with BulkServer(ctx.a.work, "kv", nd, ["--token-endpoint", "--client-id", CLIENT_ID,
                                           "--client-secret", KV_SECRET]) as srv:
        imds = Imds(srv.base)
        threading.Thread(target=imds.serve_forever, daemon=True).start()
        port = imds.server_address[1]
        env = dict(ctx.env, FHIR2CDM_IMDS_ENDPOINT=f"http://127.0.0.1:{port}",
                   FHIR2CDM_AUTHORITY=srv.base.rsplit("/fhir", 1)[0])
        env.pop("FHIR2CDM_FHIR_TOKEN", None)
        env.pop("FHIR2CDM_FHIR_CLIENT_SECRET", None)
        cc = ["--fhirUrl", srv.base, "--clientId", CLIENT_ID, "--tenantId", "contoso",
              "--keyVaultUri", f"http://127.0.0.1:{port}/vault/"]
        try:
            folder = ctx.export_dir("kv")
            r = ctx.run(ctx.flags(c, "bulk-export") + cc + ["--clientSecretName",
                                                            "fhir-client-secret"],
                        env, cwd=folder, what="bulk-export: client secret from Key Vault")
            out, raw = read_outputs(folder)
            ctx.seen.append(("outputs.json (kv)", raw.decode() if raw else ""))
            tokens = [e.get("token", {}) for e in srv.log() if "token" in e]
            expect(r.returncode == 0 and out and imds.vault_reads == ["fhir-client-secret"] and
                   KV_AUDIENCE in imds.asked and tokens and
                   all(t.get("issued") for t in tokens) and
                   tokens[0].get("client_id") == CLIENT_ID,
                   f"client credentials with the Key Vault secret ({imds.vault_reads}, "
                   f"{imds.asked}, {tokens})")
            before = len(srv.log())
            r = ctx.run(ctx.flags(c, "bulk-export") + cc + ["--clientSecretName", "nope"], env,
                        cwd=folder, expect_ok=False, what="bulk-export: unknown secret")
            kick = [e for e in srv.log()[before:] if "$export" in e.get("path", "")]
            expect(r.returncode != 0 and "secrets/nope" in r.stderr and "HTTP 404" in r.stderr
                   and not kick, f"unknown Key Vault secret: clear error, no kick-off "
                                 f"({r.returncode}, {r.stderr.strip()[-200:]})")
        finally:
            imds.shutdown()
            imds.server_close()


def no_tokens(ctx, containers):
    for what, text in ctx.seen:
        for t in (TOKEN, MI_TOKEN, KV_TOKEN, KV_SECRET, rb.KEY):
            if t in text:
                failures.append(f"{what}: a secret appears in the output")
    leaked = []
    for c in containers:
        for n in ctx.st.list(c):
            data = ctx.st.get(c, n)
            if any(t.encode() in data for t in (TOKEN, MI_TOKEN, KV_TOKEN, KV_SECRET)):
                leaked.append(f"{c}/{n}")
    expect(not leaked, f"no token in any output, outputs.json or blob ({leaked})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transform", required=True)
    ap.add_argument("--blob-tool", required=True)
    ap.add_argument("--install", required=True)
    ap.add_argument("--npm-prefix", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    with rb.Azurite(a.install, a.npm_prefix, a.work) as az:
        ctx = Ctx(a, az.port)
        for name in ("config",):
            ctx.mkcontainer(name)
        cfg_dir = os.path.join(ROOT, "samples", "config")
        for dirpath, _, files in os.walk(cfg_dir):
            for f in sorted(files):
                if f.endswith(".json"):
                    rel = os.path.relpath(os.path.join(dirpath, f), cfg_dir).replace(os.sep, "/")
                    ctx.st.put("config", rel, open(os.path.join(dirpath, f), "rb").read())
        nd = os.path.join(ROOT, "samples", "ndjson")
        inputs = sorted(f for f in os.listdir(nd) if f.endswith(".ndjson"))
        # The local reference run, on copies whose mtime is the export's transactionTime.
        local_in = os.path.join(a.work, "local-in")
        os.makedirs(local_in)
        tt = calendar.timegm(time.strptime(TT, "%Y-%m-%dT%H:%M:%SZ"))
        for f in inputs:
            shutil.copyfile(os.path.join(nd, f), os.path.join(local_in, f))
            os.utime(os.path.join(local_in, f), (tt, tt))
        local_out = os.path.join(a.work, "local-cdm")
        ctx.run([a.transform, "--config", cfg_dir, "--input", local_in, "--output", local_out,
                 "--operation-id", OPID, "-q"], ctx.env, what="local reference run")
        containers = [round_trip(ctx, inputs, local_out)]
        body_kinds(ctx, inputs)
        failures_nothing_stored(ctx)
        big_manifest(ctx, inputs)
        managed_identity(ctx)
        client_secret_from_key_vault(ctx)
        no_tokens(ctx, containers + ["cdmkinds", "cdmfail", "cdmbig", "cdmmi", "cdmkv"])
    return f2ctest.report(failures, "all bulk-export steps passed")


if __name__ == "__main__":
    sys.exit(main())
