#!/usr/bin/env python3
"""The Batch pipeline in merge mode on Azurite (CTest batch.merge; docs/azure.md section 5,
"Merge mode"): bulk-export -> transform-data per fileIndex -> finalize, with --mode merge,
against bulk_server.py's four-state history (tests/export/test_export_merge.py's: changes that
add and remove array items, new resources, deletion files, a resource deleted and created again
in one window), each round exporting the changes since the previous round's transactionTime.

Why: finalize merges the task inputs and the export's deletion files into the container through
the mirror (tx_batch_merge.c, tx_mirror.c).  The oracle is the one export.merge uses, written by
nobody's merge: a full local `--mode merge` run over the server's state; after every round the
rows per entity the container's model.json lists must equal it.

Checks, each round: generate-schema --mode merge exits 0 and leaves model.json as it was;
every transform-data --mode merge exits 0 and keeps its input in the task area; finalize exits
0; rows == the oracle; fhir2cdm-state.json holds the round's transactionTime; the task area of
the round is empty afterwards (records and input copies consumed); the CDM object model reads
the folder (../shared/cdm-sdk; skipped loudly when absent).  Round 4 (an Encounter and an
AllergyIntolerance change): every partition blob of another entity keeps its name and bytes.
Also: finalize in append mode over merge task records -> exit 2, nothing changed; finalize
killed (SIGKILL, FHIR2CDM_FAULT=upload:1) after its first upload -> model.json, the state and
every committed blob unchanged, the task records still there; finalize again -> rows == the
oracle; --mode bogus -> exit 2; activity.json's "mode" is read.

Azurite from tests/blob (as batch.azurite); skips (77) only when node/npm are missing or the
install fails.  Only 127.0.0.1 is contacted.  Exit 0 pass, 1 fail.
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "export"))
import run_batch_tests as bt  # noqa: E402  (Azurite, Store, run; shares failures)
from exporttest import Server  # noqa: E402
import test_export_merge as tm  # noqa: E402  (the history, the row oracle)

rb, f2ctest = bt.rb, bt.f2ctest
expect, failures = bt.expect, bt.failures
TOKEN = "merge-token-5d1c2a9e"  # the FHIR server's bearer token: never printed
CDM = "cdmmerge"
TOUCHED4 = ("LocalEncounter", "LocalAllergyIntolerance")


def skip(why):
    print(f"SKIP batch.merge: {why}", flush=True)
    sys.exit(77)


class Ctx:
    def __init__(self, a, port):
        self.a, self.port = a, port
        self.st = bt.Store(port)
        self.bin = a.transform
        self.tmp = a.work
        self.n = 0
        env = {k: v for k, v in os.environ.items() if not k.startswith("FHIR2CDM_")}
        env.update(FHIR2CDM_STORAGE_ENDPOINT=f"http://127.0.0.1:{port}/{rb.ACCOUNT}",
                   FHIR2CDM_STORAGE_KEY=rb.KEY, FHIR2CDM_FHIR_TOKEN=TOKEN,
                   TMPDIR=os.path.join(a.work, "tmp"))
        os.makedirs(env["TMPDIR"], exist_ok=True)
        self.env = env
        self.samples = os.path.join(ROOT, "samples", "ndjson")
        self.config = os.path.join(ROOT, "samples", "config")
        self.seen = []

    def path(self, name):
        self.n += 1
        return os.path.join(self.tmp, f"{self.n:02d}-{name}")

    def mkcontainer(self, name):
        rb.tool(self.a.blob_tool, self.port, ["mkcontainer", name])
        failures.extend(rb.failures)
        rb.failures.clear()

    def run(self, sub, opid, args, env=None, expect_ok=True, what=None, cwd=None):
        cmd = [self.bin, sub, "--adlsAccount", rb.ACCOUNT, "--cdmFileSystem", CDM,
               "--operationId", opid] + ([] if sub == "bulk-export" else
                                         ["--configurationContainer", "config"]) + list(args)
        r = bt.run(cmd, env or self.env, cwd=cwd, expect_ok=expect_ok, what=what or
                   f"{sub} {opid}")
        self.seen += [r.stdout, r.stderr]
        return r


def blobs(ctx, prefix=""):
    return {n: ctx.st.get(CDM, n) for n in ctx.st.list(CDM, prefix)}


def as_folder(ctx, got, name):
    d = ctx.path(name)
    for n, data in got.items():
        if n.startswith(".fhir2cdm/"):
            continue
        p = os.path.join(d, *n.split("/"))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    return d


def cdm_check(ctx, folder, what):
    check = os.path.join(ctx.a.shared, "cdm-sdk", "check.js") if ctx.a.shared else ""
    if not check or not os.path.isfile(check):
        f2ctest.banner(f"SKIP (part): {check or '../shared/cdm-sdk/check.js'} is absent; the CDM "
                       f"object model did not read {what}")
        return
    p = subprocess.run(["node", check, folder, "model.json"], capture_output=True, text=True,
                       timeout=300)
    expect(p.returncode == 0, f"{what}: the CDM object model reads model.json (exit "
           f"{p.returncode}) {p.stderr[-300:]}")


def export_round(ctx, hist, k, opid, then):
    """bulk-export of state k (since the previous round), one transform-data per file, then
    then(manifest blob name) while the server still serves the deletion files."""
    since = [] if k == 0 else ["--since", tm.TT[k - 1]]
    with Server(ctx.path(f"srv{k}"), None, "--history", hist, "--state", str(k),
                "--require-token", TOKEN) as srv:
        cwd = ctx.path(f"bulk-export{k}")
        os.makedirs(cwd)
        r = ctx.run("bulk-export", opid, ["--fhirUrl", srv.base] + since, cwd=cwd)
        out = json.load(open(os.path.join(cwd, "outputs.json"))) if r.returncode == 0 else {}
        man = out.get("manifest", "")
        before = ctx.st.get(CDM, "model.json") if k else None
        ctx.run("generate-schema", opid, ["--mode", "merge"], what=f"generate-schema {opid}")
        if k:
            expect(ctx.st.get(CDM, "model.json") == before,
                   f"round {k + 1}: generate-schema --mode merge leaves model.json as it was")
        for i in range(out.get("fileCount", 0)):
            ctx.run("transform-data", opid, ["--mode", "merge", "--exportManifest", man,
                                             "--fileIndex", str(i), "--fhirUrl", srv.base],
                    what=f"transform-data {opid} fileIndex {i}")
        tasks = ctx.st.list(CDM, f".fhir2cdm/tasks/{opid}/")
        expect(len([n for n in tasks if n.endswith(".input")]) == out.get("fileCount", -1),
               f"round {k + 1}: each of the {out.get('fileCount')} tasks kept its input "
               f"({len(tasks)} task-area blobs)")
        return then(man)


def check_round(ctx, hist, k, opid, what):
    got = blobs(ctx)
    folder = as_folder(ctx, got, f"as-folder{k}")
    tm.same_rows(ctx, hist, k, folder, what)
    state = json.loads(got.get(bt.STATE_BLOB, b"{}"))
    expect(state == {"transactionTime": tm.TT[k], "operationId": opid},
           f"{what}: the state blob holds {tm.TT[k]} and {opid} ({state})")
    left = [n for n in got if n.startswith(f".fhir2cdm/tasks/{opid}/")]
    expect(not left, f"{what}: the task area is empty after the commit ({left[:4]})")
    cdm_check(ctx, folder, what)
    return got


def finalize(ctx, opid, man, env=None, expect_ok=True, what=None, extra=()):
    r = ctx.run("finalize", opid, ["--mode", "merge", "--exportManifest", man] + list(extra),
                env=env, expect_ok=expect_ok, what=what or f"finalize {opid}")
    # the container's index (directories and segments) is read as committed: never rebuilt
    expect(r.returncode != 0 or "rebuilding" not in r.stderr,
           f"{what or 'finalize ' + opid}: no resource index rebuilt\n{r.stderr[-1500:]}")
    return r


def rounds(ctx, hist):
    got = {}
    for k in range(4):
        opid = f"bm{k + 1}"
        before = got
        if k == 2:
            got = export_round(ctx, hist, k, opid, lambda man: crash_round(ctx, hist, opid, man))
            continue
        export_round(ctx, hist, k, opid, lambda man: finalize(ctx, opid, man))
        got = check_round(ctx, hist, k, opid, f"round {k + 1}")
        if k == 3:
            kept = [n for n in before if n.startswith("data/") and
                    not n.split("/")[1].startswith(TOUCHED4)]
            expect(kept and all(got.get(n) == before[n] for n in kept),
                   f"round 4: the {len(kept)} partitions of untouched entities keep their names "
                   "and bytes")
            new = [n for n in set(got) - set(before) if n.startswith("data/")]
            expect(new and all(n.split("/")[1].startswith(TOUCHED4) for n in new),
                   f"round 4: the {len(new)} new partitions are all of {TOUCHED4}")


def crash_round(ctx, hist, opid, man):
    """Round 3: finalize in append mode (refused), then killed after one upload, then again."""
    snap = blobs(ctx)
    r = ctx.run("finalize", opid, ["--exportManifest", man], expect_ok=False,
                what="finalize in append mode over merge task records")
    expect(r.returncode == 2 and "--mode merge" in r.stderr,
           f"append finalize over merge records: exit 2 naming --mode merge ({r.returncode})")
    expect(blobs(ctx) == snap, "append finalize over merge records: nothing changed")
    r = finalize(ctx, opid, man, env=dict(ctx.env, FHIR2CDM_FAULT="upload:1"), expect_ok=False,
                 what="finalize killed after its first upload")
    after = blobs(ctx)
    expect(r.returncode == -9, f"killed finalize: died by SIGKILL ({r.returncode})")
    expect(after.get("model.json") == snap.get("model.json") and
           after.get(bt.STATE_BLOB) == snap.get(bt.STATE_BLOB),
           "killed finalize: model.json and the state are round 2's")
    expect(all(after.get(n) == v for n, v in snap.items()),
           "killed finalize: every blob of round 2 (task records included) is unchanged")
    for d in os.listdir(ctx.env["TMPDIR"]):  # the killed process could not clean up
        shutil.rmtree(os.path.join(ctx.env["TMPDIR"], d))
    # Again, through a Custom activity file whose "mode" says merge.
    folder = ctx.path("finalize-activity")
    os.makedirs(folder)
    with open(os.path.join(folder, "activity.json"), "w") as f:
        json.dump({"typeProperties": {"extendedProperties": {
            "adlsAccount": rb.ACCOUNT, "cdmFileSystem": CDM, "configurationContainer": "config",
            "operationId": opid, "exportManifest": man, "mode": "merge"}}}, f)
    bt.run([ctx.bin, "finalize", "--adf-activity", "activity.json"], ctx.env, cwd=folder,
           what="finalize again (activity.json mode merge)")
    return check_round(ctx, hist, 2, opid, "round 3 after the killed finalize")


def usage(ctx):
    r = ctx.run("transform-data", "bmx", ["--mode", "bogus", "--inputBlobUri",
                                          ctx.st.base + "/in/x.ndjson"], expect_ok=False,
                what="--mode bogus")
    expect(r.returncode == 2 and "--mode" in r.stderr, f"--mode bogus: exit 2 ({r.returncode})")


def main():
    a = rb.azurite_test_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    rb.skip = skip
    f2ctest.banner("batch.merge")
    with rb.Azurite(a.install, a.npm_prefix, os.path.join(a.work, "azurite")) as az:
        ctx = Ctx(a, az.port)
        try:
            for c in ("config", CDM):
                ctx.mkcontainer(c)
            for dp, _, fs in os.walk(ctx.config):
                for f in sorted(fs):
                    if f.endswith(".json"):
                        rel = os.path.relpath(os.path.join(dp, f), ctx.config).replace(os.sep, "/")
                        ctx.st.put("config", rel, open(os.path.join(dp, f), "rb").read())
            hist = tm.write_history(ctx)
            rounds(ctx, hist)
            usage(ctx)
            leaked = [t for t in ctx.seen if TOKEN in t or rb.KEY in t]
            expect(not leaked, "no token or account key in any output")
        except Exception:
            import traceback
            traceback.print_exc()
            failures.append("exception (above)")
    return f2ctest.report(failures, "all batch.merge checks passed")


if __name__ == "__main__":
    sys.exit(main())
