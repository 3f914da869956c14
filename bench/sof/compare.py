#!/usr/bin/env python3
"""Compare the rows of two ViewDefinition outputs laid out as CDM folders
(data/<view>/*.csv): fhir2cdm-transform --view's and bench/sof/sof_flatten.js's.

For every view of the given ViewDefinitions: same header, and the same multiset of rows over
all partitions (order-insensitive).  Decimal columns (type decimal) are compared by numeric
value, because the JavaScript side cannot keep a decimal's text (JSON.parse reads 1.0 as 1);
every other cell must be identical text.

Usage: compare.py --views DIR_OR_FILE [--views ...] OURS THEIRS
Prints one line per view (rows on each side, equal or not, with up to 3 differing rows of each
side) and exits 0 when every view is equal, 1 otherwise.  Python stdlib only.
"""
import argparse
import collections
import csv
import decimal
import glob
import json
import os
import sys


def view_files(paths):
    out = []
    for p in paths:
        out += sorted(glob.glob(os.path.join(p, "*.json"))) if os.path.isdir(p) else [p]
    return out


def columns(view):
    def sel(s):
        cols = [(c["name"], c.get("type"), bool(c.get("collection"))) for c in s.get("column", [])]
        for x in s.get("select", []):
            cols += sel(x)
        if s.get("unionAll"):
            cols += sel(s["unionAll"][0])
        return cols
    return [c for s in view["select"] for c in sel(s)]


def read_rows(folder, view_name):
    header, rows = None, []
    for p in sorted(glob.glob(os.path.join(folder, "data", view_name, "*.csv"))):
        with open(p, encoding="utf-8", newline="") as f:
            recs = list(csv.reader(f))
        if not recs:
            continue
        if header is None:
            header = recs[0]
        elif recs[0] != header:
            raise SystemExit("%s: header differs from the view's other partitions" % p)
        rows += recs[1:]
    return header, rows


def norm(rows, decimal_idx):
    out = collections.Counter()
    for r in rows:
        r = list(r)
        for i in decimal_idx:
            if i < len(r) and r[i] != "":
                try:
                    r[i] = str(decimal.Decimal(r[i]).normalize())
                except decimal.InvalidOperation:
                    pass
        out[tuple(r)] += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--views", action="append", required=True)
    ap.add_argument("ours")
    ap.add_argument("theirs")
    args = ap.parse_args()
    ok = True
    for vf in view_files(args.views):
        with open(vf, encoding="utf-8") as f:
            view = json.load(f)
        name = view["name"]
        cols = columns(view)
        dec = [i for i, c in enumerate(cols) if c[1] == "decimal" and not c[2]]
        h1, r1 = read_rows(args.ours, name)
        h2, r2 = read_rows(args.theirs, name)
        want_header = [c[0] for c in cols]
        c1, c2 = norm(r1, dec), norm(r2, dec)
        same = c1 == c2 and (h1 or want_header) == want_header and (h2 or want_header) == want_header
        print("%-24s ours %7d rows  theirs %7d rows  %s" % (name, len(r1), len(r2),
                                                          "equal" if same else "DIFFERENT"))
        if not same:
            ok = False
            if h1 != h2:
                print("  headers: ours %s\n           theirs %s" % (h1, h2))
            for r in list((c1 - c2).elements())[:3]:
                print("  only ours:   " + json.dumps(dict(zip(want_header, r))))
            for r in list((c2 - c1).elements())[:3]:
                print("  only theirs: " + json.dumps(dict(zip(want_header, r))))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
