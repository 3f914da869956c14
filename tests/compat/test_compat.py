#!/usr/bin/env python3
"""Compatibility test: fhir2cdm-transform against the original Microsoft FHIR-to-CDM tool.

Runs our transformer on the original tool's own end-to-end test data
(../shared/compat/transform: TestSchema/ + FhirResource/*.ndjson) and compares the result with
the original's expected CSVs (TestOutput/Local<Table>/<Table>-partition-data.csv):

  * the same tables (model.json entities and partition folders);
  * the same column SET per table (theirs sorts the user columns; ours keeps declaration order,
    which is checked against this script's own expansion of the configuration);
  * the same rows, matched by (ResourceId, FhirPath) (ResourceId for resource tables);
  * the same value in every cell after normalising ONLY the original's known, documented
    differences (docs/compat.md, one section per normalisation, N1..N7).  Anything else
    that differs is a failure.

Our own RowIds must be unique per table and identical across two runs (the whole output is
compared byte for byte between the two runs).

Tables whose configuration file is listed in EXCLUDED_TABLE_FILES are left out of the run (the
configuration is rebuilt in a temporary folder with symlinks to every other TestSchema file) and
reported with a loud "SKIP table ..." line.  To test the full schema, empty that dictionary.

Exit status: 0 pass; 1 a difference or failure (each one listed); 77 skipped because the shared
reference data (../shared) is absent (CTest SKIP_RETURN_CODE).  Python stdlib only.
"""

import argparse
import collections
import datetime
import filecmp
import glob
import json
import os
import re
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "pylib"))
import f2ctest  # noqa: E402  (tests/pylib/f2ctest.py: shared plumbing of the Python tests)

# TestSchema table files left out of the run, with the reason printed for each (none: the whole
# schema is compared, Patient's `fhirExpression` column included).
EXCLUDED_TABLE_FILES = {}

MAX_DEPTH = 3  # the transformer's default --max-depth, which this test runs with
OPERATION_ID = "compat"
DATE_TYPES = ("date", "dateTime", "instant")
THEIR_DATETIME_FORMAT = "%m/%d/%Y %H:%M:%S"  # .NET invariant "MM/dd/yyyy HH:mm:ss"
OUR_INSTANT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$")

# The original's time zone offset in its dateTime cells, as inferred from its expected output
# when this test was written (docs/compat.md, N2; its source converts values with a zone to
# UTC, so 0 is also what it should be).  Every run infers the offset again from the data,
# requires it to be one constant, and requires it to equal this: with a single dateTime cell in
# the data, an inference alone could not tell a one-hour error of ours from the zone offset.
RECORDED_OFFSET = datetime.timedelta(0)

# Normalisations (docs/compat.md has one section for each, with the reason).
N_BOOL = "N1 boolean True/False"
N_DATETIME = "N2 dateTime as MM/dd/yyyy HH:mm:ss, build machine's zone"
N_CRLF = "N3 CR/LF deleted from cells"
N_FLOAT32 = "N4 decimal through 32-bit float"
N_ORDER = "N5 columns sorted"
N_ROWID = "N6 RowId fixed 0000"
N_CHOICE = "N7 choice-type element by full JSON name empty"


class Report(f2ctest.Failures):
    """The failures (fail, check, items) and the normalisations applied, counted."""

    def __init__(self):
        super().__init__()
        self.norm = collections.Counter()          # normalisation -> cells
        self.norm_detail = collections.defaultdict(collections.Counter)  # -> (table, col) -> n

    def applied(self, norm, table, column, n=1):
        self.norm[norm] += n
        self.norm_detail[norm][(table, column)] += n


# --- FHIR R4 JSON schema: which element names are choice-type variants ----------------------

class FhirSchema:
    """Answers "is element `name` of definition `d` a choice-type variant (value[x] spelled
    valueQuantity...)?" from the official FHIR R4 JSON schema: a single-valued property named
    base+T (T a capitalised FHIR type name, and the property's type when it refers to a
    definition) with at least one such sibling base+T' carrying the same description (the
    schema gives every variant of one choice element the same description).  This keeps out
    look-alikes such as Encounter.reasonCode / reasonReference (arrays, same description)."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.defs = json.load(f)["definitions"]
        self.suffixes = sorted({n[0].upper() + n[1:] for n in self.defs if "_" not in n},
                               key=len, reverse=True)

    def props(self, d):
        return self.defs.get(d, {}).get("properties", {}) if d else {}

    def _variant(self, props, name, t):
        """Is props[name] plausibly the type-T variant of a choice: single-valued (a choice
        element is never an array) and, when it refers to a definition, of type T."""
        sch = props[name]
        if sch.get("type") == "array" or "items" in sch:
            return False
        ref = sch.get("$ref", "")
        return not ref or ref.rsplit("/", 1)[-1] in (t, t[:1].lower() + t[1:])

    def is_choice(self, d, name):
        props = self.props(d)
        if name not in props:
            return False
        desc = props[name].get("description")
        for t in self.suffixes:
            if len(name) > len(t) and name.endswith(t) and self._variant(props, name, t):
                base = name[: -len(t)]
                for other, sch in props.items():
                    t2 = other[len(base):]
                    if (other != name and other.startswith(base) and t2 in self.suffixes and
                            sch.get("description") == desc and self._variant(props, other, t2)):
                        return True
        return False

    def target(self, d, name):
        """Definition name reached from element `name` of `d`, or None (primitive/unknown)."""
        sch = self.props(d).get(name)
        if not sch:
            return None
        ref = sch.get("$ref") or (sch.get("items") or {}).get("$ref")
        if ref and ref.startswith("#/definitions/"):
            return ref[len("#/definitions/"):]
        return None

    def resolve(self, d, step, alt):
        """The JSON name a path step reads in definition d: step itself, or its choice-type
        spelling alt when step is not an element of d."""
        props = self.props(d)
        if step in props or not alt:
            return step
        return alt if alt in props else step


# --- our own reading of the table configuration ---------------------------------------------

def camel(path):
    return "".join(s[:1].upper() + s[1:] for s in path.split(".") if s)


def type_suffix(t):
    return t[:1].upper() + t[1:]


class Column:
    def __init__(self, name, ftype, steps):
        self.name = name
        self.type = ftype
        self.steps = steps  # [(step, alt)] from the row node
        self.choice = False


def load_config(config_dir):
    groups = {}
    for path in glob.glob(os.path.join(config_dir, "PropertiesGroup", "*.json")):
        with open(path, encoding="utf-8-sig") as f:
            g = json.load(f)
        groups[g["propertiesGroupName"]] = g["properties"]
    tables = {}
    for path in sorted(glob.glob(os.path.join(config_dir, "*.json"))):
        with open(path, encoding="utf-8-sig") as f:
            t = json.load(f)
        t["_file"] = os.path.basename(path)
        tables[t["name"]] = t
    return tables, groups


def expand(props, groups, depth, prefix, steps, out):
    """Group expansion as documented (lib/include/fhir2cdm/f2c_tablecfg.h and the original
    tool): a group reference inlines its group with its path prepended and its CamelCased path
    segments prefixed to the column names; expansion stops MAX_DEPTH levels deep."""
    for p in props:
        path = p.get("path", "") or ""
        psteps = [s for s in path.split(".") if s]
        if "propertiesGroupRef" in p:
            if depth + 1 > MAX_DEPTH:
                continue
            g = p["propertiesGroupRef"]
            st = [(s, None) for s in psteps]
            if st:
                st[-1] = (st[-1][0], st[-1][0] + g)
            expand(groups[g], groups, depth + 1, prefix + camel(path), steps + st, out)
        else:
            st = [(s, None) for s in psteps]
            if st and p["type"] != "array":
                st[-1] = (st[-1][0], st[-1][0] + type_suffix(p["type"]))
            out.append(Column(prefix + p["name"], p["type"], steps + st))
    return out


def table_columns(table, groups, schema):
    cols = expand(table["properties"], groups, 1, "", [], [])
    # Definition of the row node: the resource, or the element the unrollPath reaches.
    d = table["resourceType"]
    if table.get("unrollPath"):
        for s in table["unrollPath"].split(".")[1:]:
            d = schema.target(d, s)
    for c in cols:
        cur = d
        for step, alt in c.steps:
            name = schema.resolve(cur, step, alt)
            if schema.is_choice(cur, name):
                c.choice = True
                break
            cur = schema.target(cur, name)
    return cols


# --- CSV ------------------------------------------------------------------------------------

def read_csv(path):
    with open(path, "rb") as f:
        rows = f2ctest.parse_csv(f.read(), "utf-8-sig")
    return rows[0], rows[1:]


def our_table(out_dir, entity, rep):
    """Header and rows over every partition of our entity folder (None if there is none)."""
    parts = f2ctest.partition_files(out_dir, entity)
    if not parts:
        return None, []
    header, rows = None, []
    for p in parts:
        h, r = read_csv(p)
        if header is None:
            header = h
        rep.check(h == header, "%s: partitions with different headers (%s)" % (entity, p))
        rows += r
    return header, rows


def show_diff(ours, theirs, width=60):
    """"ours X, original Y", long values cut to a window around their first difference."""
    if len(ours) <= 2 * width and len(theirs) <= 2 * width:
        return "ours %r, original %r" % (ours, theirs)
    i = next((k for k, (a, b) in enumerate(zip(ours, theirs)) if a != b),
             min(len(ours), len(theirs)))
    lo = max(0, i - width // 2)
    return ("first difference at character %d: ours ...%r..., original ...%r... (lengths %d, %d)"
            % (i, ours[lo:i + width], theirs[lo:i + width], len(ours), len(theirs)))


def net_order(name):
    """Sort key of the original's column order: .NET's default culture-aware string
    comparison, which compares letters case-insensitively first ("ParticipantTypeText" sorts
    before "PartOfDisplay"; ordinal order would put it after), lower case first on a tie."""
    return (name.casefold(), name.swapcase())


def f32(text):
    return struct.unpack("f", struct.pack("f", float(text)))[0]


def parse_ours_instant(v):
    m = OUR_INSTANT.match(v)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    return datetime.datetime(y, mo, d, h, mi, s)  # fraction dropped: theirs has none


# --- main -----------------------------------------------------------------------------------

def compare_dirs(a, b, rep):
    files_a = sorted(os.path.relpath(p, a) for p in glob.glob(os.path.join(a, "data", "*", "*")))
    files_b = sorted(os.path.relpath(p, b) for p in glob.glob(os.path.join(b, "data", "*", "*")))
    if not rep.check(files_a == files_b, "two runs wrote different partition files: %s vs %s"
                     % (files_a, files_b)):
        return
    _, mismatch, errors = filecmp.cmpfiles(a, b, files_a, shallow=False)
    rep.check(not mismatch and not errors,
              "two runs over the same input wrote different partitions: %s" % (mismatch + errors))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transform", required=True, help="path of fhir2cdm-transform")
    ap.add_argument("--shared", required=True, help="shared reference folder (../shared)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()

    base = os.path.join(args.shared, "compat", "transform")
    schema_path = os.path.join(args.shared, "fhir", "fhir.schema.json")
    f2ctest.skip_without_shared(args.shared, "compat/transform")
    for need in (os.path.join(base, "TestSchema"), os.path.join(base, "FhirResource"),
                 os.path.join(base, "TestOutput"), schema_path):
        if not os.path.exists(need):
            f2ctest.skip("%s is absent" % need)
    if not f2ctest.transformer_ok(args.transform):
        return 1

    rep = Report()
    schema = FhirSchema(schema_path)
    tmp = tempfile.mkdtemp(prefix="fhir2cdm-compat-")

    # Configuration: every TestSchema file but the excluded ones, as symlinks.
    config = os.path.join(tmp, "config")
    os.makedirs(config)
    os.symlink(os.path.abspath(os.path.join(base, "TestSchema", "PropertiesGroup")),
               os.path.join(config, "PropertiesGroup"))
    all_tables, _ = load_config(os.path.join(base, "TestSchema"))
    skipped_tables = set()
    for name, t in sorted(all_tables.items()):
        if t["_file"] in EXCLUDED_TABLE_FILES:
            skipped_tables.add(name)
            f2ctest.banner("SKIP table %s: %s" % (name, EXCLUDED_TABLE_FILES[t["_file"]]))
        else:
            os.symlink(os.path.abspath(os.path.join(base, "TestSchema", t["_file"])),
                       os.path.join(config, t["_file"]))
    tables, groups = load_config(config)

    out1, out2 = os.path.join(tmp, "out1"), os.path.join(tmp, "out2")
    inputs = os.path.join(base, "FhirResource")
    for out in (out1, out2):
        rc = f2ctest.run_transform(args.transform, config, inputs, out, OPERATION_ID)
        if rc != 0:
            print("FAIL: transformer exited with status %d (expected 0); kept %s" % (rc, tmp))
            return 1
    compare_dirs(out1, out2, rep)

    # Same tables.
    theirs_tables = {os.path.basename(d)[len("Local"):]
                     for d in glob.glob(os.path.join(base, "TestOutput", "Local*"))}
    theirs_tables -= skipped_tables
    with open(os.path.join(out1, "model.json"), encoding="utf-8") as f:
        model = json.load(f)
    model_tables = {e["name"][len("Local"):] for e in model.get("entities", [])
                    if e.get("name", "").startswith("Local")}
    ours_with_data = {os.path.basename(d)[len("Local"):]
                      for d in glob.glob(os.path.join(out1, "data", "Local*"))
                      if glob.glob(os.path.join(d, "*.csv"))}
    rep.check(model_tables == theirs_tables, "model.json tables %s != original's tables %s"
              % (sorted(model_tables), sorted(theirs_tables)))
    rep.check(ours_with_data == theirs_tables, "tables with partitions %s != original's %s"
              % (sorted(ours_with_data), sorted(theirs_tables)))

    offsets = collections.Counter()       # inferred build-machine offset -> cells
    date_pairs = []                       # (table, key, column, ours, theirs, dt_ours, dt_theirs)

    for tname in sorted(theirs_tables & set(tables)):
        entity = "Local" + tname
        unroll = bool(tables[tname].get("unrollPath"))
        reserved = f2ctest.RESERVED_UNROLL if unroll else f2ctest.RESERVED_RESOURCE
        cols = table_columns(tables[tname], groups, schema)
        coldef = {c.name: c for c in cols}
        th_header, th_rows = read_csv(os.path.join(base, "TestOutput", entity,
                                                   "%s-partition-data.csv" % tname))
        header, rows = our_table(out1, entity, rep)
        _, rows2 = our_table(out2, entity, rep)
        if header is None:
            rep.fail("%s: no partition written" % tname)
            continue

        # Columns: the same set; ours reserved + declaration order; theirs reserved + sorted.
        if not rep.check(set(header) == set(th_header),
                         "%s: column sets differ: only ours %s; only theirs %s"
                         % (tname, sorted(set(header) - set(th_header)),
                            sorted(set(th_header) - set(header)))):
            continue
        rep.check(set(coldef) | set(reserved) == set(th_header),
                  "%s: this test's own expansion of the configuration gives columns %s, the "
                  "original %s (test bug?)" % (tname, sorted(set(coldef) - set(th_header)),
                                               sorted(set(th_header) - set(coldef))))
        rep.check(header == reserved + [c.name for c in cols],
                  "%s: our columns are not the reserved ones then declaration order" % tname)
        rep.check(th_header[: len(reserved)] == reserved and
                  th_header[len(reserved):] == sorted(th_header[len(reserved):], key=net_order),
                  "%s: the original's columns are not the reserved ones then sorted "
                  "(normalisation N6 is wrong)" % tname)
        if header != th_header:
            rep.applied(N_ORDER, tname, "*")

        # Rows matched by key.
        def keyed(hdr, rs, who):
            ri, fi = hdr.index("ResourceId"), hdr.index("FhirPath") if unroll else None
            d = {}
            for r in rs:
                if len(r) != len(hdr):
                    rep.fail("%s (%s): record with %d fields, header has %d" %
                             (tname, who, len(r), len(hdr)))
                    continue
                k = (r[ri], r[fi]) if unroll else (r[ri],)
                rep.check(k not in d, "%s (%s): key %s occurs twice" % (tname, who, k))
                d[k] = dict(zip(hdr, r))
            return d

        ours, ours2, theirs = keyed(header, rows, "ours"), keyed(header, rows2, "ours, run 2"), \
            keyed(th_header, th_rows, "original")
        rep.check(set(ours) == set(theirs), "%s: rows differ: only ours %s; only theirs %s"
                  % (tname, sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))))

        if unroll:
            ids = [r["RowId"] for r in ours.values()]
            rep.check(len(set(ids)) == len(ids) and all(ids),
                      "%s: our RowIds are not unique and non-empty: %s" % (tname, ids))
            for k, r in ours.items():
                rep.check(k in ours2 and ours2[k]["RowId"] == r["RowId"],
                          "%s %s: RowId differs between two runs" % (tname, k))
            rep.check(all(r["RowId"] == "0000" for r in theirs.values()),
                      "%s: the original's RowIds are not all 0000 (normalisation N7 is wrong)"
                      % tname)
            rep.applied(N_ROWID, tname, "RowId", len(ours))

        for k in sorted(set(ours) & set(theirs)):
            for col in header:
                if col == "RowId":
                    continue
                o, t = ours[k][col], theirs[k][col]
                c = coldef.get(col)
                where = "%s %s column %s" % (tname, k, col)
                if o == t:
                    continue
                v = o
                if "\r" in v or "\n" in v:
                    v = v.replace("\r", "").replace("\n", "")
                    rep.applied(N_CRLF, tname, col)
                    if v == t:
                        continue
                if c is not None and c.choice and t == "" and v != "":
                    rep.applied(N_CHOICE, tname, col)
                    continue
                ftype = c.type if c is not None else "string"
                if ftype == "boolean" and v in ("true", "false") and t == v.capitalize():
                    rep.applied(N_BOOL, tname, col)
                    continue
                if ftype == "decimal" and v and t:
                    try:
                        if f32(v) == f32(t):
                            rep.applied(N_FLOAT32, tname, col)
                            continue
                    except ValueError:
                        pass
                if ftype in DATE_TYPES and v and t:
                    dt_o = parse_ours_instant(v)
                    try:
                        dt_t = datetime.datetime.strptime(t, THEIR_DATETIME_FORMAT)
                    except ValueError:
                        dt_t = None
                    if dt_o is not None and dt_t is not None:
                        off = dt_t - dt_o
                        offsets[off] += 1
                        date_pairs.append((where, v, t, off))
                        continue
                rep.fail("%s (type %s%s): %s"
                         % (where, ftype, ", choice element" if c and c.choice else "",
                            show_diff(o, t)))

    # N2: one constant offset for every dateTime cell, a plausible time zone offset.
    if offsets:
        off, n = offsets.most_common(1)[0]
        minutes = off.total_seconds() / 60
        rep.check(len(offsets) == 1, "dateTime cells imply different build-machine offsets %s "
                  "(must be one constant)" % {str(k): v for k, v in offsets.items()})
        rep.check(-14 * 60 <= minutes <= 14 * 60 and minutes % 15 == 0,
                  "inferred build-machine offset %s is not a time zone offset" % off)
        rep.check(off == RECORDED_OFFSET,
                  "inferred build-machine offset %s differs from the one recorded when this test "
                  "was written (%s, docs/compat.md N2): our dateTime rendering changed?"
                  % (off, RECORDED_OFFSET))
        for where, v, t, o in date_pairs:
            if o == off:
                rep.applied(N_DATETIME, where.split(" ")[0], where.rsplit(" ", 1)[1])
            else:
                rep.fail("%s: ours %r, original %r: offset %s, the others %s"
                         % (where, v, t, o, off))
        print("\ninferred build-machine UTC offset of the original: %s%s (from %d cells)"
              % ("-" if minutes < 0 else "+", str(abs(off)), sum(offsets.values())))

    print("\nnormalisations applied (each documented in docs/compat.md):")
    for norm in (N_BOOL, N_DATETIME, N_CRLF, N_FLOAT32, N_ORDER, N_ROWID, N_CHOICE):
        print("  %-58s %5d %s" % (norm, rep.norm[norm], "cells" if norm != N_ORDER else
                                  "tables"))
        if norm in (N_CHOICE, N_BOOL, N_CRLF, N_FLOAT32, N_DATETIME):
            for (tname, col), n in sorted(rep.norm_detail[norm].items()):
                print("      %-26s %-44s %4d" % (tname, col, n))

    if rep.items:
        print("\n%d difference(s)/failure(s); output kept in %s" % (len(rep.items), tmp))
        return 1
    f2ctest.remove_tmp(tmp, args.keep)
    print("\nPASS: %d tables identical to the original's expected output after the documented "
          "normalisations%s" % (len(theirs_tables & set(tables)),
                                "; skipped tables: " + ", ".join(sorted(skipped_tables))
                                if skipped_tables else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
