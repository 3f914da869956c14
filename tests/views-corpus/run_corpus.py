#!/usr/bin/env python3
"""One case of our ViewDefinition corpus (tests/views-corpus, issue 20): ViewDefinitions over
FHIR R4 resource types Synthea does not give us (Claim, ExplanationOfBenefit, DiagnosticReport,
Questionnaire, QuestionnaireResponse, Goal, Observation components), with expected CSV written
by hand from the SQL on FHIR v2 specification.

Usage:
  run_corpus.py TRANSFORM CORPUS_DIR --view NAME [--shared DIR] [--keep]
  run_corpus.py TRANSFORM CORPUS_DIR --errors [--shared DIR] [--keep]

--view NAME runs `fhir2cdm-transform --view views/NAME.json --input input --output TMP -q`
(from CORPUS_DIR) and requires:
  * exit status 0;
  * model.json has an entity named as the view (its `name`), whose partitions (in model.json's
    order) hold exactly the bytes of expected/NAME.csv (one header; a mismatch is shown cell by
    cell);
  * each attribute of that entity, in the view's column order, has the CDM dataType of its
    column: `boolean` for boolean, `int64` for integer/positiveInt/unsignedInt, `dateTime` for
    instant (TIMESTAMP WITH TIME ZONE), `string` for every CHARACTER VARYING type (string, code,
    id, uri, url, canonical, oid, uuid, markdown, date, dateTime, time, decimal, base64Binary),
    for a column without type and for a collection column;
  * when SHARED/cdm-sdk/check.js exists and node is installed, Microsoft's CDM object model
    reads TMP/model.json with 0 problems.  Without them that check is skipped with a banner
    (never a failure).

--errors runs errors/views (two views whose paths are errors by the specification: a column
without `collection: true` giving two values, a `where` giving a string) over the same input
and requires: exit status 1; stderr names the input file:line of the failing resource, the view
and the column (the where clause for the where error); every other resource's rows are written
(errors/expected/*.csv, byte for byte) and the failing resource's rows are not.

The expected files are the specification's answer, not a record of our output: there is no
--update.  Fix an expectation only by re-deriving it from the specification.
Exit status: 0 pass, 1 fail.  Python 3 stdlib only.
"""

import argparse
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "pylib"))
import f2ctest  # noqa: E402

# The CDM dataType model.json must give a column of each FHIR type (SQL on FHIR "Default Type
# Mappings": BOOLEAN, INT, TIMESTAMP WITH TIME ZONE; everything else CHARACTER VARYING).
CDM_BY_TYPE = {
    "boolean": "boolean",
    "integer": "int64",
    "positiveInt": "int64",
    "unsignedInt": "int64",
    "instant": "dateTime",
}

# The CDM dataType of a column tagged ansi/type ("Overriding Default Type Mappings") with one of
# the values the runner implements (docs/views.md); any other value keeps the default mapping.
CDM_BY_ANSI = {
    "CHARACTER VARYING": "string",
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "INTEGER": "int64",
    "INT": "int64",
    "BIGINT": "int64",
    "DECIMAL": "decimal",
    "DATE": "dateTime",  # model.json has no date-only type; the Parquet manifest says date
    "TIME": "string",
    "TIMESTAMP WITH TIME ZONE": "dateTime",
    "TIMESTAMP": "dateTime",
    "TIMESTAMP WITHOUT TIME ZONE": "dateTime",
}


def ansi_tag(col):
    """The column's ansi/type value, upper-cased, blanks collapsed, a (length) dropped; or None."""
    for t in col.get("tag", []):
        if t.get("name") == "ansi/type" and isinstance(t.get("value"), str):
            v = " ".join(t["value"].upper().split())
            if re.match(r"^(DECIMAL|NUMERIC|DEC) ?(\( ?\d+ ?(, ?\d+ ?)?\))?$", v):
                return "DECIMAL"
            return re.sub(r" ?\(\d+\)$", "", v)
    return None


# The error lines the --errors run must print: (view, input file, line, what else the line names).
ERROR_CASES = [
    ("errors_multi_value", "Claim.ndjson", 1, "item_sequence"),
    ("errors_where", "Observation.ndjson", 6, "where"),
]


def view_columns(view):
    """[(name, type or None, collection, ansi/type or None)] of a ViewDefinition in the
    specification's column order: a select's columns, then its nested selects', then its first
    unionAll branch's."""
    out = []

    def walk(sel):
        for c in sel.get("column", []):
            out.append((c["name"], c.get("type"), bool(c.get("collection")), ansi_tag(c)))
        for s in sel.get("select", []):
            walk(s)
        if sel.get("unionAll"):
            walk(sel["unionAll"][0])

    for s in view["select"]:
        walk(s)
    return out


def expected_datatype(ftype, collection, ansi):
    if collection:
        return "string"
    if ansi in CDM_BY_ANSI:
        return CDM_BY_ANSI[ansi]
    return CDM_BY_TYPE.get(ftype, "string") if ftype else "string"


def run(transform, corpus, views, out):
    cmd = [transform, "--view", views, "--input", "input", "--output", out, "-q"]
    print("running (in %s): %s" % (corpus, " ".join(cmd)), flush=True)
    p = subprocess.run(cmd, cwd=corpus, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=50)
    out_text = p.stdout.decode("utf-8", "replace")
    err_text = p.stderr.decode("utf-8", "replace")
    sys.stdout.write(out_text)
    sys.stdout.write(err_text)
    return p.returncode, err_text


def load_model(out, f):
    path = os.path.join(out, "model.json")
    if not os.path.isfile(path):
        f.fail("no model.json in the output folder")
        return None
    with open(path, encoding="utf-8") as fp:
        return json.load(fp)


def entity_of(model, name, f):
    ents = [e for e in model.get("entities", []) if e.get("name") == name]
    if len(ents) != 1:
        f.fail("model.json has %d entities named %s (entities: %s)"
               % (len(ents), name, [e.get("name") for e in model.get("entities", [])]))
        return None
    return ents[0]


def entity_bytes(out, ent, f):
    """The entity's rows as one CSV: the first partition's header, then every partition's
    records, partitions in model.json's order.  None when a partition is missing."""
    parts = ent.get("partitions", [])
    if not parts:
        print("entity %s has no partition (no rows)" % ent["name"])
        return b""
    header, body = None, b""
    for p in parts:
        loc = p.get("location", "")
        path = os.path.join(out, loc) if not os.path.isabs(loc) else loc
        if not os.path.isfile(path):
            f.fail("partition %s listed by model.json does not exist" % loc)
            return None
        with open(path, "rb") as fp:
            raw = fp.read()
        print("partition %s: %d bytes" % (loc, len(raw)))
        cut = raw.find(b"\r\n")
        h, rest = (raw, b"") if cut < 0 else (raw[:cut + 2], raw[cut + 2:])
        if header is None:
            header = h
        elif h != header:
            f.fail("partition %s has another header: %r vs %r" % (loc, h, header))
        body += rest
    return (header or b"") + body


def cell_diff(expected, got, limit=60):
    """Lines describing how two CSV texts differ, cell by cell."""
    lines = []
    try:
        e = f2ctest.parse_csv(expected, "utf-8")
        g = f2ctest.parse_csv(got, "utf-8")
    except (UnicodeDecodeError, csv.Error) as x:
        return ["cannot parse as CSV: %s" % x]
    header = e[0] if e else []
    if e[:1] != g[:1]:
        lines.append("header: expected %r, got %r" % (e[:1], g[:1]))
    if len(e) != len(g):
        lines.append("records: expected %d data rows, got %d" % (len(e) - 1, len(g) - 1))
    for i in range(1, max(len(e), len(g))):
        er = e[i] if i < len(e) else None
        gr = g[i] if i < len(g) else None
        if er == gr:
            continue
        if er is None or gr is None:
            lines.append("row %d: expected %r, got %r" % (i, er, gr))
            continue
        key = er[0] if er else ""
        if len(er) != len(gr):
            lines.append("row %d (%s): expected %d cells %r, got %d cells %r"
                         % (i, key, len(er), er, len(gr), gr))
            continue
        for j, (a, b) in enumerate(zip(er, gr)):
            if a != b:
                col = header[j] if j < len(header) else "#%d" % j
                lines.append("row %d (%s) column %s: expected %r, got %r" % (i, key, col, a, b))
    if not lines:
        # Same cells, different bytes: quoting or record ends.
        k = next((k for k in range(min(len(expected), len(got))) if expected[k] != got[k]),
                 min(len(expected), len(got)))
        lines.append("same cells, different bytes (quoting or line ends) at byte %d: "
                     "expected %r, got %r" % (k, expected[max(0, k - 20):k + 20],
                                              got[max(0, k - 20):k + 20]))
    if len(lines) > limit:
        lines = lines[:limit] + ["... %d more differences" % (len(lines) - limit)]
    return lines


def compare_entity(out, model, view, expected_file, f):
    ent = entity_of(model, view["name"], f)
    if ent is None:
        return
    got = entity_bytes(out, ent, f)
    with open(expected_file, "rb") as fp:
        expected = fp.read()
    if got is not None:
        if f.expect(got == expected, "%s: CSV bytes equal %s"
                    % (view["name"], os.path.relpath(expected_file, HERE))):
            pass
        else:
            for line in cell_diff(expected, got):
                print("    " + line)
    cols = view_columns(view)
    attrs = [(a.get("name"), a.get("dataType")) for a in ent.get("attributes", [])]
    f.expect([a[0] for a in attrs] == [c[0] for c in cols],
             "%s: model.json attributes are the view's columns in order" % view["name"])
    by_name = dict(attrs)
    for name, ftype, coll, ansi in cols:
        want = expected_datatype(ftype, coll, ansi)
        got_t = by_name.get(name)
        f.expect(got_t == want, "%s: attribute %s (type %s%s) has dataType %s (got %s)"
                 % (view["name"], name, ftype or "none", ", collection" if coll else "", want,
                    got_t))


def sdk_check(shared, out, f):
    check = os.path.join(shared, "cdm-sdk", "check.js") if shared else ""
    if not check or not os.path.isfile(check):
        f2ctest.banner("SKIP (this check only): %s not found (../shared absent; set "
                       "-DFHIR2CDM_SHARED_DIR): the CDM SDK does not read this model.json"
                       % (check or "cdm-sdk/check.js"))
        return
    if not shutil.which("node"):
        f2ctest.banner("SKIP (this check only): node not found: the CDM SDK does not read this "
                       "model.json")
        return
    p = subprocess.run(["node", check, out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=50)
    text = p.stdout.decode("utf-8", "replace")
    last = (text.strip().splitlines() or [""])[-1]
    print("CDM SDK: " + "\n         ".join(text.strip().splitlines()))
    f.expect(p.returncode == 0 and last.endswith(" 0 problems"),
             "CDM SDK (check.js) reads model.json with 0 problems (exit %d: %s)"
             % (p.returncode, last))


def one_view(o, f, out):
    view_file = os.path.join(o.corpus, "views", o.view + ".json")
    with open(view_file, encoding="utf-8") as fp:
        view = json.load(fp)
    rc, err = run(o.transform, o.corpus, os.path.join("views", o.view + ".json"), out)
    f.expect(rc == 0, "exit status 0 (got %d)" % rc)
    # expected/<view>.warnings: each line a text some stderr line must contain (warnings the
    # view gives when it is loaded or run); without it, stderr must be empty.
    wfile = os.path.join(o.corpus, "expected", o.view + ".warnings")
    want = []
    if os.path.isfile(wfile):
        with open(wfile, encoding="utf-8") as fp:
            want = [ln.rstrip("\n") for ln in fp if ln.strip() and not ln.startswith("#")]
    lines = err.splitlines()
    for w in want:
        f.expect(any(w in ln for ln in lines), "stderr has a line containing %r" % w)
    f.expect(len(lines) == len(want), "stderr has %d line(s), expected %d" % (len(lines),
                                                                             len(want)))
    model = load_model(out, f)
    if model is None:
        return
    compare_entity(out, model, view, os.path.join(o.corpus, "expected", o.view + ".csv"), f)
    sdk_check(o.shared, out, f)
    pq_expected = os.path.join(o.corpus, "expected", o.view + ".parquet.json")
    if os.path.isfile(pq_expected):
        parquet_check(o, f, view, out + "-parquet", pq_expected)


def parquet_check(o, f, view, out, expected_file):
    """expected/<view>.parquet.json: the run with --format parquet, read by DuckDB and hyparquet
    (tests/parquet/pqdump.mjs --reader both: the two readers must agree), must give exactly
    {"schema": [{name, type}], "rows": [...]} as written there, and the entity document the
    CDM types of its "cdm" list.  Skipped loudly when the readers cannot be installed."""
    root = os.path.normpath(os.path.join(o.corpus, os.pardir, os.pardir))
    prefix = os.path.join(root, "tools", "npm-parquet")
    inst = subprocess.run(["bash", os.path.join(root, "tests", "parquet", "install.sh"), prefix],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if inst.returncode != 0 or not shutil.which("node"):
        f2ctest.banner("SKIP (the Parquet check only): the Parquet readers could not be "
                       "installed (tests/parquet/install.sh exit %d)" % inst.returncode)
        return
    cmd = [o.transform, "--view", os.path.join("views", o.view + ".json"), "--input", "input",
           "--output", out, "--format", "parquet", "-q"]
    print("running (in %s): %s" % (o.corpus, " ".join(cmd)), flush=True)
    p = subprocess.run(cmd, cwd=o.corpus, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=50)
    f.expect(p.returncode == 0, "parquet: exit status 0 (got %d)" % p.returncode)
    with open(os.path.join(out, "model.manifest.cdm.json"), encoding="utf-8") as fp:
        man = json.load(fp)
    ent = [e for e in man.get("entities", []) if e.get("entityName") == view["name"]]
    if not f.expect(len(ent) == 1 and len(ent[0].get("dataPartitions", [])) == 1,
                    "parquet: the manifest lists one partition of %s" % view["name"]):
        return
    part = os.path.join(out, ent[0]["dataPartitions"][0]["location"])
    env = dict(os.environ, F2C_NPM_PARQUET=prefix)
    d = subprocess.run(["node", os.path.join(root, "tests", "parquet", "pqdump.mjs"),
                        "--reader", "both", part], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=50)
    if not f.expect(d.returncode == 0, "parquet: DuckDB and hyparquet read it alike (pqdump "
                    "exit %d: %s)" % (d.returncode, d.stderr.decode("utf-8", "replace")[:300])):
        return
    got = json.loads(d.stdout)
    with open(expected_file, encoding="utf-8") as fp:
        want = json.load(fp)
    f.expect(got["schema"] == want["schema"], "parquet: column types %s (got %s)"
             % (want["schema"], got["schema"]))
    f.expect(got["rows"] == want["rows"], "parquet: rows equal the expected ones (got %s)"
             % json.dumps(got["rows"]))
    with open(os.path.join(out, view["name"] + ".cdm.json"), encoding="utf-8") as fp:
        doc = json.load(fp)
    attrs = [a.get("dataType") for a in doc["definitions"][0]["hasAttributes"]]
    f.expect(attrs == want["cdm"], "parquet: entity document dataTypes %s (got %s)"
             % (want["cdm"], attrs))


def errors(o, f, out):
    vdir = os.path.join(o.corpus, "errors", "views")
    rc, err = run(o.transform, o.corpus, os.path.join("errors", "views"), out)
    f.expect(rc == 1, "exit status 1 (got %d)" % rc)
    lines = err.splitlines()
    for view, stem, line, what in ERROR_CASES:
        loc = re.compile(r"(^|[/\\ ])%s:%d\b" % (re.escape(stem), line))
        hit = [ln for ln in lines if loc.search(ln) and view in ln and what in ln]
        f.expect(bool(hit), "stderr names %s:%d, view %s and %s on one line"
                 % (stem, line, view, what))
    model = load_model(out, f)
    if model is None:
        return
    for name in sorted(os.listdir(vdir)):
        if name.endswith(".json"):
            with open(os.path.join(vdir, name), encoding="utf-8") as fp:
                view = json.load(fp)
            compare_entity(out, model, view, os.path.join(o.corpus, "errors", "expected",
                                                          name[:-5] + ".csv"), f)
    sdk_check(o.shared, out, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("transform")
    ap.add_argument("corpus")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--view")
    g.add_argument("--errors", action="store_true")
    ap.add_argument("--shared", default="")
    ap.add_argument("--keep", action="store_true", help="keep the output folder")
    o = ap.parse_args()
    o.transform = os.path.abspath(o.transform)
    o.corpus = os.path.abspath(o.corpus)
    if not f2ctest.transformer_ok(o.transform):
        return 1
    f = f2ctest.Failures()
    tmp = tempfile.mkdtemp(prefix="f2c-views-corpus-")
    out = os.path.join(tmp, "out")
    try:
        if o.errors:
            errors(o, f, out)
        else:
            one_view(o, f, out)
    finally:
        f2ctest.remove_tmp(tmp, o.keep)
    return f.report("views corpus %s: pass" % ("errors" if o.errors else o.view))


if __name__ == "__main__":
    sys.exit(main())
