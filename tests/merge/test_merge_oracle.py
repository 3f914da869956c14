#!/usr/bin/env python3
"""test_merge_oracle.py (CTests merge.oracle.{csv,parquet}.{config,views}): the oracle of
`fhir2cdm-transform --mode merge [--deleted PATH ...]`.

Merge mode keeps exactly ONE current version of each resource (resourceType + id) in the output
folder: a resource present in a run's input replaces all its rows (its table, child/unroll
tables, every view); one absent keeps its rows; `--deleted` (Bulk Data deletion Bundles) removes
every row of a deleted resource unless the run's input has it; a resource given several times in
one run: latest meta.lastUpdated wins, then the later one in input order.  So an incremental
history applied round by round must give the same rows as one run over the final state:

  generator  make_rounds.py --input ../shared/data/synthea-10 --rounds N --seed S writes t0/,
             round-K/ + round-K-deleted/ (K = 1..N) and final/ (see make_rounds.py);
  A          fhir2cdm-transform --mode merge --input final/ --output F       (one run)
  B          fhir2cdm-transform --mode merge --input t0/ --output M, then for each round
             fhir2cdm-transform --mode merge --input round-K --deleted round-K-deleted
             --output M

Asserted:
  * every run exits 0;
  * per entity, the multiset of rows (every column) of M equals F's, rows read from exactly the
    partitions model.json (CSV) / model.manifest.cdm.json (Parquet) lists (never a directory
    glob); both folders list the same entities with the same attributes; every listed file
    exists, is listed once, and has the entity's columns (CSV header / Parquet schema);
  * after every run, Microsoft's CDM SDK checker (node ../shared/cdm-sdk/check.js FOLDER
    [model.manifest.cdm.json]) exits 0 and names exactly the listed partitions (skipped, with a
    note, when check.js or node is absent);
  * in the round that changes only Patient resources, every listed partition of every entity
    whose resource type is not Patient keeps its path, inode (st_ino) and bytes.
  * every run's merge summary counts what the generator's manifest says: duplicates, deletion
    keys, kept, deleted plus absent (check_summary); no error line, no warning but the Parquet
    decimal rounding.
Printed: a per-entity table (rows in F, rows in M, equal?).

--dry-run-append debugs this script against a transformer without merge mode: the same runs
without --mode merge / --deleted (append mode), then asserts that a second full run F2 equals F
(the comparison says equal when it should), that M differs from F (it must, in append mode: the
diff message is printed), exit codes, the SDK checks and the Patient-only inode check (append
mode leaves other entities' partitions alone too).

The oracle itself is checked with fake_merge.py, a stand-in for merge mode built on today's
append mode (state kept as NDJSON, touched types re-run with one operation id): it passes with
it, and fails with each of its injected bugs (FAKE_MERGE_BUG=first-wins, last-wins,
ignore-deleted, delete-kept); see fake_merge.py.

Parquet rows are read by tests/parquet/pqlib.mjs (the readers behind tests/parquet/pqdump.mjs:
DuckDB; --pq-reader both also hyparquet, which must agree), all files in one node process
(--pq-per-file: one `node pqdump.mjs` per file instead); modules from $F2C_NPM_PARQUET or
tools/npm-parquet, installed by tests/parquet/install.sh.

Exit: 0 pass; 1 a check failed (also: the transformer has no --mode); 77 skipped (loudly):
../shared/data/synthea-10 absent, or for Parquet node/npm or the pinned readers unavailable.
Usage: test_merge_oracle.py --transform BIN --shared DIR --format csv|parquet
                            (--config DIR | --views DIR) [--rounds N] [--seed S] [--keep]
Python 3 standard library only.
"""

import argparse
import collections
import csv
import glob
import hashlib
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir))
PARQUET_DIR = os.path.join(ROOT, "tests", "parquet")
sys.path.insert(0, os.path.join(HERE, os.pardir, "pylib"))
import f2ctest  # noqa: E402  (tests/pylib/f2ctest.py)

MANIFEST = "model.manifest.cdm.json"
DIAGNOSTIC = re.compile(r"(^|: )(warning|error)\b", re.I)
ENTITY_LINE = re.compile(r"^\s+\S+: \d+ rows? in \d+ partitions? ")

# The merge summary (lib/engine/f2c_job.c, say_merge) checked against the generator's manifest:
#   "merge: N resources in the input (D older duplicate versions left out); ..."
#   "merge: K resources in the deletion files: X deleted, Y not in the folder, Z kept (also in
#    the input)"
# D counts the losing versions of resources of the types the tables read; K the distinct
# deletion keys (one listed twice counts once); Z those the input also holds, of types the tables
# read (the run reads no other); X + Y = K - Z, X at
# most the deleted resources of types the tables read (a view's where clause may give one no
# rows: then it is "not in the folder").  No line is an error; the only warning allowed is the
# Parquet decimal rounding of Synthea's 19-digit PatientExtension values.
MERGE_INPUT = re.compile(r"^merge: (\d+) resources? in the input \((\d+) older duplicate "
                         r"versions? left out\)")
MERGE_DELETED = re.compile(r"^merge: (\d+) resources? in the deletion files: (\d+) deleted, "
                           r"(\d+) not in the folder, (\d+) kept \(also in the input\)")
ALLOWED_WARNING = "decimal rounded half-even"


def check_summary(fails, what, output, info, types):
    """Checks the run's merge summary lines against what the generator's manifest expects
    (info: the round's record, None for a run of t0 or final/), for the resource types the
    tables read."""
    lines = output.splitlines()
    inp = [m for m in map(MERGE_INPUT.match, lines) if m]
    dele = [m for m in map(MERGE_DELETED.match, lines) if m]
    fails.check(len(inp) == 1, "%s: expected one 'merge: ... in the input' line, found %d"
                % (what, len(inp)))
    if info is None:
        fails.check(not inp or inp[0].group(2) == "0",
                    "%s: duplicates reported in a run without any: %s" % (what, inp[0].group(0)))
        fails.check(not dele, "%s: a deletion line in a run without deletion files" % what)
    else:
        dups = sum(1 for d in info["duplicates"] if d["key"].split("/")[0] in types)
        fails.check(not inp or int(inp[0].group(2)) == dups, "%s: %s; the round has %d "
                    "duplicate version(s) of types the tables read" % (what, inp and
                                                                      inp[0].group(0), dups))
        keys = set(info["deleted"]) | set(info["deleted_absent"]) | set(
            info["kept_although_deleted"])
        # kept: in the input too -- only a resource of a type the tables read is in the run
        kept = sum(1 for k in set(info["kept_although_deleted"]) if k.split("/")[0] in types)
        readable = sum(1 for k in set(info["deleted"]) if k.split("/")[0] in types)
        ok = len(dele) == 1
        if ok:
            k, x, y, z = (int(dele[0].group(i)) for i in range(1, 5))
            ok = k == len(keys) and z == kept and x + y == k - z and x <= readable
        fails.check(ok, "%s: deletion summary %s; expected %d keys, %d kept, at most %d deleted"
                    % (what, dele and dele[0].group(0), len(keys), kept, readable))
    bad = [l for l in lines if DIAGNOSTIC.search(l) and ALLOWED_WARNING not in l]
    fails.check(not bad, "%s: %d warning/error line(s), e.g. %s" % (what, len(bad), bad[:2]))


# --- entities and their resource types -------------------------------------------------------

def entity_types(a):
    """{entity name: resource type} from the table configuration or the ViewDefinitions."""
    out = {}
    if a.config:
        for p in sorted(glob.glob(os.path.join(a.config, "*.json"))):
            with open(p, encoding="utf-8") as f:
                t = json.load(f)
            out["Local" + t["name"]] = t["resourceType"]
    else:
        for v in a.views:
            paths = sorted(glob.glob(os.path.join(v, "*.json"))) if os.path.isdir(v) else [v]
            for p in paths:
                with open(p, encoding="utf-8") as f:
                    t = json.load(f)
                if t.get("resourceType") == "ViewDefinition":
                    out[t["name"]] = t["resource"]
    return out


# --- the commit record -----------------------------------------------------------------------

def listing(folder, fmt, fails, what):
    """{entity: {"attributes": [names], "locations": [relative locations]}} from model.json
    (CSV) or the manifest and its entity documents (Parquet)."""
    out = {}
    if fmt == "csv":
        path = os.path.join(folder, "model.json")
        if not fails.check(os.path.isfile(path), "%s: no model.json" % what):
            return out
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for e in doc.get("entities", []):
            out[e["name"]] = {"attributes": [x["name"] for x in e.get("attributes", [])],
                              "locations": [p["location"] for p in e.get("partitions", [])]}
    else:
        path = os.path.join(folder, MANIFEST)
        if not fails.check(os.path.isfile(path), "%s: no %s" % (what, MANIFEST)):
            return out
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for e in doc.get("entities", []):
            name = e["entityName"]
            attrs = None
            doc_file = os.path.join(folder, e.get("entityPath", "").split("/")[0])
            if fails.check(os.path.isfile(doc_file), "%s: entity document %s missing"
                           % (what, doc_file)):
                with open(doc_file, encoding="utf-8") as f:
                    ed = json.load(f)
                attrs = [x["name"] for x in ed["definitions"][0].get("hasAttributes", [])]
            out[name] = {"attributes": attrs,
                         "locations": [p["location"] for p in e.get("dataPartitions", [])]}
    for name, ent in out.items():
        locs = ent["locations"]
        dup = sorted(l for l, n in collections.Counter(locs).items() if n > 1)
        fails.check(not dup, "%s: %s lists %s more than once" % (what, name, dup))
        for l in locs:
            fails.check(os.path.isfile(os.path.join(folder, l)),
                        "%s: %s lists %s, which is not a file" % (what, name, l))
    return out


def unlisted(folder, lst):
    """Partition-like files under data/ that the record does not list (information only)."""
    listed = {os.path.normpath(os.path.join(folder, l)) for e in lst.values()
              for l in e["locations"]}
    found = {os.path.normpath(p) for p in glob.glob(os.path.join(folder, "data", "*", "*"))}
    return sorted(os.path.relpath(p, folder) for p in found - listed)


# --- rows ------------------------------------------------------------------------------------

def read_csv_rows(path):
    csv.field_size_limit(sys.maxsize)
    with open(path, "rb") as f:
        raw = f.read()
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


PQ_BATCH = """
import { duckdbConnect, firstDifference, loadModules, readDuckdb, readHyparquet } from %(lib)s;
const files = %(files)s;
const both = %(both)s;
const mods = await loadModules();
const conn = await duckdbConnect(mods);
for (const file of files) {
  let line;
  try {
    const doc = await readDuckdb(mods, conn, file);
    if (both) {
      const diff = firstDifference(doc, await readHyparquet(mods, file));
      if (diff) throw new Error(`readers disagree: ${diff}`);
    }
    line = JSON.stringify({ file, doc });
  } catch (e) {
    line = JSON.stringify({ file, error: String(e && e.stack || e) });
  }
  await new Promise(res => process.stdout.write(line + '\\n', res));
}
"""


def read_parquet_docs(files, a):
    """{path: {"schema": [...], "rows": [[...]]} or {"error": text}}."""
    out = {}
    if not files:
        return out
    if a.pq_per_file:
        for p in files:
            r = subprocess.run(["node", os.path.join(PARQUET_DIR, "pqdump.mjs"), "--reader",
                                a.pq_reader, p], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out[p] = (json.loads(r.stdout.decode("utf-8")) if r.returncode == 0 else
                      {"error": r.stderr.decode("utf-8", "replace")[-2000:]})
        return out
    script = PQ_BATCH % {
        "lib": json.dumps(pathlib.Path(PARQUET_DIR, "pqlib.mjs").as_uri()),
        "files": json.dumps(files), "both": "true" if a.pq_reader == "both" else "false"}
    r = subprocess.run(["node", "--input-type=module", "-e", script], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    for line in r.stdout.decode("utf-8").splitlines():
        d = json.loads(line)
        out[d["file"]] = d.get("doc") or {"error": d.get("error")}
    for p in files:
        if p not in out:
            out[p] = {"error": "not read (node exit %d): %s"
                      % (r.returncode, r.stderr.decode("utf-8", "replace")[-2000:])}
    return out


def pq_cell(v):
    return v if v is None or isinstance(v, (str, bool)) else json.dumps(v)


def folder_rows(folder, fmt, lst, a, fails, what):
    """{entity: {"columns": [...], "rows": Counter(tuple), "files": n}}, from the listed
    partitions only."""
    out = {}
    docs = {}
    if fmt == "parquet":
        files = [os.path.join(folder, l) for e in sorted(lst) for l in lst[e]["locations"]]
        docs = read_parquet_docs([p for p in files if os.path.isfile(p)], a)
    for name in sorted(lst):
        ent = lst[name]
        rows = collections.Counter()
        columns = ent["attributes"]
        schema = None   # Parquet: [(name, canonical type)] of the entity's partitions
        for loc in ent["locations"]:
            path = os.path.join(folder, loc)
            if not os.path.isfile(path):
                continue
            if fmt == "csv":
                recs = read_csv_rows(path)
                header, data = (recs[0], recs[1:]) if recs else ([], [])
                fails.check(header == columns, "%s: %s header %s != model.json attributes %s"
                            % (what, loc, header, columns))
                bad = [i for i, r in enumerate(data, 2) if len(r) != len(header)]
                fails.check(not bad, "%s: %s: %d records with a field count != %d (first: "
                            "record %s)" % (what, loc, len(bad), len(header), bad[:1]))
                rows.update(tuple(r) for r in data)
            else:
                doc = docs.get(path) or {"error": "not read"}
                if not fails.check("error" not in doc, "%s: %s: reading failed: %s"
                                   % (what, loc, doc.get("error"))):
                    continue
                s = [(c["name"], c["type"]) for c in doc["schema"]]
                fails.check([c[0] for c in s] == columns,
                            "%s: %s columns %s != the entity document's attributes %s"
                            % (what, loc, [c[0] for c in s], columns))
                fails.check(schema is None or s == schema, "%s: %s schema %s != the entity's "
                            "other partitions' %s" % (what, loc, s, schema))
                schema = schema or s
                rows.update(tuple(pq_cell(v) for v in r) for r in doc["rows"])
        out[name] = {"columns": columns, "schema": schema, "rows": rows,
                     "files": len(ent["locations"])}
    return out


def show_row(names, row, count, width=700):
    """A row as {column: value} without its empty cells (they are counted), cut at `width`."""
    cells = {c: v for c, v in zip(names, row) if v not in ("", None)}
    text = json.dumps(cells, ensure_ascii=False)
    if len(text) > width:
        text = text[:width] + "...}"
    empty = len(row) - len(cells)
    return "%s%s%s" % ("%dx " % count if count > 1 else "", text,
                       " (+%d empty)" % empty if empty else "")


def describe_diff(entity, columns, want, got, limit=3):
    """The differing rows of one entity, grouped by resource (its ResourceId column, else the
    first column): F's rows missing from M, M's rows not in F; for a resource with one row each
    way, the differing columns first."""
    names = list(columns or [])
    kcol = names.index("ResourceId") if "ResourceId" in names else 0
    missing, extra = want - got, got - want
    keys = []
    for r in list(missing) + list(extra):
        k = r[kcol] if r else None
        if k not in keys:
            keys.append(k)
    lines = ["%s: %d rows of F missing from M, %d rows of M not in F (%d resources differ)"
             % (entity, sum(missing.values()), sum(extra.values()), len(keys))]
    for k in keys[:limit]:
        lines.append("  %s = %s:" % (names[kcol] if names else "#0", k))
        ms = sorted(((r, n) for r, n in missing.items() if r[kcol] == k),
                    key=lambda x: json.dumps(x[0]))
        gs = sorted(((r, n) for r, n in extra.items() if r[kcol] == k),
                    key=lambda x: json.dumps(x[0]))
        if len(ms) == 1 and len(gs) == 1:
            for c, e, g in zip(names, ms[0][0], gs[0][0]):
                if e != g:
                    lines.append("    column %s: F %s, M %s"
                                 % (c, json.dumps(e, ensure_ascii=False),
                                    json.dumps(g, ensure_ascii=False)))
        for r, n in ms[:2]:
            lines.append("    F only: " + show_row(names, r, n))
        for r, n in gs[:2]:
            lines.append("    M only: " + show_row(names, r, n))
        if len(ms) > 2 or len(gs) > 2:
            lines.append("    ... %d and %d distinct rows in all" % (len(ms), len(gs)))
    if len(keys) > limit:
        lines.append("  ... and %d more resources: %s" % (len(keys) - limit, ", ".join(
            str(x) for x in keys[limit:limit + 5]) + (", ..." if len(keys) > limit + 5 else "")))
    return "\n".join(lines)


def compare(fails, F, M, fname="F", mname="M", quiet=False):
    """Per-entity comparison of two folders' rows; prints the table; returns True if equal."""
    equal = True
    if set(F) != set(M):
        equal = False
        fails.check(quiet, "entities differ: only in %s %s, only in %s %s"
                    % (fname, sorted(set(F) - set(M)), mname, sorted(set(M) - set(F))))
    print("  %-44s %9s %9s %6s %6s  %s" % ("entity", "rows " + fname, "rows " + mname,
                                           "files", "files", "equal"))
    diffs = []
    for e in sorted(set(F) & set(M)):
        f, m = F[e], M[e]
        same_cols = f["columns"] == m["columns"] and (
            f["schema"] is None or m["schema"] is None or f["schema"] == m["schema"])
        same = same_cols and f["rows"] == m["rows"]
        print("  %-44s %9d %9d %6d %6d  %s" % (e, sum(f["rows"].values()),
                                               sum(m["rows"].values()), f["files"], m["files"],
                                               "yes" if same else "NO"))
        if not same_cols:
            diffs.append("%s: columns differ: %s %s, %s %s" % (
                e, fname, f["schema"] or f["columns"], mname, m["schema"] or m["columns"]))
        elif not same:
            diffs.append(describe_diff(e, f["columns"], f["rows"], m["rows"]))
        equal = equal and same
    for d in diffs:
        if quiet:
            print(d)
        else:
            fails.fail(d)
    return equal


# --- runs, checks ----------------------------------------------------------------------------

class Runner:
    def __init__(self, a, fails, manifest):
        self.a, self.fails, self.manifest = a, fails, manifest
        self.sdk = os.path.join(a.shared, "cdm-sdk", "check.js")
        self.have_sdk = os.path.isfile(self.sdk) and shutil.which("node") is not None
        self.seconds = 0.0

    def transform(self, what, inputs, out, deleted=None, info=None):
        a = self.a
        cmd = [a.transform] + (["--config", a.config] if a.config else
                               [x for v in a.views for x in ("--view", v)])
        cmd += ["--input", inputs, "--output", out, "--format", a.format]
        if not a.dry_run_append:
            cmd += ["--mode", "merge"] + (["--deleted", deleted] if deleted else [])
        print("running (%s): %s" % (what, " ".join(cmd)), flush=True)
        t = time.time()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.seconds += time.time() - t
        text = p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")
        shown = [l for l in text.splitlines() if not ENTITY_LINE.match(l)]
        for l in shown[:40]:
            print("  > " + l)
        self.fails.check(p.returncode == 0, "%s: fhir2cdm-transform exited %d (expected 0):\n%s"
                         % (what, p.returncode, text[-3000:]))
        check_summary(self.fails, what, text, info, set(entity_types(self.a).values()))
        return p.returncode

    def sdk_check(self, folder, what, lst):
        if not self.have_sdk:
            return
        cmd = ["node", self.sdk, folder] + ([MANIFEST] if self.a.format == "parquet" else [])
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=300)
        last = (p.stdout.strip().splitlines() or [""])[-1]
        print("  CDM SDK (%s): check.js exit %d: %s" % (what, p.returncode, last), flush=True)
        self.fails.check(p.returncode == 0, "%s: the CDM SDK (%s) reports problems:\n%s"
                         % (what, " ".join(cmd), p.stdout[-3000:]))
        named = sorted(re.findall(r"^\s+partition (\S+) \[", p.stdout, re.M))
        want = sorted(l for e in lst.values() for l in e["locations"])
        self.fails.check(named == want, "%s: the SDK names %d partitions, the record lists %d"
                         % (what, len(named), len(want)))


def snapshot(folder, lst, types):
    """{entity: {location: (st_ino, sha256)}} of every entity whose resource type is not
    Patient."""
    out = {}
    for e, ent in lst.items():
        if types.get(e) == "Patient":
            continue
        files = {}
        for l in ent["locations"]:
            p = os.path.join(folder, l)
            with open(p, "rb") as f:
                files[l] = (os.stat(p).st_ino, hashlib.sha256(f.read()).hexdigest())
        out[e] = files
    return out


def split_final(final, out):
    """Splits every final/<Type>.000.ndjson into out/a/<Type>.000.ndjson (first half of its
    lines) and out/b/<Type>.001.ndjson (the rest); returns the two folders."""
    halves = [os.path.join(out, "a"), os.path.join(out, "b")]
    for h in halves:
        os.makedirs(h)
    for name in sorted(os.listdir(final)):
        with open(os.path.join(final, name), encoding="utf-8", newline="") as f:
            lines = f.readlines()
        cut = (len(lines) + 1) // 2
        stem = name.split(".")[0]
        for h, part, n in ((halves[0], lines[:cut], "000"), (halves[1], lines[cut:], "001")):
            if part:
                with open(os.path.join(h, "%s.%s.ndjson" % (stem, n)), "w", encoding="utf-8",
                          newline="") as f:
                    f.writelines(part)
    return halves


def need_parquet_readers():
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            f2ctest.skip("%s not found on PATH: the merge oracle reads Parquet partitions with "
                         "tests/parquet's readers (node)" % tool)
    p = subprocess.run([os.path.join(PARQUET_DIR, "install.sh")], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    sys.stdout.write(p.stdout.decode("utf-8", "replace"))
    if p.returncode != 0:
        f2ctest.skip("tests/parquet/install.sh could not install the pinned Parquet readers "
                     "into tools/npm-parquet (offline?)")
    os.environ.setdefault("F2C_NPM_PARQUET", os.path.join(ROOT, "tools", "npm-parquet"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transform", required=True, help="fhir2cdm-transform")
    ap.add_argument("--shared", required=True, help="the shared reference folder (../shared)")
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--config", help="table configuration folder (samples/config)")
    g.add_argument("--views", action="append", help="ViewDefinition file or folder "
                   "(samples/views); repeatable")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seed", type=int, default=20240301)
    ap.add_argument("--pq-reader", choices=["duckdb", "both"], default="duckdb",
                    help="Parquet reader(s) (both: DuckDB and hyparquet must agree)")
    ap.add_argument("--pq-per-file", action="store_true",
                    help="one `node pqdump.mjs` per Parquet file instead of one node process")
    ap.add_argument("--dry-run-append", action="store_true",
                    help="debug this script with a transformer without merge mode (see above)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    a = ap.parse_args()
    started = time.time()

    data = os.path.join(a.shared, "data", "synthea-10")
    if not os.path.isdir(data):
        f2ctest.skip("%s is absent: the merge oracle needs ../shared/data/synthea-10 "
                     "(set -DFHIR2CDM_SHARED_DIR=...)" % data)
    if not f2ctest.transformer_ok(a.transform):
        return 1
    helptext = subprocess.run([a.transform, "--help"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT).stdout.decode("utf-8", "replace")
    if not a.dry_run_append and ("--mode" not in helptext or "--deleted" not in helptext):
        print("FAIL: %s --help mentions no --mode / --deleted: this build has no merge mode "
              "(run with --dry-run-append to debug the oracle itself)" % a.transform)
        return 1
    if a.format == "parquet":
        need_parquet_readers()
    types = entity_types(a)
    fails = f2ctest.Failures()
    tmp = tempfile.mkdtemp(prefix="f2c-merge-oracle-")
    gen = os.path.join(tmp, "rounds")
    cmd = [sys.executable, "-B", os.path.join(HERE, "make_rounds.py"), "--input", data,
           "--rounds", str(a.rounds), "--seed", str(a.seed), "--out", gen]
    print("running: " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(p.stdout)
    f2ctest.require(p.returncode == 0, "make_rounds.py exited %d" % p.returncode, p.stdout)
    with open(os.path.join(gen, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    run = Runner(a, fails, manifest)
    if not run.have_sdk:
        f2ctest.banner("NOTE: %s or node not found: the CDM SDK checks are not run" % run.sdk)
    mode = "append (DRY RUN)" if a.dry_run_append else "merge"

    # A: one run over the final state.
    F = os.path.join(tmp, "F")
    run.transform("A: final/ -> F, %s" % mode, os.path.join(gen, "final"), F)
    lst_f = listing(F, a.format, fails, "F")
    run.sdk_check(F, "F", lst_f)

    # B: t0, then every round.
    M = os.path.join(tmp, "M")
    run.transform("B: t0/ -> M, %s" % mode, os.path.join(gen, "t0"), M)
    lst_m = listing(M, a.format, fails, "M after t0")
    run.sdk_check(M, "M after t0", lst_m)
    for info in manifest["round"]:
        k = info["round"]
        before = snapshot(M, lst_m, types) if info["patient_only"] else None
        run.transform("B: round %d -> M, %s%s" % (k, mode, " (Patient only)"
                                                  if info["patient_only"] else ""),
                      os.path.join(gen, "round-%d" % k), M,
                      os.path.join(gen, "round-%d-deleted" % k), info)
        lst_m = listing(M, a.format, fails, "M after round %d" % k)
        run.sdk_check(M, "M after round %d" % k, lst_m)
        if before is not None:
            after = snapshot(M, lst_m, types)
            changed = []
            for e in sorted(before):
                if after.get(e, {}).keys() != before[e].keys():
                    changed.append("%s: partitions %s -> %s" % (e, sorted(before[e]),
                                                                sorted(after.get(e, {}))))
                    continue
                for l, (ino, sha) in sorted(before[e].items()):
                    ino2, sha2 = after[e][l]
                    if ino2 != ino or sha2 != sha:
                        changed.append("%s: %s %s" % (e, l, "inode %d -> %d" % (ino, ino2)
                                                      if ino2 != ino else "bytes changed"))
            n = sum(len(v) for v in before.values())
            fails.expect(not changed, "round %d (Patient only): the %d partitions of the %d "
                         "entities of other resource types keep their inode and bytes%s"
                         % (k, n, len(before), "" if not changed else ":\n    "
                            + "\n    ".join(changed[:10])))
            fails.check(n > 0, "round %d: no partition of another resource type to check"
                        % k)

    # Rows.
    extra = unlisted(M, lst_m)
    if extra:
        print("note: %d file(s) under M/data/ not listed by the record (not read), e.g. %s"
              % (len(extra), extra[:3]))
    rows_f = folder_rows(F, a.format, lst_f, a, fails, "F")
    rows_m = folder_rows(M, a.format, lst_m, a, fails, "M")
    total = sum(sum(v["rows"].values()) for v in rows_f.values())
    fails.check(total > 0, "F has no rows at all")
    if a.dry_run_append:
        F2 = os.path.join(tmp, "F2")
        run.transform("dry run: final/ -> F2, append", os.path.join(gen, "final"), F2)
        lst_f2 = listing(F2, a.format, fails, "F2")
        rows_f2 = folder_rows(F2, a.format, lst_f2, a, fails, "F2")
        print("dry run: F vs F2 (two full runs of final/):")
        fails.expect(compare(fails, rows_f, rows_f2, "F", "F2"),
                     "dry run: the comparison finds two full runs of final/ equal")
        # The same rows from two runs, each type's resources split over two files (two
        # partitions per entity): the rows of several partitions are added up correctly.
        halves = split_final(os.path.join(gen, "final"), os.path.join(tmp, "final-split"))
        F3 = os.path.join(tmp, "F3")
        for i, half in enumerate(halves):
            run.transform("dry run: final/ half %d -> F3, append" % (i + 1), half, F3)
        lst_f3 = listing(F3, a.format, fails, "F3")
        rows_f3 = folder_rows(F3, a.format, lst_f3, a, fails, "F3")
        print("dry run: F vs F3 (final/ in two halves, two runs):")
        fails.expect(compare(fails, rows_f, rows_f3, "F", "F3"),
                     "dry run: the comparison finds final/ in two runs equal to F")
        fails.check(any(len(e["locations"]) > 1 for e in lst_f3.values()),
                    "dry run: F3 has no entity with several partitions")
        print("dry run: F vs M (append mode: M must differ; the differences as the merge "
              "oracle would report them):")
        fails.expect(not compare(fails, rows_f, rows_m, quiet=True),
                     "dry run: the comparison finds the append-mode history different from F")
    else:
        print("rows per entity, F (one run of final/) vs M (t0 + %d rounds):" % a.rounds)
        fails.expect(compare(fails, rows_f, rows_m),
                     "every entity of M holds exactly F's rows (%d rows in %d entities)"
                     % (total, len(rows_f)))
    print("time: %.1f s in the transformer, %.1f s in all" % (run.seconds,
                                                             time.time() - started))
    rc = fails.report("merge.oracle (%s, %s, %s): ok" % (
        a.format, "config" if a.config else "views", mode))
    f2ctest.remove_tmp(tmp, a.keep or rc != 0)
    return rc


if __name__ == "__main__":
    sys.exit(main())
