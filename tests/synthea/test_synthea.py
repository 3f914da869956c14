#!/usr/bin/env python3
"""End-to-end row-count test of fhir2cdm-transform on real Synthea bulk-export data.

Runs the transformer with samples/config over ../shared/data/synthea-10 (or, with --data, over
another NDJSON folder such as samples/ndjson) into a temporary folder and checks, for EVERY
table of the configuration, what the output must contain, computed here independently from the
NDJSON (this script never reads the transformer's code or logs):

  * resource tables: one row per resource of the table's type, per input file; the ResourceId
    column holds exactly the ids of those resources (as a multiset);
  * unroll tables: one row per element reached by the unrollPath, arrays flattened at every step
    (FHIRPath navigation: `Patient.name` over a resource with 3 names gives 3 rows); each row's
    (ResourceId, FhirPath, ParentPath) is one of the expected ones ("Patient.name[2]",
    parent "Patient"; a non-array element is "[0]"), each exactly once, and RowIds are unique;
  * a partition exists for (table, input file) exactly when that file gives the table rows, and
    is named partition-data-<input file stem>-<operation id>.csv;
  * model.json lists one entity per table, and exactly the partition files on disk; every
    partition's header equals its entity's attribute names; every record has that many fields;
  * every partition is byte for byte what RFC 4180 minimal quoting gives for its parsed records
    (CRLF record ends; a field quoted only when it holds a comma, quote, CR or LF);
  * with --expect FILE (samples/expected-cells.json): listed cells hold exactly the listed
    values (spot checks of the rendering rules the samples exercise).

Exit status: 0 all checks pass; 1 a check failed (every failure is listed); 77 skipped because
the shared reference data (../shared) is absent (CTest SKIP_RETURN_CODE; never with --data).
Python stdlib only.
"""

import argparse
import collections
import csv
import glob
import gzip
import io
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "pylib"))
import f2ctest  # noqa: E402  (tests/pylib/f2ctest.py: shared plumbing of the Python tests)

OPERATION_ID = "synthea-test"


def input_stem(path):
    name = os.path.basename(path)
    for ext in (".ndjson.gz", ".ndjson"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def open_ndjson(path):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, "r", encoding="utf-8-sig", newline="")


def load_tables(config_dir):
    """Table files only (PropertiesGroup/ holds groups); name -> (resourceType, unroll steps)."""
    tables = {}
    for path in sorted(glob.glob(os.path.join(config_dir, "*.json"))):
        with open(path, encoding="utf-8") as f:
            t = json.load(f)
        unroll = t.get("unrollPath")
        steps = None
        if unroll is not None:
            parts = unroll.split(".")
            if parts[0] != t["resourceType"]:
                raise SystemExit("config error in test input: %s unrollPath %r does not start "
                                 "with %s" % (path, unroll, t["resourceType"]))
            steps = parts[1:]
        tables[t["name"]] = (t["resourceType"], steps)
    return tables


def unroll_elements(resource, resource_type, steps):
    """Elements reached by the unroll steps, FHIRPath style: every array is flattened, JSON null
    is absent.  Returns [(FhirPath, ParentPath)] in document order."""
    nodes = [(resource, resource_type)]
    for step in steps:
        nxt = []
        for node, path in nodes:
            if not isinstance(node, dict):
                continue
            value = node.get(step)
            if value is None:
                continue
            if isinstance(value, list):
                for i, elem in enumerate(value):
                    if elem is not None:
                        nxt.append((elem, "%s.%s[%d]" % (path, step, i)))
            else:
                nxt.append((value, "%s.%s[0]" % (path, step)))
        nodes = nxt
    return [(path, path.rsplit(".", 1)[0]) for _, path in nodes]


def expected_rows(tables, input_files):
    """(table, stem) -> Counter of expected row keys.  Resource tables: key (ResourceId,);
    unroll tables: (ResourceId, FhirPath, ParentPath)."""
    by_type = collections.defaultdict(list)
    for name, (rt, steps) in tables.items():
        by_type[rt].append((name, steps))
    expected = collections.defaultdict(collections.Counter)
    nresources = collections.Counter()
    for path in input_files:
        stem = input_stem(path)
        with open_ndjson(path) as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                res = json.loads(line)
                rt = res.get("resourceType")
                nresources[rt] += 1
                rid = res.get("id", "")
                for name, steps in by_type.get(rt, ()):
                    if steps is None:
                        expected[(name, stem)][(rid,)] += 1
                    else:
                        for fp, pp in unroll_elements(res, rt, steps):
                            expected[(name, stem)][(rid, fp, pp)] += 1
    return expected, nresources


def read_partition(path, fails):
    """Returns (header, rows) parsed with the csv module; checks CRLF record ends."""
    with open(path, "rb") as f:
        raw = f.read()
    fails.check(raw.endswith(b"\r\n"), "%s: last record does not end with CRLF" % path)
    first = raw.split(b"\n", 1)[0]
    fails.check(first.endswith(b"\r"), "%s: header record does not end with CRLF" % path)
    rows = f2ctest.parse_csv(raw, "utf-8")
    if not rows:
        fails.fail("%s: empty file (no header record)" % path)
        return [], []
    return rows[0], rows[1:]


def minimal_csv(rows):
    """RFC 4180 text of rows with minimal quoting and CRLF record ends."""
    buf = io.StringIO(newline="")
    csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def check_expected_cells(path, out_dir, fails):
    """Spot checks: [{"table", "resourceId", "fhirPath" (unroll tables), "column", "value",
    "why"}]; every listed cell must exist and hold exactly `value`."""
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    cache = {}
    for e in spec:
        t = e["table"]
        if t not in cache:
            rows = []
            for p in f2ctest.partition_files(out_dir, "Local" + t):
                header, r = read_partition(p, fails)
                rows += [dict(zip(header, x)) for x in r]
            cache[t] = rows
        want_key = (e["resourceId"], e.get("fhirPath"))
        hits = [r for r in cache[t] if (r.get("ResourceId"), r.get("FhirPath")) == want_key]
        where = "%s %s%s column %s" % (t, e["resourceId"],
                                       " " + e["fhirPath"] if e.get("fhirPath") else "",
                                       e["column"])
        if not fails.check(len(hits) == 1, "expected cell %s: %d matching rows (want 1)"
                           % (where, len(hits))):
            continue
        got = hits[0].get(e["column"])
        fails.check(got == e["value"], "expected cell %s (%s): got %r, want %r"
                    % (where, e.get("why", ""), got, e["value"]))
    print("expected cells: %d checked (%s)" % (len(spec), path))


def partition_location(out_dir, location):
    loc = location
    if loc.startswith("file://"):
        loc = loc[len("file://"):]
    if not os.path.isabs(loc):
        loc = os.path.join(out_dir, loc)
    return os.path.normpath(loc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transform", required=True, help="path of fhir2cdm-transform")
    ap.add_argument("--config", required=True, help="table configuration (samples/config)")
    ap.add_argument("--shared", help="shared reference folder (../shared): input is its "
                    "data/synthea-10")
    ap.add_argument("--data", help="NDJSON input folder instead (e.g. samples/ndjson)")
    ap.add_argument("--expect", help="JSON list of expected cells to spot-check")
    ap.add_argument("--keep", action="store_true", help="keep the temporary output folder")
    args = ap.parse_args()

    if args.data:
        data_dir = args.data
        if not os.path.isdir(data_dir):
            print("FAIL: input folder %s does not exist" % data_dir)
            return 1
    else:
        if not args.shared:
            ap.error("give --shared or --data")
        data_dir = os.path.join(args.shared, "data", "synthea-10")
        f2ctest.skip_without_shared(args.shared, "data/synthea-10")
        if not os.path.isdir(data_dir):
            f2ctest.skip("Synthea data %s is absent" % data_dir)
    input_files = sorted(glob.glob(os.path.join(data_dir, "*.ndjson")) +
                         glob.glob(os.path.join(data_dir, "*.ndjson.gz")))
    if not input_files:
        if args.data:
            print("FAIL: no *.ndjson files in %s" % data_dir)
            return 1
        f2ctest.skip("no *.ndjson files in %s" % data_dir)
    if not f2ctest.transformer_ok(args.transform):
        return 1

    fails = f2ctest.Failures()
    tables = load_tables(args.config)
    if not tables:
        print("FAIL: no table files in %s" % args.config)
        return 1
    expected, nresources = expected_rows(tables, input_files)
    print("input: %d files, %s" % (len(input_files),
                                   ", ".join("%s %d" % kv for kv in sorted(nresources.items()))))

    tmp = tempfile.mkdtemp(prefix="fhir2cdm-synthea-")
    out_dir = os.path.join(tmp, "cdm")
    rc = f2ctest.run_transform(args.transform, args.config, data_dir, out_dir, OPERATION_ID)
    if rc != 0:
        print("FAIL: transformer exited with status %d (expected 0)" % rc)
        print("output kept in " + tmp)
        return 1

    # --- model.json -------------------------------------------------------------------------
    model_path = os.path.join(out_dir, "model.json")
    if not os.path.isfile(model_path):
        print("FAIL: %s not written" % model_path)
        return 1
    with open(model_path, encoding="utf-8") as f:
        model = json.load(f)
    entities = {e.get("name"): e for e in model.get("entities", [])}
    fails.check(len(entities) == len(model.get("entities", [])),
                "model.json: duplicate entity names")
    want_entities = {"Local" + name for name in tables}
    fails.check(set(entities) == want_entities,
                "model.json entities %s != tables of the configuration %s (missing %s, extra %s)"
                % (len(entities), len(want_entities), sorted(want_entities - set(entities)),
                   sorted(set(entities) - want_entities)))

    listed = {}  # absolute partition path -> entity name
    for ename, ent in entities.items():
        for p in ent.get("partitions", []):
            loc = p.get("location")
            if not fails.check(isinstance(loc, str) and loc,
                               "model.json: entity %s has a partition without location" % ename):
                continue
            ap_ = partition_location(out_dir, loc)
            fails.check(ap_ not in listed, "model.json lists %s twice" % loc)
            listed[ap_] = ename
    on_disk = {os.path.normpath(p) for p in glob.glob(os.path.join(out_dir, "data", "*", "*.csv"))}
    fails.check(set(listed) == on_disk,
                "model.json partitions != partition files on disk: only listed %s; only on disk %s"
                % (sorted(os.path.relpath(p, out_dir) for p in set(listed) - on_disk),
                   sorted(os.path.relpath(p, out_dir) for p in on_disk - set(listed))))
    stray = [p for p in glob.glob(os.path.join(out_dir, "data", "*", "*"))
             if not p.endswith(".csv")]
    fails.check(not stray, "unexpected non-CSV files in the data folders: %s" % stray)

    # --- partitions ---------------------------------------------------------------------------
    stems = [input_stem(p) for p in input_files]
    summary = []
    for name in sorted(tables):
        rt, steps = tables[name]
        entity = "Local" + name
        ent = entities.get(entity, {})
        attrs = [a.get("name") for a in ent.get("attributes", [])]
        reserved = f2ctest.RESERVED_RESOURCE if steps is None else f2ctest.RESERVED_UNROLL
        fails.check(attrs[: len(reserved)] == reserved,
                    "%s: model.json attributes start %s, expected %s"
                    % (entity, attrs[: len(reserved)], reserved))
        total_got = total_want = 0
        for stem in stems:
            want = expected.get((name, stem), collections.Counter())
            nwant = sum(want.values())
            total_want += nwant
            part = os.path.join(out_dir, "data", entity,
                                "partition-data-%s-%s.csv" % (stem, OPERATION_ID))
            exists = os.path.isfile(part)
            if nwant == 0:
                fails.check(not exists, "%s: partition %s exists but input %s gives the table "
                            "no rows" % (name, os.path.basename(part), stem))
                if not exists:
                    continue
            elif not fails.check(exists, "%s: partition %s missing (input %s gives %d rows)"
                                 % (name, os.path.relpath(part, out_dir), stem, nwant)):
                continue
            fails.check(os.path.normpath(part) in listed and listed[os.path.normpath(part)] ==
                        entity, "%s: partition %s not listed under entity %s in model.json"
                        % (name, os.path.basename(part), entity))
            header, rows = read_partition(part, fails)
            with open(part, "rb") as f:
                raw = f.read()
            fails.check(raw == minimal_csv([header] + rows),
                        "%s: %s is not in RFC 4180 minimal-quoting form with CRLF record ends "
                        "(a field quoted without need, or a bare LF)" % (name, part))
            fails.check(header == attrs, "%s: header of %s != model.json attribute names\n"
                        "  header: %s\n  model:  %s" % (name, os.path.basename(part), header,
                                                        attrs))
            bad = [i for i, r in enumerate(rows, 2) if len(r) != len(header)]
            fails.check(not bad, "%s: %d records of %s have a field count != %d (first at "
                        "record %s)" % (name, len(bad), os.path.basename(part), len(header),
                                        bad[:1]))
            total_got += len(rows)
            fails.check(len(rows) == nwant, "%s: %s has %d data rows, expected %d (computed "
                        "from %s)" % (name, os.path.basename(part), len(rows), nwant, stem))
            # Keys: ResourceIds (resource tables) / (ResourceId, FhirPath, ParentPath) (unroll).
            if steps is None:
                got = collections.Counter((r[0],) for r in rows if r)
            else:
                got = collections.Counter((r[1], r[2], r[3]) for r in rows if len(r) >= 4)
                rowids = [r[0] for r in rows if r]
                dup = [k for k, v in collections.Counter(rowids).items() if v > 1]
                fails.check(not dup, "%s: %d RowIds occur more than once, e.g. %s"
                            % (name, len(dup), dup[:3]))
                fails.check(all(rowids), "%s: empty RowId" % name)
            if got != want:
                missing = list((want - got).elements())
                extra = list((got - want).elements())
                fails.fail("%s: row keys of %s differ from the input's: %d missing (e.g. %s), "
                           "%d unexpected (e.g. %s)" % (name, os.path.basename(part),
                                                        len(missing), missing[:3], len(extra),
                                                        extra[:3]))
        summary.append((name, "unroll " + ".".join([rt] + steps) if steps is not None
                        else "resource " + rt, total_want, total_got))

    if args.expect:
        check_expected_cells(args.expect, out_dir, fails)

    print("\n%-42s %-48s %8s %8s" % ("table", "kind", "expected", "got"))
    for name, kind, want, got in summary:
        print("%-42s %-48s %8d %8d%s" % (name, kind, want, got, "" if want == got else "  <<<"))

    if fails.items:
        print("\n%d check(s) FAILED; output kept in %s" % (len(fails.items), tmp))
        return 1
    f2ctest.remove_tmp(tmp, args.keep)
    print("\nPASS: %d tables, row counts, ResourceIds, FhirPaths, headers and model.json "
          "partitions all match" % len(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
