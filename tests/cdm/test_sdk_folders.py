#!/usr/bin/env python3
"""test_sdk_folders: Microsoft's CDM object model (../shared/cdm-sdk/check.js, the reader behind
the CDM SDK, Data Factory / Synapse and the Spark CDM connector) reads every kind of folder the
binaries write (issue 22, item 6).  Other suites already run check.js on some kinds (crash.sdk:
table configuration, two operations, replacement slot, recovery, migration; cdm.manifest.sdk*:
Parquet table configuration; merge.oracle.*: merge mode over Synthea; views.corpus.*: our view
corpus; export.blob.merge and batch.merge: blob merge folders); this one writes the rest with
the real binaries and runs check.js on each, CSV (model.json) and Parquet
(model.manifest.cdm.json) alike.

  --part local (cdm.sdk.folders), samples/ndjson, samples/config, samples/views:
    config        one run, table configuration
    generated     tables and views written by `fhir2cdm generate-config --resources` (every
                  element of five resource types), one run each
    views         one run, samples/views (ViewDefinitions)
    two-ops       two runs (operation ids op1, op2, half of the input files each) appended into
                  one folder: the record lists partitions of both
    merge         --mode merge, then samples/merge/round-1 with its deletion file (checked after
                  each run), then `compact` (checked); and views in merge mode
    export        `export` from tests/export/bulk_server.py (exporttest.Server) into a local
                  folder: table configuration, views, --mode merge
  --part blob (cdm.sdk.folders.blob): Azurite (tests/blob's helpers); every folder is downloaded
    blob by blob into a local folder and read there:
    export        `export --output <blob URL>`: table configuration under a folder prefix, two
                  operations into it, views at the container root, Parquet tables and views
    batch         the Batch task mode (generate-schema, transform-data per file, finalize), table
                  configuration and views (configurationKind), CSV and Parquet; checked after
                  generate-schema too (entities, no partition)

Which test runs check.js on which kind of folder (C: CSV / model.json, P: Parquet / manifest):

  table configuration, one run          C crash.sdk, this; P cdm.manifest.sdk.transform, this
  generated tables and views            C P this
  views (samples/views)                 C P this (C views.corpus.* on our view corpus)
  two operations in one folder          C crash.sdk (also replacement slot, recovery,
                                        migration), this; P this
  merge mode (tables, views), compact   C P merge.oracle.* (Synthea), this; merge.rules (C, when
                                        ../shared is there)
  export into a local folder            C P this (append, views, merge)
  export into blob storage, downloaded  C P this (append, two operations, views C P);
                                        export.blob.merge (merge, C P)
  Batch task mode, downloaded           C P this (tables and views; generate-schema, finalize);
                                        batch.merge (C)

For each folder: check.js exits 0 ("0 problems"), the SDK names as many entities as the record
lists and exactly the partitions it lists (at least one, except right after generate-schema).

The oracle is shown to fail: check.js must exit 1 and name the problem on a copy of a written
folder with a partition location pointing nowhere, with an attribute of an unknown dataType
("integer"), and on a Parquet folder with a listed partition file removed.

Relative locations (docs/cdm-folder.md, "`location`: relative ..."): sdk_locations.js reports
where the SDK resolves each partition of the config folders under several working directories
and mounts, and the documented behaviour is asserted: a model.json location is resolved against
the process's working directory (LocalAdapter.createCorpusPath, path.resolve), so it is right
from inside the folder, lost with errors elsewhere, and silently wrong under another namespace
or a parent adapter root; a manifest's locations are resolved against the manifest's folder.

Skips (77) loudly when ../shared/cdm-sdk/check.js or node is absent; the blob part also when
Azurite cannot be installed (node/npm missing, offline).  Only 127.0.0.1 is contacted.
Usage: test_sdk_folders.py --transform BIN --root SRC --shared DIR --work DIR --part local
                           --fhir2cdm BIN
       test_sdk_folders.py ... --part blob --blob-tool BIN --install SH --npm-prefix DIR
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
for sub in ("pylib", "export", "blob", "batch", "pipeline"):
    sys.path.insert(0, os.path.join(ROOT, "tests", sub))
import f2ctest  # noqa: E402
from exporttest import Server, copy_ndjson  # noqa: E402  (bulk_server.py on a free loopback port)

MANIFEST = "model.manifest.cdm.json"
T = "2024-05-01T12:00:00Z"
T2 = "2024-06-01T08:30:00Z"
OLD = 1704067200  # mtime of the input copies (resources without lastUpdated)
GEN_TYPES = ["Patient", "Encounter", "Condition", "MedicationRequest", "Observation"]
F = f2ctest.Failures()


class Ctx:
    def __init__(self, a):
        self.a = a
        self.sdk = os.path.join(a.shared, "cdm-sdk")
        self.check = os.path.join(self.sdk, "check.js")
        self.work = a.work
        self.n = 0
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FHIR2CDM_")}
        self.config = os.path.join(a.root, "samples", "config")
        self.views = os.path.join(a.root, "samples", "views")
        self.samples = os.path.join(a.root, "samples", "ndjson")

    def path(self, name):
        self.n += 1
        return os.path.join(self.work, f"{self.n:02d}-{name}")

    def run(self, args, what, env=None, ok=(0,), cwd=None):
        t0 = time.monotonic()
        p = subprocess.run([self.a.transform] + args, capture_output=True, text=True,
                           env=env or self.env, timeout=300, cwd=cwd)
        good = p.returncode in ok
        print(f"{'run ' if good else 'FAIL'} {what}: exit {p.returncode} "
              f"({time.monotonic() - t0:.1f}s)", flush=True)
        if not good:
            F.fail(f"{what}: exit {p.returncode}\n  {' '.join(args)}\n{p.stderr[-2000:]}")
        return p


def copy_inputs(src, dst, names=None):
    return copy_ndjson(src, dst, OLD, names)


def record_of(folder, fmt):
    """(document name, entity count, listed partition locations) of a folder's record."""
    doc = MANIFEST if fmt == "parquet" else "model.json"
    with open(os.path.join(folder, doc), encoding="utf-8") as f:
        m = json.load(f)
    key = "dataPartitions" if fmt == "parquet" else "partitions"
    listed = sorted(p["location"] for e in m["entities"] for p in e.get(key) or [])
    return doc, len(m["entities"]), listed


def run_check(ctx, folder, doc):
    p = subprocess.run(["node", ctx.check, folder, doc], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    return p.returncode, p.stdout


def sdk_check(ctx, folder, fmt, what, want_partitions=True):
    """check.js on the folder's record: exit 0, 0 problems, the record's entities and exactly
    its partitions."""
    doc, n_ent, listed = record_of(folder, fmt)
    rc, out = run_check(ctx, folder, doc)
    last = (out.strip().splitlines() or [""])[-1]
    named = sorted(re.findall(r"^\s+partition (\S+) \[", out, re.M))
    m = re.search(r": (\d+) entities, (\d+) partitions, (\d+) problems$", last)
    ok = F.expect(rc == 0 and m is not None and m.group(3) == "0",
                  f"{what}: check.js reads {doc} with 0 problems (exit {rc}: {last})")
    if not ok:
        print(out[-3000:], flush=True)
    F.expect(m is not None and int(m.group(1)) == n_ent and n_ent > 0,
             f"{what}: the SDK loads the {n_ent} entities {doc} lists")
    F.expect(named == listed and (len(listed) > 0) == want_partitions,
             f"{what}: the SDK names exactly the {len(listed)} partitions {doc} lists "
             f"({len(named)} named)")
    return listed


# ---- negative cases: the oracle fails ------------------------------------------------------

def negatives(ctx, csv_folder, pq_folder):
    def broken(src, name, edit):
        d = ctx.path(name)
        shutil.copytree(src, d)
        edit(d)
        return d

    def edit_model(d, change):
        with open(os.path.join(d, "model.json"), encoding="utf-8") as f:
            m = json.load(f)
        change(m)
        with open(os.path.join(d, "model.json"), "w", encoding="utf-8") as f:
            json.dump(m, f)

    def nowhere(m):
        e = next(e for e in m["entities"] if e.get("partitions"))
        e["partitions"][0]["location"] = "data/Nowhere/partition-data-missing.csv"

    def integer(m):
        m["entities"][0]["attributes"][0]["dataType"] = "integer"

    def drop_parquet(d):
        _, _, listed = record_of(d, "parquet")
        os.remove(os.path.join(d, listed[0]))

    cases = (
        (broken(csv_folder, "neg-nowhere", lambda d: edit_model(d, nowhere)), "model.json",
         "partition file missing: data/Nowhere/partition-data-missing.csv",
         "a model.json partition location pointing nowhere"),
        (broken(csv_folder, "neg-integer", lambda d: edit_model(d, integer)), "model.json",
         "attribute without a known data format",
         "a model.json attribute with dataType \"integer\" (unknown to [MJ])"),
        (broken(pq_folder, "neg-parquet", drop_parquet), MANIFEST, "partition file missing",
         "a manifest listing a removed .parquet partition"),
    )
    for folder, doc, words, what in cases:
        rc, out = run_check(ctx, folder, doc)
        F.expect(rc == 1 and words in out,
                 f"negative: check.js rejects {what} (exit {rc}, names '{words}')")


# ---- relative locations: what the SDK resolves them against ---------------------------------

def locations(ctx, folder, doc, ns, root, cwd):
    p = subprocess.run(["node", os.path.join(HERE, "sdk_locations.js"), ctx.sdk, folder, doc, ns,
                        root], cwd=cwd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        F.fail(f"sdk_locations.js {folder} {doc} {ns} {root} (cwd {cwd}): exit {p.returncode}\n"
               + p.stderr[-1500:])
        return {"messages": ["(failed)"], "partitions": []}
    return json.loads(p.stdout)


def relative_locations(ctx, csv_folder, pq_folder):
    other = ctx.path("elsewhere")
    os.makedirs(other)
    parent, name = os.path.split(csv_folder)
    _, _, listed = record_of(csv_folder, "csv")
    inside = [os.path.join(csv_folder, loc) for loc in listed]

    r = locations(ctx, csv_folder, "model.json", "local", csv_folder, csv_folder)
    F.expect(not r["messages"] and sorted(x["file"] for x in r["partitions"]) == inside and
             all(x["exists"] for x in r["partitions"]),
             "model.json, run from inside the folder (check.js's way): every relative location "
             "resolves to the folder's file, no SDK message")

    r = locations(ctx, csv_folder, "model.json", "local", csv_folder, other)
    miss = [m for m in r["messages"] if "Could not find data partition's location" in m]
    F.expect(len(r["partitions"]) == len(listed) and
             all(x["location"] == "" for x in r["partitions"]) and len(miss) == len(listed) and
             any("No registered storage adapter understood the path" in m
                 for m in r["messages"]),
             "model.json, run from another folder with the folder mounted: every location "
             "comes out empty (ErrStorageInvalidAdapterPath, WarnPersistPartitionLocMissing "
             f"for each of the {len(listed)} partitions)")

    r = locations(ctx, csv_folder, "model.json", "lake", csv_folder, other)
    F.expect(not r["messages"] and r["partitions"] and
             sorted(x["file"] for x in r["partitions"]) ==
             [os.path.join(other, loc) for loc in listed] and
             not any(x["exists"] for x in r["partitions"]) and
             all(x["corpusPath"].startswith("local:/") for x in r["partitions"]),
             "model.json mounted under another namespace ('lake'), run from another folder: "
             "silently wrong, every location becomes local:/<location> under the working "
             "directory (the SDK's default 'local' adapter), no SDK message")

    r = locations(ctx, csv_folder, "model.json", "local", parent, parent)
    F.expect(not r["messages"] and r["partitions"] and
             sorted(x["file"] for x in r["partitions"]) ==
             [os.path.join(parent, loc) for loc in listed] and
             not any(x["exists"] for x in r["partitions"]),
             f"model.json read as local:/{name}/model.json with the adapter on the parent, run "
             "from the parent: silently wrong, the locations resolve against the working "
             "directory, not the document's folder, no SDK message")

    pparent = os.path.dirname(pq_folder)
    _, _, plisted = record_of(pq_folder, "parquet")
    for ns, root in (("local", pq_folder), ("lake", pparent)):
        r = locations(ctx, pq_folder, MANIFEST, ns, root, other)
        F.expect(not r["messages"] and
                 sorted(x["file"] for x in r["partitions"]) ==
                 [os.path.join(pq_folder, loc) for loc in plisted] and
                 all(x["exists"] for x in r["partitions"]) and plisted,
                 f"{MANIFEST} mounted as '{ns}' on "
                 f"{'the folder' if root == pq_folder else 'its parent'}, run from another "
                 "folder: every location resolves against the manifest's folder, no SDK message")


# ---- local part -----------------------------------------------------------------------------

def part_local(ctx):
    names = sorted(n for n in os.listdir(ctx.samples) if n.endswith(".ndjson"))
    data = copy_inputs(ctx.samples, ctx.path("in-all"))
    half_a = copy_inputs(ctx.samples, ctx.path("in-a"), names[0::2])
    half_b = copy_inputs(ctx.samples, ctx.path("in-b"), names[1::2])
    round1 = os.path.join(ctx.a.root, "samples", "merge", "round-1")
    deleted = os.path.join(ctx.a.root, "samples", "merge", "round-1-deleted")
    cfg, views = ["--config", ctx.config], ["--view", ctx.views]
    # Tables and views generated by `fhir2cdm generate-config --resources` (every element of
    # these resource types: columns of nearly every FHIR type).
    gen_cfg, gen_views = ctx.path("gen-config"), ctx.path("gen-views")
    for out, emit in ((gen_cfg, "table-config"), (gen_views, "view-definitions")):
        p = subprocess.run([ctx.a.fhir2cdm, "generate-config", "--resources"] + GEN_TYPES +
                           ["--emit", emit, "-o", out], capture_output=True, text=True,
                           timeout=120)
        F.expect(p.returncode == 0, f"fhir2cdm generate-config --emit {emit} exits 0 "
                 f"({p.returncode}) {p.stderr[-500:]}")
    firsts = {}
    for fmt in ("csv", "parquet"):
        fa = ["--format", fmt, "--quiet"]

        out = ctx.path(f"{fmt}-config")
        ctx.run(cfg + ["--input", data, "--output", out, "--operation-id", "cfg"] + fa,
                f"{fmt} config")
        sdk_check(ctx, out, fmt, f"{fmt} table configuration")
        firsts[fmt] = out

        for kind, tables in (("config", ["--config", gen_cfg]), ("views", ["--view", gen_views])):
            out = ctx.path(f"{fmt}-gen-{kind}")
            ctx.run(tables + ["--input", data, "--output", out, "--operation-id", "gen",
                              "--max-errors", "1000"] + fa, f"{fmt} generated {kind}")
            sdk_check(ctx, out, fmt, f"{fmt} generated {kind} (fhir2cdm generate-config "
                      f"--resources {' '.join(GEN_TYPES)})")

        out = ctx.path(f"{fmt}-views")
        ctx.run(views + ["--input", data, "--output", out, "--operation-id", "views"] + fa,
                f"{fmt} views")
        sdk_check(ctx, out, fmt, f"{fmt} views (samples/views)")

        out = ctx.path(f"{fmt}-two-ops")
        ctx.run(cfg + ["--input", half_a, "--output", out, "--operation-id", "op1"] + fa,
                f"{fmt} two-ops op1")
        ctx.run(cfg + ["--input", half_b, "--output", out, "--operation-id", "op2"] + fa,
                f"{fmt} two-ops op2")
        listed = sdk_check(ctx, out, fmt, f"{fmt} two operations in one folder")
        F.expect(any("-op1." in x for x in listed) and any("-op2." in x for x in listed),
                 f"{fmt} two operations: the record lists partitions of op1 and op2")

        out = ctx.path(f"{fmt}-merge")
        ctx.run(cfg + ["--mode", "merge", "--input", data, "--output", out,
                       "--operation-id", "m1"] + fa, f"{fmt} merge m1")
        sdk_check(ctx, out, fmt, f"{fmt} merge mode, first run")
        ctx.run(cfg + ["--mode", "merge", "--input", round1, "--deleted", deleted,
                       "--output", out, "--operation-id", "m2"] + fa, f"{fmt} merge m2")
        sdk_check(ctx, out, fmt, f"{fmt} merge mode, after samples/merge/round-1 and deletions")
        before = record_of(out, fmt)[2]
        ctx.run(["compact"] + cfg + ["--output", out] + fa, f"{fmt} compact")
        after = sdk_check(ctx, out, fmt, f"{fmt} merge mode, compacted")
        F.expect(after != before, f"{fmt} compact: the record changed ({len(before)} -> "
                 f"{len(after)} partitions)")

        out = ctx.path(f"{fmt}-merge-views")
        ctx.run(views + ["--mode", "merge", "--input", data, "--output", out,
                         "--operation-id", "v1"] + fa, f"{fmt} merge views v1")
        ctx.run(views + ["--mode", "merge", "--input", round1, "--deleted", deleted,
                         "--output", out, "--operation-id", "v2"] + fa, f"{fmt} merge views v2")
        sdk_check(ctx, out, fmt, f"{fmt} views in merge mode, after round-1")

        for kind, tables, extra in (("config", cfg, []), ("views", views, []),
                                    ("merge", cfg, ["--mode", "merge"])):
            out = ctx.path(f"{fmt}-export-{kind}")
            with Server(ctx.path(f"{fmt}-export-{kind}-srv"), data,
                        "--transaction-time", T) as srv:
                ctx.run(["export", "--fhir-url", srv.base, "--output", out,
                         "--operation-id", f"x-{kind}"] + tables + extra + fa,
                        f"{fmt} export {kind}")
            sdk_check(ctx, out, fmt, f"{fmt} export ({kind}) into a local folder")

    negatives(ctx, firsts["csv"], firsts["parquet"])
    relative_locations(ctx, firsts["csv"], firsts["parquet"])


# ---- blob part ------------------------------------------------------------------------------

def part_blob(ctx):
    import run_blob_tests as rb  # tests/blob: Azurite, development account
    from run_batch_tests import Store  # tests/batch: the test's own Blob REST access

    def loud_skip(why):
        f2ctest.skip("cdm.sdk.folders.blob: " + why)
    rb.skip = loud_skip
    a = ctx.a
    with rb.Azurite(a.install, a.npm_prefix, os.path.join(a.work, "azurite")) as az:
        st = Store(az.port)
        endpoint = f"http://127.0.0.1:{az.port}/{rb.ACCOUNT}"
        env = dict(ctx.env, FHIR2CDM_STORAGE_KEY=rb.KEY, FHIR2CDM_STORAGE_ENDPOINT=endpoint,
                   TMPDIR=ctx.path("tmpdir"))
        os.makedirs(env["TMPDIR"])

        def mkcontainer(c):
            rb.tool(a.blob_tool, az.port, ["mkcontainer", c])
            for msg in rb.failures:
                F.fail(msg)
            rb.failures.clear()

        def download(container, prefix, what):
            d = ctx.path("dl-" + container)
            n = 0
            for name in st.list(container, prefix):
                rel = name[len(prefix):]
                if rel.startswith(".fhir2cdm/"):
                    continue  # the control folder (task records): never part of the CDM folder
                p = os.path.join(d, *rel.split("/"))
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "wb") as f:
                    f.write(st.get(container, name))
                n += 1
            print(f"downloaded {n} blobs of {container}/{prefix} for {what}", flush=True)
            return d

        data = copy_inputs(ctx.samples, ctx.path("in-all"))
        names = sorted(n for n in os.listdir(data) if n.endswith(".ndjson"))
        half_b = copy_inputs(ctx.samples, ctx.path("in-b"), names[1::2])

        def export(container, prefix, tables, opid, fmt, src, tt, what):
            url = f"{endpoint}/{container}" + (f"/{prefix.rstrip('/')}" if prefix else "")
            with Server(ctx.path(f"srv-{opid}"), src, "--transaction-time", tt) as srv:
                p = ctx.run(["export", "--fhir-url", srv.base, "--output", url,
                             "--operation-id", opid, "--format", fmt, "--quiet"] + tables,
                            what, env=env)
            F.expect(rb.KEY not in p.stdout + p.stderr, f"{what}: the account key is not printed")
            folder = download(container, prefix, what)
            return sdk_check(ctx, folder, fmt, what + ", downloaded")

        cfg, views = ["--config", ctx.config], ["--view", ctx.views]
        mkcontainer("sdkcsv")
        export("sdkcsv", "area/one/", cfg, "e1", "csv", data, T, "blob export csv config")
        listed = export("sdkcsv", "area/one/", cfg, "e2", "csv", half_b, T2,
                        "blob export csv config, a second operation")
        F.expect(any("-e1." in x for x in listed) and any("-e2." in x for x in listed),
                 "blob export, two operations: the record lists partitions of e1 and e2")
        mkcontainer("sdkviews")
        export("sdkviews", "", views, "ev", "csv", data, T, "blob export csv views")
        mkcontainer("sdkpq")
        export("sdkpq", "pq/run/", cfg, "ep", "parquet", data, T, "blob export parquet config")
        mkcontainer("sdkpqviews")
        export("sdkpqviews", "", views, "epv", "parquet", data, T, "blob export parquet views")

        # The Batch task mode: configuration and inputs in containers, one transform-data per
        # file, finalize publishing the record.
        # Table configurations and ViewDefinitions (configurationKind), CSV and Parquet.
        mkcontainer("fhir")
        for container, src in (("config", ctx.config), ("viewscfg", ctx.views)):
            mkcontainer(container)
            for dirpath, _, files in os.walk(src):
                for f in sorted(files):
                    if f.endswith(".json"):
                        rel = os.path.relpath(os.path.join(dirpath, f), src)
                        with open(os.path.join(dirpath, f), "rb") as fp:
                            st.put(container, rel.replace(os.sep, "/"), fp.read())
        for f in names:
            with open(os.path.join(data, f), "rb") as fp:
                st.put("fhir", f"export/{f}", fp.read())
        for kind, fmt in (("tables", "csv"), ("tables", "parquet"), ("views", "csv"),
                          ("views", "parquet")):
            c = f"batch{kind}{fmt}"
            mkcontainer(c)
            flags = ["--adlsAccount", rb.ACCOUNT, "--cdmFileSystem", c, "--configurationContainer",
                     "config" if kind == "tables" else "viewscfg", "--configurationKind", kind,
                     "--format", fmt]
            what = f"batch {kind} {fmt}"
            ctx.run(["generate-schema", "--operationId", "b1"] + flags,
                    f"{what} generate-schema", env=env)
            sdk_check(ctx, download(c, "", "generate-schema"), fmt,
                      f"{what} after generate-schema", want_partitions=False)
            for f in names:
                ctx.run(["transform-data", "--inputBlobUri", f"{endpoint}/fhir/export/{f}",
                         "--operationId", "b1"] + flags, f"{what} transform-data {f}", env=env)
            ctx.run(["finalize", "--operationId", "b1", "--transactionTime", T] + flags,
                    f"{what} finalize", env=env)
            sdk_check(ctx, download(c, "", "finalize"), fmt, f"{what} after finalize")


def main():
    ap = argparse.ArgumentParser()
    for name in ("--transform", "--root", "--shared", "--work"):
        ap.add_argument(name, required=True)
    ap.add_argument("--part", choices=("local", "blob"), required=True)
    ap.add_argument("--fhir2cdm", help="the generator binary (local part)")
    for name in ("--blob-tool", "--install", "--npm-prefix"):
        ap.add_argument(name)
    a = ap.parse_args()
    check = os.path.join(a.shared, "cdm-sdk", "check.js")
    if not os.path.isfile(check):
        f2ctest.skip(f"{check} not found (../shared absent; set -DFHIR2CDM_SHARED_DIR): "
                     "Microsoft's CDM object model did not read any folder")
    if not shutil.which("node"):
        f2ctest.skip("node not found: Microsoft's CDM object model did not read any folder")
    if not f2ctest.transformer_ok(a.transform):
        return 1
    if a.part == "local" and not a.fhir2cdm:
        ap.error("--part local needs --fhir2cdm")
    if a.part == "blob" and not (a.blob_tool and a.install and a.npm_prefix):
        ap.error("--part blob needs --blob-tool, --install and --npm-prefix")
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    a.work = tempfile.mkdtemp(prefix=a.part + "-", dir=a.work)
    t0 = time.monotonic()
    ctx = Ctx(a)
    part_local(ctx) if a.part == "local" else part_blob(ctx)
    print(f"{a.part}: {time.monotonic() - t0:.1f}s", flush=True)
    return F.report(f"test_sdk_folders ({a.part}): all checks passed")


if __name__ == "__main__":
    sys.exit(main())
