"""pipeline_synapse: `fhir2cdm generate-pipeline --target synapse` (CDM folder -> Synapse
dedicated SQL pool through one Data Factory pipeline driven by model.json).

Usage: test_synapse.py GEN TRANSFORM ROOT [--update]

What it asserts (stdlib only; nothing contacts Azure):
  golden      the four files for a fixed command line equal tests/pipeline/golden/synapse/
              (--update rewrites them).
  structure   armcheck's generic ARM and Data Factory checks pass on the template and its
              pipeline (expressions parse, parameters used and defined, dependsOn resolves,
              activity references exist, no dependency cycles).
  agreement   the pipeline and `fhir2cdm synapse-sql --pool dedicated` load the same tables:
              the transformer writes a CDM folder from samples/; the pipeline is run on paper
              over its model.json (the Lookup's firstRow is model.json, the ForEach items
              expression and each stored-procedure parameter expression are evaluated by a
              small Data Factory expression evaluator below), the procedure's column list is
              rebuilt from its own CASE mapping and the attributes it is given, and the result
              must equal, entity by entity, the column list, types and COPY INTO location of the
              synapse-sql script for the same storage URL and schema.
  bad inputs  each invalid option exits 2, prints why, and writes nothing.
Independent of the C code: expectations come from model.json, the generated SQL and the
template's own expressions, never from the generator's internals.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import armcheck  # noqa: E402
from adfexpr import adf  # noqa: E402

STORAGE = "https://fhiracct.dfs.core.windows.net/cdm/exports/run1/"
ARGS = ["--storage-url", STORAGE, "--synapse-workspace", "fhir-ws", "--sql-pool", "fhirpool",
        "--schema", "cdm", "--concurrency", "6"]
FILES = ["azuredeploy.json", "azuredeploy.parameters.json", "fhir2cdm_load_entity.sql",
         "README.md"]

failures = []


def fail(msg):
    print("FAIL: " + msg)
    failures.append(msg)


def gen_synapse(gen, root, args, out):
    cmd = [gen, "generate-pipeline", "--target", "synapse", "--templates",
           os.path.join(root, "templates"), "-o", out] + args
    return subprocess.run(cmd, capture_output=True, text=True)


# ---- the dedicated-pool script of synapse-sql, read back -----------------------------------
def sql_tables(script):
    """{entity: {"columns": [(name, type)], "location": url}} from synapse-sql's script."""
    out = {}
    for m in re.finditer(r"CREATE TABLE \[cdm\]\.\[(\w+)_load\] \(\n(.*?)\n\) WITH", script, re.S):
        cols = [re.fullmatch(r"\s*\[(\w+)\] (.+) NULL,?", l).groups()
                for l in m.group(2).split("\n")]
        out[m.group(1)] = {"columns": cols}
    for m in re.finditer(r"COPY INTO \[cdm\]\.\[(\w+)_load\]\n\s*FROM '([^']*)'", script):
        out[m.group(1)]["location"] = m.group(2)
    return out


def procedure_columns(proc_sql, attributes_json):
    """The column list the procedure builds: its own CASE mapping over the attributes."""
    mapping = dict(re.findall(r"WHEN N'(\w+)' THEN N'([^']+)'", proc_sql))
    attrs = json.loads(attributes_json)
    return [(a["name"], mapping[a["dataType"]]) for a in attrs], mapping


def check_agreement(gen, transform, root, tmp, out):
    cdm = os.path.join(tmp, "cdm")
    r = subprocess.run([transform, "--config", os.path.join(root, "samples/config"), "--input",
                        os.path.join(root, "samples/ndjson"), "--output", cdm, "--quiet"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("transformer failed: %s" % r.stderr)
        return
    script_path = os.path.join(tmp, "dedicated.sql")
    r = subprocess.run([gen, "synapse-sql", "--model", cdm, "--pool", "dedicated",
                        "--storage-url", STORAGE, "--schema", "cdm", "-o", script_path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("synapse-sql failed: %s" % r.stderr)
        return
    expected = sql_tables(open(script_path).read())
    tpl = json.load(open(os.path.join(out, "azuredeploy.json")))
    pipe = next(x for x in tpl["resources"]
                if x["type"] == "Microsoft.DataFactory/factories/pipelines")["properties"]
    proc = open(os.path.join(out, "fhir2cdm_load_entity.sql")).read()
    acts = {a["name"]: a for a in pipe["activities"]}
    # The Lookup reads <cdmRoot>/model.json of the linked file system; check the dataset says so.
    ds = next(x for x in tpl["resources"]
              if x["type"] == "Microsoft.DataFactory/factories/datasets")["properties"]
    loc = ds["typeProperties"]["location"]
    if loc.get("fileName") != "model.json" or loc.get("fileSystem") != "[parameters('fileSystem')]":
        fail("dataset does not read model.json of the file system parameter: %r" % loc)
    if acts["ReadModel"]["typeProperties"].get("firstRowOnly") is not True:
        fail("ReadModel is not firstRowOnly: its output would not be model.json itself")
    params = {k: v["defaultValue"] for k, v in pipe["parameters"].items()}
    # The ARM parameters' values are what deployment gives the pipeline's defaults.
    values = {k: v["value"] for k, v in
              json.load(open(os.path.join(out, "azuredeploy.parameters.json")))["parameters"].items()}
    params["cdmRoot"] = values["cdmRoot"]
    params["storageUrl"] = "%s/%s%s" % (values["storageAccountUrl"], values["fileSystem"],
                                        "/" + values["cdmRoot"] if values["cdmRoot"] else "")
    if params["storageUrl"] != STORAGE.rstrip("/"):
        fail("storage URL parameters %r do not recombine to %s" % (values, STORAGE))
    model = json.load(open(os.path.join(cdm, "model.json")))
    env = {"parameters": params, "activities": {"ReadModel": {"output": {"firstRow": model}}}}
    loop = acts["LoadEntities"]
    items = adf(loop["typeProperties"]["items"], env)
    if [e["name"] for e in items] != [e["name"] for e in model["entities"]]:
        fail("ForEach items are not model.json's entities")
    dep = {d["activity"] for d in loop["dependsOn"]}
    if dep != {"ReadModel", "CreateLoader"}:
        fail("LoadEntities does not wait for ReadModel and CreateLoader: %r" % dep)
    inner = loop["typeProperties"]["activities"][0]
    if inner["type"] != "SqlServerStoredProcedure":
        fail("the loop body is not a stored procedure call")
    if inner["typeProperties"]["storedProcedureName"] != "[[cdm].[fhir2cdm_load_entity]":
        fail("procedure name %r" % inner["typeProperties"]["storedProcedureName"])
    script = acts["CreateLoader"]["typeProperties"]["scripts"][0]["text"]
    body = proc[proc.index("CREATE PROCEDURE"):proc.rindex("GO\n")]
    if "EXEC(N'" + body.replace("'", "''") + "');" not in script:
        fail("CreateLoader's script does not create the procedure of fhir2cdm_load_entity.sql")
    checked = 0
    for ent in items:
        env["item"] = ent
        sp = {k: adf(v["value"], env) for k, v in
              inner["typeProperties"]["storedProcedureParameters"].items()}
        name = sp["entity"]
        exp = expected.get(name)
        if not exp:
            fail("entity %s: not in the synapse-sql script" % name)
            continue
        cols, mapping = procedure_columns(proc, sp["attributes"])
        if cols != exp["columns"]:
            fail("entity %s: procedure columns %r != synapse-sql %r" % (name, cols, exp["columns"]))
        if sp["partitions"] != len(ent["partitions"]):
            fail("entity %s: partitions %r" % (name, sp["partitions"]))
        if sp["partitions"] and sp["location"] != exp.get("location"):
            fail("entity %s: location %r != synapse-sql %r" % (name, sp["location"],
                                                             exp.get("location")))
        checked += 1
    if set(mapping) != {"string", "int64", "decimal", "boolean", "dateTime"}:
        fail("procedure maps %r, not the five CDM data types" % sorted(mapping))
    if checked != len(expected):
        fail("checked %d entities, synapse-sql has %d" % (checked, len(expected)))
    print("agreement: %d entities: procedure columns, types, COPY INTO locations and partition "
          "counts equal synapse-sql --pool dedicated" % checked)


def check_bad_inputs(gen, root, tmp):
    cases = [
        ("no storage url", [a for a in ARGS if a not in ("--storage-url", STORAGE)], "storage-url"),
        ("blob endpoint", ARGS[:1] + ["https://acct.blob.core.windows.net/c"] + ARGS[2:],
         "storage-url"),
        ("quote in url", ARGS[:1] + ["https://acct.dfs.core.windows.net/c/x'y"] + ARGS[2:],
         "storage-url"),
        ("workspace case", ARGS[:3] + ["Fhir-WS"] + ARGS[4:], "synapse-workspace"),
        ("pool hyphen", ARGS[:5] + ["fhir-pool"] + ARGS[6:], "sql-pool"),
        ("schema quote", ARGS[:7] + ["cdm'x"] + ARGS[8:], "schema"),
        ("concurrency 0", ARGS[:9] + ["0"], "concurrency"),
        ("concurrency 51", ARGS[:9] + ["51"], "concurrency"),
        ("pipeline name", ARGS + ["--pipeline-name", "-x"], "pipeline-name"),
        ("stray argument", ARGS + ["extra"], "unexpected"),
    ]
    for name, args, word in cases:
        out = os.path.join(tmp, "bad-" + name.replace(" ", "-"))
        r = gen_synapse(gen, root, args, out)
        if r.returncode != 2 or word not in r.stderr or os.path.exists(out):
            fail("bad input %s: exit %d, stderr %r, wrote %s" % (name, r.returncode, r.stderr,
                                                                os.path.exists(out)))
    # an unknown target, and a non-empty output folder
    r = subprocess.run([gen, "generate-pipeline", "--target", "fabric", "-o",
                        os.path.join(tmp, "bad-target")], capture_output=True, text=True)
    if r.returncode != 2 or "batch or synapse" not in r.stderr:
        fail("--target fabric: exit %d, %r" % (r.returncode, r.stderr))
    full = os.path.join(tmp, "full")
    os.makedirs(full)
    open(os.path.join(full, "keep.txt"), "w").write("x")
    r = gen_synapse(gen, root, ARGS, full)
    if r.returncode != 2 or sorted(os.listdir(full)) != ["keep.txt"]:
        fail("non-empty -o: exit %d, files %r" % (r.returncode, os.listdir(full)))
    print("bad inputs: %d cases exit 2 without writing" % (len(cases) + 2))


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    gen, transform, root = sys.argv[1:4]
    update = "--update" in sys.argv[4:]
    golden = os.path.join(root, "tests/pipeline/golden/synapse")
    tmp = tempfile.mkdtemp(prefix="f2c-synapse-")
    try:
        out = os.path.join(tmp, "out")
        r = gen_synapse(gen, root, ARGS, out)
        if r.returncode != 0:
            fail("generator failed (%d): %s" % (r.returncode, r.stderr))
            return 1
        for f in FILES:
            got = open(os.path.join(out, f), "rb").read()
            want_path = os.path.join(golden, f)
            if update:
                os.makedirs(golden, exist_ok=True)
                open(want_path, "wb").write(got)
                print("updated " + want_path)
            elif not os.path.exists(want_path) or open(want_path, "rb").read() != got:
                fail("%s differs from %s (diff -r %s %s)" % (f, want_path, out, golden))
        if sorted(os.listdir(out)) != sorted(FILES):
            fail("unexpected files: %r" % sorted(os.listdir(out)))
        tpl = json.load(open(os.path.join(out, "azuredeploy.json")))
        problems = []
        armcheck.check_arm(tpl, problems)
        pipe = next(x for x in tpl["resources"]
                    if x["type"] == "Microsoft.DataFactory/factories/pipelines")["properties"]
        armcheck.check_pipeline(pipe, problems)
        for p in problems:
            fail("structure: " + p)
        if not problems:
            print("structure: ARM template and pipeline pass armcheck's generic checks")
        check_agreement(gen, transform, root, tmp, out)
        check_bad_inputs(gen, root, tmp)
    finally:
        if failures:
            print("kept %s for inspection" % tmp)
        else:
            shutil.rmtree(tmp)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
