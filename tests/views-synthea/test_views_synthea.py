#!/usr/bin/env python3
"""End-to-end test of our SQL on FHIR ViewDefinitions (samples/views) on real Synthea data.

Runs `fhir2cdm-transform --view samples/views --input ../shared/data/synthea-10 --output TMP`
and checks, for EVERY view in samples/views, against rows computed independently here from the
NDJSON (synthea_views.py: one hand-written Python function per view, no FHIRPath engine):

  * the CSV rows of each (view, input file) are exactly the expected rows, as a multiset
    (order-insensitive, as the SQL on FHIR suite compares), cell text included;
  * a partition exists for (view, input file) exactly when that file gives the view rows, named
    partition-data-<input file stem>-<operation id>.csv under data/<view name>/;
  * every partition's header is the view's column names in the spec's column order, and every
    record has that many fields, RFC 4180 minimal quoting with CRLF record ends;
  * model.json has one entity per view (named as the view), attributes = the columns in order
    with the dataType of each column's type, and lists exactly the partition files on disk;
  * the run exits 0 with no warning (a warning means an emptied cell or a rejected line).

Also (always, even without ../shared, and alone with --lint-only): every view in samples/views
is a well-formed ViewDefinition as the SQL on FHIR v2 logical model describes it (names, status,
resource, select structure, unique column names, consistent unionAll branches, constants with
one value[x]), has an explicit type on every column, and has a Python function here.

Exit status: 0 pass; 1 a check failed (every failure listed); 77 skipped because the shared
reference data (../shared) is absent (CTest SKIP_RETURN_CODE).  Python stdlib only.
"""

import argparse
import collections
import csv
import glob
import io
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "pylib"))
sys.path.insert(0, HERE)
import f2ctest  # noqa: E402  (tests/pylib/f2ctest.py)
import synthea_views as sv  # noqa: E402

OPERATION_ID = "views-test"
SQL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# FHIR type of a view column -> CDM dataType in model.json: SQL on FHIR's "Default Type
# Mappings" (docs/views.md, "Column types"): CHARACTER VARYING types (date, dateTime, time and
# decimal among them) are strings, INT int64, BOOLEAN boolean, TIMESTAMP WITH TIME ZONE
# (instant) dateTime.  A collection=true column holds JSON array text: string.
CDM_TYPE = {
    "string": "string", "code": "string", "id": "string", "uri": "string", "url": "string",
    "canonical": "string", "markdown": "string", "oid": "string", "uuid": "string",
    "integer": "int64", "positiveInt": "int64", "unsignedInt": "int64",
    "decimal": "string", "boolean": "boolean",
    "date": "string", "dateTime": "string", "instant": "dateTime", "time": "string",
}
CONSTANT_VALUE = re.compile(r"^value[A-Z][A-Za-z0-9]*$")


# --- lint ------------------------------------------------------------------------------------

def lint_view(path, view, fails):
    where = os.path.basename(path)
    ok = fails.check(isinstance(view, dict), "%s: not a JSON object" % where)
    if not ok:
        return False
    fails.check(view.get("resourceType") == "ViewDefinition",
                "%s: resourceType is %r, not ViewDefinition" % (where, view.get("resourceType")))
    name = view.get("name")
    fails.check(isinstance(name, str) and SQL_NAME.match(name),
                "%s: name %r is not a SQL name ^[A-Za-z][A-Za-z0-9_]*$" % (where, name))
    fails.check(os.path.basename(path) == "%s.json" % name,
                "%s: file name should be <name>.json (%s.json)" % (where, name))
    fails.check(view.get("status") in ("draft", "active", "retired", "unknown"),
                "%s: status %r (required, a PublicationStatus code)" % (where, view.get("status")))
    fails.check(name in sv.VIEWS, "%s: view %r has no Python rows function in synthea_views.py"
                % (where, name))
    if name in sv.VIEWS:
        fails.check(view.get("resource") == sv.VIEWS[name][0],
                    "%s: resource %r, synthea_views.py expects %r"
                    % (where, view.get("resource"), sv.VIEWS[name][0]))
    consts = set()
    for i, c in enumerate(view.get("constant", [])):
        cn = c.get("name")
        fails.check(isinstance(cn, str) and SQL_NAME.match(cn) and cn not in consts,
                    "%s: constant[%d] name %r invalid or duplicate" % (where, i, cn))
        consts.add(cn)
        vals = [k for k in c if CONSTANT_VALUE.match(k)]
        fails.check(len(vals) == 1, "%s: constant %r needs exactly one value[x], has %s"
                    % (where, cn, vals))
    for i, w in enumerate(view.get("where", [])):
        fails.check(isinstance(w.get("path"), str) and w["path"],
                    "%s: where[%d] has no path" % (where, i))
    used = set(re.findall(r"%([A-Za-z][A-Za-z0-9_]*)", json.dumps(view)))
    fails.check(used - consts - {"rowIndex", "resource", "rootResource", "context", "ucum"}
                == set(), "%s: undefined constants %s" % (where, sorted(used - consts)))
    sels = view.get("select")
    fails.check(isinstance(sels, list) and sels, "%s: select must be a non-empty list" % where)

    def check_sel(s, at):
        fails.check(not ("forEach" in s and "forEachOrNull" in s),
                    "%s: %s has both forEach and forEachOrNull" % (where, at))
        for j, col in enumerate(s.get("column", [])):
            cat = "%s.column[%d]" % (at, j)
            fails.check(isinstance(col.get("name"), str) and SQL_NAME.match(col["name"]),
                        "%s: %s name %r is not a SQL name" % (where, cat, col.get("name")))
            fails.check(isinstance(col.get("path"), str) and col["path"],
                        "%s: %s has no path" % (where, cat))
            fails.check(col.get("type") in CDM_TYPE,
                        "%s: %s (%s) type %r: every sample column declares a primitive type"
                        % (where, cat, col.get("name"), col.get("type")))
        for j, sub in enumerate(s.get("select", [])):
            check_sel(sub, "%s.select[%d]" % (at, j))
        branches = s.get("unionAll", [])
        for j, sub in enumerate(branches):
            check_sel(sub, "%s.unionAll[%d]" % (at, j))
        if branches:
            first = [(c[0], c[1]) for c in sv.view_columns({"select": [branches[0]]})]
            for j, sub in enumerate(branches[1:], 1):
                other = [(c[0], c[1]) for c in sv.view_columns({"select": [sub]})]
                fails.check(other == first, "%s: %s.unionAll[%d] columns %s != unionAll[0] %s"
                            % (where, at, j, other, first))

    for i, s in enumerate(sels or []):
        check_sel(s, "select[%d]" % i)
    names = [c[0] for c in sv.view_columns(view)]
    dup = sorted(n for n, k in collections.Counter(names).items() if k > 1)
    fails.check(not dup, "%s: column names defined more than once: %s" % (where, dup))
    return True


def load_views(views_dir, fails):
    views = {}
    paths = sorted(glob.glob(os.path.join(views_dir, "*.json")))
    if not paths:
        fails.fail("no *.json ViewDefinitions in %s" % views_dir)
    for p in paths:
        try:
            with open(p, encoding="utf-8") as f:
                v = json.load(f)
        except ValueError as e:
            fails.fail("%s: not JSON: %s" % (p, e))
            continue
        if lint_view(p, v, fails):
            views[v.get("name")] = v
    missing = sorted(set(sv.VIEWS) - set(views))
    fails.check(not missing, "synthea_views.py has rows for views that are not in %s: %s"
                % (views_dir, missing))
    return views


# --- expected rows ---------------------------------------------------------------------------

def input_stem(path):
    name = os.path.basename(path)
    return name[: -len(".ndjson")] if name.endswith(".ndjson") else name


def expected_rows(views, input_files, fails):
    """{(view, stem): Counter(tuple of cells)}, and resource counts per type."""
    by_type = collections.defaultdict(list)
    cols = {}
    for name, v in views.items():
        if name in sv.VIEWS:
            by_type[v["resource"]].append(name)
            cols[name] = sv.view_columns(v)
    expected = collections.defaultdict(collections.Counter)
    counts = collections.Counter()
    for path in input_files:
        stem = input_stem(path)
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                res = sv.load_json(line)
                rt = res.get("resourceType")
                counts[rt] += 1
                for name in by_type.get(rt, []):
                    try:
                        rows = sv.VIEWS[name][1](res)
                        names = [c[0] for c in cols[name]]
                        for r in rows:
                            if set(r) != set(names):
                                raise sv.Unhandled(
                                    "synthea_views.%s gives columns %s, the view has %s"
                                    % (name, sorted(r), sorted(names)))
                            expected[(name, stem)][tuple(
                                sv.render(r[c], t, coll) for c, t, coll in cols[name])] += 1
                    except sv.Unhandled as e:
                        fails.fail("%s:%d (%s/%s): view %s: %s" % (path, lineno, rt,
                                                                  res.get("id"), name, e))
    return expected, counts, cols


# --- output ----------------------------------------------------------------------------------

def read_partition(path, fails):
    with open(path, "rb") as f:
        raw = f.read()
    rows = f2ctest.parse_csv(raw, "utf-8")
    if not rows:
        fails.fail("%s: empty file (no header record)" % path)
        return [], []
    buf = io.StringIO(newline="")
    csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerows(rows)
    fails.check(raw == buf.getvalue().encode("utf-8"),
                "%s: not RFC 4180 minimal quoting with CRLF record ends" % path)
    return rows[0], rows[1:]


def describe_diff(view, names, want, got, limit=5):
    """Groups the differing rows by their first column (the resource key) and shows, per key,
    the expected and actual rows."""
    missing = want - got
    extra = got - want
    keys = []
    for r in list(missing) + list(extra):
        if r[0] not in keys:
            keys.append(r[0])
    lines = ["%s: %d expected rows missing, %d unexpected rows (%d resources differ)"
             % (view, sum(missing.values()), sum(extra.values()), len(keys))]
    for k in keys[:limit]:
        lines.append("  %s = %s:" % (names[0], k))
        exp_k = sorted(x for x in missing.elements() if x[0] == k)
        got_k = sorted(x for x in extra.elements() if x[0] == k)
        if len(exp_k) == 1 and len(got_k) == 1 and len(exp_k[0]) == len(got_k[0]):
            # One row each way: name the differing cells first, then show both rows.
            for c, e, g in zip(names, exp_k[0], got_k[0]):
                if e != g:
                    lines.append("    column %s: expected %s, got %s"
                                 % (c, json.dumps(e, ensure_ascii=False),
                                    json.dumps(g, ensure_ascii=False)))
        for r in exp_k:
            lines.append("    expected: " + json.dumps(dict(zip(names, r)), ensure_ascii=False))
        for r in got_k:
            lines.append("    got:      " + json.dumps(dict(zip(names, r)), ensure_ascii=False))
    if len(keys) > limit:
        lines.append("  ... and %d more resources" % (len(keys) - limit))
    return "\n".join(lines)


def partition_location(out_dir, location):
    loc = location[len("file://"):] if location.startswith("file://") else location
    return os.path.normpath(loc if os.path.isabs(loc) else os.path.join(out_dir, loc))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transform", help="path of fhir2cdm-transform")
    ap.add_argument("--views", required=True, help="ViewDefinition folder (samples/views)")
    ap.add_argument("--shared", help="shared reference folder (../shared)")
    ap.add_argument("--lint-only", action="store_true",
                    help="only check the ViewDefinitions themselves (no transformer, no data)")
    ap.add_argument("--expect-only", action="store_true",
                    help="lint and compute the expected rows (print counts), do not run the "
                         "transformer")
    ap.add_argument("--keep", action="store_true", help="keep the temporary output folder")
    args = ap.parse_args()

    fails = f2ctest.Failures()
    views = load_views(args.views, fails)
    print("views: %d in %s (%s)" % (len(views), args.views, ", ".join(sorted(views))))
    if args.lint_only:
        print("views lint: %s" % ("FAILED" if fails.items else "ok"))
        return 1 if fails.items else 0

    if not args.shared:
        ap.error("give --shared (or --lint-only)")
    data_dir = os.path.join(args.shared, "data", "synthea-10")
    f2ctest.skip_without_shared(args.shared, "data/synthea-10")
    input_files = sorted(glob.glob(os.path.join(data_dir, "*.ndjson")))
    if not input_files:
        f2ctest.skip("no *.ndjson files in %s" % data_dir)

    expected, counts, cols = expected_rows(views, input_files, fails)
    print("input: %d files, %s" % (len(input_files),
                                   ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    for name in sorted(views):
        n = sum(sum(c.values()) for (v, _), c in expected.items() if v == name)
        print("expected: %-24s %6d rows" % (name, n))
    if args.expect_only:
        return 1 if fails.items else 0

    if not args.transform or not f2ctest.transformer_ok(args.transform):
        return 1
    helptext = subprocess.run([args.transform, "--help"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT).stdout.decode("utf-8", "replace")
    if "--view" not in helptext:
        print("FAIL: %s --help does not mention --view: this build cannot run ViewDefinitions"
              % args.transform)
        return 1

    tmp = tempfile.mkdtemp(prefix="fhir2cdm-views-")
    out_dir = os.path.join(tmp, "cdm")
    cmd = [args.transform, "--view", args.views, "--input", data_dir, "--output", out_dir,
           "--operation-id", OPERATION_ID, "--quiet"]
    print("running: " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    sys.stdout.write(out)
    sys.stdout.write(err)
    if p.returncode != 0:
        print("FAIL: transformer exited with status %d (expected 0); output kept in %s"
              % (p.returncode, tmp))
        return 1
    warn = [l for l in (out + err).splitlines() if "warning" in l.lower()]
    fails.check(not warn, "the run printed %d warning line(s), e.g. %s" % (len(warn), warn[:3]))

    # --- model.json ---------------------------------------------------------------------------
    model_path = os.path.join(out_dir, "model.json")
    if not os.path.isfile(model_path):
        print("FAIL: %s not written; output kept in %s" % (model_path, tmp))
        return 1
    with open(model_path, encoding="utf-8") as f:
        model = json.load(f)
    ents = model.get("entities", [])
    entities = {e.get("name"): e for e in ents}
    fails.check(len(entities) == len(ents), "model.json: duplicate entity names")
    want_entities = set(views)  # entity = the view name (issue 5)
    fails.check(set(entities) == want_entities,
                "model.json entities != the names of the views: missing %s, extra %s"
                % (sorted(want_entities - set(entities)), sorted(set(entities) - want_entities)))
    listed = {}
    for ename, ent in entities.items():
        for part in ent.get("partitions", []):
            loc = part.get("location")
            if fails.check(isinstance(loc, str) and loc,
                           "model.json: entity %s has a partition without location" % ename):
                ap_ = partition_location(out_dir, loc)
                fails.check(ap_ not in listed, "model.json lists %s twice" % loc)
                listed[ap_] = ename
    on_disk = {os.path.normpath(x) for x in glob.glob(os.path.join(out_dir, "data", "*", "*.csv"))}
    fails.check(set(listed) == on_disk,
                "model.json partitions != partition files on disk: only listed %s; only on "
                "disk %s" % (sorted(os.path.relpath(x, out_dir) for x in set(listed) - on_disk),
                             sorted(os.path.relpath(x, out_dir) for x in on_disk - set(listed))))
    stray = [x for x in glob.glob(os.path.join(out_dir, "data", "*", "*")) if not x.endswith(".csv")]
    fails.check(not stray, "unexpected non-CSV files in the data folders: %s" % stray)

    # --- every view -------------------------------------------------------------------------
    stems = [input_stem(x) for x in input_files]
    for name in sorted(views):
        entity = name
        names = [c[0] for c in cols[name]]
        ent = entities.get(entity, {})
        attrs = [(a.get("name"), a.get("dataType")) for a in ent.get("attributes", [])]
        want_attrs = [(c, "string" if coll else CDM_TYPE.get(t)) for c, t, coll in cols[name]]
        fails.check(attrs == want_attrs, "%s: model.json attributes\n  got:  %s\n  want: %s"
                    % (entity, attrs, want_attrs))
        total_got = total_want = 0
        for stem in stems:
            want = expected.get((name, stem), collections.Counter())
            nwant = sum(want.values())
            total_want += nwant
            part = os.path.join(out_dir, "data", entity,
                                "partition-data-%s-%s.csv" % (stem, OPERATION_ID))
            exists = os.path.isfile(part)
            if nwant == 0:
                fails.check(not exists, "%s: partition %s exists but %s gives the view no rows"
                            % (name, os.path.basename(part), stem))
                if not exists:
                    continue
            elif not fails.check(exists, "%s: partition %s missing (%s gives %d rows)"
                                 % (name, os.path.relpath(part, out_dir), stem, nwant)):
                continue
            fails.check(listed.get(os.path.normpath(part)) == entity,
                        "%s: partition %s not listed under %s in model.json"
                        % (name, os.path.basename(part), entity))
            header, rows = read_partition(part, fails)
            fails.check(header == names, "%s: header of %s\n  got:  %s\n  want: %s"
                        % (name, os.path.basename(part), header, names))
            bad = [i for i, r in enumerate(rows, 2) if len(r) != len(header)]
            fails.check(not bad, "%s: %d records of %s have a field count != %d (first: record "
                        "%s)" % (name, len(bad), os.path.basename(part), len(header), bad[:1]))
            got = collections.Counter(tuple(r) for r in rows)
            total_got += len(rows)
            if got != want:
                fails.fail("%s (%s): rows differ from the expected ones\n%s"
                           % (name, stem, describe_diff(name, names, want, got)))
        print("%-24s %6d rows (expected %d)" % (name, total_got, total_want), flush=True)

    f2ctest.remove_tmp(tmp, args.keep or bool(fails.items))
    if fails.items:
        print("views.synthea: %d check(s) failed" % len(fails.items))
        return 1
    print("views.synthea: all %d views match" % len(views))
    return 0


if __name__ == "__main__":
    sys.exit(main())
