"""End-to-end test of the Batch task mode with Parquet output (issue 17) against Azurite.

Why: a Batch operation is spread over tasks and a finalize that run on different nodes, so the
output format must travel with every step and the container must never get a record that
describes a mix of formats.  The strongest check is the same as batch.azurite's for CSV: the
container a Parquet operation publishes equals, byte for byte, the local folder of
`fhir2cdm-transform --format parquet` over the same files (partitions, the <Entity>.cdm.json
entity documents and the manifest model.manifest.cdm.json, the commit record).

Steps (samples/config over samples/ndjson):
  - generate-schema --format parquet: the manifest and the entity documents, no partitions;
  - transform-data --format parquet per file (half by flags, half through an activity.json whose
    extendedProperties carry "format": "parquet"), finalize --format parquet;
  - the container equals the local run; the manifest lists exactly the .parquet partition blobs;
    each starts and ends with "PAR1" (byte-level Parquet is tests/parquet's); no model.json;
  - an idempotent re-run of one task and finalize leave every blob byte-identical;
  - a re-run with changed input whose first attempt is killed mid-upload
    (FHIR2CDM_FAULT=upload:2, as a preempted node) and then retried: its partitions go to the
    replacement slot (.b.parquet), finalize lists them and drops the old ones, and the container
    again equals the local folder after the same re-run;
  - mismatches are refused with exit 2 and change nothing: finalize --format csv over the
    Parquet container, transform-data --format csv into it (before anything is uploaded),
    transform-data --format parquet into a CSV container, and finalize --format csv over task
    records whose partitions are Parquet (a fresh container gets no record at all); the same
    finalize with --format parquet then commits them;
  - --compression with CSV is a usage error (exit 2);
  - with --synthea (FHIR2CDM_SHARED_DIR/data/synthea-10; skipped loudly when absent): the same
    round trip over its 13 files, and the Parquet container's bytes against a CSV run's.
With --part pipeline (CTest batch.parquet_pipeline) instead: the Custom activities of the
template `generate-pipeline --format parquet` writes (the golden
tests/pipeline/golden/samples-config-parquet/azuredeploy.json), run as a Batch node runs them --
each activity's exact command line through bash, with $AZ_BATCH_NODE_SHARED_DIR and an
activity.json holding every extendedProperties key of the template -- GenerateSchema, then
TransformData per file, then Finalize: the container must equal the local --format parquet run.
So the pipeline's tasks and finalize agree on the format, also the step before the fan-out.
Azurite comes from tests/blob (install.sh, run_blob_tests.Azurite) as in batch.azurite; skips
(77) only when node/npm are missing or the install fails.  Only 127.0.0.1 is contacted.
"""
import argparse
import calendar
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_batch_tests as bt  # noqa: E402  (Store, run, folder_files, published_blobs, rb)

rb = bt.rb
expect, failures = bt.expect, bt.failures
OPID = "pq-0001"
TT = "2024-05-01T12:00:00Z"
MANIFEST = "model.manifest.cdm.json"
STATE = bt.STATE_BLOB
CONTROL = bt.CONTROL


def manifest_locations(text):
    """Every dataPartitions[].location of a manifest's entities (relative to the folder)."""
    doc = json.loads(text)
    out = []
    for e in doc.get("entities", []):
        for p in e.get("dataPartitions", []) or []:
            loc = p.get("location", "")
            # A location may carry the corpus adapter ("local:/..."), or be folder-relative.
            loc = loc.split(":/", 1)[1] if ":/" in loc else loc
            out.append(loc.lstrip("/"))
    return sorted(out)


def par1(data):
    return len(data) >= 12 and data[:4] == b"PAR1" and data[-4:] == b"PAR1"


def container_ok(st, container, local_dir, label):
    """The container equals the local Parquet run; the manifest lists exactly the partitions."""
    local = bt.folder_files(local_dir)
    remote = bt.published_blobs(st, container)
    only_l, only_r = sorted(set(local) - set(remote)), sorted(set(remote) - set(local))
    expect(not only_l and not only_r,
           f"{label}: same file set as the local --format parquet run ({len(local)} local, "
           f"{len(remote)} remote; only local {only_l[:4]}, only remote {only_r[:4]})")
    diff = [n for n in local if n in remote and local[n] != remote[n]]
    expect(not diff, f"{label}: every blob byte-identical to the local run (differing: "
                     f"{diff[:5]})")
    parts = sorted(n for n in remote if n.startswith("data/"))
    expect(parts and all(n.endswith(".parquet") for n in parts),
           f"{label}: {len(parts)} partition blobs, all .parquet")
    expect(MANIFEST in remote and "model.json" not in remote,
           f"{label}: the record is {MANIFEST}; no model.json")
    ents = [n for n in remote if n.endswith(".cdm.json") and n != MANIFEST]
    expect(len(ents) == 22, f"{label}: 22 entity documents <Entity>.cdm.json ({len(ents)})")
    if MANIFEST in remote:
        listed = manifest_locations(remote[MANIFEST])
        expect(listed == parts, f"{label}: the manifest lists exactly the partition blobs "
                                f"({len(listed)} listed, {len(parts)} blobs)")
    bad = [n for n in parts if not par1(remote[n])]
    expect(not bad, f"{label}: every partition starts and ends with PAR1 (not: {bad[:3]})")
    return remote


def snapshot(st, container):
    return {n: st.get(container, n) for n in st.list(container)}


def refused(r, snap, st, container, words, label):
    now = snapshot(st, container)
    expect(r.returncode == 2, f"{label}: exit 2 (got {r.returncode})")
    expect(all(w in r.stderr for w in words), f"{label}: the message says {words}")
    expect(now == snap, f"{label}: the container is unchanged")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transform", required=True)
    ap.add_argument("--blob-tool", required=True)
    ap.add_argument("--install", required=True)
    ap.add_argument("--npm-prefix", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--part", choices=["tasks", "pipeline"], default="tasks")
    ap.add_argument("--template", default=GOLDEN, help="--part pipeline: the ARM template")
    ap.add_argument("--synthea", default="", help="folder of the Synthea sample NDJSON")
    a = ap.parse_args()
    if a.part == "pipeline" and not os.path.exists(a.template):
        print(f"FAIL: {a.template} is missing (generate-pipeline --format parquet's template)")
        return 1
    with rb.Azurite(a.install, a.npm_prefix, a.work) as az:
        (steps if a.part == "tasks" else pipeline)(a, az.port)
    return bt.f2ctest.report(failures, "all Batch Parquet steps passed")


def setup(a, st, port):
    for c in ("config", "fhir", "pqcdm", "pqmix", "csvc"):
        rb.tool(a.blob_tool, port, ["mkcontainer", c])
    failures.extend(rb.failures)
    rb.failures.clear()
    cfg_dir = os.path.join(bt.ROOT, "samples", "config")
    for dirpath, _, files in os.walk(cfg_dir):
        for f in sorted(files):
            if f.endswith(".json"):
                rel = os.path.relpath(os.path.join(dirpath, f), cfg_dir).replace(os.sep, "/")
                st.put("config", rel, open(os.path.join(dirpath, f), "rb").read())
    nd_dir = os.path.join(bt.ROOT, "samples", "ndjson")
    inputs = sorted(f for f in os.listdir(nd_dir) if f.endswith(".ndjson"))
    local_in = os.path.join(a.work, "local-in")
    os.makedirs(local_in)
    tt = calendar.timegm(time.strptime(TT, "%Y-%m-%dT%H:%M:%SZ"))
    for f in inputs:
        st.put("fhir", f"export/{f}", open(os.path.join(nd_dir, f), "rb").read())
        shutil.copyfile(os.path.join(nd_dir, f), os.path.join(local_in, f))
        os.utime(os.path.join(local_in, f), (tt, tt))
    return cfg_dir, inputs, local_in


def task_activity(a, values, name):
    """A Custom activity file whose extendedProperties are `values` (strings)."""
    folder = os.path.join(a.work, name)
    os.makedirs(folder, exist_ok=True)
    doc = {"name": name, "type": "Custom",
           "typeProperties": {"command": "fhir2cdm-transform", "extendedProperties": values}}
    with open(os.path.join(folder, "activity.json"), "w") as f:
        json.dump(doc, f, indent=1)
    return os.path.join(folder, "activity.json")


def steps(a, port):
    st = bt.Store(port)
    endpoint = f"http://127.0.0.1:{port}/{rb.ACCOUNT}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FHIR2CDM_")}
    env.update(FHIR2CDM_STORAGE_ENDPOINT=endpoint, FHIR2CDM_STORAGE_KEY=rb.KEY,
               TMPDIR=os.path.join(a.work, "tmp"))
    os.makedirs(env["TMPDIR"])
    cfg_dir, inputs, local_in = setup(a, st, port)
    run, T = bt.run, a.transform
    local = os.path.join(a.work, "local-pq")
    run([T, "--config", cfg_dir, "--input", local_in, "--output", local, "--operation-id", OPID,
         "--format", "parquet", "-q"], env, what="local reference run --format parquet")

    acct = ["--adlsAccount", rb.ACCOUNT, "--configurationContainer", "config"]
    pq = acct + ["--cdmFileSystem", "pqcdm"]
    run([T, "generate-schema", "--format", "parquet"] + pq, env,
        what="generate-schema --format parquet")
    names = st.list("pqcdm")
    expect(MANIFEST in names and "model.json" not in names and
           not manifest_locations(st.get("pqcdm", MANIFEST)) and
           len([n for n in names if n.endswith(".cdm.json")]) == 23,
           "generate-schema: the manifest (no partitions) and 22 entity documents, no model.json")

    for i, f in enumerate(inputs):
        uri = f"{endpoint}/fhir/export/{f}"
        if i % 2 == 0:
            run([T, "transform-data", "--inputBlobUri", uri, "--operationId", OPID, "--format",
                 "parquet"] + pq, env, what=f"transform-data --format parquet {f}")
        else:
            act = task_activity(a, {"inputBlobUri": uri, "adlsAccount": rb.ACCOUNT,
                                    "cdmFileSystem": "pqcdm", "configurationContainer": "config",
                                    "operationId": OPID, "format": "parquet"}, f"task-{f}")
            run([T, "transform-data", "--adf-activity", act], env,
                what=f"transform-data --adf-activity (format parquet) {f}")
    r = run([T, "finalize", "--format", "parquet", "--operationId", OPID, "--transactionTime", TT]
            + pq, env, what="finalize --format parquet")
    expect(MANIFEST in r.stdout and "Parquet" in r.stdout, "finalize says it wrote the manifest")
    before = container_ok(st, "pqcdm", local, "Parquet round trip")
    expect(json.loads(st.get("pqcdm", STATE)) == {"transactionTime": TT, "operationId": OPID},
           "finalize recorded the incremental-run state")
    expect(not [n for n in st.list("pqcdm") if n.startswith(CONTROL)], "task records consumed")

    # An idempotent re-run: the committed partitions already hold the bytes.
    r = run([T, "transform-data", "--inputBlobUri", f"{endpoint}/fhir/export/Patient.ndjson",
             "--operationId", OPID, "--format", "parquet"] + pq, env,
            what="transform-data --format parquet re-run Patient")
    expect("uploaded" not in r.stdout and "unchanged" in r.stdout,
           "the re-run uploads nothing (the committed Parquet blobs hold the same bytes)")
    run([T, "finalize", "--format", "parquet", "--operationId", OPID, "--transactionTime", TT]
        + pq, env, what="finalize --format parquet after the re-run")
    expect(bt.published_blobs(st, "pqcdm") == before,
           "after the re-run and finalize every blob is byte-identical")

    changed_rerun(a, st, env, endpoint, pq, cfg_dir, local_in, local)
    mismatches(a, st, env, endpoint, pq, acct)
    synthea(a, st, env, endpoint, cfg_dir, port)
    expect(not os.listdir(env["TMPDIR"]), "temporary folders removed")


def changed_rerun(a, st, env, endpoint, pq, cfg_dir, local_in, local):
    """Patient.ndjson changed (its last resource dropped), re-run under the same operation id:
    first attempt killed after two uploads, then retried; finalize; the same re-run locally."""
    src = os.path.join(local_in, "Patient.ndjson")
    lines = open(src, "rb").read().splitlines(keepends=True)
    changed = b"".join(lines[:-1])
    st.put("fhir", "export2/Patient.ndjson", changed)
    with open(src, "wb") as f:
        f.write(changed)
    tt = calendar.timegm(time.strptime(TT, "%Y-%m-%dT%H:%M:%SZ"))
    os.utime(src, (tt, tt))
    bt.run([a.transform, "--config", cfg_dir, "--input", local_in, "--output", local,
            "--operation-id", OPID, "--format", "parquet", "-q"], env,
           what="local re-run with the changed Patient.ndjson")
    task = [a.transform, "transform-data", "--inputBlobUri",
            f"{endpoint}/fhir/export2/Patient.ndjson", "--operationId", OPID, "--format",
            "parquet"] + pq
    r = bt.run(task, dict(env, FHIR2CDM_FAULT="upload:2"), expect_ok=False,
               what="transform-data changed Patient, killed after 2 uploads")
    expect(r.returncode == -9, f"the first attempt was killed (SIGKILL; got {r.returncode})")
    bt.run(task, env, what="transform-data changed Patient, retried")
    bt.run([a.transform, "finalize", "--format", "parquet", "--operationId", OPID,
            "--transactionTime", TT] + pq, env, what="finalize --format parquet after the change")
    remote = container_ok(st, "pqcdm", local, "changed re-run")
    slot1 = [n for n in remote if n.endswith("-" + OPID + ".b.parquet")]
    expect(slot1 and all("/partition-data-Patient-" in n for n in slot1),
           f"the changed Patient partitions are in the replacement slot ({len(slot1)} .b.parquet)")
    shutil.rmtree(env["TMPDIR"])  # the killed attempt's temporary folder (a node's reboot)
    os.makedirs(env["TMPDIR"])


def mismatches(a, st, env, endpoint, pq, acct):
    run, T = bt.run, a.transform
    uri = f"{endpoint}/fhir/export/Patient.ndjson"
    snap = snapshot(st, "pqcdm")
    r = run([T, "finalize", "--operationId", OPID, "--transactionTime", TT] + pq, env,
            expect_ok=False, what="finalize (CSV) over the Parquet container")
    refused(r, snap, st, "pqcdm", ["Parquet", MANIFEST], "finalize --format csv over Parquet")
    r = run([T, "transform-data", "--inputBlobUri", uri, "--operationId", "csv-op"] + pq, env,
            expect_ok=False, what="transform-data (CSV) into the Parquet container")
    refused(r, snap, st, "pqcdm", ["Parquet", "--format parquet"],
            "transform-data --format csv into Parquet")
    expect("downloading" not in r.stdout, "refused before the input is downloaded")

    # A CSV container refuses a Parquet task.
    csvc = acct + ["--cdmFileSystem", "csvc"]
    run([T, "transform-data", "--inputBlobUri", uri, "--operationId", OPID] + csvc, env,
        what="transform-data (CSV) into csvc")
    run([T, "finalize", "--operationId", OPID, "--transactionTime", TT] + csvc, env,
        what="finalize (CSV) csvc")
    snap = snapshot(st, "csvc")
    r = run([T, "transform-data", "--inputBlobUri", uri, "--operationId", "pq-op", "--format",
             "parquet"] + csvc, env, expect_ok=False,
            what="transform-data --format parquet into the CSV container")
    refused(r, snap, st, "csvc", ["CSV", "model.json"], "transform-data Parquet into CSV")

    # Tasks and finalize disagree: nothing is committed in a fresh container.
    mix = acct + ["--cdmFileSystem", "pqmix"]
    run([T, "transform-data", "--inputBlobUri", uri, "--operationId", OPID, "--format",
         "parquet"] + mix, env, what="transform-data --format parquet into pqmix")
    snap = snapshot(st, "pqmix")
    r = run([T, "finalize", "--operationId", OPID, "--transactionTime", TT] + mix, env,
            expect_ok=False, what="finalize (CSV) over Parquet task records")
    refused(r, snap, st, "pqmix", ["Parquet", "--format parquet"],
            "finalize --format csv over Parquet tasks")
    expect("model.json" not in snap and MANIFEST not in snap, "pqmix had no record to start with")
    run([T, "finalize", "--format", "parquet", "--operationId", OPID, "--transactionTime", TT]
        + mix, env, what="finalize --format parquet over the same task records")
    names = st.list("pqmix")
    parts = sorted(n for n in names if n.startswith("data/"))
    expect(MANIFEST in names and parts and
           manifest_locations(st.get("pqmix", MANIFEST)) == parts,
           f"the agreeing finalize commits the task's {len(parts)} Parquet partitions")

    refit(a, st, env, mix, parts)

    r = run([T, "finalize", "--compression", "snappy", "--operationId", OPID] + mix, env,
            expect_ok=False, what="finalize --compression with CSV")
    expect(r.returncode == 2 and "--format parquet only" in r.stderr,
           "--compression with CSV: exit 2, applies to Parquet only")
    r = run([T, "finalize", "--format", "orc"] + mix, env, expect_ok=False,
            what="finalize --format orc")
    expect(r.returncode == 2 and "csv, parquet" in r.stderr,
           "an unknown --format: exit 2 naming the known ones")


def synthea(a, st, env, endpoint, cfg_dir, port):
    """The Parquet round trip over the Synthea sample (13 files, ~10 MB): transform-data per
    file and finalize give the container of a local --format parquet run; also a CSV operation
    into another container, for the size figure.  Skipped loudly without the sample."""
    if not a.synthea or not os.path.isdir(a.synthea):
        print(f"\n*** SKIPPED: Synthea Parquet round trip: {a.synthea or '(no --synthea)'} not "
              "found (set FHIR2CDM_SHARED_DIR) ***\n", flush=True)
        return
    files = sorted(f for f in os.listdir(a.synthea) if f.endswith(".ndjson"))
    for c in ("fhirsyn", "pqsyn", "csvsyn"):
        rb.tool(a.blob_tool, port, ["mkcontainer", c])
    failures.extend(rb.failures)
    rb.failures.clear()
    tt = calendar.timegm(time.strptime(TT, "%Y-%m-%dT%H:%M:%SZ"))
    local_in = os.path.join(a.work, "synthea-in")
    os.makedirs(local_in)
    for f in files:
        src = os.path.join(a.synthea, f)
        st.put("fhirsyn", f"export/{f}", open(src, "rb").read())
        shutil.copyfile(src, os.path.join(local_in, f))
        os.utime(os.path.join(local_in, f), (tt, tt))
    local = os.path.join(a.work, "synthea-pq")
    bt.run([a.transform, "--config", cfg_dir, "--input", local_in, "--output", local,
            "--operation-id", OPID, "--format", "parquet", "-q"], env,
           what="local reference run --format parquet (Synthea)")
    secs = {}
    for fmt, container in (("parquet", "pqsyn"), ("csv", "csvsyn")):
        flags = ["--adlsAccount", rb.ACCOUNT, "--cdmFileSystem", container,
                 "--configurationContainer", "config", "--operationId", OPID, "--format", fmt]
        t0 = time.monotonic()
        for f in files:
            bt.run([a.transform, "transform-data", "--inputBlobUri",
                    f"{endpoint}/fhirsyn/export/{f}"] + flags, env,
                   what=f"transform-data --format {fmt} Synthea {f}")
        bt.run([a.transform, "finalize", "--transactionTime", TT] + flags, env,
               what=f"finalize --format {fmt} Synthea")
        secs[fmt] = time.monotonic() - t0
    remote = container_ok(st, "pqsyn", local, "Synthea Parquet round trip")
    csv = bt.published_blobs(st, "csvsyn")
    size = {k: sum(len(v) for n, v in blobs.items() if n.startswith("data/"))
            for k, blobs in (("parquet", remote), ("csv", csv))}
    print(f"Synthea: {len(files)} files; partitions: Parquet {size['parquet']} bytes "
          f"({size['parquet'] / max(size['csv'], 1):.3f}x CSV's {size['csv']}); "
          f"13 tasks + finalize: Parquet {secs['parquet']:.1f}s, CSV {secs['csv']:.1f}s",
          flush=True)


GOLDEN = os.path.join(bt.ROOT, "tests", "pipeline", "golden", "samples-config-parquet",
                      "azuredeploy.json")


def custom_activities(path):
    """name -> typeProperties of every Custom activity of an ARM template."""
    found = {}

    def walk(v):
        if isinstance(v, dict):
            if v.get("type") == "Custom":
                found[v["name"]] = v["typeProperties"]
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(json.load(open(path)))
    return found


def node_task(a, env, shared, tp, values, name):
    """Runs one Custom activity as a Batch node does: activity.json with every key of the
    template's extendedProperties (a key without a test value fails), its command through bash
    in the task's folder."""
    folder = os.path.join(a.work, "node-" + name)
    os.makedirs(folder)
    props = {}
    for k in tp["extendedProperties"]:
        if k not in values:
            failures.append(f"{name}: no test value for extendedProperties key {k}")
        props[k] = values.get(k, "")
    for k in ("inputBlobUri", "transactionTime"):  # the contract's earlier keys, still read
        if k in values:
            props[k] = values[k]
    with open(os.path.join(folder, "activity.json"), "w") as f:
        json.dump({"name": name, "type": "Custom", "typeProperties": {
            "command": tp["command"], "extendedProperties": props}}, f, indent=1)
    return bt.run(["/bin/bash", "-c", tp["command"]], dict(env, AZ_BATCH_NODE_SHARED_DIR=shared),
                  cwd=folder, what=f"{name}: {tp['command'].split('fhir2cdm-transform')[-1]}")


def pipeline(a, port):
    st = bt.Store(port)
    endpoint = f"http://127.0.0.1:{port}/{rb.ACCOUNT}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FHIR2CDM_")}
    env.update(FHIR2CDM_STORAGE_ENDPOINT=endpoint, FHIR2CDM_STORAGE_KEY=rb.KEY,
               TMPDIR=os.path.join(a.work, "tmp"))
    os.makedirs(env["TMPDIR"])
    cfg_dir, inputs, local_in = setup(a, st, port)
    local = os.path.join(a.work, "local-pq")
    bt.run([a.transform, "--config", cfg_dir, "--input", local_in, "--output", local,
            "--operation-id", OPID, "--format", "parquet", "-q"], env,
           what="local reference run --format parquet")
    shared = os.path.join(a.work, "node-shared")
    os.makedirs(os.path.join(shared, "fhir2cdm", "bin"))
    os.symlink(os.path.abspath(a.transform),
               os.path.join(shared, "fhir2cdm", "bin", "fhir2cdm-transform"))
    acts = custom_activities(a.template)
    common = {"operationId": OPID, "adlsAccount": rb.ACCOUNT,
              "storageEndpointSuffix": "core.windows.net", "cdmFileSystem": "pqcdm",
              "configurationContainer": "config", "configurationKind": "tables", "maxDepth": "3",
              "managedIdentityClientId": "00000000-0000-0000-0000-000000000000"}
    node_task(a, env, shared, acts["GenerateSchema"], common, "GenerateSchema")
    for f in inputs:
        node_task(a, env, shared, acts["TransformData"],
                  dict(common, inputBlobUri=f"{endpoint}/fhir/export/{f}",
                       fhirUrl="https://fhir.example.org", exportManifest="", fileIndex=""),
                  "TransformData-" + f)
    node_task(a, env, shared, acts["Finalize"],
              dict(common, transactionTime=TT, exportManifest=""), "Finalize")
    container_ok(st, "pqcdm", local, "pipeline's Custom activities")
    expect(not os.listdir(env["TMPDIR"]), "temporary folders removed")


def refit(a, st, env, mix, parts):
    """A carried Parquet partition that no longer fits its table (its schema is another table's,
    or it is no Parquet file) is left out of the manifest with a warning, as a CSV partition with
    a foreign header is; the ones that fit stay listed."""
    patient = [p for p in parts if p.startswith("data/LocalPatient/")]
    name = [p for p in parts if p.startswith("data/LocalPatientName/")]
    other = [p for p in parts if p not in patient + name]
    if not (patient and name and other):
        expect(False, f"refit: Patient, PatientName and other partitions in pqmix ({parts})")
        return
    st.put("pqmix", name[0], st.get("pqmix", patient[0]))  # a Parquet file of another table
    st.put("pqmix", other[0], b"PAR1" + b"x" * 20 + b"PAR1")  # not a Parquet file at all
    r = bt.run([a.transform, "generate-schema", "--format", "parquet"] + mix, env,
               what="generate-schema --format parquet over changed partitions")
    listed = manifest_locations(st.get("pqmix", MANIFEST))
    expect(name[0] not in listed and other[0] not in listed and patient[0] in listed and
           len(listed) == len(parts) - 2,
           "partitions whose Parquet schema no longer fits are left out; the others stay")
    expect(f"pqmix/{name[0]}: partition schema does not match" in r.stderr and
           f"left out of {MANIFEST}" in r.stderr, "and each is named in a warning")


if __name__ == "__main__":
    sys.exit(main())
