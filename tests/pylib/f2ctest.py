"""The one helper module of the Python tests (the C tests' counterpart is
tests/include/f2c_check.h).

Why: the Python tests used to carry their own copies of the same plumbing (an expect() in
several files, report and skip helpers, running the transformer).  One copy lives here so that
every test reports checks, failures and skips the same way.  Only plumbing lives here: every
assertion stays in the test that makes it, and each test still computes its expectations on
its own.

What it offers:

  SKIP                      77, the exit status CTest is told means "skipped"
                            (SKIP_RETURN_CODE in the tests' CMakeLists.txt).
  RESERVED_RESOURCE         the columns every table starts with: resource tables ...
  RESERVED_UNROLL           ... and unroll tables (RowId, ResourceId, FhirPath, ParentPath).
  banner(line)              print `line` between two rows of stars, so it cannot be missed.
  skip(msg)                 print a "SKIP: msg" banner and exit with SKIP.
  skip_without_shared(shared, needs)
                            skip unless the shared reference folder (../shared) exists.
  transformer_ok(path)      is `path` an executable file? If not, print a FAIL line.
  Failures                  collects one test's failures (each test makes its own, so tests
                            that import each other keep separate lists):
                            fail(msg) prints "FAIL: msg" and records it;
                            check(cond, msg) fails when cond is false and returns cond;
                            expect(cond, what) prints "ok   what" or "FAIL what" (a checklist
                            line, flushed), records a failure, returns cond;
                            report(passed) is report(.items, passed);
                            .items lists every message in order.
                            A test with a checklist starts with
                                CHECKS = f2ctest.Failures()
                                failures, expect = CHECKS.items, CHECKS.expect
  require(cond, what, out="", err="")
                            a check that ends the test: exit with "FAIL: what" and the
                            command's stdout and stderr when cond is false.
  run_transform(transform, config, inputs, out_dir, operation_id)
                            run the transformer (--quiet), echo its command line and its
                            output, return its exit status.
  partition_files(out_dir, entity)
                            the CSV partition files of one entity folder, sorted.
  parse_csv(raw, encoding)  the records of CSV bytes (line breaks inside quoted values stay
                            part of the value).
  folder_digest(folder)     {relative path: sha256} of every file of a CDM folder outside its
                            control folder .fhir2cdm (compare two runs byte for byte).
  remove_tmp(tmp, keep)     remove the temporary folder, or with keep say where it is.
  report(failures, passed)  the end of a test script: print "FAILED n check(s):" and list the
                            failures (each cut at 3000 characters) and return 1, or print
                            `passed` and return 0.

Import it with the folder of this file on sys.path (the tests insert ../pylib relative to
their own file).  Python stdlib only.
"""

import csv
import glob
import hashlib
import io
import os
import shutil
import subprocess
import sys

SKIP = 77
RESERVED_RESOURCE = ["ResourceId"]
RESERVED_UNROLL = ["RowId", "ResourceId", "FhirPath", "ParentPath"]


def banner(line):
    print("*" * 78)
    print(line)
    print("*" * 78, flush=True)


def skip(msg):
    banner("SKIP: " + msg)
    sys.exit(SKIP)


def skip_without_shared(shared, needs):
    """Skip unless the shared reference folder exists; `needs` names what the test reads in it
    (e.g. "compat/transform")."""
    if not os.path.isdir(shared):
        skip("shared reference folder %s is absent; this test needs ../shared/%s "
             "(set -DFHIR2CDM_SHARED_DIR=...)" % (shared, needs))


def transformer_ok(path):
    if os.access(path, os.X_OK):
        return True
    print("FAIL: transformer %s is not an executable file" % path)
    return False


class Failures:
    def __init__(self):
        self.items = []

    def fail(self, msg):
        self.items.append(msg)
        print("FAIL: " + msg, flush=True)

    def check(self, cond, msg):
        if not cond:
            self.fail(msg)
        return cond

    def expect(self, cond, what):
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            self.items.append(what)
        return cond

    def report(self, passed, limit=3000):
        return report(self.items, passed, limit)


def sof_suite_files(tests_dir):
    """The SQL on FHIR suite's test files (*.json in tests_dir, sorted); skips (exit 77) when
    there are none."""
    files = sorted(glob.glob(os.path.join(tests_dir, "*.json")))
    if not files:
        skip("the SQL on FHIR test suite is absent: no *.json in %s (set FHIR2CDM_SHARED_DIR "
             "to the folder holding sql-on-fhir/tests)" % tests_dir)
    return files


def check_known_failures(fails, known_path, failing):
    """A conformance run passes when the failing tests (names "<file>.json: <title>") are
    exactly those listed in known_path (one a line, '#' starts a comment): a failure not listed
    is a regression, a listed test that passes must come off the list.  Returns the listed
    names."""
    known = set()
    with open(known_path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                known.add(line)
    base = os.path.basename(known_path)
    for name in sorted(failing - known):
        fails.fail("new failure (not in %s): %s" % (base, name))
    for name in sorted(known - failing):
        fails.fail("passes now: take it off %s and docs/conformance.md: %s" % (base, name))
    return known


def require(cond, what, out="", err=""):
    if not cond:
        sys.exit("FAIL: %s\n--- stdout\n%s\n--- stderr\n%s" % (what, out, err))


def run_transform(transform, config, inputs, out_dir, operation_id):
    cmd = [transform, "--config", config, "--input", inputs, "--output", out_dir,
           "--operation-id", operation_id, "--quiet"]
    print("running: " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sys.stdout.write(p.stdout.decode("utf-8", "replace"))
    sys.stdout.write(p.stderr.decode("utf-8", "replace"))
    return p.returncode


def partition_files(out_dir, entity):
    return sorted(glob.glob(os.path.join(out_dir, "data", entity, "*.csv")))


def parse_csv(raw, encoding):
    # newline="" semantics: line breaks inside quoted values stay part of the value.
    return list(csv.reader(io.StringIO(raw.decode(encoding), newline="")))


def folder_digest(folder):
    """{relative path: sha256} of every file outside the control folder .fhir2cdm."""
    out = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".fhir2cdm"]
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as fp:
                out[os.path.relpath(path, folder)] = hashlib.sha256(fp.read()).hexdigest()
    return out


def remove_tmp(tmp, keep):
    if keep:
        print("output kept in " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def report(failures, passed, limit=3000):
    if failures:
        print(f"FAILED {len(failures)} check(s):")
        for f in failures:
            print("  " + str(f)[:limit])
        return 1
    print(passed)
    return 0
