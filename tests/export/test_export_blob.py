#!/usr/bin/env python3
"""`fhir2cdm-transform export --output <blob URL>` against Azurite (CTest export.blob).

Why: a blob output must publish exactly the CDM folder a local output gets (same partitions,
same model.json bytes, same state document), with storage semantics: the state blob only on
exit 0, `--since last` reading it, and nothing a reader uses (model.json, the state) changing
when the run fails.  The comparison is always with a local-folder export of the same server
job (one bulk_server.py per step, both clients against it, same --operation-id and server
--transaction-time), so the test does not restate what the output should be.

Steps:
  full         samples/ndjson -> container `cdm`, folder `area/one` (a prefix), and a local
               folder: every blob under the prefix == every file of the folder, byte for byte
               (data/..., model.json, fhir2cdm-state.json); the same for samples/views at the
               container root of `cdmviews`, and for ../shared/data/synthea-10 (FHIR2CDM_SHARED_DIR;
               skipped loudly when absent).  TMPDIR is left empty (staging removed).
  incremental  run 1 with --since last on an empty container (notice, full export), new
               Patients added to the server data, run 2 with --since last: the kick-off's _since
               is run 1's transactionTime read from the state blob, model.json lists run 1's
               and run 2's partitions, and the container equals a local folder given the same
               two runs.
  failures     --fail-job: exit 3, container unchanged (listed and downloaded before and after);
               an upload that fails midway (a loopback proxy in front of Azurite answers 500 to
               every PUT of the Observation partitions): exit 3, model.json and the state blob
               unchanged, the blobs this run added are only its own partitions and none is in
               model.json; a re-run of the same export without the proxy then succeeds and
               lists them; storage unreachable: exit 3; an address with a query: exit 2.
  parquet      --format parquet into `cdmpq`, folder `pq/run`: the container equals a local
               folder export (partitions, entity documents, manifest listing exactly the
               .parquet blobs, state); a CSV export into it and a Parquet export into a CSV
               container: exit 2 before the kick-off, nothing changed.
  Every run: the account key never appears in the output.

Azurite comes from tests/blob (install.sh, run_blob_tests.Azurite, its proxy), exactly as
tests/batch uses it; skips (77) with a loud message only when node/npm are missing or the
install fails.  Only 127.0.0.1 is contacted.  Exit 0 pass, 1 fail.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "blob"))
sys.path.insert(0, os.path.join(ROOT, "tests", "batch"))
sys.path.insert(0, os.path.join(ROOT, "tests", "pipeline"))
sys.path.insert(0, os.path.join(ROOT, "tests", "pylib"))
from exporttest import Server, copy_ndjson, expect, failures  # noqa: E402
import f2ctest  # noqa: E402  (banner)
import run_blob_tests as rb  # noqa: E402  (Azurite, development account, fault proxy)
from run_batch_tests import Store  # noqa: E402  (the test's own Blob REST access, by SAS)

T = "2024-05-01T12:00:00Z"
T2 = "2024-06-01T08:30:00Z"
OLD = 1704067200  # 2024-01-01T00:00:00Z: mtime of the copies (resources without lastUpdated)
STATE = "fhir2cdm-state.json"


def loud_skip(why):
    f2ctest.banner("SKIP export.blob: " + why)
    sys.exit(77)


class Ctx:
    def __init__(self, a, port):
        self.a = a
        self.bin = a.transform
        self.port = port
        self.st = Store(port)
        self.tmp = tempfile.mkdtemp(prefix="export-blob-", dir=a.work)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FHIR2CDM_")}
        self.env.update(FHIR2CDM_STORAGE_KEY=rb.KEY, TMPDIR=os.path.join(self.tmp, "tmpdir"))
        os.makedirs(self.env["TMPDIR"])
        self.n = 0

    def path(self, name):
        self.n += 1
        return os.path.join(self.tmp, f"{self.n:02d}-{name}")

    def url(self, container, prefix="", port=None):
        u = f"http://127.0.0.1:{port or self.port}/{rb.ACCOUNT}/{container}"
        return u + ("/" + prefix if prefix else "")

    def mkcontainer(self, name):
        rb.tool(self.a.blob_tool, self.port, ["mkcontainer", name])
        failures.extend(rb.failures)
        rb.failures.clear()


def copy_data(src, dst, names=None):
    return copy_ndjson(src, dst, OLD, names)


CONTROL = ".fhir2cdm/"  # a folder's control folder (lock, staging); never published as data


def files_of(folder):
    """Every file of a local CDM folder by relative name, without the control folder."""
    out = {}
    for dp, _, fs in os.walk(folder):
        for f in fs:
            p = os.path.join(dp, f)
            rel = os.path.relpath(p, folder).replace(os.sep, "/")
            if not rel.startswith(CONTROL):
                out[rel] = open(p, "rb").read()
    return out


def blobs_of(ctx, container, prefix=""):
    """Every blob under prefix ("" or "a/b/"), by name relative to it, with its bytes (an
    export writes no task records: a control folder in the container is compared too)."""
    return {n[len(prefix):]: ctx.st.get(container, n) for n in ctx.st.list(container, prefix)}


def run_export(ctx, srv, output, opid, args=(), views=False, what=""):
    cmd = [ctx.bin, "export", "--fhir-url", srv.base, "--output", output,
           "--operation-id", opid] + (["--view", os.path.join(ROOT, "samples", "views")] if views
                                      else ["--config", os.path.join(ROOT, "samples", "config")])
    cmd += list(args)
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=ctx.env, timeout=600)
    print(f"--- {what}: exit {p.returncode} after {time.monotonic() - t0:.1f}s\n    "
          + " ".join(cmd), flush=True)
    for ln in (p.stdout + p.stderr).strip().splitlines()[-8:]:
        print("      | " + ln)
    expect(rb.KEY not in p.stdout + p.stderr, f"{what}: the account key is not printed")
    return p


def same(want, got, what):
    diff = sorted(set(want) ^ set(got)) + sorted(k for k in set(want) & set(got)
                                                if want[k] != got[k])
    return expect(want and not diff, f"{what}: {len(got)} blobs byte-identical to the local "
                  f"folder's {len(want)} files" + (f"; differ: {diff[:8]}" if diff else ""))


def check_tmpdir(ctx, what):
    left = os.listdir(ctx.env["TMPDIR"])
    expect(not left, f"{what}: nothing left in TMPDIR ({left[:5]})")


def round_trip(ctx, name, data, container, prefix, opid, views=False, quiet=True, args=()):
    """One server job, exported into the container (under prefix) and into a local folder."""
    ctx.mkcontainer(container)
    local = ctx.path(name + "-local")
    with Server(ctx.path(name + "-srv"), data, "--transaction-time", T) as srv:
        q = (["--quiet"] if quiet else []) + list(args)
        pb = run_export(ctx, srv, ctx.url(container, prefix), opid, q, views, name + " (blob)")
        pl = run_export(ctx, srv, local, opid, q, views, name + " (local)")
    expect(pb.returncode == 0 and pl.returncode == 0,
           f"{name}: both exports exit 0 (blob {pb.returncode}, local {pl.returncode})" +
           ("" if pb.returncode == 0 else "\n" + pb.stderr[-2000:]))
    pre = prefix.strip("/") + "/" if prefix else ""
    got = blobs_of(ctx, container, pre)
    same(files_of(local), got, f"{name}: {ctx.url(container, prefix)}")
    expect(json.loads(got.get(STATE, b"{}")) == {"transactionTime": T, "operationId": opid},
           f"{name}: the state blob records the manifest's transactionTime and the operation id")
    check_tmpdir(ctx, name)
    return pb


# ---- steps ----------------------------------------------------------------------------------

def step_full(ctx):
    samples = copy_data(os.path.join(ROOT, "samples", "ndjson"), ctx.path("data"))
    pb = round_trip(ctx, "samples", samples, "cdm", "area/one", "blob-0001", quiet=False)
    expect("uploaded" not in pb.stdout and "published the partitions above into " +
           ctx.url("cdm", "area/one") in pb.stdout,
           "progress names the blob URL as the place of the partitions")
    # Issue 22: the summary names the published record, never the local staging folder.
    wrote = [ln for ln in pb.stdout.splitlines() if ln.strip().startswith("wrote ")]
    expect(wrote and all(ln.strip().startswith("wrote " + ctx.url("cdm", "area/one") +
                                                "/model.json") for ln in wrote) and
           "fhir2cdm-export-" not in pb.stdout + pb.stderr,
           f"the summary names the published model.json, not the staging folder ({wrote})")
    round_trip(ctx, "views", samples, "cdmviews", "", "blob-views", views=True)
    syn = os.path.join(ctx.a.shared, "data", "synthea-10")
    if not os.path.isdir(syn):
        f2ctest.banner(f"SKIP (part): {syn} is absent; the Synthea blob round trip did not run "
                       "(set -DFHIR2CDM_SHARED_DIR=...)")
        return
    round_trip(ctx, "synthea", copy_data(syn, ctx.path("data-synthea")), "cdmsyn", "",
               "blob-syn")


def step_incremental(ctx):
    ctx.mkcontainer("cdminc")
    data = copy_data(os.path.join(ROOT, "samples", "ndjson"), ctx.path("inc-data"))
    local = ctx.path("inc-local")
    url = ctx.url("cdminc")

    def both(name, tt, opid):
        with Server(ctx.path(name + "-srv"), data, "--transaction-time", tt) as srv:
            pb = run_export(ctx, srv, url, opid, ["--since", "last"], what=name + " (blob)")
            pl = run_export(ctx, srv, local, opid, ["--since", "last"], what=name + " (local)")
            ko = [e for e in srv.log() if e["path"].endswith("$export")]
        expect(pb.returncode == 0 and pl.returncode == 0,
               f"{name}: both exit 0 (blob {pb.returncode}, local {pl.returncode})" +
               ("" if pb.returncode == 0 else "\n" + pb.stderr[-2000:]))
        return pb, ko

    p1, ko1 = both("inc-run1", T, "inc-1")
    expect("not found; running a full export" in p1.stderr and len(ko1) == 2 and
           all("_since" not in e["query"] for e in ko1),
           "run 1: no state blob -> a notice and a full export (no _since)")
    old = set(n for n in ctx.st.list("cdminc", "data/"))
    # New resources, updated after run 1's transactionTime.
    src = [json.loads(ln) for ln in open(os.path.join(data, "Patient.ndjson"), "rb")
           if ln.strip()]
    new = []
    for res in src[:2]:
        res = dict(res, id="inc-" + res["id"])
        res["meta"] = dict(res.get("meta") or {}, lastUpdated="2024-05-15T10:00:00Z")
        new.append(json.dumps(res, ensure_ascii=False))
    with open(os.path.join(data, "Patient.new.ndjson"), "w", encoding="utf-8") as f:
        f.write("\n".join(new) + "\n")
    os.utime(os.path.join(data, "Patient.new.ndjson"), (OLD, OLD))

    p2, ko2 = both("inc-run2", T2, "inc-2")
    expect(len(ko2) == 2 and all(e["query"].get("_since") == [T] for e in ko2),
           f"run 2: _since = run 1's transactionTime from the state blob "
           f"({[e['query'].get('_since') for e in ko2]})")
    got = blobs_of(ctx, "cdminc")
    same(files_of(local), got, "incremental: container after two runs")
    parts = set(n for n in got if n.startswith("data/"))
    model = json.loads(got.get("model.json", b"{}"))
    locs = {p["location"] for e in model.get("entities", []) for p in e.get("partitions", [])}
    added = parts - old
    expect(old and added and old <= locs and added <= locs and
           all(n.endswith("-inc-2.csv") for n in added),
           f"run 2: model.json lists run 1's {len(old)} and run 2's {len(added)} partitions")
    expect(json.loads(got.get(STATE, b"{}")).get("transactionTime") == T2,
           "run 2: the state blob advanced to run 2's transactionTime")
    check_tmpdir(ctx, "incremental")


def step_failures(ctx):
    samples = copy_data(os.path.join(ROOT, "samples", "ndjson"), ctx.path("fail-data"))
    # A published container to keep: a first successful run.
    round_trip(ctx, "fail-base", samples, "cdmfail", "", "base-op")
    before = blobs_of(ctx, "cdmfail")

    with Server(ctx.path("failjob-srv"), samples, "--fail-job") as srv:
        p = run_export(ctx, srv, ctx.url("cdmfail"), "failed-op", ["--quiet"],
                       what="--fail-job")
    expect(p.returncode == 3, f"--fail-job: exit 3 (got {p.returncode})")
    after = blobs_of(ctx, "cdmfail")
    same(before, after, "--fail-job: container unchanged (list + download before and after)")

    # An upload failing midway: every PUT of a Patient partition gets 500 (retried by the blob
    # client, then given up).  Partitions are uploaded in entity order, so LocalAllergy... to
    # LocalObservation... are uploaded before the first LocalPatient... one fails.
    faults = rb.Faults()
    faults.set([("PUT", "partition-data-Patient-", "500", 1000, None)])
    proxy = rb.make_proxy(ctx.port, faults)
    try:
        with Server(ctx.path("upfail-srv"), samples, "--transaction-time", T2) as srv:
            p = run_export(ctx, srv, ctx.url("cdmfail", port=proxy.server_address[1]),
                           "upfail-op", ["--quiet"], what="upload fails midway")
    finally:
        proxy.shutdown()
        proxy.server_close()
    hit = [x for x in faults.log if x[3] == "500"]
    expect(p.returncode == 3 and hit and "not listed" in p.stderr,
           f"upload failure: exit 3 with a message ({p.returncode}, {len(hit)} refused PUTs)")
    after = blobs_of(ctx, "cdmfail")
    expect(after.get("model.json") == before.get("model.json") and
           after.get(STATE) == before.get(STATE),
           "upload failure: model.json and the state blob unchanged")
    added = set(after) - set(before)
    model = json.loads(after.get("model.json", b"{}"))
    locs = {p["location"] for e in model.get("entities", []) for p in e.get("partitions", [])}
    expect(added and all(n.startswith("data/") and n.endswith("-upfail-op.csv") for n in added) and
           not (added & locs) and all(after[k] == v for k, v in before.items()),
           f"upload failure: only this run's partitions were added ({len(added)}), none listed "
           "in model.json, every earlier blob unchanged")
    check_tmpdir(ctx, "upload failure")

    # The same export again, storage healthy: replaces them and lists them.
    local = ctx.path("upfail-local")
    shutil.copytree(_local_copy(ctx, before), local)
    with Server(ctx.path("rerun-srv"), samples, "--transaction-time", T2) as srv:
        p = run_export(ctx, srv, ctx.url("cdmfail"), "upfail-op", ["--quiet"],
                       what="re-run after the upload failure")
        pl = run_export(ctx, srv, local, "upfail-op", ["--quiet"], what="re-run (local)")
    expect(p.returncode == 0 and pl.returncode == 0, f"re-run: exit 0 ({p.returncode})")
    same(files_of(local), blobs_of(ctx, "cdmfail"),
         "re-run: the container equals a local folder given the same runs")

    # Storage unreachable: exit 3 before anything; a blob address with a query: exit 2.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    with Server(ctx.path("dead-srv"), samples, "--transaction-time", T2) as srv:
        p = run_export(ctx, srv, ctx.url("cdmfail", port=dead), "dead-op",
                       ["--quiet", "--since", "last"], what="storage unreachable")
        expect(p.returncode == 3, f"storage unreachable: exit 3 (got {p.returncode})")
        p = run_export(ctx, srv, ctx.url("cdmfail") + "?sv=1&sig=x", "q-op", ["--quiet"],
                       what="address with a query")
        expect(p.returncode == 2 and "sig=x" not in p.stderr,
               f"blob address with a query: exit 2, the query not echoed (got {p.returncode})")
        expect(not [e for e in srv.log() if e["path"].endswith("$export")],
               "neither run kicked off an export")


def step_parquet(ctx):
    """--format parquet to a blob output (issue 17): the container equals a local-folder export
    of the same job (the .parquet partitions, the entity documents, the manifest, the state), the
    manifest lists exactly the partitions; a CSV export into it, and a Parquet one into a CSV
    container, are refused with exit 2 before the kick-off and change nothing."""
    samples = copy_data(os.path.join(ROOT, "samples", "ndjson"), ctx.path("pq-data"))
    round_trip(ctx, "parquet", samples, "cdmpq", "pq/run", "pq-op", args=["--format", "parquet"])
    got = blobs_of(ctx, "cdmpq", "pq/run/")
    parts = sorted(n for n in got if n.startswith("data/"))
    man = json.loads(got.get("model.manifest.cdm.json", b"{}"))
    listed = sorted(p["location"] for e in man.get("entities", [])
                    for p in e.get("dataPartitions", []))
    expect(parts and listed == parts and all(n.endswith(".parquet") for n in parts) and
           "model.json" not in got and
           all(got[n][:4] == b"PAR1" and got[n][-4:] == b"PAR1" for n in parts),
           f"parquet: the manifest lists exactly the {len(parts)} .parquet blobs (PAR1 ... PAR1)"
           ", no model.json")
    ctx.mkcontainer("cdmcsv")
    with Server(ctx.path("pq-mismatch-srv"), samples, "--transaction-time", T) as srv:
        p = run_export(ctx, srv, ctx.url("cdmcsv"), "csv-op", ["--quiet"], what="CSV base")
        expect(p.returncode == 0, f"a CSV export into cdmcsv exits 0 ({p.returncode})")
        cases = ((ctx.url("cdmpq", "pq/run"), [], "cdmpq", ["Parquet", "--format parquet"]),
                 (ctx.url("cdmcsv"), ["--format", "parquet"], "cdmcsv", ["CSV", "model.json"]))
        for url, args, container, words in cases:
            before = blobs_of(ctx, container)
            n0 = len([e for e in srv.log() if e["path"].endswith("$export")])
            p = run_export(ctx, srv, url, "x-op", ["--quiet"] + args, what="format mismatch")
            n1 = len([e for e in srv.log() if e["path"].endswith("$export")])
            expect(p.returncode == 2 and n1 == n0 and all(w in p.stderr for w in words),
                   f"{url} {args}: exit 2 before the kick-off, the message says {words} "
                   f"(exit {p.returncode})")
            same(before, blobs_of(ctx, container), f"{container}: unchanged by the refused run")
    check_tmpdir(ctx, "parquet")


def _local_copy(ctx, blobs):
    """A local folder holding exactly the given blobs (the container's state as a folder)."""
    d = ctx.path("as-folder")
    for name, data in blobs.items():
        p = os.path.join(d, *name.split("/"))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transform", required=True)
    ap.add_argument("--blob-tool", required=True)
    ap.add_argument("--install", required=True)
    ap.add_argument("--npm-prefix", required=True)
    ap.add_argument("--shared", default="")
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rb.skip = loud_skip  # Azurite's skips (node/npm missing, install failed) are loud here
    with rb.Azurite(a.install, a.npm_prefix, os.path.join(a.work, "azurite")) as az:
        ctx = Ctx(a, az.port)
        step_full(ctx)
        step_incremental(ctx)
        step_failures(ctx)
        step_parquet(ctx)
    return f2ctest.report(failures, "all export.blob checks passed")


if __name__ == "__main__":
    sys.exit(main())
