#!/usr/bin/env python3
"""SQL on FHIR v2 conformance suite run through the command line, as a user would.

For every test of every file in TESTS (the official suite, ../shared/sql-on-fhir/tests; format:
../shared/sql-on-fhir/tests.schema.json) this script
  * writes the file's `resources` as NDJSON (one compact JSON object a line, UTF-8, numbers
    exactly as written in the test file) into a temporary input folder, and the test's `view`
    into a ViewDefinition file;
  * runs `fhir2cdm-transform --view VIEW --input INPUT --output OUT -q` (CSV, the default);
  * judges the exit status: 0 for every test, except `expectError: true`, which must exit 1
    (an error while evaluating data) or 2 (the view is rejected when it is loaded); the code
    is printed and kept in the report's reason;
  * reads the entity of the view from OUT/model.json (attributes and partitions) and its CSV
    partitions (RFC 4180, CRLF record ends, a header row), and compares them with `expect` /
    `expectColumns` / `expectCount` by the rules of docs/conformance.md ("Through the command
    line"): columns by name (in order for `expectColumns`), rows as a multiset, cells as exact
    text (null and "" are both an empty cell, numbers as written in the test file, arrays and
    objects parsed as JSON);
  * prints PASS/FAIL with a one-line reason per test and "N/M passed", and writes --report in
    the suite's test report format: {"<file>.json": {"tests": [{"name": title, "result":
    {"passed": bool, "reason": str}}]}}.
It passes when the failing tests are exactly those listed in --known (lines "<file>.json:
<test title>"; '#' starts a comment): a failure not listed fails it, and so does a listed test
that now passes (take it off the list).

Exit status: 0 pass; 1 fail; 77 skipped because the suite is absent (CTest SKIP_RETURN_CODE).
Python stdlib only.
"""

import argparse
import concurrent.futures
import csv
import decimal
import io
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "pylib"))
import f2ctest  # noqa: E402

RUN_TIMEOUT = 60  # seconds per fhir2cdm-transform run; the whole suite takes a few seconds


class Num:
    """A JSON number as written in the test file: `text` is its literal text (so `1.50` stays
    `1.50`), `value` its Decimal value."""
    __slots__ = ("text", "value")

    def __init__(self, text):
        self.text = text
        self.value = decimal.Decimal(text)

    def __repr__(self):
        return self.text


def load_json(text):
    return json.loads(text, parse_float=Num, parse_int=Num)


def dump_json(v):
    """Compact JSON of a value loaded by load_json: numbers keep their text, strings are UTF-8
    (not \\u escaped), keys keep their order."""
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + dump_json(x)
                              for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(dump_json(x) for x in v) + "]"
    if isinstance(v, Num):
        return v.text
    return json.dumps(v, ensure_ascii=False)  # str, bool, None


def same_json(a, b):
    """Deep equality of two load_json values, JSON types kept apart (True is not 1); numbers by
    Decimal value; array items in order; object members by name."""
    if isinstance(a, Num) or isinstance(b, Num):
        return isinstance(a, Num) and isinstance(b, Num) and a.value == b.value
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return False


JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")


def cell_matches(expected, cell):
    """Does the CSV cell (text) hold the expected JSON value?  See docs/conformance.md."""
    if expected is None:
        return cell == ""
    if isinstance(expected, bool):
        return cell == ("true" if expected else "false")
    if isinstance(expected, Num):
        # A JSON number carries a value, not a precision (RFC 8259 section 6; the suite's
        # expectations are JSON values, its runners compare them as values): the cell must be a
        # JSON number text of exactly that decimal value, compared as decimals, never through
        # binary floating point -- 0.95000000 (lowBoundary() to FHIRPath's 8 places) is 0.95,
        # 0.9500000001 is not.  Strings, by contrast, are compared exactly.
        if not JSON_NUMBER.match(cell):
            return False
        return decimal.Decimal(cell) == expected.value
    if isinstance(expected, str):
        # The CSV writes null and "" alike (an empty, unquoted field): "" matches an empty cell.
        return cell == expected
    try:
        got = load_json(cell)
    except ValueError:
        return False
    return same_json(expected, got)


def match_rows(expected, actual, columns):
    """Multiset matching of expected rows (dicts) to actual rows (lists of cell text, in
    `columns` order): Kuhn's augmenting paths, so a row matching several others cannot be
    paired wrongly.  Returns (unmatched expected indexes, unmatched actual indexes)."""
    ok = [[a for a, row in enumerate(actual)
           if all(cell_matches(e[c], row[i]) for i, c in enumerate(columns))]
          for e in expected]
    owner = {}  # actual index -> expected index

    def augment(e, seen):
        for a in ok[e]:
            if a not in seen:
                seen.add(a)
                if a not in owner or augment(owner[a], seen):
                    owner[a] = e
                    return True
        return False

    lost = [e for e in range(len(expected)) if not augment(e, set())]
    extra = [a for a in range(len(actual)) if a not in owner]
    return lost, extra


def show_row(columns, row):
    return "{" + ", ".join("%s: %r" % (c, v) for c, v in zip(columns, row)) + "}"


def read_output(out_dir, view_name):
    """(columns, rows) of the view's entity, from model.json and its CSV partitions.  A run
    with no rows may list no partition: the columns then come from model.json's attributes."""
    with open(os.path.join(out_dir, "model.json"), encoding="utf-8") as f:
        model = json.load(f)
    ents = [e for e in model.get("entities", []) if e.get("name") == view_name]
    if len(ents) != 1:
        raise ValueError("model.json lists %d entities named %r (entities: %s)"
                         % (len(ents), view_name,
                            [e.get("name") for e in model.get("entities", [])]))
    ent = ents[0]
    columns = [a.get("name") for a in ent.get("attributes", [])]
    rows = []
    for part in ent.get("partitions", []):
        path = os.path.join(out_dir, *part["location"].split("/"))
        with open(path, "rb") as f:
            raw = f.read()
        if raw and not raw.endswith(b"\r\n"):
            raise ValueError("%s does not end with CRLF" % part["location"])
        records = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
        if not records or records[0] != columns:
            raise ValueError("%s: header %s, model.json attributes %s"
                             % (part["location"], records[:1], columns))
        for r in records[1:]:
            if r == [] and len(columns) == 1:
                # A one-column row whose cell is empty is an empty line (RFC 4180: a record of
                # one empty field); Python's csv module returns [] for it.  Readers that skip
                # blank lines would lose such rows: docs/conformance.md.
                r = [""]
            if len(r) != len(columns):
                raise ValueError("%s: a record of %d fields, %d columns: %r"
                                 % (part["location"], len(r), len(columns), r))
            rows.append(r)
    return columns, rows


def judge_rows(test, columns, rows):
    """None when the rows are as expected, else the reason."""
    if "expectColumns" in test:
        want = [str(c) for c in test["expectColumns"]]
        if columns != want:
            return "columns %s, expected %s (in order)" % (columns, want)
    if "expectCount" in test:
        if len(rows) != int(test["expectCount"].value):
            return "%d rows, expected %s" % (len(rows), test["expectCount"].text)
    if "expect" not in test:
        return None
    expected = test["expect"]
    if expected:
        keys = list(expected[0].keys())
        if "expectColumns" not in test and sorted(columns) != sorted(keys):
            return "columns %s, expected %s" % (columns, keys)
        for i, e in enumerate(expected):
            if sorted(e.keys()) != sorted(columns):
                return "expected row %d has keys %s, the output's columns are %s" % (
                    i, list(e.keys()), columns)
    lost, extra = match_rows(expected, rows, columns)
    if lost or extra:
        parts = ["%d rows, expected %d" % (len(rows), len(expected))]
        if lost:
            parts.append("missing %s" % dump_json(expected[lost[0]]))
        if extra:
            parts.append("unexpected %s" % show_row(columns, rows[extra[0]]))
        more = len(lost) + len(extra) - (1 if lost else 0) - (1 if extra else 0)
        if more:
            parts.append("and %d more differing rows" % more)
        return "; ".join(parts)
    return None


def first_line(data):
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()
    return "(no message)"


def run_test(transform, work, input_dir, index, test, tmp):
    """(passed, reason, exit code) of one test, run in the fresh folder `work`."""
    view = test["view"]
    name = None
    if isinstance(view, dict):
        if "name" not in view:
            # The suite's views have no `name`; --view requires one (it names the entity and its
            # folder; the file name is not used: docs/views.md), so the written copy gets one.
            view = dict(view)
            view["name"] = "t%d" % index
        name = view["name"]
    view_path = os.path.join(work, "view.json")
    with open(view_path, "w", encoding="utf-8") as f:
        f.write(dump_json(view))
    out_dir = os.path.join(work, "out")
    cmd = [transform, "--view", view_path, "--input", input_dir, "--output", out_dir, "-q"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, "no exit within %d s" % RUN_TIMEOUT, None
    rc = p.returncode
    # The message without the temporary folder, so reports of two runs compare.
    msg = first_line(p.stderr + p.stdout).replace(tmp + os.sep, "")
    if test.get("expectError") is True:
        if rc in (1, 2):
            return True, "exit %d (expected 1 or 2): %s" % (rc, msg), rc
        return False, "exit %d, expected an error (exit 1 or 2); stderr: %s" % (
            rc, msg if p.stderr.strip() else "(empty)"), rc
    if rc != 0:
        return False, "exit %d: %s" % (rc, msg), rc
    try:
        columns, rows = read_output(out_dir, name)
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as e:
        return False, "output unreadable: %s" % e, rc
    why = judge_rows(test, columns, rows)
    return why is None, why or "", rc


def run_file(transform, path):
    """[(title, passed, reason, exit code)] of every test of one suite file."""
    with open(path, encoding="utf-8") as f:
        suite = load_json(f.read())
    results = []
    with tempfile.TemporaryDirectory(prefix="sof-cli-") as tmp:
        input_dir = os.path.join(tmp, "input")
        os.mkdir(input_dir)
        stem = os.path.splitext(os.path.basename(path))[0]
        with open(os.path.join(input_dir, stem + ".ndjson"), "w", encoding="utf-8",
                  newline="\n") as f:
            for r in suite.get("resources", []):
                f.write(dump_json(r) + "\n")
        for i, test in enumerate(suite.get("tests", [])):
            work = os.path.join(tmp, "t%d" % i)
            os.mkdir(work)
            passed, reason, rc = run_test(transform, work, input_dir, i, test, tmp)
            results.append((test.get("title"), passed, reason, rc,
                            test.get("expectError") is True))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transform", required=True)
    ap.add_argument("--tests", required=True, help="the suite's tests folder")
    ap.add_argument("--known", required=True, help="known-failures-cli.txt")
    ap.add_argument("--report", required=True, help="where to write the JSON report")
    ap.add_argument("--jobs", type=int, default=2, help="suite files run at once (default 2)")
    args = ap.parse_args()

    files = f2ctest.sof_suite_files(args.tests)
    if not f2ctest.transformer_ok(args.transform):
        return 1
    print("running every test as: %s --view VIEW.json --input INPUT --output OUT -q"
          % args.transform, flush=True)

    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        done = list(pool.map(lambda p: run_file(args.transform, p), files))

    fails = f2ctest.Failures()
    report, failing, codes = {}, set(), []
    total = 0
    for path, results in zip(files, done):
        base = os.path.basename(path)
        entry = report[base] = {"tests": []}
        for title, passed, reason, rc, expect_error in results:
            total += 1
            print("%s %s: %s%s" % ("PASS" if passed else "FAIL", base, title,
                                   " -- " + reason if reason else ""))
            res = {"passed": passed}
            if reason:
                res["reason"] = reason
            entry["tests"].append({"name": title, "result": res})
            if not passed:
                failing.add("%s: %s" % (base, title))
            if expect_error:
                codes.append("%s: %s: exit %s" % (base, title, rc))
    with open(args.report, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("expectError tests, exit status:")
    for c in codes:
        print("  " + c)

    known = f2ctest.check_known_failures(fails, args.known, failing)
    print("sof.conformance.cli: %d/%d passed, %d known failures; report %s"
          % (total - len(failing), total, len(known & failing), args.report))
    return 1 if fails.items else 0


if __name__ == "__main__":
    sys.exit(main())
