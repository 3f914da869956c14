"""pipeline_synapse: `fhir2cdm generate-pipeline --target synapse` (CDM folder -> Synapse
dedicated SQL pool through one Data Factory pipeline driven by model.json).

Usage: test_synapse.py GEN TRANSFORM ROOT [--update]

What it asserts (stdlib only; nothing contacts Azure):
  golden      the four files for a fixed command line equal tests/pipeline/golden/synapse/
              (--update rewrites them).
  structure   armcheck's generic ARM and Data Factory checks pass on the template and its
              pipeline (expressions parse, parameters used and defined, dependsOn resolves,
              activity references exist, no dependency cycles).
  shape       the activities CreateLoader -> ReadModel (Copy of model.json into the model
              table, source / sink / TabularTranslator exactly) -> ListEntities (Lookup of
              the entity names) -> LoadEntities (ForEach over its rows); the CdmModelTable
              dataset; the model table's columns equal the translator's sinks; no ARM
              expression but the pipeline's parameters; no wildcard anywhere.
  locations   the procedure's own location checks (its LIKE patterns, run here) accept
              fhir2cdm's partition names and refuse '..', absolute paths, URLs, quotes,
              wildcards, folders...; its chunking splits 2001 locations into 1000, 1000, 1.
  agreement   the pipeline, run on paper over a CDM folder that six transformer runs write
              from samples/ (many partitions, names with %2D, a rerun's .b.csv slot) plus two
              unlisted files: the translator is applied to model.json, ListEntities and the
              ForEach items and stored-procedure parameters are evaluated by the Data Factory
              expression evaluator adfexpr.py, and the procedure's partition logic (read from
              its text: checks, URL expression, chunk size) is run: every entity loads exactly
              the URLs of the partitions model.json lists (percent-encoded by urllib, not by
              the procedure's rule), no unlisted file, and the column list of
              `fhir2cdm synapse-sql --pool dedicated` for the same model.
  bad inputs  each invalid option exits 2, prints why, and writes nothing.
Independent of the C code: expectations come from model.json, the generated SQL and the
template's own expressions, never from the generator's internals.
"""
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import armcheck  # noqa: E402
from adfexpr import adf  # noqa: E402

STORAGE = "https://fhiracct.dfs.core.windows.net/cdm/exports/run1/"
ARGS = ["--storage-url", STORAGE, "--synapse-workspace", "fhir-ws", "--sql-pool", "fhirpool",
        "--schema", "cdm", "--concurrency", "6"]
FILES = ["azuredeploy.json", "azuredeploy.parameters.json", "fhir2cdm_load_entity.sql",
         "README.md"]

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402  (Failures)

CHECKS = f2ctest.Failures()
failures, fail = CHECKS.items, CHECKS.fail


def gen_synapse(gen, root, args, out):
    cmd = [gen, "generate-pipeline", "--target", "synapse", "--templates",
           os.path.join(root, "templates"), "-o", out] + args
    return subprocess.run(cmd, capture_output=True, text=True)


# ---- the dedicated-pool script of synapse-sql, read back -----------------------------------
def sql_tables(script):
    """{entity: {"columns": [(name, type)]}} from synapse-sql's dedicated script."""
    out = {}
    for m in re.finditer(r"CREATE TABLE \[cdm\]\.\[(\w+)_load\] \(\n(.*?)\n\) WITH", script, re.S):
        cols = [re.fullmatch(r"\s*\[(\w+)\] (.+) NULL,?", l).groups()
                for l in m.group(2).split("\n")]
        out[m.group(1)] = {"columns": cols}
    return out


def procedure_columns(proc_sql, attributes_json):
    """The column list the procedure builds: its own CASE mapping over the attributes."""
    mapping = dict(re.findall(r"WHEN N'(\w+)' THEN N'([^']+)'", proc_sql))
    attrs = json.loads(attributes_json)
    return [(a["name"], mapping[a["dataType"]]) for a in attrs], mapping


def parquet_procedure_columns(proc_sql, attributes_json):
    """--format parquet: the column list the procedure builds from an entity document's
    hasAttributes: its CASE mapping, decimals decimal(p,s) of the attribute's trait
    is.dataFormat.numeric.shaped (read here from the document, 38,18 when absent), provided the
    procedure's decimal branch builds decimal(p,s) from that trait."""
    mapping = {k: v for k, v in re.findall(r"WHEN N'(\w+)' THEN N'([^']+)'\n", proc_sql)}
    if "WHEN N'decimal' THEN N'decimal(' + CAST(d.p AS nvarchar(2)) + N',' + CAST(d.s AS " \
            "nvarchar(2)) + N')'" not in proc_sql or \
            "WHERE t.ref = N'is.dataFormat.numeric.shaped') AS d" not in proc_sql:
        raise ValueError("the procedure's decimal(p,s) branch was not found")
    cols = []
    for a in json.loads(attributes_json):
        if a["dataType"] == "decimal":
            args = {g["name"]: g["value"] for t in a.get("appliedTraits", [])
                    if t.get("traitReference") == "is.dataFormat.numeric.shaped"
                    for g in t.get("arguments", [])}
            cols.append((a["name"], "decimal(%s,%s)" % (args.get("precision", "38"),
                                                        args.get("scale", "18"))))
        else:
            cols.append((a["name"], mapping[a["dataType"]]))
    return cols


# ---- the pipeline's activities, run on paper ---------------------------------------------
def bracket_path(doc, path):
    """A translator path ("$['entities']", "['name']"): property names in brackets."""
    names = re.findall(r"\['((?:[^']|\\')*)'\]", path)
    if "".join("['%s']" % n for n in names) != path.lstrip("$"):
        raise ValueError("path %r: only ['name'] steps are simulated" % path)
    for n in names:
        doc = doc.get(n) if isinstance(doc, dict) else None
    return doc


def arm_deployed(v):
    """v as ARM deploys it: a string starting with "[[" loses its first '[' (ARM's escape of a
    literal leading bracket).  Other expressions are left as they are (check_shape lists
    them)."""
    if isinstance(v, dict):
        return {k: arm_deployed(x) for k, x in v.items()}
    if isinstance(v, list):
        return [arm_deployed(x) for x in v]
    return v[1:] if isinstance(v, str) and v.startswith("[[") else v


def copy_translator(model, translator):
    """ReadModel's TabularTranslator over model.json: one row per item of collectionReference,
    each mapping's source path read relative to the item; with mapComplexValuesToString an
    array or object becomes its JSON text (ADF "Schema and data type mapping in copy
    activity")."""
    rows = []
    for item in bracket_path(model, translator["collectionReference"]) or []:
        row = {}
        for m in translator["mappings"]:
            v = bracket_path(item, m["source"]["path"])
            if isinstance(v, (dict, list)):
                if not translator.get("mapComplexValuesToString"):
                    raise ValueError("complex value without mapComplexValuesToString")
                v = json.dumps(v, separators=(",", ":"))
            row[m["sink"]["name"]] = v
        rows.append(row)
    return rows


def like(pattern):
    """A T-SQL LIKE pattern as a regular expression (fullmatch): % _ [set] [^set]."""
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "%":
            out += ".*"
        elif c == "_":
            out += "."
        elif c == "[":
            j = pattern.index("]", i + 1)
            body, neg = pattern[i + 1:j], False
            if body.startswith("^"):
                body, neg = body[1:], True
            cls, k = "", 0
            while k < len(body):
                if k + 2 < len(body) and body[k + 1] == "-":
                    cls += re.escape(body[k]) + "-" + re.escape(body[k + 2])
                    k += 3
                else:
                    cls += re.escape(body[k])
                    k += 1
            out += "[%s%s]" % ("^" if neg else "", cls)
            i = j
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out, re.S)


class Procedure:
    """The loader procedure's partition logic, read from its own text: the location checks of
    its 50006 block (LIKE patterns), the URL expression (REPLACE) and the chunk size."""

    def __init__(self, sql):
        block = sql[sql.index("SET @bad = (SELECT COUNT(*) FROM OPENJSON(@partitions)"):]
        block = block[:block.index("THROW 50006")]
        self.checks = [(bool(neg), like(p.replace("''", "'"))) for neg, p in re.findall(
            r"p\.location COLLATE Latin1_General_100_BIN2 (NOT )?LIKE N'((?:[^']|'')*)'", block)]
        if "p.location IS NULL" not in block or len(self.checks) < 4:
            raise ValueError("the procedure's location checks were not found")
        m = re.search(r"N'''' \+ @storage_url \+ N'([^']*)' \+\s*REPLACE\(p\.location, "
                      r"N'([^']*)', N'([^']*)'\) \+ N''''", sql)
        if not m:
            raise ValueError("the procedure's URL expression was not found")
        self.sep, self.old, self.new = m.groups()
        sizes = set(re.findall(r"WHILE @chunk \* (\d+) < @n", sql)) | set(
            re.findall(r"CAST\(j\.\[key\] AS int\) / (\d+) = @chunk", sql))
        if len(sizes) != 1:
            raise ValueError("chunk sizes %r" % sizes)
        self.chunk = int(sizes.pop())
        self.sql = sql

    def bad_location(self, loc):
        if not isinstance(loc, str):
            return True
        return any(bool(rx.fullmatch(loc)) != neg for neg, rx in self.checks)

    def run(self, table, entity, storage_url, attributes=None):
        """The COPY INTO statements' location lists for entity, or the error number.
        attributes: the @entity_attributes parameter (--format parquet), else the table's."""
        rows = [r for r in table if r["entity"] == entity]
        if len(rows) != 1:
            return 50005
        if attributes is not None:
            cols = parquet_procedure_columns(self.sql, attributes)
        else:
            cols, _ = procedure_columns(self.sql, rows[0]["attributes"])
        parts = json.loads(rows[0]["partitions"] if rows[0]["partitions"] is not None else "[]")
        if not isinstance(parts, list):
            return 50006
        locs = [p.get("location") if isinstance(p, dict) else None for p in parts]
        if any(self.bad_location(loc) for loc in locs):
            return 50006
        urls = [storage_url + self.sep + loc.replace(self.old, self.new) for loc in locs]
        return cols, [urls[i:i + self.chunk] for i in range(0, len(urls), self.chunk)]


def expected_url(storage_url, location):
    """The URL of a partition, by RFC 3986 (independent of the procedure): the location's
    path segments percent-encoded."""
    return storage_url + "/" + urllib.parse.quote(location, safe="/")


# ---- building a CDM folder with many partitions and unlisted files --------------------------
def write_cdm(transform, root, tmp):
    """Several transformer runs into one folder: other operation ids add partitions, stems with
    '-' give names with %2D, a rerun moves a run to its other slot; then unlisted files."""
    cdm, ndjson = os.path.join(tmp, "cdm"), os.path.join(root, "samples/ndjson")
    dashed = os.path.join(tmp, "in-dashed")
    os.makedirs(dashed)
    for f in sorted(os.listdir(ndjson)):
        stem = f[:-len(".ndjson")]
        for new in (stem + "-b", stem + ".part2"):
            shutil.copy(os.path.join(ndjson, f), os.path.join(dashed, new + ".ndjson"))
    # The rerun of runA reads the same file names with the first line left out (other bytes).
    rerun = os.path.join(tmp, "in-rerun")
    os.makedirs(rerun)
    for f in sorted(os.listdir(ndjson)):
        lines = open(os.path.join(ndjson, f), "rb").read().splitlines(True)
        open(os.path.join(rerun, f), "wb").write(b"".join(lines[1:] or lines))
    runs = [(ndjson, "runA"), (dashed, "runB"), (ndjson, "run-3"), (ndjson, "run_4"),
            (dashed, "run5"), (rerun, "runA")]
    for src, op in runs:
        r = subprocess.run([transform, "--config", os.path.join(root, "samples/config"), "--input",
                            src, "--output", cdm, "--quiet", "--operation-id", op],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("transformer run %s failed: %s" % (op, r.stderr))
            return None, []
    model = json.load(open(os.path.join(cdm, "model.json")))
    ent = next(e for e in model["entities"] if e["name"] == "LocalPatient")
    listed = [p["location"] for p in ent["partitions"]]
    folder = os.path.join(cdm, "data", "LocalPatient")
    slot = next((l for l in listed if l.endswith("-runA.b.csv")), None)
    if not slot:
        fail("the rerun of runA did not move to slot 1: %r" % listed)
        return None, []
    planted = ["partition-data-Patient-killedrun.csv",  # a killed Batch attempt's blob
               os.path.basename(slot).replace(".b.csv", ".csv")]  # the replaced slot
    for name in planted:
        shutil.copy(os.path.join(cdm, slot), os.path.join(folder, name))
    return cdm, ["data/LocalPatient/" + n for n in planted]


def check_shape(tpl, pipe, proc, script):
    """The activities, datasets and SQL texts the design needs, exactly."""
    acts = {a["name"]: a for a in pipe["activities"]}
    order = [(a["name"], a["type"], [d["activity"] for d in a["dependsOn"]])
             for a in pipe["activities"]]
    want = [("CreateLoader", "Script", []), ("ReadModel", "Copy", ["CreateLoader"]),
            ("ListEntities", "Lookup", ["ReadModel"]), ("LoadEntities", "ForEach",
                                                        ["ListEntities"])]
    if order != want:
        fail("activities %r, want %r" % (order, want))
        return
    rm = acts["ReadModel"]
    if rm["inputs"] != [{"referenceName": "CdmModelJson", "type": "DatasetReference",
                         "parameters": {"cdmRoot": {"value": "@pipeline().parameters.cdmRoot",
                                                    "type": "Expression"}}}]:
        fail("ReadModel inputs %r" % rm["inputs"])
    if rm["outputs"] != [{"referenceName": "CdmModelTable", "type": "DatasetReference"}]:
        fail("ReadModel outputs %r" % rm["outputs"])
    copy_tp = {
        "source": {"type": "JsonSource",
                   "storeSettings": {"type": "AzureBlobFSReadSettings", "recursive": False}},
        "sink": {"type": "SqlDWSink", "preCopyScript": "TRUNCATE TABLE [cdm].[fhir2cdm_model];",
                 "allowPolyBase": False, "allowCopyCommand": False},
        "enableStaging": False,
        "translator": {"type": "TabularTranslator", "collectionReference": "$['entities']",
                       "mapComplexValuesToString": True, "mappings": [
                           {"source": {"path": "['name']"}, "sink": {"name": "entity"}},
                           {"source": {"path": "['attributes']"}, "sink": {"name": "attributes"}},
                           {"source": {"path": "['partitions']"}, "sink": {"name": "partitions"}}]}}
    if arm_deployed(rm["typeProperties"]) != copy_tp:
        fail("ReadModel typeProperties (as deployed) %s" % json.dumps(rm["typeProperties"]))
    # ARM reads a string in [...] as an expression ("['name']" would deploy as "name"): the
    # pipeline may hold only these three.
    exprs = {s for _, s in armcheck.strings(pipe) if armcheck.is_arm_expr(s)}
    if exprs != {"[parameters('cdmRoot')]", "[parameters('concurrency')]",
                 pipe["parameters"]["storageUrl"]["defaultValue"]}:
        fail("ARM expressions in the pipeline: %r" % sorted(exprs))
    lk = acts["ListEntities"]["typeProperties"]
    query = lk["source"].get("sqlReaderQuery", "")
    if (lk["source"]["type"] != "SqlDWSource" or lk["firstRowOnly"] is not False
            or lk["dataset"] != {"referenceName": "CdmModelTable", "type": "DatasetReference"}
            or not query.endswith("\nSELECT [entity] FROM [cdm].[fhir2cdm_model] ORDER BY "
                                  "[entity];")
            or not query.startswith("IF (SELECT COUNT(*) FROM [cdm].[fhir2cdm_model]) > 5000\n"
                                    "    THROW 50007,")):
        fail("ListEntities %s" % json.dumps(lk))
    items = acts["LoadEntities"]["typeProperties"]["items"]
    if items != {"value": "@activity('ListEntities').output.value", "type": "Expression"}:
        fail("ForEach items %r" % items)
    ds = [r for r in tpl["resources"] if r["type"] == "Microsoft.DataFactory/factories/datasets"
          and r["name"] == "[concat(parameters('factoryName'), '/CdmModelTable')]"]
    if not ds or ds[0]["properties"]["type"] != "AzureSqlDWTable" or ds[0]["properties"][
            "typeProperties"] != {"schema": "cdm", "table": "fhir2cdm_model"} or ds[0][
            "properties"]["linkedServiceName"]["referenceName"] != "SynapseDedicatedPool":
        fail("dataset CdmModelTable %r" % ds)
    # The model table: created by CreateLoader (and the .sql file) with the translator's columns.
    m = re.search(r"CREATE TABLE \[cdm\]\.\[fhir2cdm_model\] \(\n(.*?)\n\) WITH \(([^)]*)\)",
                  proc, re.S)
    cols = [re.fullmatch(r"\s*\[(\w+)\] (.+) NULL,?", l).groups()
            for l in m.group(1).split("\n")] if m else []
    if cols != [("entity", "nvarchar(128)"), ("attributes", "nvarchar(max)"),
                ("partitions", "nvarchar(max)")] or "HEAP" not in m.group(2):
        fail("model table in fhir2cdm_load_entity.sql: %r" % (m and m.group(0)))
    if proc[proc.index("IF SCHEMA_ID"):].replace("GO\n", "").split("CREATE PROCEDURE")[0] \
            not in script:
        fail("CreateLoader does not create the model table of fhir2cdm_load_entity.sql")
    for need in ("FROM [cdm].[fhir2cdm_model]", "FROM OPENJSON(@partitions) AS j",
                 "THROW 50005", "THROW 50006", "COPY INTO ' + @load + N' FROM ' + @from"):
        if need not in proc:
            fail("procedure lacks %r" % need)
    # No wildcard: a '*' only in COUNT(*) or as a multiplication between blanks.
    for what, text in (("template", json.dumps(tpl)), ("procedure", proc)):
        if re.search(r"[^\s(]\*|\*[^\s)]", text) or "*.csv" in text:
            fail("%s holds a '*' that is not COUNT(*) or a product (a wildcard?)" % what)
    print("shape: CreateLoader -> ReadModel (Copy, translator) -> ListEntities (Lookup) -> "
          "LoadEntities; model table, dataset and procedure as designed; no wildcard")


def check_locations(procedure):
    """The procedure's location checks refuse what must not reach a URL, accept fhir2cdm's."""
    good = ["data/LocalPatient/partition-data-Patient.000-op1.csv",
            "data/LocalPatient/partition-data-Patient%2D2024-op_1.b.csv",
            "data/LocalPatient/partition-data-a..b-x.csv"]
    bad = [None, 7, "", "data/", "data/X/", "/data/X/a.csv", "Data/X/a.csv", "X/a.csv",
           "data/../secret.csv", "data/X/../../y.csv", "data/X/./a.csv", "data//a.csv",
           "data/X/.hidden.csv", "data/X/a'b.csv", "data/X/*.csv", "data/X/a?.csv",
           "data/X/a b.csv", "data/X/a\\b.csv", "https://evil.example/data/a.csv",
           "data/X/a#b.csv", "data/X/\u00e9.csv"]
    for loc in good:
        if procedure.bad_location(loc):
            fail("procedure refuses the valid location %r" % loc)
    for loc in bad:
        if not procedure.bad_location(loc):
            fail("procedure accepts the location %r" % (loc,))
    # Chunks: a synthetic entity with 2 * chunk + 1 partitions.
    n = 2 * procedure.chunk + 1
    row = {"entity": "LocalX", "attributes": json.dumps([{"name": "A", "dataType": "string"}]),
           "partitions": json.dumps([{"location": "data/LocalX/p%d.csv" % i} for i in range(n)])}
    cols, chunks = procedure.run([row], "LocalX", "https://a.dfs.core.windows.net/f")
    if [len(c) for c in chunks] != [procedure.chunk, procedure.chunk, 1] or \
            sum(chunks, []) != ["https://a.dfs.core.windows.net/f/data/LocalX/p%d.csv" % i
                                for i in range(n)]:
        fail("chunking of %d partitions: %r" % (n, [len(c) for c in chunks]))
    empty = dict(row, partitions=None)
    if procedure.run([empty], "LocalX", "https://a")[1] != []:
        fail("an entity without partitions is not created empty")
    if procedure.run([row, row], "LocalX", "https://a") != 50005 or \
            procedure.run([row], "LocalY", "https://a") != 50005:
        fail("an entity listed twice or not at all is not refused with 50005")
    print("locations: %d valid accepted, %d invalid refused (50006); %d partitions in chunks of "
          "%d" % (len(good), len(bad), n, procedure.chunk))


def check_agreement(gen, transform, root, tmp, out):
    cdm, planted = write_cdm(transform, root, tmp)
    if not cdm:
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
    # ReadModel reads <cdmRoot>/model.json of the linked file system; check the dataset says so.
    ds = next(x for x in tpl["resources"]
              if x["type"] == "Microsoft.DataFactory/factories/datasets")["properties"]
    loc = ds["typeProperties"]["location"]
    if loc.get("fileName") != "model.json" or loc.get("fileSystem") != "[parameters('fileSystem')]":
        fail("dataset does not read model.json of the file system parameter: %r" % loc)
    script = acts["CreateLoader"]["typeProperties"]["scripts"][0]["text"]
    body = proc[proc.index("CREATE PROCEDURE"):proc.rindex("GO\n")]
    if "EXEC(N'" + body.replace("'", "''") + "');" not in script:
        fail("CreateLoader's script does not create the procedure of fhir2cdm_load_entity.sql")
    check_shape(tpl, pipe, proc, script)
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
    # ReadModel: the translator over model.json fills the model table.
    translator = arm_deployed(acts["ReadModel"]["typeProperties"]["translator"])
    table = copy_translator(model, translator)
    # ListEntities: its query over the table (ORDER BY entity), Lookup output {count, value}.
    names = sorted(row["entity"] for row in table)
    env = {"parameters": params, "activities": {
        "ListEntities": {"output": {"count": len(names), "value": [{"entity": n} for n in names]}}}}
    loop = acts["LoadEntities"]
    items = adf(loop["typeProperties"]["items"], env)
    if sorted(e["entity"] for e in items) != sorted(e["name"] for e in model["entities"]):
        fail("ForEach items are not model.json's entities")
    inner = loop["typeProperties"]["activities"][0]
    if inner["type"] != "SqlServerStoredProcedure":
        fail("the loop body is not a stored procedure call")
    if inner["typeProperties"]["storedProcedureName"] != "[[cdm].[fhir2cdm_load_entity]":
        fail("procedure name %r" % inner["typeProperties"]["storedProcedureName"])
    procedure = Procedure(proc)
    check_locations(procedure)
    checked = loaded = with_pct = 0
    for ent in items:
        env["item"] = ent
        sp = {k: adf(v["value"], env) for k, v in
              inner["typeProperties"]["storedProcedureParameters"].items()}
        if set(sp) != {"entity", "storage_url"}:
            fail("procedure parameters %r" % sorted(sp))
            return
        name = sp["entity"]
        result = procedure.run(table, name, sp["storage_url"])
        if not isinstance(result, tuple):
            fail("entity %s: the procedure throws %r" % (name, result))
            continue
        cols, chunks = result
        urls = sum(chunks, [])
        if name not in expected or cols != expected[name]["columns"]:
            fail("entity %s: procedure columns %r != synapse-sql %r"
                 % (name, cols, expected.get(name)))
        listed = [p["location"] for e in model["entities"] if e["name"] == name
                  for p in e.get("partitions", [])]
        want = [expected_url(STORAGE.rstrip("/"), l) for l in listed]
        if sorted(urls) != sorted(want) or len(set(urls)) != len(urls):
            fail("entity %s: loads %r, model.json lists %r" % (name, urls, want))
        # Every file on disk that model.json does not list stays unloaded.
        folder = os.path.join(cdm, "data", name)
        on_disk = ["data/%s/%s" % (name, f) for f in sorted(os.listdir(folder))] \
            if os.path.isdir(folder) else []
        for f in set(on_disk) - set(listed):
            if expected_url(STORAGE.rstrip("/"), f) in urls:
                fail("entity %s: the unlisted file %s is loaded" % (name, f))
        with_pct += sum("%25" in u for u in urls)
        loaded += len(urls)
        checked += 1
    if checked != len(expected):
        fail("checked %d entities, synapse-sql has %d" % (checked, len(expected)))
    patient = [p["location"] for e in model["entities"] if e["name"] == "LocalPatient"
               for p in e["partitions"]]
    wildcard = [f for f in os.listdir(os.path.join(cdm, "data", "LocalPatient"))
                if fnmatch.fnmatch(f, "*.csv")]
    if not set(planted) <= {"data/LocalPatient/" + f for f in wildcard} or set(planted) & set(
            patient) or len(patient) < 7 or not with_pct:
        fail("the test folder does not exercise the defect: planted %r, listed %d, %%25 in %d"
             % (planted, len(patient), with_pct))
    print("agreement: %d entities, %d partitions (%d URLs with %%25): the procedure loads exactly "
          "model.json's partitions, columns equal synapse-sql --pool dedicated; %d unlisted files "
          "in data/LocalPatient/ (a *.csv wildcard would load them) are not loaded"
          % (checked, loaded, with_pct, len(planted)))


def write_parquet_cdm(transform, root, tmp):
    """A Parquet folder with several runs (other operation ids, stems with '-' giving %2D, a
    rerun moving to its other slot) and an unlisted file, as write_cdm does for CSV."""
    cdm, ndjson = os.path.join(tmp, "cdm-parquet"), os.path.join(root, "samples/ndjson")
    dashed = os.path.join(tmp, "in-dashed")  # written by write_cdm
    rerun = os.path.join(tmp, "in-rerun")
    for src, op in [(ndjson, "runA"), (dashed, "runB"), (rerun, "runA")]:
        r = subprocess.run([transform, "--config", os.path.join(root, "samples/config"), "--input",
                            src, "--output", cdm, "--quiet", "--operation-id", op,
                            "--format", "parquet"], capture_output=True, text=True)
        if r.returncode != 0:
            fail("transformer run %s --format parquet failed: %s" % (op, r.stderr[-2000:]))
            return None
    folder = os.path.join(cdm, "data", "LocalPatient")
    some = sorted(os.listdir(folder))[0]
    shutil.copy(os.path.join(folder, some),
                os.path.join(folder, "partition-data-Patient-killedrun.parquet"))
    return cdm


def check_parquet(gen, transform, root, tmp, update):
    """--format parquet: golden files, armcheck's generic checks, and the pipeline run on paper
    over a Parquet folder: ReadModel reads the manifest, ReadEntity each entity document,
    and the procedure loads exactly the manifest's partitions with the column list of
    `fhir2cdm synapse-sql --pool dedicated` for the same folder."""
    out = os.path.join(tmp, "out-parquet")
    r = gen_synapse(gen, root, ARGS + ["--format", "parquet"], out)
    if r.returncode != 0:
        fail("--format parquet: generator failed (%d): %s" % (r.returncode, r.stderr))
        return
    golden = os.path.join(root, "tests/pipeline/golden/synapse-parquet")
    for f in FILES:
        got = open(os.path.join(out, f), "rb").read()
        want_path = os.path.join(golden, f)
        if update:
            os.makedirs(golden, exist_ok=True)
            open(want_path, "wb").write(got)
        elif not os.path.exists(want_path) or open(want_path, "rb").read() != got:
            fail("parquet: %s differs from %s (diff -r %s %s)" % (f, want_path, out, golden))
    tpl = json.load(open(os.path.join(out, "azuredeploy.json")))
    problems = []
    armcheck.check_arm(tpl, problems)
    pipe = next(x for x in tpl["resources"]
                if x["type"] == "Microsoft.DataFactory/factories/pipelines")["properties"]
    armcheck.check_pipeline(pipe, problems)
    for p in problems:
        fail("parquet structure: " + p)
    cdm = write_parquet_cdm(transform, root, tmp)
    if not cdm:
        return
    script_path = os.path.join(tmp, "dedicated-parquet.sql")
    r = subprocess.run([gen, "synapse-sql", "--model", cdm, "--pool", "dedicated",
                        "--storage-url", STORAGE, "--schema", "cdm", "-o", script_path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("synapse-sql on the Parquet folder failed: %s" % r.stderr)
        return
    expected = sql_tables(open(script_path).read())
    proc = open(os.path.join(out, "fhir2cdm_load_entity.sql")).read()
    datasets = {x["name"]: x["properties"] for x in tpl["resources"]
                if x["type"] == "Microsoft.DataFactory/factories/datasets"}
    model_ds = datasets.get("[concat(parameters('factoryName'), '/CdmModelJson')]", {})
    if model_ds.get("typeProperties", {}).get("location", {}).get("fileName") != \
            "model.manifest.cdm.json":
        fail("parquet: ReadModel's dataset does not read model.manifest.cdm.json")
    doc_ds = datasets.get("[concat(parameters('factoryName'), '/CdmEntityDocument')]")
    if not doc_ds:
        fail("parquet: no CdmEntityDocument dataset")
        return
    acts = {a["name"]: a for a in pipe["activities"]}
    manifest = json.load(open(os.path.join(cdm, "model.manifest.cdm.json")))
    table = copy_translator(manifest, arm_deployed(acts["ReadModel"]["typeProperties"][
        "translator"]))
    names = sorted(row["entity"] for row in table)
    params = {"cdmRoot": "exports/run1", "storageUrl": STORAGE.rstrip("/")}
    env = {"parameters": params, "activities": {
        "ListEntities": {"output": {"count": len(names), "value": [{"entity": n} for n in names]}}}}
    loop = acts["LoadEntities"]
    inner = {a["name"]: a for a in loop["typeProperties"]["activities"]}
    read, load = inner.get("ReadEntity"), inner.get("LoadEntity")
    if not read or read["type"] != "Lookup" or load["dependsOn"] != [
            {"activity": "ReadEntity", "dependencyConditions": ["Succeeded"]}] or \
            read["typeProperties"]["dataset"]["referenceName"] != "CdmEntityDocument":
        fail("parquet: the loop does not read the entity document before loading")
        return
    procedure = Procedure(proc)
    checked = loaded = 0
    for ent in adf(loop["typeProperties"]["items"], env):
        env["item"] = ent
        ds_params = {k: adf(v, env) for k, v in read["typeProperties"]["dataset"][
            "parameters"].items()}
        doc_path = os.path.join(cdm, ds_params["fileName"])
        if ds_params["cdmRoot"] != params["cdmRoot"] or not os.path.isfile(doc_path):
            fail("parquet: ReadEntity reads %r, not an entity document" % ds_params)
            continue
        env["activities"]["ReadEntity"] = {"output": {"firstRow": json.load(open(doc_path))}}
        sp = {k: adf(v["value"], env) for k, v in
              load["typeProperties"]["storedProcedureParameters"].items()}
        name = sp["entity"]
        result = procedure.run(table, name, sp["storage_url"], sp["entity_attributes"])
        if not isinstance(result, tuple):
            fail("parquet: entity %s: the procedure throws %r" % (name, result))
            continue
        cols, chunks = result
        urls = sum(chunks, [])
        if name not in expected or cols != expected[name]["columns"]:
            fail("parquet: entity %s: procedure columns %r != synapse-sql %r"
                 % (name, cols, expected.get(name)))
        listed = [p["location"] for e in manifest["entities"] if e["entityName"] == name
                  for p in e.get("dataPartitions", [])]
        want = [expected_url(STORAGE.rstrip("/"), l) for l in listed]
        if sorted(urls) != sorted(want) or len(set(urls)) != len(urls):
            fail("parquet: entity %s: loads %r, the manifest lists %r" % (name, urls, want))
        if any(u.endswith("-killedrun.parquet") for u in urls):
            fail("parquet: the unlisted file is loaded")
        loaded += len(urls)
        checked += 1
    decimals = sum(t.endswith(")") and t.startswith("decimal") for e in expected.values()
                   for _, t in e["columns"])
    if checked != len(expected) or not decimals or \
            "WITH (FILE_TYPE = ''PARQUET'', CREDENTIAL" not in proc:
        fail("parquet: checked %d of %d entities, %d decimal columns" % (checked, len(expected),
                                                                        decimals))
    print("parquet: %d entities, %d partitions: the manifest's entities and partitions, each "
          "entity's document read by ReadEntity; columns (%d decimal) equal synapse-sql --pool "
          "dedicated on the Parquet folder; the unlisted file is not loaded" % (checked, loaded,
                                                                                decimals))


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
        ("format orc", ARGS + ["--format", "orc"], "--format must be csv or parquet"),
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
        check_parquet(gen, transform, root, tmp, update)
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
