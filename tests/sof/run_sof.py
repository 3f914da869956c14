#!/usr/bin/env python3
"""CTest driver of the SQL on FHIR v2 conformance suite.

Runs `fhir2cdm-transform sql-on-fhir-test TESTS --report REPORT`, then checks:
  * the report has the suite's format: {"<file>.json": {"tests": [{"name": str,
    "result": {"passed": bool, "reason"?: str}}]}}, one entry per test of every file in TESTS;
  * the failing tests are exactly those in --known (lines "<file>.json: <test title>"; '#'
    starts a comment): a failure not listed is a regression, a listed test that passes must be
    taken off the list (and out of docs/conformance.md).
Exit status: 0 pass; 1 fail; 77 skipped because the suite is absent (CTest SKIP_RETURN_CODE).
Python stdlib only.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "pylib"))
import f2ctest  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transform", required=True)
    ap.add_argument("--tests", required=True, help="the suite's tests folder")
    ap.add_argument("--known", required=True, help="known-failures.txt")
    ap.add_argument("--report", required=True, help="where to write test_report.json")
    args = ap.parse_args()

    files = f2ctest.sof_suite_files(args.tests)
    if not f2ctest.transformer_ok(args.transform):
        return 1
    cmd = [args.transform, "sql-on-fhir-test", "--report", args.report, args.tests]
    print("running: " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sys.stdout.write(p.stdout.decode("utf-8", "replace"))
    sys.stdout.write(p.stderr.decode("utf-8", "replace"))
    if p.returncode not in (0, 1):
        print("FAIL: the runner exited with status %d" % p.returncode)
        return 1

    fails = f2ctest.Failures()
    with open(args.report, encoding="utf-8") as f:
        report = json.load(f)
    failing = set()
    total = 0
    for path in files:
        base = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            suite = json.load(f)
        titles = [t.get("title") for t in suite.get("tests", [])]
        entry = report.get(base)
        if not fails.check(isinstance(entry, dict) and isinstance(entry.get("tests"), list),
                           "report has no {\"tests\": [...]} entry for %s" % base):
            continue
        names = [t.get("name") for t in entry["tests"]]
        fails.check(names == titles, "%s: report lists %s, the file has %s" % (base, names, titles))
        for t in entry["tests"]:
            res = t.get("result")
            ok = isinstance(res, dict) and isinstance(res.get("passed"), bool)
            fails.check(ok, "%s: %r: result is not {\"passed\": bool}" % (base, t.get("name")))
            if ok and not res["passed"]:
                fails.check(isinstance(res.get("reason"), str) and res["reason"],
                            "%s: %r failed without a reason" % (base, t.get("name")))
                failing.add("%s: %s" % (base, t.get("name")))
            total += 1
    fails.check(set(report) <= {os.path.basename(x) for x in files},
                "report has entries for files that are not in the suite: %s"
                % sorted(set(report) - {os.path.basename(x) for x in files}))

    known = f2ctest.check_known_failures(fails, args.known, failing)
    print("sof.conformance: %d of %d passed, %d known failures; report %s"
          % (total - len(failing), total, len(known & failing), args.report))
    return 1 if fails.items else 0


if __name__ == "__main__":
    sys.exit(main())
