#!/usr/bin/env python3
"""generator.views_equivalence: `fhir2cdm generate-config --emit view-definitions` gives the
same rows as the table configuration it stands for.

Usage: test_views_equiv.py FHIR2CDM TRANSFORM REPO SHARED [--keep]

From samples/yaml, generate both forms (the default table configuration, and the
ViewDefinitions), run fhir2cdm-transform with --config and with --view over the same NDJSON
(samples/ndjson; then SHARED/data/synthea-10, a part that is skipped with a banner when the
folder is absent), and compare the two CDM folders table by table:

  - the same tables (entity LocalT with --config, T with --view: docs/views.md), with the same
    partition files, and the same row count;
  - columns: exactly the configuration's, in the same order and with the same model.json
    dataType -- the reserved RowId, ResourceId, FhirPath and ParentPath of unroll tables
    included: the views carry RowId, FhirPath and ParentPath as columns tagged
    fhir2cdm-reserved, which the view loader computes as the configuration does
    (docs/views.md), and every unroll table's view must have all three, tagged;
  - rows: in order, cell for cell, on every column.  Two differences are declared and
    counted, not hidden: in a column of type array (a collection column of the view) an
    element that is absent is an empty cell in the configuration's output and [] in the
    view's (SQL on FHIR: a collection column is always an array); and a date/dateTime column
    holds the value as the resource writes it with --view (SQL on FHIR's default type
    mapping: CHARACTER VARYING) where --config writes its UTC instant -- the view's cell must
    give exactly the configuration's through that conversion.  Every other cell must be
    byte-identical, and the model.json dataTypes equal under the mapping (decimal and dateTime
    attributes are strings in a view).

Any other difference fails, with the first differing rows printed.  Python stdlib only.
"""

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402

RESERVED = ("RowId", "FhirPath", "ParentPath")
# A view types its columns by SQL on FHIR's default mapping (docs/views.md, "Output";
# f2c_view_column_type): date, dateTime, time and decimal are CHARACTER VARYING -- string
# attributes holding the value as the resource writes it -- where the table configuration
# writes CDM dateTime (UTC instants) and decimal attributes.  An instant stays dateTime (the
# view's instant columns are read from its files: views_info).
VIEW_DATATYPE = {"decimal": "string", "dateTime": "string"}
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DATETIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
                         r"(Z|[+-]\d{2}:\d{2})?$")


def utc_instant(text):
    """The table configuration's cell for a FHIR date/dateTime written as `text`
    (docs/transform.md, "Cells"): YYYY-MM-DDThh:mm:ss[.fraction]Z in UTC, partial dates padded
    to their first instant, offsets applied, fractional seconds digit for digit; None if `text`
    is neither."""
    m = DATE_RE.match(text)
    if m:
        return "%04d-%02d-%02dT00:00:00Z" % (int(m.group(1)), int(m.group(2) or 1),
                                             int(m.group(3) or 1))
    m = DATETIME_RE.match(text)
    if not m:
        return None
    y, mo, d, hh, mi = (int(m.group(i)) for i in range(1, 6))
    dt = datetime.datetime(y, mo, d, hh, mi, int(m.group(6) or 0))
    z = m.group(8)
    if z and z != "Z":
        sign = 1 if z[0] == "+" else -1
        dt -= sign * datetime.timedelta(hours=int(z[1:3]), minutes=int(z[4:6]))
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (m.group(7) or "") + "Z"


def run(cmd):
    print("running: " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sys.stdout.write(p.stdout.decode("utf-8", "replace"))
    sys.stdout.write(p.stderr.decode("utf-8", "replace"))
    return p.returncode, p.stderr.decode("utf-8", "replace")


def transform(exe, mode, src, inputs, out, opid):
    return run([exe, mode, src, "--input", inputs, "--output", out, "--operation-id", opid,
                "--quiet"])


def model(out):
    with open(os.path.join(out, "model.json"), encoding="utf-8") as f:
        m = json.load(f)
    return {e["name"]: [(a["name"], a["dataType"]) for a in e["attributes"]]
            for e in m["entities"]}


def partitions(out, entity):
    return [os.path.basename(p) for p in f2ctest.partition_files(out, entity)]


def rows(out, entity, width):
    recs = []
    for p in f2ctest.partition_files(out, entity):
        with open(p, "rb") as f:
            got = f2ctest.parse_csv(f.read(), "utf-8")
        recs += [r for r in got[1:]]
    for r in recs:
        if len(r) != width:
            raise ValueError("%s: a record of %d fields, %d columns" % (entity, len(r), width))
    return recs


def views_info(views_dir):
    """name -> set of collection columns; name -> {column: fhir2cdm-reserved tag value}; and
    name -> set of columns of type instant."""
    info, tagged, instants = {}, {}, {}
    for f in sorted(os.listdir(views_dir)):
        with open(os.path.join(views_dir, f), encoding="utf-8") as fh:
            v = json.load(fh)
        coll, tags, inst = set(), {}, set()

        def walk(sel):
            for s in sel:
                for c in s.get("column", []):
                    if c.get("collection"):
                        coll.add(c["name"])
                    if c.get("type") == "instant":
                        inst.add(c["name"])
                    for t in c.get("tag", []):
                        if t.get("name") == "fhir2cdm-reserved":
                            tags[c["name"]] = t.get("value")
                walk(s.get("select", []))
                walk(s.get("unionAll", []))
        walk(v["select"])
        info[v["name"]] = coll
        tagged[v["name"]] = tags
        instants[v["name"]] = inst
    return info, tagged, instants


def unroll_steps(config_dir):
    """table name -> number of unroll steps (0 for a resource table)."""
    out = {}
    for f in os.listdir(config_dir):
        if not f.endswith(".json"):
            continue
        with open(os.path.join(config_dir, f), encoding="utf-8") as fh:
            t = json.load(fh)
        u = t.get("unrollPath") or ""
        out[t["name"]] = len(u.split(".")) - 1 if u else 0
    return out


def compare(F, label, cfg_out, view_out, steps, coll, tagged, instants):
    # A configured table T writes the entity LocalT (the original tool's naming), a view the
    # entity named as the view (docs/views.md), here T.
    mc = {e[len("Local"):]: cols for e, cols in model(cfg_out).items() if e.startswith("Local")}
    mv = model(view_out)
    F.check(sorted(mc) == sorted(mv), "%s: tables differ: config only %s, views only %s"
            % (label, sorted(set(mc) - set(mv)), sorted(set(mv) - set(mc))))
    total_rows = total_cells = normalised = 0
    for table in sorted(set(mc) & set(mv)):
        ent, cent = table, "Local" + table
        ccols, vcols = mc[table], mv[table]
        cnames, vnames = [n for n, _ in ccols], [n for n, _ in vcols]
        missing = [n for n in cnames if n not in vnames]
        extra = [n for n in vnames if n not in cnames]
        F.check(not missing, "%s %s: columns missing from the view: %s" % (label, ent, missing))
        F.check(not extra, "%s %s: columns only in the view: %s" % (label, ent, extra))
        shared = [n for n in cnames if n in vnames]
        F.check(shared == vnames == cnames, "%s %s: view columns not the configuration's, in "
                "its order" % (label, ent))
        inst = instants.get(table, set())
        want_cols = [(n, t if n in inst else VIEW_DATATYPE.get(t, t)) for n, t in ccols]
        F.check(want_cols == vcols,
                "%s %s: model.json columns or dataTypes differ (under the view type mapping): %s"
                % (label, ent, [(a, b) for a, b in zip(want_cols, vcols) if a != b][:3]))
        temporal = {n for n, t in ccols if t == "dateTime" and n not in inst}
        want = {n: n for n in RESERVED} if steps.get(table, 0) else {}
        F.check(tagged.get(table, {}) == want, "%s %s: fhir2cdm-reserved columns %s, expected %s"
                % (label, ent, tagged.get(table, {}), want))
        F.check(partitions(cfg_out, cent) == partitions(view_out, ent),
                "%s %s: partition files differ: %s vs %s"
                % (label, ent, partitions(cfg_out, cent), partitions(view_out, ent)))
        crow, vrow = rows(cfg_out, cent, len(cnames)), rows(view_out, ent, len(vnames))
        if not F.check(len(crow) == len(vrow), "%s %s: %d rows with --config, %d with --view"
                       % (label, ent, len(crow), len(vrow))):
            continue
        ci = [cnames.index(n) for n in shared]
        arrays = [n in coll.get(table, set()) for n in shared]
        diffs, norm, dates = [], {}, {}
        for i, (a, b) in enumerate(zip(crow, vrow)):
            for k, (n, j) in enumerate(zip(shared, ci)):
                x, y = a[j], b[k]
                if x == y:
                    continue
                if arrays[k] and x == "" and y == "[]":
                    norm[n] = norm.get(n, 0) + 1
                    continue
                if n in temporal and y and utc_instant(y) == x:
                    dates[n] = dates.get(n, 0) + 1
                    continue
                diffs.append((i, n, x, y))
        total_rows += len(crow)
        total_cells += len(crow) * len(shared)
        normalised += sum(norm.values())
        for n in sorted(dates):
            print("  %s: column %s: %d date/dateTime cell(s) as written with --view, as the UTC "
                  "instant of that value with --config (declared difference)" % (ent, n, dates[n]))
        for n in sorted(norm):
            print("  %s: column %s (array): %d absent element(s), empty with --config, [] with "
                  "--view (declared difference)" % (ent, n, norm[n]))
        if diffs:
            F.fail("%s %s: %d cell(s) differ" % (label, ent, len(diffs)))
            for i, n, x, y in diffs[:10]:
                print("    row %d column %s: config %r, view %r" % (i, n, x, y))
        print("%s %s: %d rows x %d columns compared%s" % (
            label, ent, len(crow), len(shared), "" if not diffs else ", DIFFERENT"))
    print("%s: %d rows, %d cells compared; %d array cells empty vs []" % (
        label, total_rows, total_cells, normalised))


def check_case(F, gen, exe, tmp, label, gen_args, inputs):
    """Generates both forms with gen_args, runs both over every (name, folder) of inputs and
    compares them."""
    cfg, views = os.path.join(tmp, label, "config"), os.path.join(tmp, label, "views")
    rc, _ = run([gen, "generate-config"] + gen_args + ["-o", cfg])
    if not F.check(rc == 0, "%s: generate-config (table-config): exit %d" % (label, rc)):
        return
    rc, _ = run([gen, "generate-config"] + gen_args + ["--emit", "view-definitions", "-o", views])
    if not F.check(rc == 0, "%s: generate-config --emit view-definitions: exit %d" % (label, rc)):
        return
    steps, (coll, tagged, instants) = unroll_steps(cfg), views_info(views)
    F.check(sorted(steps) == sorted(coll), "%s: tables %s, views %s" % (label, sorted(steps),
                                                                        sorted(coll)))
    for name, src in inputs:
        run_label = "%s on %s" % (label, name)
        co = os.path.join(tmp, label, name + "-config")
        vo = os.path.join(tmp, label, name + "-views")
        rc1, _ = transform(exe, "--config", cfg, src, co, "equiv")
        rc2, _ = transform(exe, "--view", views, src, vo, "equiv")
        if F.check(rc1 == rc2 and os.path.exists(os.path.join(co, "model.json")),
                   "%s: fhir2cdm-transform exit %d with --config, %d with --view"
                   % (run_label, rc1, rc2)):
            compare(F, run_label, co, vo, steps, coll, tagged, instants)


def main():
    args = [a for a in sys.argv[1:] if a != "--keep"]
    keep = "--keep" in sys.argv[1:]
    if len(args) != 4:
        print(__doc__)
        return 2
    gen, exe, repo, shared = [os.path.abspath(a) for a in args]
    F = f2ctest.Failures()
    tmp = tempfile.mkdtemp(prefix="f2c-gen-views-")
    here = os.path.dirname(os.path.abspath(__file__))
    samples = ("samples/ndjson", os.path.join(repo, "samples", "ndjson"))
    synthea = os.path.join(shared, "data", "synthea-10")
    real = [samples] + ([("synthea-10", synthea)] if os.path.isdir(synthea) else [])
    try:
        yaml_dir = os.path.join(repo, "samples", "yaml")
        check_case(F, gen, exe, tmp, "samples-yaml",
                   ["-r", os.path.join(yaml_dir, "resourcesConfig.yml"),
                    "-p", os.path.join(yaml_dir, "propertiesGroupConfig.yml")], real)
        fixture = os.path.join(here, "golden", "views-basic")
        check_case(F, gen, exe, tmp, "views-basic",
                   ["-r", os.path.join(fixture, "resourcesConfig.yml"),
                    "-p", os.path.join(fixture, "propertiesGroupConfig.yml")],
                   [("views-equiv", os.path.join(here, "views-equiv"))])
        for mode in ("first", "as_json"):
            check_case(F, gen, exe, tmp, "all-r4-" + mode,
                       ["--resources", "--array", mode], real)
        if not os.path.isdir(synthea):
            f2ctest.banner("SKIPPED PART: %s is absent, so the runs over Synthea data were "
                           "left out (set -DFHIR2CDM_SHARED_DIR=...)" % synthea)
    finally:
        f2ctest.remove_tmp(tmp, keep)
    print("views_equivalence: %s" % ("%d failure(s)" % len(F.items) if F.items else "ok"))
    return 1 if F.items else 0


if __name__ == "__main__":
    sys.exit(main())
