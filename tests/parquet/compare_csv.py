#!/usr/bin/env python3
"""compare_csv.py: a Parquet CDM folder holds exactly the CSV CDM folder's values (issue 17
item 6), as read by two Parquet readers we did not write.

Why: the CSV output is the project's long-tested reference; a Parquet run of the same input and
configuration must carry the same rows, typed.  Every Parquet partition is read by
tests/parquet/pqdump.mjs --reader both (DuckDB and hyparquet must agree byte for byte) and each
cell is compared with the CSV cell converted under the type mapping of issue 17 item 2:

  Parquet type           CSV text                        expected Parquet value
  BOOLEAN                true / false                    true / false
  INT32, INT64           decimal digits                  the same integer
  DECIMAL(p,s)           exact JSON number text          the number rounded half-even to s
                                                         digits; null if |v| >= 10^(p-s)
  DATE                   YYYY-MM-DDT00:00:00Z (UTC)      that date
  TIMESTAMP_MICROS_UTC   YYYY-MM-DDThh:mm:ss[.f...]Z     that instant, fraction rounded
                                                         half-even to microseconds
  TIME_MICROS            hh:mm:ss[.f...]                 that time, rounded the same way
  STRING (and others)    the text                        the same text
  any                    empty cell                      null

Checked, per entity folder data/<Entity>/: the same partition names (.csv vs .parquet), the
same column names in order, exact row counts, every value; with --schema (the JSON of
`fhir2cdm show-schema --format json` for the configuration) also that each column's Parquet
type is the one its FHIR type maps to.  Prints the first mismatches with entity, file, row
(1-based data row, header excluded) and column.

Usage: compare_csv.py --csv DIR --parquet DIR [--schema FILE] [--decimal P,S] [--node NODE]
Exit: 0 all equal; 1 a mismatch (or a reader failed / disagreed); 2 usage.
"""

import argparse
import csv
import glob
import io
import json
import os
import re
import subprocess
import sys
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import f2ctest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_PER_FILE = 5

INT_TYPES = {"integer": "INT32", "positiveInt": "INT32", "unsignedInt": "INT32",
             "integer64": "INT64", "boolean": "BOOLEAN", "date": "DATE",
             "dateTime": "TIMESTAMP_MICROS_UTC", "instant": "TIMESTAMP_MICROS_UTC",
             "time": "TIME_MICROS"}


def expected_type(fhir_type, reserved, decimal):
    """Canonical Parquet type of a column of FHIR type `fhir_type` (issue 17 item 2)."""
    if reserved:
        return "STRING"
    if fhir_type == "decimal":
        return "DECIMAL(%d,%d)" % decimal
    return INT_TYPES.get(fhir_type, "STRING")


def schema_types(path, decimal):
    """{entity: {column: canonical type}} from show-schema JSON."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return {t["entity"]: {c["name"]: expected_type(c.get("fhirType"), c.get("reserved"), decimal)
                          for c in t["columns"]} for t in doc["tables"]}


# ---- calendar arithmetic (proleptic Gregorian, any year; H. Hinnant's algorithms) ----

def days_from_civil(y, m, d):
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


def fmt_date(days):
    y, m, d = civil_from_days(days)
    ys = "%04d" % y if 0 <= y <= 9999 else ("-%04d" % -y if y < 0 else "+%d" % y)
    return "%s-%02d-%02d" % (ys, m, d)


def fmt_time(us):
    s, f = divmod(us, 1000000)
    return "%02d:%02d:%02d.%06d" % (s // 3600, s // 60 % 60, s % 60, f)


def micros_half_even(frac):
    """Microseconds of a fraction-of-second digit string, rounded half-even (may be 1000000)."""
    frac = frac or ""
    if len(frac) <= 6:
        return int(frac.ljust(6, "0"))
    n, rest = int(frac[:6]), frac[6:]
    half = "5" + "0" * (len(rest) - 1)
    if rest > half or (rest == half and n % 2 == 1):
        n += 1
    return n


TS_RE = re.compile(r"^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z$")
DATE_RE = re.compile(r"^(-?\d{4,})-(\d\d)-(\d\d)(?:T00:00:00(?:\.0+)?Z)?$")
TIME_RE = re.compile(r"^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?$")
INT_RE = re.compile(r"^[+-]?\d+$")


class Unconvertible(Exception):
    pass


def expect_timestamp(cell):
    m = TS_RE.match(cell)
    if not m:
        raise Unconvertible("not a UTC instant YYYY-MM-DDThh:mm:ss[.f]Z")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    us = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000
    us += micros_half_even(m.group(7))
    day, rem = divmod(us, 86400 * 1000000)
    return "%sT%sZ" % (fmt_date(day), fmt_time(rem))


def expect_decimal(cell, p, s):
    with localcontext() as ctx:
        ctx.prec = 200
        try:
            v = Decimal(cell)
        except InvalidOperation:
            raise Unconvertible("not a decimal number")
        if not v.is_finite():
            raise Unconvertible("not a finite decimal")
        q = v.quantize(Decimal(1).scaleb(-s), rounding=ROUND_HALF_EVEN)
        if abs(q) >= Decimal(10) ** (p - s):
            return None  # integer part does not fit: the writer writes null (and warns)
        if q == 0:
            q = abs(q)
        return format(q, "f")


def expect_value(ptype, cell):
    """The canonical pqdump text a Parquet cell of type `ptype` must hold for CSV `cell`."""
    if cell == "":
        return None
    if ptype == "BOOLEAN":
        if cell not in ("true", "false"):
            raise Unconvertible("not true/false")
        return cell == "true"
    if ptype in ("INT32", "INT64"):
        if not INT_RE.match(cell):
            raise Unconvertible("not an integer")
        return str(int(cell))
    m = re.match(r"^DECIMAL\((\d+),(\d+)\)$", ptype)
    if m:
        return expect_decimal(cell, int(m.group(1)), int(m.group(2)))
    if ptype == "DATE":
        m = DATE_RE.match(cell)
        if not m:
            raise Unconvertible("not a date at midnight UTC")
        return fmt_date(days_from_civil(*(int(g) for g in m.groups())))
    if ptype.startswith("TIMESTAMP_"):
        return expect_timestamp(cell)
    if ptype.startswith("TIME_"):
        m = TIME_RE.match(cell)
        if not m:
            raise Unconvertible("not a time hh:mm:ss[.f]")
        h, mi, s = (int(g) for g in m.groups()[:3])
        return fmt_time((h * 3600 + mi * 60 + s) * 1000000 + micros_half_even(m.group(4)))
    return cell


def pqdump(node, path):
    """The canonical document of `path`, read by both readers (None + message on failure)."""
    p = subprocess.run([node, os.path.join(HERE, "pqdump.mjs"), "--reader", "both", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return None, p.stderr.decode("utf-8", "replace").strip()
    return json.loads(p.stdout.decode("utf-8")), None


def read_csv(path):
    csv.field_size_limit(sys.maxsize)  # a cell may hold a whole JSON object (e.g. Meta)
    with open(path, "rb") as f:
        raw = f.read()
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


class Comparison:
    def __init__(self, args):
        self.a = args
        self.checks = f2ctest.Failures()
        self.types = schema_types(args.schema, args.decimal) if args.schema else None
        self.files = self.rows = self.cells = 0
        self.typed = set()  # entities whose column types were checked

    def fail(self, msg):
        self.checks.fail(msg)

    def compare_types(self, entity, schema):
        want = (self.types or {}).get(entity)
        if self.types is not None and want is None:
            self.fail("%s: entity not in --schema" % entity)
            return
        for col in schema:
            if want is not None and want.get(col["name"]) != col["type"]:
                self.fail("%s column %s: Parquet type %s, FHIR type maps to %s"
                          % (entity, col["name"], col["type"], want.get(col["name"])))

    def compare_file(self, entity, csv_path, pq_path):
        where = "%s/%s" % (entity, os.path.basename(pq_path))
        doc, err = pqdump(self.a.node, pq_path)
        if doc is None:
            self.fail("%s: reading failed or readers disagree: %s" % (where, err[-2000:]))
            return
        self.files += 1
        records = read_csv(csv_path)
        header, data = (records[0], records[1:]) if records else ([], [])
        names = [c["name"] for c in doc["schema"]]
        if names != header:
            self.fail("%s: columns %s differ from CSV header %s" % (where, names, header))
            return
        if len(doc["rows"]) != len(data):
            self.fail("%s: %d rows, CSV has %d" % (where, len(doc["rows"]), len(data)))
        if entity not in self.typed:
            self.compare_types(entity, doc["schema"])
            self.typed.add(entity)
        bad = 0
        for i, (prow, crow) in enumerate(zip(doc["rows"], data), start=1):
            self.rows += 1
            if len(crow) != len(names):
                self.fail("%s row %d: CSV record has %d fields" % (where, i, len(crow)))
                bad += 1
            for col, pv, cv in zip(doc["schema"], prow, crow):
                self.cells += 1
                try:
                    want = expect_value(col["type"], cv)
                except Unconvertible as e:
                    want = "<CSV %r %s>" % (cv, e)
                if want != pv and bad < MAX_PER_FILE:
                    bad += 1
                    self.fail("%s row %d column %s (%s): Parquet %s, CSV %r expects %s"
                              % (where, i, col["name"], col["type"], json.dumps(pv), cv,
                                 json.dumps(want)))
            if bad >= MAX_PER_FILE:
                self.fail("%s: more mismatches not shown" % where)
                break

    def compare_entity(self, entity):
        cdir = os.path.join(self.a.csv, "data", entity)
        pdir = os.path.join(self.a.parquet, "data", entity)
        cs = {os.path.basename(p)[:-4]: p for p in glob.glob(os.path.join(cdir, "*.csv"))}
        ps = {os.path.basename(p)[:-8]: p for p in glob.glob(os.path.join(pdir, "*.parquet"))}
        if set(cs) != set(ps):
            self.fail("%s: partitions differ: only CSV %s, only Parquet %s"
                      % (entity, sorted(set(cs) - set(ps)), sorted(set(ps) - set(cs))))
        for stem in sorted(set(cs) & set(ps)):
            self.compare_file(entity, cs[stem], ps[stem])

    def run(self):
        ents = lambda d: sorted(os.listdir(os.path.join(d, "data")))  # noqa: E731
        for d in (self.a.csv, self.a.parquet):
            if not os.path.isdir(os.path.join(d, "data")):
                self.fail("%s has no data/ folder" % d)
                return self.checks.report("")
        ce, pe = ents(self.a.csv), ents(self.a.parquet)
        if ce != pe:
            self.fail("entity folders differ: only CSV %s, only Parquet %s"
                      % (sorted(set(ce) - set(pe)), sorted(set(pe) - set(ce))))
        for e in sorted(set(ce) & set(pe)):
            self.compare_entity(e)
        if self.files == 0:
            self.fail("no Parquet partition compared")
        return self.checks.report("ok: %d Parquet files, %d rows, %d cells equal the CSV run "
                                  "(DuckDB and hyparquet agree)" % (self.files, self.rows,
                                                                    self.cells))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", required=True, help="CDM folder written with --format csv")
    ap.add_argument("--parquet", required=True, help="CDM folder written with --format parquet")
    ap.add_argument("--schema", help="fhir2cdm show-schema --format json output")
    ap.add_argument("--decimal", default="38,18", help="P,S of decimal columns (38,18)")
    ap.add_argument("--node", default="node")
    a = ap.parse_args()
    try:
        a.decimal = tuple(int(x) for x in a.decimal.split(","))
        assert len(a.decimal) == 2
    except (ValueError, AssertionError):
        ap.error("--decimal wants P,S")
    return Comparison(a).run()


if __name__ == "__main__":
    sys.exit(main())
