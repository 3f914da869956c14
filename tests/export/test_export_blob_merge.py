#!/usr/bin/env python3
"""`fhir2cdm-transform export --output <blob URL> --since last --mode merge` against Azurite and
bulk_server.py's scripted history (CTest export.blob.merge; docs/export.md, "Incremental runs").

Why: a blob output in merge mode is merged through a sparse local mirror of the container's
folder (transformer/tx_mirror.h) by the same merge code as a local folder, then published with
the record as the commit point.  So the oracle is a local-folder export given the same server
jobs with the same operation ids: after every round the container must hold exactly the local
folder's files, byte for byte (partitions, resource indexes, model.json or the CDM manifest and
its entity documents, the state).  export.merge checks the local folder itself against full runs
over the server's state; the rows are checked here once more for CSV (the same oracle).

Steps:
  rounds     the four states of test_export_merge's history (changes that add and remove array
             items, new resources, deletions, a resource deleted and created again), CSV into
             container `mcsv` folder `m/one`, Parquet into `mpq`: after each round every blob ==
             the local folder's file; the state blob names the round's transactionTime and
             operation id; TMPDIR left empty (the mirror removed).  CSV: rows per entity == a full
             merge run over the state.  The CDM object model (../shared/cdm-sdk/check.js) reads
             the downloaded folder after every round (skipped loudly when absent).
  cost       round 4 (an Encounter and an AllergyIntolerance change) goes through a logging proxy:
             every blob read in full (a GET without a range) belongs to an entity of Encounter or
             AllergyIntolerance or is its resource index; every other partition is read only for
             its header (ranged GETs); nothing is uploaded for untouched entities.
  crash      round 3 killed (SIGKILL) after its first upload (FHIR2CDM_FAULT=upload:1) and with
             every upload done before the record (mirror-record): the record, the state blob and
             every blob are round 2's; run again it equals the local folder.  Round 4 killed
             right after the record's Put (mirror-cleanup): the folder is round 4's (rows ==
             the oracle) and the state still round 3's; run again (the same window), exit 0,
             the state advances, rows == the oracle, and the only unlisted partitions are the
             ones the killed run did not delete.
  same-opid  round 4's window (--since round 3's transactionTime) again with round 4's operation
             id: the new partitions take the other slot of their names, no blob is written over,
             and the container still equals the local folder given the same runs.
  hostile    a record edited to name a partition and an index outside the folder: each is
             refused with a warning and left out, exit 1, nothing is created outside the mirror,
             no blob is written over.

Azurite comes from tests/blob (install.sh, run_blob_tests.Azurite and its proxy); skips (77) with
a loud message only when node/npm are missing or the install fails.  Only 127.0.0.1 is contacted.
Exit 0 pass, 1 fail.
"""
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "blob"))
sys.path.insert(0, os.path.join(ROOT, "tests", "batch"))
sys.path.insert(0, os.path.join(ROOT, "tests", "pylib"))
from exporttest import Server, expect, failures  # noqa: E402
import f2ctest  # noqa: E402  (banner, report)
import run_blob_tests as rb  # noqa: E402  (Azurite, development account, logging proxy)
from run_batch_tests import Store  # noqa: E402  (the test's own Blob REST access)
import test_export_merge as tm  # noqa: E402  (the history, the row oracle)
import test_export_blob as tb  # noqa: E402  (its context, blob listings, comparisons)
from test_export_blob import blobs_of, files_of, same  # noqa: E402

STATE = tb.STATE
TOUCHED4 = ("LocalEncounter", "LocalAllergyIntolerance")  # state 3's changes (tm.state3)


def loud_skip(why):
    f2ctest.banner("SKIP export.blob.merge: " + why)
    sys.exit(77)


class Ctx(tb.Ctx):
    """export.blob's context (Azurite, the environment, the store) with what the row oracle of
    test_export_merge needs (the samples and the configuration)."""

    def __init__(self, a, port):
        super().__init__(a, port)
        self.samples = os.path.join(ROOT, "samples", "ndjson")
        self.config = os.path.join(ROOT, "samples", "config")


def run(ctx, srv, output, opid, fmt, what, env=None, since="last"):
    cmd = [ctx.bin, "export", "--fhir-url", srv.base, "--config", ctx.config, "--output", output,
           "--since", since, "--mode", "merge", "--operation-id", opid, "--format", fmt]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env or ctx.env, timeout=600)
    print(f"--- {what}: exit {p.returncode} after {time.monotonic() - t0:.1f}s\n    "
          + " ".join(cmd), flush=True)
    for ln in (p.stdout + p.stderr).strip().splitlines()[-6:]:
        print("      | " + ln)
    expect(rb.KEY not in p.stdout + p.stderr, f"{what}: the account key is not printed")
    return p


def cdm_check(ctx, folder, record, what):
    check = os.path.join(ctx.a.shared, "cdm-sdk", "check.js") if ctx.a.shared else ""
    if not check or not os.path.isfile(check):
        f2ctest.banner(f"SKIP (part): {check or '../shared/cdm-sdk/check.js'} is absent; the CDM "
                       f"object model did not read {what}")
        return
    p = subprocess.run(["node", check, folder, record], capture_output=True, text=True,
                       timeout=300)
    expect(p.returncode == 0, f"{what}: the CDM object model reads {record} (exit "
           f"{p.returncode}) {p.stdout[-300:]}{p.stderr[-300:]}")


class Series:
    """One format's rounds: the container (under a folder prefix) and the local folder."""

    def __init__(self, ctx, hist, fmt, container):
        self.ctx, self.hist, self.fmt, self.container = ctx, hist, fmt, container
        self.prefix = "m/one/"
        self.local = os.path.join(ctx.path(f"{fmt}-local"), "cdm")
        self.record = "model.json" if fmt == "csv" else "model.manifest.cdm.json"
        rb.tool(ctx.a.blob_tool, ctx.port, ["mkcontainer", container])
        failures.extend(rb.failures)
        rb.failures.clear()

    def blobs(self):
        return blobs_of(self.ctx, self.container, self.prefix)

    def round(self, k, opid, port=None, local=True, env=None, what=None, since="last"):
        what = what or f"{self.fmt} round {k + 1}"
        ctx = self.ctx
        with Server(ctx.path(f"{self.fmt}-srv{k}"), None, "--history", self.hist, "--state",
                    str(k)) as srv:
            pb = run(ctx, srv, ctx.url(self.container, self.prefix.rstrip("/"), port), opid,
                     self.fmt, what + " (blob)", env, since)
            pl = run(ctx, srv, self.local, opid, self.fmt, what + " (local)", None,
                     since) if local else None
        return pb, pl

    def check(self, k, opid, pb, pl, what):
        ctx = self.ctx
        expect(pb.returncode == 0 and pl.returncode == 0,
               f"{what}: both exports exit 0 (blob {pb.returncode}, local {pl.returncode})" +
               ("" if pb.returncode == 0 else "\n" + pb.stderr[-2500:]))
        # the container's index (directories and segments) is read as committed: never rebuilt
        expect("rebuilding" not in pb.stderr + pl.stderr,
               f"{what}: no resource index rebuilt\n" + (pb.stderr + pl.stderr)[-1500:])
        got = self.blobs()
        same(files_of(self.local), got, f"{what}: {self.container}/{self.prefix}")
        expect(json.loads(got.get(STATE, b"{}")) == {"transactionTime": tm.TT[k],
                                                     "operationId": opid},
               f"{what}: the state blob names {tm.TT[k]} and {opid}")
        left = os.listdir(ctx.env["TMPDIR"])
        expect(not left, f"{what}: nothing left in TMPDIR ({left[:5]})")
        folder = tb._local_copy(ctx, got)
        if self.fmt == "csv":
            tm.same_rows(ctx, self.hist, k, folder, what)
        cdm_check(ctx, folder, self.record, what)
        return got


def step_rounds(ctx, hist, fmt, container):
    s = Series(ctx, hist, fmt, container)
    for k in range(3):
        pb, pl = s.round(k, f"m{k + 1}")
        s.check(k, f"m{k + 1}", pb, pl, f"{fmt} round {k + 1}")
    return s


def step_cost(s):
    """Round 4 through a logging proxy: full reads only of the touched entities' blobs."""
    before = s.blobs()
    faults = rb.Faults()
    faults.set([])
    proxy = rb.make_proxy(s.ctx.port, faults)
    try:
        pb, pl = s.round(3, "m4", port=proxy.server_address[1])
    finally:
        proxy.shutdown()
        proxy.server_close()
    after = s.check(3, "m4", pb, pl, f"{s.fmt} round 4")
    gets = [x for x in faults.log if x[1] == "GET" and f"/{s.prefix}" in x[2]]
    full = sorted({x[2].split(s.prefix, 1)[1].split("?")[0] for x in gets if not x[4]})
    data_full = [n for n in full if n.startswith(("data/", "fhir2cdm-index/"))]
    stray = [n for n in data_full if not n.split("/")[1].startswith(TOUCHED4)]
    expect(data_full and not stray,
           f"{s.fmt} round 4: the {len(data_full)} blobs read in full are partitions and indexes "
           f"of {TOUCHED4} only" + (f"; also {stray[:5]}" if stray else ""))
    heads = [x for x in gets if x[4] and "/data/" in x[2]]
    expect(heads, f"{s.fmt} round 4: the other partitions were read for their headers only "
           f"({len(heads)} ranged GETs)")
    puts = sorted({x[2].split(s.prefix, 1)[1].split("?")[0] for x in faults.log
                   if x[1] == "PUT" and "/data/" in x[2]})
    stray = [n for n in puts if not n.split("/")[1].startswith(TOUCHED4)]
    expect(puts and not stray, f"{s.fmt} round 4: {len(puts)} partition blobs uploaded, all of "
           f"{TOUCHED4}" + (f"; also {stray[:5]}" if stray else ""))
    kept = [n for n in before if n.startswith("data/") and
            not n.split("/")[1].startswith(TOUCHED4)]
    expect(kept and all(after.get(n) == before[n] for n in kept),
           f"{s.fmt} round 4: the {len(kept)} partitions of untouched entities are as they were")
    return after


def step_crash(ctx, hist):
    """Round 3 killed after its first upload, then run again."""
    s = Series(ctx, hist, "csv", "mcrash")
    for k in range(2):
        pb, pl = s.round(k, f"c{k + 1}")
        s.check(k, f"c{k + 1}", pb, pl, f"crash series round {k + 1}")
    before = s.blobs()
    env = dict(ctx.env, FHIR2CDM_FAULT="upload:1")
    pb, _ = s.round(2, "c3", local=False, env=env, what="round 3 killed after one upload")
    after = s.blobs()
    expect(pb.returncode == -9, f"killed round: died by SIGKILL (exit {pb.returncode})")
    expect(after.get("model.json") == before.get("model.json") and
           after.get(STATE) == before.get(STATE),
           "killed round: model.json and the state blob are round 2's")
    expect(all(after.get(n) == v for n, v in before.items()),
           "killed round: every blob of round 2 is unchanged")
    expect(len(after) == len(before) + 1,
           f"killed round: one unlisted blob was added ({len(after) - len(before)})")
    shutil.rmtree(ctx.env["TMPDIR"])  # the killed run could not remove its mirror
    os.makedirs(ctx.env["TMPDIR"])
    # Killed with every upload done and the record not yet put: still round 2's folder.
    env = dict(ctx.env, FHIR2CDM_FAULT="mirror-record")
    pb, _ = s.round(2, "c3", local=False, env=env, what="round 3 killed before the record")
    after = s.blobs()
    expect(pb.returncode == -9 and after.get("model.json") == before.get("model.json") and
           after.get(STATE) == before.get(STATE) and
           all(after.get(n) == v for n, v in before.items()),
           f"killed before the record (exit {pb.returncode}): model.json, the state and every "
           "blob of round 2 unchanged")
    shutil.rmtree(ctx.env["TMPDIR"])
    os.makedirs(ctx.env["TMPDIR"])
    pb, pl = s.round(2, "c3", what="round 3 run again")
    s.check(2, "c3", pb, pl, "round 3 run again")
    # Round 4 killed right after its record's Put: readers see round 4's folder; the state still
    # says round 3, so the next run asks for round 4's window again and merges it again.
    before = s.blobs()
    env = dict(ctx.env, FHIR2CDM_FAULT="mirror-cleanup")
    pb, _ = s.round(3, "c4", local=False, env=env, what="round 4 killed after the record")
    after = s.blobs()
    folder = tb._local_copy(ctx, after)
    expect(pb.returncode == -9 and after.get("model.json") != before.get("model.json") and
           after.get(STATE) == before.get(STATE),
           f"killed after the record (exit {pb.returncode}): a new model.json, the state still "
           "round 3's")
    tm.same_rows(ctx, hist, 3, folder, "killed after the record: the committed folder")
    shutil.rmtree(ctx.env["TMPDIR"])
    os.makedirs(ctx.env["TMPDIR"])
    pb, _ = s.round(3, "c4", local=False, what="round 4 run again after the kill")
    got = s.blobs()
    expect(pb.returncode == 0 and json.loads(got.get(STATE, b"{}")).get("transactionTime") ==
           tm.TT[3], f"round 4 run again: exit {pb.returncode}, the state advanced")
    tm.same_rows(ctx, hist, 3, tb._local_copy(ctx, got), "round 4 run again")
    doc = json.loads(got["model.json"])
    listed = {p["location"] for e in doc["entities"] for p in e.get("partitions", [])}
    stale = [n for n in got if n.startswith("data/") and n not in listed]
    expect(all(n in before for n in stale),
           f"round 4 run again: the only unlisted partitions are the {len(stale)} the killed run "
           f"left undeleted ({[n for n in stale if n not in before][:3]})")


def step_same_opid(ctx, s):
    """Round 4's window again with round 4's operation id: the local commit puts the new
    partitions in the other slot of their (stem, operation id) pair (f2c_cdm_partition_name), so
    no committed blob is written over."""
    before = s.blobs()
    pb, pl = s.round(3, "m4", since=tm.TT[2], what="round 4's window again with its operation id")
    after = s.check(3, "m4", pb, pl, "round 4 again")
    changed = [n for n in before if n in after and after[n] != before[n] and
               n not in (STATE, s.record)]
    expect(not changed, f"round 4 again: no blob but the record and the state was written over "
           f"({changed[:5]})")
    expect(any(n.endswith(".b.csv") for n in set(after) - set(before)),
           "round 4 again: its partitions went to the other slot (.b.csv)")


def step_hostile(ctx, hist, s):
    """A record edited to name locations outside the folder (a partition "data/../../..", an
    index "fhir2cdm-index/../..."): the mirror creates nothing outside its folder, nothing is
    written over in the container, and the run says what it refused."""
    ctx.mkcontainer("mhostile")
    src = s.blobs()
    doc = json.loads(src["model.json"])
    outside = os.path.join(ctx.tmp, "outside")
    ent = doc["entities"][0]
    ent["partitions"][0]["location"] = "data/../../.." + outside + "/evil.csv"
    for a in ent.get("annotations", []):
        if a.get("name") == "fhir2cdm:index":
            a["value"] = "fhir2cdm-index/../../.." + outside + "/evil.idx"
    src["model.json"] = json.dumps(doc).encode()
    for n, data in src.items():
        ctx.st.put("mhostile", s.prefix + n, data)
    with Server(ctx.path("hostile-srv"), None, "--history", s.hist, "--state", "3") as srv:
        p = run(ctx, srv, ctx.url("mhostile", s.prefix.rstrip("/")), "h4", "csv",
                "a record naming locations outside the folder", since=tm.TT[2])
    expect(p.returncode == 1 and p.stderr.count("not a location inside the folder") == 2 and
           not os.path.exists(outside),
           f"hostile record: both locations refused with a warning, exit 1 (got "
           f"{p.returncode}), nothing created outside the mirror ({os.path.exists(outside)})")
    after = blobs_of(ctx, "mhostile", s.prefix)
    over = [n for n, v in src.items() if n in after and after[n] != v and
            n not in (STATE, "model.json")]
    expect(not over, f"hostile record: no blob was written over ({over[:4]})")
    left = os.listdir(ctx.env["TMPDIR"])
    expect(not left, f"hostile record: nothing left in TMPDIR ({left[:5]})")


def main():
    a = rb.azurite_test_args()
    rb.skip = loud_skip
    f2ctest.banner("export.blob.merge")
    with rb.Azurite(a.install, a.npm_prefix, os.path.join(a.work, "azurite")) as az:
        ctx = Ctx(a, az.port)
        try:
            hist = tm.write_history(ctx)
            for fmt, container in (("csv", "mcsv"), ("parquet", "mpq")):
                s = step_rounds(ctx, hist, fmt, container)
                step_cost(s)
                if fmt == "csv":
                    step_same_opid(ctx, s)
                    step_hostile(ctx, hist, s)
            step_crash(ctx, hist)
        except Exception:
            import traceback
            traceback.print_exc()
            failures.append("exception (above)")
    return f2ctest.report(failures, "all export.blob.merge checks passed")


if __name__ == "__main__":
    sys.exit(main())
