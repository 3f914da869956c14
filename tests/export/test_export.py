#!/usr/bin/env python3
"""End-to-end tests of `fhir2cdm-transform export` (the Bulk Data $export client) against the
loopback test server bulk_server.py (CTest export.client.*).

Why: the client's promise is that exporting from a FHIR server gives exactly the CDM folder a
local run over the same NDJSON gives, that it survives what real servers do (slow jobs, 429,
transient 500, dropped connections, tokens) and that a failure or an interrupt leaves the CDM
folder as it was.  Every case starts its own server on port 0 in a temporary folder and reads
the server's request log to check what the client sent.

Cases (--case, one CTest each):
  full         (a) export == local run byte for byte (every file but fhir2cdm-state.json):
               samples/config and samples/views over samples/ndjson, and samples/config over
               ../shared/data/synthea-10 (skipped loudly when absent).  The local inputs' mtime
               is set to the server's --transaction-time so model.json's modifiedTime agrees.
               Also: the kick-off's headers and default _type (exactly the configuration's
               resource types), the state file, --level patient / group:ID, --output-format,
               --keep-ndjson, --parallel, --max-depth, --type, --type-filter and an explicit
               --since (each against a local run over the data the server should have sent).
  incremental  (b) run 1 with --since last on an empty folder (full export, a notice), new
               Patients added to the server, run 2 with --since last: _since = run 1's
               transactionTime, the new partitions equal a local run over just the new file,
               old partitions untouched and still in model.json, state advanced; run 3 with
               nothing new.
  faults       usage errors (exit 2) and an unreachable server (exit 3) leave an existing
               folder alone; a malformed line gives exit 1 like a local run (no state file),
               0 with --max-errors 1.  (c) --slow (X-Progress on stderr, Retry-After honoured),
               --rate-limit, --transient-500, --drop-mid-file (byte-identical), --error-file
               (exit 1, both issues on stderr, folder written, state not advanced),
               --fail-job (exit 3, "disk full", folder unchanged), --kickoff-post-only with
               --post, SIGINT, SIGTERM and SIGHUP during polling (exit 130/143/129, job DELETEd, folder
               unchanged).
  parquet      export --format parquet (issue 17) == a local --format parquet run byte for byte
               (partitions, entity documents, manifest listing exactly the .parquet files, each
               starting and ending with PAR1), --keep-ndjson and the state as for CSV,
               --compression snappy; a folder of the other format, --compression with CSV and
               an unknown --format: exit 2 before the kick-off, the folder unchanged.
  What the SMART reference server showed (issue 22), one case per item:
  capabilities the default _type cut to the CapabilityStatement's types (one warning; none
               left: exit 2; an explicit --type sent as given; no /metadata: a warning and
               every type); a manifest file of a type nothing reads (--type
               Patient,Organization) not downloaded, counted in the summary.
  kid          a PEM key without --key-id refused before any request; a JWK key's own kid.
  format       --output-format text/csv refused (exit 2); a file served as text/csv is one
               error, not line by line.
  messages     410 with the OperationOutcome's words in the message; the summary names the
               published model.json.
  gzip         a gzip transfer inflated as it streams (folder and --keep-ndjson identical,
               bytes transferred < bytes of NDJSON), and resumed in the identity coding after a
               cut.
  auth         --require-token with --bearer-token (every request carries it) and without
               (exit 3, folder unchanged); --token-endpoint with a client secret from
               FHIR2CDM_CLIENT_SECRET, with --private-key RS384 and ES384 (keys made with
               openssl genpkey), a token that expires during the export (renewed), a wrong
               secret (non-zero, folder unchanged).  No secret or token is ever printed.

Fails when the binary has no `export` subcommand (its `export --help` exits non-zero, says
unknown command, or prints the generic --help or no --fhir-url); the Synthea part alone is
skipped, loudly, when ../shared is absent.  Exit 0 pass, 1 fail.
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "pylib"))
from exporttest import Server, copy_ndjson, expect, failures, genkey, jwk_of  # noqa: E402
import f2ctest  # noqa: E402  (banner, skip)

T = "2024-05-01T12:00:00Z"
T_EPOCH = 1714564800
T2 = "2024-06-01T08:30:00Z"
OLD = 1704067200            # 2024-01-01T00:00:00Z
OPID = "exp-0001"
STATE = "fhir2cdm-state.json"
TOKEN = "tok-5ec2e7-abc"
SECRET = "s3cret-Zq9-client"
ERROR_TEXTS = ["Resource Observation/123 could not be exported: access denied",
               "Resource Patient/456 could not be exported: resource too large"]


class Ctx:
    """Paths shared by the cases."""

    def __init__(self, a):
        self.bin = a.transform
        self.root = a.root
        self.shared = a.shared
        self.tmp = tempfile.mkdtemp(prefix="export-client-", dir=a.work)
        self.config = os.path.join(a.root, "samples", "config")
        self.views = os.path.join(a.root, "samples", "views")
        self.samples = os.path.join(a.root, "samples", "ndjson")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FHIR2CDM_")}
        self.env["TMPDIR"] = os.path.join(self.tmp, "tmpdir")
        os.makedirs(self.env["TMPDIR"])
        self.n = 0

    def path(self, name):
        self.n += 1
        return os.path.join(self.tmp, f"{self.n:02d}-{name}")


# ---- helpers --------------------------------------------------------------------------------

def copy_data(src, dst, mtime=T_EPOCH, names=None, transform=None):
    return copy_ndjson(src, dst, mtime, names, transform)


def local_run(ctx, inputs, out, opid=OPID, views=False, extra=(), want_rc=0):
    cmd = [ctx.bin] + (["--view", ctx.views] if views else ["--config", ctx.config]) + \
        ["--input", inputs, "--output", out, "--operation-id", opid, "--quiet"] + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, env=ctx.env, timeout=600)
    expect(p.returncode == want_rc, f"local run {os.path.basename(out)}: exit {p.returncode}" +
           ("" if p.returncode == want_rc else "\n" + p.stderr[-2000:]))
    return out


def files_of(folder):
    out = {}
    for dp, _, fs in os.walk(folder):
        for f in fs:
            p = os.path.join(dp, f)
            out[os.path.relpath(p, folder)] = open(p, "rb").read()
    return out


def same_folder(want, got, what, ignore=(STATE,)):
    """Every file but `ignore` present in both with the same bytes."""
    a = {k: v for k, v in files_of(want).items() if k not in ignore}
    b = {k: v for k, v in files_of(got).items() if k not in ignore}
    diff = sorted(set(a) ^ set(b)) + sorted(k for k in set(a) & set(b) if a[k] != b[k])
    return expect(not diff and a, f"{what}: {len(a)} files byte-identical to the local run" +
                  (f"; differ: {diff[:8]}" if diff else ""))


def unchanged(snap, folder, what):
    now = files_of(folder) if os.path.isdir(folder) else {}
    diff = sorted(set(snap) ^ set(now)) + sorted(k for k in set(snap) & set(now)
                                                 if snap[k] != now[k])
    return expect(not diff, f"{what}: CDM folder unchanged" + (f"; changed: {diff[:8]}"
                                                               if diff else ""))


def config_types(ctx, views=False):
    types = set()
    if views:
        for p in glob.glob(os.path.join(ctx.views, "*.json")):
            types.add(json.load(open(p))["resource"])
    else:
        for p in glob.glob(os.path.join(ctx.config, "*.json")):
            types.add(json.load(open(p))["resourceType"])
    return types


def kickoffs(log):
    return [e for e in log if e.get("kickoff") is not None or e["path"].endswith("$export")]


def secrets_printed(r, *secrets):
    text = r["stdout"] + r["stderr"]
    return [s for s in secrets if s and s in text]


def export(ctx, name, data, switches=(), args=(), out=None, env=None, opid=OPID, views=False,
           quiet=True, base_args=True):
    """Start a server over `data`, run the client into `out` (fresh unless given); returns a
    dict: rc, stdout, stderr, log, out, srv (stopped), seconds."""
    d = ctx.path(name)
    out = out or os.path.join(d, "cdm")
    with Server(os.path.join(d, "srv"), data, *switches) as srv:
        cmd = [ctx.bin, "export", "--fhir-url", srv.base, "--output", out]
        if base_args:
            cmd += ["--view", ctx.views] if views else ["--config", ctx.config]
        if opid:
            cmd += ["--operation-id", opid]
        if quiet:
            cmd += ["--quiet"]
        cmd += [a.replace("{token_url}", srv.token_url).replace("{base}", srv.base)
                for a in args]
        e = dict(ctx.env)
        e.update(env or {})
        print(f"--- {name}: server {' '.join(switches)}\n    running: {' '.join(cmd)}", flush=True)
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=600)
            rc, so, se = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as x:
            rc, so, se = "timeout", x.stdout or "", x.stderr or ""
            so, se = (s.decode(errors="replace") if isinstance(s, bytes) else s for s in (so, se))
        secs = time.monotonic() - t0
        log = srv.log()
    for ln in (so + se).strip().splitlines()[-12:]:
        print("      | " + ln)
    print(f"    exit {rc} after {secs:.1f}s, {len(log)} requests", flush=True)
    return {"rc": rc, "stdout": so, "stderr": se, "log": log, "out": out, "srv": srv,
            "seconds": secs, "cmd": cmd}


def check_tmpdir(ctx):
    left = os.listdir(ctx.env["TMPDIR"])
    expect(not left, f"the client left nothing in TMPDIR ({left[:5]})")


def reference(ctx):
    """samples/ndjson copied with mtime T and the local run over it."""
    data = copy_data(ctx.samples, ctx.path("data"))
    return data, local_run(ctx, data, ctx.path("local"))


def prefilled(ctx, local, state=None):
    """A pre-existing CDM folder (a copy of the local run, with a state file): for runs that
    must leave it alone.  Returns (folder, snapshot)."""
    out = ctx.path("existing")
    shutil.copytree(local, out)
    with open(os.path.join(out, STATE), "w") as f:
        json.dump(state or {"transactionTime": "2024-01-01T00:00:00Z", "operationId": "prev"}, f)
    return out, files_of(out)


# ---- (a) full export ------------------------------------------------------------------------

def case_full(ctx):
    data, local = reference(ctx)
    types = config_types(ctx)

    r = export(ctx, "full", data, ["--transaction-time", T])
    expect(r["rc"] == 0, f"full export exits 0 (got {r['rc']})")
    same_folder(local, r["out"], "samples/config export")
    st = os.path.join(r["out"], STATE)
    state = json.load(open(st)) if os.path.exists(st) else {}
    expect(state == {"transactionTime": T, "operationId": OPID},
           f"state file = manifest transactionTime and the operation id ({state})")
    ko = kickoffs(r["log"])
    expect(len(ko) == 1 and ko[0]["method"] == "GET" and ko[0]["path"] == "/fhir/$export" and
           ko[0]["status"] == 202,
           "one GET kick-off at <base>/$export (system level), answered 202")
    if ko:
        h, q = ko[0]["headers"], ko[0]["query"]
        expect("application/fhir+json" in h.get("Accept", "") and
               "respond-async" in h.get("Prefer", ""),
               "kick-off has Accept: application/fhir+json and Prefer: respond-async")
        sent = {t for v in q.get("_type", []) for t in v.split(",")}
        expect(sent == types, f"default _type = the configuration's resource types "
               f"({sorted(sent)} vs {sorted(types)})")
        expect("_since" not in q, "no _since without --since")
        expect(all(f in et_formats() for f in q.get("_outputFormat", [])),
               f"_outputFormat, if sent, is an NDJSON format ({q.get('_outputFormat')})")
    files = [e for e in r["log"] if e["path"].startswith("/fhir/files/")]
    got = sorted(e["path"].rsplit("/", 1)[1] for e in files if e["status"] == 200)
    want = sorted(n for n in os.listdir(data) if n.split(".")[0] in types)
    expect(got == want, f"each output file downloaded once ({got})")
    deleted = [e for e in r["log"] if e["method"] == "DELETE"]
    print(f"    note: the client {'DELETEd' if deleted else 'did not DELETE'} the finished job "
          "(the IG makes it optional)")
    check_tmpdir(ctx)

    r = export(ctx, "views", data, ["--transaction-time", T], views=True)
    local_v = local_run(ctx, data, ctx.path("local-views"), views=True)
    expect(r["rc"] == 0, f"--view export exits 0 (got {r['rc']})")
    same_folder(local_v, r["out"], "samples/views export")
    ko = kickoffs(r["log"])
    sent = {t for e in ko[:1] for v in e["query"].get("_type", []) for t in v.split(",")}
    expect(sent == config_types(ctx, True), f"--view: default _type = the views' resources "
           f"({sorted(sent)})")

    keep = ctx.path("kept-ndjson")
    r = export(ctx, "level-patient", data, ["--transaction-time", T],
               ["--level", "patient", "--output-format", "application/fhir+ndjson",
                "--keep-ndjson", keep])
    ko = kickoffs(r["log"])
    expect(r["rc"] == 0 and ko and ko[0]["path"] == "/fhir/Patient/$export",
           "--level patient kicks off <base>/Patient/$export")
    expect(ko and ko[0]["query"].get("_outputFormat") == ["application/fhir+ndjson"],
           "--output-format application/fhir+ndjson sent as _outputFormat (the '+' encoded)")
    same_folder(local, r["out"], "--level patient export")
    kept = files_of(keep) if os.path.isdir(keep) else {}
    src = {n: open(os.path.join(data, n), "rb").read() for n in os.listdir(data)
           if n.split(".")[0] in types}
    expect(kept == src, f"--keep-ndjson keeps the downloaded files under their names, byte for "
           f"byte ({sorted(kept)})")
    # A symbolic link planted where a kept file goes is refused, never followed: the run fails,
    # the link's target is unchanged and no temporary file is left in the folder.
    keep2 = ctx.path("kept-ndjson-link")
    os.makedirs(keep2)
    victim = ctx.path("keep-victim.txt")
    with open(victim, "w") as f:
        f.write("do not touch\n")
    os.symlink(victim, os.path.join(keep2, "Patient.ndjson"))
    r = export(ctx, "keep-link", data, ["--transaction-time", T], ["--keep-ndjson", keep2])
    left = sorted(n for n in os.listdir(keep2) if n.startswith("."))
    expect(r["rc"] != 0 and "is a symbolic link" in r["stderr"] and
           open(victim).read() == "do not touch\n" and
           os.path.islink(os.path.join(keep2, "Patient.ndjson")) and not left,
           f"--keep-ndjson: a link at a kept file's name is refused (exit {r['rc']}, "
           f"temporaries left {left})")

    r = export(ctx, "level-group", data, ["--transaction-time", T],
               ["--level", "group:cohort-7", "--parallel", "1"])
    ko = kickoffs(r["log"])
    expect(r["rc"] == 0 and ko and ko[0]["path"] == "/fhir/Group/cohort-7/$export",
           "--level group:cohort-7 kicks off <base>/Group/cohort-7/$export")
    same_folder(local, r["out"], "--level group export (--parallel 1)")

    r = export(ctx, "max-depth", data, ["--transaction-time", T], ["--max-depth", "1",
                                                                  "--parallel", "8"])
    expect(r["rc"] == 0, f"--max-depth 1 --parallel 8: exit 0 (got {r['rc']})")
    same_folder(local_run(ctx, data, ctx.path("local-depth1"), extra=["--max-depth", "1"]),
                r["out"], "--max-depth 1 export")

    r = export(ctx, "type", data, ["--transaction-time", T], ["--type", "Patient,Condition"])
    ko = kickoffs(r["log"])
    sent = {t for e in ko[:1] for v in e["query"].get("_type", []) for t in v.split(",")}
    expect(r["rc"] == 0 and sent == {"Patient", "Condition"}, f"--type Patient,Condition -> "
           f"_type {sorted(sent)}")
    sub = copy_data(data, ctx.path("data-type"), names={"Patient.ndjson", "Condition.ndjson"})
    same_folder(local_run(ctx, sub, ctx.path("local-type")), r["out"], "--type export")

    def female_only(n, b):
        if n != "Patient.ndjson":
            return b
        return b"".join(ln for ln in b.splitlines(keepends=True)
                        if ln.strip() and json.loads(ln).get("gender") == "female")
    r = export(ctx, "type-filter", data, ["--transaction-time", T],
               ["--type-filter", "Patient?gender=female"])
    ko = kickoffs(r["log"])
    tf = [v for e in ko[:1] for v in e["query"].get("_typeFilter", [])]
    expect(r["rc"] == 0 and tf == ["Patient?gender=female"],
           f"--type-filter sent as _typeFilter ({tf})")
    sub = copy_data(data, ctx.path("data-female"), transform=female_only)
    same_folder(local_run(ctx, sub, ctx.path("local-female")), r["out"],
                "--type-filter export (the server applies gender=female)")

    since = "2024-02-29T22:30:00.2Z"       # after sample-pat-1's lastUpdated, before the rest

    def after_since(n, b):
        if n != "Patient.ndjson":
            return b
        return b"".join(ln for ln in b.splitlines(keepends=True)
                        if ln.strip() and json.loads(ln)["id"] != "sample-pat-1")
    r = export(ctx, "since", data, ["--transaction-time", T], ["--since", since])
    ko = kickoffs(r["log"])
    expect(r["rc"] == 0 and ko and ko[0]["query"].get("_since") == [since],
           f"--since {since} sent as _since ({ko[0]['query'].get('_since') if ko else None})")
    sub = copy_data(data, ctx.path("data-since"), transform=after_since)
    same_folder(local_run(ctx, sub, ctx.path("local-since")), r["out"], "--since export")

    syn = os.path.join(ctx.shared, "data", "synthea-10")
    if not os.path.isdir(syn):
        f2ctest.banner(f"SKIP (part): {syn} is absent; the Synthea round trip did not run "
                       "(set -DFHIR2CDM_SHARED_DIR=...)")
        return
    sdata = copy_data(syn, ctx.path("data-synthea"))
    t0 = time.monotonic()
    slocal = local_run(ctx, sdata, ctx.path("local-synthea"))
    tl = time.monotonic() - t0
    r = export(ctx, "synthea", sdata, ["--transaction-time", T])
    expect(r["rc"] == 0, f"Synthea export exits 0 (got {r['rc']}; local {tl:.1f}s, export "
           f"{r['seconds']:.1f}s)")
    expect(r["seconds"] < 120, f"Synthea export takes < 2 min ({r['seconds']:.1f}s)")
    same_folder(slocal, r["out"], "Synthea-10 export")


def et_formats():
    return ("application/fhir+ndjson", "application/ndjson", "ndjson")


# ---- (b) incremental ------------------------------------------------------------------------

def partitions(out):
    return {os.path.relpath(p, out) for p in glob.glob(os.path.join(out, "data", "*", "*.csv"))}


def model_locations(out):
    try:
        m = json.load(open(os.path.join(out, "model.json")))
    except (OSError, ValueError):
        return set()
    return {p["location"] for e in m.get("entities", []) for p in e.get("partitions", [])}


def read_state(out):
    try:
        return json.load(open(os.path.join(out, STATE)))
    except (OSError, ValueError):
        return {}


def case_incremental(ctx):
    data = copy_data(ctx.samples, ctx.path("data"), mtime=OLD)
    d = ctx.path("incremental")
    out = os.path.join(d, "cdm")

    def run(name):
        # One server per run over the same data folder: its log holds this run's requests only;
        # no --transaction-time, so transactionTime is the kick-off's time.
        r = export(ctx, name, data, (), ["--since", "last"], out=out, opid=None)
        ko = kickoffs(r["log"])
        return r, ko[0] if ko else {}

    r1, ko1 = run("run1")
    expect(r1["rc"] == 0, f"run 1 (--since last, no state file) exits 0 (got {r1['rc']})")
    expect(ko1 and "_since" not in ko1.get("query", {}), "run 1: full export, no _since")
    text = (r1["stdout"] + r1["stderr"]).lower()
    expect("state" in text or "full" in text, "run 1: a notice that there is no state file "
           "(full export)")
    s1 = read_state(out)
    t1 = s1.get("transactionTime")
    expect(t1 and t1 == ko1.get("transactionTime"), f"run 1: state transactionTime = the "
           f"manifest's ({t1} vs {ko1.get('transactionTime')})")
    op1 = s1.get("operationId", "")
    p1 = partitions(out)
    expect(p1 and op1 and all(p.endswith(f"-{op1}.csv") for p in p1),
           f"run 1: {len(p1)} partitions, all named with the state's operationId {op1!r}")
    before = files_of(out)

    time.sleep(1.2)
    src = [json.loads(ln) for ln in open(os.path.join(data, "Patient.ndjson"), "rb")
           if ln.strip()]
    now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".500Z"
    new = []
    for res in src[:2]:
        res = dict(res, id="inc-" + res["id"])
        res["meta"] = dict(res.get("meta") or {}, lastUpdated=now)
        new.append(json.dumps(res, ensure_ascii=False))
    newdir = os.path.join(d, "new-only")
    os.makedirs(newdir)
    for folder in (data, newdir):
        with open(os.path.join(folder, "Patient.new.ndjson"), "w", encoding="utf-8") as f:
            f.write("\n".join(new) + "\n")
        os.utime(os.path.join(folder, "Patient.new.ndjson"), (OLD, OLD))
    time.sleep(1.2)

    r2, ko2 = run("run2")
    expect(r2["rc"] == 0, f"run 2 (--since last) exits 0 (got {r2['rc']})")
    expect(ko2.get("query", {}).get("_since") == [t1],
           f"run 2: kick-off _since = run 1's transactionTime ({ko2.get('query', {}).get('_since')}"
           f" vs {t1})")
    s2 = read_state(out)
    op2 = s2.get("operationId", "")
    expect(s2.get("transactionTime") == ko2.get("transactionTime") and
           s2.get("transactionTime") != t1,
           f"run 2: state advanced to run 2's transactionTime ({s2.get('transactionTime')})")
    expect(op2 and op2 != op1, f"run 2: a new operation id ({op2!r}, run 1 {op1!r})")
    p2 = partitions(out)
    added = p2 - p1
    expect(added and all(os.path.basename(p).startswith("partition-data-Patient.new-")
                         for p in added),
           f"run 2: new partitions only from Patient.new.ndjson ({sorted(added)[:4]}...)")
    expect(all(files_of(out).get(k) == v for k, v in before.items()
               if k not in ("model.json", STATE)), "run 2: run 1's partitions untouched")
    locs = model_locations(out)
    expect(p2 and locs == {p.replace(os.sep, "/") for p in p2},
           "run 2: model.json lists run 1's and run 2's partitions")
    lnew = local_run(ctx, newdir, os.path.join(d, "local-new"), opid=op2 or "x")
    want = {k: v for k, v in files_of(lnew).items() if k.endswith(".csv")}
    got = {k: v for k, v in files_of(out).items() if k in added}
    expect(want and got == want, f"run 2: the new partitions hold exactly the new resources' "
           f"rows (= a local run over the new file alone; {len(want)} files)")

    after2 = files_of(out)
    r3, ko3 = run("run3")
    expect(r3["rc"] == 0, f"run 3 (nothing new) exits 0 (got {r3['rc']})")
    expect(ko3.get("query", {}).get("_since") == [s2.get("transactionTime")],
           "run 3: _since = run 2's transactionTime")
    s3 = read_state(out)
    expect(s3.get("transactionTime") == ko3.get("transactionTime"), "run 3: state advanced")
    expect(partitions(out) == p2 and all(files_of(out).get(k) == v for k, v in after2.items()
                                         if k.endswith(".csv")),
           "run 3: an empty export adds and changes no partition")
    check_tmpdir(ctx)


# ---- (c) faults -----------------------------------------------------------------------------

def polls(log):
    return [e for e in log if e["method"] == "GET" and e["path"].startswith("/fhir/jobs/")]


def gaps_ok(entries, what):
    """After each answer with Retry-After (202 in progress, 429), the next request of the
    same kind came at least ~1 s later."""
    bad = [(round(b["time"] - a["time"], 2)) for a, b in zip(entries, entries[1:])
           if a["status"] in (202, 429) and b["time"] - a["time"] < 0.9]
    return expect(not bad, f"{what}: Retry-After: 1 honoured (gaps too short: {bad})")


def case_faults(ctx):
    data, local = reference(ctx)

    # Usage errors: exit 2, nothing contacted (no server runs), an existing folder untouched.
    out, snap = prefilled(ctx, local)
    base = [ctx.bin, "export", "--config", ctx.config, "--output", out]
    url = ["--fhir-url", "http://127.0.0.1:9/fhir"]
    for what, cmd in (("no --fhir-url", base),
                      ("--since yesterday", base + url + ["--since", "yesterday"]),
                      ("--level county", base + url + ["--level", "county"]),
                      ("--bearer-token with --token-url", base + url + [
                          "--bearer-token", TOKEN, "--token-url", "http://127.0.0.1:9/token",
                          "--client-id", "x", "--client-secret", "y"]),
                      ("--config and --view missing", [ctx.bin, "export", "--output", out] + url),
                      ("--parallel 0", base + url + ["--parallel", "0"]),
                      ("--fhir-url twice", base + url + url),
                      ("--fhirpath-max-items q (expects a whole number)",
                       base + url + ["--fhirpath-max-items", "q"])):
        p = subprocess.run(cmd, capture_output=True, text=True, env=ctx.env, timeout=60)
        flag = what.split()[0]
        named = not flag.startswith("--") or flag in p.stderr.replace("Try '", "")
        if "(" in what:  # the message must say this, not only name the flag
            named = named and what[what.index("(") + 1:-1] in p.stderr
        expect(p.returncode == 2 and p.stderr.strip() and named,
               f"usage error ({what}): exit 2 with a message naming {flag} (got {p.returncode}: "
               f"{p.stderr.strip()[-200:]})")
    unchanged(snap, out, "usage errors")

    # Nothing listening: a network failure, exit 3, folder untouched.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = subprocess.run(base + ["--fhir-url", f"http://127.0.0.1:{port}/fhir", "--quiet"],
                       capture_output=True, text=True, env=ctx.env, timeout=300)
    expect(p.returncode == 3, f"server unreachable: exit 3 (got {p.returncode}: "
           f"{p.stderr.strip()[-300:]})")
    unchanged(snap, out, "server unreachable")

    # Another writer holds the folder's lock: exit 2 at once, naming its pid, before the server
    # is contacted (nothing listens on port 9: contacting it would be exit 3).
    import fcntl
    lock = os.open(os.path.join(out, ".fhir2cdm", "lock"), os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(lock, 0)
        os.write(lock, b"pid 4242\n")
        p = subprocess.run(base + url + ["--quiet"], capture_output=True, text=True, env=ctx.env,
                           timeout=60)
        expect(p.returncode == 2 and "pid 4242" in p.stderr,
               f"folder locked by another writer: exit 2 naming its pid before any request (got "
               f"{p.returncode}: {p.stderr.strip()[-300:]})")
        os.ftruncate(lock, 0)
    finally:
        os.close(lock)
    unchanged(snap, out, "folder locked by another writer")

    # A malformed line: exit 1 like a local run (all good rows written, state not advanced);
    # within --max-errors: exit 0 and the state written.
    def bad_line(n, b):
        return b + b'{"resourceType": "Condition", "id": "broken"\n' if n == "Condition.ndjson" \
            else b
    bdata = copy_data(ctx.samples, ctx.path("data-bad"), transform=bad_line)
    blocal = local_run(ctx, bdata, ctx.path("local-bad"), want_rc=1)
    r = export(ctx, "bad-line", bdata, ["--transaction-time", T])
    expect(r["rc"] == 1, f"a malformed line: exit 1 like the local run (got {r['rc']})")
    same_folder(blocal, r["out"], "malformed line, CDM folder")
    expect(not os.path.exists(os.path.join(r["out"], STATE)), "  no state file written on exit 1")
    r = export(ctx, "bad-line-tolerated", bdata, ["--transaction-time", T], ["--max-errors", "1"])
    expect(r["rc"] == 0 and read_state(r["out"]).get("transactionTime") == T,
           f"  with --max-errors 1: exit 0 (got {r['rc']}) and the state file written")
    same_folder(blocal, r["out"], "  with --max-errors 1")

    r = export(ctx, "slow", data, ["--transaction-time", T, "--slow", "3"], quiet=False)
    expect(r["rc"] == 0, f"--slow 3: exit 0 (got {r['rc']})")
    same_folder(local, r["out"], "--slow 3")
    expect(any(f"{k} of 3" in r["stderr"] for k in (1, 2, 3)),
           "--slow 3: the server's X-Progress ('k of 3') shown on stderr")
    p = polls(r["log"])
    expect(len(p) >= 4, f"--slow 3: polled until complete ({len(p)} status requests)")
    gaps_ok(p, "--slow 3 polls")

    r = export(ctx, "rate-limit", data, ["--transaction-time", T, "--rate-limit", "2"])
    expect(r["rc"] == 0, f"--rate-limit 2: exit 0 (got {r['rc']})")
    same_folder(local, r["out"], "--rate-limit 2")
    ko, p = kickoffs(r["log"]), polls(r["log"])
    expect([e["status"] for e in ko] == [429, 429, 202], f"--rate-limit 2: kick-off retried after "
           f"429s ({[e['status'] for e in ko]})")
    expect([e["status"] for e in p][:3] == [429, 429, 200], f"--rate-limit 2: status retried "
           f"after 429s ({[e['status'] for e in p]})")
    gaps_ok(ko, "--rate-limit kick-offs")
    gaps_ok(p, "--rate-limit polls")

    r = export(ctx, "transient-500", data, ["--transaction-time", T, "--transient-500"])
    expect(r["rc"] == 0, f"--transient-500: exit 0 (got {r['rc']})")
    same_folder(local, r["out"], "--transient-500")
    five = [e["path"] for e in r["log"] if e["status"] == 500]
    expect(len(five) == 2,
           f"--transient-500: the status 500 and the file 500 were retried ({five})")

    r = export(ctx, "drop-mid-file", data, ["--transaction-time", T, "--drop-mid-file"])
    expect(r["rc"] == 0, f"--drop-mid-file: exit 0 (got {r['rc']})")
    same_folder(local, r["out"], "--drop-mid-file (no duplicate or missing rows)")
    files = [e for e in r["log"] if e["path"].startswith("/fhir/files/")]
    dropped = {e["path"] for e in files if e.get("dropped")}
    done = {e["path"] for e in files if not e.get("dropped") and e["status"] in (200, 206)}
    expect(dropped and dropped <= done, "--drop-mid-file: every cut download was completed")
    ranged = [e for e in files if e["status"] == 206]
    if_range = any(e["headers"].get("If-Range") for e in ranged)
    print(f"    note: {len(ranged)} of {len(dropped)} cut downloads resumed with Range "
          f"({'If-Range sent' if if_range else 'no If-Range'})")

    out, snap = prefilled(ctx, local)
    r = export(ctx, "error-file", data, ["--transaction-time", T2, "--error-file"], out=out,
               opid="exp-0002")
    expect(r["rc"] == 1, f"--error-file: exit 1 (got {r['rc']})")
    expect(all(t in r["stderr"] for t in ERROR_TEXTS), "--error-file: both issue texts on stderr")
    new = partitions(out) - {k for k in snap if k.endswith(".csv")}
    locs = model_locations(out)
    expect(new and all(p.endswith("-exp-0002.csv") for p in new) and
           {p.replace(os.sep, "/") for p in new} <= locs,
           f"--error-file: CDM folder written ({len(new)} new partitions in model.json)")
    expect(files_of(out).get(STATE) == snap[STATE], "--error-file: state file not advanced")

    out, snap = prefilled(ctx, local)
    r = export(ctx, "fail-job", data, ["--transaction-time", T2, "--fail-job"], out=out,
               opid="exp-0003")
    expect(r["rc"] == 3, f"--fail-job: exit 3 (got {r['rc']})")
    expect("disk full" in r["stderr"], "--fail-job: the server's 'disk full' on stderr")
    unchanged(snap, out, "--fail-job")

    r = export(ctx, "post-only", data, ["--transaction-time", T, "--kickoff-post-only"], ["--post"])
    expect(r["rc"] == 0, f"--kickoff-post-only with --post: exit 0 (got {r['rc']})")
    same_folder(local, r["out"], "--post")
    ko = kickoffs(r["log"])
    expect([(e["method"], e["status"]) for e in ko] == [("POST", 202)],
           f"--post: one POST kick-off ({[(e['method'], e['status']) for e in ko]})")
    if ko and ko[0].get("kickoff"):
        sent = {t for v in ko[0]["kickoff"]["params"].get("_type", []) for t in v.split(",")}
        expect(sent == config_types(ctx), f"--post: Parameters body carries _type ({sorted(sent)})")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        interrupt(ctx, local, data, sig)
    check_tmpdir(ctx)


def interrupt(ctx, local, data, sig):
    name = signal.Signals(sig).name
    out, snap = prefilled(ctx, local)
    d = ctx.path("interrupt-" + name)
    with Server(os.path.join(d, "srv"), data, "--transaction-time", T2, "--slow", "100") as srv:
        cmd = [ctx.bin, "export", "--fhir-url", srv.base, "--config", ctx.config, "--output", out,
               "--operation-id", "exp-0004", "--quiet"]
        print(f"--- interrupt with {name}\n    running: {' '.join(cmd)}", flush=True)
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=ctx.env)
        deadline = time.time() + 30
        while time.time() < deadline and p.poll() is None and \
                not [e for e in polls(srv.log()) if e["status"] == 202]:
            time.sleep(0.05)
        polled = bool(polls(srv.log()))
        expect(polled, f"{name}: the client polled the job before the signal")
        p.send_signal(sig)
        try:
            so, se = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            so, se = p.communicate()
            se += "\n(killed: did not exit within 30 s of the signal)"
        time.sleep(0.3)
        log = srv.log()
    for ln in (so + se).strip().splitlines()[-6:]:
        print("      | " + ln)
    want = 128 + int(sig)  # 130 SIGINT, 143 SIGTERM, 129 SIGHUP
    expect(p.returncode == want, f"{name}: exit {want} (got {p.returncode})")
    jobs = {e.get("job") for e in kickoffs(log) if e.get("job")}
    dels = [e for e in log if e["method"] == "DELETE" and e["status"] == 202 and
            e["path"].rsplit("/", 1)[1] in jobs]
    expect(jobs and dels, f"{name}: the server job was DELETEd ({[e['path'] for e in dels]})")
    unchanged(snap, out, name)


# ---- auth -----------------------------------------------------------------------------------

def fhir_requests(log):
    return [e for e in log if e["path"].startswith("/fhir/")]


def case_auth(ctx):
    data, local = reference(ctx)

    r = export(ctx, "bearer", data, ["--transaction-time", T, "--require-token", TOKEN],
               ["--bearer-token", TOKEN])
    expect(r["rc"] == 0, f"--require-token with --bearer-token: exit 0 (got {r['rc']})")
    same_folder(local, r["out"], "--bearer-token")
    reqs = fhir_requests(r["log"])
    files = [e for e in reqs if e["path"].startswith("/fhir/files/")]
    expect(reqs and files and all(e["headers"].get("Authorization") == "Bearer " + TOKEN
                                  for e in reqs),
           f"every request, the {len(files)} file downloads included, carries the bearer token")
    expect(not secrets_printed(r, TOKEN), "the token is not printed")

    out, snap = prefilled(ctx, local)
    r = export(ctx, "no-token", data, ["--transaction-time", T2, "--require-token", TOKEN],
               out=out, opid="exp-0005")
    expect(r["rc"] == 3, f"--require-token without a token: exit 3 (got {r['rc']})")
    unchanged(snap, out, "no token")

    r = export(ctx, "client-secret", data,
               ["--transaction-time", T, "--token-endpoint", "--client-id", "cdm-client",
                "--client-secret", SECRET],
               ["--token-url", "{token_url}", "--client-id", "cdm-client"],
               env={"FHIR2CDM_CLIENT_SECRET": SECRET})
    token_checks(r, local, "client secret (FHIR2CDM_CLIENT_SECRET)",
                 ("client_secret_post", "client_secret_basic"), [SECRET])

    for alg in ("RS384", "ES384"):
        priv, pub = genkey(ctx.tmp, alg)
        r = export(ctx, "jwt-" + alg, data,
                   ["--transaction-time", T, "--token-endpoint", "--client-id", "cdm-client",
                    "--jwt-public-key", pub],
                   ["--token-url", "{token_url}", "--client-id", "cdm-client", "--private-key",
                    priv, "--key-id", "key-1"])
        token_checks(r, local, f"--private-key {alg}", ("private_key_jwt",),
                     [open(priv).read().splitlines()[1]])

    r = export(ctx, "token-expiry", data,
               ["--transaction-time", T, "--token-endpoint", "--client-id", "cdm-client",
                "--client-secret", SECRET, "--token-ttl", "2", "--slow", "4"],
               ["--token-url", "{token_url}", "--client-id", "cdm-client"],
               env={"FHIR2CDM_CLIENT_SECRET": SECRET})
    expect(r["rc"] == 0, f"a token expiring during the export is renewed: exit 0 (got {r['rc']})")
    same_folder(local, r["out"], "token renewal")
    issued = [e for e in r["log"] if e["path"] == "/token" and e["status"] == 200]
    expect(len(issued) >= 2, f"  {len(issued)} tokens requested (ttl 2 s, export > 4 s)")

    out, snap = prefilled(ctx, local)
    r = export(ctx, "wrong-secret", data,
               ["--transaction-time", T2, "--token-endpoint", "--client-id", "cdm-client",
                "--client-secret", SECRET],
               ["--token-url", "{token_url}", "--client-id", "cdm-client"], out=out,
               env={"FHIR2CDM_CLIENT_SECRET": "not-the-secret"}, opid="exp-0006")
    expect(r["rc"] in (2, 3), f"wrong client secret: exit 2 or 3 (got {r['rc']})")
    expect(not secrets_printed(r, "not-the-secret"), "  the secret is not printed")
    unchanged(snap, out, "wrong secret")
    check_tmpdir(ctx)


def token_checks(r, local, what, methods, secrets):
    expect(r["rc"] == 0, f"{what}: exit 0 (got {r['rc']})")
    same_folder(local, r["out"], what)
    tok = [e for e in r["log"] if e["path"] == "/token"]
    ok = [e for e in tok if e["status"] == 200]
    expect(ok and all(e["token"].get("method") in methods for e in ok) and
           not [e for e in tok if e["status"] != 200],
           f"{what}: token request(s) accepted by the server ({[e['token'] for e in tok][:2]})")
    issued = {"Bearer " + e["token"]["issued"] for e in ok}
    reqs = fhir_requests(r["log"])
    expect(reqs and all(e["headers"].get("Authorization") in issued for e in reqs),
           f"{what}: every FHIR request carries an issued token")
    leaked = secrets_printed(r, *(secrets + [x[7:] for x in issued]))
    expect(not leaked, f"{what}: no secret or access token printed")


# ---- interoperability (issue 22: what the SMART reference server showed) -------------------

def sent_types(r):
    ko = kickoffs(r["log"])
    return {t for e in ko[:1] for v in e["query"].get("_type", []) for t in v.split(",")}


def case_capabilities(ctx):
    """Default _type from the CapabilityStatement; explicit --type as given; none left: exit 2;
    no metadata: a warning and every type; a manifest file nobody reads not downloaded."""
    data, local = reference(ctx)
    types = config_types(ctx)
    served = {"Patient", "Condition", "Encounter", "Observation"}
    r = export(ctx, "caps", data, ["--transaction-time", T, "--capability-types",
                                   ",".join(sorted(served)), "--capability-no-export",
                                   "Procedure"])
    left = sorted(types - served)
    warn = [ln for ln in r["stderr"].splitlines() if "does not list" in ln]
    expect(r["rc"] == 0 and sent_types(r) == types & served,
           f"CapabilityStatement: _type = the configuration's types it lists ({sorted(sent_types(r))}"
           f", exit {r['rc']}); Procedure, marked operation-not-supported, left out")
    expect(len(warn) == 1 and all(t in warn[0] for t in left),
           f"one warning names the types left out ({warn})")
    sub = copy_data(data, ctx.path("data-caps"), names={t + ".ndjson" for t in served})
    same_folder(local_run(ctx, sub, ctx.path("local-caps")), r["out"], "CapabilityStatement")
    r = export(ctx, "caps-none", data, ["--transaction-time", T, "--capability-types", "Basic"])
    expect(r["rc"] == 2 and not kickoffs(r["log"]) and "lists none" in r["stderr"] and
           not os.path.exists(r["out"]),
           f"a CapabilityStatement listing none of the types: exit 2, no kick-off ({r['rc']})")
    r = export(ctx, "caps-explicit", data, ["--transaction-time", T, "--capability-types",
                                            "Patient,Condition"], ["--type", "Patient,Location"])
    expect(r["rc"] == 3 and sent_types(r) == {"Patient", "Location"} and
           'The requested resource type \\"Location\\" is not available' in r["stderr"].replace(
               '"', '\\"') and not [e for e in r["log"] if e["path"] == "/fhir/metadata"],
           f"--type sent as given, metadata not read; the server's 400 OperationOutcome shown "
           f"(exit {r['rc']})")
    r = export(ctx, "unread-type", data, ["--transaction-time", T],
               ["--type", "Patient,Organization"], quiet=False)
    got = [e["path"].rsplit("/", 1)[1] for e in r["log"] if e["path"].startswith("/fhir/files/")]
    expect(r["rc"] == 0 and got == ["Patient.ndjson"] and
           "skipped, not read by any table or view: 1 file (Organization 1)" in r["stdout"],
           f"an output file of a type no table reads (Organization) is not downloaded, and "
           f"counted ({got}, exit {r['rc']})")
    sub = copy_data(data, ctx.path("data-unread"), names={"Patient.ndjson"})
    same_folder(local_run(ctx, sub, ctx.path("local-unread")), r["out"], "--type with Organization")
    r = export(ctx, "caps-absent", data, ["--transaction-time", T])
    expect(r["rc"] == 0 and sent_types(r) == types and
           r["stderr"].count("cannot read the server's CapabilityStatement") == 1 and
           "HTTP 404" in r["stderr"], "no /metadata: one warning (with the 404), every type sent")


def case_kid(ctx):
    """SMART Backend Services: kid required; a JWK's own kid used."""
    data, local = reference(ctx)
    priv, pub = genkey(ctx.tmp, "ES384", "kid-es")
    srv = ["--transaction-time", T, "--token-endpoint", "--client-id", "cdm-client",
           "--jwt-public-key", pub, "--jwt-kid", "key-7"]
    base = ["--token-url", "{token_url}", "--client-id", "cdm-client"]
    r = export(ctx, "kid-missing", data, srv, base + ["--private-key", priv])
    expect(r["rc"] == 2 and not r["log"] and "--key-id" in r["stderr"] and
           not os.path.exists(r["out"]),
           f"a PEM key without --key-id: exit 2 before any request ({r['rc']}, "
           f"{len(r['log'])} requests)")
    jwk = os.path.join(ctx.tmp, "kid-es.jwk")
    with open(jwk, "w") as f:
        json.dump(jwk_of(priv, "key-7"), f)
    r = export(ctx, "kid-jwk", data, srv, base + ["--private-key", jwk])
    token_checks(r, local, "a JWK private key with its kid", ("private_key_jwt",),
                 [jwk_of(priv, None)["d"]])


def case_format(ctx):
    """Only NDJSON asked for, only NDJSON taken."""
    data, local = reference(ctx)
    r = export(ctx, "format-csv", data, ["--transaction-time", T, "--allow-csv"],
               ["--output-format", "text/csv"])
    expect(r["rc"] == 2 and not r["log"] and "must be NDJSON" in r["stderr"],
           f"--output-format text/csv: exit 2, nothing contacted ({r['rc']})")
    out, snap = prefilled(ctx, local)
    r = export(ctx, "content-type", data, ["--transaction-time", T2, "--content-type",
                                           "text/csv"], ["--parallel", "1"], out=out)
    bad = [ln for ln in r["stderr"].splitlines() if 'Content-Type "text/csv"' in ln]
    expect(r["rc"] == 3 and len(bad) == 1 and "malformed" not in r["stderr"].lower() and
           "JSON" not in r["stderr"], f"a file served as text/csv: one error for the file, no "
           f"line reported, exit 3 ({r['rc']}, {bad})")
    unchanged(snap, out, "a file served as text/csv")


def case_messages(ctx):
    """The server's words in download errors; the summary names the published record."""
    data, local = reference(ctx)
    out, snap = prefilled(ctx, local)
    r = export(ctx, "expired", data, ["--transaction-time", T2, "--expire-files"], out=out)
    expect(r["rc"] == 3 and "HTTP 410" in r["stderr"] and
           "because the file expired" in r["stderr"],
           f"410 Gone: the OperationOutcome's diagnostics in the message ({r['rc']})")
    unchanged(snap, out, "expired files")
    r = export(ctx, "summary", data, ["--transaction-time", T], quiet=False)
    wrote = [ln.strip() for ln in r["stdout"].splitlines() if ln.strip().startswith("wrote ")]
    expect(r["rc"] == 0 and wrote == [f"wrote {r['out']}/model.json (22 entities)"] and
           ".fhir2cdm" not in r["stdout"], f"the summary names the published model.json ({wrote})")
    check_tmpdir(ctx)


def case_gzip(ctx):
    """Compressed transfer: inflated as it streams, kept inflated, counted both ways."""
    data, local = reference(ctx)
    keep = ctx.path("kept-gzip")
    r = export(ctx, "gzip", data, ["--transaction-time", T, "--gzip"], ["--keep-ndjson", keep],
               quiet=False)
    expect(r["rc"] == 0, f"--gzip server: exit 0 ({r['rc']})")
    same_folder(local, r["out"], "gzip transfer")
    types = config_types(ctx)
    src = {n: open(os.path.join(data, n), "rb").read() for n in os.listdir(data)
           if n.split(".")[0] in types}
    expect(files_of(keep) == src if os.path.isdir(keep) else False,
           "--keep-ndjson keeps the inflated NDJSON, byte for byte")
    files = [e for e in r["log"] if e["path"].startswith("/fhir/files/")]
    ko = kickoffs(r["log"])
    expect(files and all(e.get("encoding") == "gzip" for e in files) and
           ko and "gzip" in ko[0]["headers"].get("Accept-Encoding", ""),
           "kick-off and every file GET accept gzip; every file came gzip-encoded")
    m = re.search(r"(\d+) bytes transferred, (\d+) bytes of NDJSON \(compressed transfer\)",
                  r["stdout"])
    wire, ndjson = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    expect(m and 0 < wire < ndjson == sum(len(b) for b in src.values()),
           f"summary: {wire} bytes transferred < {ndjson} bytes of NDJSON (= the files' sizes)")
    r = export(ctx, "gzip-drop", data, ["--transaction-time", T, "--gzip", "--drop-mid-file"])
    resumed = [e for e in r["log"] if e["path"].startswith("/fhir/files/") and
               e["headers"].get("Range")]
    expect(r["rc"] == 0 and resumed and not any(e.get("encoding") for e in resumed),
           f"a gzip transfer cut mid-file resumes with Range in the identity coding "
           f"({len(resumed)} resumed, exit {r['rc']})")
    same_folder(local, r["out"], "gzip transfer resumed")




# ---- main -----------------------------------------------------------------------------------

# ---- Parquet output (issue 17) --------------------------------------------------------------

MANIFEST = "model.manifest.cdm.json"


def manifest_partitions(out):
    """The dataPartitions locations a folder's manifest lists, sorted."""
    doc = json.load(open(os.path.join(out, MANIFEST)))
    return sorted(p["location"] for e in doc["entities"] for p in e.get("dataPartitions", []))


def case_parquet(ctx):
    """export --format parquet into a local folder: byte-identical to a local --format parquet
    run (partitions, entity documents, manifest), the manifest lists exactly the .parquet files,
    each starts and ends with PAR1; --keep-ndjson and the state file as for CSV; --compression
    snappy agrees with a local snappy run; a folder of the other format, --compression with CSV
    and an unknown --format are refused (exit 2) before the server is contacted."""
    data = copy_data(ctx.samples, ctx.path("data"))
    local = local_run(ctx, data, ctx.path("local-parquet"), extra=["--format", "parquet"])
    keep = ctx.path("keep")
    r = export(ctx, "parquet", data, ["--transaction-time", T],
               args=["--format", "parquet", "--keep-ndjson", keep])
    expect(r["rc"] == 0, f"export --format parquet exits 0 (got {r['rc']})")
    same_folder(local, r["out"], "export --format parquet")
    out = r["out"]
    parts = sorted(os.path.relpath(p, out) for p in glob.glob(os.path.join(out, "data", "*", "*")))
    expect(parts and all(p.endswith(".parquet") for p in parts) and
           not os.path.exists(os.path.join(out, "model.json")),
           f"{len(parts)} .parquet partitions and no model.json")
    expect(os.path.exists(os.path.join(out, MANIFEST)) and manifest_partitions(out) == parts,
           "the manifest lists exactly the partitions")
    bad = [p for p in parts if not (lambda b: b[:4] == b"PAR1" and b[-4:] == b"PAR1")(
        open(os.path.join(out, p), "rb").read())]
    expect(not bad, f"every partition starts and ends with PAR1 (not: {bad[:3]})")
    # The server sends the types the configuration reads (the default _type), as for CSV.
    types = config_types(ctx)
    kept = files_of(keep) if os.path.isdir(keep) else {}
    src = {n: open(os.path.join(data, n), "rb").read() for n in os.listdir(data)
           if n.split(".")[0] in types}
    expect(src and kept == src, f"--keep-ndjson keeps the downloaded files byte for byte "
                                f"({sorted(kept)})")
    state = json.load(open(os.path.join(out, STATE))) if os.path.exists(
        os.path.join(out, STATE)) else {}
    expect(state == {"transactionTime": T, "operationId": OPID}, f"state file written ({state})")

    snappy = local_run(ctx, data, ctx.path("local-snappy"),
                       extra=["--format", "parquet", "--compression", "snappy"])
    r = export(ctx, "parquet-snappy", data, ["--transaction-time", T],
               args=["--format", "parquet", "--compression", "snappy"])
    expect(r["rc"] == 0, f"export --compression snappy exits 0 (got {r['rc']})")
    same_folder(snappy, r["out"], "export --format parquet --compression snappy")

    # One format per folder: refused under the lock, before the kick-off.
    csv_local = local_run(ctx, data, ctx.path("local-csv"))
    for what, folder, args, words in (
            ("Parquet into a CSV folder", csv_local, ["--format", "parquet"], ["CSV", "model.json"]),
            ("CSV into a Parquet folder", local, [], ["Parquet", MANIFEST]),
            ("--compression with CSV", None, ["--compression", "zstd"], ["Parquet"]),
            ("an unknown --format", None, ["--format", "orc"], ["csv, parquet"])):
        snap = files_of(folder) if folder else None
        r = export(ctx, "mismatch", data, ["--transaction-time", T], args=args, out=folder)
        expect(r["rc"] == 2 and not kickoffs(r["log"]) and all(w in r["stderr"] for w in words),
               f"{what}: exit 2 before the kick-off, the message says {words} (exit {r['rc']}, "
               f"{len(kickoffs(r['log']))} kick-offs)")
        if folder:
            unchanged(snap, folder, what)
    check_tmpdir(ctx)


def has_export(binary):
    try:
        p = subprocess.run([binary, "export", "--help"], capture_output=True, text=True,
                           timeout=60)
    except OSError as e:
        return False, str(e)
    text = p.stdout + p.stderr
    if p.returncode != 0:
        return False, f"`export --help` exits {p.returncode}: {text.strip()[:300]}"
    if "unknown command" in text.lower() or "unknown subcommand" in text.lower():
        return False, "`export --help` says unknown command"
    generic = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=60)
    if "--fhir-url" not in text or text == generic.stdout + generic.stderr:
        return False, "`export --help` prints the generic help: no export command"
    return True, ""


CASES = {"full": case_full, "incremental": case_incremental, "faults": case_faults,
         "auth": case_auth, "parquet": case_parquet, "capabilities": case_capabilities,
         "kid": case_kid, "format": case_format, "messages": case_messages, "gzip": case_gzip}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transform", required=True)
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument("--shared", default="")
    ap.add_argument("--work", help="parent of the temporary folder (default: system temp)")
    ap.add_argument("--case", action="append", choices=sorted(CASES) + ["all"])
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if not f2ctest.transformer_ok(a.transform):
        return 1
    ok, why = has_export(a.transform)
    if not ok:
        # The client exists since the export command landed: a binary without it is a
        # regression, not a reason to skip.
        print(f"FAIL: {a.transform} has no working `export` subcommand ({why})")
        return 1
    if a.work:
        os.makedirs(a.work, exist_ok=True)
    ctx = Ctx(a)
    cases = sorted(CASES) if not a.case or "all" in a.case else a.case
    for c in cases:
        f2ctest.banner(f"export.client.{c}")
        try:
            CASES[c](ctx)
        except Exception:
            import traceback
            traceback.print_exc()
            failures.append(f"{c}: exception (above)")
    f2ctest.remove_tmp(ctx.tmp, a.keep or bool(failures))
    return f2ctest.report(failures, "export client: all checks passed")


if __name__ == "__main__":
    sys.exit(main())
